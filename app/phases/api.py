"""Running the room over JSON: phase, reveal, spotlight, timer, board view, agenda, readiness, and
the board link for the venue PC."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from app.annotations import service as annotations
from app.db import transaction
from app.deps import (
    CurrentFacilitator,
    OptionalFacilitator,
    ParticipantTokens,
    PublishDep,
    SessionDep,
    SettingsDep,
    board_link_url,
)
from app.events import service as events
from app.participants import groups
from app.participants import service as participants
from app.phases import board, board_link, service

router = APIRouter(prefix="/api/v1", tags=["room"])


@router.get("/events/{event_id}/room")
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


@router.post("/events/{event_id}/phase")
def set_phase(
    event_id: int,
    body: service.PhaseChange,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """Move the room to a phase (`welcome`, `principles`, `journey_mapping`, `lens_walk`,
    `prioritise`, `vote`, `action_plan`, `close`, or one the facilitator added); optionally keep
    writing private in it. Sends `phase.changed` (and `timer.changed`: the timer is reset)."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = service.set_phase(session, event, body)
    publish(messages)
    return service.describe_room(session, event, for_facilitator=True)


@router.post("/events/{event_id}/reveal")
def reveal(
    event_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> dict[str, Any]:
    """Share everything written in private with the room at once (`annotations.revealed`)."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = annotations.reveal(session, event)
    publish(messages)
    return {"revealed": sum((m.data or {}).get("count", 0) for m in messages)}


@router.post("/events/{event_id}/spotlight")
def set_spotlight(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    body: service.SpotlightChange | None = Body(default=None),
) -> dict[str, Any]:
    """Spotlight a stage or a touchpoint, or nothing (`null` or `{}`): `spotlight.changed`."""
    change = body or service.SpotlightChange()
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = service.set_spotlight(session, event, change)
    publish(messages)
    return service.describe_room(session, event, for_facilitator=True)


@router.post("/events/{event_id}/timer")
def control_timer(
    event_id: int,
    body: service.TimerAction,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """`start` (optionally with `seconds`), `pause`, or `add` (`seconds`, default 60): `timer.changed`."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = service.control_timer(session, event, body)
    publish(messages)
    return service.timer_state(event).to_dict()


@router.post("/events/{event_id}/board")
def set_board_view(
    event_id: int,
    body: board.BoardViewChange,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """What the projector shows: `journey`, `wall` (optionally filtered by stage, touchpoint,
    principle, team or kind), `principles`, `priorities` or `actions`: `board.changed`."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = board.set_board_view(session, event, body)
    publish(messages)
    return service.describe_room(session, event, for_facilitator=True)["board"]


@router.post("/events/{event_id}/agenda", status_code=201)
def add_phase(
    event_id: int,
    body: service.PhaseCreate,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        phase, messages = service.add_phase(session, event, body)
    publish(messages)
    return service.phase_dict(phase)


@router.patch("/events/{event_id}/agenda/{slug}")
def update_phase(
    event_id: int,
    slug: str,
    body: service.PhaseUpdate,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """Rename, set the duration, skip or include, keep writing private, or move (`position`)."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        phase, messages = service.update_phase(session, event, slug, body)
    publish(messages)
    return service.phase_dict(phase)


@router.post("/events/{event_id}/ready")
def set_ready(
    event_id: int,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
    body: service.ReadyChange | None = Body(default=None),
) -> dict[str, Any]:
    """A participant is done with the current phase (`done: false` undoes it). Only a count is shown."""
    change = body or service.ReadyChange()
    with transaction(session):
        event = events.get_event(session, event_id)
        participant = participants.require_participant(session, event_id, tokens)
        messages = service.set_ready(session, event, participant, done=change.done)
    publish(messages)
    return {"phase": event.phase, "done": change.done}


@router.post("/events/{event_id}/board-link", status_code=201)
def create_board_link(
    event_id: int,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, str]:
    """A secret link that opens this event's board with no sign-in (for the venue's PC). Shown only
    now; asking again replaces it, and boards opened with the old link close."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        token, messages = board_link.create_board_link(session, event)
    publish(messages)
    response.headers["Cache-Control"] = "no-store"
    return {"url": board_link_url(request, settings, token)}


@router.delete("/events/{event_id}/board-link", status_code=204)
def revoke_board_link(
    event_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> Response:
    """The link stops working, and boards open with it close within seconds."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = board_link.revoke_board_link(session, event)
    publish(messages)
    return Response(status_code=204)
