"""Issue 15 item 2: a secret board link for the venue PC. It opens the live board with no sign-in,
shows only what the board shows, can write nothing, and a replaced or revoked link stops at once:
its page is a clear 404 and its open board is closed."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from app.facilitators import service as facilitators
from app.settings import Settings
from tests.conftest import (
    OTHER_EMAIL,
    REQUIRE_SERVICES,
    SERVICES,
    LiveServer,
    annotate,
    client,
    closed_with,
    cookie_header,
    create_event,
    first_touchpoint,
    join,
    nothing_arrives,
    serve_process,
    settings_env,
    signed_in,
)
from tests.support import client_from, own_server, page_token

OTHER_PASSWORD = "another long test password"
HIDDEN_WORDS = "The receptionist laughed at my referral letter."
SHOWN_WORDS = "The waiting room had a quiet corner to sit in."
PLACE = "Bench by the fire exit"
ATTENDEE = "Morag Attendee-McLeod"
UNKNOWN = "This board link does not work"

pytestmark = pytest.mark.timeout(120)


def _other(server: LiveServer, db: Any) -> httpx.Client:
    with Session(db) as session, session.begin():
        facilitators.ensure_facilitator(session, email=OTHER_EMAIL, password=OTHER_PASSWORD)
    return signed_in(server, OTHER_EMAIL, OTHER_PASSWORD)


def _make_link(facilitator: httpx.Client, event: dict[str, Any]) -> str:
    response = facilitator.post(f"/api/v1/events/{event['id']}/board-link")
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.startswith(str(facilitator.base_url).rstrip("/") + "/board/")
    return url


def _stranger(server: LiveServer) -> httpx.Client:
    """A fresh browser on the venue PC: no cookies, never signed in, never joined."""
    return client(server)


def _board_socket(server: LiveServer, url: str) -> ClientConnection:
    token = url.rsplit("/", 1)[1]
    return connect(f"{server.ws_url}/board/{token}/live?seq=-1", open_timeout=5)


def _refused(server: LiveServer, path: str, c: httpx.Client | None = None) -> bool:
    headers = cookie_header(c) if c is not None else {}
    try:
        with connect(f"{server.ws_url}{path}", additional_headers=headers, open_timeout=5) as ws:
            ws.recv(timeout=2)
    except InvalidStatus as exc:
        return exc.response.status_code == 403
    return False


def _valid_annotation(event: dict[str, Any]) -> dict[str, Any]:
    return {"touchpoint_id": first_touchpoint(event), "kind": "idea", "principles": ["trust"], "text": "x"}


def _hash(db: Any, event_id: int) -> str | None:
    with db.connect() as conn:
        return conn.execute(
            text("SELECT board_token_hash FROM event WHERE id = :i"), {"i": event_id}
        ).scalar()


def _room_with_secrets(server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]) -> None:
    """Words the board shows, words it must not: hidden ones, a support request, the attendance list."""
    alice = join(server, event)
    assert annotate(alice, event, text=SHOWN_WORDS, kind="strength").status_code == 201
    hidden = annotate(alice, event, text=HIDDEN_WORDS)
    assert hidden.status_code == 201
    assert facilitator.post(f"/api/v1/annotations/{hidden.json()['id']}/hide").status_code == 200
    support = alice.post(
        f"/api/v1/events/{event['id']}/support", json={"kind": "check_in_with_me", "place": PLACE}
    )
    assert support.status_code == 201, support.text
    added = facilitator.post(f"/events/{event['id']}/attendance", data={"name": ATTENDEE, "hours": "3"})
    assert added.status_code == 303, added.text


def test_the_link_opens_the_board_with_no_sign_in_and_only_what_the_board_shows(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator)
    _room_with_secrets(server, facilitator, event)
    url = _make_link(facilitator, event)
    venue = _stranger(server)
    page = venue.get(url)
    assert page.status_code == 200, page.text
    assert event["title"] in page.text and event["join_code"] in page.text
    assert SHOWN_WORDS in page.text
    for secret in (HIDDEN_WORDS, PLACE, ATTENDEE, "/console", "/attendance"):
        assert secret not in page.text
    assert 'method="post"' not in page.text and "hx-post" not in page.text
    assert page.headers["cache-control"] == "no-store"
    # The facilitator's own signed-in board still works as before.
    assert facilitator.get(f"/events/{event['id']}/board").status_code == 200
    # Without the link the same browser gets nothing.
    assert venue.get(f"/events/{event['id']}/board").status_code in (401, 403)


def test_live_frames_carry_new_words_but_never_hidden_ones_or_support_requests(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator)
    url = _make_link(facilitator, event)
    alice = join(server, event)
    with _board_socket(server, url) as board:
        frames = [board.recv(timeout=5)]  # the snapshot
        assert annotate(alice, event, text=SHOWN_WORDS, kind="strength").status_code == 201
        frames.append(board.recv(timeout=5))
        assert SHOWN_WORDS in frames[-1]
        # Shown until the facilitator hides them; from then on never again.
        hidden = annotate(alice, event, text=HIDDEN_WORDS)
        while HIDDEN_WORDS not in frames[-1]:
            frames.append(board.recv(timeout=5))
        shown_until = len(frames)
        assert facilitator.post(f"/api/v1/annotations/{hidden.json()['id']}/hide").status_code == 200
        assert (
            alice.post(
                f"/api/v1/events/{event['id']}/support", json={"kind": "take_break", "place": PLACE}
            ).status_code
            == 201
        )
        # Something the board does show, so we know every earlier message has gone by.
        assert annotate(alice, event, text="Last words of the test.", kind="idea").status_code == 201
        while "Last words of the test." not in frames[-1]:
            frames.append(board.recv(timeout=5))
        assert nothing_arrives(board)
    assert len(frames) > shown_until
    for frame in frames[shown_until:]:
        assert HIDDEN_WORDS not in frame
    for frame in frames:
        assert PLACE not in frame and "take_break" not in frame
        assert 'method="post"' not in frame and "hx-post" not in frame


def test_revoking_closes_the_open_board_and_the_link_then_gives_a_clear_404(
    server: LiveServer, facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    url = _make_link(facilitator, event)
    token = url.rsplit("/", 1)[1]
    venue = _stranger(server)
    with (
        _board_socket(server, url) as by_link,
        connect(
            f"{server.ws_url}/events/{event['id']}/live?view=board&seq=-1",
            additional_headers=cookie_header(facilitator),
            open_timeout=5,
        ) as signed_in_board,
    ):
        by_link.recv(timeout=5)
        signed_in_board.recv(timeout=5)
        assert facilitator.delete(f"/api/v1/events/{event['id']}/board-link").status_code == 204
        assert closed_with(by_link) == 1008
        # The facilitator's own board stays open and live.
        assert annotate(join(server, event), event, text=SHOWN_WORDS).status_code == 201
        assert SHOWN_WORDS in signed_in_board.recv(timeout=5)
    assert _hash(db, event["id"]) is None
    page = venue.get(url)
    assert page.status_code == 404 and UNKNOWN in page.text
    assert venue.get(f"/board/{token}/live/poll?seq=-1").status_code == 404
    assert _refused(server, f"/board/{token}/live?seq=-1")
    # Revoking when there is no link is harmless.
    assert facilitator.delete(f"/api/v1/events/{event['id']}/board-link").status_code == 204


def test_making_a_new_link_replaces_the_old_one_and_closes_its_board(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    event = create_event(facilitator)
    old = _make_link(facilitator, event)
    venue = _stranger(server)
    with _board_socket(server, old) as board:
        board.recv(timeout=5)
        new = _make_link(facilitator, event)
        assert new != old
        assert closed_with(board) == 1008
    assert venue.get(old).status_code == 404
    assert venue.get(new).status_code == 200


def test_the_event_page_makes_shows_and_revokes_the_link(
    server: LiveServer, facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    manage = facilitator.get(f"/events/{event['id']}")
    assert "Board link for the venue PC" in manage.text and "Make a board link" in manage.text
    made = facilitator.post(f"/events/{event['id']}/board-link")
    assert made.status_code == 200, made.text
    url = made.text.split('id="board-url"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert "/board/" in url and _stranger(server).get(url).status_code == 200
    assert "Revoke the board link" in facilitator.get(f"/events/{event['id']}").text
    revoked = facilitator.post(f"/events/{event['id']}/board-link/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"].endswith("#board-link")
    assert _hash(db, event["id"]) is None
    assert _stranger(server).get(url).status_code == 404


def test_another_facilitators_event_and_signed_out_calls_change_nothing(
    server: LiveServer, facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    url = _make_link(facilitator, event)
    before = _hash(db, event["id"])
    other = _other(server, db)
    for response in (
        other.post(f"/api/v1/events/{event['id']}/board-link"),
        other.delete(f"/api/v1/events/{event['id']}/board-link"),
        other.post(f"/events/{event['id']}/board-link"),
        other.post(f"/events/{event['id']}/board-link/revoke"),
    ):
        assert response.status_code in (403, 404), response.text
        assert "board/" not in response.text
    nobody = client(server)
    assert nobody.post(f"/api/v1/events/{event['id']}/board-link").status_code == 401
    assert nobody.delete(f"/api/v1/events/{event['id']}/board-link").status_code == 401
    assert _hash(db, event["id"]) == before
    assert _stranger(server).get(url).status_code == 200
    assert facilitator.post("/api/v1/events/999999/board-link").status_code == 404


def test_the_venue_pc_cannot_write_anything(server: LiveServer, facilitator: httpx.Client, db: Any) -> None:
    event = create_event(facilitator)
    alice = join(server, event)
    words = annotate(alice, event, text=SHOWN_WORDS)
    url = _make_link(facilitator, event)
    venue = _stranger(server)
    assert venue.get(url).status_code == 200
    token = page_token(venue, url.removeprefix(str(venue.base_url).rstrip("/")))
    headers = {"X-CSRF-Token": token}
    eid = event["id"]
    page_writes = [
        (f"/events/{eid}/phase", {"phase": "walk"}),
        (f"/events/{eid}/board-view", {"view": "wall"}),
        (f"/events/{eid}/status", {"status": "closed"}),
        (f"/events/{eid}/annotations/{words.json()['id']}/visibility", {"hidden": "true"}),
        (f"/events/{eid}/board-link", {}),
        (f"/events/{eid}/board-link/revoke", {}),
        (f"/events/{eid}/timer", {"action": "start"}),
    ]
    for path, form in page_writes:
        response = venue.post(path, data=form, headers=headers)
        assert response.status_code in (401, 403), (path, response.status_code)
    api_writes = [
        ("POST", f"/api/v1/events/{eid}/phase", {"phase": "walk"}),
        ("POST", f"/api/v1/events/{eid}/board", {"view": "wall"}),
        ("POST", f"/api/v1/annotations/{words.json()['id']}/hide", None),
        ("POST", f"/api/v1/events/{eid}/annotations", _valid_annotation(event)),
        ("POST", f"/api/v1/events/{eid}/support", {"kind": "take_break"}),
        ("DELETE", f"/api/v1/events/{eid}/board-link", None),
    ]
    for method, path, body in api_writes:
        response = venue.request(method, path, json=body)
        assert response.status_code in (401, 403), (path, response.status_code)
    # Nor may the link stand in for a facilitator's or a participant's live feed.
    assert _refused(server, f"/api/v1/events/{eid}/stream", venue)
    assert _refused(server, f"/events/{eid}/live?view=board", venue)
    with db.connect() as conn:
        row = conn.execute(
            text("SELECT phase, board_view, status FROM event WHERE id = :i"), {"i": eid}
        ).one()
        hidden = conn.execute(
            text("SELECT hidden FROM annotation WHERE id = :i"), {"i": words.json()["id"]}
        ).scalar()
    assert tuple(row) == ("welcome", "journey", "open") and not hidden
    assert venue.get(url).status_code == 200


def test_unknown_tokens_get_a_clear_404_and_guessing_is_limited(tmp_path: Path) -> None:
    with own_server(tmp_path, rate_wrong_join_codes_per_client="4 per minute") as live:
        guesser = client_from(live, "127.0.0.2")
        for guess in ("short", "x" * 32, "y" * 100):
            page = guesser.get(f"/board/{guess}")
            assert page.status_code == 404 and UNKNOWN in page.text
        assert guesser.get(f"/board/{'z' * 32}/live/poll").status_code == 404
        refused = guesser.get(f"/board/{'w' * 32}")
        assert refused.status_code == 429 and "Too many wrong" in refused.text
        # Someone else, with the right link, still gets in.
        facilitator = signed_in(live)
        url = _make_link(facilitator, create_event(facilitator))
        assert client_from(live, "127.0.0.3").get(url).status_code == 200


@pytest.mark.skipif(
    not SERVICES and not REQUIRE_SERVICES,
    reason="needs PostgreSQL and Redis: set LENSWALK_TEST_DATABASE_URL and LENSWALK_TEST_BROKER_URL (CI does)",
)
@pytest.mark.timeout(180)
def test_revoking_on_one_instance_closes_a_board_open_on_another(settings: Settings) -> None:
    """Two real `lenswalk serve` replicas sharing PostgreSQL and Redis, as in tests/test_multi_instance.py."""
    env = settings_env(settings)
    with serve_process(env, "--no-prepare") as one, serve_process(env, "--no-prepare") as other:
        facilitator = signed_in(one)
        event = create_event(facilitator)
        url = _make_link(facilitator, event)
        token = url.rsplit("/", 1)[1]
        with connect(f"{other.ws_url}/board/{token}/live?seq=-1", open_timeout=5) as board:
            board.recv(timeout=5)  # the snapshot
            alice = join(one, event)
            assert annotate(alice, event, text=SHOWN_WORDS).status_code == 201
            assert SHOWN_WORDS in board.recv(timeout=5)
            assert facilitator.delete(f"/api/v1/events/{event['id']}/board-link").status_code == 204
            assert closed_with(board) == 1008
        assert httpx.get(f"{other.base_url}/board/{token}", timeout=5).status_code == 404
