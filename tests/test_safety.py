"""Issue 5: anonymity that holds, taking words back, support, breaks and check-ins."""

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session
from websockets.sync.client import connect

from app.events.retention import apply_retention
from tests.conftest import (
    LiveServer,
    annotate,
    client,
    command_env,
    cookie_header,
    create_event,
    join,
    nothing_arrives,
    open_stream,
    receive_json,
    run_command,
    serve_process,
    signed_in,
)
from tests.support import own_server
from tests.test_pages import live, recv_until

HTMX = {"HX-Request": "true"}


def sqlite_bytes(settings: Any) -> bytes:
    """The database's files as they are on disk, read by another process: closing a file this process
    opened on them would drop every POSIX lock the process holds there, the test server's SQLite
    connections' included, and later connections would fail with "disk I/O error"."""
    path = Path(settings.database_url.split("///", 1)[1])
    files = sorted(str(p) for p in path.parent.glob(path.name + "*"))
    return subprocess.run(["cat", *files], capture_output=True, check=True).stdout


def test_support_information_and_link_on_participant_screens(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    saved = facilitator.patch(
        f"/api/v1/events/{event['id']}",
        json={"support_info": "Ask Aileen in the green lanyard.\nQuiet room: Room 2."},
    )
    assert saved.status_code == 200 and saved.json()["support_info"].startswith("Ask Aileen")
    phone = join(server, event)
    own = annotate(phone, event).json()
    for path in (
        f"/events/{event['id']}/journey",
        f"/events/{event['id']}/closing",
        f"/annotations/{own['id']}/edit",
        f"/events/{event['id']}/support",
    ):
        page = phone.get(path).text
        assert f'href="/events/{event["id"]}/support"' in page, path
        assert "Ask Aileen in the green lanyard." in page, path
        assert 'action="/safe"' in page and "quick-hide" in page, path
    assert "Samaritans" in phone.get(f"/events/{event['id']}/support").text
    refused = facilitator.patch(f"/api/v1/events/{event['id']}", json={"support_info": "x" * 2001})
    assert refused.status_code == 422


def test_quick_hide_goes_to_a_neutral_page_without_a_way_back(server: LiveServer) -> None:
    safe = client(server).get("/safe").text
    assert "Lenswalk" not in safe and "Support" not in safe and "<script" not in safe
    script = client(server).get("/static/js/lenswalk.js").text
    assert "location.replace('/safe')" in script  # replace(): the back button cannot return


def test_break_signal_reaches_only_the_facilitators(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    phone = join(server, event, team_index=2)
    other = join(server, event)
    seq = facilitator.get(f"/api/v1/events/{event['id']}").json()["last_seq"]
    with (
        open_stream(server, facilitator, event["id"], after_seq=seq) as console_json,
        open_stream(server, other, event["id"], after_seq=seq) as other_json,
        live(server, facilitator, event["id"], "console", seq) as console,
        live(server, facilitator, event["id"], "board", seq) as board,
        live(server, other, event["id"], "participant", seq) as other_page,
    ):
        sent = phone.post(f"/events/{event['id']}/support", data={"kind": "take_break", "place": "table 3"})
        assert sent.status_code == 303 and "sent=take_break" in sent.headers["location"]
        assert "Only the facilitators see it" in phone.get(sent.headers["location"]).text
        fragment = recv_until(console, 'id="support-requests"')
        assert "I need a break" in fragment and "table 3" in fragment and "Team 3" in fragment
        to_facilitator = receive_json(console_json)
        assert to_facilitator["type"] == "support.requested"
        to_participant = receive_json(other_json)
        assert to_participant == {"seq": to_facilitator["seq"], "type": "private", "data": None}
        assert nothing_arrives(board) and nothing_arrives(other_page)
        request_id = to_facilitator["data"]["id"]
        assert (
            facilitator.post(f"/events/{event['id']}/support/{request_id}/handled", headers=HTMX).status_code
            == 204
        )
        assert "I need a break" not in recv_until(console, 'id="support-requests"')
    assert "I need a break" not in facilitator.get(f"/events/{event['id']}/board").text
    assert phone.post(f"/api/v1/support/{request_id}/handled").status_code == 401
    assert phone.post(f"/events/{event['id']}/support", data={"kind": "cake"}).status_code == 422


def test_content_notes_come_first_and_a_story_can_be_skipped(
    server: LiveServer, event: dict[str, Any]
) -> None:
    phone = join(server, event, team_index=1)  # Gill and Bruno
    page = phone.get(f"/events/{event['id']}/journey").text
    gill = page[page.index('id="vignette-gill"') :]
    assert gill.index("Content note") < gill.index("Show me anyway") < gill.index("Buvidal")
    skipped = phone.post(f"/events/{event['id']}/vignettes/gill/skip")
    assert skipped.status_code == 303
    page = phone.get(f"/events/{event['id']}/journey").text
    gill = page[page.index('id="vignette-gill"') : page.index('id="vignette-gill"') + 3000]
    assert "You chose to skip Gill" in gill and "Buvidal" not in gill
    phone.post(f"/events/{event['id']}/vignettes/gill/skip", data={"show": "yes"})
    assert "You chose to skip Gill" not in phone.get(f"/events/{event['id']}/journey").text
    assert phone.post(f"/events/{event['id']}/vignettes/nobody/skip").status_code == 422


def test_check_ins_are_shown_only_as_totals_above_the_small_group_size(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    phones = [join(server, event, team_index=n % 3) for n in range(5)]
    for phone in phones[:4]:
        assert (
            phone.post(
                f"/events/{event['id']}/check-in", data={"moment": "arriving", "feeling": "unsettled"}
            ).status_code
            == 303
        )
    # Tapping again replaces the answer; it is not counted twice.
    phones[0].post(f"/events/{event['id']}/check-in", data={"moment": "arriving", "feeling": "settled"})
    summary = facilitator.get(f"/api/v1/events/{event['id']}/check-ins").json()
    assert summary[0] == {"moment": "arriving", "answered": 4, "counts": None}
    console = facilitator.get(f"/events/{event['id']}/console").text
    assert "A bit unsettled 3" not in console and "Shown once" in console
    phones[4].post(f"/api/v1/events/{event['id']}/check-ins", json={"moment": "arriving", "feeling": "okay"})
    summary = facilitator.get(f"/api/v1/events/{event['id']}/check-ins").json()
    assert summary[0]["counts"] == {"settled": 1, "unsettled": 3, "okay": 1}
    assert "A bit unsettled 3" in facilitator.get(f"/events/{event['id']}/console").text
    assert "unsettled" not in facilitator.get(f"/events/{event['id']}/board").text.lower()
    assert phones[0].get(f"/api/v1/events/{event['id']}/check-ins").status_code == 401
    # Answered: the question stays, thanks the person, shows their answer and lets them change it.
    journey = phones[0].get(f"/events/{event['id']}/journey").text
    assert "Thank you. You said: <strong>Settled</strong>" in journey
    assert 'value="settled" aria-pressed="true"' in journey and 'value="okay" aria-pressed="false"' in journey


def test_withdrawn_words_are_gone_from_the_database_file(
    server: LiveServer, settings: Any, facilitator: httpx.Client, event: dict[str, Any], db: Any
) -> None:
    phone = join(server, event)
    first = "Original wording kestrel-4471 about the waiting room"
    later = "Edited wording osprey-9902 about the waiting room"
    note = annotate(phone, event, text=first).json()
    assert phone.patch(f"/api/v1/annotations/{note['id']}", json={"text": later}).status_code == 200
    # The file itself is checked on SQLite only: PostgreSQL keeps its own files (see docs/deploying.md).
    if settings.is_sqlite:
        assert first.encode() not in sqlite_bytes(settings)
    assert phone.delete(f"/api/v1/annotations/{note['id']}").status_code == 204
    if settings.is_sqlite:
        raw = sqlite_bytes(settings)
        assert first.encode() not in raw and later.encode() not in raw
    with db.connect() as conn:
        for table in ("annotation", "room_event"):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            assert not [r for r in rows if "kestrel" in str(r) or "osprey" in str(r)], table
    with open_stream(server, facilitator, event["id"], after_seq=0) as ws:
        replay = [receive_json(ws) for _ in range(3)]
    assert "kestrel" not in str(replay) and "osprey" not in str(replay)


def test_facilitators_cannot_tell_which_annotations_share_an_author(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], db: Any
) -> None:
    alice = join(server, event)
    bob = join(server, event)
    with open_stream(server, facilitator, event["id"]) as ws:
        notes = [
            annotate(alice, event, text="Alice one").json(),
            annotate(alice, event, text="Alice two").json(),
            annotate(bob, event, text="Bob one").json(),
        ]
        streamed = [receive_json(ws)["data"] for _ in range(3)]
    listed = facilitator.get(f"/api/v1/events/{event['id']}/annotations").json()
    expected = {
        "id",
        "event_id",
        "touchpoint_id",
        "team_id",
        "kind",
        "principles",
        "text",
        "vignette_slug",
        "hidden",
        "private",  # written while writing is private: always false once anyone but the author sees it
        "created_at",
        "updated_at",
    }
    for item in [*notes, *streamed, *listed]:
        assert set(item) == expected
    with db.connect() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                text("SELECT participant_id FROM annotation WHERE event_id = :e"), {"e": event["id"]}
            )
        ]
        hashes = [
            r[0]
            for r in conn.execute(
                text("SELECT token_hash FROM participant WHERE event_id = :e"), {"e": event["id"]}
            )
        ]
    console = facilitator.get(f"/events/{event['id']}/console").text
    for secret in [*alice.cookies.values(), *bob.cookies.values(), *hashes]:
        assert secret not in console and secret not in str(listed)
    assert len(set(ids)) == 2  # the server knows, so authors can change their words; nobody else does


