"""A whole event through every export: CSV, XLSX, Markdown, the printable report, PDF and the JSON
archive, which restores on a fresh instance (its own database) and exports the same priorities.
No export carries a participant's token, nor a hidden or withdrawn contribution."""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text
from sqlmodel import Session

from app.db import make_engine, transaction
from app.facilitators import service as facilitators
from app.participants.service import hash_token, parse_tokens
from app.settings import Settings
from tests.conftest import (
    OTHER_EMAIL,
    LiveServer,
    annotate,
    client,
    command_env,
    create_event,
    run_command,
    signed_in,
)
from tests.support import own_server, page_token, post_form

OTHER_PASSWORD = "another long test password"
HIDDEN = "The receptionist read my name out across the waiting room (hidden)"
WITHDRAWN = "I would rather not have said this about the letter (withdrawn)"
FORMULA = '=HYPERLINK("http://evil.example","click")'
UNICODE = "Ça m\u2019a aidé — Привет — 你好 — 😀 the worker explained everything"
RETELL = "People have to retell their trauma history at every assessment"
WAIT = "Nobody tells you how long the wait will be"
GP_MAILBOX = "The GP mailbox answers queries within a day"
TITLES = [
    "Tell the story once: one shared assessment",
    "Say how long the wait is",
    "A quieter reception desk: «Тише» 静 😀",
]


@dataclass
class Held:
    event: dict[str, Any]
    custom_vignette: str
    tokens: list[str]
    texts: list[str]


