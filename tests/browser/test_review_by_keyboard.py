"""Recording a review of the action plan with the keyboard alone, from the plan page; the review,
the reviews page, the event page and "My organisation's plans" are axe-clean on a laptop and a phone."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, serious_violations, sign_in
from tests.browser.test_keyboard_and_zoom import focused_text, tab_to
from tests.conftest import LiveServer, signed_in
from tests.test_reviews import SHARED, archive

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

SHOTS = Path(os.environ.get("LENSWALK_REVIEW_SHOTS", ""))  # set to look at the pages (not committed)


def shot(page: Page, name: str) -> None:
    if str(SHOTS) not in ("", "."):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_record_a_review_with_the_keyboard_alone(server: LiveServer, new_context) -> None:
    api = signed_in(server)
    made = api.post("/api/v1/events/import", json=archive())
    assert made.status_code == 201, made.text
    eid = made.json()["id"]
    shared = next(
        a["id"] for a in api.get(f"/api/v1/events/{eid}/actions").json()["actions"] if a["what"] == SHARED
    )

    laptop = new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True).new_page()  # axe inline
    sign_in(laptop, server)
    laptop.goto(f"{server.base_url}/events/{eid}/actions")
    tab_to(laptop, f'a[href="/events/{eid}/reviews/new"]')
    assert focused_text(laptop) == "Record a review"
    laptop.keyboard.press("Enter")
    expect(laptop.locator("h1")).to_have_text("Record a review")
    assert serious_violations(laptop) == []
    shot(laptop, "review-new-1280")

    tab_to(laptop, "#role-2")  # Service manager
    laptop.keyboard.type("1")
    tab_to(laptop, "#role-5")  # Person with lived experience
    laptop.keyboard.type("2")
    tab_to(laptop, f"#status-{shared}")
    laptop.keyboard.type("Dr")  # typing a label's start chooses it in a closed select
    expect(laptop.locator(f"#status-{shared}")).to_have_value("dropped")
    tab_to(laptop, f"#note-{shared}")
    laptop.keyboard.type("Replaced by the national form")
    tab_to(laptop, "form.stack button[type=submit]")
    assert focused_text(laptop) == "Save the review"
    laptop.keyboard.press("Enter")

    expect(laptop.locator("h1")).to_have_text("Reviews of the action plan")
    held = laptop.locator(".plan-list > li").first
    expect(held).to_contain_text("1 Service manager, 2 Person with lived experience")
    expect(held.get_by_role("link", name="Summary (PDF)")).to_be_visible()
    assert serious_violations(laptop) == []
    shot(laptop, "review-list-1280")
    history = api.get(f"/api/v1/events/{eid}/actions/{shared}/history").json()
    assert [(h["status"], h["note"]) for h in history["history"]] == [
        ("dropped", "Replaced by the national form")
    ]

    # The event page and the plans list say what is late; the navigation leads to the list.
    laptop.goto(f"{server.base_url}/events/{eid}")
    expect(laptop.locator("#plan")).to_contain_text("1 action overdue")
    shot(laptop, "review-event-1280")
    tab_to(laptop, 'nav a[href="/plans"]')
    laptop.keyboard.press("Enter")
    expect(laptop.locator("h1")).to_have_text("My organisation's plans")
    expect(laptop.locator(f"#plan-event-{eid}")).to_contain_text("1 action overdue")
    assert serious_violations(laptop) == []
    shot(laptop, "review-plans-1280")

    phone = new_context(**PHONE, bypass_csp=True).new_page()
    sign_in(phone, server)
    for path, name in (
        (f"/events/{eid}/reviews/new", "new"),
        (f"/events/{eid}/reviews", "list"),
        ("/plans", "plans"),
    ):
        phone.goto(f"{server.base_url}{path}")
        assert serious_violations(phone) == [], path
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        shot(phone, f"review-{name}-360")
