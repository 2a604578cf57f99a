"""The public "You said, we did" page: its facilitators choose what it shows and publish it; anyone
with its short link reads it without an account or a cookie, and it names nobody, shows no team, no
hidden word and no time finer than a day; unpublished or unknown, it is not found."""

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, client, create_event, signed_in
from tests.support import (
    PLAN_ACTIONS,
    PLAN_HIDDEN,
    PLAN_PRIORITIES,
    PLAN_TEAMS,
    WalkWithAPlan,
    post_form,
    walk_with_a_plan,
)

TIME = re.compile(r"\b\d{1,2}:\d{2}\b|T\d{2}:\d{2}")


@pytest.fixture(scope="module")
def walk(server: LiveServer) -> Iterator[WalkWithAPlan]:
    yield walk_with_a_plan(server, signed_in(server))


def choose(walk: WalkWithAPlan, improvements: list[int], actions: list[int]) -> httpx.Response:
    eid = walk.event["id"]
    return post_form(
        walk.facilitator,
        f"/events/{eid}/progress",
        {"improvement_ids": [str(i) for i in improvements], "action_ids": [str(a) for a in actions]},
        token_from=f"/events/{eid}/progress",
    )


def publish(walk: WalkWithAPlan, published: bool) -> httpx.Response:
    eid = walk.event["id"]
    return post_form(
        walk.facilitator,
        f"/events/{eid}/progress/published",
        {"published": "yes" if published else "no"},
        token_from=f"/events/{eid}/progress",
    )


def short_link(walk: WalkWithAPlan) -> str:
    page = walk.facilitator.get(f"/events/{walk.event['id']}/progress")
    assert page.status_code == 200
    found = re.search(r"https?://[^/\"<\s]+(/p/[a-z0-9]+)", page.text)
    assert found, "the facilitator's page gives the short link"
    return found.group(1)


def assert_names_nobody(body: str) -> None:
    assert PLAN_HIDDEN not in body
    for team in PLAN_TEAMS:
        assert team not in body
    for _what, owner, _n in PLAN_ACTIONS:
        assert owner not in body
    assert "You have to tell your story" not in body  # no contribution's words at all
    assert not TIME.search(body), TIME.search(body)


