"""The outcomes picture: the action plan as a grid of Roadmap driver by horizon, made on the server as
SVG, served on its own, shown on the plan page and carried by the HTML, Markdown and PDF reports."""

import base64
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, annotate, client, create_event, join, signed_in

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert("outcomes")</script><text>'
ACTIONS = {
    # what: (improvement title, action driver, horizon label, status label)
    "Agree one shared assessment form": ("Tell the story once", "policies_and_processes", "1-2 years"),
    "Text everyone waiting the expected date": (
        "Say how long the wait is",
        "service_design_and_delivery",
        "Quick win",
    ),
    "Fund a quieter reception desk": ("A quieter reception", "budgets", "Horizon not set"),
    HOSTILE: ("Say how long the wait is", "leadership", "Quick win"),
}
DRIVERS = {
    "policies_and_processes": "Policies and processes",
    "service_design_and_delivery": "Service design and delivery",
    "budgets": "Budgets",
    "leadership": "Leadership",
}
HORIZONS = {"1-2 years": "one_to_two_years", "Quick win": "quick_win", "Horizon not set": None}


@dataclass
class Planned:
    event: dict[str, Any]
    facilitator: httpx.Client
    participant: httpx.Client


@pytest.fixture(scope="module")
def planned(server: LiveServer) -> Iterator[Planned]:
    fac = signed_in(server)
    event = create_event(fac, title="Lens walk <b>& outcomes</b>", date="2025-03-04")
    person = join(server, event)
    touchpoint = event["stages"][2]["touchpoints"][0]["id"]
    written = annotate(person, event, touchpoint_id=touchpoint, text="Nobody says how long the wait is")
    assert written.status_code == 201, written.text
    improvements: dict[str, int] = {}
    for what, (title, driver, horizon) in ACTIONS.items():
        if title not in improvements:
            made = fac.post(
                f"/api/v1/events/{event['id']}/improvements",
                json={
                    "title": title,
                    "annotation_ids": [written.json()["id"]],
                    "driver": driver,
                    "horizon": HORIZONS[horizon],
                },
            )
            assert made.status_code == 201, made.text
            improvements[title] = made.json()["id"]
        added = fac.post(
            f"/api/v1/improvements/{improvements[title]}/actions",
            json={"what": what, "owner": "Service manager", "due": "2025-06-30", "driver": driver},
        )
        assert added.status_code == 201, added.text
    yield Planned(event, fac, person)


def _cells(svg: str) -> dict[str, tuple[str, str, str]]:
    """Each action's (driver, horizon, status) as the picture lays it out: a row (<g>) per driver,
    its label on the left, and the column whose heading starts where the action does."""
    root = ET.fromstring(svg)
    headings = {t.get("x"): t.text for t in root.findall(f"{SVG}text")}
    found: dict[str, tuple[str, str, str]] = {}
    for row in root.iter(f"{SVG}g"):
        texts = [(t.get("x"), t.text or "") for t in row.iter(f"{SVG}text")]
        driver = " ".join(words for x, words in texts if x == "8")
        what: list[str] = []
        for x, words in texts:
            if x == "8":
                continue
            if words.startswith("  Status: "):
                found[" ".join(what)] = (driver, headings[x] or "", words.removeprefix("  Status: "))
                what = []
            else:
                what.append(words.removeprefix("• ").strip())
    return found


def test_the_picture_holds_each_action_under_its_driver_and_horizon(planned: Planned) -> None:
    response = planned.facilitator.get(f"/events/{planned.event['id']}/outcomes.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(response.text)  # parses: well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "Outcomes over time: Lens walk <b>& outcomes</b>"
    assert "4 actions by Roadmap driver and horizon" in (root.findtext(f"{SVG}desc") or "")
    cells = _cells(response.text)
    for what, (_title, driver, horizon) in ACTIONS.items():
        # Long words are broken across lines and a long action cut with "…": compare without spaces.
        shown = next(k for k in cells if what.replace(" ", "").startswith(k.rstrip("…").replace(" ", "")))
        assert cells[shown] == (DRIVERS[driver], horizon, "Not started"), what
    # Drivers in the Roadmap's order, horizons soonest first.
    headings = [t.text for t in root.iter(f"{SVG}text") if float(t.get("y", 0)) < 40]
    assert headings == ["Roadmap driver", "Quick win", "1-2 years", "3-5 years", "Longer", "Horizon not set"]


def test_hostile_action_text_stays_text(planned: Planned) -> None:
    eid = planned.event["id"]
    svg = planned.facilitator.get(f"/events/{eid}/outcomes.svg").text
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert not list(ET.fromstring(svg).iter(f"{SVG}script"))
    page = planned.facilitator.get(f"/events/{eid}/actions").text
    assert 'class="vote-chart outcomes-chart"' in page
    assert '<script>alert("outcomes")' not in page and "<b>& outcomes</b>" not in page


def test_the_picture_follows_a_status_change(planned: Planned) -> None:
    eid = planned.event["id"]
    plan = planned.facilitator.get(f"/api/v1/events/{eid}/actions").json()
    action = next(a for a in plan["actions"] if a["what"] == "Fund a quieter reception desk")
    changed = planned.facilitator.patch(f"/api/v1/actions/{action['id']}", json={"status": "done"})
    assert changed.status_code == 200, changed.text
    cells = _cells(planned.facilitator.get(f"/events/{eid}/outcomes.svg").text)
    assert cells["Fund a quieter reception desk"] == ("Budgets", "Horizon not set", "Done")


def test_who_may_see_the_picture(planned: Planned, server: LiveServer) -> None:
    eid = planned.event["id"]
    # A participant of the event reads the plan, so the picture too; a stranger does not.
    assert planned.participant.get(f"/events/{eid}/outcomes.svg").status_code == 200
    # As for the plan page, someone who has not joined is sent to the join page.
    stranger = client(server).get(f"/events/{eid}/outcomes.svg", follow_redirects=False)
    assert stranger.status_code == 303 and stranger.headers["location"] == "/join"
    assert client(server).get("/events/999999/outcomes.svg").status_code == 404


def test_reports_carry_the_picture(planned: Planned, tmp_path: Path) -> None:
    eid = planned.event["id"]
    page = planned.facilitator.get(f"/events/{eid}/report").text
    assert "Outcomes over time" in page and 'class="vote-chart outcomes-chart"' in page
    html = planned.facilitator.get(f"/api/v1/events/{eid}/export/html").text
    assert 'class="vote-chart outcomes-chart"' in html and "<script>alert" not in html

    md = planned.facilitator.get(f"/api/v1/events/{eid}/export/md").text
    assert "## Outcomes over time" in md
    found = re.search(r"\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", md)
    assert found, "the picture travels inside the Markdown file"
    picture = base64.b64decode(found.group(1)).decode()
    assert "Fund a quieter reception desk" in picture and "<script" not in picture
    ET.fromstring(picture)
    assert "| Budgets | Horizon not set | Fund a quieter reception desk |" in md

    pdf = planned.facilitator.get(f"/api/v1/events/{eid}/export/pdf")
    assert pdf.status_code == 200
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Outcomes over time" in text
    last = text.split("Outcomes over time")[-1]
    for heading in ("Roadmap driver", "Quick win", "1-2 years", "Horizon not set", "Budgets", "Leadership"):
        assert heading in last
    assert "Status: Done" in last and "Fund a quieter" in last
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), "/tmp/outcomes_shots/report"], check=True)
