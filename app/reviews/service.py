"""Reviews of an event's action plan: the schedule (every six weeks by default), recording a review
(its date, who took part by role only, and for each action its status, a short note and an optional
link to evidence), each action's history, and what is overdue or missed."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from app.actions.models import Action, ActionStatus
from app.actions.service import EARLIEST, LATEST, action_changed, default_review
from app.errors import Conflict, Invalid, NotFound
from app.events.models import Event, EventStatus
from app.reviews.models import (
    EVIDENCE_MAX,
    EVIDENCE_PATTERN,
    INTERVAL_WEEKS,
    NOTE_MAX,
    ROLE_MAX,
    AttendeePublic,
    HistoryPublic,
    Review,
    ReviewPublic,
    ReviewSchedule,
    ReviewsPublic,
    SchedulePublic,
    StatusChange,
    StatusChangePublic,
)
from app.roomlog.service import RoomMessage
from app.timeutil import utcnow

MAX_ROLES = 20
MAX_PER_ROLE = 500
# An action is finished with when it is done or dropped: only the others can be overdue.
FINISHED = frozenset({ActionStatus.done, ActionStatus.dropped})

PlanDate = Annotated[dt.date, Field(ge=EARLIEST, le=LATEST)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Attendees(_Strict):
    role: str = Field(min_length=1, max_length=ROLE_MAX, description="A role, never a name.")
    count: int = Field(ge=1, le=MAX_PER_ROLE)


class ActionReview(_Strict):
    action_id: int = Field(ge=1)
    status: ActionStatus
    note: str = Field(default="", max_length=NOTE_MAX)
    evidence_url: str | None = Field(
        default=None,
        max_length=EVIDENCE_MAX,
        pattern=EVIDENCE_PATTERN,
        description="A link to evidence: http or https only.",
    )


class ReviewCreate(_Strict):
    held_on: PlanDate
    attendees: list[Attendees] = Field(default_factory=list, max_length=MAX_ROLES)
    actions: list[ActionReview] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _once_each(self) -> "ReviewCreate":
        ids = [a.action_id for a in self.actions]
        if len(ids) != len(set(ids)):
            raise ValueError("each action can appear only once in a review")
        roles = [a.role.casefold() for a in self.attendees]
        if len(roles) != len(set(roles)):
            raise ValueError("each role can appear only once; give its count instead")
        return self


class ScheduleUpdate(_Strict):
    interval_weeks: int = Field(default=INTERVAL_WEEKS, ge=1, le=52)
    first_review: PlanDate


@dataclass
class Standing:
    """Where an event's plan stands today: the next review and what is late."""

    schedule: ReviewSchedule
    reviews: int
    last_review: dt.date | None
    next_review: dt.date
    review_missed: bool
    overdue: list[Action]


def _require_plannable(event: Event) -> None:
    if event.status == EventStatus.draft:
        raise Conflict("Open the event before reviewing its plan.")


def schedule(session: Session, event: Event) -> ReviewSchedule:
    """The event's schedule, or the default one (every six weeks, from the actions' default review
    date) when none has been set."""
    found = session.exec(select(ReviewSchedule).where(ReviewSchedule.event_id == event.id)).first()
    return found or ReviewSchedule(
        event_id=event.id or 0, interval_weeks=INTERVAL_WEEKS, first_review=default_review(event)
    )


def set_schedule(
    session: Session, event: Event, data: ScheduleUpdate
) -> tuple[ReviewSchedule, list[RoomMessage]]:
    _require_plannable(event)
    found = schedule(session, event)
    found.interval_weeks = data.interval_weeks
    found.first_review = data.first_review
    session.add(found)
    session.flush()
    return found, []


def record_review(session: Session, event: Event, data: ReviewCreate) -> tuple[Review, list[RoomMessage]]:
    """A review held: each action named gets its new status and a line in its history."""
    _require_plannable(event)
    if data.held_on > utcnow().date():
        raise Invalid("A review is recorded once it has been held: choose today or an earlier date.")
    if event.date and data.held_on < event.date:
        raise Invalid("A review of the plan comes after the event: choose a date on or after it.")
    actions = {
        a.id: a for a in session.exec(select(Action).where(Action.event_id == event.id)) if a.id is not None
    }
    unknown = [a.action_id for a in data.actions if a.action_id not in actions]
    if unknown:
        raise NotFound("That action is not in this event's plan, or it was removed.")
    review = Review(
        event_id=event.id or 0,
        held_on=data.held_on,
        attendees=[a.model_dump() for a in data.attendees],
    )
    session.add(review)
    session.flush()
    messages = []
    for change in data.actions:
        action = actions[change.action_id]
        session.add(
            StatusChange(
                action_id=change.action_id,
                review_id=review.id or 0,
                status=change.status,
                note=change.note,
                evidence_url=change.evidence_url,
                changed_on=data.held_on,
            )
        )
        action.status = change.status
        action.updated_at = utcnow()
        session.add(action)
        messages.append(action_changed(session, event, action))
    session.flush()
    return review, messages


