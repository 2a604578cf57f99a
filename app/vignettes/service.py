"""The vignette catalogue: the pathfinder vignettes from the top-level vignettes/ folder, and
vignettes facilitators write themselves."""

import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from app.errors import Invalid
from app.vignettes.models import Vignette

_CATALOGUE_FIELDS = (
    "name",
    "age",
    "team",
    "tier",
    "tier_label",
    "referral_route",
    "summary",
    "story",
    "discussion_purpose",
    "content_notes",
    "prompts",
    "source",
)


class VignetteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=80)
    age: int | None = Field(default=None, ge=0, le=120)
    summary: str = Field(min_length=1, max_length=500)
    story: str = Field(default="", max_length=6000)
    referral_route: str = Field(default="", max_length=200)
    discussion_purpose: str = Field(default="", max_length=1000)
    content_notes: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=12)


@dataclass(frozen=True)
class TeamSpec:
    name: str
    vignette_slugs: list[str]


def load_catalogue(session: Session, folder: Path) -> int:
    """Insert or refresh the built-in vignettes from their files; returns how many were read."""
    count = 0
    for path in sorted(folder.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        slug = raw.get("slug") or path.stem
        vignette = session.exec(select(Vignette).where(Vignette.slug == slug)).first()
        if vignette is None:
            vignette = Vignette(slug=slug, name=raw["name"], builtin=True)
        for field in _CATALOGUE_FIELDS:
            if field in raw:
                setattr(vignette, field, raw[field])
        vignette.builtin = True
        session.add(vignette)
        count += 1
    session.flush()
    return count


def list_vignettes(session: Session) -> list[Vignette]:
    return list(session.exec(select(Vignette).order_by(col(Vignette.team), col(Vignette.name))))


def by_slugs(session: Session, slugs: list[str]) -> list[Vignette]:
    found = {v.slug: v for v in session.exec(select(Vignette).where(col(Vignette.slug).in_(slugs)))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise Invalid(f"Unknown vignette: {', '.join(missing)}.")
    return [found[slug] for slug in slugs]


def default_teams(session: Session) -> list[TeamSpec]:
    """The pathfinder pairing: one team per risk tier, two vignettes each. The names say nothing
    of the tier: phones show a team's name as it is, and "higher risk" is no label for a table."""
    teams: dict[int, list[Vignette]] = {}
    for vignette in list_vignettes(session):
        if vignette.builtin and vignette.team is not None:
            teams.setdefault(vignette.team, []).append(vignette)
    return [
        TeamSpec(
            name=f"Team {number}",
            vignette_slugs=[v.slug for v in members],
        )
        for number, members in sorted(teams.items())
    ]


def create_vignette(session: Session, data: VignetteCreate, *, facilitator_id: int) -> Vignette:
    base = re.sub(r"[^a-z0-9]+", "-", data.name.lower()).strip("-")[:40] or "vignette"
    slug = f"{base}-{secrets.token_hex(3)}"
    vignette = Vignette(
        slug=slug,
        name=data.name,
        age=data.age,
        summary=data.summary,
        story=data.story,
        referral_route=data.referral_route,
        discussion_purpose=data.discussion_purpose,
        content_notes=[note.strip()[:60] for note in data.content_notes if note.strip()],
        created_by=facilitator_id,
    )
    session.add(vignette)
    session.flush()
    return vignette
