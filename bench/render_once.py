"""Render once per audience: the real Hub with 1,000 connections in four audiences; counts how often
each audience's renderer runs per message and whether every connection got the very same string.
(The fan-out benchmark checks the same from outside: one distinct payload per annotation.)"""

import asyncio
from collections import Counter
from typing import Any

from app.realtime.broker import MemoryBroker
from app.realtime.hub import Hub
from app.roomlog.service import RoomMessage

AUDIENCES = {
    "json:participant": 960,
    "html:participant": 30,
    "json:facilitator": 4,
    "html:board": 2,
    "html:console": 4,
}
MESSAGES = 20


class _Socket:
    def __init__(self) -> None:
        self.received: list[str] = []

    async def send_text(self, payload: str) -> None:
        self.received.append(payload)


async def _measure() -> dict[str, Any]:
    calls: Counter[str] = Counter()

    def renderer(audience: str) -> Any:
        async def render(message: RoomMessage) -> str:
            calls[audience] += 1
            await asyncio.sleep(0)
            return f"{audience}:{message.seq}:" + "x" * 400

        return render

    async def no_history(_event: int, _after: int, _upto: int | None) -> list[RoomMessage]:
        return []

    async def seq_zero(_event: int) -> int:
        return 0

    hub = Hub(
        MemoryBroker(),
        renderers={a: renderer(a) for a in AUDIENCES},
        load_history=no_history,
        read_seq=seq_zero,
        queue_size=256,
    )
    await hub.start()
    sockets: list[tuple[str, _Socket]] = []
    senders = []
    for audience, count in AUDIENCES.items():
        for _ in range(count):
            socket = _Socket()
            _room, connection = await hub.join(1, socket, audience)  # type: ignore[arg-type]
            senders.append(asyncio.create_task(connection.run_sender()))
            sockets.append((audience, socket))
    await hub.publish(
        [RoomMessage(1, seq, "annotation.added", seq, {"touchpoint_id": 1}) for seq in range(1, MESSAGES + 1)]
    )
    for _ in range(200):
        if all(len(s.received) == MESSAGES for _a, s in sockets):
            break
        await asyncio.sleep(0.01)
    distinct: dict[str, int] = {}
    for audience in AUDIENCES:
        per_seq = [{id(s.received[i]) for a, s in sockets if a == audience} for i in range(MESSAGES)]
        distinct[audience] = max(len(objects) for objects in per_seq)
    for task in senders:
        task.cancel()
    await asyncio.gather(*senders, return_exceptions=True)
    await hub.stop()
    return {
        "connections": sum(AUDIENCES.values()),
        "messages": MESSAGES,
        "renders_per_message": {a: calls[a] / MESSAGES for a in AUDIENCES},
        "distinct_payload_objects_per_message": distinct,
        "once_per_audience": all(calls[a] == MESSAGES for a in AUDIENCES) and set(distinct.values()) == {1},
    }


def run() -> dict[str, Any]:
    return asyncio.run(_measure())