def get_review(session: Session, event: Event, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None or review.event_id != event.id:
        raise NotFound("There is no such review of this event's plan.")
    return review


def event_reviews(session: Session, event_id: int) -> list[Review]:
    """The event's reviews, oldest first."""
    return list(
        session.exec(
            select(Review).where(Review.event_id == event_id).order_by(col(Review.held_on), col(Review.id))
        )
    )


def event_history(session: Session, event_id: int) -> dict[int, list[StatusChange]]:
    """Each action's history, oldest first, by action."""
    result: dict[int, list[StatusChange]] = {}
    for change in session.exec(
        select(StatusChange)
        .join(Action, col(Action.id) == StatusChange.action_id)
        .where(Action.event_id == event_id)
        .order_by(col(StatusChange.changed_on), col(StatusChange.id))
    ):
        result.setdefault(change.action_id, []).append(change)
    return result


def action_history(session: Session, action_id: int) -> list[StatusChange]:
    return list(
        session.exec(
            select(StatusChange)
            .where(StatusChange.action_id == action_id)
            .order_by(col(StatusChange.changed_on), col(StatusChange.id))
        )
    )


def review_changes(session: Session, review_id: int) -> list[StatusChange]:
    return list(
        session.exec(
            select(StatusChange).where(StatusChange.review_id == review_id).order_by(col(StatusChange.id))
        )
    )


def changes_by_review(session: Session, event_id: int) -> dict[int, list[tuple[Action, StatusChange]]]:
    """Each review's status changes with their actions, in the order they were recorded."""
    result: dict[int, list[tuple[Action, StatusChange]]] = {}
    for action, change in session.exec(
        select(Action, StatusChange)
        .join(StatusChange, col(StatusChange.action_id) == Action.id)
        .where(Action.event_id == event_id)
        .order_by(col(StatusChange.id))
    ):
        result.setdefault(change.review_id, []).append((action, change))
    return result


def action_of_event(session: Session, event: Event, action_id: int) -> Action:
    action = session.get(Action, action_id)
    if action is None or action.event_id != event.id:
        raise NotFound("That action is not in this event's plan, or it was removed.")
    return action


def is_overdue(action: Action, today: dt.date) -> bool:
    return action.due < today and action.status not in FINISHED


def standing(session: Session, event: Event, today: dt.date | None = None) -> Standing:
    """The next review is due one interval after the last one held (the first review date until one
    is held); it is missed once that date has passed."""
    today = today or utcnow().date()
    found = schedule(session, event)
    held = event_reviews(session, event.id or 0)
    last = max((r.held_on for r in held), default=None)
    due = found.first_review if last is None else last + dt.timedelta(weeks=found.interval_weeks)
    actions = session.exec(select(Action).where(Action.event_id == event.id).order_by(col(Action.due)))
    return Standing(
        schedule=found,
        reviews=len(held),
        last_review=last,
        next_review=due,
        review_missed=due < today,
        overdue=[a for a in actions if is_overdue(a, today)],
    )


def review_dates(session: Session, event: Event, *, count: int = 8) -> list[dt.date]:
    """The reviews held, then the scheduled ones to come (for a calendar)."""
    found = standing(session, event)
    held = [r.held_on for r in event_reviews(session, event.id or 0)]
    step = dt.timedelta(weeks=found.schedule.interval_weeks)
    coming = [found.next_review + n * step for n in range(count)]
    return [*dict.fromkeys(held), *(d for d in coming if d <= LATEST)]


def change_public(change: StatusChange) -> StatusChangePublic:
    return StatusChangePublic.model_validate(change, from_attributes=True)


def review_public(session: Session, review: Review) -> ReviewPublic:
    return ReviewPublic(
        id=review.id or 0,
        held_on=review.held_on,
        attendees=[AttendeePublic.model_validate(a) for a in review.attendees],
        actions=[change_public(c) for c in review_changes(session, review.id or 0)],
    )


def reviews_public(session: Session, event: Event) -> ReviewsPublic:
    now = standing(session, event)
    return ReviewsPublic(
        schedule=SchedulePublic.model_validate(now.schedule, from_attributes=True),
        next_review=now.next_review,
        review_missed=now.review_missed,
        overdue_action_ids=sorted(a.id or 0 for a in now.overdue),
        reviews=[review_public(session, r) for r in event_reviews(session, event.id or 0)],
    )


def history_public(session: Session, event: Event, action_id: int) -> HistoryPublic:
    action = action_of_event(session, event, action_id)
    return HistoryPublic(
        action_id=action_id,
        status=action.status,
        overdue=is_overdue(action, utcnow().date()),
        history=[change_public(c) for c in action_history(session, action_id)],
    )
