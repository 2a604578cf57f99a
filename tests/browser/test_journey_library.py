"""The journey-map library in a browser: importing a spreadsheet, a refused file, and starting an
event from a template; axe-core in light and dark on a phone and a laptop."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, serious_violations, sign_in
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

GOOD = "stage,touchpoint,stage description,lens question\nArriving,Front door,Getting in,Can I find the way in?\nArriving,Reception,,Am I greeted by name?\nLeaving,Last visit,,Do I know how to come back?\n"
BAD = "stage,touchpoint,lens question\nArriving,,Is it calm?\n,Reception,\nLeaving,=1+1,\n"


def shot(page: Page, name: str, at: str | None = None) -> None:
    """Screenshots for a person to look at (the screen as it is, or scrolled to `at`), only when
    LENSWALK_SHOTS_DIR names a folder."""
    folder = os.environ.get("LENSWALK_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        if at:
            page.locator(at).scroll_into_view_if_needed()
        page.screenshot(path=str(Path(folder) / f"{name}.png"), animations="disabled")


def clean_in_light_and_dark(page: Page) -> None:
    assert serious_violations(page) == []
    page.emulate_media(color_scheme="dark")
    assert serious_violations(page, ["color-contrast"]) == []
    page.emulate_media(color_scheme="light")


@pytest.mark.parametrize(
    "size",
    [PHONE, {"viewport": {"width": 1280, "height": 720}}],
    ids=["phone", "laptop"],
)
def test_import_a_map_and_start_an_event_from_a_template(
    server: LiveServer, new_context, tmp_path: Path, size: dict
) -> None:
    label = "phone" if size is PHONE else "laptop"
    page = new_context(**size, color_scheme="light", bypass_csp=True).new_page()
    sign_in(page, server)
    page.get_by_role("link", name="Journey maps").click()
    expect(page.get_by_role("heading", name="Journey-map library")).to_be_visible()
    for name in ("Housing options and homelessness", "Maternity care", "Justice social work", "Blank map"):
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    clean_in_light_and_dark(page)
    shot(page, f"library-{label}")
    page.get_by_role("heading", name="Housing options and homelessness").locator("..").get_by_text(
        "Stages and lens questions"
    ).click()
    shot(page, f"library-open-{label}", at="#import")
    shot(page, f"library-housing-{label}", at="li.card:nth-child(2)")

    # A file with three bad rows: refused, every row named.
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    page.get_by_label("Spreadsheet file").set_input_files(str(bad))
    page.get_by_role("button", name="Import as a new map").click()
    for words in (
        "row 2: touchpoint name is empty",
        "row 3: stage name is empty",
        "row 4: the touchpoint name is a formula",
    ):
        expect(page.get_by_text(words, exact=False)).to_be_visible()
    shot(page, f"import-refused-{label}")

    # A good file becomes a map in the library.
    page.goto(f"{server.base_url}/journey-maps")
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    page.get_by_label("Spreadsheet file").set_input_files(str(good))
    page.get_by_label("Name for the new map").fill(f"Northside walk ({label})")
    page.get_by_role("button", name="Import as a new map").click()
    card = page.locator("li.card", has=page.get_by_role("heading", name=f"Northside walk ({label})"))
    expect(card).to_contain_text("2 stages, 3 touchpoints")

    # Choosing a template starts an event from it.
    housing = page.locator(
        "li.card", has=page.get_by_role("heading", name="Housing options and homelessness")
    )
    housing.get_by_role("link", name="Start an event from this map").click()
    expect(page.get_by_label("Journey map to start from")).to_have_value(page.url.split("map=")[1])
    clean_in_light_and_dark(page)
    shot(page, f"new-event-{label}", at="#journey_map_id")
    page.get_by_label("Title").fill(f"Housing walk ({label})")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Housing options interview")).to_be_visible()
    section = page.locator("#map-files")
    expect(section.get_by_role("button", name="Save this event's map as a template")).to_be_visible()
    clean_in_light_and_dark(page)
    shot(page, f"event-map-files-{label}", at="#map-files")
