"""Grouping contributions and voting with the keyboard alone, on a laptop and a phone, while the
projector follows along without a reload."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, LIVE_MS, PHONE, PROJECTOR, join_with_code, sign_in, wait_live
from tests.browser.test_keyboard_and_zoom import focused_text, tab_to
from tests.conftest import LiveServer, annotate, create_event, join, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

WAIT = "Nobody tells you how long the wait will be."
LETTER = "The letter does not say when you will be seen."
ROOM = "The waiting area is loud and crowded."


def test_group_and_vote_with_the_keyboard_alone_while_the_board_follows(
    server: LiveServer, new_context
) -> None:
    api = signed_in(server)
    event = create_event(api, title="Lens walk, prioritising by keyboard")
    writer = join(server, event)
    for text in (WAIT, LETTER, ROOM):
        assert annotate(writer, event, text=text).status_code == 201
    ids = {a["text"]: a["id"] for a in writer.get(f"/api/v1/events/{event['id']}/annotations").json()}

    laptop = new_context(**LAPTOP).new_page()
    sign_in(laptop, server)
    board = laptop.context.new_page()
    board.set_viewport_size(PROJECTOR["viewport"])
    board.goto(f"{server.base_url}/events/{event['id']}/board")
    wait_live(board)
    assert api.post(f"/api/v1/events/{event['id']}/board", json={"view": "priorities"}).status_code == 200
    expect(board.locator("#board-main")).to_contain_text("No improvements yet", timeout=LIVE_MS)

    # The facilitator ticks two contributions, names the group and picks a driver: keys only.
    laptop.goto(f"{server.base_url}/events/{event['id']}/improvements")
    for text in (WAIT, LETTER):
        tab_to(laptop, f"#pick-{ids[text]}")
        laptop.keyboard.press("Space")
    expect(laptop.locator(f"#pick-{ids[WAIT]}")).to_be_checked()
    expect(laptop.locator(f"#pick-{ids[LETTER]}")).to_be_checked()
    expect(laptop.locator(f"#pick-{ids[ROOM]}")).not_to_be_checked()
    tab_to(laptop, "#new-title")
    laptop.keyboard.type("Say how long the wait will be")
    tab_to(laptop, "#new-driver")
    laptop.keyboard.type("Policies")  # typing a label's start chooses it in a closed select
    expect(laptop.locator("#new-driver")).to_have_value("policies_and_processes")
    tab_to(laptop, "#group-form button[type=submit]:not([formaction])")
    assert focused_text(laptop) == "Group as a new improvement"
    laptop.keyboard.press("Enter")
    card = laptop.locator(".improvement-list > li", has_text="Say how long the wait will be")
    expect(card).to_contain_text(WAIT)
    expect(card).to_contain_text(LETTER)
    expect(card).to_contain_text("Policies and processes")
    expect(laptop.locator("p.notice.success")).to_have_text("Grouped into a new improvement.")
    # The board shows it at once, without numbers: the tally is hidden.
    expect(board.locator("#board-main")).to_contain_text("Say how long the wait will be", timeout=LIVE_MS)
    expect(board.locator("#board-main svg")).to_have_count(0)

    # Open voting and reveal the tally, by keyboard.
    tab_to(laptop, "#voting button[name=status][value=open]")
    laptop.keyboard.press("Enter")
    expect(laptop.locator("#voting")).to_contain_text("Voting is open")
    tab_to(laptop, "#voting button[name=revealed]")
    assert focused_text(laptop) == "Reveal the tally"
    laptop.keyboard.press("Enter")
    expect(laptop.locator("#voting")).to_contain_text("shown to everyone")
    expect(board.locator("#board-main svg")).to_be_visible(timeout=LIVE_MS)
    expect(board.locator("#votes-chart-desc")).to_have_text("1. Say how long the wait will be: 0 dots. ")

    # A phone: from the journey page's "Now" to the priorities, then dots with Enter on "Add a dot".
    phone = new_context(**PHONE).new_page()
    join_with_code(phone, server, event["join_code"], "Team 1")
    expect(phone.locator("#now")).to_contain_text("Voting is open.")
    tab_to(phone, "#now a[href$='/priorities']")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Priorities", exact=True)).to_be_visible()
    status = phone.locator("#vote-status")
    expect(status).to_contain_text("You have 3 dots left")
    add = phone.get_by_role("button", name="Add a dot to Say how long the wait will be")
    tab_to(phone, f"#{add.get_attribute('id')}")
    phone.keyboard.press("Enter")
    expect(status).to_contain_text("You have 2 dots left")
    expect(add).to_be_focused()  # the + stays where it was: press again
    phone.keyboard.press("Enter")
    expect(status).to_contain_text("You have 1 dot left")
    expect(phone.locator(".my-dots")).to_contain_text("Your dots: 2")
    expect(board.locator("#votes-chart-desc")).to_have_text(
        "1. Say how long the wait will be: 2 dots. ", timeout=LIVE_MS
    )
    # Two is the most on one: the + is disabled (it keeps focus) and its card says why.
    card = phone.locator(f"#priority-{add.get_attribute('id').removeprefix('more-')}")
    expect(add).to_be_disabled()
    expect(card.locator(".vote-note")).to_contain_text("the most allowed on one improvement")
    # A third dot pressed anyway is refused in words on that card, and nothing is lost. (The room's own
    # update of the cards can land just before the press; pressing on the + itself keeps this about
    # the refusal, not about that race.)
    add.press("Enter")
    expect(card.locator(".vote-note")).to_contain_text("at most 2 dots on one improvement")
    expect(card.locator(".vote-note")).to_contain_text("You have 1 dot left")
    expect(status).to_contain_text("You have 1 dot left")
    expect(add).to_be_focused()
    # Evidence is behind a details element, opened with Enter.
    tab_to(phone, "#vote-status ~ ol details.evidence > summary")
    phone.keyboard.press("Enter")
    expect(phone.locator("details.evidence").first).to_contain_text(WAIT)
