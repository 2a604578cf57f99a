"""The action plan over JSON."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlmodel import Session

from app.actions import service
from app.actions.models import ActionPlanPublic, ActionPublic
from app.deps import OptionalFacilitator, ParticipantTokens, SessionDep, WriteAsFacilitator
from app.events import service as events
from app.improvements.api import event_of
from app.organisations import service as organisations
from app.participants import service as participants

router = APIRouter(prefix="/api/v1", tags=["action plan"])


def _event_of_action(action_id: int) -> Callable[[Session], int]:
    return lambda session: service.get_action(session, action_id).event_id


@router.get("/events/{event_id}/actions", response_model=ActionPlanPublic)
def get_plan(
    event_id: int, session: SessionDep, facilitator: OptionalFacilitator, tokens: ParticipantTokens
) -> dict[str, Any]:
    """Every action, by improvement, with the plan's progress (actions by status)."""
    event = events.get_event(session, event_id)
    if not organisations.may_open_plan(session, event, facilitator.id if facilitator else None):
        participants.require_participant(session, event_id, tokens)
    by_improvement = service.event_actions(session, event_id)
    every = [a for actions in by_improvement.values() for a in actions]
    return {
        "progress": service.progress(every),
        "actions": [service.describe(a) for a in every],
    }


@router.post("/improvements/{improvement_id}/actions", status_code=201, response_model=ActionPublic)
def add_action(
    improvement_id: int,
    body: service.ActionCreate,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """What will be done, by which role (`owner`), by when (`due`); the review date defaults to
    six weeks after the event."""
    action, _messages = write.facilitator(event_of(improvement_id), service.add_action, improvement_id, body)
    return service.describe(action)


@router.patch("/actions/{action_id}", response_model=ActionPublic)
def update_action(
    action_id: int,
    body: service.ActionUpdate,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """Change an action; editable after the event closes, as the plan moves on, by the event's
    facilitators and its organisation's implementation group."""
    action, _messages = write.plan(_event_of_action(action_id), service.update_action, action_id, body)
    return service.describe(action)


@router.delete("/actions/{action_id}", status_code=204)
def remove_action(action_id: int, write: WriteAsFacilitator) -> None:
    write.facilitator(_event_of_action(action_id), service.remove_action, action_id)