@pytest.fixture(scope="module")
def held(server: LiveServer, settings: Settings) -> Iterator[Held]:
    """An event that ran: 15 people in four groups wrote, grouped, voted and planned."""
    fac = signed_in(server)
    made = post_form(
        fac,
        "/vignettes/new",
        {
            "name": "Morven",
            "summary": "Morven, 51, lives on an island and is wary of being recognised at the clinic.",
            "story": "Morven has used the service twice before.",
            "content_notes": "loss",
        },
        token_from="/vignettes/new",
    )
    assert made.status_code == 303, made.text
    custom = next(v["slug"] for v in fac.get("/api/v1/vignettes").json() if v["name"] == "Morven")
    event = create_event(
        fac,
        title="Lens walk: Harbour Service",
        date="2025-03-04",
        teams=[
            {"name": "Team Ollie", "vignette_slugs": ["ollie", custom]},
            {"name": "Team Gill", "vignette_slugs": ["gill"]},
        ],
    )
    groups = ["staff"] * 5 + ["lived_experience"] * 5 + ["partner"] * 3 + ["prefer_not_to_say"] * 2
    people = []
    for n, here_as in enumerate(groups):
        c = client(server)
        joined = c.post(
            "/api/v1/join",
            json={
                "join_code": event["join_code"],
                "team_id": event["teams"][n % 2]["id"],
                "here_as": here_as,
            },
        )
        assert joined.status_code == 201, joined.text
        people.append(c)
    stages = event["stages"]
    tp = {
        "referral": stages[1]["touchpoints"][0]["id"],
        "waiting": stages[2]["touchpoints"][0]["id"],
        "reception": stages[3]["touchpoints"][2]["id"],
        "assessment": stages[4]["touchpoints"][0]["id"],
    }

    def write(who: int, touchpoint: str, text: str, **extra: Any) -> int:
        response = annotate(people[who], event, touchpoint_id=tp[touchpoint], text=text, **extra)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    ids = {
        "retell": write(0, "assessment", RETELL, principles=["trust", "safety"], vignette_slug="ollie"),
        "retell2": write(5, "assessment", RETELL + " again", principles=["trust"], vignette_slug=custom),
        "wait": write(1, "waiting", WAIT, principles=["trust"], vignette_slug="gill"),
        "wait2": write(6, "waiting", "Letters about the wait are hard to read", principles=["choice"]),
        "desk": write(
            2, "reception", "You are asked why you are here at the open desk", principles=["safety"]
        ),
        "hidden": write(7, "reception", HIDDEN, principles=["safety"]),
        "gp": write(3, "referral", GP_MAILBOX, kind="strength", principles=["collaboration"]),
        "formula": write(8, "referral", FORMULA, kind="idea", principles=["empowerment"]),
        "unicode": write(4, "assessment", UNICODE, kind="strength", principles=["empowerment"]),
        "withdrawn": write(9, "waiting", WITHDRAWN, principles=["trust"]),
    }
    eid = event["id"]
    made_ids = []
    for title, evidence, driver, horizon in (
        (TITLES[0], ["retell", "retell2"], "policies_and_processes", "one_to_two_years"),
        (TITLES[1], ["wait", "wait2", "withdrawn"], "service_design_and_delivery", "quick_win"),
        (TITLES[2], ["desk", "hidden"], "organisational_culture", None),
    ):
        made = fac.post(
            f"/api/v1/events/{eid}/improvements",
            json={
                "title": title,
                "annotation_ids": [ids[k] for k in evidence],
                "driver": driver,
                "horizon": horizon,
            },
        )
        assert made.status_code == 201, made.text
        made_ids.append(made.json()["id"])
    assert fac.patch(f"/api/v1/events/{eid}/voting", json={"status": "open"}).status_code == 200
    # Staff put two dots on the waiting times, lived experience on telling the story once.
    for n, c in enumerate(people):
        first = made_ids[0] if n >= 5 else made_ids[1]
        second = made_ids[2] if n % 3 == 0 else made_ids[0 if n < 5 else 1]
        for improvement_id, dots in ((first, 2), (second, 1)):
            voted = c.put(f"/api/v1/improvements/{improvement_id}/vote", json={"dots": dots})
            assert voted.status_code == 200, voted.text
    for improvement_id, body in (
        (
            made_ids[0],
            {"what": "Agree one shared assessment form", "owner": "Service manager", "due": "2025-06-30"},
        ),
        (
            made_ids[1],
            {
                "what": "+Text every person waiting with the expected date",
                "owner": "Admin team lead",
                "due": "2025-04-30",
                "status": "in_progress",
            },
        ),
    ):
        assert fac.post(f"/api/v1/improvements/{improvement_id}/actions", json=body).status_code == 201
    # Hidden by the facilitator after it was grouped; withdrawn by its author.
    assert fac.post(f"/api/v1/annotations/{ids['hidden']}/hide").status_code == 200
    assert people[9].delete(f"/api/v1/annotations/{ids['withdrawn']}").status_code == 204
    tokens = [t for c in people for t in parse_tokens(c.cookies.get("lenswalk_participant"))]
    assert len(tokens) == len(people)
    yield Held(event=event, custom_vignette=custom, tokens=tokens, texts=[RETELL, WAIT, GP_MAILBOX, UNICODE])


def export(c: httpx.Client, event_id: int, fmt: str, **params: str) -> httpx.Response:
    response = c.get(f"/api/v1/events/{event_id}/export/{fmt}", params=params)
    assert response.status_code == 200, (fmt, response.status_code, response.text[:300])
    return response


def assert_nothing_private(held: Held, body: str, *, page: bool = False) -> None:
    for token in held.tokens:
        assert token not in body and hash_token(token) not in body
    assert HIDDEN not in body and WITHDRAWN not in body
    assert "participant_id" not in body
    if not page:  # a page has its own CSRF token
        assert "token" not in body.lower()


