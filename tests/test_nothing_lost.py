"""Nothing lost: a server killed with SIGKILL while participants post loses no acknowledged
annotation and, once writes are retried with their client_key, holds none twice; clients whose
websockets drop and come back (with after_seq) end with exactly what the database holds."""

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import (
    LiveServer,
    annotate,
    create_event,
    first_touchpoint,
    join,
    nothing_arrives,
    open_stream,
    receive_json,
    signed_in,
)
from tests.support import page_token, serve_process

PARTICIPANTS = 6


@pytest.mark.timeout(120)
def test_sigkill_mid_event_loses_no_acknowledged_annotation_and_duplicates_none(tmp_path: Path) -> None:
    with serve_process(tmp_path) as served:
        event = create_event(signed_in(served))  # type: ignore[arg-type]
        phones = [join(served, event) for _ in range(PARTICIPANTS)]  # type: ignore[arg-type]
        acked: list[set[str]] = [set() for _ in phones]
        unacked: list[list[str]] = [[] for _ in phones]
        stop = threading.Event()

        def post_until_it_fails(n: int) -> None:
            i = 0
            while not stop.is_set():
                key = f"phone{n}-note{i:05d}"
                try:
                    response = annotate(phones[n], event, text=f"Phone {n}, note {i}", client_key=key)
                except httpx.TransportError:
                    unacked[n].append(key)  # sent, or not: nobody can tell, so it is sent again
                    return
                assert response.status_code == 201, response.text
                acked[n].add(key)
                i += 1

        threads = [threading.Thread(target=post_until_it_fails, args=(n,)) for n in range(PARTICIPANTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while sum(map(len, acked)) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        served.kill()
        stop.set()
        for t in threads:
            t.join(15)
        assert sum(map(len, acked)) >= 60
        assert all(unacked), "every phone was cut off mid-write"

        served.start()
        for n, phone in enumerate(phones):
            for key in unacked[n]:
                retried = annotate(phone, event, text=f"Phone {n}, retried", client_key=key)
                assert retried.status_code in (200, 201), retried.text  # 200: it had been saved
            # A retry of something acknowledged is answered with the saved one, not a second copy.
            again = annotate(phone, event, client_key=sorted(acked[n])[0])
            assert again.status_code == 200

        engine = create_engine(served.env()["LENSWALK_DATABASE_URL"])
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT client_key, count(*) FROM annotation WHERE event_id = :e GROUP BY client_key"
                    ),
                    {"e": event["id"]},
                ).all()
                last_seq, logged, max_seq = conn.execute(
                    text(
                        "SELECT e.last_seq, count(r.id), max(r.seq) FROM event e"
                        " JOIN room_event r ON r.event_id = e.id WHERE e.id = :e GROUP BY e.last_seq"
                    ),
                    {"e": event["id"]},
                ).one()
        finally:
            engine.dispose()
        saved = {key: count for key, count in rows}
        assert all(count == 1 for count in saved.values()), "an annotation was saved twice"
        expected = set().union(*acked) | {k for keys in unacked for k in keys}
        assert set(saved) == expected
        # The room log survived too: gap-free, one entry per write.
        assert last_seq == logged == max_seq == len(saved)


def _apply(view: dict[int, dict[str, Any]], message: dict[str, Any], audience: str) -> None:
    data = message["data"]
    if message["type"] == "annotation.removed":
        view.pop(data["id"], None)
    elif message["type"].startswith("annotation."):
        view[data["id"]] = {"text": data["text"], "hidden": data.get("hidden", False)}
    else:
        return
    if audience == "participant":
        assert not data.get("hidden"), "a participant was sent hidden content"


def test_clients_whose_websockets_drop_and_return_end_with_what_the_database_holds(
    server: LiveServer, facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    writers = [join(server, event) for _ in range(3)]
    watchers: list[tuple[str, httpx.Client]] = [("participant", join(server, event)) for _ in range(3)]
    watchers.append(("facilitator", facilitator))
    views: list[dict[int, dict[str, Any]]] = [{} for _ in watchers]
    seen = [0 for _ in watchers]
    stack = ExitStack()

    def connect(i: int) -> None:
        sockets[i] = stack.enter_context(open_stream(server, watchers[i][1], event["id"], after_seq=seen[i]))

    sockets: list[Any] = [None for _ in watchers]
    for i in range(len(watchers)):
        connect(i)

    def drain(i: int, upto: int) -> None:
        while seen[i] < upto:
            message = receive_json(sockets[i], timeout=5)
            assert message["seq"] == seen[i] + 1, "a message was missed or repeated"
            seen[i] = message["seq"]
            _apply(views[i], message, watchers[i][0])

    def room_seq() -> int:
        with db.connect() as conn:
            return conn.execute(text("SELECT last_seq FROM event WHERE id = :e"), {"e": event["id"]}).scalar()

    notes: list[dict[str, Any]] = []
    try:
        for round_ in range(8):
            # Each round a different watcher loses its connection (and one stays away two rounds).
            down = {round_ % len(watchers), 2} if round_ in (3, 4) else {round_ % len(watchers)}
            for i in down:
                if sockets[i] is not None:
                    # The network goes: no closing handshake, and whatever was in flight is lost.
                    sockets[i].socket.shutdown(socket.SHUT_RDWR)
                    sockets[i] = None
            for w, writer in enumerate(writers):
                tp = first_touchpoint(event, stage=w, index=0)
                notes.append(
                    annotate(writer, event, touchpoint_id=tp, text=f"round {round_} writer {w}").json()
                )
            writers[0].patch(
                f"/api/v1/annotations/{notes[-3]['id']}", json={"text": f"edited in round {round_}"}
            )
            if round_ % 2:
                assert writers[1].delete(f"/api/v1/annotations/{notes[-2]['id']}").status_code == 204
            if round_ % 3 == 0:
                facilitator.post(f"/api/v1/annotations/{notes[-1]['id']}/hide")
            if round_ == 5:
                facilitator.post(f"/api/v1/annotations/{notes[2]['id']}/unhide")
            for i in range(len(watchers)):
                if sockets[i] is None and i not in (
                    {(round_ + 1) % len(watchers), 2} if round_ == 3 else set()
                ):
                    connect(i)
        for i in range(len(watchers)):
            if sockets[i] is None:
                connect(i)
        final = room_seq()
        for i in range(len(watchers)):
            drain(i, final)
    finally:
        stack.close()

    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT id, text, hidden FROM annotation WHERE event_id = :e"), {"e": event["id"]}
        ).all()
    everything = {r.id: {"text": r.text, "hidden": bool(r.hidden)} for r in rows}
    visible = {k: v for k, v in everything.items() if not v["hidden"]}
    assert len(everything) > len(visible) > 10  # the run exercised hiding and withdrawing
    for (audience, _), view in zip(watchers, views, strict=True):
        assert view == (everything if audience == "facilitator" else visible), audience


