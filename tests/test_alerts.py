"""Issue 15 item 5: no call for help is missed. Every facilitator page of an event carries the open
break and support requests (on page load and live over a facilitator-only socket), "Handled" clears
them everywhere, closing asks to confirm, and a closed event can be reopened."""

import re
from typing import Any

import httpx
import pytest
from sqlmodel import Session
from websockets.sync.client import connect

from app.db import make_engine, transaction
from app.facilitators import service as facilitators
from tests.conftest import (
    REQUIRE_SERVICES,
    SERVICES,
    LiveServer,
    ServeProcess,
    annotate,
    cookie_header,
    create_event,
    join,
    nothing_arrives,
    open_stream,
    receive_json,
    receive_until,
    signed_in,
)
from tests.test_access import _ws_refused
from tests.test_multi_instance import instances  # noqa: F401  (the two-replica fixture)
from tests.test_pages import live, recv_until

HTMX = {"HX-Request": "true"}
CO_EMAIL = "co-facilitator@example.org"
CO_PASSWORD = "a co-facilitator's long password"
PAGES = ("", "/console", "/improvements", "/priorities", "/actions", "/report", "/agenda", "/attendance")


def co_facilitator(server: Any, facilitator: httpx.Client, event: dict[str, Any]) -> httpx.Client:
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            facilitators.ensure_facilitator(session, email=CO_EMAIL, password=CO_PASSWORD)
    finally:
        engine.dispose()
    added = facilitator.post(f"/api/v1/events/{event['id']}/facilitators", json={"email": CO_EMAIL})
    assert added.status_code in (200, 201), added.text
    return signed_in(server, CO_EMAIL, CO_PASSWORD)


def ask(phone: httpx.Client, event: dict[str, Any], kind: str = "take_break", place: str = "") -> int:
    sent = phone.post(f"/api/v1/events/{event['id']}/support", json={"kind": kind, "place": place})
    assert sent.status_code == 201, sent.text
    return int(sent.json()["id"])


def banner(html: str) -> str:
    found = re.search(r'<div id="facilitator-alerts".*?</div>', html, re.S)
    assert found, "no calls-for-help banner on the page"
    return found.group(0)


