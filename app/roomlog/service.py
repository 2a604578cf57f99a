"""The room log: every change in an event gets the next `seq`, assigned inside the writing
transaction so the order is the commit order, whichever app instance wrote it."""

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from app.events.models import Event
from app.roomlog.models import RoomEvent

_EVENT: Table = Event.__table__  # type: ignore[attr-defined]

ANNOTATION_TYPES = frozenset(
    {
        "annotation.added",
        "annotation.updated",
        "annotation.removed",
        "annotation.hidden",
        "annotation.unhidden",
    }
)
# Carries the revealed annotations live; the log keeps only their ids (words stay in their rows).
REVEALED = "annotations.revealed"


# Private to facilitators: participants receive only that something private happened.
FACILITATOR_ONLY_TYPES = frozenset({"support.requested", "support.handled", "board_link.changed"})
# An event's teams were added, renamed, reordered, re-paired or removed (app/teams).
TEAMS_CHANGED = "teams.changed"
# A board link was made or revoked: boards opened with an older link are closed (app/realtime/hub).
BOARD_LINK_CHANGED = "board_link.changed"


@dataclass(frozen=True)
class RoomMessage:
    event_id: int
    seq: int
    type: str
    subject_id: int | None = None
    data: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "RoomMessage":
        return cls(
            event_id=int(raw["event_id"]),
            seq=int(raw["seq"]),
            type=str(raw["type"]),
            subject_id=raw.get("subject_id"),
            data=raw.get("data"),
        )


def record(
    session: Session,
    event_id: int,
    type: str,
    *,
    subject_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> RoomMessage:
    # A plain UPDATE on the session's connection (the ORM's bulk-update machinery costs more than
    # the statement); pending changes go first, as the ORM's autoflush would have sent them, and the
    # event in this session (if loaded) learns its new seq, as the ORM would have told it.
    session.flush()
    seq = (
        session.connection()
        .execute(
            update(_EVENT)
            .where(_EVENT.c.id == event_id)
            .values(last_seq=_EVENT.c.last_seq + 1)
            .returning(_EVENT.c.last_seq)
        )
        .scalar_one()
    )
    loaded = session.identity_map.get(identity_key(Event, event_id))
    if loaded is not None:
        set_committed_value(loaded, "last_seq", seq)
    if type in ANNOTATION_TYPES:
        # Where it was, never what it said: the words live only in the annotation row.
        stored = {"touchpoint_id": (data or {}).get("touchpoint_id")}
    elif type == REVEALED:
        stored = {"ids": [a["id"] for a in (data or {}).get("annotations", [])]}
    else:
        stored = data
    session.add(RoomEvent(event_id=event_id, seq=seq, type=type, subject_id=subject_id, data=stored))
    return RoomMessage(event_id=event_id, seq=seq, type=type, subject_id=subject_id, data=data)


def history(
    session: Session, event_id: int, after_seq: int, upto_seq: int | None = None, limit: int = 5000
) -> list[RoomEvent]:
    query = select(RoomEvent).where(RoomEvent.event_id == event_id, RoomEvent.seq > after_seq)
    if upto_seq is not None:
        query = query.where(RoomEvent.seq <= upto_seq)
    return list(session.exec(query.order_by(col(RoomEvent.seq)).limit(limit)))


def changed_since(session: Session, event_id: int, after_seq: int, types: frozenset[str]) -> bool:
    """Whether the room logged a change of one of these types after `after_seq`."""
    found = session.exec(
        select(RoomEvent.id)
        .where(RoomEvent.event_id == event_id, RoomEvent.seq > after_seq, col(RoomEvent.type).in_(types))
        .limit(1)
    ).first()
    return found is not None


def current_seq(session: Session, event_id: int) -> int:
    seq = session.exec(select(Event.last_seq).where(Event.id == event_id)).first()
    return seq or 0
