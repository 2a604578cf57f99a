from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint


class RoomEvent(SQLModel, table=True):
    """One change in a room, in order. Annotation changes keep only the annotation's id and
    touchpoint: their words are read from the annotation itself, so a withdrawn text leaves no
    copy here."""

    __tablename__ = "room_event"
    __table_args__ = (UniqueConstraint("event_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    seq: int
    type: str = Field(max_length=40)
    subject_id: int | None = None
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
