"""From contributions to a plan through the pages, as a browser without JavaScript (and with HTMX
headers) drives them: grouping on the Prioritise page, dots from a phone, the reveal, the action plan,
and the board's priorities and actions views over its websocket."""

import re
from typing import Any

import httpx

from tests.conftest import LiveServer, annotate, create_event, first_touchpoint, join, signed_in
from tests.test_phases import frame_with, live
from tests.test_xss import _assert_escaped, payload

HTMX = {"HX-Request": "true"}


def annotation_ids(c: httpx.Client, event: dict[str, Any], *texts: str) -> list[int]:
    listed = c.get(f"/api/v1/events/{event['id']}/annotations").json()
    by_text = {a["text"]: a["id"] for a in listed}
    return [by_text[t] for t in texts]


def improvement_id(location: str) -> int:
    found = re.search(r"#improvement-(\d+)$", location)
    assert found, location
    return int(found.group(1))


def improvements(c: httpx.Client, event: dict[str, Any]) -> dict[str, list[int]]:
    listed = c.get(f"/api/v1/events/{event['id']}/improvements").json()
    return {i["title"]: i["annotation_ids"] for i in listed}


def group(c: httpx.Client, event: dict[str, Any], title: str, ids: list[int], **extra: str) -> int:
    response = c.post(
        f"/events/{event['id']}/improvements",
        data={"title": title, "driver": "service_design_and_delivery", "annotation_ids": ids, **extra},
    )
    assert response.status_code == 303, response.text
    return improvement_id(response.headers["location"])


def change(c: httpx.Client, event: dict[str, Any], iid: int, **data: Any) -> httpx.Response:
    return c.post(f"/events/{event['id']}/improvements/{iid}", data=data)


def voting(c: httpx.Client, event: dict[str, Any], **data: str) -> None:
    response = c.post(f"/events/{event['id']}/voting", data=data)
    assert response.status_code == 303, response.text


def vote(c: httpx.Client, event: dict[str, Any], iid: int, change: str, htmx: bool = True) -> httpx.Response:
    return c.post(
        f"/events/{event['id']}/improvements/{iid}/vote",
        data={"change": change},
        headers=HTMX if htmx else {},
    )


def dots_left(html: str) -> int:
    found = re.search(r"You have <strong>(\d+)</strong> dots? left", html)
    assert found, html[:2000]
    return int(found.group(1))


WAIT = "Nobody tells you how long the wait will be."
RETELL = "You have to tell your story again at every assessment."
ROOM = "The meeting room is too small to talk privately."
KIND = "The receptionist greeted everyone by name."


def walked_event(server: LiveServer) -> tuple[httpx.Client, httpx.Client, dict[str, Any], list[int]]:
    """An open event where alice has written three barriers and a strength at two touchpoints."""
    facilitator = signed_in(server)
    event = create_event(facilitator, date="2026-05-04")
    alice = join(server, event)
    other_tp = first_touchpoint(event, stage=4)
    for text, where, kind in (
        (KIND, first_touchpoint(event), "strength"),
        (WAIT, first_touchpoint(event), "barrier"),
        (RETELL, other_tp, "barrier"),
        (ROOM, other_tp, "barrier"),
    ):
        assert annotate(alice, event, text=text, touchpoint_id=where, kind=kind).status_code == 201
    return facilitator, alice, event, annotation_ids(facilitator, event, WAIT, RETELL, ROOM, KIND)


