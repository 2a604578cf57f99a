"""The one write path (app/deps.RoomWrite): who may write is checked once, a refused write changes
nothing and the room hears nothing of it, and a write's JSON and page twins do the same thing."""

from typing import Any

import httpx

from tests.conftest import (
    LiveServer,
    annotate,
    client,
    create_event,
    join,
    nothing_arrives,
    open_stream,
    receive_until,
    run_command,
    settings_env,
    signed_in,
)

PASSWORD = "a colleague's long password"


def _grouped_by_alice(server: LiveServer) -> tuple[httpx.Client, httpx.Client, dict[str, Any], int]:
    """An open event where participants may group, and alice has grouped her barrier."""
    facilitator = signed_in(server)
    event = create_event(facilitator, open=True)
    alice = join(server, event)
    written = annotate(alice, event)
    assert written.status_code == 201, written.text
    allowed = facilitator.patch(f"/api/v1/events/{event['id']}/voting", json={"participants_may_group": True})
    assert allowed.status_code == 200, allowed.text
    grouped = alice.post(
        f"/api/v1/events/{event['id']}/improvements",
        json={
            "title": "Say how long the wait is",
            "driver": "budgets",
            "annotation_ids": [written.json()["id"]],
        },
    )
    assert grouped.status_code == 201, grouped.text
    return facilitator, alice, event, grouped.json()["id"]


def _titles(c: httpx.Client, event: dict[str, Any]) -> list[str]:
    return [i["title"] for i in c.get(f"/api/v1/events/{event['id']}/improvements").json()]


def test_only_facilitators_delete_an_improvement_and_the_room_hears_only_what_was_done(
    server: LiveServer,
) -> None:
    facilitator, alice, event, improvement = _grouped_by_alice(server)
    with open_stream(server, facilitator, event["id"]) as ws:
        # The stream first replays the room so far, up to alice's grouping.
        grouped = receive_until(ws, lambda m: m["type"] == "improvements.changed")
        # A participant who may group still may not delete, by the page or over JSON.
        page = alice.post(f"/events/{event['id']}/improvements/{improvement}", data={"action": "delete"})
        assert page.status_code == 403
        assert "Only the facilitators can delete an improvement." in page.text
        assert alice.delete(f"/api/v1/improvements/{improvement}").status_code == 401
        assert _titles(facilitator, event) == ["Say how long the wait is"]
        assert nothing_arrives(ws)

        # The facilitator's delete is the next thing the room hears: the refusals left no trace.
        deleted = facilitator.post(
            f"/events/{event['id']}/improvements/{improvement}", data={"action": "delete"}
        )
        assert deleted.status_code == 303
        heard = receive_until(ws, lambda m: m["type"] == "improvements.changed")
        assert heard["seq"] == grouped["seq"] + 1 and heard["data"] == {"ids": [improvement]}
    assert _titles(facilitator, event) == []


def test_a_write_needing_a_facilitator_is_refused_before_its_body_is_read(
    server: LiveServer,
) -> None:
    facilitator = signed_in(server)
    event = create_event(facilitator)
    stranger = client(server)
    # Not signed in: told to sign in (401), never told what is wrong with the body (422).
    refused = stranger.post(f"/api/v1/events/{event['id']}/phase", json={"phase": 5, "nonsense": True})
    assert refused.status_code == 401
    page = stranger.post(f"/events/{event['id']}/agenda", data={})
    assert page.status_code == 401
    # Signed in, the same body is a 422 naming the problem.
    assert facilitator.post(f"/api/v1/events/{event['id']}/phase", json={"phase": 5}).status_code == 422


def _second_account(server: LiveServer, email: str) -> httpx.Client:
    """Another facilitator account, signed in: made with `lenswalk facilitator add`, as an operator
    makes one, in a process of its own beside the running server."""
    env = settings_env(server.settings)
    made = run_command(env, "facilitator", "add", email, "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    colleague = client(server)
    assert colleague.post("/api/v1/session", json={"email": email, "password": PASSWORD}).is_success
    return colleague


def test_a_co_facilitator_added_by_the_page_or_over_json_is_the_same(server: LiveServer) -> None:
    facilitator = signed_in(server)
    event = create_event(facilitator)
    email = f"colleague{event['id']}@example.org"
    colleague = _second_account(server, email)
    assert colleague.get(f"/events/{event['id']}/console").status_code == 403
    page = facilitator.post(f"/events/{event['id']}/facilitators", data={"email": email.upper()})
    assert page.status_code == 303
    assert page.headers["location"] == f"/events/{event['id']}/agenda#facilitators"
    again = facilitator.post(f"/api/v1/events/{event['id']}/facilitators", json={"email": email})
    assert again.status_code == 200  # already added by the page: nothing new
    assert email in again.json()["facilitators"]
    assert colleague.get(f"/events/{event['id']}/console").status_code == 200
    unknown = facilitator.post(f"/events/{event['id']}/facilitators", data={"email": "nobody@example.org"})
    assert unknown.status_code == 404
