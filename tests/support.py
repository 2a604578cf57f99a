"""Helpers for the security and resilience tests: servers of their own, page tokens, clients
from other loopback addresses (so per-client limits can be told apart without other machines)."""

import asyncio
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from app.db import make_engine, transaction
from app.facilitators import service as facilitators
from app.setup import prepare
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LENSWALK_COMMAND,
    ROOT,
    LiveServer,
    _open_clients,
    command_env,
    free_port,
    make_settings,
    signed_in,
    start_server,
)


def run_async(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine on a loop of its own thread: the browser tests keep a loop running on this one."""

    async def main() -> Any:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=50)


META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
FIELD_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def own_server(tmp: Path, **overrides: Any) -> Iterator[LiveServer]:
    """A server with its own database and its own rate-limit counters."""
    settings = make_settings(tmp, **{"broker_channel": f"lenswalk-test-{uuid.uuid4().hex}", **overrides})
    prepare(settings)
    live = start_server(settings)
    try:
        yield live
    finally:
        live.stop()


def client_from(server: LiveServer, address: str = "127.0.0.1", **kwargs: Any) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x.y.z reaches the server on Linux)."""
    c = httpx.Client(
        base_url=server.base_url,
        timeout=kwargs.pop("timeout", 10),
        follow_redirects=False,
        transport=httpx.HTTPTransport(local_address=address),
        **kwargs,
    )
    _open_clients.append(c)
    return c


def page_token(c: httpx.Client, path: str = "/join") -> str:
    """The CSRF token a page gives this client's session (what a browser's form would carry)."""
    response = c.get(path)
    assert response.status_code == 200, response.text
    found = META_TOKEN.search(response.text)
    assert found and found.group(1), "the page carries no csrf-token meta tag"
    return found.group(1)


def post_form(c: httpx.Client, path: str, data: dict[str, Any], token_from: str = "/join") -> httpx.Response:
    return c.post(path, data={**data, "csrf_token": page_token(c, token_from)})


@dataclass
class ServeProcess:
    """`lenswalk serve` in its own process, on a database file that outlives it: unlike
    conftest.serve_process, it can be killed (SIGKILL) and started again on the same file."""

    tmp: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return command_env(
            self.tmp,
            LENSWALK_ENVIRONMENT="test",
            LENSWALK_SECRET_KEY="serve-process-secret-" + "y" * 32,
            LENSWALK_ADMIN_EMAIL=ADMIN_EMAIL,
            LENSWALK_ADMIN_PASSWORD=ADMIN_PASSWORD,
        )

    def start(self, timeout: float = 30) -> None:
        with (self.tmp / "serve.log").open("ab") as log:
            self._start(log, timeout)

    def _start(self, log: Any, timeout: float) -> None:
        self.process = subprocess.Popen(
            [*LENSWALK_COMMAND, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.tmp / "serve.log").read_text()[-2000:])
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("lenswalk serve did not become ready")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye, as when a machine loses power."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def serve_process(tmp: Path) -> Iterator[ServeProcess]:
    proc = ServeProcess(tmp, free_port())
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def another_facilitator(
    server: LiveServer, email: str, password: str = "another long test password"
) -> httpx.Client:
    """Signed in as a facilitator with an account on this server (made if missing), of no event yet."""
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            facilitators.ensure_facilitator(session, email=email, password=password)
    finally:
        engine.dispose()
    return signed_in(server, email, password)
