"""Annotations: strengths, barriers and ideas on touchpoints. Only the author may change or
withdraw one; facilitators may hide and unhide, and reveal what was written in private. Nothing
here reveals who wrote what."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, col, func, select

from app.annotations.models import TEXT_MAX, Annotation, Kind, Principle
from app.errors import Conflict, Forbidden, NotFound
from app.events import service as events
from app.events.models import Event, EventStatus
from app.events.retention import changes_close_at
from app.journeys import service as journeys
from app.participants.models import Participant
from app.phases import service as phases
from app.roomlog.service import REVEALED, RoomMessage, record
from app.timeutil import utcnow
from app.vignettes.models import Vignette


def _clean_principles(value: list[Principle]) -> list[Principle]:
    # Keep the canonical order so the same choice always looks the same.
    return [p for p in Principle if p in set(value)]


class AnnotationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    touchpoint_id: int
    kind: Kind
    principles: list[Principle] = Field(min_length=1, max_length=5)
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    vignette_slug: str | None = Field(default=None, max_length=80)
    client_key: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")

    _principles = field_validator("principles")(_clean_principles)


class PaperAnnotationCreate(AnnotationCreate):
    """What a facilitator types in from a team's paper kit."""

    team_id: int


@dataclass(frozen=True)
class FromPaper:
    """The author of words written on paper: only the team, never a person."""

    team_id: int


class AnnotationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Kind | None = None
    principles: list[Principle] | None = Field(default=None, min_length=1, max_length=5)
    text: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    vignette_slug: str | None = Field(default=None, max_length=80)

    @field_validator("principles")
    @classmethod
    def _principles(cls, value: list[Principle] | None) -> list[Principle] | None:
        return None if value is None else _clean_principles(value)


def _require_open(event: Event) -> None:
    if event.status != EventStatus.open:
        raise Conflict("This event is not open for contributions.")


def _require_changeable(session: Session, annotation: Annotation) -> None:
    event = events.get_event(session, annotation.event_id)
    closes = changes_close_at(event)
    if closes is not None and utcnow() >= closes:
        raise Conflict(
            "Contributions to this event can no longer be changed: the time agreed for changes has passed."
        )


def _vignette_id(session: Session, event_id: int, slug: str | None) -> int | None:
    return events.event_vignette(session, event_id, slug).id if slug else None


def snapshot(session: Session, annotation: Annotation) -> dict[str, Any]:
    """What anyone may know of an annotation. No author, no token, nothing linking authors."""
    slug = None
    if annotation.vignette_id is not None:
        vignette = session.get(Vignette, annotation.vignette_id)
        slug = vignette.slug if vignette else None
    return {
        "id": annotation.id,
        "event_id": annotation.event_id,
        "touchpoint_id": annotation.touchpoint_id,
        "team_id": annotation.team_id,
        "kind": annotation.kind.value,
        "principles": list(annotation.principles),
        "text": annotation.text,
        "vignette_slug": slug,
        "hidden": annotation.hidden,
        "private": annotation.private,
        "created_at": annotation.created_at.isoformat(),
        "updated_at": annotation.updated_at.isoformat(),
    }


def add_annotation(
    session: Session, event: Event, author: Participant | FromPaper, data: AnnotationCreate
) -> tuple[Annotation, list[RoomMessage]]:
    """Add one annotation, from a phone or typed in from paper; a retried request with the same
    client_key returns the first one."""
    if isinstance(author, FromPaper):
        team_id: int | None = events.get_team(session, event.id or 0, author.team_id).id
        participant_id = None
        earlier_query = select(Annotation).where(
            Annotation.event_id == event.id,
            col(Annotation.from_paper).is_(True),
            Annotation.client_key == data.client_key,
        )
    else:
        # A retry may reach another instance while the first attempt is still being written: the
        # participant's row lock makes the second wait and then find the first, not a duplicate key.
        if data.client_key:
            session.refresh(author, with_for_update=True)
        team_id, participant_id = author.team_id, author.id
        earlier_query = select(Annotation).where(
            Annotation.participant_id == author.id, Annotation.client_key == data.client_key
        )
    if data.client_key:
        earlier = session.exec(earlier_query).first()
        if earlier is not None:
            return earlier, []
    _require_open(event)
    journeys.get_touchpoint(session, event.journey_map_id, data.touchpoint_id)
    annotation = Annotation(
        event_id=event.id or 0,
        touchpoint_id=data.touchpoint_id,
        participant_id=participant_id,
        client_key=data.client_key,
        team_id=team_id,
        vignette_id=_vignette_id(session, event.id or 0, data.vignette_slug),
        kind=data.kind,
        principles=[p.value for p in data.principles],
        text=data.text,
        private=phases.writing_is_private(session, event),
        from_paper=isinstance(author, FromPaper),
    )
    session.add(annotation)
    session.flush()
    return annotation, [_record(session, "annotation.added", annotation)]


