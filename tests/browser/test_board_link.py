"""The board link on the venue PC: a fresh browser with no cookies opens the link the facilitator
made on the event page, sees new contributions live and never a hidden one, and is shut out within
seconds of the link being revoked."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, LIVE_MS, PHONE, PROJECTOR, serious_violations, sign_in, wait_live
from tests.conftest import LiveServer, annotate, create_event, join, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

HIDDEN = "The receptionist laughed at my referral letter."
LATER = "A text the day before saying who I will meet and where."
SHOTS = Path(os.environ.get("LENSWALK_SHOTS_DIR", "/tmp/boardlink-shots"))


def _axe_light_and_dark(page: Page) -> list[str]:
    found = serious_violations(page)
    page.emulate_media(color_scheme="dark")
    found += [f"(dark) {v}" for v in serious_violations(page, ["color-contrast"])]
    page.emulate_media(color_scheme="light")
    return found


def _shot(page: Page, name: str, only: str | None = None) -> None:
    """For looking at the pages by hand (LENSWALK_LOOK=1); an ordinary run writes nothing."""
    if os.environ.get("LENSWALK_LOOK") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = str(SHOTS / f"{name}.png")
        if only:
            page.locator(only).screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)


def test_the_venue_pc_opens_the_board_by_its_link_and_loses_it_on_revoke(
    server: LiveServer, new_context
) -> None:
    api = signed_in(server)
    event = create_event(api)
    alice = join(server, event)
    hidden = annotate(alice, event, text=HIDDEN)
    assert api.post(f"/api/v1/annotations/{hidden.json()['id']}/hide").status_code == 200

    # The facilitator makes the link on the event page and copies it.
    laptop = new_context(
        **LAPTOP, bypass_csp=True, permissions=["clipboard-read", "clipboard-write"]
    ).new_page()
    sign_in(laptop, server)
    laptop.goto(f"{server.base_url}/events/{event['id']}#board-link")
    section = laptop.locator("#board-link")
    expect(section.get_by_role("heading", name="Board link for the venue PC")).to_be_visible()
    _shot(laptop, "manage-section-1280", "#board-link")
    assert _axe_light_and_dark(laptop) == []
    section.get_by_role("button", name="Make a board link").click()
    field = laptop.get_by_label("Board link")
    url = field.input_value()
    assert url.startswith(f"{server.base_url}/board/")
    laptop.get_by_role("button", name="Copy the link").click()
    expect(laptop.locator("[data-copy-status]")).to_have_text("Copied.")
    assert laptop.evaluate("navigator.clipboard.readText()") == url
    assert _axe_light_and_dark(laptop) == []
    _shot(laptop, "link-page-1280")

    # The venue PC: a fresh browser, never signed in.
    venue_context = new_context(**PROJECTOR, bypass_csp=True)
    assert venue_context.cookies() == []
    venue = venue_context.new_page()
    venue.goto(url)
    expect(venue.locator(".join-code")).to_have_text(event["join_code"])
    wait_live(venue)
    assert HIDDEN not in venue.content()
    assert venue.locator("form").count() == 0
    assert _axe_light_and_dark(venue) == []

    assert annotate(alice, event, text=LATER, kind="idea").status_code == 201
    expect(venue.get_by_text(LATER).first).to_be_visible(timeout=LIVE_MS)
    assert HIDDEN not in venue.content()
    _shot(venue, "board-by-link-1920")

    # Revoked on the event page: the board goes within seconds, to a page that says why.
    laptop.goto(f"{server.base_url}/events/{event['id']}#board-link")
    laptop.get_by_role("button", name="Revoke the board link").click()
    expect(laptop.locator("#board-link").get_by_role("button", name="Make a board link")).to_be_visible()
    expect(venue.get_by_text("This board link does not work")).to_be_visible(timeout=10_000)
    assert LATER not in venue.content()
    assert _axe_light_and_dark(venue) == []
    _shot(venue, "revoked-1920")


def test_the_link_pages_on_a_phone(server: LiveServer, new_context) -> None:
    api = signed_in(server)
    event = create_event(api)
    page = new_context(**PHONE, bypass_csp=True).new_page()
    sign_in(page, server)
    page.goto(f"{server.base_url}/events/{event['id']}#board-link")
    _shot(page, "manage-section-360", "#board-link")
    page.locator("#board-link").get_by_role("button", name="Make a board link").click()
    field = page.get_by_label("Board link")
    expect(field).to_be_visible()
    box = field.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert _axe_light_and_dark(page) == []
    _shot(page, "link-page-360")
    venue = new_context(**PHONE).new_page()
    venue.goto(field.input_value())
    wait_live(venue)
    _shot(venue, "board-by-link-360")
