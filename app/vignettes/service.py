"""The vignette catalogue: the pathfinder vignettes from the top-level vignettes/ folder, and
vignettes facilitators write themselves."""

import re
import secrets
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlmodel import Session, col, func, select

from app.errors import Conflict, Invalid, NotFound
from app.events.models import Event, EventStatus, Team, TeamVignette
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


# Every text a facilitator writes has a limit; the numbers match the table's columns.
_Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
_Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
MAX_CONTENT_NOTES = 12
MAX_PROMPTS = 6
MAX_OWN_VIGNETTES = 1000
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# The built-in tiers (vignettes/README.md); own vignettes may also leave the tier unset.
Tier = Literal["", "lower", "mid", "higher"]


class _Lines(BaseModel):
    @field_validator("story", "discussion_purpose", "summary", check_fields=False)
    @classmethod
    def _unix_lines(cls, value: str) -> str:
        # A browser's form posts line breaks as CRLF; paragraphs are split on empty lines.
        return value.replace("\r\n", "\n").replace("\r", "\n")


class _VignetteText(_Lines):
    """What a vignette says besides its name, age and summary, the same whether it is written new
    or changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    story: str = Field(default="", max_length=6000)
    referral_route: str = Field(default="", max_length=200)
    tier: Tier = ""
    tier_label: str = Field(default="", max_length=80)
    discussion_purpose: str = Field(default="", max_length=1000)
    content_notes: list[_Note] = Field(default_factory=list, max_length=MAX_CONTENT_NOTES)
    prompts: list[_Prompt] = Field(default_factory=list, max_length=MAX_PROMPTS)
    source: str = Field(default="", max_length=500)


class VignetteCreate(_VignetteText):
    slug: str | None = Field(default=None, min_length=2, max_length=60, pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    age: int | None = Field(default=None, ge=0, le=120)
    summary: str = Field(min_length=1, max_length=500)


class VignetteUpdate(_VignetteText):
    """Only the fields sent change (`exclude_unset`); `archived` hides or restores it."""

    name: str = Field(default="", min_length=1, max_length=80)
    age: int | None = Field(default=None, ge=0, le=120)
    summary: str = Field(default="", min_length=1, max_length=500)
    archived: bool = False


class VignetteDuplicate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    slug: str | None = Field(default=None, min_length=2, max_length=60, pattern=SLUG_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=80)


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


def list_vignettes(session: Session, *, include_archived: bool = False) -> list[Vignette]:
    """What facilitators choose from: archived vignettes only when asked for."""
    query = select(Vignette)
    if not include_archived:
        query = query.where(col(Vignette.archived).is_(False))
    return list(session.exec(query.order_by(col(Vignette.team), col(Vignette.name), col(Vignette.id))))


def get_vignette(session: Session, slug: str) -> Vignette:
    vignette = session.exec(select(Vignette).where(Vignette.slug == slug)).first()
    if vignette is None:
        raise NotFound("There is no vignette with that slug.")
    return vignette


def common_content_notes(session: Session) -> list[str]:
    """The content notes the built-in vignettes use, to choose from when writing one."""
    notes = {
        note for v in session.exec(select(Vignette).where(col(Vignette.builtin))) for note in v.content_notes
    }
    return sorted(notes, key=str.casefold)


def tier_labels(session: Session) -> dict[str, str]:
    """Each tier's plain words, as the built-in vignettes put them."""
    labels: dict[str, str] = {}
    for v in session.exec(select(Vignette).where(col(Vignette.builtin)).order_by(col(Vignette.team))):
        if v.tier and v.tier_label:
            labels.setdefault(v.tier, v.tier_label)
    return labels


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


def _clean_notes(notes: list[str]) -> list[str]:
    """One of each note (whatever its case), spaces tidied, in the order written."""
    seen: set[str] = set()
    out: list[str] = []
    for note in notes:
        note = " ".join(note.split())
        if note and note.casefold() not in seen:
            seen.add(note.casefold())
            out.append(note)
    return out


def _new_slug(session: Session, name: str, wanted: str | None) -> str:
    if wanted is not None:
        if session.exec(select(Vignette.id).where(Vignette.slug == wanted)).first() is not None:
            raise Conflict(f'There is already a vignette with the slug "{wanted}". Choose another slug.')
        return wanted
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "vignette"
    while True:
        slug = f"{base}-{secrets.token_hex(3)}"
        if session.exec(select(Vignette.id).where(Vignette.slug == slug)).first() is None:
            return slug


