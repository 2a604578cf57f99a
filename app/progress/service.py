"""The rules of an event's public progress page: its facilitators choose which priorities and
actions it shows, and publish or unpublish it; anyone with its short code reads a published one."""

import datetime as dt
import secrets

from sqlmodel import Session, col, select

from app.actions.models import Action
from app.errors import Invalid, NotFound
from app.events.models import Event
from app.improvements.models import Improvement
from app.progress.models import CODE_LENGTH, ProgressPage
from app.reviews import service as reviews
from app.roomlog.service import RoomMessage
from app.timeutil import utcnow

# No 0/O, 1/l/I: the code is read off a poster and typed on a phone.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def progress_page(session: Session, event_id: int) -> ProgressPage | None:
    return session.get(ProgressPage, event_id)


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(ProgressPage).where(ProgressPage.code == code)).first() is None:
            return code


def _page_for(session: Session, event: Event) -> ProgressPage:
    page = progress_page(session, event.id or 0)
    if page is None:
        page = ProgressPage(event_id=event.id or 0, code=_new_code(session), updated_on=utcnow().date())
        session.add(page)
    return page


def choose_published(
    session: Session, event: Event, *, improvement_ids: list[int], action_ids: list[int]
) -> tuple[ProgressPage, list[RoomMessage]]:
    """Which priorities, and which of their actions, the page shows. An id from another event, or an
    action whose priority is not chosen, is refused and nothing changes."""
    event_id = event.id or 0
    known = set(session.exec(select(Improvement.id).where(Improvement.event_id == event_id)).all())
    if not set(improvement_ids) <= known:
        raise Invalid("Choose priorities from this event's list.")
    actions = dict(
        session.exec(
            select(Action.id, Action.improvement_id).where(col(Action.id).in_(action_ids or [-1]))
        ).all()
    )
    if set(action_ids) - set(actions) or any(actions[a] not in improvement_ids for a in action_ids):
        raise Invalid("Choose actions of the priorities you publish.")
    page = _page_for(session, event)
    page.improvement_ids = sorted(set(improvement_ids))
    page.action_ids = sorted(set(action_ids))
    page.updated_on = utcnow().date()
    return page, []


def set_published(
    session: Session, event: Event, *, published: bool
) -> tuple[ProgressPage, list[RoomMessage]]:
    page = _page_for(session, event)
    page.published = published
    page.updated_on = utcnow().date()
    return page, []


def published_page(session: Session, code: str) -> tuple[Event, ProgressPage]:
    """The event and its page for a short code, only while published: otherwise "not found", so a
    page taken down looks like one that never was."""
    page = session.exec(select(ProgressPage).where(ProgressPage.code == code.strip().lower())).first()
    event = session.get(Event, page.event_id) if page is not None and page.published else None
    if page is None or event is None:
        raise NotFound("There is no progress page at this address.")
    return event, page


def next_review(session: Session, event: Event) -> dt.date | None:
    """The next review the plan's schedule sets (none once that date has passed unrecorded: a page
    the public reads never promises a date that is already gone)."""
    due = reviews.standing(session, event).next_review
    return due if due >= utcnow().date() else None
