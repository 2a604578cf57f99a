"""The action plan over JSON."""

from typing import Any

from fastapi import APIRouter

from app.actions import service
from app.db import transaction
from app.deps import CurrentFacilitator, OptionalFacilitator, ParticipantTokens, PublishDep, SessionDep
from app.events import service as events
from app.improvements import service as improvements
from app.participants import service as participants

router = APIRouter(prefix="/api/v1", tags=["action plan"])


@router.get("/events/{event_id}/actions")
def get_plan(
    event_id: int, session: SessionDep, facilitator: OptionalFacilitator, tokens: ParticipantTokens
) -> dict[str, Any]:
    """Every action, by improvement, with the plan's progress (actions by status)."""
    events.get_event(session, event_id)
    if not events.is_facilitator(session, event_id, facilitator.id if facilitator else None):
        participants.require_participant(session, event_id, tokens)
    by_improvement = service.event_actions(session, event_id)
    every = [a for actions in by_improvement.values() for a in actions]
    return {
        "progress": service.progress(every),
        "actions": [service.describe(a) for a in every],
    }


@router.post("/improvements/{improvement_id}/actions", status_code=201)
def add_action(
    improvement_id: int,
    body: service.ActionCreate,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """What will be done, by which role (`owner`), by when (`due`); the review date defaults to
    six weeks after the event."""
    with transaction(session):
        improvement = improvements.get_improvement(session, improvement_id)
        event = events.require_facilitator(session, improvement.event_id, facilitator.id)
        action, messages = service.add_action(session, event, improvement_id, body)
        out = service.describe(action)
    publish(messages)
    return out


@router.patch("/actions/{action_id}")
def update_action(
    action_id: int,
    body: service.ActionUpdate,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """Change an action; editable after the event closes, as the plan moves on."""
    with transaction(session):
        event = events.require_facilitator(
            session, service.get_action(session, action_id).event_id, facilitator.id
        )
        action, messages = service.update_action(session, event, action_id, body)
        out = service.describe(action)
    publish(messages)
    return out


@router.delete("/actions/{action_id}", status_code=204)
def remove_action(
    action_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> None:
    with transaction(session):
        event = events.require_facilitator(
            session, service.get_action(session, action_id).event_id, facilitator.id
        )
        messages = service.remove_action(session, event, action_id)
    publish(messages)
