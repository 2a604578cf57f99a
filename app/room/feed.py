"""What each audience receives: room messages read back from the log with the current state of
their subject, and the JSON form of a message for facilitators and for participants."""

from typing import Any

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.annotations import service as annotations
from app.realtime.hub import Renderer
from app.roomlog import service as roomlog
from app.roomlog.messages import (
    ANNOTATION_TYPES,
    FACILITATOR_ONLY_FIELDS,
    FACILITATOR_ONLY_TYPES,
    MessageType,
)
from app.roomlog.service import RoomMessage


def resolve(session: Session, event_id: int, after_seq: int, upto_seq: int | None) -> list[RoomMessage]:
    rows = roomlog.history(session, event_id, after_seq, upto_seq)
    ids = [r.subject_id for r in rows if r.type in ANNOTATION_TYPES and r.subject_id]
    ids += [
        i for r in rows if r.type == MessageType.ANNOTATIONS_REVEALED for i in (r.data or {}).get("ids", [])
    ]
    current = annotations.snapshots(session, ids)
    messages = []
    for row in rows:
        data = row.data
        type_ = MessageType(row.type)
        if type_ == MessageType.ANNOTATIONS_REVEALED:
            shown = [current[i] for i in (row.data or {}).get("ids", []) if i in current]
            data = {"count": len(shown), "annotations": shown}
        elif type_ in ANNOTATION_TYPES:
            data = current.get(row.subject_id or 0)
            if data is None:
                where = (row.data or {}).get("touchpoint_id")
                type_, data = MessageType.ANNOTATION_REMOVED, {"id": row.subject_id, "touchpoint_id": where}
        messages.append(RoomMessage(event_id, row.seq, type_, row.subject_id, data))
    return messages


class Feed:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    async def load_history(self, event_id: int, after_seq: int, upto_seq: int | None) -> list[RoomMessage]:
        def load() -> list[RoomMessage]:
            with self.session() as session:
                return resolve(session, event_id, after_seq, upto_seq)

        return await run_in_threadpool(load)

    async def read_seq(self, event_id: int) -> int:
        def read() -> int:
            with self.session() as session:
                return roomlog.current_seq(session, event_id)

        return await run_in_threadpool(read)


def project(message: RoomMessage, audience: str) -> dict[str, Any]:
    """The message as `audience` ('facilitator' or 'participant') may see it.

    Participants never receive hidden content: hiding reaches them as a removal, unhiding as an
    addition. Nobody but the author receives words still private to them: such a message reaches
    every audience as a removal, and the reveal later carries the words. So every audience still
    sees every seq exactly once, and never the words it may not show."""
    type_, data = message.type, message.data
    if audience == "participant" and type_ in FACILITATOR_ONLY_TYPES:
        return {"seq": message.seq, "type": MessageType.PRIVATE, "data": None}
    if type_ in ANNOTATION_TYPES:
        data = data or {}
        hidden_here = audience == "participant" and (
            type_ == MessageType.ANNOTATION_HIDDEN or data.get("hidden")
        )
        if (
            type_ == MessageType.ANNOTATION_REMOVED
            or "text" not in data
            or data.get("private")
            or hidden_here
        ):
            type_, data = (
                MessageType.ANNOTATION_REMOVED,
                {
                    "id": data.get("id", message.subject_id),
                    "touchpoint_id": data.get("touchpoint_id"),
                },
            )
        elif audience == "participant":
            type_ = MessageType.ANNOTATION_ADDED if type_ == MessageType.ANNOTATION_UNHIDDEN else type_
            data = _for_participants(data)
    elif type_ == MessageType.ANNOTATIONS_REVEALED:
        revealed = [
            a if audience != "participant" else _for_participants(a)
            for a in (data or {}).get("annotations", [])
            if not a.get("private") and (audience != "participant" or not a.get("hidden"))
        ]
        data = {"count": len(revealed), "annotations": revealed}
    return {"seq": message.seq, "type": type_, "data": data}


def _for_participants(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in FACILITATOR_ONLY_FIELDS}


def encode(message: RoomMessage, audience: str) -> bytes:
    """The message as `audience` may see it, as compact UTF-8 JSON: the same bytes live and in a replay."""
    return orjson.dumps(project(message, audience), option=orjson.OPT_NON_STR_KEYS)


def json_renderer(audience: str) -> Renderer:
    async def render(message: RoomMessage) -> bytes:
        return encode(message, audience)

    return render
