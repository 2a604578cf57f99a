"""Reviews of an event's action plan, on an event restored from its archive: three reviews six weeks
apart, each action's history read back, the overdue flag moving, the summary (Markdown and PDF) and
the review dates (.ics) read back, the archive carrying it all to another instance, and bad input
refused with nothing changed."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import text

from tests.conftest import LiveServer, signed_in
from tests.support import another_facilitator, own_server

OTHER_EMAIL = "reviews-outsider@example.org"
SHARED = "Agree one shared assessment form"
TEXTS = "Text every person waiting with the expected date"
DESK = "Move the reception desk away from the waiting area"
EVIDENCE = "https://example.org/minutes/may.pdf"


def archive() -> dict[str, Any]:
    """An event that happened elsewhere: three priorities, one action each."""
    return {
        "format": "lenswalk-event-archive",
        "version": 1,
        "event": {"title": "Lens walk: Island Recovery Service", "date": "2025-03-04"},
        "journey_map": {"name": "Recovery", "stages": [{"name": "First contact", "touchpoints": []}]},
        "improvements": [
            {"key": 1, "title": "Tell the story once", "driver": "policies_and_processes"},
            {"key": 2, "title": "Say how long the wait is", "driver": "service_design_and_delivery"},
            {"key": 3, "title": "A quieter reception", "driver": "organisational_culture"},
        ],
        "actions": [
            {"improvement": 1, "what": SHARED, "owner": "Service manager", "driver": "policies_and_processes",
             "due": "2025-04-30", "review": "2025-04-15"},
            {"improvement": 2, "what": TEXTS, "owner": "Admin team lead",
             "driver": "service_design_and_delivery", "due": "2025-06-30", "review": "2025-04-15",
             "status": "in_progress"},
            {"improvement": 3, "what": DESK, "owner": "Estates", "driver": "organisational_culture",
             "due": "2099-01-01", "review": "2025-04-15"},
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def fac(server: LiveServer) -> httpx.Client:
    return signed_in(server)


@pytest.fixture(scope="module")
def imported(fac: httpx.Client) -> Iterator[dict[str, Any]]:
    made = fac.post("/api/v1/events/import", json=archive())
    assert made.status_code == 201, made.text
    eid = made.json()["id"]
    plan = fac.get(f"/api/v1/events/{eid}/actions").json()["actions"]
    yield {"id": eid, "actions": {a["what"]: a["id"] for a in plan}}


@pytest.fixture(scope="module")
def outsider(server: LiveServer) -> httpx.Client:
    """A facilitator with an account here, but not of this event."""
    return another_facilitator(server, OTHER_EMAIL)


def review(
    fac: httpx.Client, eid: int, held_on: str, *changes: dict[str, Any], **extra: Any
) -> httpx.Response:
    return fac.post(
        f"/api/v1/events/{eid}/reviews",
        json={
            "held_on": held_on,
            "attendees": [
                {"role": "Service manager", "count": 1},
                {"role": "Person with lived experience", "count": 2},
            ],
            "actions": list(changes),
            **extra,
        },
    )


def state(fac: httpx.Client, eid: int) -> dict[str, Any]:
    got = fac.get(f"/api/v1/events/{eid}/reviews")
    assert got.status_code == 200, got.text
    return got.json()


def history(fac: httpx.Client, eid: int, action_id: int) -> dict[str, Any]:
    got = fac.get(f"/api/v1/events/{eid}/actions/{action_id}/history")
    assert got.status_code == 200, got.text
    return got.json()


def test_three_reviews_six_weeks_apart(fac: httpx.Client, imported: dict[str, Any], tmp_path: Path) -> None:
    eid = imported["id"]
    ids = imported["actions"]
    shared, texts, desk = ids[SHARED], ids[TEXTS], ids[DESK]

    # Before any review: six weeks after the event, long past; two actions are past their date.
    first = state(fac, eid)
    assert first["schedule"] == {"interval_weeks": 6, "first_review": "2025-04-15"}
    assert first["next_review"] == "2025-04-15" and first["review_missed"] is True
    assert first["overdue_action_ids"] == sorted([shared, texts])
    page = fac.get(f"/events/{eid}")
    assert "Review missed" in page.text and "2 actions overdue" in page.text

    schedule = fac.put(
        f"/api/v1/events/{eid}/review-schedule", json={"interval_weeks": 6, "first_review": "2025-04-15"}
    )
    assert schedule.status_code == 200, schedule.text

    one = review(
        fac,
        eid,
        "2025-04-15",
        {"action_id": shared, "status": "in_progress", "note": "Draft form shared with the GP practices"},
        {"action_id": texts, "status": "done", "note": "Texts go out weekly", "evidence_url": EVIDENCE},
    )
    assert one.status_code == 201, one.text
    assert one.json()["attendees"] == [
        {"role": "Service manager", "count": 1},
        {"role": "Person with lived experience", "count": 2},
    ]
    after_one = state(fac, eid)
    assert after_one["next_review"] == "2025-05-27"
    assert after_one["overdue_action_ids"] == [shared]  # the texts are done

    two = review(fac, eid, "2025-05-27", {"action_id": shared, "status": "stuck", "note": "Waiting on IT"})
    assert two.status_code == 201, two.text
    assert state(fac, eid)["overdue_action_ids"] == [shared]

    three = review(
        fac,
        eid,
        "2025-07-08",
        {"action_id": shared, "status": "dropped", "note": "Replaced by the national form"},
        {"action_id": desk, "status": "in_progress"},
    )
    assert three.status_code == 201, three.text
    after = state(fac, eid)
    assert after["overdue_action_ids"] == []
    assert after["next_review"] == "2025-08-19" and after["review_missed"] is True
    assert [r["held_on"] for r in after["reviews"]] == ["2025-04-15", "2025-05-27", "2025-07-08"]

    # Each action's history, oldest first.
    assert [(h["changed_on"], h["status"], h["note"]) for h in history(fac, eid, shared)["history"]] == [
        ("2025-04-15", "in_progress", "Draft form shared with the GP practices"),
        ("2025-05-27", "stuck", "Waiting on IT"),
        ("2025-07-08", "dropped", "Replaced by the national form"),
    ]
    done = history(fac, eid, texts)
    assert done["status"] == "done" and done["overdue"] is False
    assert [(h["status"], h["evidence_url"]) for h in done["history"]] == [("done", EVIDENCE)]
    assert history(fac, eid, desk)["history"][0]["status"] == "in_progress"
    plan_page = fac.get(f"/events/{eid}/actions")
    assert (
        "Replaced by the national form" in plan_page.text and f"/events/{eid}/reviews/new" in plan_page.text
    )

    # The last review's summary, as Markdown and as PDF.
    last = three.json()["id"]
    md = fac.get(f"/api/v1/events/{eid}/reviews/{last}/export/md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert md.headers["content-disposition"].endswith(f'lenswalk-review-{eid}-2025-07-08.md"')
    for words in ("3 people took part", "Person with lived experience", SHARED, "Dropped", "Replaced by the national form", "Next review: 2025-08-19"):  # fmt: skip
        assert words in md.text, words
    pdf = fac.get(f"/api/v1/events/{eid}/reviews/{last}/export/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    words_in_pdf = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    for words in ("Review of Lens walk: Island Recovery Service", SHARED, "Dropped", "Replaced by the national form", "Nothing is overdue"):  # fmt: skip
        assert words in words_in_pdf, words

    # The event's own report counts the dropped action in every format.
    for fmt in ("pdf", "md", "xlsx", "html", "csv"):
        assert (
            fac.get(f"/api/v1/events/{eid}/export/{fmt}", params={"table": "actions"}).status_code == 200
        ), fmt
    report = PdfReader(io.BytesIO(fac.get(f"/api/v1/events/{eid}/export/pdf").content))
    assert "1 dropped" in " ".join((p.extract_text() or "") for p in report.pages)

    # The review dates as a calendar: the three held and the ones to come, six weeks apart.
    ics = fac.get(f"/api/v1/events/{eid}/reviews.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    days = [str(e.decoded("dtstart")) for e in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert days[:5] == ["2025-04-15", "2025-05-27", "2025-07-08", "2025-08-19", "2025-09-30"]

    # The archive carries the schedule, the reviews and the histories to another instance.
    exported = fac.get(f"/api/v1/events/{eid}/export/json").json()
    assert [len(r["changes"]) for r in exported["reviews"]] == [2, 1, 2]
    with own_server(tmp_path, database_url=f"sqlite:///{tmp_path / 'other.db'}") as other_server:
        other = signed_in(other_server)
        restored = other.post("/api/v1/events/import", json=exported)
        assert restored.status_code == 201, restored.text
        new = restored.json()["id"]
        again = other.get(f"/api/v1/events/{new}/export/json").json()
        for key in ("actions", "review_schedule", "reviews"):
            assert again[key] == exported[key], key
        moved = other.get(f"/api/v1/events/{new}/reviews").json()
        assert [r["held_on"] for r in moved["reviews"]] == ["2025-04-15", "2025-05-27", "2025-07-08"]
        assert moved["overdue_action_ids"] == []


def test_bad_reviews_are_refused_and_change_nothing(
    fac: httpx.Client, imported: dict[str, Any], outsider: httpx.Client, server: LiveServer, db: Any
) -> None:
    eid = imported["id"]
    shared = imported["actions"][SHARED]

    def rows() -> tuple[int, ...]:
        with db.connect() as conn:
            return tuple(
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("event", "action", "review", "review_schedule", "status_change")
            )

    before = (state(fac, eid), history(fac, eid, shared), rows())

    def refused(response: httpx.Response, *codes: int) -> None:
        assert response.status_code in codes, (response.status_code, response.text[:200])
        assert response.status_code != 500

    ok = {"action_id": shared, "status": "in_progress"}
    refused(review(outsider, eid, "2025-08-19", ok), 403, 404)
    refused(outsider.get(f"/api/v1/events/{eid}/reviews"), 403, 404)
    refused(outsider.get(f"/api/v1/events/{eid}/actions/{shared}/history"), 403, 404)
    refused(
        outsider.put(f"/api/v1/events/{eid}/review-schedule", json={"first_review": "2026-01-01"}), 403, 404
    )
    anonymous = httpx.Client(base_url=server.base_url, timeout=10)
    refused(anonymous.get(f"/api/v1/events/{eid}/reviews"), 401)
    anonymous.close()
    refused(review(fac, eid, "2025-08-19", {**ok, "status": "finished"}), 422)
    refused(review(fac, eid, "2025-08-19", {**ok, "note": "x" * 100_000}), 413, 422)
    refused(review(fac, eid, "2025-13-45", ok), 422)
    refused(review(fac, eid, "19/08/2025", ok), 422)
    refused(review(fac, eid, "2999-01-01", ok), 422)
    refused(review(fac, eid, "2025-03-03", ok), 422)  # the day before the event
    refused(review(fac, eid, "2025-08-19", {**ok, "evidence_url": "javascript:alert(1)"}), 422)
    refused(review(fac, eid, "2025-08-19", {**ok, "evidence_url": "https://example.org/" + "a" * 500}), 422)
    refused(review(fac, eid, "2025-08-19", ok, ok), 422)
    refused(review(fac, eid, "2025-08-19", {**ok, "action_id": 999_999}), 404)
    refused(review(fac, 999_999, "2025-08-19", ok), 404)
    refused(fac.put(f"/api/v1/events/{eid}/review-schedule", json={"interval_weeks": 0, "first_review": "2026-01-01"}), 422)  # fmt: skip
    refused(fac.get(f"/api/v1/events/{eid}/reviews/999999/export/md"), 404)
    refused(fac.get(f"/api/v1/events/{eid}/actions/999999/history"), 404)
    # An archive whose reviews point at actions it does not hold is refused whole.
    bad = archive()
    bad["actions"][0]["key"] = 1
    for changes in ([{"action": 2, "status": "done"}], [{"action": 1, "status": "done"}] * 2):
        bad["reviews"] = [{"held_on": "2025-04-15", "changes": changes}]
        refused(fac.post("/api/v1/events/import", json=bad), 422)
    bad["reviews"] = [
        {"held_on": "2025-04-15", "changes": [{"action": 1, "status": "done", "evidence_url": "data:,x"}]}
    ]
    refused(fac.post("/api/v1/events/import", json=bad), 422)
    # The page's form: a bad date is refused with a message, not a server error.
    page = fac.post(f"/events/{eid}/reviews", data={"held_on": "not a date", "action_id": [str(shared)], "status": ["done"], "note": [""], "evidence_url": [""]})  # fmt: skip
    refused(page, 422)
    assert (state(fac, eid), history(fac, eid, shared), rows()) == before


def test_review_recorded_from_the_page(fac: httpx.Client, imported: dict[str, Any]) -> None:
    eid = imported["id"]
    desk = imported["actions"][DESK]
    form = fac.get(f"/events/{eid}/reviews/new")
    assert form.status_code == 200 and 'for="held-on"' in form.text
    posted = fac.post(
        f"/events/{eid}/reviews",
        data={
            "held_on": "2025-08-19",
            "role": ["Facilitator", "Service manager"],
            "count": ["1", ""],
            "other_role": "Housing officer",
            "other_count": "2",
            "action_id": [str(desk)],
            "status": ["done"],
            "note": ["Desk moved in August"],
            "evidence_url": [""],
        },
    )
    assert posted.status_code == 303, posted.text
    held = state(fac, eid)["reviews"][-1]
    assert held["held_on"] == "2025-08-19"
    assert held["attendees"] == [{"role": "Facilitator", "count": 1}, {"role": "Housing officer", "count": 2}]
    assert held["actions"][0]["status"] == "done" and held["actions"][0]["note"] == "Desk moved in August"
    plans = fac.get("/plans")
    assert plans.status_code == 200 and "Lens walk: Island Recovery Service" in plans.text
    assert 'href="/plans"' in plans.text
