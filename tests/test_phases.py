"""Running the room (issue 4): phases, timer, private writing then reveal, spotlight, readiness,
board views and the console, through the API, the pages and real websockets."""

import re
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session
from websockets.sync.client import ClientConnection, connect

from app.db import make_engine, transaction
from app.facilitators.service import add_facilitator
from app.participants.groups import merge_small_groups
from app.settings import Settings
from tests.conftest import (
    LiveServer,
    annotate,
    client,
    cookie_header,
    create_event,
    first_touchpoint,
    join,
    nothing_arrives,
    open_stream,
    receive_json,
)

HTMX = {"HX-Request": "true"}
AGENDA = [
    "welcome",
    "principles",
    "journey_mapping",
    "lens_walk",
    "prioritise",
    "vote",
    "action_plan",
    "close",
]


def live(server: LiveServer, c: httpx.Client, event_id: int, view: str, seq: int) -> ClientConnection:
    return connect(
        f"{server.ws_url}/events/{event_id}/live?view={view}&seq={seq}",
        additional_headers=cookie_header(c),
        open_timeout=5,
    )


def frame_with(ws: ClientConnection, needle: str, timeout: float = 3) -> str:
    deadline = time.monotonic() + timeout
    while True:
        frame = ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
        assert isinstance(frame, str)
        if needle in frame:
            return frame


def room(c: httpx.Client, event: dict[str, Any]) -> dict[str, Any]:
    response = c.get(f"/api/v1/events/{event['id']}/room")
    assert response.status_code == 200, response.text
    return response.json()


def last_seq(facilitator: httpx.Client, event: dict[str, Any]) -> int:
    return facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"]


def set_phase(facilitator: httpx.Client, event: dict[str, Any], phase: str, **extra: Any) -> httpx.Response:
    response = facilitator.post(f"/api/v1/events/{event['id']}/phase", json={"phase": phase, **extra})
    assert response.status_code == 200, response.text
    return response


def second_facilitator(settings: Settings, server: LiveServer, email: str) -> httpx.Client:
    engine = make_engine(settings.database_url)
    with Session(engine) as session, transaction(session):
        add_facilitator(session, email=email, password="another long password")
    engine.dispose()
    c = client(server)
    assert c.post("/api/v1/session", json={"email": email, "password": "another long password"}).is_success
    return c


def test_a_new_event_has_the_half_day_agenda(facilitator: httpx.Client, event: dict[str, Any]) -> None:
    state = room(facilitator, event)
    assert state["phase"] == "welcome"
    assert [p["slug"] for p in state["agenda"]] == AGENDA
    assert [p["duration_minutes"] for p in state["agenda"]] == [15, 15, 45, 60, 20, 20, 25, 10]
    assert state["timer"] == {"running": False, "remaining_seconds": 0, "deadline": None}
    assert state["spotlight"] is None and state["ready_count"] == 0 and state["private_count"] == 0


