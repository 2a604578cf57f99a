"""Room controls as pages and forms: the console's phase, timer, spotlight, reveal and board
controls, the agenda page, who is here, the board link for the venue PC, and a participant's
"I'm done"."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Concatenate, Literal, ParamSpec

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.annotations import service as annotations
from app.deps import (
    FacilitatorPage,
    ParticipantTokens,
    RoomWrite,
    SessionDep,
    SettingsDep,
    WriteAsFacilitator,
    WriteAsParticipant,
    board_link_url,
)
from app.errors import Invalid
from app.events import service as events
from app.events.models import Event
from app.forms import Flag, flag, optional_int, validate
from app.participants import groups
from app.participants import service as participants
from app.phases import board, board_link, service
from app.phases.models import Phase
from app.roomlog.service import RoomMessage
from app.templating import is_htmx, render

router = APIRouter(include_in_schema=False)
P = ParamSpec("P")

PhaseAction = Literal["save", "up", "down", "skip", "include"]


def _to_console(request: Request, event_id: int) -> Response:
    if is_htmx(request):
        return Response(status_code=204)  # the console's own websocket brings the change
    return RedirectResponse(f"/events/{event_id}/console", status_code=303)


@dataclass(frozen=True)
class ConsoleControl:
    """A control on the console: one write by a facilitator of the event, then back to the console."""

    event_id: int
    request: Request
    write: RoomWrite

    def run(
        self, call: Callable[Concatenate[Session, Event, P], object], *args: P.args, **kwargs: P.kwargs
    ) -> Response:
        self.write.facilitator(self.event_id, call, *args, **kwargs)
        return _to_console(self.request, self.event_id)


async def _console_control(event_id: int, request: Request, write: WriteAsFacilitator) -> ConsoleControl:
    return ConsoleControl(event_id, request, write)


Console = Annotated[ConsoleControl, Depends(_console_control)]


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
    console: Console,
    phase: Annotated[str, Form(max_length=40)],
    private_writing: Annotated[Flag, Form()] = "",
) -> Response:
    data = validate(
        service.PhaseChange,
        {"phase": phase, "private_writing": flag(private_writing)},
    )
    return console.run(service.set_phase, data)


@router.post("/events/{event_id}/reveal")
def reveal(console: Console) -> Response:
    return console.run(annotations.reveal)


@router.post("/events/{event_id}/timer")
def control_timer(
    console: Console,
    action: Annotated[str, Form(max_length=10)],
    seconds: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    data = validate(service.TimerAction, {"action": action, "seconds": optional_int(seconds)})
    return console.run(service.control_timer, data)


@router.post("/events/{event_id}/spotlight")
def set_spotlight(
    console: Console,
    target: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    picked = _split(target)
    if picked is not None and picked[0] not in ("stage", "touchpoint"):
        raise Invalid("Choose a stage or a touchpoint.")
    body = {f"{picked[0]}_id": optional_int(picked[1])} if picked else {}
    data = validate(service.SpotlightChange, body)
    return console.run(service.set_spotlight, data)


@router.post("/events/{event_id}/board-view")
def set_board_view(
    console: Console,
    view: Annotated[str, Form(max_length=20)],
    filter: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    picked = _split(filter)
    data = validate(
        board.BoardViewChange,
        {"view": view, "filter": {"by": picked[0], "value": picked[1]} if picked else None},
    )
    return console.run(board.set_board_view, data)


@router.get("/events/{event_id}/console/here")
def here(page: FacilitatorPage) -> Response:
    """Who is here, as counts; the console polls it (joining is not a room event)."""
    here = groups.here_counts(page.session, page.event.id or 0, page.settings.min_group_size)
    return render(page.request, "phases/here.html", {"event": page.event, "here": here})


# ---- the agenda page ----------------------------------------------------------------------------


@router.get("/events/{event_id}/agenda")
def agenda_page(page: FacilitatorPage) -> Response:
    session, event_id = page.session, page.event.id or 0
    return render(
        page.request,
        "phases/agenda.html",
        {
            "event": page.event,
            "agenda": service.agenda(session, event_id),
            "facilitators": events.facilitator_emails(session, event_id),
        },
    )


@router.post("/events/{event_id}/agenda")
def add_phase(
    event_id: int,
    write: WriteAsFacilitator,
    name: Annotated[str, Form(max_length=200)],
    duration_minutes: Annotated[str, Form(max_length=4)] = "15",
) -> Response:
    data = validate(
        service.PhaseCreate, {"name": name, "duration_minutes": optional_int(duration_minutes) or 15}
    )
    write.facilitator(event_id, service.add_phase, data)
    return RedirectResponse(f"/events/{event_id}/agenda", status_code=303)


def _change_phase(
    session: Session,
    event: Event,
    slug: str,
    action: PhaseAction,
    name: str,
    duration_minutes: str,
    private_writing: Flag,
) -> tuple[Phase, list[RoomMessage]]:
    if action in ("up", "down"):
        return service.move_phase(session, event, slug, -1 if action == "up" else 1)
    fields: dict[str, object] = {"skipped": action == "skip"}
    if action == "save":
        fields = {
            "name": name,
            "duration_minutes": optional_int(duration_minutes),
            "private_writing": private_writing == "true",
        }
    return service.update_phase(session, event, slug, validate(service.PhaseUpdate, fields))


@router.post("/events/{event_id}/agenda/{slug}")
def change_phase(
    event_id: int,
    slug: str,
    write: WriteAsFacilitator,
    action: Annotated[PhaseAction, Form()],
    name: Annotated[str, Form(max_length=200)] = "",
    duration_minutes: Annotated[str, Form(max_length=4)] = "",
    private_writing: Annotated[Flag, Form()] = "",
) -> Response:
    write.facilitator(event_id, _change_phase, slug, action, name, duration_minutes, private_writing)
    return RedirectResponse(f"/events/{event_id}/agenda#phase-{slug}", status_code=303)


# ---- the board link for the venue PC -----------------------------------------------------------


@router.post("/events/{event_id}/board-link")
def create_board_link(
    event_id: int, request: Request, settings: SettingsDep, write: WriteAsFacilitator
) -> Response:
    token, _messages = write.facilitator(event_id, board_link.create_board_link)
    response = render(
        request,
        "events/board_link.html",
        {"event": write.event, "board_url": board_link_url(request, settings, token)},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/events/{event_id}/board-link/revoke")
def revoke_board_link(event_id: int, write: WriteAsFacilitator) -> Response:
    write.facilitator(event_id, board_link.revoke_board_link)
    return RedirectResponse(f"/events/{event_id}#board-link", status_code=303)


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
    write: WriteAsParticipant,
    done: Annotated[Literal["true", "false"], Form()] = "true",
) -> Response:
    write.participant(event_id, service.set_ready, done=done == "true")
    if not is_htmx(request):
        return RedirectResponse(f"/events/{event_id}/journey#ready", status_code=303)
    return _ready_block(request, session, event_id, write.tokens)
