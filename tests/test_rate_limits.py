"""Rate limits: join codes cannot be guessed, passwords cannot be guessed, a participant cannot
flood the room; and a whole room behind one venue address still gets in and writes."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import Settings
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LiveServer,
    annotate,
    command_env,
    create_event,
    signed_in,
)
from tests.conftest import serve_process as serve_command
from tests.support import ServeProcess, client_from, own_server, serve_process


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[LiveServer]:
    with own_server(tmp_path) as live:
        yield live


def _join(c: httpx.Client, event: dict[str, Any], code: str | None = None) -> httpx.Response:
    return c.post(
        "/api/v1/join",
        json={"join_code": code or event["join_code"], "team_id": event["teams"][0]["id"]},
    )


def _assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert response.json()["detail"]


def test_wrong_codes_are_limited_per_client_and_others_still_join(fresh: LiveServer) -> None:
    event = create_event(signed_in(fresh))
    guesser = client_from(fresh, "127.0.0.2")
    limit = int(Settings.model_fields["rate_wrong_join_codes_per_client"].default.split()[0])
    for _ in range(limit):
        assert _join(guesser, event, "ZZZZZZ").status_code == 404
    _assert_limited(_join(guesser, event, "YYYYYY"))
    # Once limited, even the right code gets the same answer: the limit must not be an oracle.
    _assert_limited(_join(guesser, event))
    page = guesser.get("/join", params={"code": "XXXXXX"})
    assert page.status_code == 429 and "Too many wrong join codes" in page.text
    # Someone at another address is not affected.
    assert _join(client_from(fresh, "127.0.0.3"), event).status_code == 201


def test_wrong_codes_are_limited_overall(tmp_path: Path) -> None:
    with own_server(tmp_path, rate_wrong_join_codes_overall="5 per minute") as live:
        event = create_event(signed_in(live))
        for n in range(5):
            assert _join(client_from(live, f"127.0.1.{n + 1}"), event, "ZZZZZZ").status_code == 404
        # A sixth address, never seen before, is refused: guessing from many addresses is capped.
        _assert_limited(_join(client_from(live, "127.0.1.99"), event, "ZZZZZZ"))


def test_sign_in_attempts_are_limited_per_account(fresh: LiveServer) -> None:
    limit = int(Settings.model_fields["rate_signin_per_account"].default.split()[0])
    for n in range(limit):
        # From different addresses, so only the per-account limit is in play.
        c = client_from(fresh, f"127.0.2.{n + 1}")
        wrong = c.post("/api/v1/session", json={"email": ADMIN_EMAIL, "password": f"wrong password {n}"})
        assert wrong.status_code == 401
    refused = client_from(fresh, "127.0.2.200").post(
        "/api/v1/session", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    _assert_limited(refused)
    assert "this account" in refused.json()["detail"]
    # Another account is not locked by guesses at this one.
    other = client_from(fresh, "127.0.2.201").post(
        "/api/v1/session", json={"email": "someone.else@example.org", "password": "not their password"}
    )
    assert other.status_code == 401


def test_writes_are_limited_per_participant(fresh: LiveServer) -> None:
    event = create_event(signed_in(fresh))
    alice, bob = client_from(fresh), client_from(fresh)
    assert _join(alice, event).status_code == 201 and _join(bob, event).status_code == 201
    limit = int(Settings.model_fields["rate_writes_per_participant"].default.split()[0])
    for n in range(limit):
        assert annotate(alice, event, text=f"note {n}").status_code == 201
    refused = annotate(alice, event, text="one too many")
    _assert_limited(refused)
    assert "nothing you sent is lost" in refused.json()["detail"]
    assert annotate(bob, event, text="Bob is not affected").status_code == 201


# The minute is asserted inside; the timeout only stops a hang (it also covers starting the server).
@pytest.mark.timeout(150)
def test_a_whole_room_joins_and_writes_from_one_address_within_a_minute(tmp_path: Path) -> None:
    with serve_process(tmp_path) as served:
        _whole_room(served)


def _whole_room(served: ServeProcess) -> None:
    event = create_event(signed_in(served))  # type: ignore[arg-type]
    start = time.monotonic()

    # One venue address; one connection pool shared by everyone (each phone keeps its own cookies).
    venue = httpx.HTTPTransport(local_address="127.0.0.5", limits=httpx.Limits(max_connections=32))

    def one_person(n: int) -> tuple[int, int, int]:
        phone = httpx.Client(base_url=served.base_url, transport=venue, timeout=30)
        mistyped = _join(phone, event, "AAAAAA").status_code if n % 50 == 0 else 404
        joined = _join(phone, event).status_code
        wrote = annotate(phone, event, text=f"Person {n} noticed something", client_key=f"room-key-{n:04d}")
        return mistyped, joined, wrote.status_code

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(one_person, range(1000)))
    finally:
        venue.close()
    elapsed = time.monotonic() - start
    assert elapsed < 60, f"took {elapsed:.1f}s"
    assert [r for r in results if r[1:] != (201, 201)] == []
    assert {r[0] for r in results} == {404}  # a few people mistyped the code on the way in


def _behind_proxy(tmp_path: Path) -> dict[str, str]:
    # 127.0.0.2 plays the trusted proxy; any other address is a client talking to the app directly.
    return command_env(
        tmp_path,
        LENSWALK_ENVIRONMENT="test",
        LENSWALK_SECRET_KEY="forwarded-secret-" + "f" * 32,
        LENSWALK_ADMIN_EMAIL=ADMIN_EMAIL,
        LENSWALK_ADMIN_PASSWORD=ADMIN_PASSWORD,
        LENSWALK_FORWARDED_ALLOW_IPS="127.0.0.2",
        LENSWALK_RATE_WRONG_JOIN_CODES_PER_CLIENT="3 per minute",
    )


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(tmp_path: Path) -> None:
    with serve_command(_behind_proxy(tmp_path)) as live:
        event = create_event(signed_in(live))  # type: ignore[arg-type]
        proxy = client_from(live, "127.0.0.2")  # type: ignore[arg-type]
        guesser = {"X-Forwarded-For": "198.51.100.7"}
        for _ in range(3):
            assert _join_as(proxy, event, "ZZZZZZ", guesser).status_code == 404
        _assert_limited(_join_as(proxy, event, "ZZZZZZ", guesser))
        # Someone else in the venue, through the same proxy, still gets in and can still mistype.
        other = {"X-Forwarded-For": "198.51.100.8"}
        assert _join_as(proxy, event, "ZZZZZZ", other).status_code == 404
        assert _join_as(proxy, event, None, other).status_code == 201


def test_a_spoofed_forwarded_header_from_an_untrusted_address_changes_nothing(tmp_path: Path) -> None:
    with serve_command(_behind_proxy(tmp_path)) as live:
        event = create_event(signed_in(live))  # type: ignore[arg-type]
        direct = client_from(live, "127.0.0.3")  # type: ignore[arg-type]
        # A new made-up address on every guess: if the app believed it, the limit would never bite.
        for n in range(3):
            spoof = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            assert _join_as(direct, event, "ZZZZZZ", spoof).status_code == 404
        _assert_limited(_join_as(direct, event, "ZZZZZZ", {"X-Forwarded-For": "203.0.113.99"}))
        _assert_limited(_join_as(direct, event, "ZZZZZZ", {}))
        # The limit is on the real address the guesses came from, not on the proxy's clients.
        proxy = client_from(live, "127.0.0.2")  # type: ignore[arg-type]
        assert _join_as(proxy, event, None, {"X-Forwarded-For": "203.0.113.1"}).status_code == 201


def _join_as(
    c: httpx.Client, event: dict[str, Any], code: str | None, headers: dict[str, str]
) -> httpx.Response:
    return c.post(
        "/api/v1/join",
        json={"join_code": code or event["join_code"], "team_id": event["teams"][0]["id"]},
        headers=headers,
    )
