"""The standalone HTML export, opened from a file in Chromium with no server behind it: the report
page's own styles apply, and it prints as the report page prints."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import Page
from pypdf import PdfReader

from tests.browser.conftest import LAPTOP, PHONE, serious_violations, sign_in
from tests.conftest import LiveServer, annotate, create_event, join, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

BARRIER = "Nobody tells you how long the wait will be"


def _styles(page: Page, selector: str, *names: str) -> list[str]:
    return page.eval_on_selector(
        selector, "(el, names) => names.map(n => getComputedStyle(el).getPropertyValue(n))", list(names)
    )


def _pages_text(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_html_export_opens_from_a_file_styled_and_prints_like_the_report(
    server: LiveServer, new_context, tmp_path: Path
) -> None:
    fac = signed_in(server)
    event = create_event(fac, title="Lens walk to keep and print", date="2025-05-06")
    person = join(server, event)
    touchpoint = event["stages"][2]["touchpoints"][0]["id"]
    for n in range(3):
        written = annotate(person, event, touchpoint_id=touchpoint, text=f"{BARRIER} ({n + 1})")
        assert written.status_code == 201, written.text
    ids = [a["id"] for a in fac.get(f"/api/v1/events/{event['id']}/annotations").json()]
    made = fac.post(
        f"/api/v1/events/{event['id']}/improvements",
        json={
            "title": "Say how long the wait is",
            "annotation_ids": ids,
            "driver": "service_design_and_delivery",
        },
    )
    assert made.status_code == 201, made.text
    done = fac.post(
        f"/api/v1/improvements/{made.json()['id']}/actions",
        json={"what": "Text the expected date", "owner": "Admin lead", "due": "2025-07-01"},
    )
    assert done.status_code == 201, done.text
    download = fac.get(f"/api/v1/events/{event['id']}/export/html")
    assert download.status_code == 200
    path = tmp_path / "report.html"
    path.write_bytes(download.content)

    context = new_context(**LAPTOP, color_scheme="light")
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(path.as_uri())
    assert fetched == [path.as_uri()]  # nothing else loaded, from anywhere
    assert page.evaluate("[...document.styleSheets].map(s => s.href)") == [None]
    # The report page's styles, applied: its colours, its column, its heat map and tables.
    assert _styles(page, "body", "background-color", "font-family")[0] == "rgb(247, 246, 242)"
    assert "system-ui" in _styles(page, "body", "font-family")[0]
    assert _styles(page, "main", "max-width") == ["960px"]
    assert _styles(page, ".heat-map td.heat-5", "background-color") == ["rgb(138, 42, 23)"]
    assert _styles(page, ".report-table td.num", "text-align") == ["right"]
    assert serious_violations(page) == []
    page.emulate_media(color_scheme="dark")
    assert _styles(page, "body", "background-color") == ["rgb(18, 22, 25)"]  # dark, as the app is
    assert serious_violations(page, ["color-contrast"]) == []
    page.emulate_media(color_scheme="light")
    phone = new_context(**PHONE, color_scheme="light").new_page()
    phone.goto(path.as_uri())
    # The page never scrolls sideways; a table too wide for the phone scrolls in its own region.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    heat = phone.locator(".table-scroll:has(.heat-map)")
    assert heat.evaluate("el => el.scrollWidth > el.clientWidth") and heat.get_attribute("tabindex") == "0"

    # Printed, the file and the report page give the same pages with the same words.
    exported = page.pdf(format="A4")
    report = context.new_page()
    sign_in(report, server)
    report.goto(f"{server.base_url}/events/{event['id']}/report")
    printed = report.pdf(format="A4")
    (tmp_path / "export.pdf").write_bytes(exported)
    (tmp_path / "report.pdf").write_bytes(printed)
    ours, theirs = _pages_text(exported), _pages_text(printed)
    assert len(ours) == len(theirs)
    assert ours[0] == theirs[0]
    assert ours[0].startswith("Lens walk to keep and print Summary Lens walkthrough on 6 May 2025")
    assert "Download" not in theirs[0] and "Sign out" not in theirs[0]
