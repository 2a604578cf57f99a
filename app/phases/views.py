"""Room controls as pages and forms: the console's phase, timer, spotlight, reveal and board
controls, the agenda page, who is here, and a participant's "I'm done"."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.annotations import service as annotations
from app.db import transaction
from app.deps import CurrentFacilitator, ParticipantTokens, PublishDep, SessionDep, SettingsDep
from app.errors import Invalid
from app.events import service as events
from app.forms import optional_int, validate
from app.participants import groups
from app.participants import service as participants
from app.phases import board, service
from app.roomlog.service import RoomMessage
from app.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

Flag = Literal["", "true", "false"]


def _to_console(request: Request, event_id: int) -> Response:
    if is_htmx(request):
        return Response(status_code=204)  # the console's own websocket brings the change
    return RedirectResponse(f"/events/{event_id}/console", status_code=303)


def _split(value: str) -> tuple[str, str] | None:
    """'touchpoint:12' -> ('touchpoint', '12'); '' -> None."""
    if not value:
        return None
    by, _, rest = value.partition(":")
    if not rest:
        raise Invalid("Choose one of the options.")
    return by, rest


@router.post("/events/{event_id}/phase")
def set_phase(
    event_id: int,
    request: Request,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    phase: Annotated[str, Form(max_length=40)],
    private_writing: Annotated[Flag, Form()] = "",
) -> Response:
    data = validate(
        service.PhaseChange,
        {"phase": phase, "private_writing": None if not private_writing else private_writing == "true"},
    )
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = service.set_phase(session, event, data)
    publish(messages)
    return _to_console(request, event_id)


@router.post("/events/{event_id}/reveal")
def reveal(
    event_id: int, request: Request, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> Response:
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = annotations.reveal(session, event)
    publish(messages)
    return _to_console(request, event_id)


@router.post("/events/{event_id}/timer")
def control_timer(
    event_id: int,
    request: Request,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    action: Annotated[str, Form(max_length=10)],
    seconds: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    data = validate(service.TimerAction, {"action": action, "seconds": optional_int(seconds)})
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = service.control_timer(session, event, data)
    publish(messages)
    return _to_console(request, event_id)


@router.post("/events/{event_id}/spotlight")
def set_spotlight(
    event_id: int,
    request: Request,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    target: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    picked = _split(target)
    if picked is not None and picked[0] not in ("stage", "touchpoint"):
        raise Invalid("Choose a stage or a touchpoint.")
    body = {f"{picked[0]}_id": optional_int(picked[1])} if picked else {}
    data = validate(service.SpotlightChange, body)
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = service.set_spotlight(session, event, data)
    publish(messages)
    return _to_console(request, event_id)


@router.post("/events/{event_id}/board-view")
def set_board_view(
    event_id: int,
    request: Request,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    view: Annotated[str, Form(max_length=20)],
    filter: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    picked = _split(filter)
    data = validate(
        board.BoardViewChange,
        {"view": view, "filter": {"by": picked[0], "value": picked[1]} if picked else None},
    )
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = board.set_board_view(session, event, data)
    publish(messages)
    return _to_console(request, event_id)


@router.get("/events/{event_id}/console/here")
def here(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
) -> Response:
    """Who is here, as counts; the console polls it (joining is not a room event)."""
    event = events.require_facilitator(session, event_id, facilitator.id)
    ctx = {"event": event, "here": groups.here_counts(session, event_id, settings.min_group_size)}
    return render(request, "phases/here.html", ctx)


# ---- the agenda page ----------------------------------------------------------------------------


@router.get("/events/{event_id}/agenda")
def agenda_page(
    event_id: int, request: Request, session: SessionDep, facilitator: CurrentFacilitator
) -> Response:
    event = events.require_facilitator(session, event_id, facilitator.id)
    return render(
        request,
        "phases/agenda.html",
        {
            "event": event,
            "agenda": service.agenda(session, event_id),
            "facilitators": events.facilitator_emails(session, event_id),
        },
    )


@router.post("/events/{event_id}/agenda")
def add_phase(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    name: Annotated[str, Form(max_length=200)],
    duration_minutes: Annotated[str, Form(max_length=4)] = "15",
) -> Response:
    data = validate(
        service.PhaseCreate, {"name": name, "duration_minutes": optional_int(duration_minutes) or 15}
    )
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        _phase, messages = service.add_phase(session, event, data)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}/agenda", status_code=303)


@router.post("/events/{event_id}/agenda/{slug}")
def change_phase(
    event_id: int,
    slug: str,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    action: Annotated[Literal["save", "up", "down", "skip", "include"], Form()],
    name: Annotated[str, Form(max_length=200)] = "",
    duration_minutes: Annotated[str, Form(max_length=4)] = "",
    private_writing: Annotated[Flag, Form()] = "",
) -> Response:
    messages: list[RoomMessage]
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        if action in ("up", "down"):
            _phase, messages = service.move_phase(session, event, slug, -1 if action == "up" else 1)
        else:
            fields: dict[str, object] = {"skipped": action == "skip"} if action != "save" else {}
            if action == "save":
                fields = {
                    "name": name,
                    "duration_minutes": optional_int(duration_minutes),
                    "private_writing": private_writing == "true",
                }
            _phase, messages = service.update_phase(
                session, event, slug, validate(service.PhaseUpdate, fields)
            )
    publish(messages)
    return RedirectResponse(f"/events/{event_id}/agenda#phase-{slug}", status_code=303)


@router.post("/events/{event_id}/facilitators")
def add_facilitator(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    email: Annotated[str, Form(max_length=254)],
) -> Response:
    data = validate(events.FacilitatorAdd, {"email": email})
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        events.add_facilitator(session, event, email=data.email)
    return RedirectResponse(f"/events/{event_id}/agenda#facilitators", status_code=303)


# ---- a participant's "I'm done" ----------------------------------------------------------------


def _ready_block(request: Request, session: SessionDep, event_id: int, tokens: list[str]) -> Response:
    event = events.get_event(session, event_id)
    participant = participants.require_participant(session, event_id, tokens)
    ctx = {
        "event": event,
        "phase": service.current_phase(session, event),
        "done": service.is_ready(session, event, participant),
    }
    return render(request, "phases/ready.html", ctx)


@router.get("/events/{event_id}/journey/ready")
def ready_state(event_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens) -> Response:
    return _ready_block(request, session, event_id, tokens)


@router.post("/events/{event_id}/journey/ready")
def set_ready(
    event_id: int,
    request: Request,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
    done: Annotated[Literal["true", "false"], Form()] = "true",
) -> Response:
    with transaction(session):
        event = events.get_event(session, event_id)
        participant = participants.require_participant(session, event_id, tokens)
        messages = service.set_ready(session, event, participant, done=done == "true")
    publish(messages)
    if not is_htmx(request):
        return RedirectResponse(f"/events/{event_id}/journey#ready", status_code=303)
    return _ready_block(request, session, event_id, tokens)
