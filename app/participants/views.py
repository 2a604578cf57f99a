"""Participant pages: join with a code, walk the journey, add and take back contributions."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.annotations import service as annotations
from app.annotations.models import Annotation
from app.db import transaction
from app.deps import ParticipantTokens, PublishDep, SessionDep, SettingsDep, remember_participant
from app.errors import DomainError, NotFound
from app.events import service as events
from app.events.fragments import live_context
from app.events.models import Event
from app.forms import optional_int, validate
from app.participants import service
from app.participants.models import Participant
from app.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

TextField = Annotated[str, Form(max_length=2000)]


@router.get("/join")
def join_page(request: Request, session: SessionDep, code: str = "") -> Response:
    code = events.normalise_join_code(code[:20])
    ctx: dict[str, Any] = {"code": code, "event": None, "teams": [], "message": None}
    if code:
        try:
            event = events.find_by_join_code(session, code)
            ctx.update(event=event, teams=events.teams(session, event.id or 0))
        except DomainError as exc:
            ctx["message"] = exc.message
    return render(request, "participants/join.html", ctx, status_code=200)


@router.post("/join")
def join(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
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
    if data.team_id is None:
        # Step one: the code is right; now choose "I'm here as" and a team.
        return RedirectResponse(f"/join?code={events.normalise_join_code(data.join_code)}", status_code=303)
    with transaction(session):
        joined = service.join(session, data, tokens=tokens)
    response = RedirectResponse(f"/events/{joined.event.id}/journey", status_code=303)
    remember_participant(response, settings, joined.token, tokens)
    return response


def _participant(session: SessionDep, event_id: int, tokens: list[str]) -> tuple[Event, Participant]:
    event = events.get_event(session, event_id)
    return event, service.require_participant(session, event_id, tokens)


def _page_context(session: SessionDep, event: Event, participant: Participant) -> dict[str, Any]:
    ctx = live_context(session, event, "participant")
    team_views = events.teams(session, event.id or 0)
    ctx.update(
        {
            "seq": event.last_seq,
            "team": next((v for v in team_views if v.team.id == participant.team_id), None),
            "event_vignettes": [v for view in team_views for v in view.vignettes],
            "mine": annotations.list_mine(session, participant),
        }
    )
    return ctx


@router.get("/events/{event_id}/journey")
def journey_page(event_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens) -> Response:
    try:
        event, participant = _participant(session, event_id, tokens)
    except DomainError:
        return RedirectResponse("/join", status_code=303)
    return render(request, "participants/journey.html", _page_context(session, event, participant))


@router.post("/events/{event_id}/journey/annotations")
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
        event, participant = _participant(session, event_id, tokens)
        annotation, messages = annotations.add_annotation(session, event, participant, data)
    publish(messages)
    if not is_htmx(request):
        return RedirectResponse(f"/events/{event_id}/journey#tp-{annotation.touchpoint_id}", status_code=303)
    ctx = _page_context(session, event, participant)
    tp = next(tp for tp in ctx["touchpoints"] if tp.id == annotation.touchpoint_id)
    ctx.update({"tp": tp, "added": annotation})
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
    ctx = _page_context(session, event, participant)
    ctx["annotation"] = annotation
    return render(request, "participants/edit.html", ctx)


@router.post("/annotations/{annotation_id}/edit")
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
    publish(messages)
    return RedirectResponse(f"/events/{annotation.event_id}/journey#mine", status_code=303)


@router.post("/annotations/{annotation_id}/withdraw")
def withdraw(
    annotation_id: int, session: SessionDep, tokens: ParticipantTokens, publish: PublishDep
) -> Response:
    with transaction(session):
        annotation, participant = _own(session, annotation_id, tokens)
        event_id = annotation.event_id
        messages = annotations.withdraw_annotation(session, participant, annotation_id)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}/journey#mine", status_code=303)


@router.get("/safe")
def safe_page(request: Request) -> Response:
    return render(request, "safe.html")
