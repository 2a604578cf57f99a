"""Teams on the event page, in a real browser: the facilitator renames, re-pairs and reorders teams
with the keyboard; a phone already in the room sees its team's new name live (no reload), and a new
phone joins the renamed team by that name and reads its vignette behind the content note."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, LIVE_MS, PHONE, join_with_code, serious_violations, sign_in
from tests.conftest import LiveServer, create_event, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

SHOTS = Path(os.environ.get("LENSWALK_SHOTS_DIR", "/tmp/teams-shots"))


def _shot(page: Page, name: str, only: str | None = None, *, full: bool = True) -> None:
    """For looking at the pages by hand (LENSWALK_LOOK=1); an ordinary run writes nothing."""
    if os.environ.get("LENSWALK_LOOK") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = str(SHOTS / f"{name}.png")
        if only:
            page.locator(only).screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=full)


def test_rename_on_the_event_page_reaches_the_phone(server: LiveServer, new_context) -> None:
    api = signed_in(server)
    event = create_event(api, title="Maternity lens walk")
    first = new_context(**PHONE).new_page()
    join_with_code(first, server, event["join_code"], "Team 2")
    expect(first.get_by_role("heading", name="Team 2", exact=True)).to_be_visible()
    # Someone is reading a story: it stays open through changes to other teams.
    first.locator("#vignette-bruno summary").click()
    expect(first.locator("#vignette-bruno .vignette-story")).to_be_visible()

    laptop = new_context(**LAPTOP, bypass_csp=True).new_page()
    sign_in(laptop, server)
    laptop.goto(f"{server.base_url}/events/{event['id']}#teams")
    teams = laptop.locator("#teams")
    expect(teams.get_by_role("heading", name="Teams")).to_be_visible()
    assert serious_violations(laptop) == []
    _shot(laptop, "teams-section-1280", "#teams")

    # Rename Team 3 (the phone is not in it): the open story on the phone stays open.
    card = teams.locator("li.card").nth(2)
    card.get_by_label("Team name").fill("Birth centre")
    card.get_by_role("button", name="Save Team 3").click()
    expect(laptop.get_by_label("Team name").nth(2)).to_have_value("Birth centre")
    expect(first.locator("#vignette-bruno .vignette-story")).to_be_visible()

    # Rename Team 2 and pair it with Gill only, by keyboard: the phone's heading follows live.
    name = laptop.locator("#teams li.card").nth(1).get_by_label("Team name")
    name.fill("Maternity triage")
    card = laptop.locator("#teams li.card").nth(1)
    card.get_by_role("checkbox", name=re.compile(r"^Bruno")).uncheck()
    card.get_by_role("button", name="Save Team 2").focus()
    laptop.keyboard.press("Enter")
    expect(laptop.get_by_label("Team name").nth(1)).to_have_value("Maternity triage")
    expect(first.get_by_role("heading", name="Maternity triage", exact=True)).to_be_visible(timeout=LIVE_MS)
    expect(first.locator("#vignette-bruno")).to_have_count(0)
    expect(first.locator("#vignette-gill")).to_be_visible()

    # Move it up to first place with the keyboard.
    up = laptop.locator("#teams li.card").nth(1).get_by_role("button", name="Move up Maternity triage")
    up.focus()
    laptop.keyboard.press("Enter")
    expect(laptop.get_by_label("Team name").first).to_have_value("Maternity triage")
    _shot(laptop, "teams-section-after-1280", "#teams")
    laptop.set_viewport_size({"width": 360, "height": 640})
    laptop.goto(f"{server.base_url}/events/{event['id']}#teams")
    _shot(laptop, "teams-section-360", "#teams")
    _shot(laptop, "teams-360x640", full=False)
    laptop.set_viewport_size({"width": 1280, "height": 720})
    laptop.goto(f"{server.base_url}/events/{event['id']}#teams")
    _shot(laptop, "teams-1280x720", full=False)

    # A new phone sees the names exactly as written and joins the renamed team.
    second = new_context(**PHONE).new_page()
    second.goto(f"{server.base_url}/join?code={event['join_code']}")
    buttons = second.locator("form button[name=team_id]")
    expect(buttons).to_have_text(["Join Maternity triage", "Join Team 1", "Join Birth centre"])
    _shot(second, "phone-join-360")
    join_with_code(second, server, event["join_code"], "Maternity triage")
    expect(second.get_by_role("heading", name="Maternity triage", exact=True)).to_be_visible()
    gill = second.locator("#vignette-gill")
    expect(gill.locator(".content-note")).to_be_visible()
    expect(gill.locator(".vignette-story")).to_be_hidden()
    gill.get_by_text("Show me anyway").click()
    expect(gill.locator(".vignette-story")).to_be_visible()
    _shot(second, "phone-team-360")
    second.locator("#my-team h2").scroll_into_view_if_needed()
    _shot(second, "phone-team-360x640", full=False)
    desk = new_context(viewport={"width": 1280, "height": 720}).new_page()
    join_with_code(desk, server, event["join_code"], "Maternity triage")
    desk.locator("#my-team h2").scroll_into_view_if_needed()
    _shot(desk, "phone-team-1280x720", full=False)
