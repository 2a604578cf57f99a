""" "You said, we did" as a participant meets it: the link on the phone's closing screen opens the
public page in a fresh browser (no account, no cookie), which shows a status change after a
review marks the action done, and names nobody; axe finds nothing serious."""

import datetime as dt
import re

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE, screenshot, serious_violations
from tests.conftest import LiveServer, signed_in
from tests.support import PLAN_ACTIONS, PLAN_HIDDEN, PLAN_TEAMS, post_form, walk_with_a_plan

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

LAPTOP_720 = {"viewport": {"width": 1280, "height": 720}}


def as_client(context: BrowserContext, person: httpx.Client, server: LiveServer) -> Page:
    """A page in `context` carrying the cookies `person` has (their session, or their participant token)."""
    context.add_cookies([{"name": k, "value": v, "url": server.base_url} for k, v in person.cookies.items()])
    return context.new_page()


def test_progress_page_from_the_closing_screen(server: LiveServer, new_context) -> None:
    walk = walk_with_a_plan(server, signed_in(server), title="Lens walk at the Harbour")
    eid = walk.event["id"]
    schedule = {"interval_weeks": 6, "first_review": "2027-01-15"}
    assert walk.facilitator.put(f"/api/v1/events/{eid}/review-schedule", json=schedule).status_code == 200
    form = f"/events/{eid}/progress"
    chosen = post_form(
        walk.facilitator,
        form,
        {
            "improvement_ids": [str(i) for i in walk.improvements],
            "action_ids": [str(a) for a in walk.actions],
        },
        token_from=form,
    )
    assert chosen.status_code == 303, chosen.text
    assert (
        post_form(walk.facilitator, f"{form}/published", {"published": "yes"}, token_from=form).status_code
        == 303
    )

    # The participant's phone: their own cookie, as after joining.
    closing = as_client(new_context(**PHONE, color_scheme="light", bypass_csp=True), walk.participant, server)
    closing.goto(f"{server.base_url}/events/{eid}/closing")
    expect(closing.get_by_role("heading", name="You said, we did")).to_be_visible()
    expect(closing.get_by_role("img", name="QR code: what is being done")).to_be_visible()
    assert serious_violations(closing) == []
    screenshot(closing, "progress-closing-phone")
    closing.screenshot(path="/tmp/outcomes_shots/closing-360x640.png", full_page=True)
    href = closing.locator("section[aria-labelledby=progress-h] p a").first.get_attribute("href")
    assert href and re.search(r"/p/[a-z0-9]+$", href)

    for name, size in (("360x640", PHONE), ("1280x720", LAPTOP_720)):
        fresh = new_context(**size, color_scheme="light", bypass_csp=True)
        page = fresh.new_page()
        page.goto(href)
        expect(page.get_by_role("heading", name="You said, we did")).to_be_visible()
        expect(page.get_by_text("Agree one shared assessment form")).to_be_visible()
        body = page.locator("body").inner_text()
        assert "Not started" in body and "15 January 2027" in body
        assert PLAN_HIDDEN not in body and not any(team in body for team in PLAN_TEAMS)
        assert not any(owner in body for _what, owner, _n in PLAN_ACTIONS)
        assert not re.search(r"\b\d{1,2}:\d{2}\b", page.content())
        assert fresh.cookies() == []
        assert serious_violations(page) == []
        page.emulate_media(color_scheme="dark")
        assert serious_violations(page, ["color-contrast"]) == []
        page.emulate_media(color_scheme="light")
        page.screenshot(path=f"/tmp/outcomes_shots/public-{name}.png", full_page=True)
        screenshot(page, f"progress-public-{name}")

    # The implementation group's review marks the action done; the public page follows.
    action = walk.actions[0]
    saved = post_form(
        walk.facilitator,
        f"/events/{eid}/reviews",
        {
            "held_on": dt.date.today().isoformat(),
            "role": "Service manager",
            "count": "1",
            "action_id": str(action),
            "status": "done",
            "note": "One form agreed",
            "evidence_url": "",
        },
        token_from=f"/events/{eid}/reviews/new",
    )
    assert saved.status_code == 303, saved.text
    page.reload()
    item = page.get_by_role("listitem").filter(has_text="Agree one shared assessment form")
    expect(item.get_by_text("Done", exact=True)).to_be_visible()
    assert serious_violations(page) == []

    poster = new_context(**LAPTOP_720, color_scheme="light", bypass_csp=True).new_page()
    poster.goto(f"{href}/poster")
    expect(poster.get_by_role("img", name="QR code: this progress page")).to_be_visible()
    assert serious_violations(poster) == []
    poster.screenshot(path="/tmp/outcomes_shots/poster-1280x720.png", full_page=True)

    # The facilitator's own view: choose, preview, publish.
    choose = as_client(
        new_context(**LAPTOP_720, color_scheme="light", bypass_csp=True), walk.facilitator, server
    )
    choose.goto(f"{server.base_url}{form}")
    expect(choose.get_by_role("region", name="Preview of the public page")).to_be_visible()
    assert serious_violations(choose) == []
    choose.screenshot(path="/tmp/outcomes_shots/choose-1280x720.png", full_page=True)
