"""The room's agenda (phases), who is done with a phase, and the default half-day agenda."""

from dataclasses import asdict, dataclass

from sqlmodel import Field, SQLModel, UniqueConstraint


class Phase(SQLModel, table=True):
    """One step of an event's agenda. The event's current step is `Event.phase` (a slug)."""

    __table_args__ = (UniqueConstraint("event_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    slug: str = Field(max_length=40)
    name: str = Field(max_length=80)
    duration_minutes: int = 15
    position: int = 0
    skipped: bool = False
    # While on, new annotations are seen only by their authors until the facilitator reveals them.
    private_writing: bool = False


class Readiness(SQLModel, table=True):
    """A participant's "I'm done" for one phase. Only ever shown as a count."""

    __table_args__ = (UniqueConstraint("phase_id", "participant_id"),)
    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")


@dataclass(frozen=True)
class AgendaItem:
    slug: str
    name: str
    duration_minutes: int


# The half-day lens event from domain.md; dot voting's 40 minutes are split into prioritise and vote.
DEFAULT_AGENDA = (
    AgendaItem("welcome", "Welcome and check-in", 15),
    AgendaItem("principles", "The five principles", 15),
    AgendaItem("journey_mapping", "Journey mapping", 45),
    AgendaItem("lens_walk", "Lens walk", 60),
    AgendaItem("prioritise", "Prioritise", 20),
    AgendaItem("vote", "Vote", 20),
    AgendaItem("action_plan", "Action plan", 25),
    AgendaItem("close", "Close", 10),
)


def default_agenda(event_id: int) -> list[Phase]:
    return [Phase(event_id=event_id, position=n, **asdict(item)) for n, item in enumerate(DEFAULT_AGENDA)]


# Asked from the vignette person's point of view at each touchpoint (domain.md).
PRINCIPLE_QUESTIONS = {
    "safety": "Would they feel physically and emotionally safe here? Could anything re-traumatise "
    "(being overheard, noise, tone, layout)? Is it safe for staff too?",
    "trust": "Do they know what happens next, who they will see, how long it takes, why they are asked "
    "things? Does the service do what it says?",
    "choice": "What real choices do they have (time, place, worker, how they are contacted, whether to "
    "talk about trauma)? Is saying no safe?",
    "collaboration": "Is it decided with them? Do agencies work together, or must the person carry the "
    "handover?",
    "empowerment": "Does this step build on their strengths? Can their feedback change things?",
}


# ---- what the JSON API answers ------------------------------------------------------------------


class PhasePublic(SQLModel):
    """One step of the agenda."""

    slug: str
    name: str
    duration_minutes: int
    position: int
    skipped: bool
    private_writing: bool


class TimerPublic(SQLModel):
    running: bool
    remaining_seconds: int
    deadline: str | None = Field(description="ISO 8601, while running.")


class SpotlightPublic(SQLModel):
    stage_id: int | None
    touchpoint_id: int | None
    name: str


class BoardFilterPublic(SQLModel):
    by: str = Field(description="stage, touchpoint, principle, team or kind")
    value: str


class BoardViewPublic(SQLModel):
    """What the projector shows: `{"view", "filter": {"by", "value"} | None}`."""

    view: str = Field(description="journey, wall, principles, priorities or actions")
    filter: BoardFilterPublic | None


class HerePublic(SQLModel):
    """Who is here, by team and by "I'm here as" group; groups smaller than `min_group_size` are
    merged into `other`."""

    total: int
    min_group_size: int
    by_team: dict[str, int]
    by_here_as: dict[str, int]


class RoomPublic(SQLModel):
    """The agenda, where the room is now, the timer, the spotlight and the board's view. The
    counts are sent to facilitators only (left out, not null, for participants), and `here` only
    by `GET /api/v1/events/{id}/room`."""

    phase: str
    agenda: list[PhasePublic]
    timer: TimerPublic
    spotlight: SpotlightPublic | None
    board: BoardViewPublic
    ready_count: int | None = Field(default=None, description="Facilitators only.")
    private_count: int | None = Field(default=None, description="Facilitators only.")
    here: HerePublic | None = Field(default=None, description="Facilitators only.")


class RevealedPublic(SQLModel):
    revealed: int = Field(description="How many private contributions were shared.")


class ReadyPublic(SQLModel):
    phase: str
    done: bool


class BoardLinkPublic(SQLModel):
    url: str = Field(description="Shown only now; asking again replaces it.")
