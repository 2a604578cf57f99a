"""An event's public progress page ("You said, we did"): whether it is published, its short code,
and which priorities and actions the facilitator chose to show."""

import datetime as dt

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

CODE_LENGTH = 8


class ProgressPage(SQLModel, table=True):
    __tablename__ = "progress_page"
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    # The short link /p/{code}: random, so one event's page cannot be guessed from another's.
    code: str = Field(max_length=CODE_LENGTH, unique=True)
    published: bool = False
    improvement_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    action_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # A day, never a time: the page says when it last changed, and nothing finer.
    updated_on: dt.date
