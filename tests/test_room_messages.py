"""Room messages are typed: every type is listed on /docs with its fields, every message a whole
walkthrough sends over the stream matches its type's model, and a service cannot send a type with
another type's data."""

from html import unescape
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlmodel import Session

from app.db import make_engine
from app.roomlog.messages import (
    SPECS,
    BoardLink,
    MessageType,
    TimerChanged,
    catalogue,
    model_for,
)
from app.roomlog.service import record
from app.settings import Settings
from tests.conftest import (
    LiveServer,
    annotate,
    client,
    first_touchpoint,
    join,
    open_stream,
    receive_json,
)


def test_every_message_type_is_on_the_docs_page_with_its_fields(server: LiveServer) -> None:
    reader = client(server)
    page = reader.get("/docs")
    assert page.status_code == 200
    listed = reader.get("/openapi.json").json()["x-room-messages"]
    assert [m["type"] for m in listed] == [t.value for t in MessageType]
    for member in MessageType:
        start = page.text.index(f'id="message-{member.value}"')
        section = unescape(page.text[start : page.text.index("</section>", start)]).replace("<wbr>", "")
        assert f"<code>{member.value}</code>" in section
        assert "Who receives it:" in section
        payload = SPECS[member].payload
        if payload is None:
            assert "none (<code>null</code>)" in section
            continue
        for name in payload.model_json_schema()["properties"]:
            assert f"<code>{name}</code>" in section, (member, name)
    revealed = page.text.index('id="message-annotations.revealed"')
    assert "<code>annotations[].<wbr>text</code>" in page.text[revealed:]


def test_the_openapi_document_carries_each_messages_schema(server: LiveServer) -> None:
    listed = {m["type"]: m for m in client(server).get("/openapi.json").json()["x-room-messages"]}
    timer = listed["timer.changed"]
    assert set(timer["data"]["properties"]) == {"running", "remaining_seconds", "deadline"}
    added = listed["annotation.added"]
    assert {"hidden", "private"} <= set(added["data"]["properties"])
    assert {"hidden", "private"} <= set(added["data"]["required"])
    assert not {"hidden", "private"} & set(added["participant_data"].get("required", []))
    assert listed["votes.changed"]["data"] is None


def test_a_service_cannot_send_one_type_with_another_types_data(
    settings: Settings, event: dict[str, Any]
) -> None:
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            with pytest.raises(TypeError, match=r"timer\.changed carries TimerChanged, not BoardLink"):
                record(session, event["id"], MessageType.TIMER_CHANGED, data=BoardLink(version=2))
            with pytest.raises(TypeError, match=r"votes\.changed carries no data"):
                record(session, event["id"], MessageType.VOTES_CHANGED, data=BoardLink(version=2))
            with pytest.raises(ValueError, match="never recorded"):
                record(session, event["id"], MessageType.PRIVATE)
            with pytest.raises(ValidationError):
                TimerChanged(running=True, remaining_seconds=60, deadline=None, view="wall")  # type: ignore[call-arg]
            session.rollback()
    finally:
        engine.dispose()
    assert catalogue()  # nothing above reached the log


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, response.text
    return response.json() if response.content else {}


def _drain(ws: Any, until_seq: int, into: list[dict[str, Any]]) -> None:
    while not into or into[-1]["seq"] < until_seq:
        into.append(receive_json(ws, timeout=5))


def _check(messages: list[dict[str, Any]], audience: str) -> set[str]:
    seqs = [m["seq"] for m in messages]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "every seq once, in order"
    for message in messages:
        model = model_for(MessageType(message["type"]), audience)
        if model is None:
            assert message["data"] is None, message
        else:
            # Every field it sends is one of its model's, and the model reads them back unchanged.
            read = model.model_validate(message["data"])
            assert read.model_dump(mode="json", exclude_unset=True) == message["data"], message
    return {m["type"] for m in messages}


