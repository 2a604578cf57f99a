"""Sessions expire, and signing out works (through the API and through the page)."""

import json
import time
from base64 import b64decode, b64encode
from typing import Any

import httpx
from itsdangerous import TimestampSigner

from tests.conftest import LiveServer, client, signed_in
from tests.support import page_token


def _session_cookie(server: LiveServer, data: dict[str, Any], age_seconds: int) -> str:
    """A session cookie as the server would have issued it `age_seconds` ago."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    payload = b64encode(json.dumps(data).encode())
    return Then(server.settings.secret_key).sign(payload).decode()


def _can_create_events(c: httpx.Client, cookie: str | None = None) -> int:
    headers = {"Cookie": f"lenswalk_session={cookie}"} if cookie else None
    return c.post("/api/v1/events", json={"title": "x", "journey_map_id": 0}, headers=headers).status_code


def test_sessions_expire(server: LiveServer) -> None:
    max_age = server.settings.session_max_age_seconds
    me = signed_in(server)
    set_cookie = client(server).post(
        "/api/v1/session", json={"email": "facilitator@example.org", "password": "a long test password"}
    )
    assert f"max-age={max_age}" in set_cookie.headers["set-cookie"].lower()
    # What the server put in the cookie, signed again as if issued a minute or a lifetime ago.
    issued = json.loads(b64decode(me.cookies["lenswalk_session"].split(".")[0]))
    assert issued["facilitator_id"] == set_cookie.json()["id"]
    fresh = _session_cookie(server, issued, age_seconds=60)
    stale = _session_cookie(server, issued, age_seconds=max_age + 60)
    # 422: signed in, the body is just wrong; 401: not signed in.
    assert _can_create_events(client(server), fresh) == 422
    assert _can_create_events(client(server), stale) == 401
    assert _can_create_events(me) == 422


def test_signing_out_through_the_api(server: LiveServer) -> None:
    me = signed_in(server)
    assert _can_create_events(me) == 422
    out = me.delete("/api/v1/session")
    assert out.status_code == 204
    assert _can_create_events(me) == 401
    assert me.get("/events/new").status_code == 401


def test_signing_out_through_the_page(server: LiveServer) -> None:
    me = signed_in(server)
    token = page_token(me, "/")
    assert "Sign out" in me.get("/").text
    out = me.post("/signout", data={"csrf_token": token})
    assert out.status_code == 303
    assert _can_create_events(me) == 401
    assert "Facilitator sign in" in me.get("/signin").text


def test_signing_out_ends_every_copy_of_the_session(server: LiveServer) -> None:
    """A session cookie copied off a shared laptop stops working once its owner signs out."""
    me = signed_in(server)
    copied = me.cookies["lenswalk_session"]
    elsewhere = signed_in(server)
    assert _can_create_events(client(server), copied) == 422
    assert me.delete("/api/v1/session").status_code == 204
    assert _can_create_events(client(server), copied) == 401
    assert _can_create_events(elsewhere) == 401
    # Signing in again starts a session that works.
    assert _can_create_events(signed_in(server)) == 422
