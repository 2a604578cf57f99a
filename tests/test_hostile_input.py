"""Hostile or broken input gets a clear 4xx or a clean close, never a 500, and other people in
the room never notice."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from app.main import create_app
from tests.conftest import (
    LiveServer,
    annotate,
    first_touchpoint,
    join,
    make_settings,
    open_stream,
    receive_json,
    receive_until,
)
from tests.support import page_token


def test_bodies_over_the_limit_are_refused(server: LiveServer, event: dict[str, Any]) -> None:
    alice = join(server, event)
    huge = {"text": "x" * (70 * 1024)}
    response = alice.post(f"/api/v1/events/{event['id']}/annotations", json=huge)
    assert response.status_code == 413 and "at most 64 KiB" in response.json()["detail"]
    # A streamed (chunked) body without a Content-Length is counted as it arrives.
    chunks = (b"x" * 8192 for _ in range(20))
    streamed = alice.post(
        f"/api/v1/events/{event['id']}/annotations",
        content=chunks,
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    # Pages too.
    form = alice.post("/join", data={"join_code": "x" * (70 * 1024)})
    assert form.status_code == 413 and "at most 64 KiB" in form.text
    # The room carries on.
    assert annotate(alice, event).status_code == 201


def test_the_import_path_takes_up_to_eight_mebibytes(server: LiveServer, facilitator: httpx.Client) -> None:
    body = json.dumps({"padding": "x" * (3 * 1024 * 1024)})
    allowed = facilitator.post(
        "/api/v1/events/import", content=body, headers={"Content-Type": "application/json"}
    )
    assert allowed.status_code != 413  # whatever the import says about it, the size is allowed
    too_big = facilitator.post(
        "/api/v1/events/import",
        content=json.dumps({"padding": "x" * (9 * 1024 * 1024)}),
        headers={"Content-Type": "application/json"},
    )
    assert too_big.status_code == 413


@pytest.mark.parametrize(
    ("body", "content"),
    [
        (None, b"{not json"),
        (None, b'{"text": "\xff\xfe"}'),
        ({"touchpoint_id": "seven", "kind": "barrier", "principles": ["trust"], "text": "x"}, None),
        ({"touchpoint_id": 1, "kind": "complaint", "principles": ["trust"], "text": "x"}, None),
        ({"touchpoint_id": 1, "kind": "barrier", "principles": "trust", "text": "x"}, None),
        ({"touchpoint_id": 1, "kind": "barrier", "principles": ["trust"] * 6, "text": "x"}, None),
        ({"touchpoint_id": 1, "kind": "barrier", "principles": ["trust"], "text": "x" * 281}, None),
        ({"touchpoint_id": 1, "kind": "barrier", "principles": ["trust"], "text": "x", "author": "me"}, None),
        (
            {
                "touchpoint_id": 1,
                "kind": "barrier",
                "principles": ["trust"],
                "text": "x",
                "client_key": "a b",
            },
            None,
        ),
        ([1, 2, 3], None),
        ("a string", None),
        ({"touchpoint_id": 10**30, "kind": "barrier", "principles": ["trust"], "text": "x"}, None),
    ],
)
def test_malformed_annotations_get_a_clear_4xx(
    server: LiveServer, event: dict[str, Any], body: Any, content: bytes | None, db: Any
) -> None:
    alice = join(server, event)
    url = f"/api/v1/events/{event['id']}/annotations"
    if content is not None:
        response = alice.post(url, content=content, headers={"Content-Type": "application/json"})
    else:
        response = alice.post(url, json=body)
    # 400 when the bytes are not even text, 422 for bad JSON or JSON that is not an annotation.
    assert response.status_code in ((400, 422) if content is not None else (422,)), response.text
    detail = response.json()["detail"]
    assert detail and "x" * 281 not in response.text  # the input is not echoed back


def test_wrong_types_and_unknown_fields_elsewhere(server: LiveServer, facilitator: httpx.Client) -> None:
    maps = facilitator.get("/api/v1/journey-maps").json()
    cases = [
        ("/api/v1/events", {"title": "x", "journey_map_id": maps[0]["id"], "owner": 1}),
        ("/api/v1/events", {"title": "x" * 201, "journey_map_id": maps[0]["id"]}),
        ("/api/v1/events", {"title": "x", "journey_map_id": maps[0]["id"], "teams": [{"name": "t"}] * 21}),
        ("/api/v1/events", {"title": "x", "journey_map_id": maps[0]["id"], "dots_per_participant": 10**9}),
        (
            "/api/v1/events",
            {
                "title": "x",
                "journey_map_id": maps[0]["id"],
                "teams": [{"name": "t", "vignette_slugs": ["y" * 81]}],
            },
        ),
        ("/api/v1/events", {"title": "x", "journey_map_id": 10**30}),
        ("/api/v1/join", {"join_code": "ABCDEF", "extra": True}),
        ("/api/v1/join", {"join_code": ["ABCDEF"]}),
        ("/api/v1/session", {"email": "a@b.c", "password": "x" * 201}),
    ]
    for path, body in cases:
        response = facilitator.post(path, json=body)
        assert response.status_code == 422, (path, response.text)
    assert facilitator.get("/api/v1/events/99999999999999999999999").status_code == 422
    assert facilitator.get("/events/99999999999999999999999").status_code == 422


def test_every_api_body_schema_bounds_every_string_and_list(tmp_path: Path) -> None:
    """A new field without a length limit fails here, before anyone can send a megabyte in it."""
    spec = create_app(make_settings(tmp_path)).openapi()
    schemas = spec["components"]["schemas"]
    used: set[str] = set()
    for operations in spec["paths"].values():
        for op in operations.values():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" in ref:
                used.add(ref["$ref"].rsplit("/", 1)[1])

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[1]
                if name not in used:
                    used.add(name)
                    check(name)
                return
            if node.get("type") == "string" and "enum" not in node and node.get("format") != "date":
                assert "maxLength" in node, f"{where}: a string without maxLength"
            if node.get("type") == "array":
                assert "maxItems" in node, f"{where}: a list without maxItems"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    def check(name: str) -> None:
        schema = schemas[name]
        if schema.get("type") == "object":
            assert schema.get("additionalProperties") is False, f"{name} accepts unknown fields"
        walk(schema, name)

    for name in sorted(used):
        check(name)
    assert {"AnnotationCreate", "EventCreate", "JoinRequest", "SignIn"} <= used


def test_form_fields_over_their_limits_are_refused(server: LiveServer, event: dict[str, Any]) -> None:
    alice = join(server, event)
    token = page_token(alice, f"/events/{event['id']}/journey")
    response = alice.post(
        f"/events/{event['id']}/journey/annotations",
        data={
            "csrf_token": token,
            "touchpoint_id": str(first_touchpoint(event)),
            "kind": "barrier",
            "principles": ["trust"],
            "text": "y" * 2001,
        },
    )
    assert response.status_code == 422 and "y" * 2001 not in response.text


@pytest.mark.parametrize("frame", [b"\x00\x01binary", "x" * (1024 * 1024)], ids=["binary", "huge"])
def test_a_hostile_websocket_client_is_closed_and_the_room_never_notices(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any], frame: bytes | str
) -> None:
    alice, mallory = join(server, event), join(server, event)
    with (
        open_stream(server, alice, event["id"]) as alice_ws,
        open_stream(server, facilitator, event["id"]) as board_ws,
        open_stream(server, mallory, event["id"]) as mallory_ws,
    ):
        mallory_ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            mallory_ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code in (1003, 1009)
        assert annotate(alice, event, text="Still here after the noise").status_code == 201
        for ws in (alice_ws, board_ws):
            assert receive_json(ws)["data"]["text"] == "Still here after the noise"
    # Mallory can reconnect like anyone else (a closed socket is not a ban).
    with open_stream(server, mallory, event["id"]) as again:
        assert annotate(alice, event, text="And again").status_code == 201
        # It replays what it missed first (after_seq=0), then the new one arrives.
        assert receive_until(again, lambda m: m["data"].get("text") == "And again")
