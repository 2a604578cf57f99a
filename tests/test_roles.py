"""The role matrix: the organiser, a facilitator of the event, an implementation group member of its
organisation and one of another organisation, a participant and an anonymous caller each try every
route about one event (its room, plan, actions, report, exports, attendance and calls for help).
Every caller allowed a route gets past its check (reads answer, writes are never refused); every
refusal is a 401, 403 or 404 (or a page sending you to sign in or join) and changes nothing.

The routes come from the app itself, so a route that is not classified here fails the test."""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session
from starlette.routing import Route

from app.db import make_engine, metadata, transaction
from app.facilitators import service as facilitators
from app.main import create_app
from app.organisations import service as organisations
from app.organisations.models import Membership, Role
from tests.conftest import (
    ADMIN_EMAIL,
    LiveServer,
    annotate,
    client,
    create_event,
    first_touchpoint,
    join,
    signed_in,
)

PASSWORD = "a long password for roles"

FACILITATOR = "facilitator"
ORGANISER = "organiser"
IMPLEMENTATION = "implementation"
OTHER_IMPLEMENTATION = "implementation elsewhere"
PARTICIPANT = "participant"
ANONYMOUS = "anonymous"
CALLERS = (FACILITATOR, ORGANISER, IMPLEMENTATION, OTHER_IMPLEMENTATION, PARTICIPANT, ANONYMOUS)

# Who may use a route about one event.
RUNS = frozenset({FACILITATOR})
PLAN = frozenset({FACILITATOR, IMPLEMENTATION})
PLAN_READ = frozenset({FACILITATOR, IMPLEMENTATION, PARTICIPANT})
IN_ROOM = frozenset({FACILITATOR, PARTICIPANT})
JOINED = frozenset({PARTICIPANT})
ANYONE = frozenset(CALLERS)

