"""`lenswalk serve` as a real process: how it starts and how it stops."""

import signal
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from tests.conftest import closed_with, cookie_header, create_event, join, open_stream, signed_in


def test_sigterm_closes_websockets_with_service_restart(serve_process: Any) -> None:
    """1012 tells clients to reconnect at once (behind a proxy, to another instance)."""
    instance = serve_process()
    facilitator = signed_in(instance)
    event = create_event(facilitator)
    alice = join(instance, event)
    board_url = f"{instance.ws_url}/events/{event['id']}/live?view=board"
    with (
        connect(board_url, additional_headers=cookie_header(facilitator), open_timeout=5) as board,
        open_stream(instance, alice, event["id"]) as stream,
    ):
        board.recv(timeout=5)  # the snapshot: the board is connected and served
        # uvicorn re-raises the SIGTERM it handled once it has shut down: -15 is a graceful exit,
        # -9 would mean it had to be killed.
        assert instance.terminate() in (0, -signal.SIGTERM), instance.output()
        assert closed_with(board) == 1012
        assert closed_with(stream) == 1012


def test_no_prepare_serves_without_touching_the_schema(serve_process: Any, tmp_path: Path) -> None:
    """Replicas start with --no-prepare (or LENSWALK_PREPARE=false): only the one-shot migrate job
    changes the schema, so replicas starting together never race to migrate."""
    empty = tmp_path / "replica.db"
    sqlite3.connect(empty).close()
    url = {"LENSWALK_DATABASE_URL": f"sqlite:///{empty}"}
    for replica in (
        serve_process("--no-prepare", env=url),
        serve_process(env={**url, "LENSWALK_PREPARE": "false"}),
    ):
        assert httpx.get(f"{replica.base_url}/healthz").status_code == 200
    with sqlite3.connect(empty) as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []

    prepared = serve_process(env=url)
    maps = httpx.get(f"{prepared.base_url}/api/v1/journey-maps")
    assert maps.status_code in (200, 401), maps.text
    with sqlite3.connect(empty) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"alembic_version", "event", "room_event"} <= tables
        assert conn.execute("SELECT count(*) FROM vignette").fetchone()[0] >= 6


def test_health_endpoints_answer_on_a_real_process(serve_process: Any) -> None:
    instance = serve_process("--no-prepare")
    assert httpx.get(f"{instance.base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{instance.base_url}/readyz")
    assert ready.status_code == 200 and ready.json() == {"database": "ok", "broker": "ok"}
