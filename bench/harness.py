"""What every benchmark needs: real `lenswalk serve` processes on free loopback ports, a private Redis,
a fresh PostgreSQL database, a signed-in facilitator, an open event and joined participants.

Nothing here times anything; the benchmarks do. Every wait is bounded."""

import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_EMAIL = "bench@example.org"
ADMIN_PASSWORD = "a long benchmark password"
SECRET = "bench-secret-key-" + "x" * 32
PG_ADMIN_URL = os.environ.get(
    "LENSWALK_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PG_DATABASE = "lenswalk_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_open_files(wanted: int = 20_000) -> int:
    """Thousands of sockets on each side of loopback: lift the soft limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (`lenswalk serve --workers N` is a supervisor and N)."""
    found = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    found += process_tree(int(child))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its descendants that are still running."""
    total = 0.0
    for each in process_tree(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(each)
    return total


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def cpu_counters() -> list[int]:
    """The machine's CPU time so far (/proc/stat): user, nice, system, idle, iowait, irq, softirq,
    steal; zeros where there is no /proc/stat."""
    with contextlib.suppress(OSError, ValueError):
        return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return [0] * 8


def steal_share(before: list[int], after: list[int]) -> float:
    """The share of CPU time the hypervisor gave to other guests between two readings."""
    delta = [b - a for a, b in zip(before, after, strict=True)]
    return round(delta[7] / max(1, sum(delta)), 3)


def python_speed() -> float:
    """Milliseconds for one fixed pure-Python workload, best of five. The same commit measured on two
    virtual machines of the same kind (or one at two times) has differed twofold; this says how
    fast the machine itself was, so results from different runs can be compared."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        table: dict[str, int] = {}
        for i in range(200_000):
            key = f"k{i % 977}"
            table[key] = table.get(key, 0) + (i * i) % 7
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "app"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem / 1024**3, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (app/ modified)" if dirty else ""),
        "load_average": [round(x, 2) for x in load_average()],
        "python_speed_ms": python_speed(),
    }


def percentiles(values: list[float]) -> dict[str, float | int]:
    """p50/p95/p99/max in milliseconds (values in seconds)."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"count": len(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": at(1.0)}


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


@dataclass
class Server:
    """One `lenswalk serve` process (the CLI's own entry point, run from this checkout)."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(
    database_url: str, data_dir: Path, broker_url: str = "memory://", workers: int = 1
) -> Server:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LENSWALK_")},
        "LENSWALK_ENVIRONMENT": "test",
        "LENSWALK_DATABASE_URL": database_url,
        "LENSWALK_BROKER_URL": broker_url,
        "LENSWALK_SECRET_KEY": SECRET,
        "LENSWALK_DATA_DIR": str(data_dir),
        "LENSWALK_ADMIN_EMAIL": ADMIN_EMAIL,
        "LENSWALK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PYTHONUNBUFFERED": "1",
        # One benchmark phone posts 10 a second, far beyond a person's limit: measure the room, not it.
        "LENSWALK_RATE_WRITES_PER_PARTICIPANT": "1000000 per minute",
    }
    log = data_dir / f"server-{port}.log"
    with log.open("wb") as out:
        # `python -m app.cli serve` is `lenswalk serve`, importing this checkout's `app`.
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)),
                *(("--workers", str(workers)) if workers > 1 else ()),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lenswalk serve exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"lenswalk serve did not become ready: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="lenswalk-bench-") as tmp:
        yield Path(tmp)


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A Redis of our own on a free port: pub/sub channels are shared by every database of a Redis
    server, and other suites may be publishing on the shared one."""
    if url := os.environ.get("LENSWALK_BENCH_REDIS_URL"):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (or set LENSWALK_BENCH_REDIS_URL)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def fresh_postgres() -> str:
    """Drop and create the benchmark database; return its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    finally:
        engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def postgres_available() -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@dataclass
class Room:
    """An open event with a facilitator session and the participants who joined it."""

    base_url: str
    event: dict[str, Any]
    facilitator_cookies: dict[str, str]
    participant_cookies: list[dict[str, str]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.event["id"])

    def last_seq(self) -> int:
        with httpx.Client(base_url=self.base_url, cookies=self.facilitator_cookies, timeout=30) as c:
            return int(c.get(f"/api/v1/events/{self.id}").raise_for_status().json()["last_seq"])

    def touchpoints(self) -> list[int]:
        return [tp["id"] for stage in self.event["stages"] for tp in stage["touchpoints"]]


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def open_room(base_url: str, title: str = "Benchmark lens walk") -> Room:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        c.post("/api/v1/session", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).raise_for_status()
        maps = c.get("/api/v1/journey-maps").json()
        response = c.post("/api/v1/events", json={"title": title, "journey_map_id": maps[0]["id"]})
        response.raise_for_status()
        return Room(base_url, response.json(), dict(c.cookies.items()))


async def join_participants(room: Room, count: int, concurrency: int = 8) -> None:
    """`count` anonymous participants join over HTTP, spread over the teams and the here-as groups."""
    teams = [t["id"] for t in room.event["teams"]]
    groups = ["staff", "partner", "lived_experience", "prefer_not_to_say"]
    pending = list(range(count))
    joined: list[dict[str, str]] = []

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=room.base_url, timeout=30) as c:
            while pending:
                i = pending.pop()
                c.cookies.clear()
                response = await c.post(
                    "/api/v1/join",
                    json={
                        "join_code": room.event["join_code"],
                        "team_id": teams[i % len(teams)] if teams else None,
                        "here_as": groups[i % len(groups)],
                    },
                )
                response.raise_for_status()
                joined.append(dict(c.cookies.items()))

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), timeout=600)
    room.participant_cookies.extend(joined)


def start_profile(
    pid: int, seconds: float, out: Path, subprocesses: bool = False
) -> subprocess.Popen[bytes] | None:
    """Sample a server (and its worker processes: `subprocesses`) with py-spy (if installed) for
    `seconds`; None when it cannot."""
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(binary).exists():
        return None
    return subprocess.Popen(
        [
            binary,
            "record",
            "--nonblocking",
            "--rate",
            "200",
            "--duration",
            str(max(1, int(seconds))),
            "--format",
            "raw",
            "--output",
            str(out),
            "--pid",
            str(pid),
            *(["--subprocesses"] if subprocesses else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


IDLE_FRAMES = (
    "Condition.wait",
    "Queue.get (queue.py",
    "select (selectors.py",
    "Runner.run (asyncio/runners.py",
)


def summarise_profile(path: Path, top: int = 15) -> dict[str, Any]:
    """Where the busy samples went: top functions by own time and by time including callees."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    busy = 0
    if not path.exists():
        return {"available": False}
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not count.isdigit() or any(frames[-1].startswith(idle) for idle in IDLE_FRAMES):
            continue
        n = int(count)
        busy += n
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n

    def share(table: dict[str, int]) -> list[str]:
        ranked = sorted(table.items(), key=lambda kv: -kv[1])[:top]
        return [f"{n * 100 / max(busy, 1):.1f}% {frame}" for frame, n in ranked]

    return {"available": True, "busy_samples": busy, "own": share(own), "inclusive": share(inclusive)}
