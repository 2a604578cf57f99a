from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from app.enums import LabelledEnum
from app.timeutil import utcnow


class Kind(LabelledEnum):
    strength = "strength", "Strength"
    barrier = "barrier", "Barrier"
    idea = "idea", "Idea"


class Principle(StrEnum):
    safety = "safety"
    trust = "trust"
    choice = "choice"
    collaboration = "collaboration"
    empowerment = "empowerment"


TEXT_MAX = 280


class Annotation(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("participant_id", "client_key"),
        # The board's newest-first list reads this way at every push, however large the room grows.
        Index("ix_annotation_event_newest", "event_id", "created_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    touchpoint_id: int = Field(foreign_key="touchpoint.id", index=True, ondelete="CASCADE")
    # Known to the server only so the author can change or withdraw it; never sent anywhere.
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", index=True, ondelete="SET NULL"
    )
    client_key: str | None = Field(default=None, max_length=64)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    vignette_id: int | None = Field(default=None, foreign_key="vignette.id", ondelete="SET NULL")
    kind: Kind = Field(max_length=10)
    principles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    text: str = Field(max_length=TEXT_MAX)
    hidden: bool = False
    # Written while the phase keeps writing private: only the author sees it until the reveal.
    private: bool = False
    # Written on the paper kit and typed in by a facilitator: a team's words with no author at all.
    from_paper: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AnnotationPublic(SQLModel):
    """What anyone may know of an annotation: no author, no token, nothing linking authors.
    `hidden` and `private` are left out of what the room sees (a participant's list without
    `mine=true`)."""

    id: int
    event_id: int
    touchpoint_id: int
    team_id: int | None
    kind: Kind
    principles: list[Principle]
    text: str
    vignette_slug: str | None
    hidden: bool | None = Field(default=None, description="Left out of what the room sees.")
    private: bool | None = Field(default=None, description="Left out of what the room sees.")
    created_at: str = Field(description="ISO 8601.")
    updated_at: str = Field(description="ISO 8601.")
