"""The deployment, run for real: deploy/run-local.sh starts Caddy (deploy/Caddyfile) in front of two
`lenswalk serve` instances on PostgreSQL and a Redis of its own, and everything here goes through
Caddy: websockets, a whole room joining from one address, people limited one by one behind the
proxy, and a phone's stream moving to the other instance when one stops."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from websockets.exceptions import ConnectionClosed

from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    REQUIRE_SERVICES,
    ROOT,
    TEST_DATABASE_URL,
    annotate,
    create_event,
    free_port,
    join,
    nothing_arrives,
    open_stream,
    receive_json,
    signed_in,
)
from tests.support import client_from

READY = bool(
    TEST_DATABASE_URL.startswith("postgresql") and shutil.which("caddy") and shutil.which("redis-server")
)
pytestmark = [
    pytest.mark.skipif(
        not READY and not REQUIRE_SERVICES,
        reason="needs caddy, redis-server and PostgreSQL (LENSWALK_TEST_DATABASE_URL); CI requires them",
    ),
    pytest.mark.timeout(240),
]
SCRIPT = ROOT / "deploy" / "run-local.sh"


@dataclass
class Deployment:
    base_url: str
    dir: Path

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://")

    def pid(self, name: str) -> int:
        return int((self.dir / f"{name}.pid").read_text())


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    assert READY, "caddy, redis-server and PostgreSQL are required here"
    state = tmp_path_factory.mktemp("run-local")
    port = free_port()
    url = make_url(TEST_DATABASE_URL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LENSWALK_")}
    env.update(
        RUN_LOCAL_DIR=str(state),
        RUN_LOCAL_DATABASE=f"{url.database}_run_local",
        RUN_LOCAL_PGHOST=url.host or "127.0.0.1",
        RUN_LOCAL_PORT=str(port),
        RUN_LOCAL_APP_PORTS=f"{free_port()} {free_port()}",
        RUN_LOCAL_REDIS_PORT=str(free_port()),
        RUN_LOCAL_ADMIN_PORT=str(free_port()),
        LENSWALK=str(Path(sys.executable).with_name("lenswalk")),
        LENSWALK_ADMIN_EMAIL=ADMIN_EMAIL,
        LENSWALK_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=180)
    try:
        assert started.returncode == 0, started.stdout + started.stderr + _logs(state)
        yield Deployment(f"http://127.0.0.1:{port}", state)
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=120)


def _logs(state: Path) -> str:
    return "".join(f"\n--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(state.glob("*.log")))


def _join(c: httpx.Client, event: dict[str, Any], code: str | None = None) -> httpx.Response:
    return c.post(
        "/api/v1/join", json={"join_code": code or event["join_code"], "team_id": event["teams"][0]["id"]}
    )


def test_websockets_work_through_caddy(deployment: Deployment) -> None:
    event = create_event(signed_in(deployment))  # type: ignore[arg-type]
    phone = join(deployment, event)  # type: ignore[arg-type]
    with open_stream(deployment, phone, event["id"], after_seq=0) as ws:  # type: ignore[arg-type]
        assert annotate(phone, event, text="Through the proxy").status_code == 201
        deadline = time.monotonic() + 10
        while True:
            message = receive_json(ws, timeout=10)
            if message["type"] == "annotation.added":
                assert message["data"]["text"] == "Through the proxy"
                break
            assert time.monotonic() < deadline


def test_a_whole_room_joins_from_one_address_through_caddy(deployment: Deployment) -> None:
    event = create_event(signed_in(deployment))  # type: ignore[arg-type]
    venue = httpx.HTTPTransport(local_address="127.0.0.7", limits=httpx.Limits(max_connections=16))
    start = time.monotonic()

    def one_person(_n: int) -> int:
        phone = httpx.Client(base_url=deployment.base_url, transport=venue, timeout=30)
        return _join(phone, event).status_code

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(one_person, range(500)))
    finally:
        venue.close()
    elapsed = time.monotonic() - start
    assert [r for r in results if r != 201] == []
    assert elapsed < 30, f"500 joins took {elapsed:.1f}s"


def test_two_people_behind_caddy_guessing_codes_are_limited_separately(deployment: Deployment) -> None:
    event = create_event(signed_in(deployment))  # type: ignore[arg-type]
    guesser = client_from(deployment, "127.0.0.21")  # type: ignore[arg-type]
    other = client_from(deployment, "127.0.0.22")  # type: ignore[arg-type]
    # Per-client counts are kept per instance (each has its own salt), so the guesser may get up to
    # the limit on each of the two; once refused 20 times in a row, both instances refuse them.
    statuses: list[int] = []
    while statuses[-20:] != [429] * 20:
        statuses.append(_join(guesser, event, "ZZZZZZ").status_code)
        assert len(statuses) <= 4 * 60, "the guesser was never limited"
    assert statuses[:60] == [404] * 60
    # A spoofed header changes nothing: Caddy replaces it with the address it sees.
    spoofed = guesser.post(
        "/api/v1/join",
        json={"join_code": "ZZZZZZ", "team_id": event["teams"][0]["id"]},
        headers={"X-Forwarded-For": "198.51.100.9"},
    )
    assert spoofed.status_code == 429
    # The other person, behind the same proxy, is not affected.
    assert _join(other, event, "ZZZZZZ").status_code == 404
    assert _join(other, event).status_code == 201


def test_a_phones_stream_survives_one_instance_stopping(deployment: Deployment) -> None:
    event = create_event(signed_in(deployment))  # type: ignore[arg-type]
    phone = join(deployment, event)  # type: ignore[arg-type]
    assert annotate(phone, event, text="Said before the stop").status_code == 201
    # Caddy sends each new websocket to the instance with the fewest: two streams, one on each.
    with ExitStack() as stack:
        streams = [
            stack.enter_context(open_stream(deployment, phone, event["id"], after_seq=0))  # type: ignore[arg-type]
            for _ in range(2)
        ]
        _move_over(deployment, phone, event, streams)


def _move_over(
    deployment: Deployment, phone: httpx.Client, event: dict[str, Any], streams: list[Any]
) -> None:
    last = 0
    for ws in streams:
        seqs = [receive_json(ws, timeout=10)["seq"]]
        while True:
            try:
                seqs.append(receive_json(ws, timeout=1)["seq"])
            except TimeoutError:
                break
        last = max(last, *seqs)
    assert last >= 1
    leaving = deployment.pid("app1")
    os.kill(leaving, signal.SIGTERM)
    closed: list[int] = []
    for n, ws in enumerate(streams):
        try:
            ws.recv(timeout=5)
        except ConnectionClosed as gone:
            assert gone.rcvd is not None and gone.rcvd.code == 1012
            closed.append(n)
        except TimeoutError:
            pass
    assert len(closed) == 1, "one of the two streams was on the stopped instance"
    assert annotate(phone, event, text="Said while one instance was down").status_code == 201
    survivor = streams[1 - closed[0]]
    with open_stream(deployment, phone, event["id"], after_seq=last) as resumed:  # type: ignore[arg-type]
        for ws in (resumed, survivor):
            message = receive_json(ws, timeout=10)
            assert (
                message["seq"] == last + 1 and message["data"]["text"] == "Said while one instance was down"
            )
            assert nothing_arrives(ws)
