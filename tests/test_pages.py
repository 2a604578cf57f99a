"""The same walkthrough through the pages, as a browser without JavaScript (and with HTMX headers)
would drive them, against the live server; and the pages' own websocket of HTML fragments."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from websockets.sync.client import connect

from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LiveServer,
    annotate,
    client,
    cookie_header,
    first_touchpoint,
    join,
    make_settings,
    start_server,
)
from tests.support import page_token

HTMX = {"HX-Request": "true"}


def live(server: LiveServer, c: httpx.Client, event_id: int, view: str, seq: int = -1):
    return connect(
        f"{server.ws_url}/events/{event_id}/live?view={view}&seq={seq}",
        additional_headers=cookie_header(c),
        open_timeout=5,
    )


def recv_until(ws: Any, needle: str, timeout: float = 3) -> str:
    import time

    deadline = time.monotonic() + timeout
    while True:
        frame = ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
        if needle in frame:
            return frame


def test_first_run_setup_page_creates_the_first_facilitator(tmp_path: Path) -> None:
    from app.setup import prepare

    settings = make_settings(
        tmp_path, admin_email=None, admin_password=None, database_url=f"sqlite:///{tmp_path / 'fresh.db'}"
    )
    prepare(settings)
    live_server = start_server(settings)
    try:
        with httpx.Client(base_url=live_server.base_url) as c:
            first = c.get("/")
            assert first.status_code == 303 and first.headers["location"] == "/setup"
            assert "Create the first facilitator account" in c.get("/setup").text
            short = c.post(
                "/setup",
                data={
                    "email": "lead@example.org",
                    "password": "short",
                    "csrf_token": page_token(c, "/setup"),
                },
            )
            assert short.status_code == 422 and "at least 10" in short.text
            made = c.post(
                "/setup",
                data={
                    "email": "lead@example.org",
                    "password": "a good long password",
                    "csrf_token": page_token(c, "/setup"),
                },
            )
            assert made.status_code == 303
            assert "Your events" in c.get("/").text
        with httpx.Client(base_url=live_server.base_url) as other:
            # Once an account exists, nobody else can use the set-up page.
            assert other.get("/setup").headers["location"] == "/signin"
            again = other.post(
                "/setup",
                data={
                    "email": "intruder@example.org",
                    "password": "a good long password",
                    "csrf_token": page_token(other, "/signin"),
                },
            )
            assert again.status_code == 303 and again.headers["location"] == "/signin"
            assert (
                other.post(
                    "/signin",
                    data={
                        "email": "intruder@example.org",
                        "password": "a good long password",
                        "csrf_token": page_token(other, "/signin"),
                    },
                ).status_code
                == 401
            )
    finally:
        live_server.stop()


def test_facilitator_prepares_and_opens_an_event_through_the_pages(server: LiveServer) -> None:
    c = client(server)
    assert c.post("/signin", data={"email": ADMIN_EMAIL, "password": "wrong password"}).status_code == 401
    assert c.post("/signin", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).status_code == 303
    new_page = c.get("/events/new").text
    map_id = re.search(r'<option value="(\d+)">Substance use service', new_page).group(1)
    created = c.post(
        "/events/new",
        data={"title": "Island service lens walk", "journey_map_id": map_id, "date": "2026-12-01"},
    )
    assert created.status_code == 303
    event_url = created.headers["location"]
    event_id = int(event_url.rsplit("/", 1)[1])
    event = c.get(f"/api/v1/events/{event_id}").json()
    assert event["status"] == "draft" and event["date"] == "2026-12-01"

    stage = event["stages"][0]
    c.post(
        f"{event_url}/stages/{stage['id']}",
        data={"action": "rename", "name": "Hearing about us", "description": ""},
    )
    c.post(f"{event_url}/stages/{stage['id']}/touchpoints", data={"name": "Community noticeboard"})
    c.post(f"{event_url}/stages/{event['stages'][1]['id']}", data={"action": "up"})
    removed = event["stages"][2]["touchpoints"][0]
    c.post(f"{event_url}/touchpoints/{removed['id']}", data={"action": "delete"})
    c.post(f"{event_url}/stages", data={"name": "Peer support"})
    after = c.get(f"/api/v1/events/{event_id}").json()
    names = [s["name"] for s in after["stages"]]
    assert names[:2] == ["Referral and first contact", "Hearing about us"] and names[-1] == "Peer support"
    assert "Community noticeboard" in [tp["name"] for tp in after["stages"][1]["touchpoints"]]
    assert removed["id"] not in [tp["id"] for s in after["stages"] for tp in s["touchpoints"]]
    assert c.post(f"{event_url}/stages", data={"name": ""}).status_code == 422

    # Participants cannot join a draft event.
    assert "has not opened yet" in client(server).get(f"/join?code={event['join_code']}").text
    assert c.post(f"{event_url}/status", data={"status": "open"}).status_code == 303
    locked = c.post(f"{event_url}/stages", data={"name": "Too late"})
    assert locked.status_code == 409 and "before the event opens" in locked.text

    board = c.get(f"{event_url}/board").text
    assert event["join_code"] in board and "<svg" in board and "Hearing about us" in board
    assert 'ws-connect="/events/' in board
    assert c.get(f"{event_url}/qr.svg").headers["content-type"].startswith("image/svg+xml")


def test_participant_joins_annotates_edits_and_withdraws_through_the_pages(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], db: Any
) -> None:
    phone = client(server)
    step_one = phone.get(f"/join?code={event['join_code'].lower()}")
    # Each team by its name as the facilitator wrote it, and nothing else.
    assert "Which team are you in?" in step_one.text and ">Join Team 1</button>" in step_one.text
    joined = phone.post(
        "/join",
        data={
            "join_code": event["join_code"],
            "team_id": event["teams"][1]["id"],
            "here_as": "lived_experience",
        },
    )
    assert joined.status_code == 303
    cookie = joined.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = phone.get(joined.headers["location"]).text
    assert "Gill" in page and "Content note" in page and "suicide" in page
    assert "Support" in page and "quick-hide" in page

    tp = first_touchpoint(event, 3, 2)
    plain = phone.post(
        f"/events/{event['id']}/journey/annotations",
        data={
            "touchpoint_id": tp,
            "kind": "barrier",
            "principles": ["safety", "choice"],
            "text": "The desk is in the middle of the waiting room.",
            "client_key": "pagekey-0001",
        },
    )
    assert plain.status_code == 303
    again = phone.post(
        f"/events/{event['id']}/journey/annotations",
        data={
            "touchpoint_id": tp,
            "kind": "barrier",
            "principles": ["safety", "choice"],
            "text": "The desk is in the middle of the waiting room.",
            "client_key": "pagekey-0001",
        },
    )
    assert again.status_code == 303  # a double tap: saved once
    swapped = phone.post(
        f"/events/{event['id']}/journey/annotations",
        headers=HTMX,
        data={
            "touchpoint_id": tp,
            "kind": "strength",
            "principles": ["trust"],
            "text": "Staff explain why they ask each question.",
        },
    )
    assert swapped.status_code == 200
    assert "Added to" in swapped.text and 'hx-swap-oob="outerHTML:#mine"' in swapped.text
    assert "Staff explain why" in swapped.text
    bad = phone.post(
        f"/events/{event['id']}/journey/annotations",
        headers=HTMX,
        data={"touchpoint_id": tp, "kind": "idea", "text": "No principle"},
    )
    assert bad.status_code == 422 and "Principles" in bad.text

    mine = phone.get(f"/api/v1/events/{event['id']}/annotations", params={"mine": "true"}).json()
    assert sorted(a["text"] for a in mine) == [
        "Staff explain why they ask each question.",
        "The desk is in the middle of the waiting room.",
    ]
    target = next(a for a in mine if a["kind"] == "barrier")
    edit_page = phone.get(f"/annotations/{target['id']}/edit").text
    assert "The desk is in the middle" in edit_page
    edited = phone.post(
        f"/annotations/{target['id']}/edit",
        data={
            "kind": "barrier",
            "principles": ["safety"],
            "text": "The reception desk is in the waiting room.",
        },
    )
    assert edited.status_code == 303
    # Back on the journey, the page says the change was saved (and the phone's focus goes there).
    assert "Saved your change." in phone.get(edited.headers["location"]).text
    # Withdrawing asks once; the question's form is what deletes.
    assert "This deletes your words for good" in phone.get(f"/annotations/{target['id']}/withdraw").text
    assert phone.post(f"/annotations/{target['id']}/withdraw").status_code == 303
    with db.connect() as conn:
        texts = [
            r[0]
            for r in conn.execute(text("SELECT text FROM annotation WHERE event_id = :e"), {"e": event["id"]})
        ]
    assert texts == ["Staff explain why they ask each question."]

    # Someone else's phone cannot reach the edit page.
    assert client(server).get(f"/annotations/{mine[0]['id']}/edit").status_code == 403


def test_board_and_phones_receive_html_fragments_live(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    bob = join(server, event, team_index=2)
    seq = facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
    with (
        live(server, facilitator, event["id"], "board", seq) as board,
        live(server, bob, event["id"], "participant", seq) as phone,
        live(server, facilitator, event["id"], "console", seq) as console,
    ):
        note = annotate(
            alice, event, text="Letters arrive in plain envelopes <b>thankfully</b>", kind="strength"
        ).json()
        tile = recv_until(board, f'id="tp-{note["touchpoint_id"]}-tile"')
        assert "1 <span>strength</span>" in tile
        assert (
            "Letters arrive in plain envelopes &lt;b&gt;thankfully&lt;/b&gt;" in tile
        )  # the newest list, escaped
        region = recv_until(phone, f'id="tp-{note["touchpoint_id"]}-live"')
        assert "Letters arrive in plain envelopes &lt;b&gt;" in region and "<b>thankfully" not in region
        assert "Hide" in recv_until(console, 'id="moderation"')

        facilitator.post(
            f"/events/{event['id']}/annotations/{note['id']}/visibility",
            data={"hidden": "true"},
            headers=HTMX,
        )
        region = recv_until(phone, f'id="tp-{note["touchpoint_id"]}-live"')
        assert "Letters arrive" not in region
        moderation = recv_until(console, 'id="moderation"')
        assert "Letters arrive" in moderation and "Hidden from the room" in moderation


def test_html_websocket_sends_a_snapshot_when_the_page_is_stale_and_refuses_strangers(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    annotate(alice, event, text="Written while the board was asleep")
    with live(server, facilitator, event["id"], "board", 0) as board:
        assert "Written while the board was asleep" in board.recv(timeout=3)
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus):
        live(server, alice, event["id"], "board")
    with pytest.raises(InvalidStatus):
        live(server, client(server), event["id"], "participant")


def test_facilitator_writes_a_vignette(facilitator: httpx.Client) -> None:
    made = facilitator.post(
        "/vignettes/new",
        data={
            "name": "Morag",
            "age": "58",
            "summary": "Lives on an island, ferry twice a week.",
            "content_notes": "isolation, bereavement",
        },
    )
    assert made.status_code == 303
    morag = next(v for v in facilitator.get("/api/v1/vignettes").json() if v["name"] == "Morag")
    assert morag["content_notes"] == ["isolation", "bereavement"] and not morag["builtin"]
    assert facilitator.post("/vignettes/new", data={"name": "", "summary": "x"}).status_code == 422
    assert "Morag" in facilitator.get("/vignettes").text


def test_every_page_loads_nothing_from_another_host(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    phone = join(server, event)
    pages = [
        (client(server), "/"),
        (client(server), "/join"),
        (client(server), "/signin"),
        (client(server), "/safe"),
        (phone, f"/events/{event['id']}/journey"),
        (facilitator, f"/events/{event['id']}"),
        (facilitator, f"/events/{event['id']}/board"),
        (facilitator, f"/events/{event['id']}/console"),
        (facilitator, "/events/new"),
        (facilitator, "/vignettes"),
        (facilitator, "/vignettes/new"),
    ]
    for c, path in pages:
        response = c.get(path)
        assert response.status_code == 200, path
        for url in re.findall(r'(?:src|href)="([^"]+)"', response.text):
            assert url.startswith(("/", "#")), (path, url)
        assert '<html lang="en-GB">' in response.text
