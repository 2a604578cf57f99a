from datetime import datetime

from sqlmodel import Field, SQLModel

from app.timeutil import utcnow


class Facilitator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    # Part of every session cookie; signing out bumps it, so a copy of the cookie stops working too.
    session_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class FacilitatorPublic(SQLModel):
    """A facilitator account as the API answers it (no password, no session)."""

    id: int
    email: str
