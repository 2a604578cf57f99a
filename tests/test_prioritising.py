"""From barriers to priorities over the JSON API: grouping, voting within the budget (also when
two votes race), the hidden tally and its reveal, the small-group rule, and the action plan."""

import datetime as dt
import threading
from typing import Any

import httpx
import pytest

from tests.conftest import (
    LiveServer,
    annotate,
    create_event,
    first_touchpoint,
    join,
    open_stream,
    receive_until,
)


def _annotations(c: httpx.Client, event: dict[str, Any], texts: list[tuple[int, int, str]]) -> list[int]:
    ids = []
    for stage, index, text in texts:
        response = annotate(c, event, touchpoint_id=first_touchpoint(event, stage, index), text=text)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _group(
    facilitator: httpx.Client, event_id: int, title: str, ids: list[int], **extra: Any
) -> dict[str, Any]:
    response = facilitator.post(
        f"/api/v1/events/{event_id}/improvements",
        json={"title": title, "annotation_ids": ids, "driver": "service_design_and_delivery", **extra},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _vote(c: httpx.Client, improvement_id: int, dots: int) -> httpx.Response:
    return c.put(f"/api/v1/improvements/{improvement_id}/vote", json={"dots": dots})


def _open_voting(facilitator: httpx.Client, event_id: int, **extra: Any) -> None:
    response = facilitator.patch(f"/api/v1/events/{event_id}/voting", json={"status": "open", **extra})
    assert response.status_code == 200, response.text


def test_group_vote_reveal_and_plan(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Priorities at the Harbour Service")
    eid = event["id"]
    author = join(server, event)
    a = _annotations(
        author,
        event,
        [
            (0, 0, "I had to tell my story three times before anyone helped."),
            (1, 0, "The letter did not say how long the wait would be."),
            (0, 0, "The waiting room is loud and everyone can hear you at the desk."),
            (1, 0, "A hidden remark the facilitator took off the screens."),
        ],
    )
    assert facilitator.post(f"/api/v1/annotations/{a[3]}/hide").status_code == 200

    # Participants may not group until the facilitator allows it.
    denied = author.post(
        f"/api/v1/events/{eid}/improvements",
        json={"title": "Mine", "annotation_ids": [a[0]], "driver": "budgets"},
    )
    assert denied.status_code == 403
    hidden = facilitator.post(
        f"/api/v1/events/{eid}/improvements",
        json={"title": "x", "annotation_ids": [a[3]], "driver": "budgets"},
    )
    assert hidden.status_code == 422 and "hidden" in hidden.json()["detail"]

    tell_once = _group(
        facilitator, eid, "Tell your story once", [a[0], a[1]], effort="medium", horizon="quick_win"
    )
    quiet = _group(facilitator, eid, "A quiet place to talk", [a[2]])
    spare = _group(facilitator, eid, "Somewhere to wait", [])

    renamed = facilitator.patch(
        f"/api/v1/improvements/{tell_once['id']}", json={"title": "Tell your story only once", "cost": "some"}
    )
    assert renamed.status_code == 200 and renamed.json()["title"] == "Tell your story only once"
    assert renamed.json()["annotation_ids"] == [a[0], a[1]]

    split = facilitator.post(
        f"/api/v1/improvements/{tell_once['id']}/split",
        json={"title": "Say how long the wait is", "annotation_ids": [a[1]]},
    )
    assert split.status_code == 201, split.text
    wait = split.json()
    assert wait["annotation_ids"] == [a[1]] and wait["effort"] == "medium"
    merged = facilitator.post(f"/api/v1/improvements/{spare['id']}/merge", json={"into": quiet["id"]})
    assert merged.status_code == 200 and merged.json()["id"] == quiet["id"]
    assert facilitator.patch(f"/api/v1/improvements/{spare['id']}", json={"title": "gone"}).status_code == 404

    # Voting: closed until opened; the budget and the most on one improvement hold.
    voters = [join(server, event, here_as="lived_experience") for _ in range(3)]
    assert _vote(voters[0], quiet["id"], 1).status_code == 409
    _open_voting(facilitator, eid)
    assert _vote(voters[0], quiet["id"], 3).status_code == 422  # at most 2 on one
    ok = _vote(voters[0], quiet["id"], 2)
    assert ok.status_code == 200 and ok.json()["left"] == 1
    over = _vote(voters[0], wait["id"], 2)
    assert over.status_code == 409 and "1 dot left" in over.json()["detail"]
    mine = voters[0].get(f"/api/v1/events/{eid}/voting").json()["mine"]
    assert mine["used"] == 2 and mine["votes"] == {str(quiet["id"]): 2}
    # Moving a dot: take one off, place it elsewhere.
    assert _vote(voters[0], quiet["id"], 1).json()["left"] == 2
    assert _vote(voters[0], wait["id"], 2).json()["left"] == 0
    assert _vote(voters[1], quiet["id"], 2).status_code == 200
    assert _vote(voters[2], tell_once["id"], 1).status_code == 200

    # Before the reveal participants see the improvements, but no numbers and no ranking.
    before = voters[1].get(f"/api/v1/events/{eid}/priorities").json()
    assert before["tally_visible"] is False
    assert {p["votes"] for p in before["priorities"]} == {None}
    assert [p["id"] for p in before["priorities"]] == sorted(p["id"] for p in before["priorities"])
    seen = facilitator.get(f"/api/v1/events/{eid}/priorities").json()
    assert [(p["title"], p["votes"]) for p in seen["priorities"]] == [
        ("A quiet place to talk", 3),
        ("Say how long the wait is", 2),
        ("Tell your story only once", 1),
    ]
    assert all("hidden remark" not in e["text"] for p in seen["priorities"] for e in p["evidence"])
    assert seen["priorities"][0]["evidence"][0]["text"].startswith("The waiting room is loud")

    assert facilitator.patch(f"/api/v1/events/{eid}/voting", json={"revealed": True}).status_code == 200
    after = voters[1].get(f"/api/v1/events/{eid}/priorities").json()
    assert [(p["rank"], p["votes"]) for p in after["priorities"]] == [(1, 3), (2, 2), (3, 1)]

    # The action plan: review six weeks after the event by default, editable after it closes.
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    action = facilitator.post(
        f"/api/v1/improvements/{quiet['id']}/actions",
        json={
            "what": "Set aside the side room for first conversations",
            "owner": "Service manager",
            "due": due,
        },
    )
    assert action.status_code == 201, action.text
    body = action.json()
    assert body["review"] == (dt.date.today() + dt.timedelta(days=42)).isoformat()
    assert body["status"] == "not_started" and body["driver"] == "service_design_and_delivery"
    assert voters[0].post(
        f"/api/v1/improvements/{quiet['id']}/actions", json={"what": "x", "owner": "y", "due": due}
    ).status_code in (401, 403)
    closed = facilitator.post(f"/events/{eid}/status", data={"status": "closed"})
    assert closed.status_code == 303
    assert _vote(voters[1], wait["id"], 1).status_code == 409  # voting ends with the event
    changed = facilitator.patch(f"/api/v1/actions/{body['id']}", json={"status": "in_progress"})
    assert changed.status_code == 200 and changed.json()["status"] == "in_progress"
    plan = facilitator.get(f"/api/v1/events/{eid}/actions").json()
    assert plan["progress"] == {"not_started": 0, "in_progress": 1, "done": 0, "stuck": 0}
    bad = facilitator.patch(f"/api/v1/actions/{body['id']}", json={"due": "1066-10-14"})
    assert bad.status_code == 422


def test_two_votes_at_once_never_overspend(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, dots_per_participant=3)
    eid = event["id"]
    author = join(server, event)
    ids = _annotations(author, event, [(0, 0, "First barrier"), (0, 1, "Second barrier")])
    one = _group(facilitator, eid, "One", [ids[0]])
    two = _group(facilitator, eid, "Two", [ids[1]])
    _open_voting(facilitator, eid)
    for _ in range(5):
        voter = join(server, event)
        results: list[int] = []
        start = threading.Barrier(2)

        def cast(
            improvement_id: int,
            voter: httpx.Client = voter,
            start: threading.Barrier = start,
            results: list[int] = results,
        ) -> None:
            start.wait()
            results.append(_vote(voter, improvement_id, 2).status_code)

        threads = [threading.Thread(target=cast, args=(i,)) for i in (one["id"], two["id"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [200, 409]
        assert voter.get(f"/api/v1/events/{eid}/voting").json()["mine"]["used"] == 2


def test_small_groups_are_merged_in_the_breakdown(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator)
    eid = event["id"]
    author = join(server, event)
    ids = _annotations(author, event, [(0, 0, "Barrier")])
    improvement = _group(facilitator, eid, "Fewer forms", ids)
    _open_voting(facilitator, eid)
    groups = ["lived_experience"] * 6 + ["staff"] * 5 + ["partner"]
    for here_as in groups:
        assert _vote(join(server, event, here_as=here_as), improvement["id"], 1).status_code == 200
    body = facilitator.get(f"/api/v1/events/{eid}/priorities").json()
    # One partner alone would be singled out; staff join them in "Other" so they cannot be.
    assert body["groups"] == ["Lived experience", "Other"]
    assert body["priorities"][0]["by_group"] == {"Lived experience": 6, "Other": 6}


def test_ties_are_broken_by_barriers_then_touchpoints(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator)
    eid = event["id"]
    author = join(server, event)
    b = _annotations(author, event, [(0, 0, "b1"), (0, 1, "b2"), (1, 0, "b3"), (0, 0, "b4")])
    strength = annotate(author, event, kind="strength", text="Kind reception staff").json()["id"]
    few = _group(facilitator, eid, "Backed by one barrier and a strength", [b[0], strength])
    same_place = _group(facilitator, eid, "Two barriers, one touchpoint", [b[0], b[3]])
    spread = _group(facilitator, eid, "Two barriers, two touchpoints", [b[1], b[2]])
    titles = [p["title"] for p in facilitator.get(f"/api/v1/events/{eid}/priorities").json()["priorities"]]
    assert titles == [spread["title"], same_place["title"], few["title"]]
    # Withdrawing an annotation takes it out of the evidence too.
    assert author.delete(f"/api/v1/annotations/{b[3]}").status_code == 204
    listed = {i["id"]: i for i in facilitator.get(f"/api/v1/events/{eid}/improvements").json()}
    assert listed[same_place["id"]]["annotation_ids"] == [b[0]]


def test_participants_group_when_allowed_and_merged_votes_stay_in_budget(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator)
    eid = event["id"]
    member = join(server, event, here_as="lived_experience")
    ids = _annotations(member, event, [(0, 0, "Too many forms"), (0, 1, "Forms in small print")])
    allow = facilitator.patch(f"/api/v1/events/{eid}/voting", json={"participants_may_group": True})
    assert allow.status_code == 200 and allow.json()["participants_may_group"] is True
    made = member.post(
        f"/api/v1/events/{eid}/improvements",
        json={"title": "Simpler forms", "annotation_ids": [ids[0]], "driver": "policies_and_processes"},
    )
    assert made.status_code == 201, made.text
    other = _group(facilitator, eid, "Plain-language letters", [ids[1]])
    assert member.delete(f"/api/v1/improvements/{other['id']}").status_code in (401, 403)
    _open_voting(facilitator, eid)
    assert _vote(member, made.json()["id"], 2).status_code == 200
    assert _vote(member, other["id"], 1).status_code == 200
    merged = member.post(f"/api/v1/improvements/{other['id']}/merge", json={"into": made.json()["id"]})
    assert merged.status_code == 200 and set(merged.json()["annotation_ids"]) == set(ids)
    mine = member.get(f"/api/v1/events/{eid}/voting").json()["mine"]
    assert mine["votes"] == {str(made.json()["id"]): 2} and mine["left"] == 1


def test_the_room_hears_of_votes_but_not_the_tally(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator)
    eid = event["id"]
    voter = join(server, event)
    ids = _annotations(voter, event, [(0, 0, "Barrier")])
    improvement = _group(facilitator, eid, "Fewer forms", ids)
    _open_voting(facilitator, eid)
    with open_stream(server, voter, eid) as ws:
        assert _vote(voter, improvement["id"], 1).status_code == 200
        message = receive_until(ws, lambda m: m["type"] == "votes.changed")
        assert message["data"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "annotation_ids": [], "driver": "budgets"},
        {"title": "x", "annotation_ids": [], "driver": "money"},
        {"title": "x" * 121, "annotation_ids": [], "driver": "budgets"},
        {"title": "x", "annotation_ids": list(range(1, 300)), "driver": "budgets"},
        {"title": "x", "annotation_ids": [999999], "driver": "budgets"},
        {"title": "x", "annotation_ids": [], "driver": "budgets", "effort": "huge"},
        {"title": "x", "annotation_ids": [], "driver": "budgets", "owner": "me"},
    ],
)
def test_bad_improvements_get_a_clear_422(
    facilitator: httpx.Client, event: dict[str, Any], body: dict[str, Any]
) -> None:
    response = facilitator.post(f"/api/v1/events/{event['id']}/improvements", json=body)
    assert response.status_code == 422
    assert facilitator.get(f"/api/v1/events/{event['id']}/improvements").json() == []