def test_a_facilitator_groups_renames_merges_splits_and_deletes_through_the_forms(
    server: LiveServer,
) -> None:
    facilitator, alice, event, (wait, retell, room, _kind) = walked_event(server)
    page = facilitator.get(f"/events/{event['id']}/improvements")
    assert page.status_code == 200
    # Barriers come before strengths at the same touchpoint; each has its own labelled checkbox.
    assert page.text.index(WAIT) < page.text.index(KIND)
    assert f'id="pick-{wait}" name="annotation_ids" value="{wait}"' in page.text
    assert f'<label for="pick-{wait}">' in page.text
    barriers_only = facilitator.get(f"/events/{event['id']}/improvements?show=barrier").text
    assert WAIT in barriers_only and KIND not in barriers_only

    first = group(facilitator, event, "Say how long the wait is", [wait, retell])
    assert improvements(facilitator, event) == {"Say how long the wait is": [wait, retell]}
    shown = facilitator.get(f"/events/{event['id']}/improvements?said=grouped").text
    assert "Grouped into a new improvement." in shown and "In: Say how long the wait is" in shown

    # Add the ticked contributions to the existing improvement (the same form, another button).
    assert change(facilitator, event, first, action="add", annotation_ids=[room]).status_code == 303
    assert improvements(facilitator, event)["Say how long the wait is"] == [wait, retell, room]
    # Take one out again.
    assert change(facilitator, event, first, action="remove", annotation_id=str(room)).status_code == 303
    assert improvements(facilitator, event)["Say how long the wait is"] == [wait, retell]

    # Split the retelling into its own improvement, then merge it back.
    split = change(
        facilitator, event, first, action="split", title="Tell your story once", annotation_ids=[retell]
    )
    assert split.status_code == 303
    second = improvement_id(split.headers["location"])
    assert improvements(facilitator, event) == {
        "Say how long the wait is": [wait],
        "Tell your story once": [retell],
    }
    assert change(facilitator, event, second, action="merge", into=str(first)).status_code == 303
    assert improvements(facilitator, event) == {"Say how long the wait is": [wait, retell]}

    # Rename and retag.
    saved = change(
        facilitator,
        event,
        first,
        action="save",
        title="Tell people what happens while they wait",
        driver="policies_and_processes",
        effort="low",
        cost="none",
        horizon="quick_win",
    )
    assert saved.status_code == 303
    shown = facilitator.get(f"/events/{event['id']}/improvements").text
    assert "Tell people what happens while they wait" in shown
    assert "Policies and processes" in shown and "Quick win" in shown and "Effort: Low" in shown

    # Bad input gets plain words and a 4xx, never a 500.
    no_driver = facilitator.post(
        f"/events/{event['id']}/improvements", data={"title": "x", "annotation_ids": [wait]}
    )
    assert no_driver.status_code == 422 and "Roadmap driver" in no_driver.text
    too_long = facilitator.post(
        f"/events/{event['id']}/improvements",
        data={"title": "x" * 121, "driver": "budgets", "annotation_ids": [wait]},
    )
    assert too_long.status_code == 422 and "Title" in too_long.text
    unknown = facilitator.post(
        f"/events/{event['id']}/improvements",
        data={"title": "Elsewhere", "driver": "budgets", "annotation_ids": ["999999"]},
    )
    assert unknown.status_code == 422 and "not in this event" in unknown.text
    nothing_ticked = change(facilitator, event, first, action="add")
    assert nothing_ticked.status_code == 422 and "Tick one or more contributions" in nothing_ticked.text
    assert change(facilitator, event, first, action="merge", into="").status_code == 422
    assert change(facilitator, event, first, action="dance").status_code == 422
    assert change(facilitator, event, 999999, action="delete").status_code == 404

    # Participants may not group until the facilitator lets them.
    page = alice.get(f"/events/{event['id']}/improvements")
    assert page.status_code == 200 and "The facilitator is grouping" in page.text
    assert 'id="group-form"' not in page.text
    refused = alice.post(
        f"/events/{event['id']}/improvements",
        data={"title": "Mine", "driver": "budgets", "annotation_ids": [room]},
    )
    assert refused.status_code == 403 and "The facilitator is grouping" in refused.text
    voting(facilitator, event, participants_may_group="true")
    assert 'id="group-form"' in alice.get(f"/events/{event['id']}/improvements").text
    theirs = group(alice, event, "Bigger meeting rooms", [room])
    assert change(alice, event, theirs, action="delete").status_code == 403
    assert "Bigger meeting rooms" in improvements(facilitator, event)

    # The facilitator deletes: the contributions stay.
    assert change(facilitator, event, theirs, action="delete").status_code == 303
    assert "Bigger meeting rooms" not in improvements(facilitator, event)
    assert ROOM in facilitator.get(f"/events/{event['id']}/improvements").text
    # Someone who is neither facilitator nor participant is sent to join.
    stranger = httpx.Client(base_url=server.base_url)
    assert stranger.get(f"/events/{event['id']}/improvements").headers["location"] == "/join"
    stranger.close()


