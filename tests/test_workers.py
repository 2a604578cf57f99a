"""`lenswalk serve --workers N`: N processes on one machine behind one port, sharing each room through
Redis. A write made through one process reaches phones whose websockets are attached to the other;
which process holds a connection is read from the kernel's socket table (/proc), so the app itself
says nothing about it. Without PostgreSQL and a redis:// broker it refuses to start, saying why."""

import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from tests.conftest import (
    REQUIRE_SERVICES,
    SERVICES,
    annotate,
    closed_with,
    command_env,
    create_event,
    join,
    open_stream,
    receive_json,
    run_command,
    serve_process,
    settings_env,
    signed_in,
)

services = pytest.mark.skipif(
    not SERVICES and not REQUIRE_SERVICES,
    reason="needs PostgreSQL and Redis: set LENSWALK_TEST_DATABASE_URL=postgresql+psycopg://... and "
    "LENSWALK_TEST_BROKER_URL=redis://... (CI does)",
)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            listed = (task / "children").read_text().split()
        except OSError:
            continue  # a thread that has just ended
        for child in listed:
            found += [int(child), *_children(int(child))]
    return found


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of a loopback TCP connection, from /proc/net/tcp(6)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return fields[9]
    return None


def serving_pid(server_pid: int, server_port: int, ws: ClientConnection) -> int | None:
    """Which of the server's processes holds this websocket's connection."""
    inode = _socket_inode(server_port, ws.socket.getsockname()[1])
    if inode is None:
        return None
    for pid in _children(server_pid):
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            return pid
    return None


@services
@pytest.mark.timeout(240)
def test_a_post_through_one_connection_reaches_phones_on_both_processes(settings: Any) -> None:
    with serve_process(settings_env(settings), "--no-prepare", "--workers", "2") as served:
        facilitator = signed_in(served)  # type: ignore[arg-type]
        event = create_event(facilitator)
        writer = join(served, event)  # type: ignore[arg-type]
        phone = join(served, event)  # type: ignore[arg-type]
        by_pid: dict[int, ClientConnection] = {}
        tries = 0
        with ExitStack() as stack:
            # The kernel gives each new connection to whichever process accepts it first: connect
            # until a stream is attached to each of the two (the others stay open until the end).
            while len(by_pid) < 2 and tries < 200:
                tries += 1
                ws = stack.enter_context(open_stream(served, phone, event["id"]))  # type: ignore[arg-type]
                pid = serving_pid(served.process.pid, served.port, ws)
                if pid is not None:
                    by_pid.setdefault(pid, ws)
            assert len(by_pid) == 2, f"{tries} connections all went to {list(by_pid)}"
            assert served.process.pid not in by_pid, "the supervisor itself serves nothing"

            response = annotate(writer, event, text="The waiting room is next to the street door.")
            assert response.status_code == 201, response.text
            received = [receive_json(ws, timeout=10) for ws in by_pid.values()]
            for message in received:
                assert message["type"] == "annotation.added"
                assert message["data"]["id"] == response.json()["id"]
                assert message["data"]["text"] == "The waiting room is next to the street door."
            assert received[0]["seq"] == received[1]["seq"]

            # Stopped as a service manager stops it: every process closes its phones with "service
            # restart" (so they reconnect to whatever comes next), and the supervisor exits cleanly.
            assert served.terminate() == 0
            assert [closed_with(ws) for ws in by_pid.values()] == [1012, 1012]


def test_more_than_one_worker_on_sqlite_is_refused_with_what_to_do(tmp_path: Path) -> None:
    result = run_command(command_env(tmp_path), "serve", "--workers", "2")
    assert result.returncode == 2
    assert "--workers 2 needs PostgreSQL" in result.stderr
    assert "--workers 1" in result.stderr
    assert not (tmp_path / "data" / "lenswalk.db").exists(), "it refused before touching the database"


def test_more_than_one_worker_without_redis_is_refused_with_what_to_do(tmp_path: Path) -> None:
    env = command_env(
        tmp_path,
        LENSWALK_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
        LENSWALK_BROKER_URL="memory://",
    )
    result = run_command(env, "serve", "--workers", "2")
    assert result.returncode == 2
    assert "needs LENSWALK_BROKER_URL set to a redis:// URL" in result.stderr


def test_zero_workers_is_refused(tmp_path: Path) -> None:
    result = run_command(command_env(tmp_path), "serve", "--workers", "0")
    assert result.returncode == 2
    assert "--workers must be at least 1." in result.stderr