def test_changes_close_after_the_agreed_time(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    phone = join(server, event)
    note = annotate(phone, event).json()
    facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    assert (
        phone.patch(f"/api/v1/annotations/{note['id']}", json={"text": "Still mine to change"}).status_code
        == 200
    )
    facilitator.patch(f"/api/v1/events/{event['id']}", json={"changes_close_days": 0, "retention_days": 30})
    late = phone.patch(f"/api/v1/annotations/{note['id']}", json={"text": "Too late now"})
    assert late.status_code == 409 and "can no longer be changed" in late.json()["detail"]
    assert phone.delete(f"/api/v1/annotations/{note['id']}").status_code == 409


def test_retention_unlinks_authors_and_deletes_tokens(
    server: LiveServer, settings: Any, facilitator: httpx.Client, event: dict[str, Any], db: Any
) -> None:
    phone = join(server, event)
    note = annotate(phone, event, text="Kept after retention").json()
    facilitator.patch(f"/api/v1/events/{event['id']}", json={"changes_close_days": 1, "retention_days": 2})
    facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    from app.db import transaction

    with Session(db) as session, transaction(session):
        assert event["id"] not in apply_retention(session, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    with Session(db) as session, transaction(session):
        assert event["id"] in apply_retention(session, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    with db.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM participant WHERE event_id = :e AND token_hash IS NOT NULL"),
                {"e": event["id"]},
            ).scalar()
            == 0
        )
        assert conn.execute(
            text("SELECT participant_id, text FROM annotation WHERE id = :i"), {"i": note["id"]}
        ).one() == (None, "Kept after retention")
    assert phone.patch(f"/api/v1/annotations/{note['id']}", json={"text": "x"}).status_code == 403


def test_a_return_code_reaches_my_words_from_another_device(
    server: LiveServer, event: dict[str, Any]
) -> None:
    phone = join(server, event)
    note = annotate(phone, event, text="Written on my phone").json()
    code = phone.post(f"/api/v1/events/{event['id']}/return-code").json()["return_code"]
    assert len(code) == 19
    laptop = client(server)
    assert (
        laptop.post(
            "/api/v1/return", json={"join_code": event["join_code"], "return_code": "AAAA-BBBB-CCCC-DDDD"}
        ).status_code
        == 403
    )
    assert (
        laptop.post(
            "/return",
            data={"join_code": event["join_code"].lower(), "return_code": code.replace("-", " ").lower()},
        ).status_code
        == 303
    )
    mine = laptop.get(f"/api/v1/events/{event['id']}/annotations", params={"mine": "true"}).json()
    assert [a["id"] for a in mine] == [note["id"]]
    assert (
        laptop.patch(f"/api/v1/annotations/{note['id']}", json={"text": "Changed on my laptop"}).status_code
        == 200
    )
    # The page shows the code once and keeps only its hash.
    page = phone.post(f"/events/{event['id']}/return-code")
    assert "shown only this once" in page.text


def test_attendance_list_is_private_and_apart_from_participation(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    assert (
        facilitator.post(
            f"/events/{event['id']}/attendance",
            data={"name": "=Morag Example", "hours": "3.5", "payment_method": "Voucher"},
        ).status_code
        == 303
    )
    assert (
        facilitator.post(f"/events/{event['id']}/attendance", data={"name": "", "hours": "3"}).status_code
        == 422
    )
    assert (
        facilitator.post(
            f"/events/{event['id']}/attendance", data={"name": "Someone", "hours": "lots"}
        ).status_code
        == 422
    )
    sheet = facilitator.get(f"/events/{event['id']}/attendance.csv")
    assert sheet.headers["content-type"].startswith("text/csv")
    assert "'=Morag Example,3.5,Voucher" in sheet.text  # never a spreadsheet formula
    phone = join(server, event)
    assert phone.get(f"/events/{event['id']}/attendance").status_code == 401
    assert phone.get(f"/events/{event['id']}/attendance.csv").status_code == 401
    assert "Morag" not in str(facilitator.get(f"/api/v1/events/{event['id']}").json())


def test_purge_deletes_the_event_and_everything_in_it(tmp_path: Path) -> None:
    # A server and database of its own: the purge runs as a separate process beside it.
    with own_server(tmp_path) as own:
        settings = own.settings
        facilitator = signed_in(own)
        event = create_event(facilitator)
        phone = join(own, event)
        annotate(phone, event, text="Purged words heron-5531")
        facilitator.post(f"/events/{event['id']}/attendance", data={"name": "Purged Person", "hours": "2"})
        env = command_env(settings.data_dir, LENSWALK_DATABASE_URL=settings.database_url)
        assert run_command(env, "purge", str(event["id"])).returncode == 2  # not without --yes
        done = run_command(env, "purge", str(event["id"]), "--yes")
        assert done.returncode == 0, done.stderr
        db = create_engine(settings.database_url)
        with db.connect() as conn:
            for table in ("event", "annotation", "participant", "attendance", "room_event", "team"):
                column = "id" if table == "event" else "event_id"
                count = conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} = :e"), {"e": event["id"]}
                )
                assert count.scalar() == 0, table
        db.dispose()
        if settings.is_sqlite:
            raw = sqlite_bytes(settings)
            assert b"heron-5531" not in raw and b"Purged Person" not in raw
        assert facilitator.get(f"/api/v1/events/{event['id']}").status_code == 404


