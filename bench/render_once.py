"""Render once per audience: the real Hub with 1,000 connections in five audiences; counts how often
each audience's renderer runs per message and whether every connection got the very same string.
The JSON stream renders every message once; an HTML audience renders at most once per message (a
burst is rendered once for all of it). (The fan-out benchmark checks the same from outside: one
distinct payload per annotation.)"""

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
            return f"{audience}:{message.seq}:" + "x" * 400

        return render

    def batch_renderer(audience: str) -> Any:
        async def render(messages: list[RoomMessage]) -> str:
            calls[audience] += 1
            await asyncio.sleep(0)
            return f"{audience}:{messages[-1].seq}:" + "x" * 400

        return render

    async def no_history(_event: int, _after: int, _upto: int | None) -> list[RoomMessage]:
        return []

    async def seq_zero(_event: int) -> int:
        return 0

    hub = Hub(
        MemoryBroker(),
        renderers={a: renderer(a) for a in AUDIENCES if a.startswith("json:")},
        batch_renderers={a: batch_renderer(a) for a in AUDIENCES if a.startswith("html:")},
        load_history=no_history,
        read_seq=seq_zero,
        queue_size=256,
    )
    await hub.start()
    sockets: list[tuple[str, _Socket]] = []
    for audience, count in AUDIENCES.items():
        for _ in range(count):
            socket = _Socket()
            _room, connection = await hub.join(1, socket, audience)  # type: ignore[arg-type]
            connection.start()
            sockets.append((audience, socket))
    await hub.publish(
        [RoomMessage(1, seq, "annotation.added", seq, {"touchpoint_id": 1}) for seq in range(1, MESSAGES + 1)]
    )
    last = f":{MESSAGES}:"
    for _ in range(200):
        if all(s.received and last in s.received[-1] for _a, s in sockets):
            break
        await asyncio.sleep(0.01)
    distinct: dict[str, int] = {}
    for audience in AUDIENCES:
        # Every connection of an audience got the same sequence of string objects.
        sequences = {tuple(id(p) for p in s.received) for a, s in sockets if a == audience}
        distinct[audience] = len(sequences)
    await hub.stop()
    json_every = all(len(s.received) == MESSAGES for a, s in sockets if a.startswith("json:")) and all(
        calls[a] == MESSAGES for a in AUDIENCES if a.startswith("json:")
    )
    html_at_most = all(1 <= calls[a] <= MESSAGES for a in AUDIENCES if a.startswith("html:"))
    return {
        "connections": sum(AUDIENCES.values()),
        "messages": MESSAGES,
        "renders_per_message": {a: calls[a] / MESSAGES for a in AUDIENCES},
        "distinct_payload_objects_per_message": distinct,
        "once_per_audience": json_every and html_at_most and set(distinct.values()) == {1},
    }


def run() -> dict[str, Any]:
    return asyncio.run(_measure())
