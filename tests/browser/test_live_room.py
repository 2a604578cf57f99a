"""The room as people use it: a facilitator's laptop and the projector, three phones, live updates
without a reload, taking back a contribution, and hiding one."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LAPTOP,
    LIVE_MS,
    PROJECTOR,
    annotate,
    choose_team_and_join,
    join_with_code,
    screenshot,
    sign_in,
    wait_live,
)
from tests.conftest import LiveServer

# A browser and several pages per test: more than the suite's 60 s on a busy machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

WORDS = {
    "a": "Reception asked why I was here in front of everyone in the queue.",
    "b": "The GP mailbox means my questions get a straight answer within a day.",
    "c": "A text the day before saying who I will meet and where.",
}


def mark_page(page: Page) -> None:
    """A flag that a reload would wipe: proves later updates arrived over the websocket."""
    page.evaluate("window.__lenswalkNoReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__lenswalkNoReload === true"), "the page was reloaded"


def test_a_facilitator_and_three_phones_run_the_room_live(server: LiveServer, new_context, phone) -> None:
    laptop = new_context(**PROJECTOR).new_page()
    sign_in(laptop, server)

    # Create the event in the UI, open it, open the board from the event page.
    laptop.get_by_role("link", name="Create an event").click()
    laptop.get_by_label("Title").fill("Lens walk at the Island Recovery Service")
    laptop.get_by_role("button", name="Create event").click()
    expect(laptop.get_by_role("heading", name="Lens walk at the Island Recovery Service")).to_be_visible()
    laptop.get_by_role("button", name="Open the event for joining").click()
    code = laptop.locator("p", has_text="Join code:").locator("strong").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    join_link = laptop.locator("p", has_text="join link:").locator("code").inner_text()  # what the QR holds
    with laptop.context.expect_page() as popup:
        laptop.get_by_role("link", name="Open the board").click()
    board = popup.value
    expect(board.locator(".join-code")).to_have_text(code)
    assert board.viewport_size == {"width": 1920, "height": 1080}
    wait_live(board)
    mark_page(board)

    # Three phones: one scans the QR code (the join link), two type the code.
    first = phone()
    first.goto(join_link)
    expect(first.get_by_text("Lens walk at the Island Recovery Service")).to_be_visible()
    screenshot(first, "phone-join")
    choose_team_and_join(first, "Team 1")
    second, third = phone(), phone()
    join_with_code(second, server, code.lower(), "Team 2")
    join_with_code(third, server, code, "Team 3")
    for p in (first, second, third):
        mark_page(p)

    annotate(
        first,
        stage="Arriving",
        touchpoint="Reception greeting",
        kind="Barrier",
        principles=["Safety", "Trust"],
        text=WORDS["a"],
    )
    expect(board.locator("#latest")).to_contain_text(WORDS["a"], timeout=LIVE_MS)
    # Said where it was added, not at the top of the page.
    expect(
        first.locator("section.touchpoint", has_text="Reception greeting").locator(".saved-note")
    ).to_contain_text("Added to Reception greeting")
    annotate(
        second,
        stage="Finding out",
        touchpoint="What my GP knows about the service",
        kind="Strength",
        principles=["Collaboration"],
        text=WORDS["b"],
    )
    expect(board.locator("#latest")).to_contain_text(WORDS["b"], timeout=LIVE_MS)
    form = annotate(
        third,
        stage="Arriving",
        touchpoint="Reception greeting",
        kind="Idea",
        principles=["Trust", "Choice"],
        text=WORDS["c"],
        send=False,
    )
    form.locator("xpath=../summary").evaluate("e => e.scrollIntoView({block: 'start'})")
    screenshot(third, "phone-annotate")
    form.get_by_role("button", name="Idea", exact=True).click()
    expect(board.locator("#latest")).to_contain_text(WORDS["c"], timeout=LIVE_MS)
    # The tile on the journey map counts both contributions on Reception greeting.
    tile = board.locator(".touchpoint-tile", has_text="Reception greeting")
    expect(tile).to_contain_text("1 barrier")
    expect(tile).to_contain_text("1 idea")
    # A phone sees what others wrote on the touchpoint it is looking at, live.
    expect(first.locator("section.touchpoint", has_text="Reception greeting")).to_contain_text(WORDS["c"])
    screenshot(board, "board")

    # The second person takes theirs back: gone from the board, without a reload.
    mine = second.locator("#mine")
    mine.get_by_role("link", name="Withdraw").click()
    second.get_by_role("button", name="Yes, delete it for good").click()
    expect(second.locator("#withdrawn")).to_contain_text("Done")
    expect(second.locator("#mine")).to_contain_text("Nothing yet.")
    expect(board.locator("#latest")).not_to_contain_text(WORDS["b"], timeout=LIVE_MS)
    tile = board.locator(".touchpoint-tile", has_text="What my GP knows about the service")
    expect(tile.locator(".count--strength")).to_have_text("0 strengths")
    expect(tile.locator(".count--strength")).to_be_hidden()  # the board shows no zeros

    # The facilitator hides one from the console: gone from the board and from the other phones.
    console = new_context(**LAPTOP, storage_state=laptop.context.storage_state()).new_page()
    console.goto(f"{server.base_url}/events/{board.url.split('/')[-2]}/console")
    wait_live(console)
    screenshot(console, "console")
    console.locator("#moderation li", has_text=WORDS["a"]).get_by_role("button", name="Hide").click()
    expect(board.locator("#latest")).not_to_contain_text(WORDS["a"], timeout=LIVE_MS)
    expect(third.locator("section.touchpoint", has_text="Reception greeting")).not_to_contain_text(
        WORDS["a"], timeout=LIVE_MS
    )
    expect(console.locator("#moderation li", has_text=WORDS["a"])).to_contain_text("Hidden from the room")
    expect(board.locator("#latest")).to_contain_text(WORDS["c"])
    # (the second phone reloaded: withdrawing is an ordinary form post)
    for p in (board, first, third):
        assert_not_reloaded(p)
