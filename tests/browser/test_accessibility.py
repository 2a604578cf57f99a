"""axe-core on every page, as each person sees it, in light and dark: no serious or critical violations."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.setup import prepare
from tests.browser.conftest import LAPTOP, PHONE, annotate, join_with_code, serious_violations, sign_in
from tests.conftest import (
    LiveServer,
    create_event,
    join,
    make_settings,
    signed_in,
    start_server,
)
from tests.conftest import (
    annotate as write,
)

# A browser and several pages per test: more than the suite's 60 s on a busy machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]


class Axe:
    """Checks pages one by one and keeps every finding, so one run names them all. Every rule in the
    light colours, then colour contrast again in the dark ones (a phone set to dark mode gets them)."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def check(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        self.found[name] = serious_violations(page)
        page.emulate_media(color_scheme="dark")
        self.found[f"{name} (dark)"] = serious_violations(page, ["color-contrast"])
        page.emulate_media(color_scheme="light")

    def assert_clean(self) -> None:
        assert self.found, "no page was checked"
        assert {name: v for name, v in self.found.items() if v} == {}


def device(new_context, size: dict) -> BrowserContext:
    # bypass_csp: axe is injected as an inline script, which a strict Content-Security-Policy refuses.
    return new_context(**size, color_scheme="light", bypass_csp=True)


def test_participant_pages(server: LiveServer, new_context) -> None:
    axe = Axe()
    event = create_event(signed_in(server), title="Lens walk for axe")
    page = device(new_context, PHONE).new_page()
    page.goto(f"{server.base_url}/")
    axe.check(page, "home")
    page.goto(f"{server.base_url}/join")
    axe.check(page, "join: the code")
    page.goto(f"{server.base_url}/join?code=ZZZZZZ")
    axe.check(page, "join: a wrong code")
    page.goto(f"{server.base_url}/join?code={event['join_code']}")
    axe.check(page, "join: choose a team")
    join_with_code(page, server, event["join_code"], "Team 2")
    add_and_open_a_form(page)
    axe.check(page, "journey, with a story, a contribution and a form open")
    page.locator("#mine").get_by_role("link", name="Change").click()
    axe.check(page, "change a contribution")
    page.goto(f"{server.base_url}/events/{event['id']}/journey")
    page.get_by_role("button", name="Get a return code").click()
    axe.check(page, "return code")
    page.goto(f"{server.base_url}/events/{event['id']}/support")
    page.get_by_label("Where are you?").fill("table 2")
    page.locator("main form button").first.click()
    axe.check(page, "support, after asking for a facilitator")
    page.goto(f"{server.base_url}/events/{event['id']}/closing")
    axe.check(page, "closing")
    page.goto(f"{server.base_url}/return")
    axe.check(page, "come back with a return code")
    page.goto(f"{server.base_url}/safe")
    axe.check(page, "quick-hide page")
    axe.assert_clean()


def add_and_open_a_form(page: Page) -> None:
    text = "Nobody says how long the wait is."
    annotate(
        page, stage="Waiting", touchpoint="Length of wait", kind="Barrier", principles=["Trust"], text=text
    )
    expect(page.locator("#mine")).to_contain_text(text)
    page.locator(".vignette details > summary").first.click()
    page.get_by_text("Add to Contact while waiting", exact=True).click()


def test_facilitator_pages(server: LiveServer, new_context) -> None:
    axe = Axe()
    page = device(new_context, LAPTOP).new_page()
    page.goto(f"{server.base_url}/signin")
    axe.check(page, "sign in")
    sign_in(page, server)
    page.get_by_role("link", name="Create an event").click()
    axe.check(page, "create an event")
    page.get_by_label("Title").fill("Lens walk for axe, by hand")
    page.get_by_role("button", name="Create event").click()
    for summary in page.locator("details summary").all()[:2]:
        summary.click()
    axe.check(page, "event page, draft, journey map editable")
    page.get_by_role("button", name="Open the event for joining").click()
    axe.check(page, "event page, open")
    event_url = page.url
    code = page.locator("p", has_text="Join code:").locator("strong").inner_text()
    phone = device(new_context, PHONE).new_page()
    join_with_code(phone, server, code, "Team 1")
    for text in ("Reception was kind and quiet.", "The letter was full of jargon."):
        annotate(
            phone,
            stage="Finding out",
            touchpoint="Word of mouth",
            kind="Strength",
            principles=["Safety"],
            text=text,
        )
        expect(phone.locator("#mine")).to_contain_text(text)
    page.goto(f"{event_url}/console")
    hide_one(page, "jargon")
    axe.check(page, "console, with a hidden contribution")
    page.goto(f"{event_url}/board")
    axe.check(page, "board")
    page.goto(f"{event_url}/attendance")
    axe.check(page, "attendance")
    page.goto(f"{event_url}/report")
    axe.check(page, "report, with downloads and the archive upload")
    page.goto(f"{server.base_url}/")
    axe.check(page, "my events")
    page.goto(f"{server.base_url}/vignettes")
    page.locator("details summary").first.click()
    axe.check(page, "vignettes")
    page.goto(f"{server.base_url}/vignettes/new")
    axe.check(page, "write a vignette")
    page.goto(f"{server.base_url}/events/999999")
    axe.check(page, "an error page")
    axe.assert_clean()


