"""Exports of a big event: 5,000 annotations, 200 improvements and 2,000 votes, seeded through the
service layer (fast, and by the same rules as the API), then each format fetched over HTTP from the
running server as a facilitator. Formats are whatever `GET /api/v1/events/{id}/export/{format}`
supports; without it (or without improvements and voting) the result says 'not available'."""

import statistics
import time
import typing
from typing import Any

import httpx
from sqlmodel import Session

from bench.harness import Room, percentiles

ANNOTATIONS = 5_000
IMPROVEMENTS = 200
VOTES = 2_000
VOTERS = 700  # three one-dot votes each covers 2,000
RUNS = 3


def _formats() -> list[tuple[str, str | None]]:
    from app.exports import formats, service

    found: list[tuple[str, str | None]] = []
    for fmt in typing.get_args(service.Format):
        if fmt == "csv" and hasattr(formats, "Table"):
            found += [("csv", table) for table in typing.get_args(formats.Table)]
        else:
            found.append((fmt, None))
    return found


def seed(database_url: str, event_id: int) -> dict[str, int]:
    from app.annotations import service as annotations
    from app.db import make_engine, transaction
    from app.events import service as events
    from app.improvements import service as improvements
    from app.participants import service as participants
    from app.voting import service as voting
    from app.voting.models import VotingStatus

    engine = make_engine(database_url)
    principles = ["safety", "trust", "choice", "collaboration", "empowerment"]
    try:
        with Session(engine, expire_on_commit=False) as session, transaction(session):
            event = events.get_event(session, event_id)
            tps = [tp["id"] for tp in _touchpoints(session, event)]
            team_ids = [view.team.id for view in events.teams(session, event_id)]
            people = [
                participants.join(
                    session,
                    participants.JoinRequest(
                        join_code=event.join_code, team_id=team_ids[i % len(team_ids)] if team_ids else None
                    ),
                    tokens=[],
                ).participant
                for i in range(VOTERS)
            ]
            ids: list[int] = []
            for k in range(ANNOTATIONS):
                annotation, _ = annotations.add_annotation(
                    session,
                    event,
                    people[k % len(people)],
                    annotations.AnnotationCreate(
                        touchpoint_id=tps[k % len(tps)],
                        kind=("barrier", "strength", "idea")[k % 3],
                        principles=[principles[k % 5], principles[(k + 2) % 5]],
                        text=f"Observation {k}: people have to retell their story at every assessment.",
                    ),
                )
                ids.append(annotation.id or 0)
            made = []
            for i in range(IMPROVEMENTS):
                improvement, *_ = _as_tuple(
                    improvements.add_improvement(
                        session,
                        event,
                        improvements.ImprovementCreate(
                            title=f"Improvement {i}: one shared assessment, told once",
                            annotation_ids=ids[i * 5 : i * 5 + 5],
                            driver=_first_driver(),
                        ),
                    )
                )
                made.append(improvement.id)
            voting.set_status(session, event, VotingStatus.open)
            votes = 0
            for i, person in enumerate(people):
                for j in range(3):
                    if votes >= VOTES:
                        break
                    voting.cast_vote(session, event, person, made[(i * 3 + j) % len(made)], 1)
                    votes += 1
    finally:
        engine.dispose()
    return {"annotations": ANNOTATIONS, "improvements": IMPROVEMENTS, "votes": votes}


def _touchpoints(session: Session, event: Any) -> list[dict[str, Any]]:
    from app.journeys import service as journeys

    return [
        {"id": tp.id} for view in journeys.stages(session, event.journey_map_id) for tp in view.touchpoints
    ]


def _first_driver() -> Any:
    from app.improvements.models import Driver

    return next(iter(Driver))


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def run(room: Room, database_url: str) -> dict[str, Any]:
    try:
        formats = _formats()
        seeded = seed(database_url, room.id)
    except (ImportError, AttributeError, TypeError) as exc:
        return {"available": False, "reason": f"exports are not available on this branch ({exc})"}
    results: dict[str, Any] = {}
    with httpx.Client(base_url=room.base_url, cookies=room.facilitator_cookies, timeout=120) as c:
        for fmt, table in formats:
            label = f"{fmt}:{table}" if table else fmt
            times: list[float] = []
            size = 0
            status = 0
            for _ in range(RUNS):
                t0 = time.monotonic()
                response = c.get(
                    f"/api/v1/events/{room.id}/export/{fmt}", params={"table": table} if table else None
                )
                times.append(time.monotonic() - t0)
                status, size = response.status_code, len(response.content)
            results[label] = {
                "status": status,
                "bytes": size,
                "median_s": round(statistics.median(times), 3),
                "max_s": round(max(times), 3),
                "ms": percentiles(times),
            }
    return {"available": True, "seeded": seeded, "formats": results}
