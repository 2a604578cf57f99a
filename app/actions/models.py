"""The action plan: what will be done for each priority, by which role, by when."""

import datetime as dt

from sqlmodel import Field, SQLModel

from app.enums import LabelledEnum
from app.improvements.models import Driver
from app.timeutil import utcnow


class ActionStatus(LabelledEnum):
    not_started = "not_started", "Not started"
    in_progress = "in_progress", "In progress"
    done = "done", "Done"
    stuck = "stuck", "Stuck"
    dropped = "dropped", "Dropped"


WHAT_MAX = 500
OWNER_MAX = 120
REVIEW_AFTER_DAYS = 42  # six weeks after the event
STATUS_LABELS = ActionStatus.labels()


class Action(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    improvement_id: int = Field(foreign_key="improvement.id", index=True, ondelete="CASCADE")
    what: str = Field(max_length=WHAT_MAX)
    # A role ("Service manager"), not a person's name, unless they choose.
    owner: str = Field(max_length=OWNER_MAX)
    driver: Driver = Field(max_length=40)
    due: dt.date
    review: dt.date
    status: ActionStatus = Field(default=ActionStatus.not_started, max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ActionPublic(SQLModel):
    id: int
    improvement_id: int
    what: str
    owner: str = Field(description="A role, not a person's name, unless they choose.")
    driver: Driver
    due: str = Field(description="YYYY-MM-DD")
    review: str = Field(description="YYYY-MM-DD")
    status: ActionStatus


class ActionPlanPublic(SQLModel):
    """Every action of an event, and how many there are in each status."""

    progress: dict[ActionStatus, int]
    actions: list[ActionPublic]