def test_prioritising_pages(server: LiveServer, new_context) -> None:
    """Grouping, voting, the priority list, the action plan and the board's views of them."""
    axe = Axe()
    api = signed_in(server)
    event = create_event(api, title="Lens walk for axe, prioritising", date="2026-05-04")
    eid = event["id"]
    writer = join(server, event, here_as="lived_experience")
    for text, kind in (("No word while waiting.", "barrier"), ("Kind reception.", "strength")):
        assert write(writer, event, text=text, kind=kind).status_code == 201
    ids = [a["id"] for a in writer.get(f"/api/v1/events/{eid}/annotations").json()]
    made = [
        api.post(
            f"/api/v1/events/{eid}/improvements",
            json={"title": title, "annotation_ids": ids[:n], "driver": "leadership", "effort": "low"},
        ).json()["id"]
        for title, n in (("Tell people what happens while they wait", 2), ("Quieter waiting area", 1))
    ]
    api.post(
        f"/api/v1/improvements/{made[0]}/actions",
        json={
            "what": "Send a letter with the expected wait",
            "owner": "Service manager",
            "due": "2026-06-30",
        },
    )
    api.patch(f"/api/v1/events/{eid}/voting", json={"status": "open", "participants_may_group": True})

    phone = device(new_context, PHONE).new_page()
    join_with_code(phone, server, event["join_code"], "Team 1")
    phone.goto(f"{server.base_url}/events/{eid}/priorities")
    phone.get_by_role("button", name="Add a dot to Quieter waiting area").click()
    expect(phone.locator("#vote-status")).to_contain_text("You have 2 dots left")
    phone.locator("details.evidence > summary").first.click()
    axe.check(phone, "participant: voting, after a dot")
    more = phone.get_by_role("button", name="Add a dot to Quieter waiting area")
    more.click()
    expect(phone.locator("#vote-status")).to_contain_text("You have 1 dot left")  # the second dot is in
    expect(more).to_be_disabled()
    more.press("Enter")  # now disabled to a tap; a keyboard press still gets the reason
    expect(phone.locator("li.priority", has_text="Quieter waiting area")).to_contain_text("at most 2 dots")
    axe.check(phone, "participant: voting, with an error")
    phone.goto(f"{server.base_url}/events/{eid}/improvements")
    axe.check(phone, "participant: grouping")
    phone.goto(f"{server.base_url}/events/{eid}/actions")
    axe.check(phone, "participant: the action plan")

    page = device(new_context, LAPTOP).new_page()
    sign_in(page, server)
    page.goto(f"{server.base_url}/events/{eid}/improvements")
    for summary in page.locator("#improvements details > summary").all()[:4]:
        summary.click()
    page.locator("input[name=annotation_ids]").first.check()
    axe.check(page, "prioritise, with forms open")
    page.goto(f"{server.base_url}/events/{eid}/priorities")
    axe.check(page, "priorities, with the chart for facilitators")
    page.goto(f"{server.base_url}/events/{eid}/actions")
    page.locator(".action-list details > summary").first.click()
    axe.check(page, "action plan, editing an action")
    page.goto(f"{server.base_url}/events/{eid}")
    axe.check(page, "event page with the plan")
    api.patch(f"/api/v1/events/{eid}/voting", json={"revealed": True})
    for view in ("priorities", "actions"):
        api.post(f"/api/v1/events/{eid}/board", json={"view": view})
        page.goto(f"{server.base_url}/events/{eid}/board")
        axe.check(page, f"board: {view}")
    axe.assert_clean()


def hide_one(console: Page, text: str) -> None:
    console.locator("#moderation li", has_text=text).get_by_role("button", name="Hide").click()
    expect(console.locator("#moderation li", has_text=text)).to_contain_text("Hidden from the room")


def test_first_run_setup_page(tmp_path, new_context) -> None:
    settings = make_settings(tmp_path, admin_email=None, admin_password=None)
    if not settings.is_sqlite:
        pytest.skip("the first-run page needs a database with no facilitator: SQLite only")
    prepare(settings)
    fresh = start_server(settings)
    try:
        axe = Axe()
        page = device(new_context, LAPTOP).new_page()
        page.goto(f"{fresh.base_url}/")
        assert page.url.endswith("/setup")
        axe.check(page, "first-run set-up")
        axe.assert_clean()
    finally:
        fresh.stop()
