"""The whole lens walkthrough through the JSON API and the JSON stream, as issue 2 describes."""

from typing import Any

import httpx
from sqlalchemy import text

from tests.conftest import (
    LiveServer,
    annotate,
    first_touchpoint,
    join,
    nothing_arrives,
    open_stream,
    receive_json,
)


def test_event_from_template_has_the_default_map_teams_and_a_join_code(event: dict[str, Any]) -> None:
    assert [s["name"] for s in event["stages"]][:2] == ["Finding out", "Referral and first contact"]
    assert len(event["stages"]) == 10
    assert all(tp["id"] for s in event["stages"] for tp in s["touchpoints"])
    assert [t["vignette_slugs"] for t in event["teams"]] == [
        ["jay", "ollie"],
        ["bruno", "gill"],
        ["lauren", "stuart"],
    ]
    code = event["join_code"]
    assert len(code) == 6 and not set(code) & set("01ILO")
    assert event["join_url"].endswith(f"/join?code={code}")
    assert event["open"] is True and event["dots_per_participant"] == 3


def test_content_is_listed_with_slugs(facilitator: httpx.Client) -> None:
    slugs = {v["slug"] for v in facilitator.get("/api/v1/vignettes").json()}
    assert {"ollie", "jay", "gill", "bruno", "stuart", "lauren"} <= slugs
    gill = next(v for v in facilitator.get("/api/v1/vignettes").json() if v["slug"] == "gill")
    assert "suicide" in gill["content_notes"]
    maps = facilitator.get("/api/v1/journey-maps").json()
    assert maps[0]["slug"] == "substance-use-service"


def test_whole_flow_reaches_every_screen(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], db: Any
) -> None:
    alice = join(server, event, team_index=0, here_as="lived_experience")
    bob = join(server, event, team_index=1)
    with (
        open_stream(server, bob, event["id"]) as bob_ws,
        open_stream(server, facilitator, event["id"]) as board_ws,
    ):
        response = annotate(
            alice,
            event,
            kind="strength",
            principles=["safety", "trust"],
            text="The GP mailbox answers quickly.",
            vignette_slug="ollie",
        )
        assert response.status_code == 201, response.text
        annotation = response.json()
        assert "participant_id" not in annotation and "client_key" not in annotation

        for ws in (bob_ws, board_ws):
            message = receive_json(ws)
            assert message["type"] == "annotation.added"
            assert message["data"]["text"] == "The GP mailbox answers quickly."
            assert message["data"]["principles"] == ["safety", "trust"]
            assert message["data"]["vignette_slug"] == "ollie"

        # The author edits: everyone sees the new words.
        edited = alice.patch(
            f"/api/v1/annotations/{annotation['id']}", json={"text": "The GP mailbox answers within a day."}
        )
        assert edited.status_code == 200, edited.text
        for ws in (bob_ws, board_ws):
            message = receive_json(ws)
            assert message["type"] == "annotation.updated"
            assert message["data"]["text"] == "The GP mailbox answers within a day."

        # The author withdraws: it is removed everywhere and gone from the database.
        assert alice.delete(f"/api/v1/annotations/{annotation['id']}").status_code == 204
        for ws in (bob_ws, board_ws):
            message = receive_json(ws)
            assert message == {
                "seq": message["seq"],
                "type": "annotation.removed",
                "data": {"id": annotation["id"], "touchpoint_id": annotation["touchpoint_id"]},
            }
        with db.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT count(*) FROM annotation WHERE id = :id"), {"id": annotation["id"]}
                ).scalar()
                == 0
            )
            logged = conn.execute(
                text("SELECT data FROM room_event WHERE event_id = :e"), {"e": event["id"]}
            ).all()
            assert all("GP mailbox" not in str(row[0]) for row in logged)

        # The facilitator hides another: participants see it removed, the facilitator sees it hidden.
        other = annotate(bob, event, text="Reception asked why I was here in front of everyone.").json()
        assert receive_json(bob_ws)["type"] == "annotation.added"
        assert receive_json(board_ws)["type"] == "annotation.added"
        hidden = facilitator.post(f"/api/v1/annotations/{other['id']}/hide")
        assert hidden.status_code == 200 and hidden.json()["hidden"] is True
        to_bob = receive_json(bob_ws)
        assert to_bob["type"] == "annotation.removed" and to_bob["data"]["id"] == other["id"]
        assert "Reception" not in str(to_bob)
        to_board = receive_json(board_ws)
        assert to_board["type"] == "annotation.hidden" and to_board["data"]["hidden"] is True
        assert to_bob["seq"] == to_board["seq"]

        # Hidden annotations are not listed for participants, but are for the facilitator.
        assert other["id"] not in [
            a["id"] for a in bob.get(f"/api/v1/events/{event['id']}/annotations").json()
        ]
        assert other["id"] in [
            a["id"] for a in facilitator.get(f"/api/v1/events/{event['id']}/annotations").json()
        ]

        unhidden = facilitator.post(f"/api/v1/annotations/{other['id']}/unhide")
        assert unhidden.status_code == 200
        back = receive_json(bob_ws)
        assert back["type"] == "annotation.added" and back["data"]["text"].startswith("Reception")