def test_publish_read_unpublish(walk: WalkWithAPlan, server: LiveServer) -> None:
    eid = walk.event["id"]
    assert "Not published" in walk.facilitator.get(f"/events/{eid}/progress").text
    # Only the first priority, and only one of its two actions.
    assert choose(walk, [walk.improvements[0]], [walk.actions[0]]).status_code == 303
    link = short_link(walk)
    visitor = client(server)
    assert visitor.get(link).status_code == 404  # chosen, previewed, not yet published
    preview = walk.facilitator.get(f"/events/{eid}/progress").text
    assert "Agree one shared assessment form" in preview and "Preview" in preview

    assert publish(walk, True).status_code == 303
    # The next review is the plan's review schedule's.
    schedule = {"interval_weeks": 6, "first_review": "2027-01-15"}
    assert walk.facilitator.put(f"/api/v1/events/{eid}/review-schedule", json=schedule).status_code == 200
    page = visitor.get(link)
    assert page.status_code == 200
    assert page.headers["x-robots-tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in page.text
    assert "set-cookie" not in page.headers and not visitor.cookies
    assert "<script" not in page.text
    assert not re.search(
        r'(src|href)="https?://(?!' + re.escape(server.base_url.split("://")[1]) + ")", page.text
    )
    assert PLAN_PRIORITIES[0] in page.text and "Agree one shared assessment form" in page.text
    assert PLAN_PRIORITIES[1] not in page.text and "Ask people before sharing" not in page.text
    assert "Not started" in page.text and "15 January 2027" in page.text  # the next review, a day
    assert_names_nobody(page.text)
    poster = visitor.get(link + "/poster")
    assert poster.status_code == 200 and link in poster.text and 'class="segno"' in poster.text
    assert poster.headers["x-robots-tag"].startswith("noindex") and "set-cookie" not in poster.headers

    # The status comes from the actions table: a change shows at once.
    changed = walk.facilitator.patch(f"/api/v1/actions/{walk.actions[0]}", json={"status": "in_progress"})
    assert changed.status_code == 200, changed.text
    assert "In progress" in visitor.get(link).text

    assert publish(walk, False).status_code == 303
    assert visitor.get(link).status_code == 404
    assert visitor.get(link + "/poster").status_code == 404
    assert publish(walk, True).status_code == 303
    assert visitor.get(link).status_code == 200


def test_an_unknown_code_is_not_found(server: LiveServer) -> None:
    visitor = client(server)
    for code in ("zzzzzzzz", "x", "a" * 200, "%3Cscript%3E"):
        response = visitor.get(f"/p/{code}")
        assert response.status_code == 404, code
        assert "set-cookie" not in response.headers


def test_the_closing_screen_shows_the_link_once_published(walk: WalkWithAPlan) -> None:
    eid = walk.event["id"]
    assert publish(walk, False).status_code == 303
    assert "You said, we did" not in walk.participant.get(f"/events/{eid}/closing").text
    assert publish(walk, True).status_code == 303
    closing = walk.participant.get(f"/events/{eid}/closing").text
    link = short_link(walk)
    assert f'{link}"' in closing and f"{link}/poster" in closing and 'class="segno"' in closing


def test_bad_choices_are_refused_and_change_nothing(walk: WalkWithAPlan, server: LiveServer) -> None:
    assert choose(walk, [walk.improvements[0]], [walk.actions[0]]).status_code == 303
    other = walk_with_a_plan(server, walk.facilitator, title="Another walk")
    before = walk.facilitator.get(f"/events/{walk.event['id']}/progress").text
    for improvements, actions in (
        ([other.improvements[0]], []),  # another event's priority
        ([walk.improvements[0]], [walk.actions[2]]),  # an action of a priority not chosen
        ([walk.improvements[0]], [other.actions[0]]),  # another event's action
    ):
        refused = choose(walk, improvements, actions)
        assert refused.status_code == 422, refused.text
    eid = walk.event["id"]
    for bad in ({"improvement_ids": "abc"}, {"improvement_ids": "9" * 40}):
        refused = post_form(
            walk.facilitator, f"/events/{eid}/progress", bad, token_from=f"/events/{eid}/progress"
        )
        assert 400 <= refused.status_code < 500, refused.text
    assert walk.facilitator.get(f"/events/{eid}/progress").text.count("checked") == before.count("checked")
    # Neither a participant nor a stranger may choose or publish.
    for c in (walk.participant, client(server)):
        assert c.post(f"/events/{eid}/progress/published", data={"published": "no"}).status_code in (401, 403)
        assert c.get(f"/events/{eid}/progress", follow_redirects=False).status_code in (303, 401, 403, 404)
    assert client(server).get(short_link(walk)).status_code == 200


def test_an_event_with_no_plan_has_nothing_to_choose(walk: WalkWithAPlan) -> None:
    event = create_event(walk.facilitator, title="A walk with no plan yet")
    page = walk.facilitator.get(f"/events/{event['id']}/progress")
    assert page.status_code == 200 and "No priorities yet" in page.text and "Not published" in page.text


def test_the_archive_carries_the_choices_and_restores_them_unpublished(walk: WalkWithAPlan) -> None:
    eid = walk.event["id"]
    assert choose(walk, [walk.improvements[0]], [walk.actions[1]]).status_code == 303
    assert publish(walk, True).status_code == 303
    archive = walk.facilitator.get(f"/api/v1/events/{eid}/export/json").json()
    assert archive["progress"]["published"] is True
    assert archive["progress"]["actions"] == [1]  # the second action, by its place in "actions"
    assert len(archive["progress"]["improvements"]) == 1

    restored = walk.facilitator.post("/api/v1/events/import", json=archive)
    assert restored.status_code == 201, restored.text
    new_id = restored.json()["id"]
    page = walk.facilitator.get(f"/events/{new_id}/progress").text
    assert "Not published" in page
    checked = re.findall(r'<input type="checkbox" name="(\w+)" value="\d+" checked>', page)
    assert checked == ["improvement_ids", "action_ids"]
    assert "Ask people before sharing their story" in page.split("Preview")[-1]

    before = walk.facilitator.get("/api/v1/events").text
    for bad in ({"published": False, "improvements": [99], "actions": []}, {"actions": [50]}):
        refused = walk.facilitator.post("/api/v1/events/import", json={**archive, "progress": bad})
        assert refused.status_code == 422, refused.text
    assert walk.facilitator.get("/api/v1/events").text == before


def test_a_long_plan_can_be_published_whole(server: LiveServer) -> None:
    walk = walk_with_a_plan(server, signed_in(server), title="A walk with a long plan")
    for n in range(20):
        added = walk.facilitator.post(
            f"/api/v1/improvements/{walk.improvements[1]}/actions",
            json={"what": f"Step {n + 1} of the new reception", "owner": "Estates lead", "due": "2027-06-30"},
        )
        assert added.status_code == 201, added.text
    every = [
        a["id"] for a in walk.facilitator.get(f"/api/v1/events/{walk.event['id']}/actions").json()["actions"]
    ]
    assert choose(walk, walk.improvements, every).status_code == 303
    assert publish(walk, True).status_code == 303
    page = client(server).get(short_link(walk)).text
    assert all(f"Step {n + 1} of the new reception" in page for n in range(20))
