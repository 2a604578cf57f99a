from enum import StrEnum

from sqlmodel import Field, SQLModel


class HereAs(StrEnum):
    staff = "staff"
    partner = "partner"
    lived_experience = "lived_experience"
    prefer_not_to_say = "prefer_not_to_say"


HERE_AS_LABELS = {
    HereAs.staff: "Staff of this service",
    HereAs.partner: "A partner organisation",
    HereAs.lived_experience: "Lived experience",
    HereAs.prefer_not_to_say: "Prefer not to say",
}


class Participant(SQLModel, table=True):
    """An anonymous participant: a hash of the random token in their cookie, and nothing else.

    No name, IP address, device details or join time are kept.
    """

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    # Emptied when the event's retention period ends; from then on nobody can edit.
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    # An optional second key the participant keeps to reach their words from another device.
    return_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    here_as: HereAs = Field(default=HereAs.prefer_not_to_say, max_length=20)


class JoinedPublic(SQLModel):
    """The event joined: the participant's token is in a cookie, never in the body."""

    event_id: int
    team_id: int | None
    here_as: HereAs


class ReturnCodePublic(SQLModel):
    return_code: str = Field(description="Shown once: write it down.")


class ReturnedPublic(SQLModel):
    """The event reached again with a return code."""

    event_id: int