def test_a_request_reaches_every_facilitator_socket_and_handled_clears_it_everywhere(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    co = co_facilitator(server, facilitator, event)
    phone = join(server, event, team_index=1)
    other = join(server, event)
    seq = facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
    with (
        live(server, facilitator, event["id"], "alerts") as mine,
        live(server, co, event["id"], "alerts") as theirs,
        live(server, facilitator, event["id"], "board", seq) as board,
        live(server, other, event["id"], "participant", seq) as other_page,
        open_stream(server, other, event["id"], after_seq=seq) as other_json,
    ):
        # Every (re)connect starts with a snapshot: nothing open yet.
        assert 'data-count="0"' in mine.recv(timeout=5)
        assert 'data-count="0"' in theirs.recv(timeout=5)
        request_id = ask(phone, event, place="by the back window")
        for ws in (mine, theirs):
            frame = recv_until(ws, 'data-count="1"')
            assert "Team 2" in frame and "asked for a break" in frame and "by the back window" in frame
            assert "Handled" in frame
        assert receive_json(other_json)["type"] == "private"
        assert nothing_arrives(board) and nothing_arrives(other_page)

        handled = co.post(f"/events/{event['id']}/support/{request_id}/handled", headers=HTMX)
        assert handled.status_code == 204
        for ws in (mine, theirs):
            frame = recv_until(ws, 'data-count="0"')
            assert "by the back window" not in frame
        assert nothing_arrives(board) and nothing_arrives(other_page)
        assert receive_json(other_json)["type"] == "private"
    # A new connection (a reload, a reconnect) gets the current state.
    ask(phone, event, kind="check_in_with_me")
    with live(server, co, event["id"], "alerts") as again:
        assert "would like a check-in" in recv_until(again, 'data-count="1"')


def test_participants_the_board_page_and_other_facilitators_never_get_the_alerts(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    phone = join(server, event)
    ask(phone, event, place="car park")
    eid = event["id"]
    assert _ws_refused(server, phone, f"/events/{eid}/live?view=alerts")
    assert phone.get(f"/events/{eid}/live/poll?view=alerts").status_code == 403
    # Where websockets cannot open, a facilitator page polls the same banner over HTTP.
    polled = facilitator.get(f"/events/{eid}/live/poll?view=alerts")
    assert polled.status_code == 200 and "car park" in polled.text and 'data-count="1"' in polled.text
    stranger = httpx.Client(base_url=server.base_url)
    assert _ws_refused(server, stranger, f"/events/{eid}/live?view=alerts")
    board = facilitator.get(f"/events/{eid}/board").text
    assert "car park" not in board and "facilitator-alerts" not in board
    for path in ("/journey", "/support", "/improvements", "/priorities", "/actions"):
        page = phone.get(f"/events/{eid}{path}")
        assert "car park" not in page.text and "facilitator-alerts" not in page.text, path


def test_every_facilitator_page_shows_the_open_requests_on_load_with_the_count_in_its_title(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    phone = join(server, event, team_index=2)
    ask(phone, event, place="table 4")
    ask(phone, event, kind="check_in_with_me")
    for path in PAGES:
        page = facilitator.get(f"/events/{event['id']}{path}")
        assert page.status_code == 200, path
        title = re.search(r"<title>(.*?)</title>", page.text, re.S)
        assert title and title.group(1).startswith("(2) "), (path, title)
        shown = banner(page.text)
        assert 'role="status"' in page.text and 'aria-live="polite"' in page.text
        assert "table 4" in shown and "Team 3" in shown and shown.count(">Handled<") == 2, path
        assert f"/events/{event['id']}/live?view=alerts" in page.text, path


def test_handled_without_javascript_returns_to_the_page_it_was_pressed_on(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    phone = join(server, event)
    eid = event["id"]
    first, second = ask(phone, event, place="stairs"), ask(phone, event)
    back = facilitator.post(
        f"/events/{eid}/support/{first}/handled", data={"next": f"/events/{eid}/priorities"}
    )
    assert back.status_code == 303 and back.headers["location"] == f"/events/{eid}/priorities"
    assert "stairs" not in banner(facilitator.get(back.headers["location"]).text)
    # Anywhere else is not a place to send a facilitator back to.
    for elsewhere in ("https://example.org/", "//example.org", f"/events/{eid}0/console", "/events/x"):
        facilitator.post(f"/events/{eid}/support/{second}/handled", data={"next": "x"})
        moved = facilitator.post(f"/events/{eid}/support/{second}/handled", data={"next": elsewhere})
        assert moved.status_code == 303 and moved.headers["location"] == f"/events/{eid}/console", elsewhere
    assert facilitator.post(f"/events/{eid}/support/999999/handled").status_code == 404
    too_long = facilitator.post(f"/events/{eid}/support/{second}/handled", data={"next": "/" * 201})
    assert too_long.status_code == 422


def test_closing_asks_to_confirm_and_a_closed_event_can_be_reopened(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    eid = event["id"]
    phone = join(server, event)
    page = facilitator.get(f"/events/{eid}").text
    assert 'name="status" value="closed"' not in page  # no one-click close on the event page
    assert f'href="/events/{eid}/close"' in page
    confirm = facilitator.get(f"/events/{eid}/close")
    assert confirm.status_code == 200 and "Yes, close the event" in confirm.text
    assert "No, keep it open" in confirm.text
    assert facilitator.get(f"/api/v1/events/{eid}").json()["status"] == "open"  # asking changed nothing

    seq = facilitator.get(f"/api/v1/events/{eid}").json()["last_seq"]
    with open_stream(server, phone, eid, after_seq=seq) as stream:
        closed = facilitator.post(f"/events/{eid}/status", data={"status": "closed"})
        assert closed.status_code == 303
        assert receive_json(stream)["data"] == {"status": "closed"}
        assert annotate(phone, event).status_code == 409
        page = facilitator.get(f"/events/{eid}").text
        assert f'action="/events/{eid}/reopen"' in page
        reopened = facilitator.post(f"/events/{eid}/reopen")
        assert reopened.status_code == 303 and reopened.headers["location"] == f"/events/{eid}"
        assert receive_until(stream, lambda m: m["type"] == "event.status")["data"] == {"status": "open"}
    assert "The event is open for contributions." in phone.get(f"/events/{eid}/journey").text
    assert annotate(phone, event, text="Written after the reopening.").status_code == 201


def test_reopen_over_the_api_and_its_bad_input(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    eid = event["id"]
    refused = facilitator.post(f"/api/v1/events/{eid}/reopen")
    assert refused.status_code == 409 and "Only a closed event" in refused.json()["detail"]
    draft = create_event(facilitator, open=False)
    assert facilitator.post(f"/api/v1/events/{draft['id']}/reopen").status_code == 409
    assert facilitator.post("/api/v1/events/999999/reopen").status_code == 404
    phone = join(server, event)
    facilitator.post(f"/events/{eid}/status", data={"status": "closed"})
    assert phone.post(f"/api/v1/events/{eid}/reopen").status_code == 401
    co = co_facilitator(server, facilitator, draft)  # a facilitator, but not of this event
    assert co.post(f"/api/v1/events/{eid}/reopen").status_code == 403
    assert facilitator.get(f"/api/v1/events/{eid}").json()["status"] == "closed"  # unchanged
    opened = facilitator.post(f"/api/v1/events/{eid}/reopen")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert annotate(phone, event).status_code == 201


@pytest.mark.skipif(
    not SERVICES and not REQUIRE_SERVICES,
    reason="needs PostgreSQL and Redis (see tests/test_multi_instance.py)",
)
@pytest.mark.timeout(180)
def test_a_request_on_one_instance_reaches_a_facilitator_page_on_the_other(
    instances: tuple[ServeProcess, ServeProcess],  # noqa: F811
) -> None:
    one, other = instances
    facilitator = signed_in(other)
    event = create_event(facilitator)
    phone = join(one, event, team_index=1)
    url = f"{other.ws_url}/events/{event['id']}/live?view=alerts&seq=-1"
    with connect(url, additional_headers=cookie_header(facilitator), open_timeout=5) as alerts:
        assert 'data-count="0"' in alerts.recv(timeout=5)
        request_id = ask(phone, event, place="kitchen")
        assert "kitchen" in recv_until(alerts, 'data-count="1"', timeout=5)
        co = signed_in(one)
        assert co.post(f"/events/{event['id']}/support/{request_id}/handled", headers=HTMX).status_code == 204
        assert "kitchen" not in recv_until(alerts, 'data-count="0"', timeout=5)
