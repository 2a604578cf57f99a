"""bench/report.py judges the fan-out against the floor measured in the same run: Lenswalk's p50 and
p99 as ratios to the floor's, and every message delivered."""

from typing import Any

from bench import report


def fanout(n: int, p50: float, p99: float, delivered: float, floor: tuple[float, float]) -> dict[str, Any]:
    return {
        "clients": n,
        "listener": "sansio",
        "participant_latency_ms": {"p50": p50, "p99": p99},
        "delivered_fraction": delivered,
        "rss_per_idle_client_kb": 39.0,
        "floor": {"participant_latency_ms": {"p50": floor[0], "p99": floor[1]}, "delivered_fraction": 1.0},
    }


def verdicts(runs: list[dict[str, Any]]) -> dict[str, bool | None]:
    rows = report._targets({"fanout": {"runs": runs, "machine": {"python_speed_ms": 31.5}}})
    return {f"{name} {goal.split()[0]}": ok for name, goal, _measured, ok in rows}


def test_within_the_floor_ratios_and_all_delivered_passes() -> None:
    got = verdicts([fanout(1000, 25, 60, 1.0, (20, 50)), fanout(2000, 30, 70, 1.0, (30, 70))])
    assert got["Fan-out against the floor, N=1,000 p50"] is True  # 1.25 x
    assert got["Fan-out against the floor, N=1,000 p99"] is True  # 1.2 x
    assert got["Fan-out against the floor, N=2,000 p50"] is True
    assert got["Memory per idle participant (at 2,000) at"] is True  # 39 KB, at most 40


def test_a_slow_tail_or_a_lost_message_misses() -> None:
    got = verdicts([fanout(1000, 25, 80, 1.0, (20, 50)), fanout(2000, 30, 70, 0.999, (30, 70))])
    assert got["Fan-out against the floor, N=1,000 p50"] is True
    assert got["Fan-out against the floor, N=1,000 p99"] is False  # 1.6 x
    assert got["Fan-out against the floor, N=2,000 p50"] is False  # on time, but not everyone got it
