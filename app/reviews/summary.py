"""A review's summary as Markdown and PDF (the exports' own page and fonts, app/exports/pdf.py),
and the plan's review dates as an `.ics` calendar."""

import datetime as dt
from dataclasses import dataclass

from fpdf.enums import XPos, YPos
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlmodel import Session

from app.actions.models import STATUS_LABELS, Action
from app.events.models import Event
from app.exports.formats import md
from app.exports.pdf import FAMILY, Document
from app.reviews import service
from app.reviews.models import Review, StatusChange
from app.timeutil import utcnow


@dataclass
class Summary:
    event: Event
    review: Review
    changes: list[tuple[Action, StatusChange]]
    overdue: list[Action]
    next_review: dt.date

    @property
    def title(self) -> str:
        return f"Review of {self.event.title}, {self.review.held_on.strftime('%-d %B %Y')}"

    @property
    def filename(self) -> str:
        return f"lenswalk-review-{self.event.id}-{self.review.held_on.isoformat()}"

    @property
    def attendance(self) -> str:
        people = sum(int(a["count"]) for a in self.review.attendees)
        if not people:
            return "Who took part was not recorded."
        roles = ", ".join(f"{a['count']} {a['role']}" for a in self.review.attendees)
        return f"{people} {'person' if people == 1 else 'people'} took part: {roles}."


def summary(session: Session, event: Event, review_id: int) -> Summary:
    review = service.get_review(session, event, review_id)
    changes = service.changes_by_review(session, event.id or 0).get(review_id, [])
    now = service.standing(session, event)
    return Summary(event, review, changes, now.overdue, now.next_review)


def to_markdown(s: Summary) -> bytes:
    out = [f"# {md(s.title)}", "", md(s.attendance), "", "## Actions", ""]
    if not s.changes:
        out += ["No action's status was reviewed.", ""]
    for action, change in s.changes:
        out.append(f"- **{md(action.what)}** ({md(action.owner)}): {STATUS_LABELS[change.status]}")
        if change.note:
            out.append(f"  - {md(change.note)}")
        if change.evidence_url:
            out.append(f"  - Evidence: <{change.evidence_url}>")
    out += ["", "## Overdue today", ""]
    out += [f"- {md(a.what)}: due {a.due.isoformat()}" for a in s.overdue] or ["Nothing is overdue."]
    out += ["", f"Next review: {s.next_review.isoformat()}.", ""]
    return "\n".join(out).encode("utf-8")


def to_pdf(s: Summary) -> bytes:
    doc = Document(s.title)
    doc.add_page()
    doc.set_font(FAMILY, "B", 18)
    doc.multi_cell(0, 8, doc.clean(s.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.para(s.attendance, size=11, height=6)
    doc.heading("Actions")
    if not s.changes:
        doc.para("No action's status was reviewed.")
    for action, change in s.changes:
        doc.set_font(FAMILY, "B", 10)
        doc.multi_cell(0, 5, doc.clean(f"• {action.what}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.para(f"{action.owner} · {STATUS_LABELS[change.status]}", size=9, height=4.5)
        if change.note:
            doc.para(change.note, size=9, height=4.5)
        if change.evidence_url:
            doc.para(f"Evidence: {change.evidence_url}", size=9, height=4.5)
        doc.ln(1)
    doc.heading("Overdue today")
    for a in s.overdue:
        doc.para(f"{a.what}: due {a.due.strftime('%-d %B %Y')}")
    if not s.overdue:
        doc.para("Nothing is overdue.")
    doc.heading("Next review")
    doc.para(s.next_review.strftime("%-d %B %Y"))
    return bytes(doc.output())


def to_ics(session: Session, event: Event, *, host: str) -> bytes:
    """Each review held and the next ones scheduled, as all-day events (no times, no people)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Lenswalk//Review dates//EN")
    calendar.add("version", "2.0")
    held = {r.held_on for r in service.event_reviews(session, event.id or 0)}
    stamp = utcnow()
    for day in service.review_dates(session, event):
        entry = CalendarEvent()
        entry.add("uid", f"review-{event.id}-{day.isoformat()}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", day)
        entry.add("dtend", day + dt.timedelta(days=1))
        entry.add("summary", f"{'Plan review held' if day in held else 'Plan review'}: {event.title}")
        calendar.add_component(entry)
    content: bytes = calendar.to_ical()
    return content
