"""`make bench` (or `python -m bench`): every benchmark against real `lenswalk serve` processes, JSON
results in bench/results/, and the table in docs/performance.md.

    python -m bench                      # everything (about 10 minutes on 2 cores)
    python -m bench --only fanout taps   # some of it (names: see BENCHMARKS)
    python -m bench --max-load 2.5       # wait (up to --wait-minutes) for a quiet machine first
"""

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvloop

from bench import exports, fanout, floor, harness, pageweight, render_once, report, taps, throughput

FANOUT_SIZES = (50, 200, 1_000, 2_000)
# The sizes at which the same listeners are also run against bench/floor.py (issue 20's targets).
FLOOR_SIZES = (1_000, 2_000)
# --fanout-seconds: shorter runs for a quick comparison on a busy machine (each run records its posts).
FANOUT = {"seconds": 20.0}
MULTI_CLIENTS = 2_000
THROUGHPUT = {"listeners": 200, "writers": 16, "duration": 15.0}
BUSY_ROOM_ANNOTATIONS = 300


# --max-load and --wait-minutes, for the waits between benchmarks and between the fan-out's sizes.
QUIET = {"max_load": 3.0, "minutes": 20.0}


def wait_for_quiet() -> None:
    deadline = time.monotonic() + QUIET["minutes"] * 60
    while harness.load_average()[0] > QUIET["max_load"] and time.monotonic() < deadline:
        print(f"  load average {harness.load_average()[0]:.1f} > {QUIET['max_load']}: waiting", flush=True)
        time.sleep(30)


