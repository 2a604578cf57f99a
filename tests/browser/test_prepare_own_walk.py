"""Preparing a walk for your own service through the pages alone: write the service's own vignette,
create an event, rename its teams to four of the service's own and pair one with that vignette; a
phone then joins the renamed team and reads the vignette behind its content notes."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, join_with_code, sign_in
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TEAMS = ["Community midwives", "Hospital ward", "Health visitors", "Housing officers"]
STORY = "Mairi is 19 and pregnant.\n\nShe has moved between friends' sofas since the summer."


def test_four_renamed_teams_and_an_own_vignette_reach_a_phone(server: LiveServer, new_context) -> None:
    name = f"Mairi {uuid.uuid4().hex[:4]}"
    laptop = new_context(**LAPTOP).new_page()
    sign_in(laptop, server)

    # The service's own vignette, written on the vignette pages.
    laptop.get_by_role("link", name="Vignettes").click()
    laptop.get_by_role("link", name="Write a vignette").click()
    laptop.get_by_label("Name").fill(name)
    laptop.get_by_label("Age").fill("19")
    laptop.get_by_label("Situation").fill("Mairi is pregnant and has nowhere settled to live.")
    notes = laptop.get_by_role("group", name="Content notes")
    notes.get_by_label("anxiety", exact=True).check()
    laptop.get_by_label("Other content notes").fill("homelessness")
    laptop.get_by_label("Their story").fill(STORY)
    laptop.get_by_role("button", name="Save and preview").click()
    expect(laptop.get_by_role("heading", name=f"Preview: {name}")).to_be_visible()

    # An event, made on the event pages; it starts with three teams.
    laptop.goto(f"{server.base_url}/events/new")
    laptop.get_by_label("Title").fill("Maternity and housing lens walk")
    laptop.get_by_role("button", name="Create event").click()
    expect(laptop.get_by_role("heading", name="Maternity and housing lens walk")).to_be_visible()
    teams = laptop.locator("#teams")
    expect(teams.locator("li.card")).to_have_count(3)

    # Rename the three, pairing the last with the own vignette only; add a fourth.
    for n, new_name in enumerate(TEAMS[:3]):
        card = teams.locator("li.card").nth(n)
        old = card.get_by_label("Team name").input_value()
        card.get_by_label("Team name").fill(new_name)
        if n == 2:
            for box in card.get_by_role("checkbox").all():
                box.uncheck()
            card.get_by_role("checkbox", name=re.compile(rf"^{name}\b")).check()
        card.get_by_role("button", name=f"Save {old}", exact=True).click()
        expect(laptop.locator("#teams li.card").nth(n).get_by_label("Team name")).to_have_value(new_name)
    laptop.get_by_label("New team name").fill(TEAMS[3])
    laptop.get_by_role("button", name="Add team").click()
    expect(laptop.locator("#teams li.card")).to_have_count(4)
    for n, team in enumerate(TEAMS):
        expect(laptop.locator("#teams li.card").nth(n).get_by_label("Team name")).to_have_value(team)

    laptop.get_by_role("button", name="Open the event for joining").click()
    code = laptop.locator("p", has_text="Join code:").locator("strong").inner_text()

    # A phone sees the four names exactly as written, joins the team with the own vignette, and
    # meets the content notes before the story.
    phone = new_context(**PHONE).new_page()
    phone.goto(f"{server.base_url}/join?code={code}")
    expect(phone.locator("form button[name=team_id]")).to_have_text([f"Join {t}" for t in TEAMS])
    join_with_code(phone, server, code, TEAMS[2])
    expect(phone.get_by_role("heading", name=TEAMS[2], exact=True)).to_be_visible()
    card = phone.locator("article.vignette")
    expect(card).to_have_count(1)
    note = card.locator(".content-note")
    expect(note).to_have_text("Content note: this story mentions anxiety, homelessness.")
    story = card.get_by_text("She has moved between friends' sofas since the summer.")
    expect(story).to_be_hidden()
    card.get_by_text("Show me anyway").click()
    expect(story).to_be_visible()
    assert note.bounding_box()["y"] < story.bounding_box()["y"]