def test_csv_tables_read_back(held: Held, facilitator: httpx.Client) -> None:
    eid = held.event["id"]
    response = export(facilitator, eid, "csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="lens-walk-harbour-service-2025-03-04-priorities.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Title"] for r in rows] == TITLES
    by_title = {r["Title"]: r for r in rows}
    # Ten people put 2 dots on telling the story once and three staff their third; every staff
    # member put 2 on the wait.
    assert [(r["Rank"], r["Votes"]) for r in rows] == [("1", "23"), ("2", "17"), ("3", "5")]
    told_once = by_title[TITLES[0]]
    assert told_once["Driver"] == "Policies and processes" and told_once["Horizon"] == "1-2 years"
    assert told_once["Barriers"] == "2" and told_once["Vignettes"] == "2"
    assert RETELL in told_once["Evidence"] and "Ollie" in told_once["Evidence"]
    # The breakdown: staff and lived experience are shown; partners (3) and the 2 who preferred not
    # to say are only ever counted together.
    groups = [k for k in rows[0] if k.startswith("Votes: ")]
    assert groups == ["Votes: Lived experience", "Votes: Staff of this service", "Votes: Other"]
    assert int(told_once["Votes: Lived experience"]) == 10
    assert all("partner" not in g.lower() and "prefer" not in g.lower() for g in groups)
    assert by_title[TITLES[2]]["Evidence"].count("\n") == 0  # the hidden one is left out

    annotations = export(facilitator, eid, "csv", table="annotations")
    assert annotations.headers["content-disposition"].endswith('-annotations.csv"')
    text = annotations.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "Stage",
        "Touchpoint",
        "Kind",
        "Principles",
        "Vignette",
        "Team",
        "Text",
        "Created",
        "From paper",
    ]
    assert len(rows) == 8  # ten written, one hidden, one withdrawn
    assert {r["Text"] for r in rows} >= {RETELL, WAIT, GP_MAILBOX, UNICODE}
    retell = next(r for r in rows if r["Text"] == RETELL)
    assert retell["Stage"] == "Assessment" and retell["Kind"] == "Barrier"
    assert (
        retell["Principles"] == "Safety, Trust"
        and retell["Vignette"] == "Ollie"
        and retell["Team"] == "Team Ollie"
    )
    # A formula is text: a spreadsheet shows it and never runs it.
    assert "'" + FORMULA in {r["Text"] for r in rows} and FORMULA not in {r["Text"] for r in rows}

    plan = export(facilitator, eid, "csv", table="actions")
    rows = list(csv.DictReader(io.StringIO(plan.content.decode("utf-8-sig"))))
    assert [(r["Priority"], r["Owner"], r["Status"]) for r in rows] == [
        (TITLES[0], "Service manager", "Not started"),
        (TITLES[1], "Admin team lead", "In progress"),
    ]
    assert rows[1]["Action"].startswith("'+Text")
    assert rows[0]["Review"] == "2025-04-15"  # six weeks after the event
    for body in (response.text, text, plan.text):
        assert_nothing_private(held, body)


def test_xlsx_workbook(held: Held, facilitator: httpx.Client) -> None:
    response = export(facilitator, held.event["id"], "xlsx")
    assert (
        response.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"].endswith('2025-03-04.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    # The summary comes first (tests/test_exports.py::test_xlsx_summary_and_dates); then the tables.
    assert book.sheetnames == ["Summary", "Priorities", "Action plan", "Annotations", "Touchpoints"]
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
    priorities = list(book["Priorities"].iter_rows(values_only=True))
    assert priorities[0][:3] == ("Rank", "Title", "Votes")
    assert [row[1] for row in priorities[1:]] == TITLES
    assert book["Priorities"].column_dimensions["B"].width >= 40
    notes = list(book["Annotations"].iter_rows(values_only=True))
    assert len(notes) == 9
    # Kept as written, stored as text: never a formula.
    formula_cell = next(
        c for row in book["Annotations"].iter_rows(min_row=2) for c in row if c.value == FORMULA
    )
    assert formula_cell.data_type == "s"
    assert UNICODE in {row[6] for row in notes}
    plan = list(book["Action plan"].iter_rows(values_only=True))
    assert [row[2] for row in plan[1:]] == [
        "Agree one shared assessment form",
        "+Text every person waiting with the expected date",
    ]
    counts = {(row[0], row[1]): row for row in book["Touchpoints"].iter_rows(min_row=2, values_only=True)}
    header = next(book["Touchpoints"].iter_rows(values_only=True))
    assert header[:5] == ("Stage", "Touchpoint", "Strengths", "Barriers", "Ideas")
    reception = next(row for (stage, _tp), row in counts.items() if stage == "Arriving" and row[3])
    assert reception[3] == 1  # the hidden barrier is not counted
    assessment = next(
        row for (stage, _), row in counts.items() if stage == "Assessment" and (row[2] or row[3])
    )
    assert assessment[2:5] == (1, 2, 0) and assessment[header.index("Trust")] == 2
    all_text = " ".join(
        str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
    )
    assert_nothing_private(held, all_text)


# An exact time: what no contributions export may carry beside a team.
TO_THE_SECOND = re.compile(r"\d{1,2}:\d{2}:\d{2}")
HOUR_BAND = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}):00\u2013(\d{2}):59$")