def with_load(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    before = harness.load_average()[0]
    counters = harness.cpu_counters()
    result = fn()
    result["load_average_before_after"] = [round(before, 2), round(harness.load_average()[0], 2)]
    result["cpu_steal_share"] = harness.steal_share(counters, harness.cpu_counters())
    return result


def bench_render_once(_tmp: Path) -> dict[str, Any]:
    return render_once.run()


def bench_page(tmp: Path) -> dict[str, Any]:
    server = harness.start_server(f"sqlite:///{tmp / 'page.db'}", tmp)
    try:
        room = harness.open_room(server.base_url)
        empty = pageweight.run(room)
        browser = taps.run(room)
        asyncio.run(harness.join_participants(room, 1))
        asyncio.run(_post(room, BUSY_ROOM_ANNOTATIONS))
        busy = pageweight.run(room)
    finally:
        server.stop()
    return {
        "page_weight": empty,
        "page_weight_busy_room": busy,
        "busy_room_annotations": BUSY_ROOM_ANNOTATIONS,
        "first_contribution": browser,
    }


async def _post(room: harness.Room, count: int) -> None:
    import httpx

    touchpoints = room.touchpoints()
    async with httpx.AsyncClient(
        base_url=room.base_url, cookies=room.participant_cookies[-1], timeout=30
    ) as c:
        for k in range(count):
            body = {
                "touchpoint_id": touchpoints[k % len(touchpoints)],
                "kind": ("barrier", "strength", "idea")[k % 3],
                "principles": ["trust"],
                "text": fanout.TEXTS[k % len(fanout.TEXTS)],
            }
            (await c.post(f"/api/v1/events/{room.id}/annotations", json=body)).raise_for_status()


def bench_fanout(tmp: Path) -> dict[str, Any]:
    """A fresh server process for each N (so the memory reading starts clean), one database."""
    url = f"sqlite:///{tmp / 'fanout.db'}"
    server = harness.start_server(url, tmp)
    try:
        room = harness.open_room(server.base_url)
        asyncio.run(harness.join_participants(room, max(FANOUT_SIZES) + 1))
    finally:
        server.stop()
    runs = []
    # Every size with the lean listener, then N=1,000 again with websockets' asyncio client, to show
    # what the listening process itself costs (bench/fanout.py, LISTENERS).
    for n, listener in [*((n, "sansio") for n in FANOUT_SIZES), (1_000, "asyncio")]:
        wait_for_quiet()  # the previous size's load must not count against this one
        server = harness.start_server(url, tmp)
        try:
            room.base_url = server.base_url
            print(f"  fan-out N={n} ({listener} listener)", flush=True)
            runs.append(
                with_load(
                    lambda server=server, n=n, listener=listener: asyncio.run(
                        fanout.run(
                            [server],
                            room,
                            clients=n,
                            duration=FANOUT["seconds"],
                            profile=tmp / f"fanout-{n}-{listener}.txt",
                            listener=listener,
                        )
                    )
                )
            )
        finally:
            server.stop()
        if listener == "sansio" and n in FLOOR_SIZES:
            runs[-1]["floor"] = _floor_run(tmp, n)
    return {"runs": runs}


def _floor_run(tmp: Path, n: int) -> dict[str, Any]:
    """The same listeners against bench/floor.py right after Lenswalk's run of the same size."""
    wait_for_quiet()
    server = floor.start_floor(tmp)
    try:
        print(f"  fan-out N={n} against the floor", flush=True)
        room = floor.floor_room(server, n + 1)
        return with_load(
            lambda: asyncio.run(fanout.run([server], room, clients=n, duration=FANOUT["seconds"]))
        )
    finally:
        server.stop()


def bench_multi(tmp: Path) -> dict[str, Any]:
    if not harness.postgres_available():
        return {"available": False, "reason": f"no PostgreSQL at {harness.PG_ADMIN_URL}"}
    url = harness.fresh_postgres()
    with harness.private_redis() as redis_url:
        servers = [harness.start_server(url, tmp, redis_url) for _ in range(2)]
        try:
            room = harness.open_room(servers[0].base_url)
            asyncio.run(harness.join_participants(room, MULTI_CLIENTS + 1))
            result = with_load(
                lambda: asyncio.run(
                    fanout.run(
                        servers,
                        room,
                        clients=MULTI_CLIENTS,
                        duration=FANOUT["seconds"],
                        profile=tmp / "multi.txt",
                    )
                )
            )
        finally:
            for server in servers:
                server.stop()
    return {"available": True, "database": "postgresql", "broker": "redis", **result}


def _throughput(url: str, tmp: Path, broker: str = "memory://", workers: int = 1) -> dict[str, Any]:
    server = harness.start_server(url, tmp, broker, workers=workers)
    try:
        room = harness.open_room(server.base_url)
        asyncio.run(harness.join_participants(room, THROUGHPUT["listeners"] + THROUGHPUT["writers"]))
        profile = tmp / f"throughput-{url.split(':')[0]}-{workers}.txt"
        profiler = harness.start_profile(
            server.pid, THROUGHPUT["duration"], profile, subprocesses=workers > 1
        )
        result = with_load(
            # uvloop, as the fan-out's listeners: the writers and listeners share this process.
            lambda: uvloop.run(
                throughput.run(
                    server,
                    room,
                    listeners=int(THROUGHPUT["listeners"]),
                    writers=int(THROUGHPUT["writers"]),
                    duration=THROUGHPUT["duration"],
                )
            )
        )
        if profiler is not None:
            profiler.wait(timeout=60)
            result["profile"] = harness.summarise_profile(profile)
        result["processes"] = workers
        return result
    finally:
        server.stop()


def bench_throughput(tmp: Path) -> dict[str, Any]:
    """SQLite and PostgreSQL in one process, then PostgreSQL + Redis in two (`--workers 2`)."""
    results: dict[str, Any] = {"sqlite": _throughput(f"sqlite:///{tmp / 'throughput.db'}", tmp)}
    if not harness.postgres_available():
        missing = {"available": False, "reason": f"no PostgreSQL at {harness.PG_ADMIN_URL}"}
        return {**results, "postgresql": missing, "postgresql_2_processes": missing}
    wait_for_quiet()
    results["postgresql"] = _throughput(harness.fresh_postgres(), tmp)
    wait_for_quiet()
    with harness.private_redis() as redis_url:
        results["postgresql_2_processes"] = _throughput(harness.fresh_postgres(), tmp, redis_url, workers=2)
    return results


def bench_exports(tmp: Path) -> dict[str, Any]:
    url = f"sqlite:///{tmp / 'exports.db'}"
    server = harness.start_server(url, tmp)
    try:
        return exports.run(harness.open_room(server.base_url), url)
    finally:
        server.stop()


BENCHMARKS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "render_once": bench_render_once,
    "page": bench_page,
    "fanout": bench_fanout,
    "multi": bench_multi,
    "throughput": bench_throughput,
    "exports": bench_exports,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS))
    parser.add_argument("--max-load", type=float, default=3.0, help="wait for a 1-minute load below this")
    parser.add_argument("--wait-minutes", type=float, default=20.0, help="but never longer than this")
    parser.add_argument("--fanout-seconds", type=float, default=20.0, help="posting time of each fan-out run")
    args = parser.parse_args(argv)
    FANOUT["seconds"] = args.fanout_seconds

    harness.raise_open_files()
    QUIET.update(max_load=args.max_load, minutes=args.wait_minutes)
    for name in args.only:
        wait_for_quiet()
        print(f"{name}: running (load average {harness.load_average()[0]:.1f})", flush=True)
        with harness.workdir() as tmp:
            started = time.monotonic()
            result = with_load(lambda name=name, tmp=tmp: BENCHMARKS[name](tmp))
            result["machine"] = harness.machine()
            result["seconds"] = round(time.monotonic() - started, 1)
        path = harness.write_result(name, result)
        print(f"{name}: wrote {path.relative_to(harness.ROOT)}", flush=True)
    out = report.write()
    print(f"wrote {out.relative_to(harness.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