def _record(session: Session, type: str, annotation: Annotation) -> RoomMessage:
    return record(
        session,
        annotation.event_id,
        type,
        subject_id=annotation.id,
        data=snapshot(session, annotation),
    )


def get_own(session: Session, participant: Participant, annotation_id: int) -> Annotation:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound("That contribution does not exist, or it was withdrawn.")
    if annotation.participant_id is None or annotation.participant_id != participant.id:
        raise Forbidden("You can only change your own contributions.")
    return annotation


def update_annotation(
    session: Session, participant: Participant, annotation_id: int, data: AnnotationUpdate
) -> tuple[Annotation, list[RoomMessage]]:
    annotation = get_own(session, participant, annotation_id)
    _require_changeable(session, annotation)
    fields = data.model_dump(exclude_unset=True)
    if "kind" in fields and data.kind is not None:
        annotation.kind = data.kind
    if "principles" in fields and data.principles is not None:
        annotation.principles = [p.value for p in data.principles]
    if "text" in fields and data.text is not None:
        annotation.text = data.text
    if "vignette_slug" in fields:
        annotation.vignette_id = _vignette_id(session, annotation.event_id, data.vignette_slug)
    annotation.updated_at = utcnow()
    session.add(annotation)
    session.flush()
    return annotation, [_record(session, "annotation.updated", annotation)]


def withdraw_annotation(session: Session, participant: Participant, annotation_id: int) -> list[RoomMessage]:
    """Delete the row itself: withdrawn words are gone, not merely out of view."""
    annotation = get_own(session, participant, annotation_id)
    _require_changeable(session, annotation)
    removed = {"id": annotation.id, "touchpoint_id": annotation.touchpoint_id}
    event_id = annotation.event_id
    session.delete(annotation)
    session.flush()
    return [record(session, event_id, "annotation.removed", subject_id=removed["id"], data=removed)]


def set_hidden(
    session: Session, event: Event, annotation_id: int, *, hidden: bool
) -> tuple[Annotation, list[RoomMessage]]:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or annotation.event_id != event.id:
        raise NotFound("That contribution does not exist, or it was withdrawn.")
    if annotation.hidden == hidden:
        return annotation, []
    annotation.hidden = hidden
    session.add(annotation)
    session.flush()
    return annotation, [
        _record(session, "annotation.hidden" if hidden else "annotation.unhidden", annotation)
    ]


def reveal(session: Session, event: Event) -> list[RoomMessage]:
    """Everything written in private becomes visible to the room at once."""
    rows = list(
        session.exec(
            select(Annotation)
            .where(Annotation.event_id == event.id, col(Annotation.private).is_(True))
            .order_by(col(Annotation.created_at), col(Annotation.id))
        )
    )
    if not rows:
        return []
    for annotation in rows:
        annotation.private = False
        session.add(annotation)
    session.flush()
    data = {"count": len(rows), "annotations": [snapshot(session, a) for a in rows]}
    return [record(session, event.id or 0, REVEALED, data=data)]


def list_annotations(
    session: Session,
    event_id: int,
    *,
    include_hidden: bool,
    touchpoint_id: int | None = None,
    limit: int | None = None,
) -> list[Annotation]:
    """What the room may see: annotations still private to their authors are never listed."""
    query = select(Annotation).where(Annotation.event_id == event_id, col(Annotation.private).is_(False))
    if not include_hidden:
        query = query.where(col(Annotation.hidden).is_(False))
    if touchpoint_id is not None:
        query = query.where(Annotation.touchpoint_id == touchpoint_id)
    query = query.order_by(col(Annotation.created_at).desc(), col(Annotation.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def list_mine(session: Session, participant: Participant) -> list[Annotation]:
    return list(
        session.exec(
            select(Annotation)
            .where(Annotation.participant_id == participant.id)
            .order_by(col(Annotation.created_at).desc(), col(Annotation.id).desc())
        )
    )


def counts(session: Session, event_id: int, touchpoint_id: int | None = None) -> dict[int, Counter[str]]:
    """Visible strengths, barriers and ideas per touchpoint."""
    query = (
        select(Annotation.touchpoint_id, Annotation.kind, func.count())
        .where(
            Annotation.event_id == event_id,
            col(Annotation.hidden).is_(False),
            col(Annotation.private).is_(False),
        )
        .group_by(col(Annotation.touchpoint_id), col(Annotation.kind))
    )
    if touchpoint_id is not None:
        query = query.where(Annotation.touchpoint_id == touchpoint_id)
    result: dict[int, Counter[str]] = {}
    for tp_id, kind, n in session.exec(query):
        result.setdefault(tp_id, Counter())[Kind(kind).value] = n
    return result


def snapshots(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = session.exec(select(Annotation).where(col(Annotation.id).in_(ids))).all()
    return {a.id or 0: snapshot(session, a) for a in rows}
