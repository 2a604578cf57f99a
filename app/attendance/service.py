"""The facilitator's private attendance list, for paying people for their time."""

import csv
import io

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from app.attendance.models import Attendance
from app.errors import Invalid, NotFound
from app.events.models import Event

MAX_ROWS = 500


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=120)
    hours: float = Field(default=0, ge=0, le=24)
    payment_method: str = Field(default="", max_length=120)
    notes: str = Field(default="", max_length=500)


def list_attendance(session: Session, event_id: int) -> list[Attendance]:
    return list(
        session.exec(select(Attendance).where(Attendance.event_id == event_id).order_by(col(Attendance.id)))
    )


def add(session: Session, event: Event, data: AttendanceIn) -> Attendance:
    if len(list_attendance(session, event.id or 0)) >= MAX_ROWS:
        raise Invalid(f"The list can hold at most {MAX_ROWS} people.")
    row = Attendance(event_id=event.id or 0, **data.model_dump())
    session.add(row)
    session.flush()
    return row


def remove(session: Session, event: Event, row_id: int) -> None:
    row = session.get(Attendance, row_id)
    if row is None or row.event_id != event.id:
        raise NotFound("That person is not on this event's list.")
    session.delete(row)


def to_csv(rows: list[Attendance]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Name", "Hours", "Payment method", "Notes"])
    for row in rows:
        # A leading = + - @ would make a spreadsheet treat a name as a formula.
        writer.writerow([_cell(row.name), row.hours, _cell(row.payment_method), _cell(row.notes)])
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