def _written_at(db: Any, event_id: int, words: str) -> dt.datetime:
    with db.connect() as conn:
        value = conn.execute(
            text("SELECT created_at FROM annotation WHERE event_id = :e AND text = :t"),
            {"e": event_id, "t": words},
        ).scalar_one()
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def test_xlsx_summary_and_dates(held: Held, facilitator: httpx.Client, db: Any) -> None:
    book = load_workbook(io.BytesIO(export(facilitator, held.event["id"], "xlsx").content))
    summary = book.worksheets[0]
    assert summary.title == "Summary"
    rows = [[c for c in row if c is not None] for row in summary.iter_rows(values_only=True)]
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Event"] == "Lens walk: Harbour Service"
    assert facts["Date"] == dt.datetime(2025, 3, 4)  # a date cell, read back as a datetime
    date_cell = next(row[1] for row in summary.iter_rows() if row[0].value == "Date")
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"
    # Eight seen by the room: the hidden and the withdrawn ones are not counted.
    assert facts["Contributions"] == 8 and facts["Improvements"] == 3 and facts["Actions"] == 2
    assert facts["People who voted"] == 15
    assert (facts["Strengths"], facts["Barriers"], facts["Ideas"]) == (2, 5, 1)
    assert summary["A1"].font.b and summary["A1"].value == "Event"  # labels in bold
    start = next(n for n, row in enumerate(rows) if row and row[0] == "Contributions by stage")
    assert rows[start][1:] == ["Strengths", "Barriers", "Ideas", "Total"]
    by_stage = {row[0]: tuple(row[1:]) for row in rows[start + 1 : start + 1 + len(held.event["stages"])]}
    names = [stage["name"] for stage in held.event["stages"]]
    assert list(by_stage) == names
    assert by_stage[names[1]] == (1, 0, 1, 2)  # referral: the GP mailbox, and the formula idea
    assert by_stage[names[2]] == (0, 2, 0, 2)  # waiting: the withdrawn one is gone
    assert by_stage[names[3]] == (0, 1, 0, 1)  # arriving: the hidden one is not counted
    assert by_stage[names[4]] == (1, 2, 0, 3)
    assert sum(sum(v) for v in by_stage.values()) == 2 * 8
    top = next(n for n, row in enumerate(rows) if row == ["Top 5 priorities"]) + 1
    assert rows[top] == ["Rank", "Title", "Votes", "Driver"]
    assert [tuple(row[:3]) for row in rows[top + 1 :]] == [
        (1, TITLES[0], 23),
        (2, TITLES[1], 17),
        (3, TITLES[2], 5),
    ]

    # The action plan's dates are dates, the event date too: a spreadsheet sorts and filters them.
    plan = book["Action plan"]
    header = [c.value for c in plan[1]]
    due, review = plan[2][header.index("Due")], plan[2][header.index("Review")]
    assert due.value == dt.datetime(2025, 6, 30) and review.value == dt.datetime(2025, 4, 15)
    assert due.is_date and review.is_date and due.number_format == "yyyy-mm-dd"
    # A contribution's time is the hour it was written in: a date cell, shown as that hour.
    notes = book["Annotations"]
    header = [c.value for c in notes[1]]
    created = {
        row[header.index("Text")].value: row[header.index("Created")] for row in notes.iter_rows(min_row=2)
    }
    cell = created[RETELL]
    written = _written_at(db, held.event["id"], RETELL)
    assert cell.is_date and cell.value == written.replace(minute=0, second=0, microsecond=0, tzinfo=None)
    assert "ss" not in cell.number_format and "mm" not in cell.number_format.split(" ", 1)[1]
    for c in created.values():
        assert isinstance(c.value, dt.datetime) and (c.value.minute, c.value.second) == (0, 0)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f"  # formula-injection protection: no cell is a formula
                assert not (isinstance(c.value, str) and TO_THE_SECOND.search(c.value)), c.value


