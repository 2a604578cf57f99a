import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.enums import LabelledEnum
from app.timeutil import utcnow


class SupportKind(LabelledEnum):
    take_break = "take_break", "I need a break"
    check_in_with_me = "check_in_with_me", "I'd like someone to check in with me"


SUPPORT_LABELS = SupportKind.labels()


class SupportRequest(SQLModel, table=True):
    """A private signal for the facilitators. Not linked to the participant who sent it."""

    __tablename__ = "support_request"
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    kind: SupportKind = Field(max_length=20)
    place: str = Field(default="", max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)
    handled: bool = False


class Moment(StrEnum):
    arriving = "arriving"
    leaving = "leaving"


class Feeling(LabelledEnum):
    """A check-in's answer, in words that do not ask for more than someone wants to say."""

    settled = "settled", "Settled"
    okay = "okay", "Okay"
    unsettled = "unsettled", "A bit unsettled"
    struggling = "struggling", "Finding it hard"
    prefer_not_to_say = "prefer_not_to_say", "Prefer not to say"


FEELING_LABELS = Feeling.labels()


class CheckIn(SQLModel, table=True):
    """One tap at the start or end. Linked to the participant only so a second tap replaces
    the first; only ever shown as totals, and only when enough people have answered."""

    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("participant_id", "moment"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    participant_id: int | None = Field(default=None, foreign_key="participant.id", ondelete="SET NULL")
    moment: Moment = Field(max_length=10)
    feeling: Feeling = Field(max_length=20)


# ---- what the JSON API answers ------------------------------------------------------------------


class SupportRequestPublic(SQLModel):
    id: int
    kind: SupportKind


class SupportHandledPublic(SQLModel):
    id: int
    handled: bool


class CheckInPublic(SQLModel):
    moment: Moment
    feeling: Feeling


class CheckInSummaryPublic(SQLModel):
    """Totals only: `counts` is null until enough people have answered (the small-group size)."""

    moment: Moment
    answered: int
    counts: dict[Feeling, int] | None
