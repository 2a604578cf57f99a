"""The projector board shows the whole default journey map with 300 contributions on one screen, from
1280x720 to 3840x2160: measured in a real browser (geometry, not markup), and its QR code decoded from a
screenshot with zbarimg."""

import re
import shutil
import subprocess
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, serious_violations, sign_in, wait_live
from tests.conftest import LiveServer, annotate, create_event, join, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SIZES = [(1280, 720), (1366, 768), (1920, 1080)]
KINDS = ("barrier", "strength", "idea", "barrier")
PRINCIPLES = ("safety", "trust", "choice", "collaboration", "empowerment")
NEWEST = "The newest one: a text the day before saying who I will meet and where."
LATER = "Arrived while the board was open: the letter named the worker I would meet."

# Every box the room must see, each inside the viewport and not cut off by a parent that clips.
OUT_OF_VIEW = """() => {
  const vw = innerWidth, vh = innerHeight, bad = [];
  const clips = el => { const s = getComputedStyle(el); return s.overflowX !== 'visible' || s.overflowY !== 'visible'; };
  const name = el => (el.id ? '#' + el.id : el.className) + ' "' + el.textContent.trim().slice(0, 40) + '"';
  const boxes = document.querySelectorAll(
    '.stage-column h2, .touchpoint-tile, .join-code, .join-at, .qr svg, #latest > li:first-child, .heat-legend');
  for (const el of boxes) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) { bad.push('not shown: ' + name(el)); continue; }
    if (r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5) bad.push('outside: ' + name(el));
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (!clips(p)) continue;
      const c = p.getBoundingClientRect();
      if (r.left < c.left - 0.5 || r.top < c.top - 0.5 || r.right > c.right + 0.5 || r.bottom > c.bottom + 0.5) {
        bad.push('clipped: ' + name(el) + ' by ' + name(p).slice(0, 30));
        break;
      }
    }
  }
  const page = document.scrollingElement;
  if (page.scrollHeight > vh + 1 || page.scrollWidth > vw + 1) bad.push('the page scrolls');
  return bad;
}"""

