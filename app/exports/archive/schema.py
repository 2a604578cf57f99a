"""The JSON archive of a whole event: its shape (`Archive`), its limits, and reading an upload.

The archive holds what the room may see and what is needed to carry on: the journey map, the
teams with the full text of their vignettes (so it restores where they are missing), the agenda,
the annotations (visible ones only, with no link to who wrote them, and only the hour each was
written in: restoring needs their order, which the archive's own order keeps, not the second beside
a team that could point at a person), the improvements with their evidence, the action plan and
the voting settings, and the plan's review schedule, reviews (who took part by role only) and each
action's history. Votes are kept as totals per improvement and
"I'm here as" group, small groups merged into "other" exactly as the priority list shows them:
no ballot, no participant and no token is ever in it."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from app.actions.models import OWNER_MAX, WHAT_MAX, ActionStatus
from app.actions.service import EARLIEST, LATEST, MAX_ACTIONS_PER_IMPROVEMENT
from app.annotations.models import TEXT_MAX, Kind, Principle
from app.errors import Invalid
from app.events.models import EventStatus
from app.improvements.models import (
    MAX_EVIDENCE,
    TITLE_MAX,
    Cost,
    Driver,
    Effort,
    Horizon,
)
from app.improvements.service import MAX_IMPROVEMENTS
from app.journeys.models import MAX_STAGES, MAX_TOUCHPOINTS_PER_STAGE
from app.participants.models import HereAs
from app.phases.service import MAX_PHASES
from app.reviews.models import EVIDENCE_MAX, EVIDENCE_PATTERN, INTERVAL_WEEKS, NOTE_MAX, ROLE_MAX
from app.reviews.service import MAX_PER_ROLE, MAX_ROLES
from app.voting.models import VotingStatus

FORMAT = "lenswalk-event-archive"
VERSION = 1
OTHER = "other"
MAX_ANNOTATIONS = 20_000
# Events once had up to 20 teams (now 12, app/events/service.py): their archives still restore.
MAX_TEAMS = 20
MAX_VIGNETTES = 2 * MAX_TEAMS * 6
MAX_VOTERS = 5_000
MAX_REVIEWS = 500
# The body limit for an upload (app/security/body_size.py knows the same paths).
MAX_BYTES = 8 * 1024 * 1024

Key = Annotated[int, Field(ge=1, le=10_000_000)]
Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class Group(StrEnum):
    """The "I'm here as" groups (app.participants.models.HereAs), and "other" for small ones merged."""

    staff = "staff"
    partner = "partner"
    lived_experience = "lived_experience"
    prefer_not_to_say = "prefer_not_to_say"
    other = "other"


Stamp = Annotated[dt.datetime, WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 40})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ArchiveEvent(_Strict):
    title: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None
    phase: str = Field(default="welcome", max_length=40)
    support_info: str = Field(default="", max_length=2000)
    changes_close_days: int = Field(default=7, ge=0, le=90)
    retention_days: int = Field(default=30, ge=1, le=3650)
    # Where it was exported from; a restored event belongs to the importer's own organisation.
    organisation: str | None = Field(default=None, max_length=120)


class ArchiveVoting(_Strict):
    status: VotingStatus = VotingStatus.closed
    dots_per_participant: int = Field(default=3, ge=1, le=20)
    max_dots_per_improvement: int = Field(default=2, ge=1, le=20)
    revealed: bool = False
    participants_may_group: bool = False


class ArchiveTouchpoint(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=120)
    prompt: str = Field(default="", max_length=500)


class ArchiveStage(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=500)
    touchpoints: list[ArchiveTouchpoint] = Field(default_factory=list, max_length=MAX_TOUCHPOINTS_PER_STAGE)


class ArchiveJourney(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    stages: list[ArchiveStage] = Field(min_length=1, max_length=MAX_STAGES)


class ArchiveVignette(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)  # the story as written
    slug: Slug
    name: str = Field(min_length=1, max_length=80)
    age: int | None = Field(default=None, ge=0, le=120)
    tier: str = Field(default="", max_length=20)
    tier_label: str = Field(default="", max_length=80)
    referral_route: str = Field(default="", max_length=200)
    summary: str = Field(default="", max_length=500)
    story: str = Field(default="", max_length=6000)
    discussion_purpose: str = Field(default="", max_length=1000)
    content_notes: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=12)
    prompts: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=20)
    source: str = Field(default="", max_length=500)


class ArchiveTeam(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=80)
    vignettes: list[Slug] = Field(default_factory=list, max_length=6)


class ArchivePhase(_Strict):
    slug: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=80)
    duration_minutes: int = Field(default=15, ge=0, le=600)
    skipped: bool = False
    private_writing: bool = False


class ArchiveAnnotation(_Strict):
    key: Key
    touchpoint: Key
    team: Key | None = None
    vignette: Slug | None = None
    kind: Kind
    principles: list[Principle] = Field(min_length=1, max_length=5)
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    created_at: Stamp
    from_paper: bool = False


class ArchiveImprovement(_Strict):
    key: Key
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    driver: Driver
    effort: Effort | None = None
    cost: Cost | None = None
    horizon: Horizon | None = None
    evidence: list[Key] = Field(default_factory=list, max_length=MAX_EVIDENCE)


class ArchiveVoterGroup(_Strict):
    group: Group
    voters: int = Field(ge=1, le=MAX_VOTERS)


class ArchiveDots(_Strict):
    improvement: Key
    group: Group
    dots: int = Field(ge=1, le=MAX_VOTERS * 20)


class ArchiveVotes(_Strict):
    """Totals only: dots per improvement and group, and how many people voted in each group."""

    min_group_size: int = Field(default=5, ge=1, le=1000)
    groups: list[ArchiveVoterGroup] = Field(default_factory=list, max_length=len(HereAs) + 1)
    dots: list[ArchiveDots] = Field(default_factory=list, max_length=MAX_IMPROVEMENTS * (len(HereAs) + 1))


class ArchiveAction(_Strict):
    key: Key | None = Field(default=None, description="What the reviews' status changes point at.")
    improvement: Key
    what: str = Field(min_length=1, max_length=WHAT_MAX)
    owner: str = Field(min_length=1, max_length=OWNER_MAX)
    driver: Driver
    due: dt.date = Field(ge=EARLIEST, le=LATEST)
    review: dt.date = Field(ge=EARLIEST, le=LATEST)
    status: ActionStatus = ActionStatus.not_started


class ArchiveSchedule(_Strict):
    interval_weeks: int = Field(default=INTERVAL_WEEKS, ge=1, le=52)
    first_review: dt.date = Field(ge=EARLIEST, le=LATEST)


class ArchiveAttendees(_Strict):
    role: str = Field(min_length=1, max_length=ROLE_MAX)
    count: int = Field(ge=1, le=MAX_PER_ROLE)


class ArchiveStatusChange(_Strict):
    action: Key
    status: ActionStatus
    note: str = Field(default="", max_length=NOTE_MAX)
    evidence_url: str | None = Field(default=None, max_length=EVIDENCE_MAX, pattern=EVIDENCE_PATTERN)


class ArchiveReview(_Strict):
    """A review held: who took part by role only, and each action's status as it found it."""

    held_on: dt.date = Field(ge=EARLIEST, le=LATEST)
    attendees: list[ArchiveAttendees] = Field(default_factory=list, max_length=MAX_ROLES)
    changes: list[ArchiveStatusChange] = Field(
        default_factory=list, max_length=MAX_IMPROVEMENTS * MAX_ACTIONS_PER_IMPROVEMENT
    )