def test_seq_rises_by_one_and_after_seq_replays_what_was_missed(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    ids = [annotate(alice, event, text=f"Barrier number {n}").json()["id"] for n in range(3)]
    alice.delete(f"/api/v1/annotations/{ids[1]}")
    with open_stream(server, alice, event["id"], after_seq=0) as ws:
        replay = [receive_json(ws) for _ in range(4)]
    assert [m["seq"] for m in replay] == [1, 2, 3, 4]
    # The withdrawn one's words are not replayed: its "added" comes back as a removal.
    assert replay[1] == {
        "seq": 2,
        "type": "annotation.removed",
        "data": {"id": ids[1], "touchpoint_id": first_touchpoint(event)},
    }
    assert [m["type"] for m in replay] == [
        "annotation.added",
        "annotation.removed",
        "annotation.added",
        "annotation.removed",
    ]
    with open_stream(server, alice, event["id"], after_seq=3) as ws:
        assert receive_json(ws)["seq"] == 4
        assert nothing_arrives(ws)
        annotate(alice, event, text="A live one after the replay")
        live = receive_json(ws)
        assert live["seq"] == 5 and live["data"]["text"] == "A live one after the replay"


def test_live_messages_follow_the_replay_without_gaps(server: LiveServer, event: dict[str, Any]) -> None:
    alice = join(server, event)
    annotate(alice, event, text="Before connecting")
    with open_stream(server, alice, event["id"], after_seq=0) as ws:
        assert receive_json(ws)["seq"] == 1
        annotate(alice, event, text="After connecting")
        live = receive_json(ws)
        assert live["seq"] == 2 and live["data"]["text"] == "After connecting"


def test_a_retried_write_with_the_same_client_key_saves_once(
    server: LiveServer, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    first = annotate(alice, event, client_key="retry-key-0001")
    again = annotate(alice, event, client_key="retry-key-0001")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert len(alice.get(f"/api/v1/events/{event['id']}/annotations").json()) == 1


def test_participant_sees_event_without_facilitator_fields(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    as_participant = alice.get(f"/api/v1/events/{event['id']}").json()
    as_facilitator = facilitator.get(f"/api/v1/events/{event['id']}").json()
    assert "journey_map_id" in as_facilitator and "journey_map_id" not in as_participant
    assert as_participant["stages"] == as_facilitator["stages"]


def test_event_can_be_created_closed_and_with_custom_teams(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    maps = facilitator.get("/api/v1/journey-maps").json()
    response = facilitator.post(
        "/api/v1/events",
        json={
            "title": "Draft",
            "journey_map_id": maps[0]["id"],
            "open": False,
            "teams": [{"name": "Everyone", "vignette_slugs": ["gill"]}],
            "dots_per_participant": 5,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["open"] is False and body["status"] == "draft"
    assert [t["name"] for t in body["teams"]] == ["Everyone"] and body["dots_per_participant"] == 5
    refused = httpx.post(f"{server.base_url}/api/v1/join", json={"join_code": body["join_code"]})
    assert refused.status_code == 409 and "not opened" in refused.json()["detail"]


def test_mine_lists_only_my_own(server: LiveServer, event: dict[str, Any]) -> None:
    alice = join(server, event)
    bob = join(server, event, team_index=2)
    annotate(alice, event, text="Alice's words")
    annotate(bob, event, text="Bob's words", touchpoint_id=first_touchpoint(event, 3, 1))
    mine = alice.get(f"/api/v1/events/{event['id']}/annotations", params={"mine": "true"}).json()
    assert [a["text"] for a in mine] == ["Alice's words"]
