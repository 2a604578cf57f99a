"""Each message framed once (app/realtime/frames.py), over real uvicorn servers and real sockets: on
uvicorn's Sans-I/O websocket protocol the hub writes one ready-made frame to every transport; on
another implementation (wsproto) it falls back to the plain ASGI send. Either way a phone that
connects mid-burst gets every message once and in order, and a phone that stops reading is cut off
(1013) and resumes from its last seq with nothing missing and nothing twice."""

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.sync.client import connect
from websockets.uri import parse_uri

from app.cli import WEBSOCKET_OPTIONS, proxy_options
from app.main import create_app
from app.realtime.frames import Outgoing, direct_writer
from app.realtime.hub import CLOSE_TOO_SLOW, Hub
from app.setup import prepare
from tests.conftest import (
    LiveServer,
    annotate,
    cookie_header,
    create_event,
    join,
    make_settings,
    open_stream,
    receive_until,
    signed_in,
)

QUEUE = 4
LONG_TEXT = "The letter about the first appointment said nothing about who I would meet. " * 3


@dataclass
class Served:
    live: LiveServer
    hub: Hub
    ws: str

    def connections(self, event_id: int) -> list[Any]:
        room = self.hub.rooms.get(event_id)
        return list(room.connections) if room else []


@pytest.fixture(params=["websockets-sansio", "wsproto"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """A server of its own on the given websocket implementation, its listening socket's send buffer
    kept small so a phone that stops reading fills it within a few hundred messages (instead of the
    megabytes the kernel would otherwise buffer on loopback)."""
    settings = make_settings(
        tmp_path,
        broker_channel=f"lenswalk-test-{uuid.uuid4().hex}",
        connection_queue_size=QUEUE,
        rate_writes_per_participant="100000 per minute",
    )
    prepare(settings)
    app = create_app(settings)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)  # accepted sockets inherit it
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        ws=request.param,
        **proxy_options(settings),
        **WEBSOCKET_OPTIONS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    for _ in range(750):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.02)
    assert server.started, "the test server did not start"
    live = LiveServer(f"http://127.0.0.1:{port}", settings, server, thread)
    try:
        yield Served(live, app.state.hub, request.param)
    finally:
        live.stop()
        listener.close()


def framed_once(served: Served, event_id: int) -> bool:
    """Whether the hub writes frames itself to this room's connections (else: the ASGI send)."""
    connections = served.connections(event_id)
    assert connections
    return all(c.framed_once for c in connections)


def seqs(messages: list[dict[str, Any]]) -> list[int]:
    return [m["seq"] for m in messages]


def receive_all_until(ws: Any, last: int, timeout: float = 10) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    receive_until(ws, lambda m: got.append(m) or m["seq"] >= last, timeout=timeout)
    return got


def test_a_frame_is_a_websocket_text_frame_of_the_message_at_every_length() -> None:
    for size in (0, 1, 125, 126, 65535, 65536, 70000):
        text = ("é" * size)[:size]
        out = Outgoing(json.dumps({"text": text}, ensure_ascii=False).encode())
        reader = ClientProtocol(parse_uri("ws://example.org/"), state=State.OPEN, max_size=None)
        reader.receive_data(out.frame)
        [frame] = reader.events_received()
        assert frame.opcode is Opcode.TEXT and frame.fin
        assert json.loads(frame.data.decode())["text"] == text
        assert out.text == json.dumps({"text": text}, ensure_ascii=False)
        assert out.frame is out.frame  # made once, shared by every connection


def test_a_send_of_a_server_it_does_not_know_gets_no_writer() -> None:
    async def send(_message: Any) -> None:
        pass

    assert direct_writer(send) is None
    assert direct_writer(None) is None


def test_the_server_writes_frames_itself_only_where_it_knows_the_server(served: Served) -> None:
    event = create_event(signed_in(served.live))
    phone = join(served.live, event)
    with open_stream(served.live, phone, event["id"], after_seq=0) as ws:
        assert annotate(phone, event).status_code == 201
        message = receive_until(ws, lambda m: m["type"] == "annotation.added")
        assert message["data"]["text"] == "Nobody tells you how long the wait will be."
        assert framed_once(served, event["id"]) is (served.ws == "websockets-sansio")