# Every route about one event: who may use it, and a request body that passes validation, so a
# refusal is the permission check's and not the parser's.
EVENT_ROUTES: dict[tuple[str, str], tuple[frozenset[str], dict[str, Any] | None]] = {
    # The plan, the report and the exports: the event's facilitators and its implementation group.
    ("GET", "/api/v1/events/{event_id}/actions"): (PLAN_READ, None),
    ("GET", "/events/{event_id}/actions"): (PLAN_READ, None),
    ("PATCH", "/api/v1/actions/{action_id}"): (PLAN, {"json": {"status": "in_progress"}}),
    ("POST", "/events/{event_id}/actions/{action_id}"): (
        PLAN,
        {"data": {"what": "Quiet room", "owner": "Manager", "due": "2027-01-31", "status": "in_progress"}},
    ),
    ("GET", "/events/{event_id}/report"): (PLAN, None),
    # Reviews of the plan: the event's facilitators and its implementation group.
    ("GET", "/api/v1/events/{event_id}/reviews"): (PLAN, None),
    ("POST", "/api/v1/events/{event_id}/reviews"): (PLAN, {"json": "review"}),
    ("PUT", "/api/v1/events/{event_id}/review-schedule"): (
        PLAN,
        {"json": {"interval_weeks": 6, "first_review": "2027-01-15"}},
    ),
    ("GET", "/api/v1/events/{event_id}/actions/{action_id}/history"): (PLAN, None),
    ("GET", "/api/v1/events/{event_id}/reviews/{review_id}/export/{format}"): (PLAN, None),
    ("GET", "/api/v1/events/{event_id}/reviews.ics"): (PLAN, None),
    ("GET", "/events/{event_id}/reviews"): (PLAN, None),
    ("GET", "/events/{event_id}/reviews/new"): (PLAN, None),
    ("POST", "/events/{event_id}/reviews"): (PLAN, {"data": "review"}),
    ("POST", "/events/{event_id}/review-schedule"): (
        PLAN,
        {"data": {"interval_weeks": "6", "first_review": "2027-01-15"}},
    ),
    ("GET", "/api/v1/events/{event_id}/export/{format}"): (PLAN, None),
    # Only the event's facilitators: adding and removing actions, and the room itself.
    ("POST", "/api/v1/improvements/{improvement_id}/actions"): (
        RUNS,
        {"json": {"what": "Another", "owner": "Manager", "due": "2027-01-31"}},
    ),
    ("POST", "/events/{event_id}/improvements/{improvement_id}/actions"): (
        RUNS,
        {"data": {"what": "Another", "owner": "Manager", "due": "2027-01-31"}},
    ),
    ("DELETE", "/api/v1/actions/{action_id}"): (RUNS, None),
    ("POST", "/events/{event_id}/actions/{action_id}/delete"): (RUNS, None),
    ("GET", "/events/{event_id}/attendance"): (RUNS, None),
    ("POST", "/events/{event_id}/attendance"): (RUNS, {"data": {"name": "A. Person", "hours": "2"}}),
    ("GET", "/events/{event_id}/attendance.csv"): (RUNS, None),
    ("POST", "/events/{event_id}/attendance/{row_id}/delete"): (RUNS, None),
    ("GET", "/events/{event_id}/support"): (JOINED, None),
    ("POST", "/events/{event_id}/support/{request_id}/handled"): (RUNS, None),
    ("POST", "/api/v1/support/{request_id}/handled"): (RUNS, None),
    ("GET", "/api/v1/events/{event_id}/check-ins"): (RUNS, None),
    ("GET", "/api/v1/events/{event_id}"): (IN_ROOM, None),
    ("PATCH", "/api/v1/events/{event_id}"): (RUNS, {"json": {"support_info": "Ask us"}}),
    ("POST", "/api/v1/events/{event_id}/agenda"): (RUNS, {"json": {"name": "Tea"}}),
    ("PATCH", "/api/v1/events/{event_id}/agenda/{slug}"): (RUNS, {"json": {"name": "Welcome"}}),
    ("GET", "/api/v1/events/{event_id}/annotations"): (IN_ROOM, None),
    ("POST", "/api/v1/annotations/{annotation_id}/hide"): (RUNS, None),
    ("POST", "/api/v1/annotations/{annotation_id}/unhide"): (RUNS, None),
    ("POST", "/events/{event_id}/annotations/{annotation_id}/visibility"): (
        RUNS,
        {"data": {"hidden": "true"}},
    ),
    ("POST", "/api/v1/events/{event_id}/board"): (RUNS, {"json": {"view": "journey"}}),
    ("POST", "/api/v1/events/{event_id}/board-link"): (RUNS, None),
    ("DELETE", "/api/v1/events/{event_id}/board-link"): (RUNS, None),
    ("POST", "/events/{event_id}/board-link"): (RUNS, None),
    ("POST", "/events/{event_id}/board-link/revoke"): (RUNS, None),
    ("POST", "/events/{event_id}/board-view"): (RUNS, {"data": {"view": "journey"}}),
    ("POST", "/api/v1/events/{event_id}/facilitators"): (RUNS, {"json": {"email": ADMIN_EMAIL}}),
    ("POST", "/events/{event_id}/facilitators"): (RUNS, {"data": {"email": ADMIN_EMAIL}}),
    ("POST", "/api/v1/events/{event_id}/journey-map/save-as-template"): (RUNS, {"json": {}}),
    ("POST", "/events/{event_id}/journey-map/save-as-template"): (RUNS, {"data": {"name": "Copy"}}),
    ("POST", "/api/v1/events/{event_id}/paper-annotations"): (RUNS, {"json": "paper"}),
    ("POST", "/api/v1/events/{event_id}/phase"): (RUNS, {"json": {"phase": "welcome"}}),
    ("POST", "/events/{event_id}/phase"): (RUNS, {"data": {"phase": "welcome"}}),
    ("POST", "/api/v1/events/{event_id}/reopen"): (RUNS, None),
    ("POST", "/events/{event_id}/reopen"): (RUNS, None),
    ("POST", "/api/v1/events/{event_id}/reveal"): (RUNS, None),
    ("POST", "/events/{event_id}/reveal"): (RUNS, None),
    ("GET", "/api/v1/events/{event_id}/room"): (IN_ROOM, None),
    ("POST", "/api/v1/events/{event_id}/spotlight"): (RUNS, {"json": {}}),
    ("POST", "/events/{event_id}/spotlight"): (RUNS, {"data": {}}),
    ("PUT", "/api/v1/events/{event_id}/teams"): (RUNS, {"json": [{"name": "Team A"}]}),
    ("POST", "/events/{event_id}/teams"): (RUNS, {"data": {"name": "Team Z"}}),
    ("POST", "/events/{event_id}/teams/{team_id}"): (RUNS, {"data": {"name": "Team Y", "action": "save"}}),
    ("POST", "/events/{event_id}/teams/{team_id}/remove"): (RUNS, None),
    ("POST", "/api/v1/events/{event_id}/timer"): (RUNS, {"json": {"action": "pause"}}),
    ("POST", "/events/{event_id}/timer"): (RUNS, {"data": {"action": "pause"}}),
    ("PATCH", "/api/v1/events/{event_id}/voting"): (RUNS, {"json": {}}),
    ("POST", "/events/{event_id}/voting"): (RUNS, {"data": {}}),
    ("GET", "/events/{event_id}"): (RUNS, None),
    ("GET", "/events/{event_id}/agenda"): (RUNS, None),
    ("POST", "/events/{event_id}/agenda"): (RUNS, {"data": {"name": "Tea", "minutes": "10"}}),
    ("POST", "/events/{event_id}/agenda/{slug}"): (
        RUNS,
        {"data": {"action": "save", "name": "Welcome", "duration_minutes": "10"}},
    ),
    ("GET", "/events/{event_id}/board"): (RUNS, None),
    ("GET", "/events/{event_id}/console"): (RUNS, None),
    ("GET", "/events/{event_id}/console/here"): (RUNS, None),
    ("GET", "/events/{event_id}/close"): (RUNS, None),
    ("POST", "/events/{event_id}/delete-after"): (RUNS, {"data": {"delete_after": "2027-06-01"}}),
    ("GET", "/events/{event_id}/paper"): (RUNS, None),
    ("POST", "/events/{event_id}/paper"): (RUNS, {"data": {}}),
    ("GET", "/events/{event_id}/print/paper-kit.pdf"): (RUNS, None),
    ("GET", "/events/{event_id}/print/poster.pdf"): (RUNS, None),
    ("GET", "/events/{event_id}/print/table-cards.pdf"): (RUNS, None),
    ("GET", "/events/{event_id}/qr.svg"): (RUNS, None),
    ("POST", "/events/{event_id}/settings"): (RUNS, {"data": {"support_info": "Ask us"}}),
    ("POST", "/events/{event_id}/status"): (RUNS, {"data": {"status": "open"}}),
    ("POST", "/events/{event_id}/stages"): (RUNS, {"data": {"name": "A stage"}}),
    ("POST", "/events/{event_id}/stages/{stage_id}"): (
        RUNS,
        {"data": {"action": "rename", "name": "A stage"}},
    ),
    ("POST", "/events/{event_id}/stages/{stage_id}/touchpoints"): (RUNS, {"data": {"name": "A step"}}),
    ("POST", "/events/{event_id}/touchpoints/{touchpoint_id}"): (
        RUNS,
        {"data": {"action": "rename", "name": "A step"}},
    ),
    ("GET", "/events/{event_id}/priorities"): (IN_ROOM, None),
    ("GET", "/api/v1/events/{event_id}/priorities"): (IN_ROOM, None),
    ("GET", "/api/v1/events/{event_id}/voting"): (IN_ROOM, None),
    ("GET", "/api/v1/events/{event_id}/improvements"): (IN_ROOM, None),
    ("GET", "/events/{event_id}/improvements"): (IN_ROOM, None),
    ("GET", "/events/{event_id}/improvements/changed"): (IN_ROOM, {"params": {"seq": 0}}),
    ("POST", "/api/v1/events/{event_id}/improvements"): (
        RUNS,
        {"json": {"title": "Another", "driver": "service_design_and_delivery"}},
    ),
    ("POST", "/events/{event_id}/improvements"): (
        RUNS,
        {"data": {"title": "Another", "driver": "service_design_and_delivery"}},
    ),
    ("POST", "/events/{event_id}/improvements/{improvement_id}"): (
        RUNS,
        {"data": {"action": "save", "title": "Renamed"}},
    ),
    ("PATCH", "/api/v1/improvements/{improvement_id}"): (RUNS, {"json": {"title": "Renamed"}}),
    ("DELETE", "/api/v1/improvements/{improvement_id}"): (RUNS, None),
    ("POST", "/api/v1/improvements/{improvement_id}/merge"): (
        RUNS,
        {"json": {"into": "{other_improvement_id}"}},
    ),
    ("POST", "/api/v1/improvements/{improvement_id}/split"): (
        RUNS,
        {"json": {"title": "Part", "annotation_ids": ["{annotation_id}"]}},
    ),
    ("GET", "/events/{event_id}/live/poll"): (IN_ROOM, None),
    # A participant's own device.
    ("PUT", "/api/v1/improvements/{improvement_id}/vote"): (JOINED, {"json": {"dots": 1}}),
    ("POST", "/events/{event_id}/improvements/{improvement_id}/vote"): (JOINED, {"data": {"change": "add"}}),
    ("POST", "/api/v1/events/{event_id}/annotations"): (JOINED, {"json": "annotation"}),
    ("POST", "/events/{event_id}/journey/annotations"): (JOINED, {"data": "annotation"}),
    ("PATCH", "/api/v1/annotations/{annotation_id}"): (JOINED, {"json": {"text": "Changed words"}}),
    ("DELETE", "/api/v1/annotations/{annotation_id}"): (JOINED, None),
    ("GET", "/annotations/{annotation_id}/edit"): (JOINED, None),
    ("POST", "/annotations/{annotation_id}/edit"): (
        JOINED,
        {"data": {"kind": "idea", "principles": "trust", "text": "Changed words"}},
    ),
    ("GET", "/annotations/{annotation_id}/withdraw"): (JOINED, None),
    ("POST", "/annotations/{annotation_id}/withdraw"): (JOINED, None),
    ("POST", "/api/v1/events/{event_id}/support"): (JOINED, {"json": {"kind": "take_break"}}),
    ("POST", "/events/{event_id}/support"): (JOINED, {"data": {"kind": "take_break"}}),
    ("POST", "/api/v1/events/{event_id}/check-ins"): (
        JOINED,
        {"json": {"moment": "arriving", "feeling": "okay"}},
    ),
    ("POST", "/events/{event_id}/check-in"): (
        JOINED,
        {"data": {"moment": "arriving", "feeling": "okay"}},
    ),
    ("POST", "/api/v1/events/{event_id}/ready"): (JOINED, {"json": {"done": True}}),
    ("GET", "/events/{event_id}/journey/ready"): (JOINED, None),
    ("POST", "/events/{event_id}/journey/ready"): (JOINED, {"data": {"ready": "1"}}),
    ("POST", "/api/v1/events/{event_id}/return-code"): (JOINED, None),
    ("POST", "/events/{event_id}/return-code"): (JOINED, None),
    ("GET", "/events/{event_id}/journey"): (JOINED, None),
    ("GET", "/events/{event_id}/journey/team"): (JOINED, None),
    ("POST", "/events/{event_id}/vignettes/{slug}/skip"): (JOINED, None),
    ("GET", "/events/{event_id}/closing"): (JOINED, None),
}

