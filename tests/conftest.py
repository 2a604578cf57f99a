"""Tests run against a real app: a real database built by the migrations, a real uvicorn server
on a free port, real HTTP and real websockets. Set LENSWALK_TEST_DATABASE_URL and
LENSWALK_TEST_BROKER_URL to run the same suite against PostgreSQL and Redis; with
LENSWALK_REQUIRE_SERVICES=1 (as CI sets it) the run errors when they are not set or not reachable,
instead of quietly testing SQLite alone."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import uvicorn
from sqlalchemy import create_engine, text
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from app.cli import WEBSOCKET_OPTIONS, proxy_options
from app.main import create_app
from app.settings import Settings
from app.setup import prepare

ROOT = Path(__file__).resolve().parent.parent
ADMIN_EMAIL = "facilitator@example.org"
ADMIN_PASSWORD = "a long test password"
OTHER_EMAIL = "other@example.org"


TEST_DATABASE_URL = os.environ.get("LENSWALK_TEST_DATABASE_URL", "")
TEST_BROKER_URL = os.environ.get("LENSWALK_TEST_BROKER_URL", "")
REQUIRE_SERVICES = os.environ.get("LENSWALK_REQUIRE_SERVICES") == "1"
# PostgreSQL and Redis, as several app instances share them.
SERVICES = TEST_DATABASE_URL.startswith("postgresql") and TEST_BROKER_URL.startswith(
    ("redis://", "rediss://")
)
# Pub/sub channels are server-wide: a run of its own, so parallel runs on one Redis never mix.
BROKER_CHANNEL = f"lenswalk-test:{uuid.uuid4().hex}"


def services_problem() -> str | None:
    """Why PostgreSQL and Redis cannot be tested against, or None when both answer."""
    if not SERVICES:
        return (
            "LENSWALK_TEST_DATABASE_URL must be a postgresql+psycopg:// URL and LENSWALK_TEST_BROKER_URL "
            f"a redis:// URL (got {TEST_DATABASE_URL or 'nothing'!r} and {TEST_BROKER_URL or 'nothing'!r})"
        )
    engine = create_engine(TEST_DATABASE_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL at LENSWALK_TEST_DATABASE_URL is unreachable: {exc}"
    finally:
        engine.dispose()
    client = redis.Redis.from_url(TEST_BROKER_URL, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except Exception as exc:
        return f"Redis at LENSWALK_TEST_BROKER_URL is unreachable: {exc}"
    finally:
        client.close()
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SERVICES and (problem := services_problem()):
        pytest.exit(f"LENSWALK_REQUIRE_SERVICES=1: {problem}", returncode=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_database(url: str) -> None:
    """A clean PostgreSQL schema for this run (SQLite gets a new file instead)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_settings(tmp: Path, **overrides: Any) -> Settings:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp / 'lenswalk.db'}"
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": url,
        "broker_url": TEST_BROKER_URL or "memory://",
        "broker_channel": BROKER_CHANNEL,
        "secret_key": "test-secret-key-" + "x" * 32,
        "admin_email": ADMIN_EMAIL,
        "admin_password": ADMIN_PASSWORD,
        "data_dir": tmp,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(settings: Settings) -> LiveServer:
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        **proxy_options(settings),
        **WEBSOCKET_OPTIONS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", settings, server, thread)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("lenswalk")
    settings = make_settings(tmp)
    if not settings.is_sqlite:
        reset_database(settings.database_url)
    prepare(settings)
    return settings


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[LiveServer]:
    live = start_server(settings)
    yield live
    live.stop()


@pytest.fixture
def db(settings: Settings) -> Iterator[Any]:
    engine = create_engine(settings.database_url)
    yield engine
    engine.dispose()


_open_clients: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open_clients:
        _open_clients.pop().close()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def client(server: LiveServer) -> httpx.Client:
    """A person's browser: its page writes carry the session's CSRF token, as the pages' forms and
    htmx do (tests/test_csrf.py checks the refusals with `bare()` clients that do not)."""
    c = httpx.Client(base_url=server.base_url, timeout=10, follow_redirects=False)
    token: dict[str | None, str] = {}

    def as_a_page(request: httpx.Request) -> None:
        if request.method in ("GET", "HEAD", "OPTIONS") or request.url.path.startswith("/api/"):
            return
        if "x-csrf-token" in request.headers:
            return
        session = c.cookies.get("lenswalk_session")
        if session not in token:
            found = CSRF_META.search(c.get("/join").text)
            assert found, "no csrf-token on /join"
            session = c.cookies.get("lenswalk_session")
            token.clear()
            token[session] = found.group(1)
        request.headers["X-CSRF-Token"] = token[session]
        request.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in c.cookies.items())

    c.event_hooks["request"].append(as_a_page)
    _open_clients.append(c)
    return c


def bare(c: httpx.Client) -> httpx.Client:
    """The same cookies without the page's token: what another site could make a browser send."""
    other = httpx.Client(base_url=c.base_url, timeout=10, follow_redirects=False, cookies=c.cookies)
    _open_clients.append(other)
    return other


