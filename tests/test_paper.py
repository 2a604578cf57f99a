"""Add from paper: what a team wrote on its paper kit, typed in by a facilitator, joins the room as
that team's anonymous contribution, live on the board and the phones, counted like any other, and
marked as from paper in the exports. Bad input changes nothing."""

import csv
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session
from websockets.sync.client import connect

from app.db import make_engine, transaction
from app.facilitators import service as facilitators
from tests.conftest import (
    OTHER_EMAIL,
    LiveServer,
    annotate,
    cookie_header,
    create_event,
    first_touchpoint,
    join,
    open_stream,
    receive_until,
    signed_in,
)

OTHER_PASSWORD = "another long test password"
FROM_PAPER = "The reception desk is right beside the waiting chairs, everyone hears you"
FROM_PHONE = "The worker phoned back the same day, as she said she would"


def paper(event: dict[str, Any], **body: Any) -> dict[str, Any]:
    return {
        "team_id": event["teams"][1]["id"],
        "touchpoint_id": first_touchpoint(event, stage=1),
        "kind": "barrier",
        "principles": ["safety", "trust"],
        "text": FROM_PAPER,
        **body,
    }


def rows_in_db(db: Any, event_id: int) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        return list(
            conn.execute(
                text("SELECT team_id, participant_id, from_paper, text FROM annotation WHERE event_id = :e"),
                {"e": event_id},
            )
        )


def test_a_paper_note_joins_the_room_live_as_the_teams(
    server: LiveServer, facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    alice = join(server, event)
    seq = facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
    board_url = f"{server.ws_url}/events/{event['id']}/live?view=board&seq={seq}"
    with (
        connect(board_url, additional_headers=cookie_header(facilitator), open_timeout=5) as board,
        open_stream(server, alice, event["id"]) as phone,
    ):
        response = facilitator.post(f"/api/v1/events/{event['id']}/paper-annotations", json=paper(event))
        assert response.status_code == 201, response.text
        saved = response.json()
        assert saved["team_id"] == event["teams"][1]["id"] and saved["text"] == FROM_PAPER
        on_phone = receive_until(phone, lambda m: m["type"] == "annotation.added")
        assert on_phone["data"]["text"] == FROM_PAPER
        assert on_phone["data"]["team_id"] == event["teams"][1]["id"]
        assert FROM_PAPER in board.recv(timeout=5)
    assert rows_in_db(db, event["id"]) == [(event["teams"][1]["id"], None, True, FROM_PAPER)]
    # Counted like any other: the room's list and the console show it.
    listed = alice.get(f"/api/v1/events/{event['id']}/annotations").json()
    assert [a["text"] for a in listed] == [FROM_PAPER]
    assert FROM_PAPER in facilitator.get(f"/events/{event['id']}/console").text


def test_the_page_form_adds_a_note_and_a_resent_form_adds_it_once(facilitator: httpx.Client, db: Any) -> None:
    event = create_event(facilitator)
    page = facilitator.get(f"/events/{event['id']}/paper")
    assert page.status_code == 200
    for team in event["teams"]:
        assert team["name"] in page.text
    assert f'href="/events/{event["id"]}/paper"' in facilitator.get(f"/events/{event['id']}").text
    form = {
        "team_id": str(event["teams"][2]["id"]),
        "touchpoint_id": str(first_touchpoint(event, stage=2, index=0)),
        "kind": "strength",
        "principles": ["choice"],
        "text": FROM_PAPER,
        "client_key": "paperform-0001",
    }
    for _ in range(2):  # the second is a double tap, or the browser resending the form
        response = facilitator.post(f"/events/{event['id']}/paper", data=form)
        assert response.status_code == 303, response.text
    assert rows_in_db(db, event["id"]) == [(event["teams"][2]["id"], None, True, FROM_PAPER)]
    after = facilitator.get(response.headers["location"])
    assert "Saved." in after.text and FROM_PAPER in after.text
    assert f'<option value="{event["teams"][2]["id"]}" selected>' in after.text


def test_exports_mark_what_came_from_paper(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator)
    alice = join(server, event)
    assert annotate(alice, event, kind="strength", text=FROM_PHONE).status_code == 201
    added = facilitator.post(f"/api/v1/events/{event['id']}/paper-annotations", json=paper(event))
    assert added.status_code == 201, added.text

    csv_body = facilitator.get(f"/api/v1/events/{event['id']}/export/csv", params={"table": "annotations"})
    assert csv_body.status_code == 200, csv_body.text
    rows = list(csv.DictReader(io.StringIO(csv_body.content.decode("utf-8-sig"))))
    assert {r["Text"]: r["From paper"] for r in rows} == {FROM_PAPER: "yes", FROM_PHONE: ""}
    assert next(r for r in rows if r["Text"] == FROM_PAPER)["Team"] == event["teams"][1]["name"]

    xlsx = facilitator.get(f"/api/v1/events/{event['id']}/export/xlsx")
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content))["Annotations"]
    header = [c.value for c in sheet[1]]
    marks = {
        row[header.index("Text")].value: row[header.index("From paper")].value
        for row in sheet.iter_rows(min_row=2)
    }
    assert marks == {FROM_PAPER: "yes", FROM_PHONE: None}

    archive = facilitator.get(f"/api/v1/events/{event['id']}/export/json")
    assert archive.status_code == 200, archive.text
    marked = {a["text"]: a["from_paper"] for a in archive.json()["annotations"]}
    assert marked == {FROM_PAPER: True, FROM_PHONE: False}


