"""A live update never throws away what a facilitator was doing: the console's controls are re-sent
whenever the room changes, and a choice made but not yet sent, and the focus, survive it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, LIVE_MS, sign_in, wait_live
from tests.conftest import LiveServer, create_event, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_a_choice_in_progress_and_the_focus_survive_a_live_update(server: LiveServer, new_context) -> None:
    api = signed_in(server)
    event = create_event(api, title="Lens walk, a choice kept")
    console = new_context(**LAPTOP).new_page()
    sign_in(console, server)
    console.goto(f"{server.base_url}/events/{event['id']}/console")
    wait_live(console)

    pick = console.get_by_label("The room looks at")
    pick.select_option(label="Waiting area")
    pick.focus()
    chosen = pick.input_value()
    assert chosen.startswith("touchpoint:")
    old = pick.element_handle()

    # A co-facilitator starts the timer: the room re-sends the console's controls.
    started = api.post(f"/api/v1/events/{event['id']}/timer", json={"action": "start", "seconds": 600})
    assert started.status_code == 200, started.text
    expect(console.locator(".timer-clock[data-running=true]").first).to_be_attached(timeout=LIVE_MS)
    assert console.evaluate("el => !el.isConnected", old)  # the control itself was replaced

    expect(pick).to_have_value(chosen)
    expect(pick).to_be_focused()
    # And through the next update too.
    paused = api.post(f"/api/v1/events/{event['id']}/timer", json={"action": "pause"})
    assert paused.status_code == 200, paused.text
    expect(console.locator(".timer-clock[data-running=false]").first).to_be_attached(timeout=LIVE_MS)
    expect(pick).to_have_value(chosen)
    console.get_by_role("button", name="Spotlight", exact=True).click()
    expect(console.locator("#now, #spotlight").first).to_contain_text("Waiting area", timeout=LIVE_MS)
    expect(pick).to_have_value(re.compile(r"^touchpoint:"))

    # What the room itself changes still wins: clearing the spotlight elsewhere clears it here.
    cleared = api.post(f"/api/v1/events/{event['id']}/spotlight", json={})
    assert cleared.status_code == 200, cleared.text
    expect(pick).not_to_have_value(chosen, timeout=LIVE_MS)
