"""Issue 15 item 5 in a real browser: a facilitator on the Prioritise page sees a phone's break request
within seconds, the page title counts the open requests, and "Handled" on another facilitator page
clears it there and everywhere; the banner passes axe-core in light and dark."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, LIVE_MS, PHONE, join_with_code, sign_in
from tests.browser.test_accessibility import Axe
from tests.conftest import LiveServer, create_event, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

SHOTS = Path(os.environ.get("LENSWALK_ALERT_SHOTS", ""))  # set to look at the pages (not committed)


def alerts_connected(page: Page) -> None:
    expect(page.locator("[data-alerts]")).to_have_attribute("data-state", "connected")


def shot(page: Page, name: str) -> None:
    if str(SHOTS) not in ("", "."):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_a_break_request_reaches_the_prioritise_page_and_handled_clears_it_everywhere(
    server: LiveServer, new_context, phone
) -> None:
    event = create_event(signed_in(server))
    laptop_context = new_context(**LAPTOP, bypass_csp=True)  # axe-core is injected inline
    prioritise = laptop_context.new_page()
    sign_in(prioritise, server)
    prioritise.goto(f"{server.base_url}/events/{event['id']}/improvements")
    alerts_connected(prioritise)
    prioritise.evaluate("window.__lenswalkNoReload = true")
    base_title = prioritise.title()
    assert not base_title.startswith("(")

    plan = laptop_context.new_page()  # a second facilitator page: the action plan
    plan.goto(f"{server.base_url}/events/{event['id']}/actions")
    alerts_connected(plan)

    person = phone()
    join_with_code(person, server, event["join_code"], "Team 2")
    person.goto(f"{server.base_url}/events/{event['id']}/support")
    person.get_by_label("Where are you? (optional)").fill("by the back window")
    person.get_by_role("button", name="I need a break").click()

    status = prioritise.get_by_role("status", name="Calls for help")
    expect(status).to_contain_text("Team 2", timeout=LIVE_MS)
    expect(status).to_contain_text("asked for a break")
    expect(status).to_contain_text("by the back window")
    expect(prioritise).to_have_title(f"(1) {base_title}", timeout=LIVE_MS)
    assert prioritise.evaluate("window.__lenswalkNoReload === true"), "the page was reloaded"
    assert prioritise.locator("dialog[open], [role=alertdialog]").count() == 0  # calm: no pop-up
    expect(plan.get_by_role("status", name="Calls for help")).to_contain_text("by the back window")
    expect(plan).to_have_title(re.compile(r"^\(1\) "))

    for width, height in ((360, 640), (1280, 720)):
        prioritise.set_viewport_size({"width": width, "height": height})
        shot(prioritise, f"prioritise-alert-{width}")
    axe = Axe()
    axe.check(prioritise, "prioritise with a call for help")
    other = laptop_context.new_page()
    for path, name in (("", "event page"), ("/close", "confirm closing")):
        other.goto(f"{server.base_url}/events/{event['id']}{path}")
        expect(other.get_by_role("status", name="Calls for help")).to_contain_text("by the back window")
        axe.check(other, f"{name} with a call for help")
    other.close()

    # Handled on the action plan: gone from both pages, live, and the titles lose the count.
    plan.get_by_role("button", name=re.compile(r"^Handled")).click()
    expect(plan.get_by_role("status", name="Calls for help")).not_to_contain_text("by the back window")
    expect(status).not_to_contain_text("by the back window", timeout=LIVE_MS)
    expect(prioritise).to_have_title(base_title, timeout=LIVE_MS)
    expect(plan).not_to_have_title(re.compile(r"^\("))
    assert prioritise.evaluate("window.__lenswalkNoReload === true"), "the page was reloaded"
    axe.assert_clean()


def test_the_console_keeps_its_own_list_and_its_live_status_beside_the_banner(
    server: LiveServer, new_context, phone
) -> None:
    event = create_event(signed_in(server))
    console = new_context(**LAPTOP).new_page()
    sign_in(console, server)
    console.goto(f"{server.base_url}/events/{event['id']}/console")
    alerts_connected(console)
    expect(console.locator(".live-status")).to_have_text("Live")
    person = new_context(**PHONE).new_page()
    join_with_code(person, server, event["join_code"], "Team 1")
    person.goto(f"{server.base_url}/events/{event['id']}/support")
    person.get_by_role("button", name="I'd like someone to check in with me").click()
    expect(console.get_by_role("status", name="Calls for help")).to_contain_text(
        "would like a check-in", timeout=LIVE_MS
    )
    expect(console.locator("#support-requests")).to_contain_text("check in with me", timeout=LIVE_MS)
    shot(console, "console-alert-1280")
    console.get_by_role("button", name=re.compile(r"^Handled")).click()
    expect(console.locator("#support-requests")).not_to_contain_text("check in with me", timeout=LIVE_MS)
    expect(console.locator("#facilitator-alerts")).to_have_attribute("data-count", "0", timeout=LIVE_MS)
    expect(console.locator(".live-status")).to_have_text("Live")
