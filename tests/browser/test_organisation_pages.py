"""The organiser invites an implementation group member from the organisation page; the member opens
the link in a fresh browser, makes an account, finds the event's plan and moves an action on. Axe
finds nothing serious on the organisation, invitation and plan pages, on a laptop or a phone."""

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, serious_violations, sign_in
from tests.conftest import LiveServer, annotate, create_event, join, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

SHOTS = Path(os.environ.get("LENSWALK_SHOTS_DIR", "/tmp/organisation-shots"))
# bypass_csp: axe is injected as an inline script, which the strict Content-Security-Policy refuses.
LAPTOP_720 = {"viewport": {"width": 1280, "height": 720}, "bypass_csp": True}
PHONE_AXE = {**PHONE, "bypass_csp": True}


def _shot(page: Page, name: str) -> None:
    """For looking at the pages by hand (LENSWALK_LOOK=1); an ordinary run writes nothing."""
    if os.environ.get("LENSWALK_LOOK") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_organiser_invites_a_member_who_opens_the_plan(server: LiveServer, new_context) -> None:
    api = signed_in(server)
    event = create_event(api, title=f"Harbour walk {uuid.uuid4().hex[:6]}")
    words = annotate(join(server, event), event).json()
    improvement = api.post(
        f"/api/v1/events/{event['id']}/improvements",
        json={
            "title": "A quieter wait",
            "annotation_ids": [words["id"]],
            "driver": "service_design_and_delivery",
        },
    ).json()
    api.post(
        f"/api/v1/improvements/{improvement['id']}/actions",
        json={"what": "Set aside a quiet room", "owner": "Service manager", "due": "2027-02-01"},
    )

    laptop = new_context(**LAPTOP_720).new_page()
    sign_in(laptop, server)
    laptop.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    expect(laptop.get_by_role("heading", name="Your organisation", exact=True)).to_be_visible()
    laptop.get_by_label("Their role").first.select_option("implementation")
    laptop.get_by_role("button", name="Make an invitation link").first.click()
    link = laptop.get_by_label("Invitation link: copy it now, it is shown only once")
    expect(link).to_be_visible()
    url = link.input_value()
    assert url.startswith(f"{server.base_url}/invitations/")
    assert serious_violations(laptop) == []
    _shot(laptop, "organisation-1280x720")

    member = new_context(**PHONE_AXE).new_page()
    member.goto(url)
    expect(member.get_by_role("heading", name="Join")).to_be_visible()
    expect(member.get_by_text("Implementation group member")).to_be_visible()
    assert serious_violations(member) == []
    _shot(member, "invitation-360x640")
    member.get_by_label("Email").fill(f"tipig-{uuid.uuid4().hex[:8]}@example.org")
    member.get_by_label("Password").fill("a long password for the group")
    member.get_by_role("button", name="Make my account and join").click()
    member.get_by_role("link", name="Plans you can open").click()
    expect(member.get_by_role("heading", name="My organisation's plans")).to_be_visible()
    assert serious_violations(member) == []
    _shot(member, "organisation-member-360x640")

    member.get_by_role("link", name=event["title"], exact=True).click()
    expect(member.get_by_role("heading", name="Action plan")).to_be_visible()
    expect(member.get_by_role("definition").filter(has_text="Set aside a quiet room")).to_be_visible()
    # The member updates the action; deleting it is the facilitators' alone.
    expect(member.get_by_role("button", name="Delete this action")).to_have_count(0)
    member.locator("summary", has_text="Change").first.click()
    member.get_by_label("Status").first.select_option(label="In progress")
    member.get_by_role("button", name="Save").first.click()
    expect(member.locator(".action .tag").first).to_have_text("In progress")
    assert serious_violations(member) == []
    _shot(member, "plan-member-360x640")

    # The same link a second time: a clear refusal.
    again = new_context(**LAPTOP_720).new_page()
    answer = again.goto(url)
    assert answer is not None and answer.status == 409
    expect(again.get_by_text("This invitation link has been used already")).to_be_visible()

    # On a laptop the plan page and the organisation page read the same.
    wide = new_context(**LAPTOP_720)
    wide.add_cookies(member.context.cookies())
    page = wide.new_page()
    page.goto(f"{server.base_url}/events/{event['id']}/actions")
    expect(page.get_by_role("heading", name="Action plan")).to_be_visible()
    _shot(page, "plan-member-1280x720")
    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("heading", name=event["title"])).to_be_visible()
    expect(page.get_by_role("heading", name="Restore an event from an archive")).to_have_count(0)
    assert serious_violations(page) == []
    _shot(page, "report-member-1280x720")
    page.goto(f"{server.base_url}/organisations")
    _shot(page, "organisation-member-1280x720")
    small = new_context(**PHONE_AXE)
    small.add_cookies(laptop.context.cookies())
    organiser_phone = small.new_page()
    organiser_phone.goto(f"{server.base_url}/organisations")
    assert serious_violations(organiser_phone) == []
    _shot(organiser_phone, "organisation-360x640")
