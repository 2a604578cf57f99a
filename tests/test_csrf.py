"""No one let in by another site: CSRF tokens on page writes, JSON-only API writes, Origin and
Sec-Fetch-Site checks on every write and on both websockets, and cookie flags."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LiveServer,
    annotate,
    bare,
    client,
    cookie_header,
    first_touchpoint,
    join,
)
from tests.support import FIELD_TOKEN, own_server, page_token

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"


def _annotation_form(event: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {
        "touchpoint_id": str(first_touchpoint(event)),
        "kind": "barrier",
        "principles": ["trust"],
        "text": "Posted from a form",
        **extra,
    }


def test_every_post_form_in_every_template_carries_the_token() -> None:
    forms = 0
    for path in TEMPLATES.rglob("*.html"):
        for form in re.findall(r"<form\b[^>]*>", path.read_text(), flags=re.S):
            if 'method="post"' in form:
                forms += 1
                tail = path.read_text().split(form, 1)[1][:40]
                assert tail.startswith("{{ csrf_field() }}"), f"{path.name}: {form[:80]}"
    assert forms >= 10


def test_page_write_without_token_or_with_a_wrong_one_is_refused(
    server: LiveServer, event: dict[str, Any], db: Any
) -> None:
    alice = join(server, event)
    form = _annotation_form(event, text="No token here")
    url = f"/events/{event['id']}/journey/annotations"
    forged_page = bare(alice)  # alice's cookies, sent by another site's form
    refused = forged_page.post(url, data=form)
    assert refused.status_code == 403 and "Reload the page" in refused.text
    forged = forged_page.post(url, data={**form, "csrf_token": "forged.token.value"})
    assert forged.status_code == 403
    # A token from another session (the attacker's own) does not work for this one either.
    attacker = client(server)
    assert forged_page.post(url, data={**form, "csrf_token": page_token(attacker)}).status_code == 403
    with db.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM annotation WHERE text = 'No token here'")).scalar() == 0
        )

    # With this session's token, as the page's form or as HTMX's header, the write goes through.
    token = page_token(alice, f"/events/{event['id']}/journey")
    own_page = bare(alice)  # now with the session the page gave alice, and nothing added
    ok = own_page.post(url, data={**form, "csrf_token": token})
    assert ok.status_code == 303
    ok_htmx = own_page.post(
        url,
        data=_annotation_form(event, text="Sent by htmx"),
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert ok_htmx.status_code == 200 and "Sent by htmx" in ok_htmx.text


def test_rendered_forms_carry_the_sessions_token(server: LiveServer, event: dict[str, Any]) -> None:
    alice = join(server, event)
    page = alice.get(f"/events/{event['id']}/journey").text
    fields = set(FIELD_TOKEN.findall(page))
    assert len(fields) == 1
    assert page_token(alice, f"/events/{event['id']}/journey") == fields.pop()


def test_facilitator_page_writes_need_the_token(server: LiveServer, facilitator: httpx.Client) -> None:
    maps = facilitator.get("/api/v1/journey-maps").json()
    data = {"title": "Forged event", "journey_map_id": str(maps[0]["id"])}
    assert bare(facilitator).post("/events/new", data=data).status_code == 403
    data["csrf_token"] = page_token(facilitator, "/events/new")
    assert bare(facilitator).post("/events/new", data=data).status_code == 303


def test_signing_in_through_a_page_needs_the_token(server: LiveServer) -> None:
    c = bare(client(server))
    creds = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    assert c.post("/signin", data=creds).status_code == 403
    assert c.post("/signin", data={**creds, "csrf_token": page_token(c, "/signin")}).status_code == 303


def test_writes_from_another_site_are_refused_even_with_a_token(
    server: LiveServer, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    token = page_token(alice, f"/events/{event['id']}/journey")
    url = f"/events/{event['id']}/journey/annotations"
    data = {**_annotation_form(event), "csrf_token": token}
    assert alice.post(url, data=data, headers={"Origin": "https://evil.example"}).status_code == 403
    assert alice.post(url, data=data, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert alice.post(url, data=data, headers={"Sec-Fetch-Site": "same-site"}).status_code == 403
    cross_null = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}  # a sandboxed frame elsewhere
    assert alice.post(url, data=data, headers=cross_null).status_code == 403
    # The API too: another site's Origin is refused whatever it sends.
    foreign = alice.post(
        f"/api/v1/events/{event['id']}/annotations",
        json={
            "touchpoint_id": first_touchpoint(event),
            "kind": "idea",
            "principles": ["choice"],
            "text": "x",
        },
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403 and foreign.json()["detail"].startswith("Requests from other sites")
    # Our own origin is fine.
    same = alice.post(url, data=data, headers={"Origin": server.base_url, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 303
    # What a browser sends for our own form under `Referrer-Policy: no-referrer`.
    own_form = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert alice.post(url, data=data, headers=own_form).status_code == 303
    # And an Origin of null is never a way around the token.
    assert (
        bare(alice).post(url, data={**data, "csrf_token": "x"}, headers={"Origin": "null"}).status_code == 403
    )


def test_api_writes_accept_only_json_bodies(server: LiveServer, event: dict[str, Any]) -> None:
    alice = join(server, event)
    url = f"/api/v1/events/{event['id']}/annotations"
    body = "touchpoint_id=1&kind=idea&principles=trust&text=x"
    for content_type in (
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
    ):
        response = alice.post(url, content=body, headers={"Content-Type": content_type})
        assert response.status_code == 415, content_type
        assert "application/json" in response.json()["detail"]
    # A body without a content type is refused too (a cross-site fetch can send one).
    raw = httpx.Request("POST", f"{server.base_url}{url}", content=b'{"text": "x"}')
    raw.headers.pop("Content-Type", None)
    raw.headers["Cookie"] = cookie_header(alice)["Cookie"]
    assert alice.send(raw).status_code == 415
    assert annotate(alice, event).status_code == 201


def test_websockets_refuse_another_sites_origin(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    for path, who in (
        (f"/api/v1/events/{event['id']}/stream", alice),
        (f"/events/{event['id']}/live?view=participant", alice),
        (f"/events/{event['id']}/live?view=board", facilitator),
    ):
        headers = {**cookie_header(who), "Origin": "https://evil.example"}
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{server.ws_url}{path}", additional_headers=headers, open_timeout=5)
        assert refused.value.response.status_code == 403
        # The same request from our own pages is accepted.
        headers["Origin"] = server.base_url
        with connect(f"{server.ws_url}{path}", additional_headers=headers, open_timeout=5) as ws:
            assert ws.protocol.state.name == "OPEN"


def test_cookies_are_httponly_and_lax(server: LiveServer, event: dict[str, Any]) -> None:
    c = client(server)
    response = c.post(
        "/api/v1/join", json={"join_code": event["join_code"], "team_id": event["teams"][0]["id"]}
    )
    participant_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in participant_cookie and "samesite=lax" in participant_cookie
    assert "secure" not in participant_cookie  # plain http here: a Secure cookie would never come back
    signin = client(server).post("/api/v1/session", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    session_cookie = signin.headers["set-cookie"].lower()
    assert "httponly" in session_cookie and "samesite=lax" in session_cookie


def test_cookies_are_secure_when_configured(tmp_path: Path) -> None:
    with own_server(tmp_path, cookie_secure=True) as live:
        signin = client(live).post("/api/v1/session", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert "; secure" in signin.headers["set-cookie"].lower()
        # An http client does not send Secure cookies back; here we play a browser on https.
        session_cookie = {"Cookie": signin.headers["set-cookie"].split(";", 1)[0]}
        c = client(live)
        maps = c.get("/api/v1/journey-maps").json()
        event = c.post(
            "/api/v1/events",
            json={"title": "Secure", "journey_map_id": maps[0]["id"]},
            headers=session_cookie,
        ).json()
        joined = client(live).post(
            "/api/v1/join", json={"join_code": event["join_code"], "team_id": event["teams"][0]["id"]}
        )
        assert "; secure" in joined.headers["set-cookie"].lower()
        page = client(live).get("/join")
        assert page.headers.get_list("set-cookie"), "the page's session cookie (its CSRF secret) was set"
        assert all("; secure" in v.lower() for v in page.headers.get_list("set-cookie"))
