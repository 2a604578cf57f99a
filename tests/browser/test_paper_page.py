"""Add from paper in a real browser, by keyboard and by tap: the note shows on the board live, and
the page and the event page's Print section have no serious axe finding, light or dark."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, serious_violations, sign_in
from tests.conftest import LiveServer, create_event, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]
NOTE = "Nobody said how long the wait for the first appointment would be"


def axe_light_and_dark(page) -> list[str]:
    found = serious_violations(page)
    page.emulate_media(color_scheme="dark")
    found += serious_violations(page, ["color-contrast"])
    page.emulate_media(color_scheme="light")
    return found


def test_a_note_typed_in_from_paper_reaches_the_board(server: LiveServer, new_context) -> None:
    event = create_event(signed_in(server), title="Lens walk on paper")
    laptop = new_context(**LAPTOP, color_scheme="light", bypass_csp=True)
    board = laptop.new_page()
    sign_in(board, server)
    board.goto(f"{server.base_url}/events/{event['id']}/board")

    page = laptop.new_page()
    page.goto(f"{server.base_url}/events/{event['id']}")
    print_section = page.get_by_role("region", name="Print")
    expect(print_section.get_by_role("link", name="Join poster (PDF)")).to_be_visible()
    expect(print_section.get_by_role("link", name="Paper kit for each team (PDF)")).to_be_visible()
    assert axe_light_and_dark(page) == []
    print_section.get_by_role("link", name="Add from paper").click()

    expect(page.get_by_role("heading", name="Add from paper")).to_be_visible()
    page.get_by_label("Team").select_option(label=event["teams"][1]["name"])
    page.get_by_label("Touchpoint").select_option(index=4)
    page.get_by_label("Barrier").check()
    page.get_by_label("Trust").check()
    page.get_by_label("What they wrote").fill(NOTE)
    page.get_by_role("button", name="Add to the room").click()
    expect(page.locator("#added")).to_contain_text("Saved")
    # Ready for the next note from the same sheet: same team and touchpoint, the cursor in the text.
    expect(page.get_by_label("Team")).to_have_value(str(event["teams"][1]["id"]))
    expect(page.get_by_label("Touchpoint")).to_have_value(str(event["stages"][1]["touchpoints"][1]["id"]))
    expect(page.get_by_label("What they wrote")).to_be_focused()
    expect(page.get_by_role("region", name="Added from paper")).to_contain_text(NOTE)
    assert axe_light_and_dark(page) == []
    expect(board.get_by_text(NOTE).first).to_be_visible(timeout=5000)

    phone = new_context(**PHONE, color_scheme="light", bypass_csp=True).new_page()
    sign_in(phone, server)
    phone.goto(f"{server.base_url}/events/{event['id']}/paper")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_light_and_dark(phone) == []
    # No principle ticked: the form comes back as typed, with the reason, and nothing is added.
    phone.get_by_label("Idea").check()
    phone.get_by_label("What they wrote").fill("A quiet room to wait in")
    phone.get_by_role("button", name="Add to the room").click()
    expect(phone.get_by_role("alert")).to_contain_text("Principles")
    expect(phone.get_by_label("What they wrote")).to_have_value("A quiet room to wait in")
    expect(phone.get_by_label("Idea")).to_be_checked()
    expect(phone.get_by_role("region", name="Added from paper").get_by_role("article")).to_have_count(1)
    assert axe_light_and_dark(phone) == []
