"""Retention: after an event's retention period, authors are unlinked from their words and
participant tokens are deleted; on its delete-after date the event and everything in it is deleted
(`delete_due_events`, run by every instance's hourly sweep); `purge_event` does that at once."""

import datetime as dt
import logging

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.annotations.models import Annotation
from app.db import scrub_deleted, transaction
from app.events.models import Event, EventStatus
from app.journeys.models import JourneyMap
from app.participants.models import Participant
from app.support.models import CheckIn
from app.timeutil import utcnow

log = logging.getLogger("lenswalk.retention")
# Facilitators are warned on the event's page this many days before it is deleted.
WARN_DAYS = 14


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def apply_retention(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Returns the ids of the events whose authors were unlinked."""
    now = now or utcnow()
    due = [
        event
        for event in session.exec(
            select(Event).where(Event.status == EventStatus.closed, col(Event.retention_done).is_(False))
        )
        if event.closed_at and _as_utc(event.closed_at) + dt.timedelta(days=event.retention_days) <= now
    ]
    for event in due:
        session.execute(
            update(Annotation)
            .where(col(Annotation.event_id) == event.id)
            .values(participant_id=None, client_key=None)
        )
        session.execute(update(CheckIn).where(col(CheckIn.event_id) == event.id).values(participant_id=None))
        session.execute(
            update(Participant)
            .where(col(Participant.event_id) == event.id)
            .values(token_hash=None, return_code_hash=None)
        )
        event.retention_done = True
        session.add(event)
    session.flush()
    return [event.id or 0 for event in due]


def purge_event(session: Session, event_id: int) -> bool:
    """Delete the event; the database's cascades delete everything in it. A statement, not the
    ORM's delete, so that when another instance deleted it a moment ago this one just finds nothing."""
    map_id = session.exec(select(Event.journey_map_id).where(Event.id == event_id)).first()
    if map_id is None:
        return False
    gone = session.execute(delete(Event).where(col(Event.id) == event_id))
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    session.execute(delete(JourneyMap).where(col(JourneyMap.id) == map_id))
    return True


def changes_close_at(event: Event) -> dt.datetime | None:
    """When participants can no longer change their words; None while the event is open."""
    if event.status != EventStatus.closed or event.closed_at is None:
        return None
    return _as_utc(event.closed_at) + dt.timedelta(days=event.changes_close_days)


def delete_on(event: Event, default_days: int) -> dt.date | None:
    """The day the event is deleted: its own date, else `default_days` after closing; None while
    it is not closed and has no date of its own."""
    if event.delete_after is not None:
        return event.delete_after
    if event.status != EventStatus.closed or event.closed_at is None:
        return None
    return (_as_utc(event.closed_at) + dt.timedelta(days=default_days)).date()


def deletion_soon(event: Event, default_days: int, today: dt.date) -> bool:
    day = delete_on(event, default_days)
    return day is not None and day - today <= dt.timedelta(days=WARN_DAYS)


def due_for_deletion(session: Session, *, default_days: int, now: dt.datetime | None = None) -> list[int]:
    today = (now or utcnow()).date()
    return [
        event.id or 0
        for event in session.exec(select(Event))
        if (day := delete_on(event, default_days)) is not None and day <= today
    ]


def delete_due_event(
    session: Session, event_id: int, *, default_days: int, now: dt.datetime | None = None
) -> bool:
    """Delete one event whose date has come. Another instance may be deleting it at the same time:
    the row is locked first (skipped if that instance holds it), so only one of them does."""
    today = (now or utcnow()).date()
    event = session.exec(select(Event).where(Event.id == event_id).with_for_update(skip_locked=True)).first()
    day = delete_on(event, default_days) if event else None
    if event is None or day is None or day > today:
        return False
    return purge_event(session, event_id)


def sweep(engine: Engine, *, default_days: int, now: dt.datetime | None = None) -> int:
    """The hourly retention task: unlink authors where due, then delete each event whose date has
    come, one transaction each. Returns how many events were deleted; only that count is logged."""
    with Session(engine) as session, transaction(session):
        unlinked = apply_retention(session, now)
    with Session(engine) as session:
        due = due_for_deletion(session, default_days=default_days, now=now)
    deleted = 0
    for event_id in due:
        with Session(engine) as session, transaction(session):
            deleted += delete_due_event(session, event_id, default_days=default_days, now=now)
    if unlinked or deleted:
        # The earlier row versions still link authors to their words, or hold the deleted event.
        with Session(engine) as session:
            scrub_deleted(session, everything=True)
    if deleted:
        log.info("deleted %d event(s) whose delete-after date had come", deleted)
    return deleted
