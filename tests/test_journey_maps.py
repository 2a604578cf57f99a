"""Journey maps in and out of spreadsheets, saving an event's map as a template, and the library."""

import base64
import csv
import io
import tomllib
from pathlib import Path
from typing import Any

import httpx
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from app.settings import Settings
from tests.conftest import LiveServer, client, create_event, join

MAPS = Path(__file__).resolve().parent.parent / "app" / "journeys" / "maps"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def big_map() -> list[dict[str, Any]]:
    """12 stages, 60 touchpoints, with stage descriptions and a lens question on every touchpoint."""
    return [
        {
            "name": f"Stage {s + 1}: {'first contact' if s == 0 else 'later'}",
            "description": f"What happens in stage {s + 1}, in plain words.",
            "touchpoints": [
                {"name": f"Touchpoint {s + 1}.{t + 1}", "prompt": f"Do I feel safe at step {s + 1}.{t + 1}?"}
                for t in range(5)
            ],
        }
        for s in range(12)
    ]


def rows_of(stages: list[dict[str, Any]]) -> list[list[str]]:
    rows = [["Stage", "Touchpoint", "Stage description", "Lens question"]]
    for stage in stages:
        for i, tp in enumerate(stage["touchpoints"]):
            rows.append([stage["name"], tp["name"], stage["description"] if i == 0 else "", tp["prompt"]])
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def as_xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(c: httpx.Client, filename: str, body: bytes, **fields: Any) -> httpx.Response:
    payload = {"filename": filename, "content_base64": base64.b64encode(body).decode(), **fields}
    return c.post("/api/v1/journey-maps/import", json=payload)