def test_a_participant_votes_from_the_page_and_cannot_overspend(server: LiveServer) -> None:
    facilitator, alice, event, (wait, retell, room, _kind) = walked_event(server)
    one = group(facilitator, event, "Say how long the wait is", [wait])
    two = group(facilitator, event, "Tell your story once", [retell])
    three = group(facilitator, event, "Bigger meeting rooms", [room])

    page = alice.get(f"/events/{event['id']}/priorities").text
    assert "Voting is not open yet" in page and "Add a dot" not in page
    closed = vote(alice, event, one, "add")
    assert closed.status_code == 409 and "Voting is not open" in closed.text

    voting(facilitator, event, status="open")
    journey = alice.get(f"/events/{event['id']}/journey").text
    assert "Voting is open." in journey and f'href="/events/{event["id"]}/priorities"' in journey
    page = alice.get(f"/events/{event['id']}/priorities").text
    assert dots_left(page) == 3 and 'aria-live="polite"' in page
    assert 'Add a dot<span class="visually-hidden"> to Say how long the wait is' in page
    assert "<details" in page and WAIT in page  # the evidence, behind a details element

    first = vote(alice, event, one, "add")
    assert first.status_code == 200 and dots_left(first.text) == 2
    assert f'id="mine-{one}"' in first.text and "Your dots: <strong>1</strong>" in first.text
    assert dots_left(vote(alice, event, one, "add").text) == 1
    too_many_here = vote(alice, event, one, "add")
    assert too_many_here.status_code == 422
    assert "at most 2 dots on one improvement" in too_many_here.text and dots_left(too_many_here.text) == 1
    assert dots_left(vote(alice, event, two, "add").text) == 0

    overspend = vote(alice, event, three, "add")
    assert overspend.status_code == 409
    assert "You have 0 dots left to place here. Take dots off another improvement first." in overspend.text
    assert dots_left(overspend.text) == 0
    # The same without JavaScript: the whole page, with the reason, and no 500.
    plain = vote(alice, event, three, "add", htmx=False)
    assert plain.status_code == 409 and "Take dots off another improvement first" in plain.text
    assert "<h1>Priorities</h1>" in plain.text
    nothing_to_take = vote(alice, event, three, "remove")
    assert nothing_to_take.status_code == 422 and "no dots on this improvement" in nothing_to_take.text
    assert vote(alice, event, 999999, "add").status_code in (404, 409)
    assert (
        alice.post(f"/events/{event['id']}/improvements/{one}/vote", data={"change": "steal"}).status_code
        == 422
    )

    # Moving a dot: take one off, put it elsewhere; without JavaScript it comes back to the row.
    moved = vote(alice, event, one, "remove", htmx=False)
    assert moved.status_code == 303 and moved.headers["location"].endswith(f"#priority-{one}")
    assert dots_left(alice.get(f"/events/{event['id']}/priorities").text) == 1
    assert vote(alice, event, three, "add").status_code == 200
    mine = alice.get(f"/api/v1/events/{event['id']}/voting").json()["mine"]
    assert mine["left"] == 0 and mine["votes"] == {str(one): 1, str(two): 1, str(three): 1}

    # Only participants vote; a facilitator's press is refused in words.
    assert vote(facilitator, event, one, "add").status_code == 403
    voting(facilitator, event, status="closed")
    assert vote(alice, event, one, "remove").status_code == 409
    assert "Voting has closed" in alice.get(f"/events/{event['id']}/priorities").text


