"""Running the room over JSON: phase, reveal, spotlight, timer, board view, agenda, readiness, and
the board link for the venue PC."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from app.annotations import service as annotations
from app.deps import (
    OptionalFacilitator,
    ParticipantTokens,
    SessionDep,
    SettingsDep,
    WriteAsFacilitator,
    WriteAsParticipant,
    board_link_url,
)
from app.events import service as events
from app.participants import groups
from app.participants import service as participants
from app.phases import board, board_link, service
from app.phases.models import (
    BoardLinkPublic,
    BoardViewPublic,
    PhasePublic,
    ReadyPublic,
    RevealedPublic,
    RoomPublic,
    TimerPublic,
)

router = APIRouter(prefix="/api/v1", tags=["room"])


@router.get("/events/{event_id}/room", response_model=RoomPublic, response_model_exclude_unset=True)
def get_room(
    event_id: int,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
) -> dict[str, Any]:
    """The agenda, the current phase, the timer and the spotlight. Facilitators also get counts:
    how many are done, how many contributions wait to be shared, who is here (small groups merged)."""
    event = events.get_event(session, event_id)
    if not events.is_facilitator(session, event_id, facilitator.id if facilitator else None):
        participants.require_participant(session, event_id, tokens)
        return service.describe_room(session, event, for_facilitator=False)
    body = service.describe_room(session, event, for_facilitator=True)
    by_team, by_here_as = groups.here_counts(session, event_id, settings.min_group_size)
    body["here"] = {
        "total": by_team.total,
        "min_group_size": settings.min_group_size,
        "by_team": dict(by_team.shown) | ({"other": by_team.other} if by_team.other else {}),
        "by_here_as": dict(by_here_as.shown) | ({"other": by_here_as.other} if by_here_as.other else {}),
    }
    return body


@router.post("/events/{event_id}/phase", response_model=RoomPublic, response_model_exclude_unset=True)
def set_phase(
    event_id: int,
    body: service.PhaseChange,
    session: SessionDep,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """Move the room to a phase (`welcome`, `principles`, `journey_mapping`, `lens_walk`,
    `prioritise`, `vote`, `action_plan`, `close`, or one the facilitator added); optionally keep
    writing private in it. Sends `phase.changed` (and `timer.changed`: the timer is reset)."""
    write.facilitator(event_id, service.set_phase, body)
    return service.describe_room(session, write.event, for_facilitator=True)


@router.post("/events/{event_id}/reveal", response_model=RevealedPublic)
def reveal(event_id: int, write: WriteAsFacilitator) -> dict[str, Any]:
    """Share everything written in private with the room at once (`annotations.revealed`)."""
    messages = write.facilitator(event_id, annotations.reveal)
    return {"revealed": sum((m.data or {}).get("count", 0) for m in messages)}


@router.post("/events/{event_id}/spotlight", response_model=RoomPublic, response_model_exclude_unset=True)
def set_spotlight(
    event_id: int,
    session: SessionDep,
    write: WriteAsFacilitator,
    body: service.SpotlightChange | None = Body(default=None),
) -> dict[str, Any]:
    """Spotlight a stage or a touchpoint, or nothing (`null` or `{}`): `spotlight.changed`."""
    write.facilitator(event_id, service.set_spotlight, body or service.SpotlightChange())
    return service.describe_room(session, write.event, for_facilitator=True)


@router.post("/events/{event_id}/timer", response_model=TimerPublic)
def control_timer(
    event_id: int,
    body: service.TimerAction,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """`start` (optionally with `seconds`), `pause`, or `add` (`seconds`, default 60): `timer.changed`."""
    write.facilitator(event_id, service.control_timer, body)
    return service.timer_state(write.event).to_dict()


@router.post("/events/{event_id}/board", response_model=BoardViewPublic)
def set_board_view(
    event_id: int,
    body: board.BoardViewChange,
    session: SessionDep,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """What the projector shows: `journey`, `wall` (optionally filtered by stage, touchpoint,
    principle, team or kind), `principles`, `priorities` or `actions`: `board.changed`."""
    write.facilitator(event_id, board.set_board_view, body)
    board_view: dict[str, Any] = service.describe_room(session, write.event, for_facilitator=True)["board"]
    return board_view


@router.post("/events/{event_id}/agenda", status_code=201, response_model=PhasePublic)
def add_phase(
    event_id: int,
    body: service.PhaseCreate,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    phase, _messages = write.facilitator(event_id, service.add_phase, body)
    return service.phase_dict(phase)


@router.patch("/events/{event_id}/agenda/{slug}", response_model=PhasePublic)
def update_phase(
    event_id: int,
    slug: str,
    body: service.PhaseUpdate,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """Rename, set the duration, skip or include, keep writing private, or move (`position`)."""
    phase, _messages = write.facilitator(event_id, service.update_phase, slug, body)
    return service.phase_dict(phase)


@router.post("/events/{event_id}/ready", response_model=ReadyPublic)
def set_ready(
    event_id: int,
    write: WriteAsParticipant,
    body: service.ReadyChange | None = Body(default=None),
) -> dict[str, Any]:
    """A participant is done with the current phase (`done: false` undoes it). Only a count is shown."""
    change = body or service.ReadyChange()
    write.participant(event_id, service.set_ready, done=change.done)
    return {"phase": write.event.phase, "done": change.done}


@router.post("/events/{event_id}/board-link", status_code=201, response_model=BoardLinkPublic)
def create_board_link(
    event_id: int,
    request: Request,
    response: Response,
    settings: SettingsDep,
    write: WriteAsFacilitator,
) -> dict[str, str]:
    """A secret link that opens this event's board with no sign-in (for the venue's PC). Shown only
    now; asking again replaces it, and boards opened with the old link close."""
    token, _messages = write.facilitator(event_id, board_link.create_board_link)
    response.headers["Cache-Control"] = "no-store"
    return {"url": board_link_url(request, settings, token)}


@router.delete("/events/{event_id}/board-link", status_code=204)
def revoke_board_link(event_id: int, write: WriteAsFacilitator) -> Response:
    """The link stops working, and boards open with it close within seconds."""
    write.facilitator(event_id, board_link.revoke_board_link)
    return Response(status_code=204)
