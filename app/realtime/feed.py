"""What each audience receives: room messages read back from the log with the current state of
their subject, and the JSON form of a message for facilitators and for participants."""

import json
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.annotations import service as annotations
from app.realtime.hub import Renderer
from app.roomlog import service as roomlog
from app.roomlog.service import ANNOTATION_TYPES, FACILITATOR_ONLY_TYPES, RoomMessage


def resolve(session: Session, event_id: int, after_seq: int, upto_seq: int | None) -> list[RoomMessage]:
    rows = roomlog.history(session, event_id, after_seq, upto_seq)
    current = annotations.snapshots(
        session, [r.subject_id for r in rows if r.type in ANNOTATION_TYPES and r.subject_id]
    )
    messages = []
    for row in rows:
        data = row.data
        type_ = row.type
        if type_ in ANNOTATION_TYPES:
            data = current.get(row.subject_id or 0)
            if data is None:
                where = (row.data or {}).get("touchpoint_id")
                type_, data = "annotation.removed", {"id": row.subject_id, "touchpoint_id": where}
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
    addition, so every audience still sees every seq exactly once."""
    type_, data = message.type, message.data
    if audience == "participant" and type_ in FACILITATOR_ONLY_TYPES:
        return {"seq": message.seq, "type": "private", "data": None}
    if audience == "participant" and type_ in ANNOTATION_TYPES:
        data = data or {}
        gone = (
            type_ in {"annotation.removed", "annotation.hidden"} or data.get("hidden") or "text" not in data
        )
        if gone:
            type_, data = (
                "annotation.removed",
                {
                    "id": data.get("id", message.subject_id),
                    "touchpoint_id": data.get("touchpoint_id"),
                },
            )
        else:
            type_ = "annotation.added" if type_ == "annotation.unhidden" else type_
            data = {k: v for k, v in data.items() if k != "hidden"}
    return {"seq": message.seq, "type": type_, "data": data}


def json_renderer(audience: str) -> Renderer:
    async def render(message: RoomMessage) -> str:
        return json.dumps(project(message, audience), separators=(",", ":"))

    return render
