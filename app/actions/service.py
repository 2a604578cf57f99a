"""The action plan: actions for the priorities, editable by facilitators during and after the event."""

import datetime as dt
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from app.actions.models import OWNER_MAX, REVIEW_AFTER_DAYS, WHAT_MAX, Action, ActionStatus
from app.errors import Conflict, Invalid, NotFound, found
from app.events.models import Event, EventStatus
from app.improvements import service as improvements
from app.improvements.models import Driver
from app.roomlog.messages import ActionChanged, MessageType
from app.roomlog.service import RoomMessage, record
from app.timeutil import utcnow

MAX_ACTIONS_PER_IMPROVEMENT = 30
# Dates far outside a plan's life are typing mistakes (and would overflow some date arithmetic).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _dates_in_range(self) -> "_Strict":
        for name in ("due", "review"):
            value = getattr(self, name, None)
            if value is not None and not EARLIEST <= value <= LATEST:
                raise ValueError(f"{name}: choose a date between 2000 and 2100")
        return self


class ActionCreate(_Strict):
    what: str = Field(min_length=1, max_length=WHAT_MAX)
    owner: str = Field(min_length=1, max_length=OWNER_MAX, description="A role, such as 'Service manager'.")
    due: dt.date
    review: dt.date | None = Field(default=None, description="Defaults to six weeks after the event.")
    status: ActionStatus = ActionStatus.not_started
    driver: Driver | None = Field(default=None, description="Defaults to the improvement's driver.")


class ActionUpdate(_Strict):
    what: str | None = Field(default=None, min_length=1, max_length=WHAT_MAX)
    owner: str | None = Field(default=None, min_length=1, max_length=OWNER_MAX)
    due: dt.date | None = None
    review: dt.date | None = None
    status: ActionStatus | None = None
    driver: Driver | None = None


def default_review(event: Event) -> dt.date:
    return (event.date or utcnow().date()) + dt.timedelta(days=REVIEW_AFTER_DAYS)


def _require_plannable(event: Event) -> None:
    if event.status == EventStatus.draft:
        raise Conflict("Open the event before planning actions.")


def action_changed(session: Session, event: Event, action: Action) -> RoomMessage:
    """The room hears that an action changed (added, edited, removed, or reviewed: app/reviews)."""
    return record(
        session,
        event.id or 0,
        MessageType.ACTIONS_CHANGED,
        data=ActionChanged(id=action.id or 0, improvement_id=action.improvement_id),
    )


def add_action(
    session: Session, event: Event, improvement_id: int, data: ActionCreate
) -> tuple[Action, list[RoomMessage]]:
    _require_plannable(event)
    improvement = improvements.get_event_improvement(session, event, improvement_id)
    if len(actions_for(session, improvement_id)) >= MAX_ACTIONS_PER_IMPROVEMENT:
        raise Conflict(f"An improvement can have at most {MAX_ACTIONS_PER_IMPROVEMENT} actions.")
    action = Action(
        event_id=event.id or 0,
        improvement_id=improvement_id,
        what=data.what,
        owner=data.owner,
        driver=data.driver or improvement.driver,
        due=data.due,
        review=data.review or default_review(event),
        status=data.status,
    )
    session.add(action)
    session.flush()
    return action, [action_changed(session, event, action)]


def get_action(session: Session, action_id: int) -> Action:
    return found(session.get(Action, action_id), "That action does not exist, or it was removed.")


def update_action(
    session: Session, event: Event, action_id: int, data: ActionUpdate
) -> tuple[Action, list[RoomMessage]]:
    _require_plannable(event)
    action = get_action(session, action_id)
    if action.event_id != event.id:
        raise NotFound("That action does not exist, or it was removed.")
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise Invalid(f"{name.capitalize()} cannot be empty.")
        setattr(action, name, value)
    action.updated_at = utcnow()
    session.add(action)
    session.flush()
    return action, [action_changed(session, event, action)]


def remove_action(session: Session, event: Event, action_id: int) -> list[RoomMessage]:
    action = get_action(session, action_id)
    if action.event_id != event.id:
        raise NotFound("That action does not exist, or it was removed.")
    message = action_changed(session, event, action)
    session.delete(action)
    session.flush()
    return [message]


def actions_for(session: Session, improvement_id: int) -> list[Action]:
    return list(
        session.exec(select(Action).where(Action.improvement_id == improvement_id).order_by(col(Action.id)))
    )


def event_actions(session: Session, event_id: int) -> dict[int, list[Action]]:
    """Every action of the event, by improvement."""
    result: dict[int, list[Action]] = {}
    for action in session.exec(select(Action).where(Action.event_id == event_id).order_by(col(Action.id))):
        result.setdefault(action.improvement_id, []).append(action)
    return result


def progress(actions: list[Action]) -> dict[str, int]:
    # "Dropped" came with reviews (app/reviews): a plan that has dropped nothing counts as before.
    counts = Counter(a.status.value for a in actions)
    return {s.value: counts[s.value] for s in ActionStatus if s != ActionStatus.dropped or counts[s.value]}


def describe(action: Action) -> dict[str, Any]:
    return {
        "id": action.id,
        "improvement_id": action.improvement_id,
        "what": action.what,
        "owner": action.owner,
        "driver": action.driver.value,
        "due": action.due.isoformat(),
        "review": action.review.isoformat(),
        "status": action.status.value,
    }
