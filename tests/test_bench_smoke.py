"""The benchmark harness still runs end to end (a real `lenswalk serve`, five listeners, two seconds of
posts). It asserts that messages arrive, never how fast: timing belongs to `make bench`."""

from pathlib import Path

from bench import fanout, harness
from tests.support import run_async


def test_fanout_benchmark_runs_against_a_real_server(tmp_path: Path) -> None:
    server = harness.start_server(f"sqlite:///{tmp_path / 'bench.db'}", tmp_path)
    try:
        room = harness.open_room(server.base_url)
        run_async(lambda: harness.join_participants(room, 6, concurrency=2))
        result = run_async(lambda: fanout.run([server], room, clients=5, duration=2, boards=1, settle=0.2))
    finally:
        server.stop()
    assert result["post_failures"] == 0, result["post_failure_examples"]
    assert result["annotations_posted"] == 20
    # Every participant received every annotation, and all of them the same bytes.
    assert result["delivered_fraction"] == 1.0
    assert result["distinct_participant_payloads_per_annotation"] == 1
    assert result["participant_latency_ms"]["count"] == 5 * 20
    assert result["board_latency_ms"]["count"] >= 1
