"""Rooms and connections on this instance.

Each message is rendered once per audience and the same bytes go to every connection of that
audience, through a bounded queue per connection: a phone that cannot keep up is disconnected
(it reconnects and resyncs) instead of growing memory without bound.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from app.realtime.broker import Broker
from app.roomlog.service import RoomMessage

log = logging.getLogger("lenswalk.realtime")

# Renders one message for one audience; None means the audience has nothing to show for it.
Renderer = Callable[[RoomMessage], Awaitable[str | None]]
Loader = Callable[[int, int, int | None], Awaitable[list[RoomMessage]]]
SeqReader = Callable[[int], Awaitable[int]]

# Close codes: 1012 "service restart" makes clients reconnect (to another instance if any).
CLOSE_RESTART = 1012
CLOSE_TOO_SLOW = 1013


@dataclass(eq=False)
class Connection:
    websocket: WebSocket
    audience: str
    queue: asyncio.Queue[tuple[int, str]]
    sent_seq: int = 0
    closed: bool = False

    def offer(self, seq: int, payload: str) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait((seq, payload))
        except asyncio.QueueFull:
            self.closed = True
            asyncio.get_running_loop().create_task(_close(self.websocket, CLOSE_TOO_SLOW))

    async def send_direct(self, seq: int, payload: str) -> None:
        if seq > self.sent_seq:
            await self.websocket.send_text(payload)
            self.sent_seq = seq

    async def run_sender(self) -> None:
        while not self.closed:
            seq, payload = await self.queue.get()
            await self.send_direct(seq, payload)


async def _close(websocket: WebSocket, code: int) -> None:
    with contextlib.suppress(Exception):
        if websocket.application_state != WebSocketState.DISCONNECTED:
            await websocket.close(code)


@dataclass(eq=False)
class Room:
    event_id: int
    last_seq: int
    connections: set[Connection] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Hub:
    def __init__(
        self,
        broker: Broker,
        *,
        renderers: dict[str, Renderer],
        load_history: Loader,
        read_seq: SeqReader,
        queue_size: int,
    ) -> None:
        self.broker = broker
        self.renderers = renderers
        self.load_history = load_history
        self.read_seq = read_seq
        self.queue_size = queue_size
        self.rooms: dict[int, Room] = {}
        self._task: asyncio.Task[None] | None = None
        # False while the broker subscription is lost and being re-established (/readyz says so).
        self.subscribed = False
        self._rooms_lock = asyncio.Lock()

    async def start(self) -> None:
        await self.broker.connect()
        stream = await self.broker.subscribe()
        self.subscribed = True
        self._task = asyncio.create_task(self._listen_forever(stream))

    async def stop(self) -> None:
        for room in list(self.rooms.values()):
            for connection in list(room.connections):
                connection.closed = True
                await _close(connection.websocket, CLOSE_RESTART)
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.broker.disconnect()

    async def publish(self, messages: list[RoomMessage]) -> None:
        """Called after the commit: the write stands whatever happens here. If the broker cannot
        take a message, this instance's screens get it directly and the others read it from the
        log with the next message they receive or when they resubscribe."""
        for message in messages:
            try:
                await self.broker.publish(message.to_dict())
            except Exception as exc:
                log.warning(
                    "the broker is unreachable (%s); room %s seq %s is delivered locally only",
                    exc,
                    message.event_id,
                    message.seq,
                )
                room = self.rooms.get(message.event_id)
                if room is not None:
                    await self._dispatch(room, message)

    async def _listen_forever(self, stream: AsyncIterator[dict[str, Any]]) -> None:
        """Listen, and when the broker goes away (a Redis restart), resubscribe and catch every
        room up from the log: a lost subscription must not leave this instance's screens frozen."""
        while True:
            try:
                await self._listen(stream)
            except Exception:
                log.warning("lost the broker subscription; resubscribing")
            self.subscribed = False
            delay = 0.2
            while True:
                await asyncio.sleep(delay)
                try:
                    stream = await self.broker.subscribe()
                    break
                except Exception:
                    delay = min(delay * 2, 5.0)
            self.subscribed = True
            await self._catch_up()

    async def _catch_up(self) -> None:
        for room in list(self.rooms.values()):
            try:
                async with room.lock:
                    for message in await self.load_history(room.event_id, room.last_seq, None):
                        await self._deliver(room, message)
            except Exception:
                log.exception("room %s could not catch up from the log", room.event_id)

    async def _listen(self, stream: AsyncIterator[dict[str, Any]]) -> None:
        async for raw in stream:
            try:
                message = RoomMessage.from_dict(raw)
                room = self.rooms.get(message.event_id)
                if room is not None:
                    await self._dispatch(room, message)
            except Exception:
                log.exception("a room message could not be delivered")

    async def _dispatch(self, room: Room, message: RoomMessage) -> None:
        async with room.lock:
            if message.seq <= room.last_seq:
                return
            batch = [message]
            if message.seq > room.last_seq + 1:
                # Another instance's earlier commit has not reached us yet: read it from the log.
                batch = await self.load_history(room.event_id, room.last_seq, message.seq - 1)
                batch.append(message)
            for item in batch:
                await self._deliver(room, item)

    async def _deliver(self, room: Room, message: RoomMessage) -> None:
        room.last_seq = max(room.last_seq, message.seq)
        audiences: dict[str, list[Connection]] = {}
        for connection in room.connections:
            audiences.setdefault(connection.audience, []).append(connection)
        for audience, connections in audiences.items():
            payload = await self.renderers[audience](message)
            if payload is None:
                continue
            for connection in connections:
                connection.offer(message.seq, payload)

    async def join(self, event_id: int, websocket: WebSocket, audience: str) -> tuple[Room, Connection]:
        async with self._rooms_lock:
            room = self.rooms.get(event_id)
            if room is None:
                room = Room(event_id=event_id, last_seq=await self.read_seq(event_id))
                self.rooms[event_id] = room
        connection = Connection(websocket, audience, asyncio.Queue(self.queue_size))
        room.connections.add(connection)
        return room, connection

    async def leave(self, room: Room, connection: Connection) -> None:
        connection.closed = True
        room.connections.discard(connection)
        async with self._rooms_lock:
            if not room.connections and self.rooms.get(room.event_id) is room:
                del self.rooms[room.event_id]

    def connection_count(self) -> int:
        return sum(len(room.connections) for room in self.rooms.values())
