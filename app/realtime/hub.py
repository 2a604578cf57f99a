"""Rooms and connections on this instance.

Each message is rendered once per audience and the same bytes go to every connection of that
audience. Messages that arrive while a room is still delivering earlier ones are delivered together:
the JSON stream still gets every message (each with its own `seq`), while each HTML audience gets one
render for the whole batch, since its regions are re-rendered from the database as it is now.

Each rendered message is framed once (app/realtime/frames.py) and the same frame is written to the
transport of every connection of its audience; where the server is not one frames.py knows, the text
goes through the ASGI send instead. Sending costs no task switch when a socket can take the bytes at
once (the usual case); a socket that cannot gets its own small backlog, and a phone whose backlog
fills is disconnected (it reconnects and resyncs) instead of growing memory without bound or holding
up the room.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from app.realtime.broker import Broker
from app.realtime.frames import DirectWriter, Gone, Outgoing, direct_writer
from app.roomlog.messages import MessageType
from app.roomlog.service import RoomMessage

log = logging.getLogger("lenswalk.realtime")

# Renders one message for one audience (text, or UTF-8 bytes such as orjson's); None means the
# audience has nothing to show for it.
Renderer = Callable[[RoomMessage], Awaitable[str | bytes | None]]
# Renders what a run of messages (in seq order) changed for one audience, once for all of them.
BatchRenderer = Callable[[Sequence[RoomMessage]], Awaitable[str | bytes | None]]
Loader = Callable[[int, int, int | None], Awaitable[list[RoomMessage]]]
SeqReader = Callable[[int], Awaitable[int]]

# Close codes: 1012 "service restart" makes clients reconnect (to another instance if any).
CLOSE_RESTART = 1012
CLOSE_TOO_SLOW = 1013
CLOSE_POLICY = 1008

RAW_SEND = "lenswalk.raw_send"


class RawWebsocketSend:
    """Keeps the server's own `send` of a websocket in its scope, so pushes skip the per-message
    wrappers of the middlewares inside this one (they only act on the handshake). Add it last."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        await self.app(scope, receive, send)


_DONE = object()


def _step(coro: Coroutine[Any, Any, None]) -> Any:
    """Run `coro` until it finishes (`_DONE`) or has to wait (returns what it yielded: a future, or
    None for a bare yield such as `asyncio.sleep(0)`)."""
    try:
        return coro.send(None)
    except StopIteration:
        return _DONE


