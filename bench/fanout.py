"""Fan-out: N participants on the JSON stream and a few boards on the HTML websocket, while one
participant posts annotations over HTTP at a fixed rate. Latency is the time from a POST's start to
each client's receipt of that annotation (one clock: CLOCK_MONOTONIC, one client process).

Also measured on the way: the server's resident memory before and after the clients connect (idle),
its CPU time per posted annotation, and whether every participant got the same bytes."""

import asyncio
import contextlib
import gc
import multiprocessing
import re
import resource
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import uvloop
import websockets
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from bench.harness import (
    Room,
    Server,
    cookie_header,
    cpu_seconds,
    percentiles,
    rss_bytes,
    start_profile,
    summarise_profile,
)

MARK = re.compile(rb"bench#(\d+)#")
TEXTS = [
    "The waiting room has no privacy at the desk.",
    "A text the day before saying who I will meet and where.",
    "Nobody tells you how long the wait will be.",
]


@dataclass
class Client:
    audience: str  # "participant" (JSON stream) or "board" (HTML websocket)
    receipts: list[tuple[int, float, int]] = field(default_factory=list)  # (mark, when, crc32)
    closed_code: int | None = None
    # A board's "latest" list repeats older annotations: each counts when the board first shows it.
    # One render may show several new ones (posts that came while it waited), all at that moment.
    shown: set[int] = field(default_factory=set)

    def received(self, payload: bytes, now: float) -> None:
        board = self.audience == "board"
        for match in MARK.finditer(payload):
            mark = int(match.group(1))
            if board:
                if mark in self.shown:
                    continue
                self.shown.add(mark)
            self.receipts.append((mark, now, zlib.crc32(payload)))


# Two ways to be a phone, both the `websockets` library over real TCP connections:
# - "sansio" (the default): websockets' own protocol object (handshake, framing, pings, closing)
#   fed by a plain asyncio protocol on uvloop, with no task per connection; each text message is
#   decoded as UTF-8, as a browser does;
# - "asyncio": websockets' asyncio client, a task reading each connection.
# A thousand phones are a thousand CPUs in a real room; here they share one Python process beside
# the server on 2 cores, and with the asyncio client that process needed twice the server's CPU to
# read each message, so the benchmark measured its own listener. The report runs both at N=1,000.
LISTENERS = ("sansio", "asyncio")


