"""A phone on poor signal: what it writes while the connection is down arrives once it is back, once;
and a board whose websocket is refused altogether stays current by polling."""

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.conftest import LAPTOP, PHONE, annotate, join_with_code, wait_live
from tests.conftest import LiveServer, create_event, join, signed_in
from tests.conftest import annotate as annotate_api

# A browser and several pages per test: more than the suite's 60 s on a busy machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

WORDS = "The waiting room was so loud I went back outside."


def test_an_annotation_written_offline_arrives_once_when_back_online(
    server: LiveServer, new_context, db
) -> None:
    facilitator = signed_in(server)
    event = create_event(facilitator, title="Lens walk on island signal")
    laptop = new_context(**LAPTOP)
    laptop.add_cookies(
        [{"name": n, "value": v, "url": server.base_url} for n, v in facilitator.cookies.items()]
    )
    board = laptop.new_page()
    board.goto(f"{server.base_url}/events/{event['id']}/board")
    wait_live(board)

    phone = new_context(**PHONE)
    page = phone.new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    phone.set_offline(True)
    annotate(
        page, stage="Arriving", touchpoint="Waiting area", kind="Barrier", principles=["Safety"], text=WORDS
    )
    page.wait_for_timeout(500)  # the send has failed by now; nothing may have reached the server
    expect(board.locator("#latest")).not_to_contain_text(WORDS)

    phone.set_offline(False)
    expect(board.locator("#latest")).to_contain_text(WORDS, timeout=4000)
    page.wait_for_timeout(1000)  # a duplicate sent late would show up by now
    expect(board.locator("#latest li", has_text=WORDS)).to_have_count(1)
    expect(page.locator("#mine li", has_text=WORDS)).to_have_count(1)
    with db.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM annotation WHERE text = :t"), {"t": WORDS}).scalar()
    assert stored == 1


def test_unsent_words_are_shown_as_waiting_and_kept_on_the_phone(
    server: LiveServer, new_context: Any, db: Any
) -> None:
    event = create_event(signed_in(server), title="Lens walk on the ferry")
    phone = new_context(**PHONE)
    page = phone.new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    words = "Written on the ferry with no signal"
    phone.set_offline(True)
    form = annotate(
        page, stage="Arriving", touchpoint="Waiting area", kind="Barrier", principles=["Trust"], text=words
    )
    form.get_by_role("button", name="Barrier", exact=True).click()  # an impatient second tap
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("Waiting to send")
    expect(outbox).to_contain_text(words)
    stored = page.evaluate("JSON.parse(localStorage.getItem('lenswalk-outbox'))")
    assert [item["text"] for item in stored] == [words]  # kept once, with its client_key

    phone.set_offline(False)
    expect(outbox).to_be_hidden(timeout=15000)
    expect(page.locator("#mine .annotation-text", has_text=words)).to_have_count(1)
    assert page.evaluate("JSON.parse(localStorage.getItem('lenswalk-outbox'))") == []
    with db.connect() as conn:
        stored_rows = conn.execute(
            text("SELECT count(*) FROM annotation WHERE text = :t"), {"t": words}
        ).scalar()
    assert stored_rows == 1


def test_a_board_whose_websocket_is_refused_stays_current_by_polling(
    server: LiveServer, new_context: Any
) -> None:
    facilitator = signed_in(server)
    event = create_event(facilitator, title="Lens walk behind a strict proxy")
    alice: httpx.Client = join(server, event)
    laptop = new_context(**LAPTOP)
    laptop.add_cookies(
        [{"name": n, "value": v, "url": server.base_url} for n, v in facilitator.cookies.items()]
    )
    board = laptop.new_page()
    # A venue proxy that refuses websockets: every attempt is closed at once.
    board.route_web_socket("**/live*", lambda ws: ws.close())
    board.goto(f"{server.base_url}/events/{event['id']}/board")
    expect(board.locator(".live-status").first).to_have_attribute("data-state", "polling", timeout=15000)
    annotate_api(alice, event, text="Reached the board without a websocket")
    expect(board.locator("#latest")).to_contain_text("Reached the board without a websocket", timeout=15000)
