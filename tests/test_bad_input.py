"""Every bad input from issue 2 gets a plain 4xx and changes nothing already saved."""

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, annotate, client, create_event, first_touchpoint, join


@pytest.fixture
def room(server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]) -> dict[str, Any]:
    alice = join(server, event)
    saved = annotate(alice, event, text="Saved before anything went wrong").json()
    return {"alice": alice, "saved": saved}


def assert_unchanged(facilitator: httpx.Client, event: dict[str, Any], saved: dict[str, Any]) -> None:
    listed = facilitator.get(f"/api/v1/events/{event['id']}/annotations").json()
    assert [(a["id"], a["text"], a["kind"], a["hidden"]) for a in listed] == [
        (saved["id"], saved["text"], saved["kind"], False)
    ]


def plain_message(response: httpx.Response) -> str:
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else " ".join(d["msg"] for d in detail)


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"text": ""}, 422, "at least 1 character"),
        ({"text": "   "}, 422, "at least 1 character"),
        ({"text": "x" * 281}, 422, "at most 280 characters"),
        ({"principles": ["kindness"]}, 422, "safety"),
        ({"principles": []}, 422, "at least 1 item"),
        ({"kind": "complaint"}, 422, "strength"),
        ({"touchpoint_id": 999999}, 404, "not part of this event"),
        ({"touchpoint_id": "seven"}, 422, "integer"),
        ({"vignette_slug": "nobody"}, 422, "not used in this event"),
        ({"author": "me"}, 422, "Extra inputs"),
        ({"client_key": "<bad key>"}, 422, "pattern"),
    ],
)
def test_bad_annotations_are_refused(
    facilitator: httpx.Client,
    event: dict[str, Any],
    room: dict[str, Any],
    change: dict[str, Any],
    status: int,
    words: str,
) -> None:
    response = annotate(room["alice"], event, **change)
    assert response.status_code == status, response.text
    assert words in plain_message(response)
    assert_unchanged(facilitator, event, room["saved"])


def test_touchpoint_of_another_event_is_refused(
    facilitator: httpx.Client, event: dict[str, Any], room: dict[str, Any]
) -> None:
    other = create_event(facilitator, title="Another service")
    response = annotate(room["alice"], event, touchpoint_id=first_touchpoint(other))
    assert response.status_code == 404
    assert_unchanged(facilitator, event, room["saved"])


def test_wrong_and_closed_join_codes(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    anon = client(server)
    wrong = anon.post("/api/v1/join", json={"join_code": "ZZZZZZ"})
    assert wrong.status_code == 404 and "does not match" in wrong.json()["detail"]
    assert (
        anon.post("/api/v1/join", json={"join_code": event["join_code"], "here_as": "boss"}).status_code
        == 422
    )
    assert (
        anon.post("/api/v1/join", json={"join_code": event["join_code"], "team_id": 999999}).status_code
        == 422
    )
    page = anon.post(f"/events/{event['id']}/status", data={"status": "closed"})
    assert page.status_code == 401
    closed = facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    assert closed.status_code == 303
    refused = anon.post("/api/v1/join", json={"join_code": event["join_code"]})
    assert refused.status_code == 409 and "closed" in refused.json()["detail"]


def test_closed_event_refuses_new_annotations(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], room: dict[str, Any]
) -> None:
    facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    response = annotate(room["alice"], event, text="Too late")
    assert response.status_code == 409 and "not open" in response.json()["detail"]
    assert_unchanged(facilitator, event, room["saved"])


def test_participants_cannot_touch_others_or_facilitator_routes(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], room: dict[str, Any]
) -> None:
    bob = join(server, event, team_index=1)
    saved = room["saved"]
    edit = bob.patch(f"/api/v1/annotations/{saved['id']}", json={"text": "Bob rewrites Alice"})
    assert edit.status_code == 403 and "your own" in edit.json()["detail"]
    assert bob.delete(f"/api/v1/annotations/{saved['id']}").status_code == 403
    assert bob.post(f"/api/v1/annotations/{saved['id']}/hide").status_code == 401
    assert bob.post("/api/v1/events", json={"title": "Mine now", "journey_map_id": 1}).status_code == 401
    assert bob.get(f"/events/{event['id']}/board").status_code == 401
    assert bob.get(f"/events/{event['id']}/console").status_code == 401
    assert_unchanged(facilitator, event, saved)


def test_strangers_and_other_events_participants_are_refused(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], room: dict[str, Any]
) -> None:
    other = create_event(facilitator, title="Other event")
    carol = join(server, other)
    assert carol.get(f"/api/v1/events/{event['id']}/annotations").status_code == 403
    assert annotate(carol, event).status_code == 403
    assert carol.patch(f"/api/v1/annotations/{room['saved']['id']}", json={"text": "x"}).status_code == 403
    stranger = client(server)
    assert stranger.get(f"/api/v1/events/{event['id']}").status_code == 403
    assert stranger.get("/api/v1/events/999999").status_code == 404
    assert_unchanged(facilitator, event, room["saved"])


def test_malformed_json_and_bad_sign_in(server: LiveServer) -> None:
    anon = client(server)
    broken = anon.post("/api/v1/join", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    wrong = anon.post(
        "/api/v1/session", json={"email": "facilitator@example.org", "password": "not the password"}
    )
    assert wrong.status_code == 401 and "do not match" in wrong.json()["detail"]
    assert anon.post("/api/v1/session", json={"email": "x@y.z", "password": "p" * 500}).status_code == 422


def test_facilitator_of_one_event_cannot_run_another(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], settings: Any
) -> None:
    from sqlmodel import Session

    from app.db import make_engine, transaction
    from app.facilitators.service import add_facilitator

    engine = make_engine(settings.database_url)
    with Session(engine) as session, transaction(session):
        add_facilitator(session, email=f"second{event['id']}@example.org", password="another long password")
    engine.dispose()
    second = client(server)
    second.post(
        "/api/v1/session",
        json={"email": f"second{event['id']}@example.org", "password": "another long password"},
    )
    assert second.get(f"/events/{event['id']}/board").status_code == 403
    assert second.get(f"/api/v1/events/{event['id']}").status_code == 403
