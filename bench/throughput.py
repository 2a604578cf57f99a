"""Write throughput: annotations posted as fast as a few busy phones can, on one server (one process,
or `lenswalk serve --workers N`), while participants and boards listen (so every write is also fanned
out). Counts accepted posts per second; the server's CPU is that of all its processes."""

import asyncio
import resource
import time
from typing import Any

import httpx

from bench.fanout import TEXTS, Client, _open_phone
from bench.harness import Room, Server, percentiles, tree_cpu_seconds


async def run(
    server: Server,
    room: Room,
    *,
    listeners: int,
    writers: int,
    duration: float,
    boards: int = 2,
) -> dict[str, Any]:
    """`room` needs `listeners + writers` joined participants."""
    assert len(room.participant_cookies) >= listeners + writers
    gate = asyncio.Semaphore(64)
    clients = [Client("participant") for _ in range(listeners)] + [Client("board") for _ in range(boards)]
    plan = [
        (f"{server.ws_url}/api/v1/events/{room.id}/stream", room.participant_cookies[i], clients[i])
        for i in range(listeners)
    ] + [
        (
            f"{server.ws_url}/events/{room.id}/live?view=board",
            room.facilitator_cookies,
            clients[listeners + i],
        )
        for i in range(boards)
    ]
    seq = room.last_seq()
    plan = [(f"{url}?after_seq={seq}" if "/stream" in url else url, c, cl) for url, c, cl in plan]
    phones = await asyncio.wait_for(asyncio.gather(*(_open_phone(u, c, cl, gate) for u, c, cl in plan)), 300)
    await asyncio.sleep(1)
    for client in clients:
        client.receipts.clear()

    touchpoints = room.touchpoints()
    accepted = 0
    errors: list[str] = []
    response_times: list[float] = []
    counter = iter(range(10**9))
    cpu_before = tree_cpu_seconds(server.pid)
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    stop_at = started + duration

    async def writer(cookies: dict[str, str]) -> None:
        nonlocal accepted
        async with httpx.AsyncClient(base_url=server.base_url, cookies=cookies, timeout=30) as c:
            while time.monotonic() < stop_at:
                k = next(counter)
                t0 = time.monotonic()
                try:
                    response = await c.post(
                        f"/api/v1/events/{room.id}/annotations",
                        json={
                            "touchpoint_id": touchpoints[k % len(touchpoints)],
                            "kind": ("barrier", "strength", "idea")[k % 3],
                            "principles": ["safety", "choice"],
                            "text": f"bench#{k}# {TEXTS[k % len(TEXTS)]}",
                        },
                    )
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                    continue
                response_times.append(time.monotonic() - t0)
                if response.status_code == 201:
                    accepted += 1
                else:
                    errors.append(f"{response.status_code}: {response.text[:200]}")

    await asyncio.wait_for(
        asyncio.gather(*(writer(room.participant_cookies[listeners + i]) for i in range(writers))),
        timeout=duration + 60,
    )
    elapsed = time.monotonic() - started
    cpu_used = tree_cpu_seconds(server.pid) - cpu_before
    own = resource.getrusage(resource.RUSAGE_SELF)
    own_used = own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime
    # Bounded wait for the fan-out to catch up, then see how much of it arrived.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if all(cl.closed_code is not None or len(cl.receipts) >= accepted for cl in clients[:listeners]):
            break
        await asyncio.sleep(0.2)
    caught_up = time.monotonic() - (started + elapsed)
    for phone in phones:
        phone.close()
    received = sum(len({m for m, _w, _h in cl.receipts}) for cl in clients[:listeners])
    return {
        "listeners": listeners,
        "boards": boards,
        "writers": writers,
        "seconds": round(elapsed, 1),
        "accepted": accepted,
        "posts_per_second": round(accepted / elapsed, 1),
        "errors": len(errors),
        "error_examples": errors[:3],
        "post_response_ms": percentiles(response_times),
        "fanout_delivered_fraction": round(received / max(1, accepted * listeners), 4),
        "fanout_catch_up_seconds": round(caught_up, 1),
        "listeners_disconnected": sum(1 for cl in clients if cl.closed_code is not None),
        "server_cpu_ms_per_post": round(cpu_used * 1000 / max(1, accepted), 2),
        # The client process (writers and listeners) shares the machine: near 1 core it is the limit.
        "server_cores_busy": round(cpu_used / elapsed, 2),
        "client_cores_busy": round(own_used / elapsed, 2),
    }