class ArchiveProgress(_Strict):
    """What the public progress page shows: priorities by key, actions by their place in `actions`
    (counting from 0). It restores unpublished, with a new short link: another Lenswalk's page is
    a new page, which its facilitators publish when they choose."""

    published: bool = False
    improvements: list[Key] = Field(default_factory=list, max_length=MAX_IMPROVEMENTS)
    actions: list[Annotated[int, Field(ge=0, le=MAX_IMPROVEMENTS * MAX_ACTIONS_PER_IMPROVEMENT)]] = Field(
        default_factory=list, max_length=MAX_IMPROVEMENTS * MAX_ACTIONS_PER_IMPROVEMENT
    )


class Archive(_Strict):
    """A whole event, as `GET /api/v1/events/{id}/export/json` gives it."""

    format: Literal["lenswalk-event-archive"] = Field(json_schema_extra={"maxLength": 40})
    version: Literal[1]
    exported_at: Stamp | None = None
    event: ArchiveEvent
    voting: ArchiveVoting = Field(default_factory=ArchiveVoting)
    journey_map: ArchiveJourney
    vignettes: list[ArchiveVignette] = Field(default_factory=list, max_length=MAX_VIGNETTES)
    teams: list[ArchiveTeam] = Field(default_factory=list, max_length=MAX_TEAMS)
    agenda: list[ArchivePhase] = Field(default_factory=list, max_length=MAX_PHASES)
    annotations: list[ArchiveAnnotation] = Field(default_factory=list, max_length=MAX_ANNOTATIONS)
    improvements: list[ArchiveImprovement] = Field(default_factory=list, max_length=MAX_IMPROVEMENTS)
    votes: ArchiveVotes = Field(default_factory=ArchiveVotes)
    actions: list[ArchiveAction] = Field(
        default_factory=list, max_length=MAX_IMPROVEMENTS * MAX_ACTIONS_PER_IMPROVEMENT
    )
    review_schedule: ArchiveSchedule | None = None
    reviews: list[ArchiveReview] = Field(default_factory=list, max_length=MAX_REVIEWS)
    progress: ArchiveProgress | None = None


class Imported(BaseModel):
    id: int
    title: str
    status: EventStatus
    join_code: str


# What an archive carries of a vignette, besides its slug.
VIGNETTE_FIELDS = tuple(name for name in ArchiveVignette.model_fields if name != "slug")


def utc(value: dt.datetime) -> dt.datetime:
    # A time without a zone is read as UTC, as the tables keep every time.
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_archive(raw: bytes | str) -> Archive:
    """Read an uploaded file: a clear message for anything that is not an archive we can restore."""
    try:
        return Archive.model_validate_json(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(part) for part in err["loc"])
            problems.append(f"{where}: {err['msg']}" if where else str(err["msg"]))
        raise Invalid(
            "That file is not a Lenswalk event archive we can restore. " + "; ".join(problems)
        ) from None
