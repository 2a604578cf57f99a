"""The event page says when the event is deleted, warns 14 days before with the archive to take,
and lets a facilitator choose the date, on a phone and a laptop, light and dark."""

import datetime as dt
import os
from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LAPTOP, PHONE, serious_violations, sign_in
from tests.conftest import LiveServer, create_event

SHOTS = os.environ.get("LENSWALK_SHOTS_DIR", "")


def test_the_deletion_date_is_shown_warned_about_and_chosen(
    server: LiveServer, facilitator: httpx.Client, new_context: Callable[..., BrowserContext]
) -> None:
    event = create_event(facilitator)
    facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    soon = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=12)
    for device, scheme in [(PHONE, "light"), (LAPTOP, "dark")]:
        # bypass_csp: axe is injected as an inline script, which the strict CSP refuses.
        page = new_context(**device, color_scheme=scheme, bypass_csp=True).new_page()
        sign_in(page, server)
        page.goto(f"{server.base_url}/events/{event['id']}#deletion")
        field = page.get_by_label("Delete the event and everything in it on")
        field.fill(soon.isoformat())
        page.get_by_role("button", name="Save the date").click()
        warning = page.get_by_role("note")
        expect(warning).to_contain_text(f"will be deleted on {soon}")
        expect(warning.get_by_role("link", name="archive (JSON)")).to_be_visible()
        assert serious_violations(page) == []
        if SHOTS:
            page.locator("#deletion").screenshot(
                path=f"{SHOTS}/deletion-{scheme}-{device['viewport']['width']}.png"
            )
            page.screenshot(
                path=f"{SHOTS}/manage-{scheme}-{device['viewport']['width']}.png", full_page=False
            )
