"""Two real `lenswalk serve` processes sharing one PostgreSQL database and one Redis, as a deployment
with several app instances runs: what is written on one reaches screens on the other, a stream
resumes on the other instance without missing anything, and concurrent writes on both keep the
room log's seq gap-free and in order."""

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import text
from websockets.sync.client import connect

from tests.conftest import (
    REQUIRE_SERVICES,
    SERVICES,
    ServeProcess,
    annotate,
    closed_with,
    cookie_header,
    create_event,
    free_port,
    join,
    nothing_arrives,
    open_stream,
    receive_json,
    serve_process,
    settings_env,
    signed_in,
)

pytestmark = [
    pytest.mark.skipif(
        not SERVICES and not REQUIRE_SERVICES,
        reason="needs PostgreSQL and Redis: set LENSWALK_TEST_DATABASE_URL=postgresql+psycopg://... and "
        "LENSWALK_TEST_BROKER_URL=redis://... (CI does)",
    ),
    # Starting real processes takes a few seconds, far more on a loaded machine.
    pytest.mark.timeout(180),
]


@pytest.fixture(scope="module")
def instances(settings: Any) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    """Two replicas on the database the session prepared, started as replicas are: --no-prepare."""
    started: list[ServeProcess] = []
    try:
        for _ in range(2):
            started.append(ServeProcess(settings_env(settings), "--no-prepare"))
        for process in started:
            process.wait_ready()
        yield started[0], started[1]
    finally:
        for process in started:
            process.close()


def test_a_post_on_one_instance_reaches_the_board_and_stream_on_the_other(
    instances: tuple[ServeProcess, ServeProcess],
) -> None:
    one, other = instances
    facilitator = signed_in(other)
    event = create_event(facilitator)
    alice = join(one, event)
    board_url = f"{other.ws_url}/events/{event['id']}/live?view=board"
    with (
        connect(board_url, additional_headers=cookie_header(facilitator), open_timeout=5) as board,
        open_stream(other, facilitator, event["id"]) as stream,
        open_stream(one, alice, event["id"]) as alice_stream,
    ):
        board.recv(timeout=5)  # the snapshot it gets on connecting
        response = annotate(alice, event, text="The letter came after the appointment.")
        assert response.status_code == 201, response.text

        message = receive_json(stream)
        assert message["type"] == "annotation.added"
        assert message["data"]["text"] == "The letter came after the appointment."
        assert receive_json(alice_stream)["seq"] == message["seq"]
        fragment = board.recv(timeout=5)
        assert "The letter came after the appointment." in fragment


def test_a_stream_resumes_on_the_other_instance_with_after_seq(
    instances: tuple[ServeProcess, ServeProcess],
) -> None:
    one, other = instances
    facilitator = signed_in(one)
    event = create_event(facilitator)
    alice = join(one, event)
    bob = join(other, event, team_index=1)
    with open_stream(one, alice, event["id"]) as ws:
        for n in range(3):
            annotate(alice if n % 2 else bob, event, text=f"Before the move {n}")
        seen = [receive_json(ws)["seq"] for _ in range(3)]
    assert seen == [1, 2, 3]
    # While the phone is away (its instance restarted, its signal dropped), both instances take writes.
    for n in range(4):
        annotate(bob if n % 2 else alice, event, text=f"While away {n}")
    with open_stream(other, alice, event["id"], after_seq=seen[-1]) as ws:
        replay = [receive_json(ws) for _ in range(4)]
        assert [m["seq"] for m in replay] == [4, 5, 6, 7]
        assert [m["data"]["text"] for m in replay] == [f"While away {n}" for n in range(4)]
        assert nothing_arrives(ws)
        annotate(bob, event, text="Live again, written on the first instance")
        live = receive_json(ws)
        assert live["seq"] == 8 and live["data"]["text"] == "Live again, written on the first instance"