def test_concurrent_posts_from_api_and_form_keep_the_room_log_gap_free_and_in_order(
    server: LiveServer, facilitator: httpx.Client, db: Any
) -> None:
    """Phones post at once, through the API and the journey page's form, with and without a
    vignette or a client_key, while one phone's retry races its first attempt: every post is
    saved once, the room's seq has no gap and every stream sees it in order, the answer to each
    post is what the room was sent and what the database holds, and the log keeps no words."""
    event = create_event(facilitator)
    teams = event["teams"]
    phones = [join(server, event, team_index=i % len(teams)) for i in range(6)]
    tokens = [page_token(phone, f"/events/{event['id']}/journey") for phone in phones]
    per_phone = 6
    start = threading.Barrier(len(phones) + 2)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def post(n: int) -> None:
        phone, team = phones[n], teams[n % len(teams)]
        start.wait(timeout=10)
        for i in range(per_phone):
            tp = first_touchpoint(event, stage=i % 3, index=0)
            if i % 2:
                response = phone.post(
                    f"/events/{event['id']}/journey/annotations",
                    data={
                        "csrf_token": tokens[n],
                        "touchpoint_id": str(tp),
                        "kind": "strength",
                        "principles": ["choice", "safety"],
                        "text": f"form {n}.{i}",
                        "client_key": f"form-{n}-{i:04d}",
                    },
                )
                assert response.status_code == 303, response.text
                continue
            body: dict[str, Any] = {"touchpoint_id": tp, "text": f"api {n}.{i}"}
            if i == 2 and team["vignette_slugs"]:
                body["vignette_slug"] = team["vignette_slugs"][0]
            if i == 4:
                body["client_key"] = f"api-{n}-{i:04d}"
            response = annotate(phone, event, **body)
            assert response.status_code == 201, response.text
            assert response.json()["team_id"] == team["id"]
            assert response.json()["vignette_slug"] == body.get("vignette_slug")
            with lock:
                answers.append(response.json())

    racer = phones[0]

    def race() -> httpx.Response:
        with httpx.Client(base_url=server.base_url, cookies=racer.cookies, timeout=10) as c:
            start.wait(timeout=10)
            return annotate(c, event, text="sent twice on a train", client_key="raced-retry-0001")

    before = facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
    total = len(phones) * per_phone + 1
    with open_stream(server, facilitator, event["id"]) as stream:
        with ThreadPoolExecutor(len(phones) + 2) as pool:
            raced = [pool.submit(race) for _ in range(2)]
            for done in [pool.submit(post, n) for n in range(len(phones))]:
                done.result(timeout=60)
            retries = [r.result(timeout=60) for r in raced]
        messages = [receive_json(stream, timeout=10) for _ in range(total)]
        assert nothing_arrives(stream), "a post was sent to the room twice"

    assert sorted(r.status_code for r in retries) == [200, 201]
    assert any(a["vignette_slug"] for a in answers), "some posts named a vignette"
    assert retries[0].json() == retries[1].json()
    assert [m["seq"] for m in messages] == list(range(before + 1, before + total + 1))
    assert {m["type"] for m in messages} == {"annotation.added"}
    sent = {m["data"]["id"]: m["data"] for m in messages}
    assert len(sent) == total
    held = {a["id"]: a for a in facilitator.get(f"/api/v1/events/{event['id']}/annotations").json()}
    assert held == sent, "what the room was sent is what the database holds"
    for answer in [*answers, retries[0].json()]:
        assert sent[answer["id"]] == answer
    assert sorted(a["text"] for a in held.values() if a["text"].startswith("form")) == sorted(
        f"form {n}.{i}" for n in range(len(phones)) for i in range(1, per_phone, 2)
    )
    with db.connect() as conn:
        logged = conn.execute(
            text(
                "SELECT seq, subject_id, data FROM room_event WHERE event_id = :e AND seq > :s ORDER BY seq"
            ),
            {"e": event["id"], "s": before},
        ).all()
        last_seq = conn.execute(text("SELECT last_seq FROM event WHERE id = :e"), {"e": event["id"]}).scalar()
    assert [row.seq for row in logged] == list(
        range(before + 1, before + total + 1)
    ) and last_seq == before + total
    for row in logged:
        data = row.data if isinstance(row.data, dict) else json.loads(row.data)
        assert data == {"touchpoint_id": sent[row.subject_id]["touchpoint_id"]}, "the log keeps no words"
