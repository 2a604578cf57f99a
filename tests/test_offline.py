"""When the connection goes: the polling fallback for pages whose websocket never opens, and
(in a real Chromium, when one is installed) the participant page's outbox for unsent words."""

import os
import shutil
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import LiveServer, annotate, create_event, join

CHROMIUM = os.environ.get("LENSWALK_CHROMIUM", "/usr/bin/chromium")


def test_poll_returns_the_live_regions_only_when_something_changed(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    url = f"/events/{event['id']}/live/poll"
    first = alice.get(url, params={"view": "participant", "seq": -1})
    assert first.status_code == 200 and 'id="event-status"' in first.text
    seq = int(first.headers["x-lenswalk-seq"])
    assert first.headers["cache-control"] == "no-store"
    unchanged = alice.get(url, params={"view": "participant", "seq": seq})
    assert unchanged.status_code == 204 and unchanged.text == ""

    annotate(alice, event, text="Seen by polling")
    changed = alice.get(url, params={"view": "participant", "seq": seq})
    assert changed.status_code == 200 and "Seen by polling" in changed.text
    assert int(changed.headers["x-lenswalk-seq"]) == seq + 1
    board = facilitator.get(url, params={"view": "board", "seq": seq})
    assert board.status_code == 200 and "Seen by polling" in board.text
    # Hidden words never reach participants by this path either.
    note = annotate(alice, event, text="Hidden from the room").json()
    facilitator.post(f"/api/v1/annotations/{note['id']}/hide")
    assert "Hidden from the room" not in alice.get(url, params={"view": "participant"}).text
    assert "Hidden from the room" in facilitator.get(url, params={"view": "console"}).text


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="no Chromium installed")
def test_an_annotation_written_offline_waits_and_is_sent_once_when_back(
    server: LiveServer, facilitator: httpx.Client, db: Any
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    event = create_event(facilitator)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{server.base_url}/join?code={event['join_code']}")
            page.locator("input[name=team_id]").first.check()
            page.get_by_role("button", name="Join").click()
            page.wait_for_url("**/journey")
            page.wait_for_selector(".live-status[data-state=connected]")

            context.set_offline(True)
            form = page.locator("form.annotation-form").first
            page.locator("details.add-annotation > summary").first.click()
            form.locator("input[name=kind][value=barrier]").check()
            form.locator("input[name=principles][value=trust]").check()
            form.locator("textarea[name=text]").fill("Written on the bus with no signal")
            form.get_by_role("button", name="Add").click()
            form.get_by_role("button", name="Add").click()  # an impatient second tap
            page.wait_for_selector("#outbox:not([hidden])")
            assert "Written on the bus" in page.locator("#outbox").inner_text()
            assert "Waiting to send" in page.locator("#outbox").inner_text()
            stored = page.evaluate("JSON.parse(localStorage.getItem('lenswalk-outbox'))")
            assert len(stored) == 1 and stored[0]["text"] == "Written on the bus with no signal"

            context.set_offline(False)
            page.wait_for_selector("#outbox[hidden]", state="attached", timeout=15000)
            page.locator("#mine .annotation-text", has_text="Written on the bus with no signal").wait_for(
                timeout=15000
            )
            assert page.evaluate("JSON.parse(localStorage.getItem('lenswalk-outbox'))") == []
        finally:
            browser.close()
    with db.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM annotation WHERE text = 'Written on the bus with no signal'")
        ).scalar()
    assert count == 1


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="no Chromium installed")
def test_a_page_whose_websocket_is_blocked_stays_current_by_polling(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    event = create_event(facilitator)
    alice = join(server, event)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context()
            context.add_cookies(
                [{"name": k, "value": v, "url": server.base_url} for k, v in facilitator.cookies.items()]
            )
            page = context.new_page()
            # A venue proxy that refuses websockets: every attempt is closed at once.
            page.route_web_socket("**/live*", lambda ws: ws.close())
            page.goto(f"{server.base_url}/events/{event['id']}/board")
            page.wait_for_selector(".live-status[data-state=polling]", timeout=15000)
            annotate(alice, event, text="Reached the board without a websocket")
            page.locator(
                "#latest .annotation-text", has_text="Reached the board without a websocket"
            ).wait_for(timeout=15000)
        finally:
            browser.close()