def test_the_tally_stays_hidden_from_participants_and_the_board_until_revealed(server: LiveServer) -> None:
    facilitator, alice, event, (wait, retell, _room, _kind) = walked_event(server)
    one = group(facilitator, event, "Say how long the wait is", [wait])
    two = group(facilitator, event, "Tell your story once", [retell])
    voting(facilitator, event, status="open")
    bob = join(server, event, here_as="lived_experience")
    for person, iid in ((alice, two), (alice, two), (bob, two), (bob, one)):
        assert vote(person, event, iid, "add").status_code == 200

    before = alice.get(f"/events/{event['id']}/priorities").text
    assert "<svg" not in before and "in all" not in before
    assert "The dots stay hidden until the facilitator reveals them" in before
    # In the order they were made, not by votes.
    assert before.index("Say how long the wait is") < before.index("Tell your story once")
    assert alice.get(f"/api/v1/events/{event['id']}/priorities").json()["priorities"][0]["votes"] is None

    # The facilitator always sees the tally.
    theirs = facilitator.get(f"/events/{event['id']}/priorities").text
    assert "only facilitators see this until you reveal it" in theirs
    assert "1. Tell your story once: 3 dots." in theirs and "2. Say how long the wait is: 1 dot." in theirs
    # Two voters: too few for any "I'm here as" breakdown.
    assert "Lived experience" not in theirs and "A breakdown by" in theirs

    facilitator.post(f"/api/v1/events/{event['id']}/board", json={"view": "priorities"})
    with live(server, facilitator, event["id"], "board", -1) as board:
        hidden = frame_with(board, 'id="board-main"')
        assert "Tell your story once" in hidden and "<svg" not in hidden
        assert "The dots stay hidden" in hidden
        voting(facilitator, event, revealed="true")
        shown = frame_with(board, "<svg")
        assert "1. Tell your story once: 3 dots." in shown
        assert 'role="img"' in shown and "<title" in shown and "<desc" in shown
        # After the reveal, each vote redraws the chart.
        assert vote(bob, event, one, "add").status_code == 200
        assert "2. Say how long the wait is: 2 dots." in frame_with(board, "Say how long the wait is: 2 dots")

    after = alice.get(f"/events/{event['id']}/priorities").text
    assert "<svg" in after and "<strong>3</strong> dots in all" in after
    assert after.index("Tell your story once") < after.index("Say how long the wait is")
    voting(facilitator, event, revealed="false")
    assert "<svg" not in alice.get(f"/events/{event['id']}/priorities").text


def test_the_breakdown_by_group_shows_only_groups_big_enough_to_stay_anonymous(server: LiveServer) -> None:
    facilitator, alice, event, (wait, _retell, _room, _kind) = walked_event(server)
    one = group(facilitator, event, "Say how long the wait is", [wait])
    voting(facilitator, event, status="open", revealed="true")
    # Two groups of five, and five more in two small groups: those two are counted together as Other.
    groups = {"lived_experience": 5, "staff": 5, "partner": 2, "prefer_not_to_say": 3}
    people = [join(server, event, here_as=g) for g, n in groups.items() for _ in range(n)]
    for person in people:
        assert vote(person, event, one, "add").status_code == 200
    page = alice.get(f"/events/{event['id']}/priorities").text
    table = page[page.index('<table class="breakdown">') : page.index("</table>")]
    headers = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert headers == ["Improvement", "Lived experience", "Staff of this service", "Other"]
    assert "A partner organisation" not in page and "Prefer not to say" not in page
    assert re.findall(r"<td>(\d+)</td>", table) == ["5", "5", "5"]


def test_actions_are_planned_edited_after_closing_and_shown_on_the_event_page(server: LiveServer) -> None:
    facilitator, alice, event, (wait, _retell, _room, _kind) = walked_event(server)
    one = group(facilitator, event, "Say how long the wait is", [wait])
    plan = facilitator.get(f"/events/{event['id']}/actions").text
    assert "Add an action" in plan and "15 June 2026" in plan  # six weeks after 4 May 2026

    added = facilitator.post(
        f"/events/{event['id']}/improvements/{one}/actions",
        data={
            "what": "Send a letter saying how long the wait is",
            "owner": "Service manager",
            "due": "2026-06-30",
        },
    )
    assert added.status_code == 303
    action_id = int(added.headers["location"].rsplit("-", 1)[1])
    plan = facilitator.get(f"/events/{event['id']}/actions").text
    assert "Send a letter saying how long the wait is" in plan and "15 June 2026" in plan
    assert "30 June 2026" in plan

    manage = facilitator.get(f"/events/{event['id']}").text
    assert "Priorities and action plan" in manage
    assert "Send a letter saying how long the wait is" in manage and "Service manager" in manage
    assert re.search(r"<strong>1</strong> not started", manage)

    # Bad input: plain words, 4xx.
    for data, words in (
        ({"what": "x", "owner": "Lead", "due": "next week"}, "By when"),
        ({"what": "x", "owner": "Lead", "due": "1900-01-01"}, "between 2000 and 2100"),
        ({"what": "x" * 501, "owner": "Lead", "due": "2026-07-01"}, "What will be done"),
        ({"what": "x", "owner": "", "due": "2026-07-01"}, "Owner"),
        ({"what": "x", "owner": "Lead", "due": "2026-07-01", "status": "finished"}, "Status"),
    ):
        bad = facilitator.post(f"/events/{event['id']}/improvements/{one}/actions", data=data)
        assert bad.status_code == 422 and words in bad.text, (data, bad.text[:500])

    # Still editable after the event closes.
    assert facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"}).status_code == 303
    edited = facilitator.post(
        f"/events/{event['id']}/actions/{action_id}",
        data={
            "what": "Send a letter saying how long the wait is",
            "owner": "Team leader",
            "due": "2026-07-31",
            "review": "2026-08-14",
            "status": "done",
        },
    )
    assert edited.status_code == 303
    manage = facilitator.get(f"/events/{event['id']}").text
    assert "Team leader" in manage and re.search(r"<strong>1</strong> done", manage)
    assert "14 Aug 2026" in manage

    # Participants read the plan; they cannot change it.
    theirs = alice.get(f"/events/{event['id']}/actions")
    assert theirs.status_code == 200 and "Team leader" in theirs.text and "Add an action" not in theirs.text
    assert alice.post(f"/events/{event['id']}/actions/{action_id}/delete").status_code == 401
    assert facilitator.post(f"/events/{event['id']}/actions/{action_id}/delete").status_code == 303
    assert "Team leader" not in facilitator.get(f"/events/{event['id']}/actions").text


