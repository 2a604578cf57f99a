"""Writing a vignette through the pages in a browser, on a phone and a laptop: the form by its labels,
content notes from the list and in free text, then the preview, which shows the content notes first and
the story only when asked; duplicating Ollie to adapt her; axe-core on each page."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, serious_violations, sign_in
from tests.browser.test_journey_library import shot
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

STORY = "Aileen is 27 and expecting her first child.\n\nHer landlord has given her two months' notice."


@pytest.mark.parametrize(
    "size",
    [PHONE, {"viewport": {"width": 1280, "height": 720}}],
    ids=["phone", "laptop"],
)
def test_write_a_vignette_and_preview_it_as_a_phone_shows_it(
    server: LiveServer, new_context, size: dict
) -> None:
    label = "phone" if size is PHONE else "laptop"
    name = f"Aileen {uuid.uuid4().hex[:4]}"
    page: Page = new_context(**size, color_scheme="light", bypass_csp=True).new_page()
    sign_in(page, server)
    page.get_by_role("link", name="Vignettes").click()
    expect(page.get_by_role("heading", name="Vignettes", exact=True)).to_be_visible()
    page.get_by_role("link", name="Write a vignette").click()

    expect(page.get_by_role("heading", name="Write a vignette")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Name").fill(name)
    page.get_by_label("Age").fill("27")
    page.get_by_label("Situation").fill("Aileen is pregnant and has been told to leave her flat.")
    page.get_by_label("How they reach the service").fill("Her midwife")
    page.get_by_label("Risk tier", exact=True).select_option(
        label="Mid risk, with mental and/or physical health difficulties"
    )
    page.get_by_label("What it helps the group discuss").fill(
        "How housing and maternity teams share what they know."
    )
    notes = page.get_by_role("group", name="Content notes")
    notes.get_by_label("domestic abuse", exact=True).check()
    notes.get_by_label("anxiety", exact=True).check()
    page.get_by_label("Other content notes").fill("eviction, pregnancy")
    page.get_by_label("Their story").fill(STORY)
    page.get_by_label("Questions to ask").fill("Trust: does she know who will call her back?")
    shot(page, f"vignette-form-{label}", at="fieldset")
    page.get_by_role("button", name="Save and preview").click()

    expect(page.get_by_role("heading", name=f"Preview: {name}")).to_be_visible()
    card = page.locator("article.vignette")
    note = card.locator(".content-note")
    expect(note).to_have_text(
        "Content note: this story mentions anxiety, domestic abuse, eviction, pregnancy."
    )
    story = card.get_by_text("Her landlord has given her two months' notice.")
    expect(story).to_be_hidden()  # behind the content note until the reader chooses
    open_it = card.get_by_text("Show me anyway")
    assert note.bounding_box()["y"] < open_it.bounding_box()["y"]
    assert serious_violations(page) == []
    shot(page, f"vignette-preview-{label}")
    open_it.click()
    expect(story).to_be_visible()
    expect(card.locator(".vignette-story p")).to_have_count(2)  # the story's two paragraphs
    expect(card.get_by_text("Trust: does she know who will call her back?")).to_be_visible()
    assert note.bounding_box()["y"] < story.bounding_box()["y"]
    shot(page, f"vignette-preview-open-{label}")
    # Skipping works as on a phone.
    card.get_by_role("button", name="Skip this person").click()
    expect(page.get_by_text(f"You chose to skip {name}'s story.")).to_be_visible()

    page.get_by_role("link", name="Back to vignettes").click()
    own = page.locator("section", has=page.get_by_role("heading", name="Your service's vignettes"))
    expect(own.get_by_role("heading", name=f"{name}, 27")).to_be_visible()
    assert serious_violations(page) == []
    page.emulate_media(color_scheme="dark")
    assert serious_violations(page, ["color-contrast"]) == []
    page.emulate_media(color_scheme="light")
    shot(page, f"vignette-list-{label}")


def test_duplicate_ollie_and_adapt_her(server: LiveServer, new_context) -> None:
    page: Page = new_context(**PHONE).new_page()
    sign_in(page, server)
    page.goto(f"{server.base_url}/vignettes")
    ollie = page.locator("#v-ollie")
    ollie.get_by_role("button", name="Duplicate Ollie").click()
    expect(page.get_by_text("This is your own copy of Ollie.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Ollie")
    notes = page.get_by_role("group", name="Content notes")
    expect(notes.get_by_label("low mood", exact=True)).to_be_checked()
    new_name = f"Olivia {uuid.uuid4().hex[:4]}"
    page.get_by_label("Name").fill(new_name)
    page.get_by_label("Other content notes").fill("pregnancy")
    page.get_by_role("button", name="Save vignette").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    card = page.locator("article.vignette", has=page.get_by_role("heading", name=f"{new_name}, 32"))
    expect(card.locator(".content-note")).to_have_text(
        "Content note: opiate use, drug use, anxiety, low mood, pregnancy."
    )
    card.get_by_role("button", name=f"Archive {new_name}").click()
    archived = page.locator("section", has=page.get_by_role("heading", name="Archived"))
    expect(archived.get_by_role("heading", name=f"{new_name}, 32")).to_be_visible()
    archived.get_by_role("button", name=f"Restore {new_name}").click()
    own = page.locator("section", has=page.get_by_role("heading", name="Your service's vignettes"))
    expect(own.get_by_role("heading", name=f"{new_name}, 32")).to_be_visible()
