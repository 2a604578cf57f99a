"""An event's teams as the facilitator sets them (issue 17, item 1): through the API and the event
page's plain forms, against a real server, with real phones and the console's real websocket."""

import re
from typing import Any

import httpx

from tests.conftest import (
    LiveServer,
    annotate,
    client,
    create_event,
    join,
)
from tests.test_phases import frame_with, live

TEAMS = "/api/v1/events/{}/teams"


def put_teams(c: httpx.Client, event: dict[str, Any], body: Any, **params: Any) -> httpx.Response:
    return c.put(TEAMS.format(event["id"]), json=body, params=params)


def teams_of(c: httpx.Client, event: dict[str, Any]) -> list[dict[str, Any]]:
    return c.get(f"/api/v1/events/{event['id']}").json()["teams"]


def annotations_of(c: httpx.Client, event: dict[str, Any]) -> list[dict[str, Any]]:
    return c.get(f"/api/v1/events/{event['id']}/annotations").json()


def four_teams(event: dict[str, Any]) -> list[dict[str, Any]]:
    t = event["teams"]
    return [
        {"id": t[2]["id"], "name": "Housing options desk", "vignette_slugs": ["stuart", "lauren"]},
        {"id": t[0]["id"], "name": "Front door", "vignette_slugs": ["ollie"]},
        {"name": "Tenancy support", "vignette_slugs": ["jay", "gill"]},
        {"id": t[1]["id"], "name": "Out of hours", "vignette_slugs": []},
    ]


