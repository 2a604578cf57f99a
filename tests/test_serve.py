"""`lenswalk serve` as a real process: how replicas start and how an instance stops."""

import signal
import sqlite3
from pathlib import Path

import httpx
from websockets.sync.client import connect

from app.settings import Settings
from tests.conftest import (
    closed_with,
    command_env,
    cookie_header,
    create_event,
    join,
    open_stream,
    serve_process,
    settings_env,
    signed_in,
)


def test_sigterm_closes_websockets_with_service_restart(settings: Settings) -> None:
    """1012 tells clients to reconnect at once (behind a proxy, to another instance)."""
    with serve_process(settings_env(settings), "--no-prepare") as instance:
        facilitator = signed_in(instance)
        event = create_event(facilitator)
        alice = join(instance, event)
        board_url = f"{instance.ws_url}/events/{event['id']}/live?view=board"
        with (
            connect(board_url, additional_headers=cookie_header(facilitator), open_timeout=5) as board,
            open_stream(instance, alice, event["id"]) as stream,
        ):
            board.recv(timeout=5)  # the snapshot: the board is connected and served
            # uvicorn re-raises the SIGTERM it handled once it has shut down: -15 is a graceful
            # exit, -9 would mean it had to be killed.
            assert instance.terminate() in (0, -signal.SIGTERM), instance.output()
            assert closed_with(board) == 1012
            assert closed_with(stream) == 1012
    # Two lines per phone and two more at each reconnect: a room of 1,000 would bury the log in them.
    assert "connection open" not in instance.output() and "connection closed" not in instance.output()


def test_no_prepare_serves_without_touching_the_schema(tmp_path: Path) -> None:
    """Replicas start with --no-prepare (or LENSWALK_PREPARE=false): only the one-shot migrate job
    changes the schema, so replicas starting together never race each other to migrate."""
    env = command_env(tmp_path)
    database = tmp_path / "data" / "lenswalk.db"
    database.parent.mkdir()
    sqlite3.connect(database).close()

    def tables() -> set[str]:
        with sqlite3.connect(database) as conn:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    with (
        serve_process(env, "--no-prepare") as flagged,
        serve_process({**env, "LENSWALK_PREPARE": "false"}) as configured,
    ):
        for replica in (flagged, configured):
            assert httpx.get(f"{replica.base_url}/readyz").json() == {"database": "ok", "broker": "ok"}
        assert tables() == set()

    with serve_process(env):
        assert {"alembic_version", "event", "room_event"} <= tables()
