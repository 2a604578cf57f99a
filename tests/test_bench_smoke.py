"""The benchmark harness still runs end to end (a real `lenswalk serve`, a few listeners, a couple of
seconds of posts). It asserts that messages arrive, never how fast: timing belongs to `make bench`."""

from pathlib import Path

import pytest

from app.settings import Settings
from bench import fanout, floor, harness, throughput
from tests.conftest import SERVICES
from tests.support import run_async


@pytest.mark.parametrize("listener", fanout.LISTENERS)
def test_fanout_benchmark_runs_against_a_real_server(tmp_path: Path, listener: str) -> None:
    server = harness.start_server(f"sqlite:///{tmp_path / 'bench.db'}", tmp_path)
    try:
        room = harness.open_room(server.base_url)
        run_async(lambda: harness.join_participants(room, 6, concurrency=2))
        result = run_async(
            lambda: fanout.run([server], room, clients=5, duration=2, boards=1, settle=0.2, listener=listener)
        )
    finally:
        server.stop()
    assert result["listener"] == listener
    assert result["post_failures"] == 0, result["post_failure_examples"]
    assert result["annotations_posted"] == 20
    # Every participant received every annotation, and all of them the same bytes.
    assert result["delivered_fraction"] == 1.0
    assert result["distinct_participant_payloads_per_annotation"] == 1
    assert result["participant_latency_ms"]["count"] == 5 * 20
    assert result["board_latency_ms"]["count"] >= 1
    assert result["disconnected_clients"] == 0


def test_throughput_benchmark_runs_against_a_real_server(tmp_path: Path) -> None:
    server = harness.start_server(f"sqlite:///{tmp_path / 'bench.db'}", tmp_path)
    try:
        room = harness.open_room(server.base_url)
        run_async(lambda: harness.join_participants(room, 5, concurrency=2))
        result = run_async(
            lambda: throughput.run(server, room, listeners=3, writers=2, duration=1.5, boards=1)
        )
    finally:
        server.stop()
    assert result["errors"] == 0, result["error_examples"]
    assert result["accepted"] > 0
    assert result["fanout_delivered_fraction"] == 1.0
    assert result["listeners_disconnected"] == 0


def test_the_floor_server_fans_out_to_the_same_listeners(tmp_path: Path) -> None:
    server = floor.start_floor(tmp_path)
    try:
        room = floor.floor_room(server, 6)
        result = run_async(lambda: fanout.run([server], room, clients=5, duration=2, boards=1, settle=0.2))
    finally:
        server.stop()
    assert result["post_failures"] == 0, result["post_failure_examples"]
    assert result["delivered_fraction"] == 1.0
    assert result["distinct_participant_payloads_per_annotation"] == 1
    assert result["board_latency_ms"]["count"] == 20


@pytest.mark.skipif(not SERVICES, reason="needs PostgreSQL (LENSWALK_TEST_DATABASE_URL) and redis-server")
@pytest.mark.timeout(180)
def test_throughput_benchmark_runs_against_two_processes(tmp_path: Path, settings: Settings) -> None:
    """The two-process case of `make bench`: `serve --workers 2`, its own Redis, every listener
    gets every post whichever process holds its socket or took the post."""
    with harness.private_redis() as redis_url:
        server = harness.start_server(settings.database_url, tmp_path, redis_url, workers=2)
        try:
            assert len(harness.process_tree(server.pid)) >= 3, "a supervisor and two server processes"
            room = harness.open_room(server.base_url)
            run_async(lambda: harness.join_participants(room, 8, concurrency=2))
            result = run_async(
                lambda: throughput.run(server, room, listeners=6, writers=2, duration=1.5, boards=1)
            )
        finally:
            server.stop()
    assert result["errors"] == 0, result["error_examples"]
    assert result["accepted"] > 0
    assert result["fanout_delivered_fraction"] == 1.0
    assert result["listeners_disconnected"] == 0
