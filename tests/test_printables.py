"""The printables as a person holds them: each PDF page rendered to PNG at print resolution
(pdftoppm, poppler-utils), its QR code read back with zbarimg (zbar-tools) to the event's join
link, and its text read back (pdftotext) for the code, the short address and, in the paper kit,
each vignette's content notes before its story."""

import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine, transaction
from app.facilitators import service as facilitators
from app.phases.models import PRINCIPLE_QUESTIONS
from tests.conftest import OTHER_EMAIL, LiveServer, create_event, signed_in

OTHER_PASSWORD = "another long test password"


def pages_as_png(pdf: bytes, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(folder / "doc.pdf"), str(folder / "page")], check=True
    )
    pages = sorted(folder.glob("page-*.png"))
    assert pages, "pdftoppm made no page"
    return pages


def qr_codes(png: Path) -> list[str]:
    found = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sqrcode.enable=1", str(png)], capture_output=True, text=True
    )
    return [line for line in found.stdout.splitlines() if line]


def pdf_text(pdf: bytes, folder: Path) -> str:
    path = folder / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def download(fac: httpx.Client, event: dict[str, Any], name: str) -> bytes:
    response = fac.get(f"/events/{event['id']}/print/{name}.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


@pytest.fixture(scope="module")
def printed(server: LiveServer) -> tuple[httpx.Client, dict[str, Any]]:
    fac = signed_in(server)
    return fac, create_event(fac, title="Lens walk: Harbour Service", date="2026-12-09")


def test_the_poster_scans_to_the_join_link_and_shows_the_code(printed: Any, tmp_path: Path) -> None:
    fac, event = printed
    pdf = download(fac, event, "poster")
    pages = pages_as_png(pdf, tmp_path / "poster")
    assert len(pages) == 1, "the poster is one A4 page"
    assert qr_codes(pages[0]) == [event["join_url"]]
    text = pdf_text(pdf, tmp_path)
    assert event["join_code"] in text
    assert "127.0.0.1" in text and "/join" in text and "?code=" not in text  # the short address
    assert "Lens walk: Harbour Service" in text and "9 December 2026" in text


def test_every_table_card_scans_and_names_its_team(printed: Any, tmp_path: Path) -> None:
    fac, event = printed
    pdf = download(fac, event, "table-cards")
    pages = pages_as_png(pdf, tmp_path / "cards")
    teams = len(event["teams"])
    assert len(pages) == -(-teams // 4)
    for page in pages:  # four cards to a page, the last page filled with cards for any table
        assert qr_codes(page) == [event["join_url"]] * 4
    text = pdf_text(pdf, tmp_path)
    assert text.count(event["join_code"]) == len(pages) * 4
    for team in event["teams"]:
        assert team["name"] in text


def test_the_paper_kit_puts_content_notes_before_each_story(printed: Any, tmp_path: Path) -> None:
    fac, event = printed
    vignettes = {v["slug"]: v for v in fac.get("/api/v1/vignettes").json()}
    pdf = download(fac, event, "paper-kit")
    pages_as_png(pdf, tmp_path / "kit")
    text = " ".join(pdf_text(pdf, tmp_path).split())
    with_notes = 0
    for team in event["teams"]:
        start = text.index(f"{team['name']}: paper kit")
        for slug in team["vignette_slugs"]:
            v = vignettes[slug]
            story = " ".join(v["story"].split()[:6])
            story_at = text.index(story, start)
            if v["content_notes"]:
                with_notes += 1
                note_at = text.index("Content note: this story mentions", start)
                assert note_at < story_at, f"{v['name']}: the content note comes after the story"
                assert v["content_notes"][0] in text[note_at:story_at]
            start = story_at
        journey = text.index(f"{team['name']}: the journey", start)
        for question in PRINCIPLE_QUESTIONS.values():
            assert " ".join(question.split()[:5]) in text[start:journey]
        for s, stage in enumerate(event["stages"], start=1):
            for t, tp in enumerate(stage["touchpoints"], start=1):
                assert f"{s}.{t} {tp['name']}" in text[journey:], tp["name"]
    assert with_notes, "no vignette of the default teams has content notes: the order went untested"
    assert text.count("Strength Barrier Idea") >= sum(len(s["touchpoints"]) for s in event["stages"])


def test_printables_are_for_the_events_facilitators_only(server: LiveServer, printed: Any) -> None:
    _fac, event = printed
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            facilitators.ensure_facilitator(session, email=OTHER_EMAIL, password=OTHER_PASSWORD)
    finally:
        engine.dispose()
    other = signed_in(server, OTHER_EMAIL, OTHER_PASSWORD)
    for name in ("poster", "table-cards", "paper-kit"):
        response = other.get(f"/events/{event['id']}/print/{name}.pdf")
        assert response.status_code == 403, name
        assert "facilitators" in response.text