def test_phase_changes_reach_every_phone_and_the_board_at_once(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    seq = last_seq(facilitator, event)
    with (
        open_stream(server, alice, event["id"], after_seq=seq) as alice_json,
        open_stream(server, facilitator, event["id"], after_seq=seq) as facilitator_json,
        live(server, alice, event["id"], "participant", seq) as phone,
        live(server, facilitator, event["id"], "board", seq) as board,
        live(server, facilitator, event["id"], "console", seq) as console,
    ):
        set_phase(facilitator, event, "lens_walk")
        for ws in (alice_json, facilitator_json):
            changed = receive_json(ws)
            assert changed["seq"] == seq + 1 and changed["type"] == "phase.changed"
            assert changed["data"] == {"phase": "lens_walk", "name": "Lens walk", "private_writing": False}
            timer = receive_json(ws)
            assert timer["type"] == "timer.changed" and timer["data"]["remaining_seconds"] == 60 * 60
        now = frame_with(phone, 'id="now"')
        assert "Now: Lens walk" in now and "touchpoint by touchpoint" in now
        assert 'id="ready"' in now  # the "I'm done" control starts afresh for the new phase
        assert "Now: Lens walk" in frame_with(board, 'id="now"')
        assert "Next: Prioritise" in frame_with(console, 'id="now"')

        # Back again: the facilitator can move in both directions.
        set_phase(facilitator, event, "journey_mapping")
        assert receive_json(alice_json)["data"]["phase"] == "journey_mapping"
        assert "Now: Journey mapping" in frame_with(phone, "Now: Journey mapping")
    assert room(alice, event)["phase"] == "journey_mapping"
    assert alice.get(f"/api/v1/events/{event['id']}").json()["phase"] == "journey_mapping"


def test_a_late_joiner_lands_in_the_current_phase(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    early = join(server, event)
    assert "Now: Welcome and check-in" in early.get(f"/events/{event['id']}/journey").text
    set_phase(facilitator, event, "principles")
    late = client(server)
    joined = late.post(
        "/join",
        data={"join_code": event["join_code"], "team_id": event["teams"][2]["id"], "here_as": "partner"},
    )
    assert joined.status_code == 303
    page = late.get(joined.headers["location"]).text
    assert "Now: The five principles" in page
    assert "Is saying no safe?" in page and "carry the handover" in page  # the prompt questions
    assert 'id="journey-h"' in page  # the journey stays reachable
    set_phase(facilitator, event, "close")
    closing = late.get(f"/events/{event['id']}/journey").text
    assert "Now: Close" in closing and "Thank you for taking part" in closing


def test_private_writing_stays_with_its_author_until_the_reveal(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], db: Any
) -> None:
    alice = join(server, event)
    bob = join(server, event, team_index=1)
    set_phase(facilitator, event, "lens_walk", private_writing=True)
    annotate(bob, event, text="Written before private writing? No: also private.", client_key="bob-key-0001")
    seq = last_seq(facilitator, event)
    secret = "Nobody explained why they needed my history again"
    tp = first_touchpoint(event)
    with (
        open_stream(server, bob, event["id"], after_seq=seq) as bob_json,
        open_stream(server, facilitator, event["id"], after_seq=seq) as facilitator_json,
        live(server, bob, event["id"], "participant", seq) as phone,
        live(server, facilitator, event["id"], "board", seq) as board,
        live(server, facilitator, event["id"], "console", seq) as console,
    ):
        written = annotate(alice, event, text=secret)
        assert written.status_code == 201 and written.json()["private"] is True
        note = written.json()
        for ws in (bob_json, facilitator_json):
            message = receive_json(ws)
            assert message == {
                "seq": seq + 1,
                "type": "annotation.removed",
                "data": {"id": note["id"], "touchpoint_id": tp},
            }
        # The console learns that something waits to be shared, never what.
        stats = frame_with(console, 'id="room-stats"')
        assert "<strong>2</strong> written privately" in stats
        # Each screen's HTML may be re-rendered, but never with the words in it.
        frames = [frame_with(phone, f'id="tp-{tp}-live"'), frame_with(board, f'id="tp-{tp}-tile"')]
        frames += [stats]
        assert all(secret not in f for f in frames)

        # Pages, fragments and lists, for everyone but the author.
        assert secret not in bob.get(f"/events/{event['id']}/journey").text
        assert secret not in facilitator.get(f"/events/{event['id']}/board").text
        assert secret not in facilitator.get(f"/events/{event['id']}/console").text
        for c in (bob, facilitator):
            listed = c.get(f"/api/v1/events/{event['id']}/annotations").json()
            assert note["id"] not in [a["id"] for a in listed]
        # ...a replay of the whole room...
        with open_stream(server, bob, event["id"], after_seq=0) as replay_ws:
            replay = [receive_json(replay_ws) for _ in range(seq + 1)]
            assert nothing_arrives(replay_ws)
        assert [m["seq"] for m in replay] == list(range(1, seq + 2))
        assert secret not in str(replay)
        # ...while the author sees their own words under "My contributions".
        own = alice.get(f"/events/{event['id']}/journey").text
        assert secret in own and "Only you can see this until the writing is shared" in own
        mine = alice.get(f"/api/v1/events/{event['id']}/annotations", params={"mine": "true"}).json()
        assert [a["text"] for a in mine] == [secret]

        shared = facilitator.post(f"/api/v1/events/{event['id']}/reveal")
        with db.connect() as conn:
            logged = conn.execute(
                text("SELECT data FROM room_event WHERE event_id = :e"), {"e": event["id"]}
            ).all()
        assert all(secret not in str(row[0]) for row in logged)  # the log keeps ids, never words
        assert shared.status_code == 200 and shared.json() == {"revealed": 2}
        for ws in (bob_json, facilitator_json):
            revealed = receive_json(ws)
            assert revealed["seq"] == seq + 2 and revealed["type"] == "annotations.revealed"
            assert revealed["data"]["count"] == 2
            assert secret in [a["text"] for a in revealed["data"]["annotations"]]
        assert secret in frame_with(phone, secret)
        assert secret in frame_with(board, secret)
        assert "<strong>0</strong> written privately" in frame_with(console, 'id="room-stats"')

    assert secret in bob.get(f"/events/{event['id']}/journey").text
    assert note["id"] in [a["id"] for a in bob.get(f"/api/v1/events/{event['id']}/annotations").json()]
    # After the reveal a replay from any point still gives every seq once, in order.
    with open_stream(server, bob, event["id"], after_seq=seq) as ws:
        after = [receive_json(ws), receive_json(ws)]
        assert nothing_arrives(ws)
    assert [m["seq"] for m in after] == [seq + 1, seq + 2]
    assert after[1]["type"] == "annotations.revealed" and secret in str(after[1])
    assert all("private" not in a and "hidden" not in a for a in after[1]["data"]["annotations"])
    assert facilitator.post(f"/api/v1/events/{event['id']}/reveal").json() == {"revealed": 0}


def test_htmx_fragments_never_carry_someone_elses_private_words(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    bob = join(server, event, team_index=1)
    set_phase(facilitator, event, "lens_walk", private_writing=True)
    tp = first_touchpoint(event)
    secret = "The reception desk asked me to spell out my diagnosis"
    annotate(alice, event, text=secret, touchpoint_id=tp)
    swapped = bob.post(
        f"/events/{event['id']}/journey/annotations",
        headers=HTMX,
        data={"touchpoint_id": tp, "kind": "idea", "principles": ["choice"], "text": "Offer a quiet room."},
    )
    assert swapped.status_code == 200 and f"#tp-{tp}-live" in swapped.text
    assert secret not in swapped.text
    # Said in the form where it was added (the fragment starts with that form), not at the top of the page.
    saved = "Saved. Only you can see it until the facilitator shares the room's writing."
    assert swapped.text.startswith(f'<form id="form-tp{tp}"') and saved in swapped.text.split("</form>")[0]
    assert "Offer a quiet room." in swapped.text  # in bob's own "My contributions"
    mine = bob.get(f"/api/v1/events/{event['id']}/annotations", params={"mine": "true"}).json()
    assert secret not in bob.get(f"/annotations/{mine[0]['id']}/edit").text
    # A phone that reconnects gets a snapshot of the room: still without the words.
    with live(server, bob, event["id"], "participant", 0) as phone:
        snapshot = frame_with(phone, 'id="now"')
    assert f'id="tp-{tp}-live"' in snapshot and secret not in snapshot


def test_private_words_never_reach_a_participant_replaying_mid_reveal(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    """A hidden annotation stays out of the reveal for participants; the facilitator sees it hidden."""
    alice = join(server, event)
    bob = join(server, event, team_index=1)
    set_phase(facilitator, event, "lens_walk", private_writing=True)
    kept = annotate(alice, event, text="Private and later hidden").json()
    shown = annotate(alice, event, text="Private and later shared").json()
    assert facilitator.post(f"/api/v1/annotations/{kept['id']}/hide").status_code == 200
    seq = last_seq(facilitator, event)
    assert facilitator.post(f"/api/v1/events/{event['id']}/reveal").json() == {"revealed": 2}
    with open_stream(server, bob, event["id"], after_seq=seq) as ws:
        revealed = receive_json(ws)
    assert [a["id"] for a in revealed["data"]["annotations"]] == [shown["id"]]
    with open_stream(server, facilitator, event["id"], after_seq=seq) as ws:
        for_facilitator = receive_json(ws)
    assert {a["id"]: a["hidden"] for a in for_facilitator["data"]["annotations"]} == {
        kept["id"]: True,
        shown["id"]: False,
    }


def test_writing_is_open_again_when_private_writing_stops(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    set_phase(facilitator, event, "lens_walk", private_writing=True)
    assert annotate(alice, event, text="In private").json()["private"] is True
    set_phase(facilitator, event, "lens_walk", private_writing=False)
    assert annotate(alice, event, text="In the open").json()["private"] is False
    assert room(facilitator, event)["private_count"] == 1  # still waiting for the reveal


def test_spotlight_reaches_phones_as_a_quiet_link_and_the_board_as_a_highlight(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    tp = event["stages"][3]["touchpoints"][2]
    seq = last_seq(facilitator, event)
    with (
        open_stream(server, alice, event["id"], after_seq=seq) as alice_json,
        live(server, alice, event["id"], "participant", seq) as phone,
        live(server, facilitator, event["id"], "board", seq) as board,
    ):
        response = facilitator.post(
            f"/api/v1/events/{event['id']}/spotlight", json={"touchpoint_id": tp["id"]}
        )
        assert response.status_code == 200 and response.json()["spotlight"]["name"] == tp["name"]
        message = receive_json(alice_json)
        assert message["type"] == "spotlight.changed"
        assert message["data"] == {"touchpoint_id": tp["id"], "stage_id": None, "name": tp["name"]}
        link = frame_with(phone, 'id="spotlight"')
        assert "The room is looking at" in link and f'href="#tp-{tp["id"]}"' in link
        board_frame = frame_with(board, 'id="board-main"')
        assert f'id="tp-{tp["id"]}-tile" class="touchpoint-tile spotlight"' in board_frame

        stage = event["stages"][1]
        facilitator.post(f"/api/v1/events/{event['id']}/spotlight", json={"stage_id": stage["id"]})
        assert receive_json(alice_json)["data"]["stage_id"] == stage["id"]
        assert f'href="#stage-{stage["id"]}"' in frame_with(phone, 'id="spotlight"')

        cleared = facilitator.post(f"/api/v1/events/{event['id']}/spotlight", json=None)
        assert cleared.status_code == 200 and cleared.json()["spotlight"] is None
        assert receive_json(alice_json)["data"] == {"touchpoint_id": None, "stage_id": None, "name": None}
        assert '<div id="spotlight" hidden>' in frame_with(phone, 'id="spotlight"')
    both = facilitator.post(
        f"/api/v1/events/{event['id']}/spotlight", json={"touchpoint_id": tp["id"], "stage_id": 1}
    )
    assert both.status_code == 422
    other = create_event(facilitator, title="Another room")
    foreign = facilitator.post(
        f"/api/v1/events/{event['id']}/spotlight", json={"touchpoint_id": first_touchpoint(other)}
    )
    assert foreign.status_code == 404


def test_timer_start_pause_and_add_a_minute(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    url = f"/api/v1/events/{event['id']}/timer"
    set_phase(facilitator, event, "principles")
    with open_stream(server, alice, event["id"], after_seq=last_seq(facilitator, event)) as ws:
        started = facilitator.post(url, json={"action": "start"}).json()
        assert started["running"] is True and 15 * 60 - 2 <= started["remaining_seconds"] <= 15 * 60
        assert started["deadline"] is not None
        message = receive_json(ws)
        assert message["type"] == "timer.changed" and message["data"]["running"] is True
        added = facilitator.post(url, json={"action": "add"}).json()
        assert 16 * 60 - 3 <= added["remaining_seconds"] <= 16 * 60 and added["running"] is True
        assert receive_json(ws)["type"] == "timer.changed"
        paused = facilitator.post(url, json={"action": "pause"}).json()
        assert paused["running"] is False and paused["deadline"] is None
        assert receive_json(ws)["data"]["running"] is False
        # Pausing a paused timer changes nothing and sends nothing.
        assert facilitator.post(url, json={"action": "pause"}).json() == paused
        assert nothing_arrives(ws)
    assert facilitator.post(url, json={"action": "start", "seconds": 300}).json()["remaining_seconds"] >= 298
    assert facilitator.post(url, json={"action": "add", "seconds": 120}).json()["remaining_seconds"] >= 418
    assert facilitator.post(url, json={"action": "stop"}).status_code == 422
    assert facilitator.post(url, json={"action": "add", "seconds": -60}).status_code == 422

    board = facilitator.get(f"/events/{event['id']}/board").text
    assert 'class="timer-clock" data-remaining="' in board and 'data-running="true"' in board
    phone = alice.get(f"/events/{event['id']}/journey").text
    assert re.search(r"about \d+ minutes left", phone)
    assert "data-remaining" not in phone and "timer-clock" not in phone  # no countdown on phones


def test_readiness_is_a_count_and_can_be_undone(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    bob = join(server, event, team_index=1)
    url = f"/api/v1/events/{event['id']}/ready"
    seq = last_seq(facilitator, event)
    with live(server, facilitator, event["id"], "console", seq) as console:
        assert alice.post(url, json={"done": True}).status_code == 200
        assert "<strong>1</strong> done with this step" in frame_with(console, 'id="room-stats"')
        assert alice.post(url, json={"done": True}).status_code == 200  # once per participant
        bob.post(url)
        assert room(facilitator, event)["ready_count"] == 2
        alice.post(url, json={"done": False})
        frame_with(console, "<strong>1</strong> done")
    assert room(facilitator, event)["ready_count"] == 1
    assert "ready_count" not in room(alice, event)
    # Through the page: the phone's own control, and a new phase starts at zero.
    page = bob.post(f"/events/{event['id']}/journey/ready", data={"done": "false"}, headers=HTMX)
    assert page.status_code == 200 and "I'm done with this step" in page.text
    assert room(facilitator, event)["ready_count"] == 0
    bob.post(f"/events/{event['id']}/journey/ready", data={"done": "true"})
    assert "You said you are done" in bob.get(f"/events/{event['id']}/journey").text
    set_phase(facilitator, event, "principles")
    assert room(facilitator, event)["ready_count"] == 0
    assert "I'm done with this step" in bob.get(f"/events/{event['id']}/journey/ready").text
    assert client(server).post(url).status_code == 403


def test_console_counts_merge_small_groups(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Counting the room")
    for _ in range(6):
        join(server, event, team_index=0, here_as="staff")
    for _ in range(5):
        join(server, event, team_index=1, here_as="partner")
    for _ in range(2):
        join(server, event, team_index=2, here_as="lived_experience")
    here = room(facilitator, event)["here"]
    assert here["total"] == 13 and here["min_group_size"] == 5
    # Two lived-experience participants alone would be singled out, and so would they be as the only
    # "other": the next smallest group joins them.
    assert here["by_here_as"] == {"Staff of this service": 6, "other": 7}
    assert here["by_team"] == {event["teams"][0]["name"]: 6, "other": 7}
    fragment = facilitator.get(f"/events/{event['id']}/console/here").text
    assert "Lived experience" not in fragment and "<td>7</td>" in fragment and "<td>6</td>" in fragment
    console = facilitator.get(f"/events/{event['id']}/console").text
    assert 'id="here"' in console and "Lived experience" not in console


def test_small_group_merging_never_leaves_one_group_alone() -> None:
    assert merge_small_groups({"a": 10, "b": 9, "c": 2, "d": 3}, 5) == ([("a", 10), ("b", 9)], 5)
    assert merge_small_groups({"a": 10, "b": 2}, 5) == ([], 12)
    assert merge_small_groups({"a": 10, "b": 7, "c": 2}, 5) == ([("a", 10)], 9)
    assert merge_small_groups({"a": 5, "b": 6}, 5) == ([("b", 6), ("a", 5)], 0)
    assert merge_small_groups({"a": 3}, 5) == ([], 3)


def test_the_facilitator_edits_the_agenda(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    base = f"/api/v1/events/{event['id']}/agenda"
    renamed = facilitator.patch(f"{base}/welcome", json={"name": "Arrive and settle", "duration_minutes": 20})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Arrive and settle"
    assert facilitator.patch(f"{base}/vote", json={"skipped": True}).json()["skipped"] is True
    assert facilitator.patch(f"{base}/close", json={"position": 0}).status_code == 200
    added = facilitator.post(base, json={"name": "Tea break", "duration_minutes": 15})
    assert added.status_code == 201 and added.json()["slug"] == "tea_break"
    state = room(facilitator, event)
    assert [p["slug"] for p in state["agenda"]] == ["close", *AGENDA[:-1], "tea_break"]
    assert state["agenda"][1]["duration_minutes"] == 20

    assert facilitator.post(f"/api/v1/events/{event['id']}/phase", json={"phase": "vote"}).status_code == 409
    started = set_phase(facilitator, event, "tea_break").json()
    assert started["phase"] == "tea_break" and started["timer"]["remaining_seconds"] == 15 * 60
    assert facilitator.patch(f"{base}/tea_break", json={"skipped": True}).status_code == 409
    assert facilitator.post(f"/api/v1/events/{event['id']}/phase", json={"phase": "nap"}).status_code == 404
    assert facilitator.patch(f"{base}/welcome", json={"duration_minutes": 0}).status_code == 422
    # The console's back and next pass over skipped phases.
    set_phase(facilitator, event, "prioritise")
    console = facilitator.get(f"/events/{event['id']}/console").text
    assert "Next: Action plan" in console and "Back: Lens walk" in console

    # Through the agenda page too.
    page = facilitator.get(f"/events/{event['id']}/agenda")
    assert page.status_code == 200 and "Tea break" in page.text
    moved = facilitator.post(f"/events/{event['id']}/agenda/tea_break", data={"action": "up"})
    assert moved.status_code == 303
    assert [p["slug"] for p in room(facilitator, event)["agenda"]][-2:] == ["tea_break", "action_plan"]
    facilitator.post(
        f"/events/{event['id']}/agenda/lens_walk",
        data={"action": "save", "name": "Lens walk", "duration_minutes": "50", "private_writing": "true"},
    )
    lens = next(p for p in room(facilitator, event)["agenda"] if p["slug"] == "lens_walk")
    assert lens["duration_minutes"] == 50 and lens["private_writing"] is True


def test_board_views_switch_from_the_console(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    annotate(alice, event, kind="strength", principles=["safety"], text="The waiting room is quiet.")
    annotate(alice, event, kind="barrier", principles=["trust"], text="Letters never say who you will see.")
    url = f"/api/v1/events/{event['id']}/board"
    seq = last_seq(facilitator, event)
    with live(server, facilitator, event["id"], "board", seq) as board:
        shown = facilitator.post(url, json={"view": "wall", "filter": {"by": "principle", "value": "trust"}})
        assert shown.json() == {"view": "wall", "filter": {"by": "principle", "value": "trust"}}
        wall = frame_with(board, 'id="board-main"')
        assert "Annotation wall: Trust" in wall and "Letters never say" in wall and "waiting room" not in wall

        facilitator.post(f"/events/{event['id']}/board-view", data={"view": "principles"}, headers=HTMX)
        chart = frame_with(board, 'id="board-main"')
        assert "<svg" in chart and "Safety: 1 strengths, 0 barriers." in chart
        assert "Trust: 0 strengths, 1 barriers." in chart

        facilitator.post(url, json={"view": "priorities"})
        placeholder = frame_with(board, 'id="board-main"')
        assert "Priorities" in placeholder and "No improvements yet" in placeholder

        # A new annotation reaches the wall without a reload.
        facilitator.post(url, json={"view": "wall"})
        frame_with(board, 'id="board-main"')
        annotate(alice, event, kind="idea", text="Offer a phone call before the first visit.")
        assert "Offer a phone call" in frame_with(board, "Offer a phone call")
    assert (
        facilitator.post(url, json={"view": "wall", "filter": {"by": "team", "value": "999999"}}).status_code
        == 422
    )
    assert facilitator.post(url, json={"view": "disco"}).status_code == 422
    page = facilitator.get(f"/events/{event['id']}/board").text
    assert "data-theme-toggle" in page and 'data-view="wall"' in page


def test_co_facilitators_can_run_the_room(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], settings: Settings
) -> None:
    email = f"co{event['id']}@example.org"
    co = second_facilitator(settings, server, email)
    assert co.post(f"/api/v1/events/{event['id']}/phase", json={"phase": "principles"}).status_code == 403
    added = facilitator.post(f"/api/v1/events/{event['id']}/facilitators", json={"email": email.upper()})
    assert added.status_code == 201 and email in added.json()["facilitators"]
    again = facilitator.post(f"/api/v1/events/{event['id']}/facilitators", json={"email": email})
    assert again.status_code == 200
    assert co.post(f"/api/v1/events/{event['id']}/phase", json={"phase": "principles"}).status_code == 200
    assert co.get(f"/events/{event['id']}/console").status_code == 200
    unknown = facilitator.post(
        f"/api/v1/events/{event['id']}/facilitators", json={"email": "nobody@example.org"}
    )
    assert unknown.status_code == 404


def test_room_controls_are_in_the_api_docs(server: LiveServer) -> None:
    paths = client(server).get("/openapi.json").json()["paths"]
    for name in ("phase", "reveal", "spotlight", "timer", "board", "room", "ready", "facilitators", "agenda"):
        assert f"/api/v1/events/{{event_id}}/{name}" in paths, name


def test_an_event_without_an_agenda_gets_the_default_one_when_the_room_moves(
    facilitator: httpx.Client, event: dict[str, Any], db: Any
) -> None:
    with db.begin() as conn:
        conn.execute(text("DELETE FROM phase WHERE event_id = :e"), {"e": event["id"]})
    assert room(facilitator, event)["agenda"] == []
    set_phase(facilitator, event, "vote")
    assert [p["slug"] for p in room(facilitator, event)["agenda"]] == AGENDA


@pytest.mark.parametrize("who", ["participant", "stranger", "other facilitator"])
def test_only_the_events_facilitators_can_run_the_room(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], settings: Settings, who: str
) -> None:
    if who == "participant":
        c, refused = join(server, event), 401
    elif who == "stranger":
        c, refused = client(server), 401
    else:
        c, refused = second_facilitator(settings, server, f"outsider{event['id']}@example.org"), 403
    api = f"/api/v1/events/{event['id']}"
    calls = [
        ("post", f"{api}/phase", {"json": {"phase": "close", "private_writing": True}}),
        ("post", f"{api}/reveal", {}),
        ("post", f"{api}/spotlight", {"json": {"touchpoint_id": first_touchpoint(event)}}),
        ("post", f"{api}/timer", {"json": {"action": "start"}}),
        ("post", f"{api}/board", {"json": {"view": "wall"}}),
        ("post", f"{api}/agenda", {"json": {"name": "Takeover"}}),
        ("patch", f"{api}/agenda/welcome", {"json": {"name": "Takeover"}}),
        ("post", f"{api}/facilitators", {"json": {"email": "facilitator@example.org"}}),
        ("post", f"/events/{event['id']}/phase", {"data": {"phase": "close"}}),
        ("post", f"/events/{event['id']}/reveal", {}),
        ("post", f"/events/{event['id']}/timer", {"data": {"action": "start"}}),
        ("post", f"/events/{event['id']}/spotlight", {"data": {"target": ""}}),
        ("post", f"/events/{event['id']}/board-view", {"data": {"view": "wall"}}),
        ("post", f"/events/{event['id']}/agenda", {"data": {"name": "Takeover"}}),
        ("post", f"/events/{event['id']}/facilitators", {"data": {"email": "x@example.org"}}),
        ("get", f"/events/{event['id']}/agenda", {}),
        ("get", f"/events/{event['id']}/console/here", {}),
    ]
    before = room(facilitator, event)
    for method, path, kwargs in calls:
        response = getattr(c, method)(path, **kwargs)
        assert response.status_code == refused, (path, response.status_code)
    assert room(facilitator, event) == before
