"""Issue 15 item 4: on a 360x640 phone (and at 200% zoom) Hide screen and Support stay within reach,
withdrawing asks once and then really deletes, a private contribution says it was saved where it was
added, vote limits are explained on the card that was tapped, and the check-in thanks and can change."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.browser.conftest import PHONE, annotate, join_with_code, wait_live
from tests.browser.test_accessibility import Axe, device
from tests.conftest import LiveServer, create_event, join, signed_in
from tests.conftest import annotate as write

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

ZOOMED = {
    "viewport": {"width": 180, "height": 320},
    "device_scale_factor": 4,
    "is_mobile": True,
    "has_touch": True,
}
WORDS = "The letter never said how long the wait would be heron-5521"


def rect(page: Page, selector: str) -> dict[str, float]:
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right} }"
    )


def assert_safety_in_reach(page: Page) -> None:
    """Hide screen and Support are on screen, wholly inside the viewport, in the bottom part (thumbs)."""
    size = page.viewport_size
    assert size is not None
    for name, role in (("Hide screen", "button"), ("Support", "link")):
        control = page.get_by_role("navigation", name="Safety").get_by_role(role, name=name, exact=True)
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (name, box)
        assert box["y"] >= size["height"] / 2 and box["y"] + box["height"] <= size["height"], (name, box)
        assert control.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{name}: its words are cut off"


def scroll_to_bottom(page: Page) -> None:
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY + innerHeight >= document.documentElement.scrollHeight - 2")


def stored_texts(server: LiveServer) -> list[str]:
    engine = create_engine(server.settings.database_url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text("SELECT text FROM annotation"))]
    finally:
        engine.dispose()


@pytest.mark.parametrize("size", [PHONE, ZOOMED], ids=["360x640", "200-percent-zoom"])
def test_hide_screen_and_support_stay_on_screen_and_never_cover_the_typing(
    server: LiveServer, new_context, size: dict[str, Any]
) -> None:
    api = signed_in(server)
    event = create_event(api, title="Lens walk within reach")
    page = new_context(**size).new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    assert_safety_in_reach(page)
    scroll_to_bottom(page)
    assert page.evaluate("window.scrollY") > 500  # a long page, really scrolled
    assert_safety_in_reach(page)
    # The last thing on the page is not hidden behind the bar.
    bar = rect(page, "nav.safety-bar")
    assert rect(page, "footer.site-footer")["bottom"] <= bar["top"] + 1

    # The keyboard case: the field being typed in is scrolled clear of the bar.
    form = annotate(
        page, stage="Arriving", touchpoint="Reception greeting", kind="Barrier", principles=[], text=""
    )
    textarea = form.get_by_label("What you noticed")
    textarea.evaluate("e => e.scrollIntoView({block: 'end'})")
    textarea.focus()
    page.keyboard.type("Typing near the bottom")
    assert rect(page, f"#{textarea.get_attribute('id')}")["bottom"] <= rect(page, "nav.safety-bar")["top"]

    # Every other participant page too.
    for path in ("support", "priorities", "closing"):
        page.goto(f"{server.base_url}/events/{event['id']}/{path}")
        scroll_to_bottom(page)
        assert_safety_in_reach(page)


def test_support_text_is_shown_once_per_screen_with_one_set_of_hours(server: LiveServer, new_context) -> None:
    api = signed_in(server)
    event = create_event(api, title="Lens walk, one support text")
    page = new_context(**PHONE).new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    for path in ("journey", "support", "closing"):
        page.goto(f"{server.base_url}/events/{event['id']}/{path}")
        body = page.locator("body").inner_text()
        assert body.count("0800 83 85 87") == 1, path
        assert body.count("116 123") == 1, path
        assert "weekday evenings and all weekend" in body and "any time)" not in body, path


def test_withdraw_asks_once_then_the_words_are_gone_from_the_database(
    server: LiveServer, new_context
) -> None:
    axe = Axe()
    event = create_event(signed_in(server), title="Lens walk, taking words back")
    page = device(new_context, PHONE).new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    annotate(
        page,
        stage="Arriving",
        touchpoint="Reception greeting",
        kind="Barrier",
        principles=["Trust"],
        text=WORDS,
    )
    mine = page.locator("#mine")
    expect(mine).to_contain_text(WORDS)

    # First thoughts: the question, then "No, keep it" keeps it.
    mine.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", name="This deletes your words for good")).to_be_visible()
    expect(page.locator("main")).to_contain_text(WORDS)
    axe.check(page, "withdraw: the question")
    page.get_by_role("link", name="No, keep it").click()
    expect(page.locator("#mine")).to_contain_text(WORDS)
    assert WORDS in stored_texts(server)

    # Then for real: it says it is done, focuses that, and the words are gone from the database.
    page.locator("#mine").get_by_role("link", name="Withdraw").click()
    page.get_by_role("button", name="Yes, delete it for good").click()
    done = page.locator("#withdrawn")
    expect(done).to_contain_text("Done: your contribution is withdrawn")
    expect(done).to_be_focused()
    expect(page.locator("#mine")).not_to_contain_text(WORDS)
    assert WORDS not in stored_texts(server)
    axe.check(page, "journey: withdrawn")
    axe.assert_clean()


def test_withdraw_works_without_javascript(server: LiveServer, new_context) -> None:
    event = create_event(signed_in(server), title="Lens walk with no scripts")
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(f"{server.base_url}/join?code={event['join_code']}")
    page.get_by_role("button", name="Join Team 1").click()
    expect(page.get_by_role("heading", name="The journey")).to_be_visible()
    page.locator("details.stage > summary", has_text="Arriving").click()
    section = page.locator("section.touchpoint", has_text="Reception greeting")
    section.locator("details.add-annotation > summary").click()
    form = section.locator("form.annotation-form")
    form.get_by_role("checkbox", name="Trust").check()
    form.get_by_label("What you noticed").fill(WORDS)
    form.get_by_role("button", name="Barrier", exact=True).click()
    expect(page.locator("#mine")).to_contain_text(WORDS)
    page.locator("#mine").get_by_role("link", name="Withdraw").click()
    page.get_by_role("button", name="Yes, delete it for good").click()
    expect(page.locator("#withdrawn")).to_contain_text("deleted for good")
    assert WORDS not in stored_texts(server)


def test_a_private_contribution_says_it_was_saved_where_it_was_added(server: LiveServer, new_context) -> None:
    axe = Axe()
    api = signed_in(server)
    event = create_event(api, title="Lens walk, writing privately")
    phase = api.post(
        f"/api/v1/events/{event['id']}/phase", json={"phase": "lens_walk", "private_writing": True}
    )
    assert phase.status_code == 200, phase.text
    page = device(new_context, PHONE).new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    annotate(
        page,
        stage="Arriving",
        touchpoint="Reception greeting",
        kind="Idea",
        principles=["Choice"],
        text=WORDS,
    )
    section = page.locator("section.touchpoint", has_text="Reception greeting")
    note = section.locator(".saved-note")
    expect(note).to_have_text(
        "Saved. Only you can see it until the facilitator shares the room's writing."
        " You can change or withdraw it under My contributions."
    )
    expect(note).to_be_focused()
    box, size = note.bounding_box(), page.viewport_size
    assert box and size and box["y"] >= 0 and box["y"] + box["height"] <= rect(page, "nav.safety-bar")["top"]
    # The room's counts stay at 0 while writing is private; the note is the sign it was kept.
    expect(page.locator("#mine")).to_contain_text(WORDS)
    axe.check(page, "journey: saved privately")
    axe.assert_clean()


def test_vote_limits_are_explained_on_the_tapped_card_and_impossible_taps_are_disabled(
    server: LiveServer, new_context
) -> None:
    axe = Axe()
    api = signed_in(server)
    event = create_event(api, title="Lens walk, dots")
    eid = event["id"]
    writer = join(server, event)
    assert write(writer, event, text="No word while waiting.", kind="barrier").status_code == 201
    ids = [a["id"] for a in writer.get(f"/api/v1/events/{eid}/annotations").json()]
    titles = ["Tell people how long the wait is", "Quieter waiting area", "Choose how to be contacted"]
    for title in titles:
        made = api.post(
            f"/api/v1/events/{eid}/improvements",
            json={"title": title, "annotation_ids": ids, "driver": "leadership"},
        )
        assert made.status_code == 201, made.text
    voting = {"status": "open", "dots_per_participant": 3, "max_dots_per_improvement": 2}
    assert api.patch(f"/api/v1/events/{eid}/voting", json=voting).status_code == 200

    page = device(new_context, PHONE).new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    page.goto(f"{server.base_url}/events/{eid}/priorities")
    cards = {t: page.locator("li.priority", has_text=t) for t in titles}
    first, last = cards[titles[0]], cards[titles[2]]
    add_first = page.get_by_role("button", name=f"Add a dot to {titles[0]}")
    expect(page.get_by_role("button", name=f"Take a dot off {titles[0]}")).to_be_disabled()

    add_first.click()
    expect(first.locator(".my-dots")).to_contain_text("Your dots: 1")
    add_first.click()
    expect(first.locator(".my-dots")).to_contain_text("Your dots: 2")
    # Two on one is the most: the card says so and its + is disabled; the others can still take one.
    expect(first.locator(".vote-note")).to_contain_text("the most allowed on one improvement (2)")
    expect(add_first).to_be_disabled()
    expect(page.get_by_role("button", name=f"Add a dot to {titles[2]}")).to_be_enabled()
    # Pressed anyway from the keyboard (a disabled button keeps its focus): refused on this card, in words.
    add_first.focus()
    page.keyboard.press("Enter")
    expect(first.locator(".vote-note")).to_contain_text("at most 2 dots on one improvement")
    expect(first.locator(".vote-note")).to_contain_text("You have 1 dot left")
    expect(page.locator("#vote-status")).not_to_contain_text("at most 2 dots")
    expect(add_first).to_be_focused()
    expect(last.locator(".vote-note")).to_be_empty()
    axe.check(page, "priorities: refused on the card")

    # The last dot, on the card at the bottom: every + is now disabled, and the dots left are in view.
    last.scroll_into_view_if_needed()
    page.get_by_role("button", name=f"Add a dot to {titles[2]}").click()
    expect(page.locator("#vote-status")).to_contain_text("You have 0 dots left")
    for title in titles:
        expect(page.get_by_role("button", name=f"Add a dot to {title}")).to_be_disabled()
    expect(cards[titles[1]].locator(".vote-note")).to_contain_text("All your dots are placed")
    status = page.locator("#vote-status").bounding_box()
    assert (
        status and status["y"] >= 0 and status["y"] + status["height"] <= rect(page, "nav.safety-bar")["top"]
    )
    # Taking one off frees the others again.
    page.get_by_role("button", name=f"Take a dot off {titles[0]}").click()
    expect(page.locator("#vote-status")).to_contain_text("You have 1 dot left")
    expect(page.get_by_role("button", name=f"Add a dot to {titles[1]}")).to_be_enabled()
    axe.check(page, "priorities: after taking one off")
    axe.assert_clean()


def test_check_in_thanks_and_can_be_changed_in_place(server: LiveServer, new_context) -> None:
    axe = Axe()
    event = create_event(signed_in(server), title="Lens walk, checking in")
    page = device(new_context, PHONE).new_page()
    join_with_code(page, server, event["join_code"], "Team 1")
    page.evaluate("window.__lenswalkNoReload = true")
    check_in = page.locator("#check-in")
    check_in.get_by_role("button", name="A bit unsettled").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 40)")
    before = page.evaluate("window.scrollY")
    assert before > 0
    check_in.get_by_role("button", name="A bit unsettled").click()
    thanks = page.locator("#check-in-thanks")
    expect(thanks).to_contain_text("Thank you. You said: A bit unsettled")
    expect(thanks).to_be_focused()
    expect(page.get_by_role("button", name="A bit unsettled")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.scrollY") > 0  # no jump to the top
    assert page.evaluate("window.__lenswalkNoReload === true")
    axe.check(page, "journey: checked in")

    page.locator("#check-in").get_by_role("button", name="Okay", exact=True).click()
    expect(page.locator("#check-in-thanks")).to_contain_text("You said: Okay")
    expect(page.get_by_role("button", name="A bit unsettled")).to_have_attribute("aria-pressed", "false")
    engine = create_engine(server.settings.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT moment, feeling FROM check_in")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("arriving", "okay")]
    # After a reload the answer is still there, thanked, and still changeable.
    page.reload()
    wait_live(page)
    expect(page.locator("#check-in-thanks")).to_contain_text("You said: Okay")
    axe.assert_clean()
