"""Participant pages: join with a code, the journey page, skipping a story, a return code, closing."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from app.annotations import service as annotations
from app.db import transaction
from app.deps import (
    LimiterDep,
    ParticipantPage,
    ParticipantTokens,
    SessionDep,
    SettingsDep,
    WriteAsParticipant,
    progress_url,
    remember_participant,
)
from app.errors import DomainError, NotFound, TooManyRequests
from app.events import service as events
from app.events.models import Event
from app.events.retention import changes_close_at
from app.events.views import qr_svg
from app.forms import optional_int, validate
from app.participants import service
from app.participants.models import Participant
from app.phases import service as phases
from app.progress import service as progress
from app.room.context import live_context
from app.security.limits import client_key
from app.support import service as support
from app.teams import service as teams
from app.templating import render, template_page

router = APIRouter(include_in_schema=False)

SKIP_COOKIE = "lenswalk_skip"
MAX_SKIPPED = 12


@router.get("/join")
def join_page(request: Request, session: SessionDep, limiter: LimiterDep, code: str = "") -> Response:
    code = events.normalise_join_code(code[:20])
    ctx: dict[str, Any] = {"code": code, "event": None, "teams": [], "message": None}
    if code:
        try:
            event = limiter.count_failures(
                limiter.join_checks(client_key(request)),
                NotFound,
                lambda: events.find_by_join_code(session, code),
            )
            ctx.update(event=event, teams=events.teams(session, event.id or 0))
        except TooManyRequests:
            raise  # the error page, with its status and Retry-After
        except DomainError as exc:
            ctx["message"] = exc.message
    return render(request, "participants/join.html", ctx, status_code=200)


@router.post("/join")
def join(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    tokens: ParticipantTokens,
    join_code: Annotated[str, Form(max_length=20)],
    here_as: Annotated[str, Form(max_length=40)] = "prefer_not_to_say",
    team_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    data = validate(
        service.JoinRequest,
        {
            "join_code": join_code,
            "here_as": here_as or "prefer_not_to_say",
            "team_id": optional_int(team_id),
        },
    )
    if data.team_id is None and events.teams(
        session, events.find_by_join_code(session, data.join_code).id or 0
    ):
        # Step one: the code is right; now choose "I'm here as" and a team.
        return RedirectResponse(f"/join?code={events.normalise_join_code(data.join_code)}", status_code=303)

    def attempt() -> service.Joined:
        with transaction(session):
            return service.join(session, data, tokens=tokens)

    joined = limiter.count_failures(limiter.join_checks(client_key(request)), NotFound, attempt)
    response = RedirectResponse(f"/events/{joined.event.id}/journey", status_code=303)
    remember_participant(response, settings, joined.token, tokens)
    return response


def event_participant(session: SessionDep, event_id: int, tokens: list[str]) -> tuple[Event, Participant]:
    event = events.get_event(session, event_id)
    return event, service.require_participant(session, event_id, tokens)


def _skipped(request: Request) -> list[str]:
    return [s for s in (request.cookies.get(SKIP_COOKIE) or "").split(".") if s][:MAX_SKIPPED]


def journey_context(
    session: SessionDep, event: Event, participant: Participant, request: Request
) -> dict[str, Any]:
    ctx = live_context(session, event, "participant")
    team_views = events.teams(session, event.id or 0)
    team = next((v for v in team_views if v.team.id == participant.team_id), None)
    ctx.update(
        {
            "seq": event.last_seq,
            "team": team,
            "team_version": teams.team_version(team),
            "event_vignettes": [v for view in team_views for v in view.vignettes],
            "mine": annotations.list_mine(session, participant),
            "skipped": _skipped(request),
            "my_check_ins": support.my_check_ins(session, participant),
            "changes_close_at": changes_close_at(event),
            "ready": phases.is_ready(session, event, participant),
        }
    )
    return ctx


@router.get("/events/{event_id}/journey/team")
def my_team(page: ParticipantPage, v: str = "") -> Response:
    """The phone's own team, asked for after the teams changed; nothing (204) when what the phone
    shows (`v`) is still right, so a story someone is reading stays open."""
    event, team_id = page.event, page.participant.team_id
    team = next((t for t in events.teams(page.session, event.id or 0) if t.team.id == team_id), None)
    version = teams.team_version(team)
    if v[:40] == version:
        return Response(status_code=204)
    ctx = {"event": event, "team": team, "team_version": version, "skipped": _skipped(page.request)}
    return render(page.request, "participants/_team.html", ctx)


@router.get("/events/{event_id}/journey")
def journey_page(
    event_id: int,
    request: Request,
    session: SessionDep,
    tokens: ParticipantTokens,
    withdrawn: str = "",
    checked: str = "",
    changed: str = "",
) -> Response:
    try:
        event, participant = event_participant(session, event_id, tokens)
    except DomainError:
        return RedirectResponse("/join", status_code=303)
    ctx = journey_context(session, event, participant, request)
    ctx.update(withdrawn=withdrawn == "1", checked=checked == "1", changed=changed == "1")
    return render(request, "participants/journey.html", ctx)


@router.post("/events/{event_id}/vignettes/{slug}/skip")
def skip_vignette(
    event_id: int,
    slug: str,
    request: Request,
    session: SessionDep,
    tokens: ParticipantTokens,
    settings: SettingsDep,
    show: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Remember on this phone only that the participant chose not to read this story."""
    event_participant(session, event_id, tokens)
    vignette = events.event_vignette(session, event_id, slug[:80])
    skipped = [s for s in _skipped(request) if s != vignette.slug]
    if not show:
        skipped = [vignette.slug, *skipped][:MAX_SKIPPED]
    response = RedirectResponse(f"/events/{event_id}/journey#vignette-{vignette.slug}", status_code=303)
    response.set_cookie(
        SKIP_COOKIE,
        ".".join(skipped),
        max_age=60 * 60 * 24 * 30,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


@router.post("/events/{event_id}/return-code")
def return_code(event_id: int, request: Request, session: SessionDep, write: WriteAsParticipant) -> Response:
    code = write.participant(event_id, service.create_return_code)
    event = events.get_event(session, event_id)
    return render(request, "participants/return_code.html", {"event": event, "code": code})


return_page = router.get("/return")(template_page("participants/return.html"))


@router.post("/return")
def use_return_code(
    session: SessionDep,
    settings: SettingsDep,
    tokens: ParticipantTokens,
    join_code: Annotated[str, Form(max_length=20)],
    return_code: Annotated[str, Form(max_length=40)],
) -> Response:
    data = validate(service.ReturnRequest, {"join_code": join_code, "return_code": return_code})
    joined = service.redeem_return_code(session, data)
    response = RedirectResponse(f"/events/{joined.event.id}/journey#mine", status_code=303)
    remember_participant(response, settings, joined.token, tokens)
    return response


@router.get("/events/{event_id}/closing")
def closing_page(page: ParticipantPage, checked: str = "") -> Response:
    session, event, participant = page.session, page.event, page.participant
    published = progress.progress_page(session, event.id or 0)
    url = (
        progress_url(page.request, page.settings, published.code) if published and published.published else ""
    )
    return render(
        page.request,
        "participants/closing.html",
        {
            "event": event,
            "mine": annotations.list_mine(session, participant),
            "my_check_ins": support.my_check_ins(session, participant),
            "changes_close_at": changes_close_at(event),
            "checked": checked == "1",
            # The public "You said, we did" page, once the facilitator has published it.
            "progress_url": url,
            "progress_short": url.split("://", 1)[-1],
            "progress_qr": Markup(qr_svg(url, "QR code: what is being done")) if url else "",  # noqa: S704
        },
    )


safe_page = router.get("/safe")(template_page("safe.html"))
