"""Dot votes: each participant spends the event's budget of dots on improvements."""

from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.annotations.models import Kind, Principle
from app.improvements.models import Cost, Driver, Effort, Horizon


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


# ---- what the JSON API answers ------------------------------------------------------------------


class MyVotesPublic(SQLModel):
    """A participant's own dots: the budget, what is used and left, and dots by improvement id."""

    budget: int
    max_per_improvement: int
    used: int
    left: int
    votes: dict[str, int] = Field(description="Dots by improvement id.")


class VotingPublic(SQLModel):
    """Whether voting is open and its settings; `mine` for a participant only."""

    status: VotingStatus
    dots_per_participant: int
    max_dots_per_improvement: int
    revealed: bool
    participants_may_group: bool
    mine: MyVotesPublic | None = Field(default=None, description="Participants only.")


class EvidencePublic(SQLModel):
    """A shared annotation behind a priority, with where on the journey it was written."""

    id: int
    kind: Kind
    text: str
    principles: list[Principle]
    stage: str
    touchpoint: str
    touchpoint_id: int
    vignette: str | None = Field(description="The vignette's name.")


class PriorityPublic(SQLModel):
    """An improvement on the priority list. Before the tally is revealed, participants get `rank`
    and `votes` as null and `by_group` empty."""

    id: int
    rank: int | None
    title: str
    votes: int | None
    by_group: dict[str, int] = Field(description='Dots by "I\'m here as" group, small groups merged.')
    driver: Driver
    driver_label: str
    effort: Effort | None
    cost: Cost | None
    horizon: Horizon | None
    barriers: int
    touchpoints: int
    vignettes: int
    evidence: list[EvidencePublic]


class PriorityListPublic(SQLModel):
    voting: VotingPublic
    tally_visible: bool
    groups: list[str]
    min_group_size: int
    priorities: list[PriorityPublic]
