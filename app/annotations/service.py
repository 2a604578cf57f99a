"""Annotations: strengths, barriers and ideas on touchpoints. Only the author may change or
withdraw one; facilitators may hide and unhide, and reveal what was written in private. Nothing
here reveals who wrote what."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import JSON, Executable, Table, and_, bindparam, false, null, true
from sqlalchemy import func as sql_func
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from app.annotations.models import TEXT_MAX, Annotation, Kind, Principle
from app.errors import Conflict, Forbidden, NotFound, found
from app.events import service as events
from app.events.models import Event, EventStatus, Team, TeamVignette
from app.events.retention import changes_close_at
from app.journeys import service as journeys
from app.journeys.models import Touchpoint
from app.participants import service as participants
from app.participants.models import Participant
from app.phases import service as phases
from app.phases.models import Phase
from app.roomlog.messages import (
    AnnotationRemoved,
    AnnotationSnapshot,
    AnnotationsRevealed,
    MessageType,
    payload_data,
)
from app.roomlog.service import RoomMessage, log, logged_insert, record, stored
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
    return annotation, [_record(session, MessageType.ANNOTATION_ADDED, annotation)]


_ANNOTATION: Table = Annotation.__table__  # type: ignore[attr-defined]
_ADDED = MessageType.ANNOTATION_ADDED


def _phone_insert(dialect: str, *, with_vignette: bool) -> Executable:
    """One INSERT ... SELECT that writes a phone's annotation only if everything it needs holds: the
    event is open, the device's token names one of its participants, the touchpoint is on its
    map, and the vignette (if any) is one of its teams'. It takes the team from the participant and
    `private` from the current phase, and does nothing if this client_key was saved before. On
    PostgreSQL the room's seq and the log row go in the same statement (`logged_insert`)."""
    event = Event.__table__  # type: ignore[attr-defined]
    participant = Participant.__table__  # type: ignore[attr-defined]
    touchpoint = Touchpoint.__table__  # type: ignore[attr-defined]
    phase = Phase.__table__  # type: ignore[attr-defined]
    private = (
        core_select(phase.c.private_writing)
        .where(phase.c.event_id == event.c.id, phase.c.slug == event.c.phase)
        .scalar_subquery()
    )
    vignette: Any = null()
    if with_vignette:
        link, team, vignettes = (
            TeamVignette.__table__,  # type: ignore[attr-defined]
            Team.__table__,  # type: ignore[attr-defined]
            Vignette.__table__,  # type: ignore[attr-defined]
        )
        vignette = (
            core_select(vignettes.c.id)
            .join(link, link.c.vignette_id == vignettes.c.id)
            .join(team, team.c.id == link.c.team_id)
            .where(team.c.event_id == event.c.id, vignettes.c.slug == bindparam("vignette_slug"))
            .limit(1)
            .scalar_subquery()
        )
    columns = _ANNOTATION.c
    source = (
        core_select(
            event.c.id,
            bindparam("touchpoint_id", type_=columns.touchpoint_id.type),
            participant.c.id,
            bindparam("client_key", type_=columns.client_key.type),
            participant.c.team_id,
            vignette,
            bindparam("kind", type_=columns.kind.type),
            bindparam("principles", type_=JSON),
            bindparam("text", type_=columns.text.type),
            false(),
            sql_func.coalesce(private, false()),
            false(),
            bindparam("now", type_=columns.created_at.type),
            bindparam("now", type_=columns.updated_at.type),
        )
        .select_from(event)
        .join(
            participant,
            and_(
                participant.c.event_id == event.c.id,
                participants.holds(bindparam("hashes", expanding=True)),
            ),
        )
        .join(
            touchpoint,
            and_(
                touchpoint.c.id == bindparam("touchpoint_id"),
                touchpoint.c.journey_map_id == event.c.journey_map_id,
            ),
        )
        # SQLite needs a WHERE before ON CONFLICT here (its parser would read the ON as a join's).
        .where(event.c.id == bindparam("event_id"), event.c.status == EventStatus.open)
        .where(vignette.is_not(None) if with_vignette else true())
        .limit(1)
    )
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    written = (
        make(_ANNOTATION)
        .from_select(
            [
                "event_id",
                "touchpoint_id",
                "participant_id",
                "client_key",
                "team_id",
                "vignette_id",
                "kind",
                "principles",
                "text",
                "hidden",
                "private",
                "from_paper",
                "created_at",
                "updated_at",
            ],
            source,
        )
        # A retry of a write already saved: nothing written, and the first one is answered below.
        # (On PostgreSQL a retry racing its first attempt waits for that to commit, then does this.)
        .on_conflict_do_nothing(index_elements=["participant_id", "client_key"])
        .returning(columns.id, columns.event_id, columns.team_id, columns.vignette_id, columns.private)
    )
    if dialect != "postgresql":
        return written
    rows, seq, log = logged_insert(written, _ADDED)
    return (
        core_select(
            rows.c.id, rows.c.event_id, rows.c.team_id, rows.c.vignette_id, rows.c.private, seq.c.last_seq
        )
        .select_from(rows.join(seq, true()))
        .add_cte(log)
    )