# Words (split at spaces and hyphens) whose letters are laid out on more than one line.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('.board-layout'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.getClientRects().length) continue;
    for (const m of node.textContent.matchAll(/[^\\s\\-\\u2010\\u2013\\u2014\\/]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


def busy_event(server: LiveServer) -> dict[str, Any]:
    """The default map, 300 contributions spread over all its touchpoints, the newest known."""
    fac = signed_in(server)
    event = create_event(fac, title="Lens walk at the Island Recovery Service")
    touchpoints = cycle([tp["id"] for stage in event["stages"] for tp in stage["touchpoints"]])
    people = [join(server, event, team_index=i % len(event["teams"])) for i in range(11)]
    for n in range(300):
        person = people[n // 28]
        text = NEWEST if n == 299 else f"Contribution number {n + 1}: the wait felt long and nobody said why."
        response = annotate(
            person,
            event,
            touchpoint_id=next(touchpoints),
            kind=KINDS[n % len(KINDS)],
            principles=[PRINCIPLES[n % len(PRINCIPLES)]],
            text=text,
        )
        assert response.status_code == 201, response.text
    event["facilitator"] = fac
    return event


def decode_qr(page: Page, path: Path) -> str:
    assert shutil.which("zbarimg"), "zbarimg is missing: apt-get install zbar-tools (.ci/run does)"
    page.screenshot(path=str(path), timeout=60_000)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    return result.stdout.strip()


def assert_fits(page: Page, size: tuple[int, int], tmp_path: Path, join_link: str) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_timeout(400)  # board.js refits after a resize (debounced)
    assert page.evaluate(OUT_OF_VIEW) == [], size
    assert page.evaluate(BROKEN_WORDS) == [], size
    assert decode_qr(page, tmp_path / f"board-{size[0]}.png") == join_link, size
    expect(page.locator("#latest > li").first).to_contain_text(LATER)


@pytest.fixture(scope="module")
def busy(server: LiveServer) -> dict[str, Any]:
    return busy_event(server)


def test_the_board_shows_the_whole_map_and_a_readable_qr_on_any_projector(
    server: LiveServer, new_context, busy: dict[str, Any], tmp_path: Path
) -> None:
    page = new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True).new_page()
    sign_in(page, server)
    page.goto(f"{server.base_url}/events/{busy['id']}/board")
    wait_live(page)
    join_link = f"{server.base_url}/join?code={busy['join_code']}"
    expect(page.locator(".join-at")).to_have_text(f"Join at {server.base_url.split('://')[1]}/join with code")
    stages = page.locator(".stage-column")
    expect(stages).to_have_count(len(busy["stages"]))
    expect(page.locator(".touchpoint-tile")).to_have_count(sum(len(s["touchpoints"]) for s in busy["stages"]))
    # A contribution arriving while the board is open shows without a reload, newest first.
    person = join(server, busy)
    assert annotate(person, busy, text=LATER).status_code == 201
    expect(page.locator("#latest > li").first).to_contain_text(LATER)
    for size in [*SIZES, (3840, 2160)]:
        assert_fits(page, size, tmp_path, join_link)
        if size in ((1280, 720), (1920, 1080)):
            screenshot(page, f"board-{size[0]}x{size[1]}")
    # On a phone the board may scroll down, never sideways, and still breaks no word.
    page.set_viewport_size({"width": 360, "height": 640})
    page.wait_for_timeout(400)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    assert page.evaluate(BROKEN_WORDS) == []
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.setAttribute('data-theme', '{theme}')")
        assert serious_violations(page) == [], theme


def test_the_wall_principles_and_priorities_need_no_scrolling(
    server: LiveServer, new_context, busy: dict[str, Any]
) -> None:
    fac: httpx.Client = busy["facilitator"]
    page = new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True).new_page()
    sign_in(page, server)
    page.goto(f"{server.base_url}/events/{busy['id']}/board")
    wait_live(page)
    for view, shows in (
        ("wall", "Annotation wall"),
        ("principles", "Strengths and barriers"),
        ("priorities", "Priorities"),
    ):
        response = fac.post(f"/events/{busy['id']}/board-view", data={"view": view, "filter": ""})
        assert response.status_code in (204, 303), response.text
        expect(page.locator("#board-main")).to_contain_text(shows)
        page.wait_for_timeout(400)
        scroll = page.evaluate(
            "() => [document.scrollingElement.scrollHeight - innerHeight,"
            " document.getElementById('board-main').scrollHeight - document.getElementById('board-main').clientHeight]"
        )
        assert scroll[0] <= 1 and scroll[1] <= 1, (view, scroll)
        if view == "wall":
            more = page.locator(".wall .board-more")
            expect(more).to_be_visible()
            expect(more).to_have_text(re.compile(r"^\+\d+ more$"))
            assert page.evaluate(OUT_OF_VIEW) == []


def test_a_map_too_large_to_fit_pages_through_its_stages_at_a_readable_size(
    server: LiveServer, new_context
) -> None:
    fac = signed_in(server)
    event = create_event(fac, title="A very long journey", open=False)
    for s in range(20):
        response = fac.post(f"/events/{event['id']}/stages", data={"name": f"Extra stage {s + 1}"})
        assert response.status_code in (303, 200), response.text
    page = new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True).new_page()
    sign_in(page, server)
    page.goto(f"{server.base_url}/events/{event['id']}")
    for form in page.locator("form[action$='/touchpoints']").all()[10:]:
        for t in range(6):
            action = form.get_attribute("action")
            fac.post(action, data={"name": f"A touchpoint with a longer name {t + 1}"})
    page.goto(f"{server.base_url}/events/{event['id']}/board")
    wait_live(page)
    pager = page.locator(".board-pager")
    expect(pager).to_be_visible()
    expect(pager).to_contain_text(re.compile(r"^Stages 1\u2013\d+ of 30\."))
    # the stages on this page, each inside the viewport; the others wait for their page
    assert [b for b in page.evaluate(OUT_OF_VIEW) if not b.startswith("not shown")] == []
    assert page.evaluate(BROKEN_WORDS) == []
    shown = page.locator(".stage-column:not([hidden])")
    assert 0 < shown.count() < 30
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.touchpoint-tile h3')).fontSize)"
    )
    assert size >= 12, size