def test_default_teams_carry_no_tier_wording(facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Default teams")
    assert [t["name"] for t in event["teams"]] == ["Team 1", "Team 2", "Team 3"]


def test_new_events_follow_the_same_rules(facilitator: httpx.Client) -> None:
    maps = facilitator.get("/api/v1/journey-maps").json()
    for teams, needle in (
        ([{"name": f"Table {n}"} for n in range(13)], "this list has 13"),
        ([{"name": "Table"}, {"name": "TABLE"}], 'Two teams are called "TABLE"'),
        ([{"name": "Table", "vignette_slugs": ["nobody-we-know"]}], "nobody-we-know"),
    ):
        response = facilitator.post(
            "/api/v1/events", json={"title": "Refused teams", "journey_map_id": maps[0]["id"], "teams": teams}
        )
        assert response.status_code == 422 and needle in response.json()["detail"], response.text
    # No event was made: the facilitator's list of events does not have one.
    home = facilitator.get("/")
    assert home.status_code == 200 and "Your events" in home.text and "Refused teams" not in home.text


def test_put_renames_reorders_adds_and_pairs(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Four teams")
    response = put_teams(facilitator, event, four_teams(event))
    assert response.status_code == 200, response.text
    saved = response.json()
    assert [t["name"] for t in saved] == [
        "Housing options desk",
        "Front door",
        "Tenancy support",
        "Out of hours",
    ]
    assert [t["position"] for t in saved] == [0, 1, 2, 3]
    assert saved[0]["id"] == event["teams"][2]["id"] and saved[1]["id"] == event["teams"][0]["id"]
    assert saved[0]["vignette_slugs"] == ["stuart", "lauren"] and saved[3]["vignette_slugs"] == []
    # What anyone reading the event sees afterwards is what was saved, in that order.
    assert [
        {"id": t["id"], "name": t["name"], "vignette_slugs": t["vignette_slugs"]}
        for t in teams_of(facilitator, event)
    ] == [{"id": t["id"], "name": t["name"], "vignette_slugs": t["vignette_slugs"]} for t in saved]
    # The OpenAPI document describes the answer.
    spec = facilitator.get("/openapi.json").json()
    answer = spec["paths"]["/api/v1/events/{event_id}/teams"]["put"]["responses"]["200"]
    assert "TeamPublic" in str(answer)


def test_bad_input_is_refused_by_name_and_changes_nothing(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator, title="Bad teams")
    phone = join(server, event, team_index=2)
    assert annotate(phone, event).status_code == 201
    before = teams_of(facilitator, event)
    keep = [{"id": t["id"], "name": t["name"], "vignette_slugs": t["vignette_slugs"]} for t in before]
    cases: list[tuple[Any, dict[str, Any], str]] = [
        ([{"name": f"Table {n}"} for n in range(13)], {}, "between 1 and 12 teams; this list has 13"),
        ([], {}, "this list has 0"),
        ([*keep[:2], {**keep[2], "name": "   "}], {}, "Team 3 has no name"),
        ([*keep[:2], {**keep[2], "name": "x" * 61}], {}, "61 characters; keep it to 60"),
        ([*keep, {"name": "team 1"}], {}, 'Two teams are called "team 1"'),
        ([*keep[:2], {**keep[2], "vignette_slugs": ["stuart", "no-such-person"]}], {}, "no-such-person"),
        ([*keep[:2], {**keep[2], "vignette_slugs": ["ollie"] * 2}], {}, "the same vignette twice"),
        (
            [
                {**keep[0], "vignette_slugs": ["ollie", "jay", "gill", "bruno", "stuart", "lauren", "ollie"]},
                *keep[1:],
            ],
            {},
            "at most 6",
        ),
        (keep[:2], {}, '"Team 3" has people or contributions in it'),
        (keep[:2], {"move_to": before[2]["id"]}, "one of the teams that stay"),
        ([*keep, {"id": 999999, "name": "Someone else's"}], {}, "999999 is not one of this event's teams"),
    ]
    for body, params, needle in cases:
        response = put_teams(facilitator, event, body, **params)
        assert 400 <= response.status_code < 500, (needle, response.text)
        assert needle in str(response.json()["detail"]), (needle, response.text)
        assert teams_of(facilitator, event) == before, needle
    assert [a["team_id"] for a in annotations_of(facilitator, event)] == [before[2]["id"]]
    # Only this event's facilitators may change its teams; a participant may not.
    assert put_teams(phone, event, keep).status_code in (401, 403)
    assert put_teams(client(server), event, keep).status_code == 401


def test_removing_a_team_moves_its_people_and_their_words(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator, title="Merging tables")
    gone, stays = event["teams"][2], event["teams"][0]
    phone = join(server, event, team_index=2)
    assert annotate(phone, event, text="The letter never said who I would see.").status_code == 201
    body = [
        {"id": t["id"], "name": t["name"], "vignette_slugs": t["vignette_slugs"]} for t in event["teams"][:2]
    ]
    response = put_teams(facilitator, event, body, move_to=stays["id"])
    assert response.status_code == 200, response.text
    assert [t["id"] for t in response.json()] == [stays["id"], event["teams"][1]["id"]]
    words = annotations_of(facilitator, event)
    assert [(a["text"], a["team_id"]) for a in words] == [
        ("The letter never said who I would see.", stays["id"])
    ]
    # The participant is in the team their people went to: their phone shows it, and what they
    # write now is that team's.
    page = phone.get(f"/events/{event['id']}/journey").text
    assert '<h2 id="team-h">Team 1</h2>' in page and gone["name"] not in page
    assert annotate(phone, event, text="Reception was kind.").status_code == 201
    assert {a["team_id"] for a in annotations_of(facilitator, event)} == {stays["id"]}
    # Their own words are still theirs to change.
    mine = phone.get(f"/api/v1/events/{event['id']}/annotations", params={"mine": "true"}).json()
    assert len(mine) == 2


def test_a_phone_joins_a_renamed_team_and_sees_its_name_only(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator, title="Renamed teams")
    assert put_teams(facilitator, event, four_teams(event)).status_code == 200
    phone = client(server)
    join_page = phone.get("/join", params={"code": event["join_code"]}).text
    buttons = re.findall(r'<button type="submit" name="team_id" value="\d+">([^<]*)</button>', join_page)
    assert buttons == [
        "Join Housing options desk",
        "Join Front door",
        "Join Tenancy support",
        "Join Out of hours",
    ]
    team_id = teams_of(facilitator, event)[2]["id"]
    response = phone.post(
        "/join", data={"join_code": event["join_code"], "team_id": str(team_id), "here_as": "staff"}
    )
    assert response.status_code == 303
    page = phone.get(response.headers["location"]).text
    assert '<h2 id="team-h">Tenancy support</h2>' in page
    assert 'id="vignette-jay"' in page and 'id="vignette-gill"' in page and 'id="vignette-stuart"' not in page
    assert "risk" not in page.split('<section id="my-team"')[1].split("</section>")[0]


def test_phones_and_the_console_follow_a_rename_live(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Live rename")
    phone = join(server, event, team_index=1)
    first = phone.get(f"/events/{event['id']}/journey").text
    version = re.search(r'id="my-team-version" name="v" value="([^"]+)"', first)
    assert version
    # Unchanged teams: the phone's check answers nothing, so a story being read stays open.
    check = phone.get(f"/events/{event['id']}/journey/team", params={"v": version.group(1)})
    assert check.status_code == 204
    body = [{"id": t["id"], "name": t["name"], "vignette_slugs": t["vignette_slugs"]} for t in event["teams"]]
    body[1]["name"] = "Maternity triage"
    with (
        live(server, phone, event["id"], "participant", -1) as phone_ws,
        live(server, facilitator, event["id"], "console", -1) as console_ws,
    ):
        frame_with(phone_ws, 'id="team-check"')  # the snapshot on connecting
        frame_with(console_ws, 'id="here"')
        assert put_teams(facilitator, event, body).status_code == 200
        pushed = frame_with(phone_ws, 'id="team-check"')
        assert f"/events/{event['id']}/journey/team" in pushed and "Maternity triage" not in pushed
        console = frame_with(console_ws, "Maternity triage")
        assert 'id="here"' in console
    again = phone.get(f"/events/{event['id']}/journey/team", params={"v": version.group(1)})
    assert again.status_code == 200 and '<h2 id="team-h">Maternity triage</h2>' in again.text
    # A PUT that changes nothing sends nothing and keeps the room log as it was.
    seq = facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
    assert put_teams(facilitator, event, body).status_code == 200
    assert facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"] == seq


def test_console_counts_small_teams_as_fewer_than(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Counting teams")
    for _ in range(7):
        join(server, event, team_index=0)
    for _ in range(2):
        join(server, event, team_index=1)
    for _ in range(4):
        join(server, event, team_index=2)
    here = facilitator.get(f"/events/{event['id']}/console/here").text
    rows = dict(
        re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', here.split("Here as")[0])
    )
    assert rows == {"Team 1": "7", "Team 2": "fewer than 5", "Team 3": "fewer than 5"}
    assert "<strong>13</strong> joined" in here
    console = facilitator.get(f"/events/{event['id']}/console").text
    assert "<td>fewer than 5</td>" in console and "<td>4</td>" not in console.split("Here as")[0]
    # With one small team beside one other, the total would give the small one away: the other
    # says only that it has five or more.
    small = create_event(facilitator, title="Two teams")
    assert (
        put_teams(
            facilitator,
            small,
            [
                {"id": small["teams"][0]["id"], "name": "Big"},
                {"id": small["teams"][1]["id"], "name": "Small"},
            ],
            move_to=small["teams"][0]["id"],
        ).status_code
        == 200
    )
    for _ in range(6):
        join(server, small, team_index=0)
    join(server, small, team_index=1)
    here = facilitator.get(f"/events/{small['id']}/console/here").text
    rows = dict(
        re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', here.split("Here as")[0])
    )
    assert rows == {"Big": "5 or more", "Small": "fewer than 5"}


def test_the_event_page_changes_teams_with_plain_forms(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Teams by form")
    eid = event["id"]
    t1, t2, t3 = (t["id"] for t in event["teams"])
    page = facilitator.get(f"/events/{eid}").text
    assert 'id="teams"' in page and f'action="/events/{eid}/teams/{t1}"' in page
    # Rename and pair, move down, add, remove (the empty one needs nowhere to go).
    saved = facilitator.post(
        f"/events/{eid}/teams/{t1}",
        data={"action": "save", "name": "Front door", "vignette": ["ollie", "gill"]},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/events/{eid}#team-{t1}"
    facilitator.post(f"/events/{eid}/teams/{t1}", data={"action": "down", "name": ""})
    added = facilitator.post(f"/events/{eid}/teams", data={"name": "Night shelter", "vignette": ["lauren"]})
    assert added.status_code == 303
    assert facilitator.post(f"/events/{eid}/teams/{t3}/remove", data={}).status_code == 303
    assert [(t["name"], t["vignette_slugs"]) for t in teams_of(facilitator, event)] == [
        ("Team 2", ["bruno", "gill"]),
        ("Front door", ["ollie", "gill"]),
        ("Night shelter", ["lauren"]),
    ]
    # A team with someone in it asks where they go, and refuses to go without an answer.
    join(server, event, team_index=1)
    page = facilitator.get(f"/events/{eid}").text
    assert f'<label for="move-to-{t2}">Where do the people in Team 2 go?</label>' in page
    refused = facilitator.post(f"/events/{eid}/teams/{t2}/remove", data={})
    assert refused.status_code == 409 and "Team 2" in refused.text and "has people" in refused.text
    bad = facilitator.post(f"/events/{eid}/teams/{t1}", data={"action": "save", "name": "Night shelter"})
    assert bad.status_code == 422 and "Two teams are called" in bad.text
    assert len(teams_of(facilitator, event)) == 3
    assert facilitator.post(f"/events/{eid}/teams/{t2}/remove", data={"move_to": str(t1)}).status_code == 303
    here = facilitator.get(f"/api/v1/events/{eid}/room").json()["here"]
    assert here["total"] == 1 and [t["name"] for t in teams_of(facilitator, event)] == [
        "Front door",
        "Night shelter",
    ]


def test_a_closed_event_keeps_its_teams(server: LiveServer, facilitator: httpx.Client) -> None:
    event = create_event(facilitator, title="Closed teams")
    facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    body = [{"id": t["id"], "name": "Renamed " + t["name"]} for t in event["teams"]]
    response = put_teams(facilitator, event, body)
    assert response.status_code == 409 and "Reopen" in response.text
    assert [t["name"] for t in teams_of(facilitator, event)] == ["Team 1", "Team 2", "Team 3"]


def test_a_board_showing_a_removed_teams_wall_follows_its_words(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator, title="Board by team")
    gone, stays = event["teams"][2]["id"], event["teams"][0]["id"]
    shown = facilitator.post(
        f"/api/v1/events/{event['id']}/board",
        json={"view": "wall", "filter": {"by": "team", "value": str(gone)}},
    )
    assert shown.status_code == 200, shown.text
    body = [{"id": t["id"], "name": t["name"]} for t in event["teams"][:2]]
    assert put_teams(facilitator, event, body, move_to=stays).status_code == 200
    board = facilitator.get(f"/api/v1/events/{event['id']}/room").json()["board"]
    assert board == {"view": "wall", "filter": {"by": "team", "value": str(stays)}}