def test_the_board_shows_the_action_plan_live(server: LiveServer) -> None:
    facilitator, _alice, event, (wait, _retell, _room, _kind) = walked_event(server)
    one = group(facilitator, event, "Say how long the wait is", [wait])
    facilitator.post(f"/api/v1/events/{event['id']}/board", json={"view": "actions"})
    with live(server, facilitator, event["id"], "board", -1) as board:
        assert "No actions yet" in frame_with(board, 'id="board-main"')
        facilitator.post(
            f"/events/{event['id']}/improvements/{one}/actions",
            data={"what": "Phone people while they wait", "owner": "Admin lead", "due": "2026-06-30"},
        )
        frame = frame_with(board, "Phone people while they wait")
        assert "Say how long the wait is" in frame and "Admin lead" in frame


def test_words_people_typed_are_escaped_on_every_new_page(server: LiveServer) -> None:
    facilitator, alice, event, (wait, _retell, _room, _kind) = walked_event(server)
    title, what, owner = payload("improvement", 1)[:120], payload("action", 0), payload("owner", 2)[:120]
    one = group(facilitator, event, title, [wait])
    assert (
        facilitator.post(
            f"/events/{event['id']}/improvements/{one}/actions",
            data={"what": what, "owner": owner, "due": "2026-06-30"},
        ).status_code
        == 303
    )
    voting(facilitator, event, status="open", revealed="true")
    vote(alice, event, one, "add")
    for c, path in (
        (facilitator, f"/events/{event['id']}/improvements"),
        (facilitator, f"/events/{event['id']}/priorities"),
        (alice, f"/events/{event['id']}/priorities"),
        (facilitator, f"/events/{event['id']}/actions"),
        (facilitator, f"/events/{event['id']}"),
    ):
        page = c.get(path)
        assert page.status_code == 200, path
        shown = [title] if "priorities" in path or "improvements" in path else [title, what, owner]
        _assert_escaped(page.text, shown, path)


def test_the_prioritise_page_says_when_someone_else_has_changed_things(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    """Participants grouping beside the facilitator: the open page offers a reload, never redraws itself."""
    event = create_event(facilitator)
    eid = event["id"]
    member = join(server, event, here_as="lived_experience")
    first = annotate(member, event, text="The letter did not say how long the wait would be.").json()["id"]
    facilitator.patch(f"/api/v1/events/{eid}/voting", json={"participants_may_group": True})
    page = facilitator.get(f"/events/{eid}/improvements").text
    poll = re.search(r'hx-get="(/events/\d+/improvements/changed\?seq=\d+)"', page)
    assert poll is not None
    assert facilitator.get(poll.group(1)).status_code == 204
    made = member.post(
        f"/api/v1/events/{eid}/improvements",
        json={"title": "Say how long the wait is", "annotation_ids": [first], "driver": "budgets"},
    )
    assert made.status_code == 201
    notice = facilitator.get(poll.group(1))
    assert notice.status_code == 200 and "Reload to see them" in notice.text
    # The reloaded page polls from where it is now.
    fresh = re.search(
        r'hx-get="(/events/\d+/improvements/changed\?seq=\d+)"',
        facilitator.get(f"/events/{eid}/improvements").text,
    )
    assert fresh is not None and facilitator.get(fresh.group(1)).status_code == 204
    assert join(server, create_event(facilitator)).get(poll.group(1)).status_code == 403
