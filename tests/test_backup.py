"""Backups of the embedded database: `lenswalk backup` taken while phones post, restored into a
fresh instance with `lenswalk restore`, holds every contribution acknowledged before it began."""

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import annotate, command_env, create_event, join, run_command, signed_in
from tests.support import ServeProcess, free_port, serve_process

PHONES = 8
# Under the per-participant write limit (30 a minute).
NOTES_EACH = 25


@pytest.mark.timeout(120)
def test_a_backup_taken_while_phones_post_restores_every_acknowledged_contribution(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (tmp_path / "live").mkdir()
    (tmp_path / "fresh").mkdir()
    with serve_process(tmp_path / "live") as served:
        event = create_event(signed_in(served))  # type: ignore[arg-type]
        phones = [join(served, event) for _ in range(PHONES)]  # type: ignore[arg-type]
        acked: list[str] = []
        stop = threading.Event()

        def post(n: int) -> None:
            i = 0
            while not stop.is_set() and i < NOTES_EACH:
                key = f"phone{n}-note{i:05d}"
                response = annotate(phones[n], event, text=f"Phone {n}, note {i}", client_key=key)
                assert response.status_code == 201, response.text
                acked.append(key)
                i += 1

        threads = [threading.Thread(target=post, args=(n,)) for n in range(PHONES)]
        for t in threads:
            t.start()
        while len(acked) < 40:
            time.sleep(0.05)
        before = set(acked)
        assert any(t.is_alive() for t in threads), "phones are still posting as the backup starts"
        taken = run_command(served.env(), "backup", str(backups), "--keep", "2")
        assert taken.returncode == 0, taken.stderr
        for _ in range(2):
            again = run_command(served.env(), "backup", str(backups), "--keep", "2")
            assert again.returncode == 0, again.stderr
        stop.set()
        for t in threads:
            t.join(15)
    copies = sorted(backups.glob("lenswalk-*.db"))
    assert len(copies) == 2, "--keep 2 keeps the newest two"
    first = taken.stdout.split(" to ", 1)[1].strip().rstrip(".")
    assert not Path(first).exists(), "the oldest copy was removed"

    fresh = ServeProcess(tmp_path / "fresh", free_port())
    restored = run_command(command_env(fresh.tmp), "restore", str(copies[0]))
    assert restored.returncode == 0, restored.stderr
    fresh.start()
    try:
        engine = create_engine(fresh.env()["LENSWALK_DATABASE_URL"])
        with engine.connect() as conn:
            keys = set(conn.execute(text("SELECT client_key FROM annotation")).scalars())
        engine.dispose()
        assert before <= keys
        # The restored instance serves the event: a facilitator signs in and sees it.
        assert httpx.get(f"{fresh.base_url}/healthz").status_code == 200
        facilitator = signed_in(fresh)  # type: ignore[arg-type]
        assert facilitator.get(f"/api/v1/events/{event['id']}").status_code == 200
    finally:
        fresh.stop()


def test_restore_refuses_what_is_not_a_backup_and_keeps_an_existing_database(tmp_path: Path) -> None:
    env = command_env(tmp_path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    refused = run_command(env, "restore", str(junk))
    assert refused.returncode == 1 and "not a Lenswalk backup" in refused.stderr
    assert run_command(env, "migrate").returncode == 0
    copy = tmp_path / "copy.db"
    assert run_command(env, "backup", str(copy)).returncode == 0
    kept = run_command(env, "restore", str(copy))
    assert kept.returncode == 1 and "--replace" in kept.stderr
    assert run_command(env, "restore", str(copy), "--replace").returncode == 0
    on_postgres = run_command(
        {**env, "LENSWALK_DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/x"}, "backup", str(copy)
    )
    assert on_postgres.returncode == 1 and "pg_dump" in on_postgres.stderr