@pytest.fixture
def other_facilitator(server: LiveServer) -> httpx.Client:
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            facilitators.ensure_facilitator(session, email=OTHER_EMAIL, password=OTHER_PASSWORD)
    finally:
        engine.dispose()
    return signed_in(server, OTHER_EMAIL, OTHER_PASSWORD)


def test_bad_paper_notes_get_a_clear_refusal_and_change_nothing(
    facilitator: httpx.Client, other_facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    elsewhere = create_event(facilitator, title="Another lens walk")
    url = f"/api/v1/events/{event['id']}/paper-annotations"
    assert facilitator.post(url, json=paper(event)).status_code == 201
    before = rows_in_db(db, event["id"])
    refusals = [
        (facilitator, paper(event, text=""), 422, "text"),
        (facilitator, paper(event, text="   "), 422, "text"),
        (facilitator, paper(event, text="x" * 10_000), 422, "text"),
        (
            facilitator,
            paper(event, team_id=elsewhere["teams"][0]["id"]),
            422,
            "Choose one of this event's teams",
        ),
        (facilitator, paper(event, team_id=999_999), 422, "Choose one of this event's teams"),
        (facilitator, paper(event, touchpoint_id=first_touchpoint(elsewhere)), 404, "touchpoint"),
        (facilitator, paper(event, principles=[]), 422, "principles"),
        (facilitator, paper(event, kind="rumour"), 422, "kind"),
        (other_facilitator, paper(event), 403, "Only this event's facilitators"),
    ]
    for who, body, status, says in refusals:
        response = who.post(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert says.lower() in response.text.lower(), response.text
    assert rows_in_db(db, event["id"]) == before

    form = {"team_id": str(event["teams"][0]["id"]), "touchpoint_id": str(first_touchpoint(event))}
    for extra, says in (
        ({"kind": "idea", "principles": ["trust"], "text": ""}, "What you noticed"),
        ({"kind": "idea", "principles": ["trust"], "text": "y" * 10_000}, "at most"),
        ({"kind": "idea", "text": "No principle ticked"}, "Principles"),
        (
            {"kind": "idea", "principles": ["trust"], "text": "Hi", "team_id": "abc"},
            "Choose one of the options",
        ),
    ):
        response = facilitator.post(f"/events/{event['id']}/paper", data={**form, **extra})
        assert 400 <= response.status_code < 500, (extra, response.status_code)
        assert says in response.text, response.text[:500]
        if extra.get("text") == "No principle ticked":  # the form comes back as typed, to put right
            assert "Not added: Principles" in response.text
            assert ">No principle ticked</textarea>" in response.text
            assert 'value="idea" required checked' in response.text
    assert other_facilitator.get(f"/events/{event['id']}/paper").status_code == 403
    assert rows_in_db(db, event["id"]) == before