def signed_in(server: LiveServer, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> httpx.Client:
    c = client(server)
    response = c.post("/api/v1/session", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return c


@pytest.fixture
def facilitator(server: LiveServer) -> Iterator[httpx.Client]:
    yield signed_in(server)


def create_event(facilitator: httpx.Client, **body: Any) -> dict[str, Any]:
    maps = facilitator.get("/api/v1/journey-maps").json()
    payload = {"title": "Lens walk at the Harbour Service", "journey_map_id": maps[0]["id"], **body}
    response = facilitator.post("/api/v1/events", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def event(facilitator: httpx.Client) -> dict[str, Any]:
    return create_event(facilitator)


def join(
    server: LiveServer, event: dict[str, Any], team_index: int = 0, here_as: str = "staff"
) -> httpx.Client:
    c = client(server)
    response = c.post(
        "/api/v1/join",
        json={
            "join_code": event["join_code"],
            "team_id": event["teams"][team_index]["id"],
            "here_as": here_as,
        },
    )
    assert response.status_code == 201, response.text
    return c


def first_touchpoint(event: dict[str, Any], stage: int = 0, index: int = 0) -> int:
    return event["stages"][stage]["touchpoints"][index]["id"]


def annotate(c: httpx.Client, event: dict[str, Any], **body: Any) -> httpx.Response:
    payload = {
        "touchpoint_id": first_touchpoint(event),
        "kind": "barrier",
        "principles": ["trust"],
        "text": "Nobody tells you how long the wait will be.",
        **body,
    }
    return c.post(f"/api/v1/events/{event['id']}/annotations", json=payload)


def cookie_header(c: httpx.Client) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in c.cookies.items())}


def open_stream(
    server: LiveServer, c: httpx.Client | None, event_id: int, after_seq: int | None = None
) -> ClientConnection:
    query = f"?after_seq={after_seq}" if after_seq is not None else ""
    headers = cookie_header(c) if c is not None else {}
    return connect(
        f"{server.ws_url}/api/v1/events/{event_id}/stream{query}", additional_headers=headers, open_timeout=5
    )


def receive_json(ws: ClientConnection, timeout: float = 3) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=timeout))


def receive_until(ws: ClientConnection, predicate: Any, timeout: float = 3) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = receive_json(ws, max(deadline - time.monotonic(), 0.01))
        if predicate(message):
            return message


def closed_with(ws: ClientConnection, timeout: float = 10) -> int | None:
    """The close code the server sent, reading past any message still on its way."""
    try:
        while True:
            ws.recv(timeout=timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def nothing_arrives(ws: ClientConnection, wait: float = 0.4) -> bool:
    try:
        ws.recv(timeout=wait)
    except TimeoutError:
        return True
    return False


LENSWALK_COMMAND = [sys.executable, "-m", "app.cli"]


def command_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a real `lenswalk` process on its own fresh SQLite file in `tmp`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LENSWALK_")}
    env.update(
        {
            "LENSWALK_DATABASE_URL": f"sqlite:///{tmp / 'data' / 'lenswalk.db'}",
            "LENSWALK_DATA_DIR": str(tmp / "data"),
            **extra,
        }
    )
    return env


def run_command(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LENSWALK_COMMAND, *args], input=stdin, env=env, capture_output=True, text=True, timeout=60
    )


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a real `lenswalk` process on the test session's database and broker, as
    another app instance of the same deployment."""
    instance = {
        "LENSWALK_ENVIRONMENT": "production",
        "LENSWALK_DATABASE_URL": settings.database_url,
        "LENSWALK_BROKER_URL": settings.broker_url,
        "LENSWALK_BROKER_CHANNEL": settings.broker_channel,
        "LENSWALK_SECRET_KEY": settings.secret_key,
    }
    return command_env(settings.data_dir, **{**instance, **extra})


class ServeProcess:
    """`lenswalk serve` as a real process, on 127.0.0.1 and a free port."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by close())
        self._output = ""
        self.process = subprocess.Popen(
            [*LENSWALK_COMMAND, "serve", "--host", "127.0.0.1", "--port", str(self.port), *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_ready(self, timeout: float = 60) -> "ServeProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lenswalk serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"lenswalk serve did not answer /healthz within {timeout} s:\n{self.output()}")

    def terminate(self) -> int | None:
        """SIGTERM, as a container runtime or systemd stops it; SIGKILL if it does not exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode

    def output(self) -> str:
        """What the process printed, with its own address (printed on start-up) masked, so a
        client address in a log line stands out."""
        if not self.log.closed:
            self.log.seek(0)
            self._output = self.log.read().replace(self.base_url, "<server>")
        return self._output

    def close(self) -> None:
        """Stop it and keep what it printed."""
        try:
            self.terminate()
        finally:
            self.output()
            self.log.close()


@contextmanager
def serve_process(env: dict[str, str], *args: str) -> Iterator[ServeProcess]:
    """A running `lenswalk serve`; stopped on leaving the block, whether the test passed or not."""
    server = ServeProcess(env, *args)
    try:
        yield server.wait_ready()
    finally:
        server.close()
