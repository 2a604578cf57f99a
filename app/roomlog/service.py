"""The room log: every change in an event gets the next `seq`, assigned inside the writing
transaction so the order is the commit order, whichever app instance wrote it."""

from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import CTE, JSON, Insert, Table, bindparam, insert, true, update
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from app.events.models import Event
from app.roomlog.messages import ANNOTATION_TYPES, MessageType, payload_data
from app.roomlog.models import RoomEvent

_EVENT: Table = Event.__table__  # type: ignore[attr-defined]
_LOG: Table = RoomEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RoomMessage:
    event_id: int
    seq: int
    type: MessageType
    subject_id: int | None = None
    data: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "RoomMessage":
        return cls(
            event_id=int(raw["event_id"]),
            seq=int(raw["seq"]),
            type=MessageType(raw["type"]),
            subject_id=raw.get("subject_id"),
            data=raw.get("data"),
        )


def stored(type: MessageType, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the log keeps of a message: for annotations where it was, never what it said (the
    words live only in the annotation row)."""
    if type in ANNOTATION_TYPES:
        return {"touchpoint_id": (data or {}).get("touchpoint_id")}
    if type == MessageType.ANNOTATIONS_REVEALED:
        return {"ids": [a["id"] for a in (data or {}).get("annotations", [])]}
    return data


_NEXT_SEQ = (
    update(_EVENT)
    .where(_EVENT.c.id == bindparam("event_id"))
    .values(last_seq=_EVENT.c.last_seq + 1)
    .returning(_EVENT.c.last_seq)
)
_LOG_ROW = insert(_LOG).values(
    event_id=bindparam("event_id"),
    seq=bindparam("seq"),
    type=bindparam("type"),
    subject_id=bindparam("subject_id"),
    data=bindparam("data", type_=JSON),
)


def record(
    session: Session,
    event_id: int,
    type: MessageType,
    *,
    subject_id: int | None = None,
    data: BaseModel | None = None,
) -> RoomMessage:
    """Log a change to the room and return its message; `data` must be the type's own model
    (app/roomlog/messages.py), which becomes the message's data."""
    # Two plain statements on the session's connection: the room's next seq (UPDATE ... RETURNING,
    # which holds the event row until commit, so seq order is commit order) and the log row. The
    # ORM's bulk-update and unit-of-work machinery cost more than the statements. Pending changes go
    # first, as the ORM's autoflush would have sent them, and the event in this session (if loaded)
    # learns its new seq, as the ORM would have told it.
    body = payload_data(type, data)
    session.flush()
    seq = log(session.connection(), event_id, type, subject_id=subject_id, data=body)
    loaded = session.identity_map.get(identity_key(Event, event_id))
    if loaded is not None:
        set_committed_value(loaded, "last_seq", seq)
    return RoomMessage(event_id=event_id, seq=seq, type=type, subject_id=subject_id, data=body)


def log(
    connection: Connection,
    event_id: int,
    type: MessageType,
    *,
    subject_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """The room's next seq and its log row, on a connection inside the writing transaction; the seq.
    `data` is already the type's payload as `payload_data` makes it."""
    seq: int = connection.execute(_NEXT_SEQ, {"event_id": event_id}).scalar_one()
    connection.execute(
        _LOG_ROW,
        {
            "event_id": event_id,
            "seq": seq,
            "type": type,
            "subject_id": subject_id,
            "data": stored(type, data),
        },
    )
    return seq


def logged_insert(written: Insert, type: MessageType) -> tuple[CTE, CTE, CTE]:
    """PostgreSQL: `written` (an INSERT ... RETURNING id, event_id of at most one row), the room's
    next seq and the log row as one statement of three data-modifying CTEs. Select from the first
    two, add the third with `add_cte` (PostgreSQL runs every one of them to completion), and bind
    `log_data` to `stored(type, data)`. The UPDATE holds the event row until commit, as `record`'s
    does. Nothing is logged, and the seq stays, when `written` wrote nothing."""
    rows = written.cte("written")
    seq = (
        update(_EVENT)
        .where(_EVENT.c.id == rows.c.event_id)
        .values(last_seq=_EVENT.c.last_seq + 1)
        .returning(_EVENT.c.last_seq)
        .cte("next_seq")
    )
    log = (
        insert(_LOG)
        .from_select(
            ["event_id", "seq", "type", "subject_id", "data"],
            core_select(
                rows.c.event_id,
                seq.c.last_seq,
                bindparam("log_type", type),
                rows.c.id,
                bindparam("log_data", type_=JSON),
            ).select_from(rows.join(seq, true())),
        )
        .cte("logged")
    )
    return rows, seq, log


def history(
    session: Session, event_id: int, after_seq: int, upto_seq: int | None = None, limit: int = 5000
) -> list[RoomEvent]:
    query = select(RoomEvent).where(RoomEvent.event_id == event_id, RoomEvent.seq > after_seq)
    if upto_seq is not None:
        query = query.where(RoomEvent.seq <= upto_seq)
    return list(session.exec(query.order_by(col(RoomEvent.seq)).limit(limit)))


def changed_since(session: Session, event_id: int, after_seq: int, types: frozenset[MessageType]) -> bool:
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
