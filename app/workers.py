"""`lenswalk serve --workers N`: N server processes on one machine, one port.

Each process binds the port itself with SO_REUSEPORT, so the kernel shares new connections out
among them evenly (by a hash of each connection's addresses). With one socket shared by all, as
uvicorn's own `--workers` does, the process that last waited gets nearly every connection: 200 of 200
went to one of two in tests/test_workers.py, and the second core stayed idle. The processes share
each room through the broker (Redis), as separate instances do. This process only supervises:
it starts them, starts one again if it dies, and on SIGTERM or SIGINT stops them all gracefully.
"""

import gc
import logging
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from app.main import create_app
from app.settings import Settings, get_settings

log = logging.getLogger("lenswalk.workers")

# A process that dies within this many seconds of starting is not started again at once.
RESTART_PAUSE_SECONDS = 1.0
STOP_WAIT_SECONDS = 15.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound with SO_REUSEPORT, so every worker can listen on the same address."""
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def worker_app(settings: Settings | None = None) -> Any:
    """The app of one server process."""
    app = create_app(settings or get_settings())
    # What exists now (modules, classes, the app) lives as long as the process. Freezing it keeps it
    # out of the collector's full passes, which otherwise walk those 230,000 objects each time and
    # held up every phone in a room of 1,000 for 140-260 ms (docs/performance.md).
    gc.collect()
    gc.freeze()
    return app


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    sock = listening_socket(host, port)
    uvicorn.Server(uvicorn.Config(worker_app(), host=host, port=port, **options)).run(sockets=[sock])


def run(workers: int, host: str, port: int, options: dict[str, Any]) -> int:
    """Serve from `workers` processes until SIGTERM or SIGINT; the exit status."""
    # Fail here, before starting anything, if the address cannot be bound (another server on it).
    listening_socket(host, port).close()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(host, port, options), name="lenswalk-worker")
        process.start()
        return process

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    started_at: dict[int, float] = {}
    processes: list[BaseProcess] = []
    try:
        for _ in range(workers):
            processes.append(start())
            started_at[id(processes[-1])] = time.monotonic()
        while not stopping:
            wait([p.sentinel for p in processes], timeout=0.5)
            for i, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                print(
                    f"A server process ended (exit code {process.exitcode}); starting another.",
                    file=sys.stderr,
                )
                if time.monotonic() - started_at.pop(id(process), 0.0) < RESTART_PAUSE_SECONDS:
                    time.sleep(RESTART_PAUSE_SECONDS)
                processes[i] = start()
                started_at[id(processes[i])] = time.monotonic()
    finally:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn closes its websockets and finishes requests
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
