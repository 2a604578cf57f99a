"""Events deleted on schedule: each event has a delete-after date (the instance's default after
closing, or one its facilitators choose), shown on its page with a warning 14 days before; the
retention sweep then deletes it and everything in it. Time is moved by the sweep's clock, not slept."""

import datetime as dt
import threading
from typing import Any

import httpx
from sqlalchemy import inspect, text

from app.db import make_engine
from app.events.retention import sweep
from app.settings import Settings
from tests.conftest import LiveServer, annotate, create_event, join

DEFAULT_DAYS = 365


def _everything_of(db: Any, event: dict[str, Any]) -> dict[str, int]:
    """Rows that still belong to the event, table by table (the tables with an event_id, the event
    itself and its journey map)."""
    found: dict[str, int] = {}
    with db.connect() as conn:
        for table in inspect(db).get_table_names():
            columns = {c["name"] for c in inspect(db).get_columns(table)}
            if "event_id" in columns:
                n = conn.execute(
                    text(f'SELECT count(*) FROM "{table}" WHERE event_id = :e'), {"e": event["id"]}
                )
                found[table] = n.scalar_one()
        found["event"] = conn.execute(
            text("SELECT count(*) FROM event WHERE id = :e"), {"e": event["id"]}
        ).scalar_one()
        found["journey_map"] = conn.execute(
            text("SELECT count(*) FROM journey_map WHERE id = :m"), {"m": event["journey_map_id"]}
        ).scalar_one()
    return {table: n for table, n in found.items() if n}


def test_an_event_is_deleted_on_its_date_and_warned_about_before(
    server: LiveServer, settings: Settings, facilitator: httpx.Client, db: Any
) -> None:
    event = create_event(facilitator)
    phone = join(server, event)
    assert annotate(phone, event, text="The wait was long and nobody said why.").status_code == 201
    facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    today = dt.datetime.now(dt.UTC).date()

    page = facilitator.get(f"/events/{event['id']}").text
    assert f"will be deleted on <strong>{today + dt.timedelta(days=DEFAULT_DAYS)}</strong>" in page
    assert "before then if you need to keep them" not in page

    # Bad dates are refused with a message, and the date already set is kept.
    for bad, says in [("yesterday", "for example"), (str(today), "after today"), ("2999-01-01", "ten years")]:
        refused = facilitator.post(f"/events/{event['id']}/delete-after", data={"delete_after": bad})
        assert 400 <= refused.status_code < 500 and says in refused.text
    day = today + dt.timedelta(days=10)
    saved = facilitator.post(f"/events/{event['id']}/delete-after", data={"delete_after": str(day)})
    assert saved.status_code == 303
    page = facilitator.get(f"/events/{event['id']}").text
    assert f"will be deleted on {day}" in page and "before then if you need to keep them" in page
    assert f"/api/v1/events/{event['id']}/export/json" in page
    assert facilitator.get(f"/api/v1/events/{event['id']}/export/json").status_code == 200

    engine = make_engine(settings.database_url)
    try:
        assert (
            sweep(engine, default_days=DEFAULT_DAYS, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=9)) == 0
        )
        assert _everything_of(db, event).get("annotation") == 1
        later = dt.datetime.combine(day, dt.time(0, 30), tzinfo=dt.UTC)
        assert sweep(engine, default_days=DEFAULT_DAYS, now=later) == 1
    finally:
        engine.dispose()
    assert _everything_of(db, event) == {}
    assert facilitator.get(f"/events/{event['id']}").status_code == 404


def test_two_instances_sweeping_at_once_delete_each_event_once(
    server: LiveServer, settings: Settings, facilitator: httpx.Client, db: Any
) -> None:
    events = [create_event(facilitator) for _ in range(3)]
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    for event in events:
        facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
        facilitator.post(f"/events/{event['id']}/delete-after", data={"delete_after": str(tomorrow)})
    later = dt.datetime.combine(tomorrow, dt.time(1), tzinfo=dt.UTC)
    engines = [make_engine(settings.database_url) for _ in range(2)]
    results: list[int] = []
    errors: list[BaseException] = []

    def instance(engine: Any) -> None:
        try:
            results.append(sweep(engine, default_days=DEFAULT_DAYS, now=later))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=instance, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for engine in engines:
        engine.dispose()
    assert errors == []
    assert sum(results) >= len(events)
    for event in events:
        assert _everything_of(db, event) == {}