class _Phone(asyncio.Protocol):
    """One connection driven by websockets' Sans-I/O client protocol."""

    def __init__(self, url: str, cookies: dict[str, str], client: Client) -> None:
        self.client = client
        self.protocol = ClientProtocol(
            parse_uri(url),
            max_size=2**22,
            # Like a phone's browser: offers permessage-deflate (the server declines it).
            extensions=enable_client_permessage_deflate(None),
        )
        self.request = self.protocol.connect()
        self.request.headers["Cookie"] = cookie_header(cookies)
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.parts: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.protocol.send_request(self.request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        now = time.monotonic()
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT or (event.opcode is Opcode.CONT and self.parts):
                    self.parts.append(event.data)
                    if event.fin:
                        payload = b"".join(self.parts)
                        payload.decode()  # a browser rejects a text message that is not UTF-8
                        self.client.received(payload, now)
                        self.parts = []
                elif event.opcode is Opcode.CLOSE and self.client.closed_code is None:
                    self.client.closed_code = self.protocol.close_code
            elif not self.opened.done():  # the handshake's response
                if self.protocol.handshake_exc is None:
                    self.opened.set_result(None)
                else:
                    self.opened.set_exception(self.protocol.handshake_exc)
        self._flush()  # pongs, and the reply to a close

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client.closed_code is None:
            self.client.closed_code = self.protocol.close_code or 1006
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.protocol.send_close(1000)
        self._flush()
        self.transport.close()


async def _open_phone(url: str, cookies: dict[str, str], client: Client, gate: asyncio.Semaphore) -> _Phone:
    parsed = parse_uri(url)
    async with gate:
        for attempt in range(5):
            phone = _Phone(url, cookies, client)
            try:
                await asyncio.get_running_loop().create_connection(
                    lambda phone=phone: phone, parsed.host, parsed.port
                )
                await asyncio.wait_for(phone.opened, timeout=60)
                return phone
            except (OSError, TimeoutError, InvalidHandshake):
                phone.close()
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


async def _listen(ws: Any, client: Client) -> None:
    try:
        async for raw in ws:
            client.received(raw.encode() if isinstance(raw, str) else raw, time.monotonic())
    except websockets.ConnectionClosed as exc:
        client.closed_code = exc.rcvd.code if exc.rcvd else 1006


async def _connect(url: str, cookies: dict[str, str], gate: asyncio.Semaphore) -> Any:
    async with gate:
        for attempt in range(5):
            try:
                return await websockets.connect(
                    url,
                    additional_headers={"Cookie": cookie_header(cookies)},
                    open_timeout=60,
                    max_size=2**22,
                    # Like a phone's browser: offers permessage-deflate (the default) and never pings
                    # (the server does; a starved client process must not hang up on its own).
                    ping_interval=None,
                )
            except (OSError, TimeoutError, websockets.InvalidStatus):
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


# The listening phones can run in `client_processes` processes of their own. One (the default) on
# this 2-core machine: with two, the listeners take both cores during each burst and starve the
# server they are measuring; on a machine with more cores, more listener processes measure the
# server rather than the listeners' own backlog.


def _listen_in_process(plan: list[tuple[str, dict[str, str], str]], listener: str, pipe: Any) -> None:
    uvloop.run(_listener_process(plan, listener, pipe))


async def _listener_process(plan: list[tuple[str, dict[str, str], str]], listener: str, pipe: Any) -> None:
    # Hundreds of thousands of receipts accumulate here: the collector's passes over them would
    # show up as the server's latency. This process lives for one run and makes no cycles to free.
    gc.disable()
    clients = [Client(audience) for _u, _c, audience in plan]
    gate = asyncio.Semaphore(32)
    phones: list[_Phone] = []
    sockets: list[Any] = []
    tasks: list[asyncio.Task[None]] = []
    if listener == "sansio":
        phones = await asyncio.wait_for(
            asyncio.gather(
                *(
                    _open_phone(url, cookies, c, gate)
                    for (url, cookies, _a), c in zip(plan, clients, strict=True)
                )
            ),
            timeout=300,
        )
    else:
        sockets = await asyncio.wait_for(
            asyncio.gather(*(_connect(url, cookies, gate) for url, cookies, _a in plan)), timeout=300
        )
        tasks = [asyncio.create_task(_listen(ws, c)) for ws, c in zip(sockets, clients, strict=True)]
    pipe.send("connected")
    cpu_start = 0.0
    while True:
        command = await asyncio.to_thread(pipe.recv)
        if command == "clear":
            for client in clients:
                client.receipts.clear()
                client.shown.clear()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu_start = usage.ru_utime + usage.ru_stime
            pipe.send("cleared")
        elif isinstance(command, tuple) and command[0] == "finish":
            _cmd, last_mark, wait_seconds = command
            deadline = time.monotonic() + wait_seconds
            while time.monotonic() < deadline:
                if all(
                    c.closed_code is not None or any(r[0] == last_mark for r in c.receipts) for c in clients
                ):
                    break
                await asyncio.sleep(0.1)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime - cpu_start
            for phone in phones:
                phone.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            pipe.send(([(c.audience, c.receipts, c.closed_code) for c in clients], cpu))
            return


class _Listeners:
    """`plan` spread over processes; each process connects, listens and reports its receipts."""

    def __init__(self, plan: list[tuple[str, dict[str, str], str]], processes: int, listener: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        for k in range(processes):
            part = plan[k::processes]
            if not part:
                continue
            ours, theirs = context.Pipe()
            process = context.Process(target=_listen_in_process, args=(part, listener, theirs), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    async def _ask(self, command: Any) -> list[Any]:
        for pipe in self.pipes:
            if command is not None:
                pipe.send(command)
        return list(await asyncio.gather(*(asyncio.to_thread(pipe.recv) for pipe in self.pipes)))

    async def connected(self) -> None:
        await self._ask(None)

    async def clear(self) -> None:
        await self._ask("clear")

    async def finish(self, last_mark: int, wait_seconds: float) -> tuple[list[Client], float]:
        clients: list[Client] = []
        cpu = 0.0
        for reports, used in await self._ask(("finish", last_mark, wait_seconds)):
            cpu += used
            for audience, receipts, closed in reports:
                clients.append(Client(audience, receipts, closed))
        for process in self.processes:
            process.join(timeout=30)
        return clients, cpu

    def kill(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()


async def run(
    servers: list[Server],
    room: Room,
    *,
    clients: int,
    duration: float,
    rate: float = 10.0,
    boards: int = 2,
    settle: float = 2.0,
    profile: Path | None = None,
    client_processes: int = 1,
    listener: str = "sansio",
) -> dict[str, Any]:
    """One measurement. `room` needs at least `clients + 1` joined participants (the last posts)."""
    assert len(room.participant_cookies) > clients, "join more participants first"
    poster_cookies = room.participant_cookies[-1]
    for server in servers:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{server.base_url}/healthz", timeout=5)
    rss_before = {s.pid: rss_bytes(s.pid) for s in servers}

    plan: list[tuple[str, dict[str, str], str]] = []
    for i in range(clients):
        server = servers[i % len(servers)]
        url = f"{server.ws_url}/api/v1/events/{room.id}/stream"
        plan.append((url, room.participant_cookies[i], "participant"))
    for i in range(boards):
        server = servers[i % len(servers)]
        plan.append((f"{server.ws_url}/events/{room.id}/live?view=board", room.facilitator_cookies, "board"))

    # Listen from now on, as a phone that has the page does: no replay of the room's history.
    seq = room.last_seq()
    plan = [(f"{url}?after_seq={seq}" if "/stream" in url else url, c, a) for url, c, a in plan]
    started = time.monotonic()
    listeners = _Listeners(plan, client_processes, listener)
    try:
        await asyncio.wait_for(listeners.connected(), timeout=300)
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(settle)  # let the connections go idle before reading memory
        rss_idle = {s.pid: rss_bytes(s.pid) for s in servers}
        await listeners.clear()  # snapshots and replays are not part of the measurement

        profiler = start_profile(servers[0].pid, duration, profile) if profile else None
        cpu_before = {s.pid: cpu_seconds(s.pid) for s in servers}
        own_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        posted: dict[int, float] = {}
        post_times: list[float] = []
        failures: list[str] = []
        http = [httpx.AsyncClient(base_url=s.base_url, cookies=poster_cookies, timeout=30) for s in servers]
        touchpoints = room.touchpoints()
        # Marks unique to this run: a board still shows earlier runs' annotations in one room.
        first_mark = time.time_ns() // 1_000_000

        async def post(k: int) -> None:
            body = {
                "touchpoint_id": touchpoints[k % len(touchpoints)],
                "kind": ("barrier", "strength", "idea")[k % 3],
                "principles": ["trust"],
                "text": f"bench#{first_mark + k}# {TEXTS[k % len(TEXTS)]}",
            }
            t0 = time.monotonic()
            posted[first_mark + k] = t0
            try:
                response = await http[k % len(http)].post(f"/api/v1/events/{room.id}/annotations", json=body)
                if response.status_code != 201:
                    failures.append(f"{response.status_code}: {response.text[:200]}")
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
            post_times.append(time.monotonic() - t0)

        total = max(1, int(duration * rate))
        begin = time.monotonic() + 0.2
        posts = []
        for k in range(total):
            delay = begin + k / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            posts.append(asyncio.create_task(post(k)))
        await asyncio.wait_for(asyncio.gather(*posts), timeout=120)
        cpu_used = {s.pid: cpu_seconds(s.pid) - cpu_before[s.pid] for s in servers}
        own_cpu = resource.getrusage(resource.RUSAGE_SELF)
        # Wait (bounded) for the stragglers, then stop listening.
        everyone, listener_cpu = await listeners.finish(first_mark + total - 1, 10)
    finally:
        listeners.kill()
    for c in http:
        await c.aclose()
    participants = [c for c in everyone if c.audience == "participant"]
    board_clients = [c for c in everyone if c.audience == "board"]

    def latencies(group: list[Client]) -> list[float]:
        return [when - posted[mark] for c in group for mark, when, _h in c.receipts if mark in posted]

    # Same bytes for every participant: one distinct payload per annotation.
    payloads: dict[int, set[int]] = defaultdict(set)
    for c in participants:
        for mark, _when, digest in c.receipts:
            payloads[mark].add(digest)
    delivered = sum(len({m for m, _w, _h in c.receipts}) for c in participants)
    if profiler is not None:
        profiler.wait(timeout=60)
    return {
        "profile": summarise_profile(profile) if profile else None,
        "clients": clients,
        "boards": boards,
        "instances": len(servers),
        "rate_per_second": rate,
        "annotations_posted": total,
        "post_failures": len(failures),
        "post_failure_examples": failures[:3],
        "participant_latency_ms": percentiles(latencies(participants)),
        "board_latency_ms": percentiles(latencies(board_clients)),
        "post_response_ms": percentiles(post_times),
        "delivered_fraction": round(delivered / (clients * total), 4) if clients else 1.0,
        "disconnected_clients": sum(1 for c in everyone if c.closed_code is not None),
        "distinct_participant_payloads_per_annotation": max((len(v) for v in payloads.values()), default=0),
        "connect_seconds": round(connect_seconds, 1),
        "server_rss_before_mb": {str(p): round(v / 2**20, 1) for p, v in rss_before.items()},
        "server_rss_idle_mb": {str(p): round(v / 2**20, 1) for p, v in rss_idle.items()},
        "rss_per_idle_client_kb": round(
            sum(rss_idle[p] - rss_before[p] for p in rss_before) / 1024 / max(1, clients + boards), 1
        ),
        "server_cpu_ms_per_annotation": round(sum(cpu_used.values()) * 1000 / total, 1),
        "client_processes": len(listeners.processes),
        "listener": listener,
        # The listening processes and the posting one together.
        "client_cpu_ms_per_annotation": round(
            (
                listener_cpu
                + own_cpu.ru_utime
                + own_cpu.ru_stime
                - own_cpu_before.ru_utime
                - own_cpu_before.ru_stime
            )
            * 1000
            / total,
            1,
        ),
    }