def test_a_phone_that_connects_mid_burst_gets_every_message_once_in_order(served: Served) -> None:
    event = create_event(signed_in(served.live))
    poster = join(served.live, event)
    early, late = join(served.live, event), join(served.live, event)
    start = poster.get(f"/api/v1/events/{event['id']}").json().get("last_seq", 0)
    posted = threading.Event()
    count = {"n": 0}
    failures: list[str] = []

    def burst() -> None:
        with httpx.Client(base_url=served.live.base_url, cookies=poster.cookies, timeout=10) as c:
            for i in range(60):
                response = annotate(c, event, text=f"Burst note {i}")
                if response.status_code != 201:
                    failures.append(response.text)
                count["n"] += 1
                if count["n"] == 20:
                    posted.set()

    with open_stream(served.live, early, event["id"], after_seq=start) as first:
        thread = threading.Thread(target=burst)
        thread.start()
        assert posted.wait(20)
        # Knows the room as it was before the burst: the replay and the live messages meet.
        with open_stream(served.live, late, event["id"], after_seq=start) as second:
            thread.join(30)
            assert not failures
            last = poster.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
            assert last >= start + 60
            from_first = receive_all_until(first, last)
            from_second = receive_all_until(second, last)
            assert framed_once(served, event["id"]) is (served.ws == "websockets-sansio")
    expected = list(range(start + 1, last + 1))
    assert seqs(from_first) == expected
    assert seqs(from_second) == expected
    texts = [m["data"]["text"] for m in from_second if m["type"] == "annotation.added"]
    assert texts == [f"Burst note {i}" for i in range(60)]


class StalledPhone:
    """A phone on a bad connection: a real TCP socket with a small receive buffer that completes
    the websocket handshake and then stops reading until `read_to_close()`."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=2**20)
        request = self.protocol.connect()
        for name, value in headers.items():
            request.headers[name] = value
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(10)
        uri = parse_uri(url)
        self.sock.connect((uri.host, uri.port))
        self.protocol.send_request(request)
        self._flush()
        while self.protocol.state is State.CONNECTING:
            self.protocol.receive_data(self.sock.recv(65536))
        assert self.protocol.handshake_exc is None, self.protocol.handshake_exc
        self.messages: list[dict[str, Any]] = []
        self._take_events()

    def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.sock.sendall(chunk)

    def _take_events(self) -> None:
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.messages.append(json.loads(event.data.decode()))

    def read_to_close(self) -> int | None:
        """Read everything that waited, answer the close, and give its code."""
        while self.protocol.close_rcvd is None:
            data = self.sock.recv(65536)
            if not data:
                break
            self.protocol.receive_data(data)
            self._take_events()
            self._flush()
        self.sock.close()
        return self.protocol.close_rcvd.code if self.protocol.close_rcvd else None


@pytest.mark.timeout(120)
def test_a_phone_that_stops_reading_is_cut_off_and_resumes_without_a_gap(served: Served) -> None:
    event = create_event(signed_in(served.live))
    poster, slow, steady = join(served.live, event), join(served.live, event), join(served.live, event)
    start = poster.get(f"/api/v1/events/{event['id']}").json().get("last_seq", 0)
    url = f"{served.live.ws_url}/api/v1/events/{event['id']}/stream?after_seq={start}"
    with open_stream(served.live, steady, event["id"], after_seq=start) as other:
        phone = StalledPhone(url, cookie_header(slow))
        assert annotate(poster, event, text="Before the phone stopped reading").status_code == 201
        # Post until the hub lets the stalled phone go (a few hundred messages fill its buffers).
        posted = 1
        while len([c for c in served.connections(event["id"]) if not c.closed]) > 1:
            assert posted < 3000, "the phone that stopped reading was never let go"
            assert annotate(poster, event, text=f"{posted} {LONG_TEXT}").status_code == 201
            posted += 1
            # The steady phone reads as it goes, so only the stalled one falls behind.
            mark = f"{posted - 1} "
            receive_until(other, lambda m, mark=mark: str(m["data"].get("text", "")).startswith(mark))
        assert annotate(poster, event, text="After the cut").status_code == 201
        last = poster.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
        receive_all_until(other, last)
        assert framed_once(served, event["id"]) is (served.ws == "websockets-sansio")

    assert phone.read_to_close() == CLOSE_TOO_SLOW
    before = seqs(phone.messages)
    # What it got before the cut is every message from the start, in order, and not all of them.
    assert before == list(range(start + 1, start + 1 + len(before)))
    assert before and before[-1] < last
    # It comes back with the last seq it has, and gets exactly the rest.
    with open_stream(served.live, slow, event["id"], after_seq=before[-1]) as back:
        after = seqs(receive_all_until(back, last))
    assert before + after == list(range(start + 1, last + 1))


@pytest.mark.parametrize("query", ["after_seq=soon", "after_seq=" + "9" * 30])
def test_a_stream_asked_for_from_a_seq_that_is_not_a_number_is_refused(
    server: LiveServer, query: str
) -> None:
    event = create_event(signed_in(server))
    phone = join(server, event)
    url = f"{server.ws_url}/api/v1/events/{event['id']}/stream?{query}"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers=cookie_header(phone), open_timeout=5)
    assert refused.value.response.status_code == 403
    # The same phone with a proper seq is let in.
    with open_stream(server, phone, event["id"], after_seq=0) as ws:
        assert annotate(phone, event).status_code == 201
        assert receive_until(ws, lambda m: m["type"] == "annotation.added")["data"]["text"]