@dataclass(eq=False, slots=True)
class Connection:
    websocket: WebSocket
    audience: str
    limit: int
    sent_seq: int = 0
    closed: bool = False
    # Paused until the endpoint has sent its replay or snapshot; offers wait in the backlog (made
    # when first needed: most connections never need one).
    paused: bool = True
    backlog: deque[tuple[int, Outgoing]] | None = None
    # Set while a send is waiting for the socket to drain; further offers wait in the backlog.
    waiting: asyncio.Task[None] | None = None
    # For a board opened with its secret link: the link's version (closed once a newer one exists).
    link_version: int | None = None
    _raw: Send | None = field(init=False, default=None)
    # Writes each message's one frame straight to this socket's transport (None: the ASGI send).
    _direct: DirectWriter | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._raw = getattr(self.websocket, "scope", {}).get(RAW_SEND)
        if self._raw is not None:
            self._direct = direct_writer(self._raw)

    @property
    def framed_once(self) -> bool:
        """Whether this connection is written the room's one frame per message (else: the ASGI send)."""
        return self._direct is not None

    def _send(self, payload: str) -> Coroutine[Any, Any, None]:
        if self._raw is not None:
            # The server's ASGI send is typed as any awaitable; uvicorn's is a coroutine, stepped by _step.
            return cast(Coroutine[Any, Any, None], self._raw({"type": "websocket.send", "text": payload}))
        return self.websocket.send_text(payload)

    def offer(self, seq: int, payload: Outgoing) -> None:
        if self.closed or seq <= self.sent_seq:
            return
        if self.paused or self.waiting is not None or self.backlog:
            if self.backlog is None:
                self.backlog = deque()
            if len(self.backlog) >= self.limit:
                self._too_slow()
                return
            self.backlog.append((seq, payload))
            return
        self._send_now(seq, payload)

    def _send_now(self, seq: int, payload: Outgoing) -> None:
        """Write at once; if the socket cannot take it yet, finish in a task of this connection's."""
        direct = self._direct
        if direct is not None:
            try:
                written = direct.write(payload.frame)
            except Gone:
                self._gone()
                return
            self.sent_seq = seq
            if not written:
                self.waiting = asyncio.get_running_loop().create_task(self._write_later(direct, payload))
            return
        coro = self._send(payload.text)
        try:
            waiting_on = _step(coro)
        except Exception:
            self._gone()
            return
        self.sent_seq = seq
        if waiting_on is not _DONE:
            self.waiting = asyncio.get_running_loop().create_task(self._finish(coro, waiting_on))

    async def _write_later(self, direct: DirectWriter, payload: Outgoing) -> None:
        try:
            while True:
                await direct.writable()
                if direct.write(payload.frame):
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            self.waiting = None
            self._gone()
            return
        self.waiting = None
        self.drain()

    async def _finish(self, coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        try:
            while waiting_on is not _DONE:
                try:
                    if waiting_on is None:
                        await asyncio.sleep(0)
                    else:
                        # Wait as a task would for the future the coroutine yielded (already marked
                        # as waited on); the coroutine reads its outcome itself when it resumes.
                        waiting_on._asyncio_future_blocking = False
                        with contextlib.suppress(Exception):
                            await waiting_on
                except asyncio.CancelledError:
                    coro.close()
                    raise
                waiting_on = _step(coro)
            self.waiting = None
            self.drain()
        except asyncio.CancelledError:
            raise
        except Exception:
            self.waiting = None
            self._gone()

    def drain(self) -> None:
        while self.backlog and self.waiting is None and not self.closed and not self.paused:
            seq, payload = self.backlog.popleft()
            if seq > self.sent_seq:
                self._send_now(seq, payload)
        if not self.backlog:
            self.backlog = None

    def start(self) -> None:
        """The endpoint is done with its own sending: from now on offers go out as they come."""
        self.paused = False
        self.drain()

    async def send_direct(self, seq: int, payload: str | bytes) -> None:
        """For the endpoint's own replay while the connection is paused."""
        if seq > self.sent_seq:
            await self.websocket.send_text(payload if isinstance(payload, str) else payload.decode())
            self.sent_seq = seq

    def _too_slow(self) -> None:
        self.closed = True
        self.backlog = None
        asyncio.get_running_loop().create_task(_close(self.websocket, CLOSE_TOO_SLOW))

    def _gone(self) -> None:
        # The socket is gone: the endpoint's receive loop sees the disconnect and leaves the room.
        self.closed = True
        self.backlog = None

    def stop(self) -> None:
        self.closed = True
        self.backlog = None
        if self.waiting is not None:
            self.waiting.cancel()
            self.waiting = None


async def _close(websocket: WebSocket, code: int) -> None:
    with contextlib.suppress(Exception):
        if websocket.application_state != WebSocketState.DISCONNECTED:
            await websocket.close(code)


# Sockets written between two looks at the event loop: a big room's fan-out must not keep an
# incoming post (or its publish) waiting for the whole room.
SEND_SLICE = 250


async def _offer_all(connections: list[Connection], seq: int, payload: Outgoing) -> None:
    for start in range(0, len(connections), SEND_SLICE):
        if start:
            await asyncio.sleep(0)
        for connection in connections[start : start + SEND_SLICE]:
            connection.offer(seq, payload)


@dataclass(eq=False)
class Room:
    event_id: int
    last_seq: int
    connections: set[Connection] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Received and not yet delivered, and the task delivering them.
    pending: list[RoomMessage] = field(default_factory=list)
    worker: asyncio.Task[None] | None = None


class Hub:
    def __init__(
        self,
        broker: Broker,
        *,
        renderers: dict[str, Renderer],
        load_history: Loader,
        read_seq: SeqReader,
        queue_size: int,
        batch_renderers: dict[str, BatchRenderer] | None = None,
    ) -> None:
        self.broker = broker
        self.renderers = renderers
        self.batch_renderers = batch_renderers or {}
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
            if room.worker is not None:
                room.worker.cancel()
            for connection in list(room.connections):
                connection.stop()
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
                self._receive(message)

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
                    await self._deliver(room, await self.load_history(room.event_id, room.last_seq, None))
            except Exception:
                log.exception("room %s could not catch up from the log", room.event_id)

    async def _listen(self, stream: AsyncIterator[dict[str, Any]]) -> None:
        async for raw in stream:
            try:
                self._receive(RoomMessage.from_dict(raw))
            except Exception:
                log.exception("a room message could not be read")

    def _receive(self, message: RoomMessage) -> None:
        room = self.rooms.get(message.event_id)
        if room is None:
            return
        room.pending.append(message)
        if room.worker is None:
            room.worker = asyncio.get_running_loop().create_task(self._work(room))

    async def _work(self, room: Room) -> None:
        """Deliver what the room has received; what arrives meanwhile goes out in the next batch."""
        try:
            while room.pending:
                batch, room.pending = room.pending, []
                try:
                    async with room.lock:
                        await self._dispatch(room, batch)
                except Exception:
                    log.exception("room messages could not be delivered")
        finally:
            room.worker = None

    async def _dispatch(self, room: Room, received: list[RoomMessage]) -> None:
        fresh = sorted({m.seq: m for m in received if m.seq > room.last_seq}.values(), key=lambda m: m.seq)
        batch: list[RoomMessage] = []
        expected = room.last_seq + 1
        for message in fresh:
            if message.seq > expected:
                # Another instance's earlier commit has not reached us yet: read it from the log.
                batch += await self.load_history(room.event_id, expected - 1, message.seq - 1)
            batch.append(message)
            expected = message.seq + 1
        await self._deliver(room, batch)

    async def _deliver(self, room: Room, batch: list[RoomMessage]) -> None:
        if not batch:
            return
        room.last_seq = max(room.last_seq, batch[-1].seq)
        for message in batch:
            if message.type == MessageType.BOARD_LINK_CHANGED:
                self._close_old_links(room, int((message.data or {}).get("version", 0)))
        audiences: dict[str, list[Connection]] = {}
        for connection in room.connections:
            audiences.setdefault(connection.audience, []).append(connection)
        # The cheap per-message audiences first, so the JSON stream never waits for an HTML render.
        for audience, connections in audiences.items():
            render = self.renderers.get(audience)
            if render is None:
                continue
            for message in batch:
                payload = await render(message)
                if payload is not None:
                    await _offer_all(connections, message.seq, Outgoing(payload))
        for audience, connections in audiences.items():
            render_batch = self.batch_renderers.get(audience)
            if render_batch is None:
                continue
            payload = await render_batch(batch)
            if payload is not None:
                await _offer_all(connections, batch[-1].seq, Outgoing(payload))

    def _close_old_links(self, room: Room, version: int) -> None:
        """A replaced or revoked board link: its open boards go dark (a signed-in board stays). The
        endpoint's receive loop sees the close and leaves the room."""
        for connection in list(room.connections):
            if connection.link_version is not None and connection.link_version < version:
                connection.stop()
                asyncio.get_running_loop().create_task(_close(connection.websocket, CLOSE_POLICY))

    async def join(self, event_id: int, websocket: WebSocket, audience: str) -> tuple[Room, Connection]:
        """The connection starts paused: call its `start()` once the endpoint has sent its own."""
        async with self._rooms_lock:
            room = self.rooms.get(event_id)
            if room is None:
                room = Room(event_id=event_id, last_seq=await self.read_seq(event_id))
                self.rooms[event_id] = room
        connection = Connection(websocket, audience, self.queue_size)
        room.connections.add(connection)
        return room, connection

    async def leave(self, room: Room, connection: Connection) -> None:
        connection.stop()
        room.connections.discard(connection)
        async with self._rooms_lock:
            if not room.connections and self.rooms.get(room.event_id) is room:
                del self.rooms[room.event_id]
