"""Reviews of an event's action plan: its schedule (every six weeks by default), each review held
(who took part, by role only) and each action's status history."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.actions.models import ActionStatus
from app.timeutil import utcnow

INTERVAL_WEEKS = 6
NOTE_MAX = 500
EVIDENCE_MAX = 500
# A link to evidence is a web address, never javascript: or data: (it is shown as a link).
EVIDENCE_PATTERN = r"^https?://[^\s]+$"
ROLE_MAX = 80


class ReviewSchedule(SQLModel, table=True):
    __tablename__ = "review_schedule"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", unique=True, ondelete="CASCADE")
    interval_weeks: int = Field(default=INTERVAL_WEEKS)
    first_review: dt.date


class Review(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    held_on: dt.date
    # Who took part, by role and count only ([{"role": "Service manager", "count": 1}]): never names.
    attendees: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class StatusChange(SQLModel, table=True):
    """One line of an action's history: its status as a review found it, with a short note."""

    __tablename__ = "status_change"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    status: ActionStatus = Field(max_length=20)
    note: str = Field(default="", max_length=NOTE_MAX)
    evidence_url: str | None = Field(default=None, max_length=EVIDENCE_MAX)
    changed_on: dt.date


class AttendeePublic(SQLModel):
    role: str
    count: int


class StatusChangePublic(SQLModel):
    review_id: int
    action_id: int
    status: ActionStatus
    note: str
    evidence_url: str | None
    changed_on: dt.date


class ReviewPublic(SQLModel):
    id: int
    held_on: dt.date
    attendees: list[AttendeePublic]
    actions: list[StatusChangePublic]


class SchedulePublic(SQLModel):
    interval_weeks: int
    first_review: dt.date


class ReviewsPublic(SQLModel):
    """The event's reviews, oldest first, and where its plan stands today."""

    schedule: SchedulePublic
    next_review: dt.date
    review_missed: bool
    overdue_action_ids: list[int]
    reviews: list[ReviewPublic]


class HistoryPublic(SQLModel):
    action_id: int
    status: ActionStatus
    overdue: bool
    history: list[StatusChangePublic]
