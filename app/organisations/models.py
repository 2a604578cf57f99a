"""Organisations, who belongs to each and in which roles, and the one-time links that invite a member."""

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.timeutil import utcnow

NAME_MAX = 120


class Role(StrEnum):
    organiser = "organiser"
    facilitator = "facilitator"
    implementation = "implementation"


ROLE_LABELS = {
    Role.organiser: "Organiser",
    Role.facilitator: "Facilitator",
    Role.implementation: "Implementation group member",
}


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX)
    # The instance's own organisation: every account and event from before organisations joined it,
    # and new accounts join it unless they were invited elsewhere.
    is_default: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    """One role of one account in one organisation (an account can hold several)."""

    __table_args__ = (UniqueConstraint("organisation_id", "facilitator_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    facilitator_id: int = Field(foreign_key="facilitator.id", index=True, ondelete="CASCADE")
    role: Role = Field(max_length=20)


class Invitation(SQLModel, table=True):
    """A one-time link to join an organisation in a role. Only a hash of its secret is kept, and
    nothing about who opened it."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    role: Role = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class OrganisationPublic(SQLModel):
    id: int
    name: str
    roles: list[Role]


class MemberPublic(SQLModel):
    id: int
    email: str
    roles: list[Role]


class InvitationLink(SQLModel):
    """The one-time link to pass on; it is shown once."""

    url: str
