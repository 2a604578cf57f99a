"""Every JSON answer of the API is described in /openapi.json, so a client can be generated from it and
schemathesis (tests/test_schemathesis.py) checks each answer against its schema. A new route under
/api/v1 without a response model fails here."""

from typing import Any

import httpx

from tests.conftest import LiveServer, annotate, client, join


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _undescribed(spec: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    """Where a schema says nothing of its shape: empty, or a free-form object (what a `dict[str, Any]`
    return gives), at any depth."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema or "oneOf" in schema:
        return [
            problem
            for option in schema.get("anyOf", schema.get("oneOf", []))
            for problem in _undescribed(spec, option, where)
        ]
    kind = schema.get("type")
    if kind == "array":
        return _undescribed(spec, schema.get("items", {}), f"{where}[]")
    if kind == "object":
        properties: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", not properties)
        problems = [p for name, s in properties.items() for p in _undescribed(spec, s, f"{where}.{name}")]
        if extra is True:
            problems.append(f"{where}: an object of any shape")
        elif isinstance(extra, dict):
            problems += _undescribed(spec, extra, f"{where}{{}}")
        return problems
    if kind in ("string", "integer", "number", "boolean", "null"):
        return []
    return [f"{where}: no type"]


def test_every_api_answer_has_a_response_schema(server: LiveServer) -> None:
    spec = client(server).get("/openapi.json").json()
    checked = 0
    problems: list[str] = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            answers = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
            if not answers:
                problems.append(f"{label}: no 2xx answer documented")
            for code, response in answers.items():
                content = response.get("content", {})
                if code == "204":
                    if content:
                        problems.append(f"{label} 204: a body is documented for no content")
                    continue
                if not content:
                    problems.append(f"{label} {code}: no response schema")
                for media_type, body in content.items():
                    where = f"{label} {code} {media_type}"
                    if "schema" not in body:
                        problems.append(f"{where}: no response schema")
                    else:
                        problems += _undescribed(spec, body["schema"], where)
                checked += 1
    assert checked >= 40
    assert problems == []


def test_a_free_form_answer_is_caught() -> None:
    """The walk above refuses what a route returning `dict[str, Any]` documents, at any depth."""
    spec: dict[str, Any] = {
        "components": {
            "schemas": {
                "Loose": {
                    "type": "object",
                    "properties": {"data": {"type": "object", "additionalProperties": True}},
                },
                "Tight": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
            }
        }
    }
    assert _undescribed(spec, {"type": "object", "additionalProperties": True}, "r") == [
        "r: an object of any shape"
    ]
    assert _undescribed(spec, {}, "r") == ["r: no type"]
    assert _undescribed(spec, {"type": "array", "items": {"$ref": "#/components/schemas/Loose"}}, "r") == [
        "r[].data: an object of any shape"
    ]
    assert _undescribed(spec, {"$ref": "#/components/schemas/Tight"}, "r") == []
    assert _undescribed(spec, {"type": "object", "additionalProperties": {"type": "integer"}}, "r") == []


EVENT_KEYS = {
    "id", "title", "date", "status", "open", "phase", "join_code", "join_url", "dots_per_participant",
    "last_seq", "stages", "teams", "support_info", "changes_close_days",
}  # fmt: skip
ROOM_KEYS = {"phase", "agenda", "timer", "spotlight", "board"}
VOTING_KEYS = {
    "status",
    "dots_per_participant",
    "max_dots_per_improvement",
    "revealed",
    "participants_may_group",
}


def test_what_only_facilitators_see_is_left_out_for_participants_not_sent_as_null(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    """The schemas give the facilitators' fields a default; the answers still leave them out for
    everyone else, as they did before the API was typed."""
    participant = join(server, event)
    annotate(participant, event)
    path = f"/api/v1/events/{event['id']}"

    assert set(participant.get(path).json()) == EVENT_KEYS
    assert set(facilitator.get(path).json()) == EVENT_KEYS | {
        "retention_days",
        "journey_map_id",
        "created_at",
    }

    [seen_by_room] = participant.get(f"{path}/annotations").json()
    assert "hidden" not in seen_by_room and "private" not in seen_by_room
    [mine] = participant.get(f"{path}/annotations", params={"mine": "true"}).json()
    assert mine["hidden"] is False and mine["private"] is False
    [seen_by_facilitator] = facilitator.get(f"{path}/annotations").json()
    assert seen_by_facilitator == mine

    assert set(participant.get(f"{path}/room").json()) == ROOM_KEYS
    assert set(facilitator.get(f"{path}/room").json()) == ROOM_KEYS | {"ready_count", "private_count", "here"}
    moved = facilitator.post(f"{path}/phase", json={"phase": "lens_walk"}).json()
    assert set(moved) == ROOM_KEYS | {"ready_count", "private_count"}

    assert set(facilitator.get(f"{path}/voting").json()) == VOTING_KEYS
    assert set(participant.get(f"{path}/voting").json()) == VOTING_KEYS | {"mine"}
    assert set(participant.get(f"{path}/priorities").json()["voting"]) == VOTING_KEYS