def _check_room(session: Session) -> None:
    own = session.exec(
        select(func.count()).select_from(Vignette).where(col(Vignette.builtin).is_(False))
    ).one()
    if own >= MAX_OWN_VIGNETTES:
        raise Conflict(
            f"This Lenswalk already holds {MAX_OWN_VIGNETTES} vignettes of its own, the most it keeps."
        )


def _fill_tier_label(session: Session, vignette: Vignette) -> None:
    if vignette.tier and not vignette.tier_label:
        vignette.tier_label = tier_labels(session).get(vignette.tier, "")


def create_vignette(session: Session, data: VignetteCreate, *, facilitator_id: int) -> Vignette:
    _check_room(session)
    values = data.model_dump(exclude={"slug"})
    values["content_notes"] = _clean_notes(data.content_notes)
    vignette = Vignette(
        slug=_new_slug(session, data.name, data.slug), **values, builtin=False, created_by=facilitator_id
    )
    _fill_tier_label(session, vignette)
    session.add(vignette)
    session.flush()
    return vignette


def duplicate_vignette(
    session: Session, original: Vignette, data: VignetteDuplicate, *, facilitator_id: int
) -> Vignette:
    """An own, editable copy of any vignette (built-in or own), not archived, with every field."""
    _check_room(session)
    name = data.name or original.name
    copy = Vignette(
        slug=_new_slug(session, name, data.slug),
        name=name,
        builtin=False,
        archived=False,
        created_by=facilitator_id,
        **{field: getattr(original, field) for field in _CATALOGUE_FIELDS if field not in ("name", "team")},
    )
    copy.content_notes = list(original.content_notes)
    copy.prompts = list(original.prompts)
    session.add(copy)
    session.flush()
    return copy


def require_own(vignette: Vignette) -> None:
    if vignette.builtin:
        raise Conflict(
            f"{vignette.name} is built in and cannot be changed. Duplicate it to make your own version."
        )


def update_vignette(
    session: Session, vignette: Vignette, data: VignetteUpdate, *, open_events: list[str]
) -> Vignette:
    """Change an own vignette. Any facilitator of this Lenswalk may: vignettes are the service's
    shared preparation, like its journey-map templates, and outlive the account that wrote them.
    `open_events`: titles of the events not yet closed whose teams use it; while there are any,
    its content notes can be added to but not removed (phones show them before the story)."""
    if vignette.builtin:
        raise Conflict(
            f"{vignette.name} is built in and cannot be changed. Duplicate it to make your own version."
        )
    changes = data.model_dump(exclude_unset=True)
    if "content_notes" in changes:
        changes["content_notes"] = _clean_notes(data.content_notes)
        kept = {note.casefold() for note in changes["content_notes"]}
        removed = [note for note in vignette.content_notes if note.casefold() not in kept]
        if removed and open_events:
            raise Conflict(
                f"{vignette.name} is used in {', '.join(open_events)}, which is not closed yet, so its "
                f"content notes cannot be removed (you took out: {', '.join(removed)}). You can add notes."
            )
    for field, value in changes.items():
        setattr(vignette, field, value)
    if "tier" in changes and "tier_label" not in changes:
        vignette.tier_label = ""
    _fill_tier_label(session, vignette)
    session.add(vignette)
    session.flush()
    return vignette


def events_using(session: Session, vignette_id: int) -> list[str]:
    """Titles of the events, not yet closed, whose teams use this vignette."""
    rows = session.exec(
        select(Event.title)
        .join(Team, col(Team.event_id) == Event.id)
        .join(TeamVignette, col(TeamVignette.team_id) == Team.id)
        .where(TeamVignette.vignette_id == vignette_id, Event.status != EventStatus.closed)
        .distinct()
        .order_by(col(Event.title))
    ).all()
    return list(rows)


def change_vignette(session: Session, slug: str, data: VignetteUpdate) -> Vignette:
    """`update_vignette` for the vignette named by `slug`, held to the events that use it now."""
    vignette = get_vignette(session, slug[:80])
    return update_vignette(session, vignette, data, open_events=events_using(session, vignette.id or 0))


def copy_vignette(session: Session, slug: str, data: VignetteDuplicate, *, facilitator_id: int) -> Vignette:
    """`duplicate_vignette` for the vignette named by `slug`."""
    return duplicate_vignette(session, get_vignette(session, slug[:80]), data, facilitator_id=facilitator_id)
