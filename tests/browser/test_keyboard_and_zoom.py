"""A participant with only a keyboard, and one at 200% zoom on a small phone, can do everything."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, annotate, join_with_code
from tests.conftest import LiveServer, create_event, signed_in

# A browser and several pages per test: more than the suite's 60 s on a busy machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches `selector`, as a keyboard user moves through a page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focused_text(page: Page) -> str:
    return page.evaluate("document.activeElement.innerText || document.activeElement.value || ''")


def test_the_whole_participant_flow_with_the_keyboard_alone(server: LiveServer, new_context) -> None:
    event = create_event(signed_in(server), title="Lens walk by keyboard")
    page = new_context(**PHONE).new_page()
    page.goto(f"{server.base_url}/")

    # Home: the join code field, type, Enter.
    tab_to(page, "#code")
    page.keyboard.type(event["join_code"])
    page.keyboard.press("Enter")
    expect(page.get_by_text("Which team are you in?")).to_be_visible()

    # Choose a team: each team is a button; Enter on it joins.
    tab_to(page, f"button[name=team_id][value='{event['teams'][1]['id']}']")
    assert focused_text(page).startswith("Join Team 2")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The journey")).to_be_visible()

    # Open the third stage (Enter on its summary), then "Add to Length of wait".
    stage = page.locator("details.stage").nth(2)
    tab_to(page, f"#{stage.get_attribute('id')} > summary")
    page.keyboard.press("Enter")
    expect(stage).to_have_attribute("open", "")
    touchpoint = stage.locator("section.touchpoint", has_text="Length of wait")
    tab_to(page, f"#{touchpoint.get_attribute('id')} details.add-annotation > summary")
    page.keyboard.press("Enter")
    form = touchpoint.locator("form")
    expect(form).to_be_visible()

    # Principles: Trust and Choice; the text; then "Barrier" sends it as a barrier.
    for principle in ("trust", "choice"):
        tab_to(page, f"input[name=principles][value={principle}]")
        page.keyboard.press("Space")
    expect(form.get_by_role("checkbox", name="Trust")).to_be_checked()
    expect(form.get_by_role("checkbox", name="Choice")).to_be_checked()
    tab_to(page, "textarea")
    page.keyboard.type("Three months with no word at all.")
    tab_to(page, "form.annotation-form button[value=barrier]")
    page.keyboard.press("Enter")
    mine = page.locator("#mine")
    expect(mine).to_contain_text("Three months with no word at all.")
    expect(touchpoint).to_contain_text("1 barrier")

    # Withdraw it from "My contributions": it asks once, and Enter confirms.
    tab_to(page, "#mine a[href$='/withdraw']")
    assert focused_text(page).startswith("Withdraw")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="This deletes your words for good")).to_be_visible()
    tab_to(page, "main button.danger")
    assert focused_text(page) == "Yes, delete it for good"
    page.keyboard.press("Enter")
    expect(page.locator("#withdrawn")).to_be_focused()
    expect(page.locator("#mine")).to_contain_text("Nothing yet.")
    expect(page.locator("#mine")).not_to_contain_text("Three months")


def test_the_annotate_form_fits_a_small_phone_at_200_percent_zoom(server: LiveServer, new_context) -> None:
    """360x640 CSS pixels at 200% zoom leaves 180x320: nothing may need sideways scrolling."""
    event = create_event(signed_in(server), title="Lens walk at 200%")
    page = new_context(
        viewport={"width": 180, "height": 320}, device_scale_factor=4, is_mobile=True
    ).new_page()
    join_with_code(page, server, event["join_code"], "Team 1")

    def no_sideways_scroll() -> None:
        sizes = page.evaluate(
            "({scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth})"
        )
        assert sizes["scroll"] <= sizes["client"], sizes

    no_sideways_scroll()
    form = annotate(
        page,
        stage="Referral and first contact",
        touchpoint="Referral from hospital after an overdose",
        kind="Barrier",
        principles=["Safety", "Collaboration"],
        text="Nobody asked me before passing on my notes.",
        send=False,
    )
    no_sideways_scroll()
    button = form.get_by_role("button", name="Barrier", exact=True)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 180, box
    button.click()
    expect(page.locator("#mine")).to_contain_text("Nobody asked me before passing on my notes.")
    no_sideways_scroll()
