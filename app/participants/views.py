"""Participant pages: join with a code, walk the journey, add and take back contributions."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.annotations import service as annotations
from app.annotations.models import Annotation
from app.db import scrub_deleted, transaction
from app.deps import (
    LimiterDep,
    ParticipantTokens,
    ParticipantWrite,
    PublishDep,
    SessionDep,
    SettingsDep,
    remember_participant,
)
from app.errors import DomainError, NotFound, TooManyRequests
from app.events import service as events
from app.events.fragments import live_context
from app.events.models import Event
from app.events.retention import changes_close_at
from app.forms import optional_int, validate
from app.participants import service
from app.participants.models import Participant
from app.phases import service as phases
from app.security.limits import client_key
from app.support import service as support
from app.support.models import SUPPORT_LABELS
from app.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

TextField = Annotated[str, Form(max_length=2000)]
SKIP_COOKIE = "lenswalk_skip"
MAX_SKIPPED = 12
SUPPORT_LABELS_BY_VALUE = {k.value: v for k, v in SUPPORT_LABELS.items()}


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


def _participant(session: SessionDep, event_id: int, tokens: list[str]) -> tuple[Event, Participant]:
    event = events.get_event(session, event_id)
    return event, service.require_participant(session, event_id, tokens)


def _skipped(request: Request) -> list[str]:
    return [s for s in (request.cookies.get(SKIP_COOKIE) or "").split(".") if s][:MAX_SKIPPED]


def _page_context(
    session: SessionDep, event: Event, participant: Participant, request: Request
) -> dict[str, Any]:
    ctx = live_context(session, event, "participant")
    team_views = events.teams(session, event.id or 0)
    ctx.update(
        {
            "seq": event.last_seq,
            "team": next((v for v in team_views if v.team.id == participant.team_id), None),
            "event_vignettes": [v for view in team_views for v in view.vignettes],
            "mine": annotations.list_mine(session, participant),
            "skipped": _skipped(request),
            "my_check_ins": support.my_check_ins(session, participant),
            "changes_close_at": changes_close_at(event),
            "ready": phases.is_ready(session, event, participant),
        }
    )
    return ctx


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
        event, participant = _participant(session, event_id, tokens)
    except DomainError:
        return RedirectResponse("/join", status_code=303)
    ctx = _page_context(session, event, participant, request)
    ctx.update(withdrawn=withdrawn == "1", checked=checked == "1", changed=changed == "1")
    return render(request, "participants/journey.html", ctx)


@router.post("/events/{event_id}/journey/annotations", dependencies=[ParticipantWrite])
def add_annotation(
    event_id: int,
    request: Request,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
    touchpoint_id: Annotated[str, Form(max_length=12)],
    kind: Annotated[str, Form(max_length=20)] = "",
    text: TextField = "",
    principles: Annotated[list[str] | None, Form(max_length=5)] = None,
    vignette_slug: Annotated[str, Form(max_length=80)] = "",
    client_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    data = validate(
        annotations.AnnotationCreate,
        {
            "touchpoint_id": optional_int(touchpoint_id),
            "kind": kind,
            "text": text,
            "principles": principles or [],
            "vignette_slug": vignette_slug or None,
            "client_key": client_key or None,
        },
    )
    with transaction(session):
        added, messages = annotations.post_annotation(session, event_id, tokens, data)
    publish(messages)
    if not is_htmx(request):
        return RedirectResponse(f"/events/{event_id}/journey#tp-{added['touchpoint_id']}", status_code=303)
    event, participant = _participant(session, event_id, tokens)
    ctx = _page_context(session, event, participant, request)
    tp = next(tp for tp in ctx["touchpoints"] if tp.id == added["touchpoint_id"])
    ctx.update({"tp": tp, "added": added})
    return render(request, "participants/journey.html", ctx, block="annotation_added")


def _own(session: SessionDep, annotation_id: int, tokens: list[str]) -> tuple[Annotation, Participant]:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound("That contribution does not exist, or it was withdrawn.")
    participant = service.require_participant(session, annotation.event_id, tokens)
    return annotations.get_own(session, participant, annotation_id), participant


@router.get("/annotations/{annotation_id}/edit")
def edit_page(
    annotation_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens
) -> Response:
    annotation, participant = _own(session, annotation_id, tokens)
    event = events.get_event(session, annotation.event_id)
    ctx = _page_context(session, event, participant, request)
    ctx["annotation"] = annotation
    return render(request, "participants/edit.html", ctx)


@router.post("/annotations/{annotation_id}/edit", dependencies=[ParticipantWrite])
def edit(
    annotation_id: int,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
    kind: Annotated[str, Form(max_length=20)] = "",
    text: TextField = "",
    principles: Annotated[list[str] | None, Form(max_length=5)] = None,
    vignette_slug: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    data = validate(
        annotations.AnnotationUpdate,
        {
            "kind": kind,
            "text": text,
            "principles": principles or [],
            "vignette_slug": vignette_slug or None,
        },
    )
    with transaction(session):
        _annotation, participant = _own(session, annotation_id, tokens)
        annotation, messages = annotations.update_annotation(session, participant, annotation_id, data)
    scrub_deleted(session)
    publish(messages)
    return RedirectResponse(f"/events/{annotation.event_id}/journey?changed=1#changed", status_code=303)


@router.get("/annotations/{annotation_id}/withdraw")
def withdraw_page(
    annotation_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens
) -> Response:
    annotation, participant = _own(session, annotation_id, tokens)
    event = events.get_event(session, annotation.event_id)
    ctx = _page_context(session, event, participant, request)
    ctx["annotation"] = annotation
    return render(request, "participants/withdraw.html", ctx)


@router.post("/annotations/{annotation_id}/withdraw", dependencies=[ParticipantWrite])
def withdraw(
    annotation_id: int, session: SessionDep, tokens: ParticipantTokens, publish: PublishDep
) -> Response:
    with transaction(session):
        annotation, participant = _own(session, annotation_id, tokens)
        event_id = annotation.event_id
        messages = annotations.withdraw_annotation(session, participant, annotation_id)
    scrub_deleted(session)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}/journey?withdrawn=1#withdrawn", status_code=303)


@router.get("/events/{event_id}/support")
def support_page(
    event_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens, sent: str = ""
) -> Response:
    event, _ = _participant(session, event_id, tokens)
    return render(
        request,
        "participants/support.html",
        {
            "event": event,
            "sent": sent in SUPPORT_LABELS_BY_VALUE,
            "sent_label": SUPPORT_LABELS_BY_VALUE.get(sent),
        },
    )


@router.post("/events/{event_id}/support")
def ask_for_support(
    event_id: int,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
    kind: Annotated[str, Form(max_length=40)],
    place: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    data = validate(support.SupportIn, {"kind": kind, "place": place})
    with transaction(session):
        event, participant = _participant(session, event_id, tokens)
        _request, messages = support.request_support(session, event, participant, data)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}/support?sent={data.kind.value}#sent", status_code=303)


@router.post("/events/{event_id}/check-in")
def check_in(
    event_id: int,
    request: Request,
    session: SessionDep,
    tokens: ParticipantTokens,
    moment: Annotated[str, Form(max_length=20)],
    feeling: Annotated[str, Form(max_length=40)],
) -> Response:
    data = validate(support.CheckInIn, {"moment": moment, "feeling": feeling})
    with transaction(session):
        event, participant = _participant(session, event_id, tokens)
        support.check_in(session, event, participant, data)
    if is_htmx(request):
        ctx = {"event": event, "my_check_ins": support.my_check_ins(session, participant), "thanked": True}
        return render(request, "participants/_check_in.html", {**ctx, "moment": data.moment.value})
    target = "closing" if data.moment.value == "leaving" else "journey"
    return RedirectResponse(f"/events/{event_id}/{target}?checked=1#check-in", status_code=303)


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
    _participant(session, event_id, tokens)
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
def return_code(event_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens) -> Response:
    with transaction(session):
        event, participant = _participant(session, event_id, tokens)
        code = service.create_return_code(session, participant)
    return render(request, "participants/return_code.html", {"event": event, "code": code})


@router.get("/return")
def return_page(request: Request) -> Response:
    return render(request, "participants/return.html")


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
def closing_page(
    event_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens, checked: str = ""
) -> Response:
    event, participant = _participant(session, event_id, tokens)
    return render(
        request,
        "participants/closing.html",
        {
            "event": event,
            "mine": annotations.list_mine(session, participant),
            "my_check_ins": support.my_check_ins(session, participant),
            "changes_close_at": changes_close_at(event),
            "checked": checked == "1",
        },
    )


@router.get("/safe")
def safe_page(request: Request) -> Response:
    return render(request, "safe.html")