def test_concurrent_writes_on_both_instances_keep_seq_gap_free_and_ordered(
    instances: tuple[ServeProcess, ServeProcess], db: Any
) -> None:
    one, other = instances
    facilitator = signed_in(one)
    event = create_event(facilitator)
    writers = [join(instance, event, team_index=i % 3) for i, instance in enumerate((one, other) * 4)]
    per_writer = 5
    total = len(writers) * per_writer
    start = threading.Barrier(len(writers))

    def write(index: int) -> list[int]:
        c = writers[index]
        start.wait(timeout=10)
        statuses = []
        for n in range(per_writer):
            statuses.append(annotate(c, event, text=f"Writer {index} barrier {n}").status_code)
        return statuses

    with (
        open_stream(one, facilitator, event["id"]) as on_one,
        open_stream(other, facilitator, event["id"]) as on_other,
    ):
        with ThreadPoolExecutor(len(writers)) as pool:
            results = list(pool.map(write, range(len(writers))))
        assert all(status == 201 for statuses in results for status in statuses), results
        for ws in (on_one, on_other):
            seqs = [receive_json(ws, timeout=10)["seq"] for _ in range(total)]
            assert seqs == list(range(1, total + 1))
            assert nothing_arrives(ws)

    with db.connect() as conn:
        logged = conn.execute(
            text("SELECT seq FROM room_event WHERE event_id = :e ORDER BY seq"), {"e": event["id"]}
        ).scalars()
        assert list(logged) == list(range(1, total + 1))
        last_seq = conn.execute(text("SELECT last_seq FROM event WHERE id = :e"), {"e": event["id"]})
        assert last_seq.scalar() == total


def test_a_retry_landing_on_both_instances_at_once_is_saved_once(
    instances: tuple[ServeProcess, ServeProcess],
) -> None:
    """A phone on a bad signal re-sends; the proxy may route the retry to the other instance while
    the first attempt is still being written."""
    one, other = instances
    facilitator = signed_in(one)
    event = create_event(facilitator)
    alice = join(one, event)
    clients = []
    for instance in (one, other) * 3:
        c = httpx.Client(base_url=instance.base_url, timeout=10, cookies=alice.cookies)
        clients.append(c)
    start = threading.Barrier(len(clients))

    def send(c: httpx.Client) -> httpx.Response:
        start.wait(timeout=10)
        return annotate(c, event, client_key="retried-on-a-train-0001")

    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            responses = list(pool.map(send, clients))
    finally:
        for c in clients:
            c.close()
    assert sorted(r.status_code for r in responses) == [200] * (len(clients) - 1) + [201], [
        r.text for r in responses
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(facilitator.get(f"/api/v1/events/{event['id']}/annotations").json()) == 1


def test_an_instance_shutting_down_sends_its_clients_to_the_other_without_loss(
    instances: tuple[ServeProcess, ServeProcess], settings: Any
) -> None:
    _, other = instances
    facilitator = signed_in(other)
    event = create_event(facilitator)
    alice = join(other, event)
    annotate(alice, event, text="Said before the restart")
    with (
        serve_process(settings_env(settings), "--no-prepare") as leaving,
        open_stream(leaving, alice, event["id"], after_seq=0) as ws,
    ):
        last = receive_json(ws)["seq"]
        leaving.terminate()
        assert closed_with(ws) == 1012
    annotate(alice, event, text="Said while reconnecting")
    with open_stream(other, alice, event["id"], after_seq=last) as ws:
        message = receive_json(ws)
        assert message["seq"] == last + 1 and message["data"]["text"] == "Said while reconnecting"
        assert nothing_arrives(ws)


class PrivateRedis:
    """A Redis server of this test's own, so it can be stopped and started again without
    disturbing anything else that uses the machine's Redis."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.05)

    def answers(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def wait_until(predicate: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server to restart a Redis of its own"
)
def test_a_redis_restart_loses_no_message(settings: Any) -> None:
    """Redis goes away and comes back: writes still succeed, and a screen on the other instance
    gets what was written meanwhile, without waiting for the next change."""
    broker = PrivateRedis()
    env = settings_env(settings, LENSWALK_BROKER_URL=broker.url)
    try:
        broker.start()
        with (
            serve_process(env, "--no-prepare") as writer,
            serve_process(env, "--no-prepare") as reader,
        ):
            facilitator = signed_in(reader)
            event = create_event(facilitator)
            alice = join(writer, event)
            with open_stream(reader, facilitator, event["id"]) as board:
                annotate(alice, event, text="Before Redis went away")
                assert receive_json(board)["seq"] == 1

                broker.stop()
                wait_until(lambda: httpx.get(f"{reader.base_url}/readyz").status_code == 503)
                during = annotate(alice, event, text="Written while Redis was away")
                assert during.status_code == 201, during.text

                broker.start()
                wait_until(lambda: httpx.get(f"{reader.base_url}/readyz").status_code == 200)
                message = receive_json(board, timeout=10)
                assert message["seq"] == 2 and message["data"]["text"] == "Written while Redis was away"

                annotate(alice, event, text="After Redis came back")
                assert receive_json(board)["seq"] == 3
    finally:
        broker.stop()
