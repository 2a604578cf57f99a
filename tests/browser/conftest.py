"""Browser tests: Debian's Chromium driven by Playwright against the same live server as the rest of
the suite. One browser for the whole session; each test opens its own contexts (its own cookies), so a
facilitator's laptop and each phone are separate people.

Without Chromium or Playwright these tests are skipped and the run says so; with
LENSWALK_REQUIRE_BROWSER=1 (CI) a missing browser fails them instead."""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer

CHROMIUM = Path(os.environ.get("LENSWALK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
# Long enough for a loaded CI machine, short enough that "live" still means live.
LIVE_MS = 2000

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Locator,
        Page,
        Playwright,
        expect,
        sync_playwright,
    )
except ImportError:  # pragma: no cover: the skip below explains it
    sync_playwright = None  # type: ignore[assignment]


def _missing() -> str | None:
    if sync_playwright is None:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


_skipped: list[str] = []


@pytest.fixture(scope="session")
def playwright() -> Iterator["Playwright"]:
    reason = _missing()
    if reason:
        if os.environ.get("LENSWALK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LENSWALK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        _skipped.append(reason)
        pytest.skip(f"browser tests skipped: {reason}")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: "Playwright") -> Iterator["Browser"]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped:
        terminalreporter.write_sep("=", "BROWSER TESTS SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{_skipped[0]}. Set LENSWALK_REQUIRE_BROWSER=1 to make this a failure (CI does)."
        )


@pytest.fixture
def new_context(browser: "Browser") -> Iterator[Callable[..., "BrowserContext"]]:
    """Open a browser context (one person's device); all are closed after the test."""
    opened: list[BrowserContext] = []

    def open_context(**options: Any) -> "BrowserContext":
        context = browser.new_context(locale="en-GB", **options)
        # Actions (click, fill) wait this long for an element to be stable. A live region swapped by the
        # websocket just before a click restarts that wait, and on a loaded 2-core CI machine 5 s was
        # not always enough; live assertions keep their own LIVE_MS.
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def phone(new_context: Callable[..., "BrowserContext"]) -> Callable[[], "Page"]:
    return lambda: new_context(**PHONE).new_page()


def sign_in(page: "Page", server: LiveServer) -> None:
    """Sign in through the form, as a facilitator does."""
    page.goto(f"{server.base_url}/signin")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your events")).to_be_visible()


def join_with_code(page: "Page", server: LiveServer, code: str, team: str) -> None:
    """Type the code on /join, then choose a team."""
    page.goto(f"{server.base_url}/join")
    page.get_by_label("Join code").fill(code)
    page.get_by_role("button", name="Next").click()
    choose_team_and_join(page, team)


def choose_team_and_join(page: "Page", team: str) -> None:
    """Each team is its own button: choosing it is joining."""
    page.get_by_role("button", name=re.compile(rf"^Join {re.escape(team)}\b")).click()
    expect(page.get_by_role("heading", name="The journey")).to_be_visible()
    wait_live(page)


def wait_live(page: "Page") -> None:
    """The page's websocket is open, so nothing published from now on can be missed."""
    expect(page.locator(".live-status").first).to_have_text("Live")


def annotate(
    page: "Page",
    *,
    stage: str,
    touchpoint: str,
    kind: str,
    principles: list[str],
    text: str,
    send: bool = True,
) -> "Locator":
    """Open the stage, open "Add to <touchpoint>", fill the form and (unless told not to) send it
    with the button for its kind ("Strength", "Barrier", "Idea")."""
    name = page.locator("summary > span:first-child", has_text=re.compile(rf"^\d+\. {re.escape(stage)}$"))
    details = page.locator("details.stage", has=name)
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    section = details.locator(
        "section.touchpoint", has=page.get_by_role("heading", name=touchpoint, exact=True)
    )
    adding = section.locator("details.add-annotation")
    if adding.get_attribute("open") is None:
        adding.locator("summary").click()
    form = section.locator("form.annotation-form")
    for principle in principles:
        form.get_by_role("checkbox", name=principle).check()
    form.get_by_label("What you noticed").fill(text)
    if send:
        form.get_by_role("button", name=kind, exact=True).click()
    return form


def screenshot(page: "Page", name: str, **options: Any) -> None:
    """Only when asked (LENSWALK_SCREENSHOTS=1), so an ordinary run never changes the tree."""
    if os.environ.get("LENSWALK_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", **options)


def serious_violations(page: "Page", rules: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (all rules, or only `rules`),
    one readable line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    result = page.evaluate("async options => await axe.run(document, options)", options)
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