def test_contributions_and_archive_carry_the_hour_not_the_second(
    held: Held, facilitator: httpx.Client, db: Any
) -> None:
    eid = held.event["id"]
    body = export(facilitator, eid, "csv", table="annotations").content.decode("utf-8-sig")
    assert not TO_THE_SECOND.search(body)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert all(HOUR_BAND.match(r["Created"]) for r in rows), [r["Created"] for r in rows]
    written = _written_at(db, eid, RETELL)
    day, start, end = HOUR_BAND.match(next(r["Created"] for r in rows if r["Text"] == RETELL)).groups()
    assert (day, int(start), int(end)) == (written.date().isoformat(), written.hour, written.hour)
    # The archive keeps the same hour, which is all a restore needs: the order is the archive's.
    archive = export(facilitator, eid, "json").json()
    stamps = [dt.datetime.fromisoformat(a["created_at"]) for a in archive["annotations"]]
    assert all((s.minute, s.second) == (0, 0) for s in stamps) and stamps == sorted(stamps)
    retell = next(a for a in archive["annotations"] if a["text"] == RETELL)
    assert dt.datetime.fromisoformat(retell["created_at"]).hour == written.hour


def test_html_export_carries_the_report_styles(held: Held, facilitator: httpx.Client) -> None:
    document = export(facilitator, held.event["id"], "html").text
    # Nothing to fetch: no stylesheet, script or image from anywhere.
    assert "<link" not in document and "<script" not in document and "src=" not in document
    style = document.split("<style>", 1)[1].split("</style>", 1)[0]
    for rule in (".heat-map td", ".report-table", ":root{", ".container", "@media print"):
        assert rule in style, rule
    assert 'class="container"' in document and 'class="report"' in document


def test_markdown_and_printable_report(held: Held, facilitator: httpx.Client) -> None:
    eid = held.event["id"]
    response = export(facilitator, eid, "md")
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    md = response.text
    assert md.startswith("# Lens walk: Harbour Service")
    assert "### 1\\. " + TITLES[0] in md
    assert all(title in md for title in TITLES)
    assert "Ollie" in md and "Morven" in md  # vignettes used
    assert "Agree one shared assessment form" in md
    assert_nothing_private(held, md)

    page = facilitator.get(f"/events/{eid}/report")
    assert page.status_code == 200
    assert all(title in page.text for title in TITLES) and "Agree one shared assessment form" in page.text
    assert 'class="vote-chart"' in page.text and "heat-" in page.text
    for fmt in ("xlsx", "md", "html", "pdf", "json"):
        assert f"/api/v1/events/{eid}/export/{fmt}" in page.text
    for table in ("priorities", "annotations", "actions"):
        assert f"/api/v1/events/{eid}/export/csv?table={table}" in page.text
    assert 'action="/events/import"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert "css/report.css" in page.text
    assert_nothing_private(held, page.text, page=True)

    document = export(facilitator, eid, "html")
    assert document.headers["content-type"] == "text/html; charset=utf-8"
    assert document.headers["content-disposition"].endswith('.html"')
    assert all(title in document.text for title in TITLES) and "@media print" in document.text
    assert_nothing_private(held, document.text)


