import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.journeys.models import StagePublic
from app.timeutil import utcnow
from app.voting.models import VotingStatus


class EventStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    date: dt.date | None = None
    journey_map_id: int = Field(foreign_key="journey_map.id", unique=True)
    # The organisation it belongs to (app/organisations): its implementation group opens the plan.
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    join_code: str = Field(max_length=6, unique=True)
    status: EventStatus = Field(default=EventStatus.draft, max_length=10)
    phase: str = Field(default="welcome", max_length=40)
    # Dot voting (app/voting): the budget, the most dots on one improvement, whether voting is open,
    # and whether the tally is shown yet (hidden by default so early votes do not sway later ones).
    dots_per_participant: int = 3
    max_dots_per_improvement: int = 2
    voting_status: VotingStatus = Field(default=VotingStatus.not_open, max_length=10)
    votes_revealed: bool = False
    # Whether participants, not only facilitators, may group annotations into improvements.
    participants_may_group: bool = False
    support_info: str = Field(default="", max_length=2000)
    # Days after closing during which participants can still change or withdraw their words.
    changes_close_days: int = 7
    # Days after closing after which authors are unlinked from their words and tokens deleted.
    retention_days: int = 30
    closed_at: dt.datetime | None = None
    retention_done: bool = False
    # The day the event and everything in it is deleted; None: the instance's default
    # (LENSWALK_RETENTION_DAYS after closing). app/events/retention.py
    delete_after: dt.date | None = None
    # The room as the facilitator runs it (app/phases): timer, spotlight and what the board shows.
    timer_started_at: dt.datetime | None = None
    timer_remaining_seconds: int = 0
    timer_running: bool = False
    spotlight_stage_id: int | None = Field(default=None, foreign_key="stage.id", ondelete="SET NULL")
    spotlight_touchpoint_id: int | None = Field(
        default=None, foreign_key="touchpoint.id", ondelete="SET NULL"
    )
    board_view: str = Field(default="journey", max_length=20)
    board_filter: str | None = Field(default=None, max_length=60)
    # The secret board link for the venue PC (app/phases/board_link): only its hash is kept. The
    # version goes up whenever a link is made or revoked, so boards opened with an older link close.
    board_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    board_link_version: int = 0
    # The room log's sequence: bumped under a row lock so seq stays gap-free across instances.
    last_seq: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow)


class EventFacilitator(SQLModel, table=True):
    __tablename__ = "event_facilitator"
    __table_args__ = (UniqueConstraint("event_id", "facilitator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    facilitator_id: int = Field(foreign_key="facilitator.id", index=True, ondelete="CASCADE")


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    position: int = 0
    name: str = Field(max_length=80)


class TeamVignette(SQLModel, table=True):
    __tablename__ = "team_vignette"
    __table_args__ = (UniqueConstraint("team_id", "vignette_id"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    vignette_id: int = Field(foreign_key="vignette.id", ondelete="CASCADE")
    position: int = 0


# ---- what the JSON API answers ------------------------------------------------------------------


class TeamPublic(SQLModel):
    """A team as `PUT /api/v1/events/{id}/teams` saved it, in order."""

    id: int
    name: str
    position: int
    vignette_slugs: list[str]


class EventTeamPublic(SQLModel):
    id: int
    name: str
    vignette_slugs: list[str]


class EventPublic(SQLModel):
    """An event as its facilitators and participants read it. The last three fields are sent to
    facilitators only (left out, not null, for participants)."""

    id: int
    title: str
    date: str | None = Field(description="YYYY-MM-DD")
    status: EventStatus
    open: bool
    phase: str
    join_code: str
    join_url: str
    dots_per_participant: int
    last_seq: int
    stages: list[StagePublic]
    teams: list[EventTeamPublic]
    support_info: str
    changes_close_days: int
    retention_days: int | None = Field(default=None, description="Facilitators only.")
    journey_map_id: int | None = Field(default=None, description="Facilitators only.")
    created_at: str | None = Field(default=None, description="Facilitators only; ISO 8601.")


class FacilitatorsPublic(SQLModel):
    """An event's facilitators, by email."""

    facilitators: list[str]