def full_map(c: httpx.Client, map_id: int, fmt: str = "csv") -> list[dict[str, Any]]:
    """The map as read back through its export: names, descriptions and lens questions."""
    response = c.get(f"/api/v1/journey-maps/{map_id}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        assert response.headers["content-type"] == XLSX
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [h.lower() for h in rows[0]] == ["stage", "touchpoint", "stage description", "lens question"]
    stages: dict[str, dict[str, Any]] = {}
    for stage, tp, description, prompt in rows[1:]:
        entry = stages.setdefault(stage, {"name": stage, "description": description, "touchpoints": []})
        if tp:
            entry["touchpoints"].append({"name": tp, "prompt": prompt})
    return list(stages.values())


def count(db: Any, table: str) -> int:
    with db.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_an_xlsx_and_a_csv_of_12_stages_and_60_touchpoints_import_and_export_unchanged(
    facilitator: httpx.Client,
) -> None:
    expected = big_map()
    for filename, body in (
        ("walk.xlsx", as_xlsx(rows_of(expected))),
        ("walk.csv", as_csv(rows_of(expected))),
    ):
        response = upload(facilitator, filename, body, name=f"Imported {filename}")
        assert response.status_code == 201, response.text
        made = response.json()
        assert made["is_template"] and made["name"] == f"Imported {filename}"
        assert len(made["stages"]) == 12 and sum(len(s["touchpoints"]) for s in made["stages"]) == 60
        for fmt in ("csv", "xlsx"):
            assert full_map(facilitator, made["id"], fmt) == expected
            # The exported file imports again to the same map.
            exported = facilitator.get(f"/api/v1/journey-maps/{made['id']}/export", params={"format": fmt})
            again = upload(facilitator, f"again.{fmt}", exported.content)
            assert again.status_code == 201, again.text
            assert full_map(facilitator, again.json()["id"]) == expected
        # The library lists it, to start an event from.
        names = [m["name"] for m in facilitator.get("/api/v1/journey-maps").json()]
        assert f"Imported {filename}" in names


def test_a_file_with_three_bad_rows_is_refused_whole_naming_every_row(
    facilitator: httpx.Client, db: Any
) -> None:
    rows = rows_of(big_map())
    rows[4][1] = ""  # row 5: no touchpoint name
    rows[9][3] = '=HYPERLINK("http://example.invalid")'  # row 10: a formula
    rows[13][0] = "  "  # row 14: no stage name
    before = count(db, "journey_map"), count(db, "touchpoint")
    for filename, body in (("bad.csv", as_csv(rows)), ("bad.xlsx", as_xlsx(rows))):
        response = upload(facilitator, filename, body)
        assert response.status_code == 422, response.text
        message = response.json()["detail"]
        assert "Nothing was imported" in message
        assert "row 5: touchpoint name is empty" in message
        assert "row 10: the lens question is a formula" in message
        assert "row 14: stage name is empty" in message
    assert (count(db, "journey_map"), count(db, "touchpoint")) == before


def test_bad_files_get_a_clear_refusal_and_change_nothing(
    facilitator: httpx.Client, server: LiveServer, db: Any
) -> None:
    before = count(db, "journey_map"), count(db, "touchpoint")
    crowded = [["stage", "touchpoint"]] + [["Waiting", f"Moment {i}"] for i in range(200)]
    cases = {
        "crowded.csv": (as_csv(crowded), "has more than 30 touchpoints"),
        "notes.txt": (b"stage,touchpoint\nA,B\n", "Choose a .csv or .xlsx file"),
        "headless.csv": (b"name,where\nA,B\n", "Missing: stage, touchpoint"),
        "broken.xlsx": (b"PK\x03\x04 not really a workbook", "cannot be read"),
        "latin.csv": ("stage,touchpoint\nCaf\xe9,B\n".encode("latin-1"), "not UTF-8"),
        "empty.csv": (b"", "empty"),
    }
    for filename, (body, words) in cases.items():
        response = upload(facilitator, filename, body)
        assert response.status_code == 422, (filename, response.text)
        assert words in response.json()["detail"], (filename, response.text)
    # A formula typed into an XLSX cell is a formula cell, refused with its row.
    formula = as_xlsx([["stage", "touchpoint"], ["Arriving", "=1+1"]])
    response = upload(facilitator, "formula.xlsx", formula)
    assert response.status_code == 422
    assert "row 2: the touchpoint name is a formula" in response.json()["detail"]
    # A 50 MB upload is refused before it is read.
    huge = b"stage,touchpoint\n" + b"a,b\n" * (50 * 1024 * 1024 // 4)
    response = upload(facilitator, "huge.csv", huge)
    assert response.status_code == 413 and "at most" in response.text
    # The page's form is refused the same way.
    response = facilitator.post("/journey-maps/import", files={"file": ("huge.csv", huge)})
    assert response.status_code == 413 and "at most" in response.text
    # Without signing in, nothing can be imported.
    assert upload(client(server), "walk.csv", as_csv(rows_of(big_map()))).status_code == 401
    assert (count(db, "journey_map"), count(db, "touchpoint")) == before


def test_a_draft_event_takes_an_imported_map_and_an_open_one_refuses_it(
    facilitator: httpx.Client, db: Any
) -> None:
    draft = create_event(facilitator, open=False)
    rows = [
        ["stage", "touchpoint", "lens question"],
        ["Arriving", "Reception", "Am I greeted by name?"],
        ["Leaving", "Last appointment", "Do I know how to come back?"],
        ["Arriving", "Waiting room", "Is it calm?"],
    ]
    response = upload(facilitator, "ours.csv", as_csv(rows), event_id=draft["id"])
    assert response.status_code == 201, response.text
    assert response.json()["event_id"] == draft["id"] and not response.json()["is_template"]
    event = facilitator.get(f"/api/v1/events/{draft['id']}").json()
    assert [(s["name"], [t["name"] for t in s["touchpoints"]]) for s in event["stages"]] == [
        ("Arriving", ["Reception", "Waiting room"]),
        ("Leaving", ["Last appointment"]),
    ]
    assert event["stages"][0]["touchpoints"][1]["prompt"] == "Is it calm?"

    # A bad file leaves the draft's map exactly as it was.
    bad = upload(facilitator, "bad.csv", as_csv([*rows, ["Leaving", ""]]), event_id=draft["id"])
    assert bad.status_code == 422 and "row 5: touchpoint name is empty" in bad.json()["detail"]
    assert facilitator.get(f"/api/v1/events/{draft['id']}").json()["stages"] == event["stages"]

    opened = create_event(facilitator)
    tps = count(db, "touchpoint")
    refused = upload(facilitator, "ours.csv", as_csv(rows), event_id=opened["id"])
    assert refused.status_code == 409 and "before the event opens" in refused.json()["detail"]
    assert count(db, "touchpoint") == tps


def test_save_an_events_map_as_a_template_keeps_its_edits(
    facilitator: httpx.Client, server: LiveServer
) -> None:
    draft = create_event(facilitator, open=False, title="Harbour walk, March")
    stage = draft["stages"][0]
    tp = stage["touchpoints"][0]
    # Renamed with its own lens question, through the event page's form.
    response = facilitator.post(
        f"/events/{draft['id']}/touchpoints/{tp['id']}",
        data={
            "action": "rename",
            "name": "Hearing about us from friends",
            "description": "Would I tell a friend?",
        },
    )
    assert response.status_code == 303
    response = facilitator.post(
        f"/events/{draft['id']}/stages/{stage['id']}/touchpoints",
        data={"name": "Our Instagram page", "description": "Does it sound like people who would get me?"},
    )
    assert response.status_code == 303
    saved = facilitator.post(
        f"/events/{draft['id']}/journey-map/save-as-template", data={"name": "Harbour map"}
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith("/journey-maps#map-")
    template = next(m for m in facilitator.get("/api/v1/journey-maps").json() if m["name"] == "Harbour map")
    first = full_map(facilitator, template["id"])[0]["touchpoints"]
    assert first[0] == {"name": "Hearing about us from friends", "prompt": "Would I tell a friend?"}
    assert first[-1] == {
        "name": "Our Instagram page",
        "prompt": "Does it sound like people who would get me?",
    }

    # The next event starts from it, and a phone shows the new lens question under the touchpoint.
    nxt = create_event(facilitator, journey_map_id=template["id"])
    assert nxt["stages"][0]["touchpoints"][0]["prompt"] == "Would I tell a friend?"
    phone = join(server, nxt)
    journey = phone.get(f"/events/{nxt['id']}/journey")
    assert journey.status_code == 200, journey.status_code
    assert "Would I tell a friend?" in journey.text

    # An event's own map is exported only to its facilitators.
    map_id = facilitator.get(f"/api/v1/events/{nxt['id']}").json()["journey_map_id"]
    assert facilitator.get(f"/api/v1/journey-maps/{map_id}/export").status_code == 200
    assert client(server).get(f"/api/v1/journey-maps/{map_id}/export").status_code == 401
    assert phone.get(f"/api/v1/journey-maps/{map_id}/export").status_code == 401


def test_every_library_map_loads_has_a_lens_question_per_touchpoint_and_makes_an_event(
    facilitator: httpx.Client, settings: Settings, server: LiveServer
) -> None:
    files = sorted(MAPS.glob("*.toml"))
    assert len(files) >= 6  # the substance use service, four or more others, and the blank map
    library = {m["slug"]: m for m in facilitator.get("/api/v1/journey-maps").json() if m["slug"]}
    for path in files:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        slug = raw.get("slug") or path.stem
        assert slug in library, slug
        assert "Adapt first" in raw["description"] or slug == "substance-use-service", slug
        for stage in raw["stages"]:
            for tp in stage.get("touchpoints", []):
                assert tp.get("prompt", "").strip(), (slug, tp["name"])
        if slug not in ("substance-use-service", "blank"):
            assert "https://" in path.read_text(encoding="utf-8"), f"{slug} cites no public report"
            assert sum(len(s.get("touchpoints", [])) for s in raw["stages"]) >= 8, slug
        event = create_event(facilitator, journey_map_id=library[slug]["id"], title=f"Walk: {raw['name']}")
        assert [s["name"] for s in event["stages"]] == [s["name"] for s in raw["stages"]]
        phone = join(server, event)
        assert phone.get(f"/events/{event['id']}/journey").status_code == 200
        # The board and the console show it too (the blank map's one empty stage included).
        assert facilitator.get(f"/events/{event['id']}/board").status_code == 200
        assert facilitator.get(f"/events/{event['id']}/console").status_code == 200
