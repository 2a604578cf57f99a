"""A participant reaches only the event they joined; a facilitator only their own events and
those they co-facilitate; a closed event refuses writes."""

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session
from websockets.exceptions import InvalidStatus
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
    signed_in,
)
from tests.support import page_token

OTHER_PASSWORD = "another long test password"


@pytest.fixture
def other_facilitator(server: LiveServer) -> httpx.Client:
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            facilitators.ensure_facilitator(session, email=OTHER_EMAIL, password=OTHER_PASSWORD)
    finally:
        engine.dispose()
    return signed_in(server, OTHER_EMAIL, OTHER_PASSWORD)


def _ws_refused(server: LiveServer, c: httpx.Client, path: str) -> bool:
    try:
        with connect(f"{server.ws_url}{path}", additional_headers=cookie_header(c), open_timeout=5) as ws:
            ws.recv(timeout=2)
    except InvalidStatus as exc:
        return exc.response.status_code == 403
    except Exception as exc:  # closed right after the handshake
        return getattr(getattr(exc, "rcvd", None), "code", None) == 1008
    return False


def test_a_participant_reaches_only_the_event_they_joined(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    mine, theirs = create_event(facilitator), create_event(facilitator)
    alice = join(server, mine)
    bob = join(server, theirs)
    bobs = annotate(bob, theirs, text="Bob's words").json()
    assert annotate(alice, mine).status_code == 201

    tid = theirs["id"]
    assert alice.get(f"/api/v1/events/{tid}").status_code == 403
    assert alice.get(f"/api/v1/events/{tid}/annotations").status_code == 403
    assert annotate(alice, theirs).status_code == 403
    assert alice.patch(f"/api/v1/annotations/{bobs['id']}", json={"text": "mine now"}).status_code == 403
    assert alice.delete(f"/api/v1/annotations/{bobs['id']}").status_code == 403
    assert alice.post(f"/api/v1/annotations/{bobs['id']}/hide").status_code == 401
    assert alice.get(f"/events/{tid}/journey").headers["location"] == "/join"
    assert alice.get(f"/annotations/{bobs['id']}/edit").status_code == 403
    assert alice.get(f"/events/{tid}/live/poll?view=participant").status_code == 403
    assert alice.get(f"/events/{mine['id']}/live/poll?view=board").status_code == 403
    assert alice.get(f"/events/{tid}/board").status_code == 401
    assert _ws_refused(server, alice, f"/api/v1/events/{tid}/stream")
    assert _ws_refused(server, alice, f"/events/{tid}/live?view=participant")
    assert _ws_refused(server, alice, f"/events/{mine['id']}/live?view=board")
    # A touchpoint of another event's map cannot be written to through one's own event.
    foreign_tp = first_touchpoint(theirs)
    assert annotate(alice, mine, touchpoint_id=foreign_tp).status_code in (404, 422)
    # And the page form path, with a valid token, is refused the same way.
    token = page_token(alice, f"/events/{mine['id']}/journey")
    form = {"csrf_token": token, "touchpoint_id": str(first_touchpoint(theirs)), "kind": "idea"}
    refused = alice.post(
        f"/events/{tid}/journey/annotations", data={**form, "text": "x", "principles": "trust"}
    )
    assert refused.status_code == 403
    assert bob.get(f"/api/v1/events/{tid}/annotations").json()[0]["text"] == "Bob's words"


def test_a_facilitator_reaches_only_their_own_and_co_facilitated_events(
    server: LiveServer, facilitator: httpx.Client, other_facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    eid = event["id"]
    alice = join(server, event)
    note = annotate(alice, event).json()
    for path in (f"/events/{eid}", f"/events/{eid}/board", f"/events/{eid}/console", f"/events/{eid}/qr.svg"):
        assert other_facilitator.get(path).status_code == 403, path
    assert other_facilitator.get(f"/api/v1/events/{eid}").status_code == 403
    assert other_facilitator.post(f"/api/v1/annotations/{note['id']}/hide").status_code == 403
    improvement = facilitator.post(
        f"/api/v1/events/{eid}/improvements",
        json={"title": "Tell it once", "annotation_ids": [note["id"]], "driver": "leadership"},
    ).json()
    iid = improvement["id"]
    for method, path, body in (
        ("GET", f"/api/v1/events/{eid}/improvements", None),
        ("GET", f"/api/v1/events/{eid}/priorities", None),
        ("GET", f"/api/v1/events/{eid}/actions", None),
        ("PATCH", f"/api/v1/improvements/{iid}", {"title": "Mine now"}),
        ("DELETE", f"/api/v1/improvements/{iid}", None),
        ("PATCH", f"/api/v1/events/{eid}/voting", {"revealed": True}),
        ("POST", f"/api/v1/improvements/{iid}/actions", {"what": "x", "owner": "y", "due": "2027-01-01"}),
    ):
        assert other_facilitator.request(method, path, json=body).status_code == 403, path
    assert facilitator.get(f"/api/v1/events/{eid}/voting").json()["revealed"] is False
    token = page_token(other_facilitator, "/")
    assert (
        other_facilitator.post(
            f"/events/{eid}/status", data={"csrf_token": token, "status": "closed"}
        ).status_code
        == 403
    )
    assert _ws_refused(server, other_facilitator, f"/events/{eid}/live?view=console")
    assert f'href="/events/{eid}"' in facilitator.get("/").text
    assert f'href="/events/{eid}"' not in other_facilitator.get("/").text

    # Made a co-facilitator (as the owner would), the other facilitator can run it.
    with db.begin() as conn:
        other_id = conn.execute(
            text("SELECT id FROM facilitator WHERE email = :e"), {"e": OTHER_EMAIL}
        ).scalar()
        conn.execute(
            text("INSERT INTO event_facilitator (event_id, facilitator_id) VALUES (:e, :f)"),
            {"e": eid, "f": other_id},
        )
    assert other_facilitator.get(f"/events/{eid}/console").status_code == 200
    assert other_facilitator.post(f"/api/v1/annotations/{note['id']}/hide").status_code == 200
    assert other_facilitator.get(f"/api/v1/events/{eid}").json()["join_code"] == event["join_code"]


def test_a_closed_event_refuses_new_writes(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator)
    alice = join(server, event)
    note = annotate(alice, event, text="Before closing").json()
    token = page_token(facilitator, f"/events/{event['id']}")
    closed = facilitator.post(f"/events/{event['id']}/status", data={"csrf_token": token, "status": "closed"})
    assert closed.status_code == 303

    refused = annotate(alice, event, text="After closing")
    assert refused.status_code == 409 and "not open" in refused.json()["detail"]
    # Changing one's own words stays possible for the agreed time after closing (tests/test_safety.py).
    edit = alice.patch(f"/api/v1/annotations/{note['id']}", json={"text": "Before closing"})
    assert edit.status_code == 200
    page_token_alice = page_token(alice, f"/events/{event['id']}/journey")
    form = alice.post(
        f"/events/{event['id']}/journey/annotations",
        data={
            "csrf_token": page_token_alice,
            "touchpoint_id": str(first_touchpoint(event)),
            "kind": "idea",
            "principles": "trust",
            "text": "After closing, by form",
        },
    )
    assert form.status_code == 409
    late = httpx.post(
        f"{server.base_url}/api/v1/join",
        json={"join_code": event["join_code"], "team_id": event["teams"][0]["id"]},
    )
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    texts = [a["text"] for a in alice.get(f"/api/v1/events/{event['id']}/annotations").json()]
    assert texts == ["Before closing"]
    # Taking words back is still possible after the event (a participant's right, see domain.md).
    assert alice.delete(f"/api/v1/annotations/{note['id']}").status_code == 204
