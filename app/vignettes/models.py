from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class Vignette(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=80)
    age: int | None = None
    team: int | None = None
    tier: str = Field(default="", max_length=20)
    tier_label: str = Field(default="", max_length=80)
    referral_route: str = Field(default="", max_length=200)
    summary: str = Field(default="", max_length=500)
    story: str = Field(default="", max_length=6000)
    discussion_purpose: str = Field(default="", max_length=1000)
    content_notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    prompts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="", max_length=500)
    builtin: bool = False
    # Hidden from the lists facilitators choose from; still shown to the events that use it.
    archived: bool = False
    created_by: int | None = Field(default=None, foreign_key="facilitator.id", ondelete="SET NULL")

    def public(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "age": self.age,
            "team": self.team,
            "tier": self.tier,
            "tier_label": self.tier_label,
            "referral_route": self.referral_route,
            "summary": self.summary,
            "story": self.story,
            "discussion_purpose": self.discussion_purpose,
            "content_notes": self.content_notes,
            "prompts": self.prompts,
            "source": self.source,
            "builtin": self.builtin,
            "archived": self.archived,
        }


class VignettePublic(SQLModel):
    """A vignette as the API answers it."""

    slug: str
    name: str
    age: int | None
    team: int | None
    tier: str
    tier_label: str
    referral_route: str
    summary: str
    story: str
    discussion_purpose: str
    content_notes: list[str]
    prompts: list[str]
    source: str
    builtin: bool
    archived: bool
