"""The outcomes picture on the action plan page, as a facilitator's laptop and a phone show it: a
labelled image with every action in words, scrolled sideways inside its own region on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot, serious_violations, sign_in
from tests.conftest import LiveServer, signed_in
from tests.support import walk_with_a_plan

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]


def test_the_plan_page_shows_the_outcomes_picture(server: LiveServer, new_context) -> None:
    event = walk_with_a_plan(server, signed_in(server), title="Lens walk with a plan").event
    for name, size in (("1280x720", {"viewport": {"width": 1280, "height": 720}}), ("360x640", PHONE)):
        page = new_context(**size, color_scheme="light", bypass_csp=True).new_page()
        sign_in(page, server)
        page.goto(f"{server.base_url}/events/{event['id']}/actions")
        expect(page.get_by_role("heading", name="Outcomes over time")).to_be_visible()
        picture = page.get_by_role("img", name="Outcomes over time: Lens walk with a plan")
        expect(picture).to_be_visible()
        for words in ("Quick win", "1-2 years", "Status: Not started", "Policies and processes"):
            expect(picture.locator("text", has_text=words).first).to_be_visible()
        region = page.get_by_role("region", name="Outcomes over time")
        region.scroll_into_view_if_needed()
        # The picture keeps a readable size and scrolls in its region; the page itself does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert serious_violations(page) == []
        screenshot(page, f"plan-outcomes-{name}")
        page.screenshot(path=f"/tmp/outcomes_shots/plan-{name}.png", animations="disabled")
