"""Dot votes: each participant spends the event's budget of dots on improvements."""

from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint


class VotingStatus(StrEnum):
    not_open = "not_open"
    open = "open"
    closed = "closed"


class Vote(SQLModel, table=True):
    """A participant's dots on one improvement. Never shown to anyone but its participant."""

    __table_args__ = (UniqueConstraint("improvement_id", "participant_id"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    improvement_id: int = Field(foreign_key="improvement.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    dots: int = Field(ge=1)