# Routes that are about no one event (an account, the libraries, joining, the organisation), each
# covered by its own tests; listed so that a new route has to be placed in one table or the other.
OTHER_ROUTES = {
    ("GET", "/"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/safe"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("POST", "/signout"),
    ("POST", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("GET", "/join"),
    ("POST", "/join"),
    ("POST", "/api/v1/join"),
    ("GET", "/return"),
    ("POST", "/return"),
    ("POST", "/api/v1/return"),
    ("GET", "/board/{token}"),
    ("GET", "/board/{token}/live/poll"),
    ("GET", "/events/new"),
    ("POST", "/events/new"),
    ("POST", "/api/v1/events"),
    ("POST", "/events/import"),
    ("POST", "/api/v1/events/import"),
    ("GET", "/journey-maps"),
    ("POST", "/journey-maps/import"),
    ("GET", "/api/v1/journey-maps"),
    ("POST", "/api/v1/journey-maps/import"),
    ("GET", "/api/v1/journey-maps/{map_id}/export"),
    ("GET", "/vignettes"),
    ("GET", "/vignettes/new"),
    ("POST", "/vignettes/new"),
    ("POST", "/vignettes/{slug}/archive"),
    ("POST", "/vignettes/{slug}/duplicate"),
    ("GET", "/vignettes/{slug}/edit"),
    ("POST", "/vignettes/{slug}/edit"),
    ("GET", "/vignettes/{slug}/preview"),
    ("POST", "/vignettes/{slug}/preview"),
    ("GET", "/api/v1/vignettes"),
    ("POST", "/api/v1/vignettes"),
    ("PATCH", "/api/v1/vignettes/{slug}"),
    ("POST", "/api/v1/vignettes/{slug}/duplicate"),
    # The organisation's own routes: tests/test_organisations.py.
    ("GET", "/organisations"),
    ("GET", "/plans"),  # each account's own list: tests/test_reviews.py
    ("POST", "/organisations/{organisation_id}/invitations"),
    ("POST", "/organisations/{organisation_id}/members/{account_id}"),
    ("POST", "/organisations/{organisation_id}/members/{account_id}/remove"),
    ("GET", "/invitations/{token}"),
    ("POST", "/invitations/{token}"),
    ("GET", "/api/v1/organisations"),
    ("GET", "/api/v1/organisations/{organisation_id}/members"),
    ("PUT", "/api/v1/organisations/{organisation_id}/members/{account_id}"),
    ("DELETE", "/api/v1/organisations/{organisation_id}/members/{account_id}"),
    ("POST", "/api/v1/organisations/{organisation_id}/invitations"),
}

REFUSED = {401, 403, 404}


def refused(response: httpx.Response) -> bool:
    """A 401, 403 or 404; or, for a page, being sent to sign in or to join (and nothing more)."""
    if response.status_code == 303:
        return response.headers["location"].split("?")[0] in ("/signin", "/join")
    return response.status_code in REFUSED


def app_routes(server: LiveServer) -> set[tuple[str, str]]:
    """Every HTTP route of the app as (method, path), read from the app's own routers."""
    found: set[tuple[str, str]] = set()
    for route in create_app(server.settings).routes:
        contexts = getattr(route, "effective_route_contexts", None)
        pairs = (
            [(c.methods, c.path) for c in contexts()]
            if contexts
            else [(route.methods, route.path)]
            if isinstance(route, Route)
            else []
        )
        for methods, path in pairs:
            found |= {(m, path) for m in methods or () if m != "HEAD"}
    return found


def test_every_route_is_classified(server: LiveServer) -> None:
    routes = app_routes(server)
    unclassified = routes - set(EVENT_ROUTES) - OTHER_ROUTES
    assert not unclassified, f"classify these routes in tests/test_roles.py: {sorted(unclassified)}"
    assert not (set(EVENT_ROUTES) | OTHER_ROUTES) - routes, "routes listed here that the app has no more"


@dataclass
class World:
    event: dict[str, Any]
    ids: dict[str, Any]
    callers: dict[str, httpx.Client]


def _account(engine: Engine, email: str, organisation_id: int | None, roles: set[Role]) -> None:
    with Session(engine) as session, transaction(session):
        account = facilitators.add_facilitator(session, email=email, password=PASSWORD, join_default=False)
        for role in roles:
            session.add(
                Membership(organisation_id=organisation_id or 0, facilitator_id=account.id or 0, role=role)
            )


@pytest.fixture
def world(server: LiveServer, request: pytest.FixtureRequest) -> Iterator[World]:
    engine = make_engine(server.settings.database_url)
    tag = f"{request.node.name[-20:]}-{dt.datetime.now().timestamp():.0f}".replace("[", "").replace("]", "")
    email = {name: f"{name.replace(' ', '-')}-{tag}@example.org" for name in CALLERS}
    with Session(engine) as session, transaction(session):
        home = organisations.default_organisation(session).id
        elsewhere = organisations.create_organisation(
            session,
            name=f"Elsewhere {tag}",
            organiser_id=facilitators.add_facilitator(
                session, email=f"elsewhere-{tag}@example.org", password=PASSWORD, join_default=False
            ).id
            or 0,
        ).id
    _account(engine, email[FACILITATOR], home, {Role.facilitator})
    _account(engine, email[ORGANISER], home, {Role.organiser})
    _account(engine, email[IMPLEMENTATION], home, {Role.implementation})
    _account(engine, email[OTHER_IMPLEMENTATION], elsewhere, {Role.implementation})
    callers = {
        name: signed_in(server, email[name], PASSWORD)
        for name in (FACILITATOR, ORGANISER, IMPLEMENTATION, OTHER_IMPLEMENTATION)
    }
    runs = callers[FACILITATOR]
    event = create_event(runs)
    eid = event["id"]
    phone = callers[PARTICIPANT] = join(server, event)
    callers[ANONYMOUS] = client(server)
    words = annotate(phone, event).json()
    improvement = runs.post(
        f"/api/v1/events/{eid}/improvements",
        json={
            "title": "A quieter wait",
            "annotation_ids": [words["id"]],
            "driver": "service_design_and_delivery",
        },
    ).json()
    action = runs.post(
        f"/api/v1/improvements/{improvement['id']}/actions",
        json={"what": "Quiet room", "owner": "Manager", "due": "2027-01-31"},
    ).json()
    other = runs.post(
        f"/api/v1/events/{eid}/improvements",
        json={"title": "Clearer letters", "driver": "service_design_and_delivery"},
    ).json()
    support = phone.post(f"/api/v1/events/{eid}/support", json={"kind": "take_break"}).json()
    review = runs.post(
        f"/api/v1/events/{eid}/reviews",
        json={"held_on": dt.date.today().isoformat(), "attendees": [], "actions": []},
    )
    assert review.status_code == 201, review.text
    runs.post(f"/events/{eid}/attendance", data={"name": "A. Person", "hours": "2"})
    with Session(engine) as session:
        row_id = session.exec(
            select(metadata.tables["attendance"].c.id).order_by(-metadata.tables["attendance"].c.id)
        ).first()  # type: ignore[call-overload]
    ids = {
        "event_id": eid,
        "action_id": action["id"],
        "improvement_id": improvement["id"],
        "other_improvement_id": other["id"],
        "annotation_id": words["id"],
        "request_id": support["id"],
        "row_id": row_id[0],
        "team_id": event["teams"][0]["id"],
        "stage_id": event["stages"][0]["id"],
        "touchpoint_id": first_touchpoint(event),
        "slug": "welcome",
        "format": "md",
        "review_id": review.json()["id"],
    }
    yield World(event, ids, callers)
    engine.dispose()


def _path(template: str, ids: dict[str, Any]) -> str:
    if "vignettes/{slug}" in template:
        ids = {**ids, "slug": "ollie"}
    return template.format(**ids)


def _filled(value: Any, ids: dict[str, Any]) -> Any:
    """A body with the world's ids put in ("{annotation_id}")."""
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def _send(world: World, who: str, method: str, template: str) -> httpx.Response:
    _allowed, body = EVENT_ROUTES[(method, template)]
    kwargs: dict[str, Any] = _filled(dict(body or {}), world.ids)
    for key in ("json", "data"):
        if kwargs.get(key) == "review":
            held_on = dt.date.today().isoformat()
            kwargs[key] = (
                {"held_on": held_on, "attendees": [{"role": "Service manager", "count": 1}], "actions": []}
                if key == "json"
                else {"held_on": held_on, "role": ["Service manager"], "count": ["1"]}
            )
        if kwargs.get(key) in ("annotation", "paper"):
            fields: dict[str, Any] = {
                "touchpoint_id": first_touchpoint(world.event),
                "kind": "idea",
                "principles": ["trust"],
                "text": "More chairs",
            }
            if kwargs[key] == "paper":
                fields["team_id"] = world.ids["team_id"]
            kwargs[key] = fields
    if template.endswith("/live/poll"):  # each follows the room as their own screen
        kwargs["params"] = {"view": "console" if who == FACILITATOR else "participant"}
    return world.callers[who].request(method, _path(template, world.ids), **kwargs)


def _said(response: httpx.Response) -> str:
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.text[:160]
    found = re.search(r'error-message" role="alert"><p>(.*?)<', response.text, re.S)
    return found.group(1).strip()[:160] if found else response.headers.get("location", "")


def snapshot(server: LiveServer) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(server.settings.database_url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted((tuple(map(repr, row)) for row in conn.execute(table.select())), key=repr)
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


def test_only_the_allowed_get_in_and_refusals_change_nothing(server: LiveServer, world: World) -> None:
    before = snapshot(server)
    wrong: list[str] = []
    for (method, template), (allowed, _body) in sorted(EVENT_ROUTES.items()):
        for who in CALLERS:
            if who in allowed:
                continue
            response = _send(world, who, method, template)
            if not refused(response):
                wrong.append(f"{who}: {method} {template} -> {response.status_code} {_said(response)}")
    assert not wrong, "\n".join(wrong)
    assert snapshot(server) == before


def test_the_allowed_get_in(server: LiveServer, world: World) -> None:
    wrong: list[str] = []
    for (method, template), (allowed, _body) in sorted(EVENT_ROUTES.items()):
        if method != "GET":
            continue
        for who in sorted(allowed):
            response = _send(world, who, method, template)
            if response.status_code >= 400 or refused(response):
                wrong.append(f"{who}: {method} {template} -> {response.status_code} {_said(response)}")
    assert not wrong, "\n".join(wrong)


def test_an_implementation_member_updates_the_plan_and_never_sees_the_room(
    server: LiveServer, world: World
) -> None:
    member = world.callers[IMPLEMENTATION]
    eid, action_id = world.ids["event_id"], world.ids["action_id"]
    changed = member.patch(f"/api/v1/actions/{action_id}", json={"status": "in_progress"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "in_progress"
    page = member.post(
        f"/events/{eid}/actions/{action_id}",
        data={"what": "Quiet room", "owner": "Manager", "due": "2027-01-31", "status": "done"},
    )
    assert page.status_code == 303
    plan = member.get(f"/events/{eid}/actions").text
    assert "Done" in plan and "Delete this action" not in plan
    # The plan and the report carry no calls for help, no attendance and no way into the room.
    report = member.get(f"/events/{eid}/report").text
    for shown in (plan, report):
        assert "Calls for help" not in shown and "take a break" not in shown.lower()
        assert f"/events/{eid}/attendance" not in shown and f"/events/{eid}/console" not in shown
    words = "Nobody tells you how long the wait will be."
    assert words in member.get(f"/api/v1/events/{eid}/export/md").text
    assert words in member.get(f"/events/{eid}/actions").text
    # Hidden words are gone from everything the member can open.
    runs = world.callers[FACILITATOR]
    assert runs.post(f"/api/v1/annotations/{world.ids['annotation_id']}/hide").status_code == 200
    for path in (f"/events/{eid}/actions", f"/events/{eid}/report", f"/api/v1/events/{eid}/export/md"):
        assert words not in member.get(path).text, path
    # Someone else's implementation group gets nowhere, and changes nothing.
    elsewhere = world.callers[OTHER_IMPLEMENTATION]
    assert elsewhere.patch(f"/api/v1/actions/{action_id}", json={"status": "stuck"}).status_code == 403
    assert member.get(f"/api/v1/events/{eid}/actions").json()["actions"][0]["status"] == "done"


# Writes that take something away, in an order that leaves the next one something to act on.
LAST = [
    ("POST", "/events/{event_id}/attendance/{row_id}/delete"),
    ("POST", "/events/{event_id}/actions/{action_id}/delete"),
    ("DELETE", "/api/v1/actions/{action_id}"),
    ("POST", "/api/v1/improvements/{improvement_id}/split"),
    ("POST", "/api/v1/improvements/{improvement_id}/merge"),
    ("DELETE", "/api/v1/improvements/{improvement_id}"),
    ("POST", "/annotations/{annotation_id}/withdraw"),
    ("DELETE", "/api/v1/annotations/{annotation_id}"),
    ("POST", "/events/{event_id}/teams/{team_id}/remove"),
]


def _fresh(world: World, method: str, template: str) -> None:
    """A write that removes what an earlier one already removed (its page twin, a merge) gets one of
    its own."""
    runs, eid = world.callers[FACILITATOR], world.ids["event_id"]
    if (method, template) == ("DELETE", "/api/v1/actions/{action_id}"):
        world.ids["action_id"] = runs.post(
            f"/api/v1/improvements/{world.ids['other_improvement_id']}/actions",
            json={"what": "One more", "owner": "Manager", "due": "2027-01-31"},
        ).json()["id"]
    if (method, template) == ("DELETE", "/api/v1/annotations/{annotation_id}"):
        world.ids["annotation_id"] = annotate(world.callers[PARTICIPANT], world.event).json()["id"]
    if (method, template) == ("DELETE", "/api/v1/improvements/{improvement_id}"):
        world.ids["improvement_id"] = runs.post(
            f"/api/v1/events/{eid}/improvements",
            json={"title": "Later", "driver": "service_design_and_delivery"},
        ).json()["id"]


def test_the_allowed_writes_get_past_the_check(server: LiveServer, world: World) -> None:
    """Each write by each caller allowed to make it: never refused and never a server error (a 409
    or 422 from the rule itself is fine: the event may not be in the state that write needs)."""
    writes = [key for key in sorted(EVENT_ROUTES) if key[0] != "GET" and key not in LAST] + LAST
    wrong: list[str] = []
    for method, template in writes:
        for who in sorted(EVENT_ROUTES[(method, template)][0]):
            _fresh(world, method, template)
            response = _send(world, who, method, template)
            if refused(response) or response.status_code >= 500:
                wrong.append(f"{who}: {method} {template} -> {response.status_code} {_said(response)}")
    assert not wrong, "\n".join(wrong)
