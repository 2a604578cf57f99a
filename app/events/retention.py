"""Retention: after an event's retention period, authors are unlinked from their words and
participant tokens are deleted; `purge_event` deletes an event and everything in it."""

import datetime as dt

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.annotations.models import Annotation
from app.events.models import Event, EventStatus
from app.journeys.models import JourneyMap
from app.participants.models import Participant
from app.support.models import CheckIn
from app.timeutil import utcnow


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
    event = session.get(Event, event_id)
    if event is None:
        return False
    map_id = event.journey_map_id
    session.delete(event)
    session.flush()
    session.execute(delete(JourneyMap).where(col(JourneyMap.id) == map_id))
    return True


def changes_close_at(event: Event) -> dt.datetime | None:
    """When participants can no longer change their words; None while the event is open."""
    if event.status != EventStatus.closed or event.closed_at is None:
        return None
    return _as_utc(event.closed_at) + dt.timedelta(days=event.changes_close_days)