_PHONE_INSERTS: dict[tuple[str, bool], Executable] = {}


def post_annotation(
    session: Session, event_id: int, tokens: list[str], data: AnnotationCreate
) -> tuple[dict[str, Any], list[RoomMessage]]:
    """A participant's new annotation, from their phone: what they are answered (the annotation's
    snapshot) and the room's message. The usual case is one statement on PostgreSQL and three on
    SQLite (the insert, the seq, the log row), with no ORM objects. Whenever the insert writes
    nothing (a refusal, or a retry of a saved client_key), `add_annotation` runs as it always has,
    and refuses with the same words or answers the saved one."""
    dialect = session.get_bind().dialect.name
    key = (dialect, bool(data.vignette_slug))
    statement = _PHONE_INSERTS.get(key)
    if statement is None:
        statement = _PHONE_INSERTS[key] = _phone_insert(dialect, with_vignette=key[1])
    now = utcnow()
    principles = [p.value for p in data.principles]
    params: dict[str, Any] = {
        "event_id": event_id,
        "hashes": [participants.hash_token(t) for t in tokens] or [""],
        "touchpoint_id": data.touchpoint_id,
        "client_key": data.client_key,
        "kind": data.kind,
        "principles": principles,
        "text": data.text,
        "now": now,
        "log_data": stored(_ADDED, {"touchpoint_id": data.touchpoint_id}),
    }
    if data.vignette_slug:
        params["vignette_slug"] = data.vignette_slug
    connection = session.connection()
    row = connection.execute(statement, params).first()
    if row is None:
        event = events.get_event(session, event_id)
        annotation, messages = add_annotation(
            session, event, participants.require_participant(session, event_id, tokens), data
        )
        return snapshot(session, annotation), messages
    added = AnnotationSnapshot(
        id=row.id,
        event_id=event_id,
        touchpoint_id=data.touchpoint_id,
        team_id=row.team_id,
        kind=data.kind,
        principles=data.principles,
        text=data.text,
        vignette_slug=data.vignette_slug or None,
        hidden=False,
        private=bool(row.private),
        created_at=now.isoformat(),
        updated_at=now.isoformat(),
    )
    written = payload_data(_ADDED, added) or {}
    if dialect == "postgresql":
        seq: int = row.last_seq  # taken, and logged, by the same statement
    else:
        seq = log(connection, event_id, _ADDED, subject_id=row.id, data=written)
    return written, [RoomMessage(event_id=event_id, seq=seq, type=_ADDED, subject_id=row.id, data=written)]


def _record(session: Session, type: MessageType, annotation: Annotation) -> RoomMessage:
    return record(
        session,
        annotation.event_id,
        type,
        subject_id=annotation.id,
        data=AnnotationSnapshot.model_validate(snapshot(session, annotation)),
    )


def get_own(session: Session, participant: Participant, annotation_id: int) -> Annotation:
    annotation = found(
        session.get(Annotation, annotation_id), "That contribution does not exist, or it was withdrawn."
    )
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
    return annotation, [_record(session, MessageType.ANNOTATION_UPDATED, annotation)]


def withdraw_annotation(session: Session, participant: Participant, annotation_id: int) -> list[RoomMessage]:
    """Delete the row itself: withdrawn words are gone, not merely out of view."""
    annotation = get_own(session, participant, annotation_id)
    _require_changeable(session, annotation)
    removed = AnnotationRemoved(id=annotation.id, touchpoint_id=annotation.touchpoint_id)
    event_id = annotation.event_id
    session.delete(annotation)
    session.flush()
    return [record(session, event_id, MessageType.ANNOTATION_REMOVED, subject_id=removed.id, data=removed)]


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
        _record(
            session, MessageType.ANNOTATION_HIDDEN if hidden else MessageType.ANNOTATION_UNHIDDEN, annotation
        )
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
    shown = [AnnotationSnapshot.model_validate(snapshot(session, a)) for a in rows]
    revealed = AnnotationsRevealed(count=len(rows), annotations=shown)
    return [record(session, event.id or 0, MessageType.ANNOTATIONS_REVEALED, data=revealed)]


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