def test_database_and_logs_hold_no_address_device_or_token(tmp_path: Path) -> None:
    env = command_env(
        tmp_path, LENSWALK_ADMIN_EMAIL="lead@example.org", LENSWALK_ADMIN_PASSWORD="a long admin password"
    )
    agent = "PrivacyProbeBrowser/9.9 (unique-device-7781)"
    with serve_process(env) as server:
        base = server.base_url
        lead = httpx.Client(base_url=base, headers={"User-Agent": agent})
        lead.post("/api/v1/session", json={"email": "lead@example.org", "password": "a long admin password"})
        maps = lead.get("/api/v1/journey-maps").json()
        event = lead.post(
            "/api/v1/events", json={"title": "Privacy run", "journey_map_id": maps[0]["id"]}
        ).json()
        phone = httpx.Client(base_url=base, headers={"User-Agent": agent, "X-Forwarded-For": "203.0.113.77"})
        phone.post("/api/v1/join", json={"join_code": event["join_code"], "team_id": event["teams"][0]["id"]})
        token = phone.cookies["lenswalk_participant"]
        stream = base.replace("http://", "ws://") + f"/api/v1/events/{event['id']}/stream"
        with connect(stream, additional_headers={**cookie_header(phone), "User-Agent": agent}) as ws:
            phone.post(
                f"/api/v1/events/{event['id']}/annotations",
                json={
                    "touchpoint_id": event["stages"][0]["touchpoints"][0]["id"],
                    "kind": "barrier",
                    "principles": ["trust"],
                    "text": "Privacy probe words",
                },
            )
            assert "Privacy probe words" in ws.recv(timeout=3)
        phone.get(f"/events/{event['id']}/journey")
        lead.close()
        phone.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("lenswalk.db*"))
    assert b"Privacy probe words" in raw  # the content itself is there...
    for secret in ("127.0.0.1", "203.0.113.77", agent, "unique-device-7781", token):
        assert secret.encode() not in raw, secret  # ...but nothing about who or what sent it
        assert secret not in server.output(), secret