def test_every_message_of_a_whole_walkthrough_matches_its_model(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    eid = event["id"]
    api = f"/api/v1/events/{eid}"
    alice = join(server, event, team_index=0, here_as="lived_experience")
    bob = join(server, event, team_index=1)
    live: dict[str, list[dict[str, Any]]] = {"facilitator": [], "participant": []}
    start = _ok(facilitator.get(api))["last_seq"]
    with (
        open_stream(server, facilitator, eid, after_seq=start) as console,
        open_stream(server, bob, eid, after_seq=start) as phone,
    ):
        _ok(facilitator.post(f"{api}/phase", json={"phase": "lens_walk"}))
        _ok(facilitator.patch(f"{api}/agenda/lens_walk", json={"duration_minutes": 45}))
        _ok(facilitator.post(f"{api}/timer", json={"action": "start"}))
        _ok(facilitator.post(f"{api}/timer", json={"action": "pause"}))
        _ok(facilitator.post(f"{api}/spotlight", json={"touchpoint_id": first_touchpoint(event)}))
        _ok(
            facilitator.post(
                f"{api}/board", json={"view": "wall", "filter": {"by": "kind", "value": "barrier"}}
            )
        )
        _ok(bob.post(f"{api}/ready", json={"done": True}))
        note = _ok(annotate(alice, event, vignette_slug="ollie"))
        _ok(alice.patch(f"/api/v1/annotations/{note['id']}", json={"text": "Nobody says how long it takes."}))
        _ok(facilitator.post(f"/api/v1/annotations/{note['id']}/hide"))
        _ok(facilitator.post(f"/api/v1/annotations/{note['id']}/unhide"))
        gone = _ok(annotate(bob, event, kind="idea", text="A text message while you wait."))
        _ok(bob.delete(f"/api/v1/annotations/{gone['id']}"))
        _ok(facilitator.post(f"{api}/phase", json={"phase": "lens_walk", "private_writing": True}))
        _ok(annotate(bob, event, kind="strength", text="The GP mailbox answers quickly."))
        _ok(facilitator.post(f"{api}/reveal"))
        support = _ok(alice.post(f"{api}/support", json={"kind": "take_break", "place": ""}))
        _ok(facilitator.post(f"/api/v1/support/{support['id']}/handled"))
        _ok(facilitator.post(f"{api}/board-link"))
        teams = [
            {"id": t["id"], "name": t["name"], "vignette_slugs": t["vignette_slugs"]} for t in event["teams"]
        ]
        teams[0]["name"] = "Harbour team"
        _ok(facilitator.put(f"{api}/teams", json=teams))
        improvement = _ok(
            facilitator.post(
                f"{api}/improvements",
                json={
                    "title": "Say how long the wait is",
                    "annotation_ids": [note["id"]],
                    "driver": "policies_and_processes",
                },
            )
        )
        _ok(facilitator.patch(f"{api}/voting", json={"status": "open"}))
        _ok(alice.put(f"/api/v1/improvements/{improvement['id']}/vote", json={"dots": 2}))
        _ok(
            facilitator.post(
                f"/api/v1/improvements/{improvement['id']}/actions",
                json={
                    "what": "Send the waiting time by text",
                    "owner": "Service manager",
                    "due": "2027-03-01",
                },
            )
        )
        assert facilitator.post(f"/events/{eid}/status", data={"status": "closed"}).status_code == 303
        _ok(facilitator.post(f"{api}/reopen"))
        last = _ok(facilitator.get(api))["last_seq"]
        _drain(console, last, live["facilitator"])
        _drain(phone, last, live["participant"])

    every_logged = {t.value for t in MessageType} - {"private"}
    assert _check(live["facilitator"], "facilitator") == every_logged
    assert _check(live["participant"], "participant") >= {
        "private",
        "annotation.added",
        "annotations.revealed",
    }
    # The same messages read back from the log on a reconnect (hidden words and all) match too.
    for who, audience in ((facilitator, "facilitator"), (bob, "participant")):
        replayed: list[dict[str, Any]] = []
        with open_stream(server, who, eid, after_seq=start) as ws:
            _drain(ws, last, replayed)
        _check(replayed, audience)
        assert [m["seq"] for m in replayed] == [m["seq"] for m in live[audience]]
    # Nothing a phone receives says whether words are hidden or still private.
    assert not any(_keys(m["data"]) & {"hidden", "private"} for m in live["participant"])


def _keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()