def test_pdf_report(held: Held, facilitator: httpx.Client) -> None:
    response = export(facilitator, held.event["id"], "pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].endswith('2025-03-04.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for title in TITLES[:2]:
        assert title in text
    for heading in (
        "Vignettes used",
        "Strengths and barriers by stage",
        "Heat map",
        "Votes",
        "Priorities",
        "Action plan",
    ):
        assert heading in text
    assert "Morven" in text and "Agree one shared assessment form" in text
    # Cyrillic from the bundled font; a character it lacks (Chinese, emoji) shows as a white square.
    assert "A quieter reception desk: «Тише» \u25a1 😀" in text
    assert HIDDEN not in text and WITHDRAWN not in text
    for token in held.tokens:
        assert token.encode() not in response.content


def test_archive_restores_on_a_fresh_instance(held: Held, facilitator: httpx.Client, tmp_path: Path) -> None:
    eid = held.event["id"]
    response = export(facilitator, eid, "json")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].endswith('2025-03-04.lenswalk.json"')
    archive = response.json()
    assert archive["format"] == "lenswalk-event-archive" and archive["version"] == 1
    assert_nothing_private(held, response.text)
    assert held.event["join_code"] not in response.text
    assert len(archive["annotations"]) == 8
    assert {v["slug"] for v in archive["vignettes"]} == {"ollie", "gill", held.custom_vignette}
    # Totals by group, small groups merged: no ballots.
    assert {g["group"]: g["voters"] for g in archive["votes"]["groups"]} == {
        "staff": 5,
        "lived_experience": 5,
        "other": 5,
    }
    before = [
        r for r in csv.DictReader(io.StringIO(export(facilitator, eid, "csv").content.decode("utf-8-sig")))
    ]

    with own_server(tmp_path, database_url=f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        other = signed_in(fresh)
        assert held.custom_vignette not in {v["slug"] for v in other.get("/api/v1/vignettes").json()}
        restored = other.post("/api/v1/events/import", json=archive)
        assert restored.status_code == 201, restored.text
        new = restored.json()
        assert new["status"] == "closed" and new["join_code"] != held.event["join_code"]
        event = other.get(f"/api/v1/events/{new['id']}").json()
        assert [t["vignette_slugs"] for t in event["teams"]] == [["ollie", held.custom_vignette], ["gill"]]
        assert len(event["stages"]) == len(held.event["stages"])
        # The same priorities, votes, breakdown and evidence come out again.
        after = list(csv.DictReader(io.StringIO(export(other, new["id"], "csv").content.decode("utf-8-sig"))))
        assert after == before
        again = export(other, new["id"], "json").json()
        for key in (
            "annotations",
            "improvements",
            "votes",
            "actions",
            "teams",
            "journey_map",
            "agenda",
            "vignettes",
            "review_schedule",
            "reviews",
        ):
            assert again[key] == archive[key], key
        # The custom vignette's words came with it.
        assert "Morven" in {v["name"] for v in other.get("/api/v1/vignettes").json()}


def test_lenswalk_import_command(held: Held, facilitator: httpx.Client, tmp_path: Path) -> None:
    archive = export(facilitator, held.event["id"], "json").content
    path = tmp_path / "event.lenswalk.json"
    path.write_bytes(archive)
    env = command_env(tmp_path)
    assert (
        run_command(
            env, "facilitator", "add", "lead@example.org", "--password-stdin", stdin="a long password here\n"
        ).returncode
        == 0
    )
    assert run_command(env, "load-content").returncode == 0
    missing = run_command(env, "import", str(path), "--facilitator", "nobody@example.org")
    assert missing.returncode == 1 and "no facilitator account" in missing.stderr
    done = run_command(env, "import", str(path), "--facilitator", "lead@example.org")
    assert done.returncode == 0, done.stderr
    assert "Lens walk: Harbour Service" in done.stdout and "closed" in done.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    refused = run_command(env, "import", str(bad), "--facilitator", "lead@example.org")
    assert refused.returncode == 1 and "not a Lenswalk event archive" in refused.stderr


def test_upload_on_the_report_page_restores(held: Held, facilitator: httpx.Client) -> None:
    archive = export(facilitator, held.event["id"], "json").content
    token = page_token(facilitator, f"/events/{held.event['id']}/report")
    done = facilitator.post(
        "/events/import",
        files={"archive": ("event.lenswalk.json", archive, "application/json")},
        data={"csrf_token": token},
    )
    assert done.status_code == 303, done.text
    report = facilitator.get(done.headers["location"])
    assert report.status_code == 200 and TITLES[0] in report.text
    bad = facilitator.post(
        "/events/import",
        files={
            "archive": (
                "event.json",
                b'{"format": "lenswalk-event-archive", "version": 2}',
                "application/json",
            )
        },
        data={"csrf_token": token},
    )
    assert bad.status_code == 422 and "not a Lenswalk event archive" in bad.text


@pytest.fixture
def outsider(server: LiveServer) -> httpx.Client:
    """A facilitator with an account here, but not of this event."""
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            facilitators.ensure_facilitator(session, email=OTHER_EMAIL, password=OTHER_PASSWORD)
    finally:
        engine.dispose()
    return signed_in(server, OTHER_EMAIL, OTHER_PASSWORD)


def test_only_the_events_facilitators_can_export(
    held: Held, server: LiveServer, outsider: httpx.Client
) -> None:
    eid = held.event["id"]
    anyone = client(server)
    for fmt in ("csv", "xlsx", "md", "html", "pdf", "json"):
        assert anyone.get(f"/api/v1/events/{eid}/export/{fmt}").status_code == 401
    assert anyone.get(f"/events/{eid}/report").status_code == 401
    participant = client(server)
    participant.post(
        "/api/v1/join", json={"join_code": held.event["join_code"], "team_id": held.event["teams"][0]["id"]}
    )
    assert participant.get(f"/api/v1/events/{eid}/export/csv").status_code == 401
    assert outsider.get(f"/api/v1/events/{eid}/export/pdf").status_code == 403
    assert outsider.get(f"/events/{eid}/report").status_code == 403
    assert outsider.post("/api/v1/events/import", json={}).status_code == 422


def test_bad_formats_and_archives_are_refused(held: Held, facilitator: httpx.Client, db: Any) -> None:
    eid = held.event["id"]
    assert facilitator.get(f"/api/v1/events/{eid}/export/docx").status_code == 422
    assert facilitator.get(f"/api/v1/events/{eid}/export/csv", params={"table": "votes"}).status_code == 422
    assert facilitator.get("/api/v1/events/999999/export/csv").status_code == 404
    archive = export(facilitator, eid, "json").json()
    url = "/api/v1/events/import"
    broken = [
        {**archive, "version": 2},
        {**archive, "format": "something else"},
        {**archive, "annotations": [{**archive["annotations"][0], "touchpoint": 999_999}]},
        {**archive, "improvements": [{**archive["improvements"][0], "evidence": [999_999]}]},
        {**archive, "teams": [{**archive["teams"][0], "vignettes": ["nobody-here"]}]},
        {
            **archive,
            "votes": {**archive["votes"], "dots": [{"improvement": 1, "group": "staff", "dots": 10_000}]},
        },
        {**archive, "annotations": archive["annotations"] + archive["annotations"][:1]},
        {**archive, "event": {**archive["event"], "title": "x" * 201}},
        {**archive, "participants": []},
    ]
    events_before = _count(db, "event")
    maps_before = _count(db, "journey_map")
    for body in broken:
        response = facilitator.post(url, json=body)
        assert response.status_code == 422, (response.status_code, response.text[:300])
    not_json = facilitator.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422
    # Nothing half-imported: none of those left an event, or a journey map, behind.
    assert _count(db, "event") == events_before and _count(db, "journey_map") == maps_before


def _count(db: Any, table: str) -> int:
    with db.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