def test_withdraw_asks_first_and_only_the_author_may_see_the_question(
    server: LiveServer, event: dict[str, Any]
) -> None:
    author, other = join(server, event), join(server, event)
    note = annotate(author, event, text="Asked twice about my address").json()
    page = author.get(f"/annotations/{note['id']}/withdraw")
    assert page.status_code == 200 and "This deletes your words for good" in page.text
    assert "Asked twice about my address" in page.text
    refused = other.get(f"/annotations/{note['id']}/withdraw")
    assert refused.status_code in (403, 404) and "Asked twice" not in refused.text
    assert other.post(f"/annotations/{note['id']}/withdraw").status_code in (403, 404)
    # Asking is not withdrawing: the words are still there until the author confirms.
    mine = author.get(f"/api/v1/events/{event['id']}/annotations", params={"mine": "true"}).json()
    assert [a["id"] for a in mine] == [note["id"]]
    done = author.post(f"/annotations/{note['id']}/withdraw", follow_redirects=True)
    assert "Done: your contribution is withdrawn" in done.text
    assert author.get(f"/annotations/{note['id']}/withdraw").status_code == 404


def test_check_in_answers_in_place_with_thanks(server: LiveServer, event: dict[str, Any]) -> None:
    phone = join(server, event)
    swapped = phone.post(
        f"/events/{event['id']}/check-in",
        headers={"HX-Request": "true"},
        data={"moment": "arriving", "feeling": "okay"},
    )
    assert swapped.status_code == 200 and swapped.text.lstrip().startswith('<section id="check-in"')
    assert "Thank you. You said: <strong>Okay</strong>" in swapped.text
    bad = phone.post(
        f"/events/{event['id']}/check-in",
        headers={"HX-Request": "true"},
        data={"moment": "arriving", "feeling": "x"},
    )
    assert 400 <= bad.status_code < 500
    assert "You said: <strong>Okay</strong>" in phone.get(f"/events/{event['id']}/journey").text
