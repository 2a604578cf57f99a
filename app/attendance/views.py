"""The facilitator's private attendance list page: add and remove people, download it as CSV."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from app.attendance import service
from app.deps import FacilitatedEvent, FacilitatorPage, SessionDep, WriteAsFacilitator
from app.forms import validate
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/events/{event_id}/attendance")
def attendance_page(page: FacilitatorPage) -> Response:
    rows = service.list_attendance(page.session, page.event.id or 0)
    return render(page.request, "events/attendance.html", {"event": page.event, "rows": rows})


@router.post("/events/{event_id}/attendance")
def add_attendance(
    event_id: int,
    write: WriteAsFacilitator,
    name: Annotated[str, Form(max_length=400)],
    hours: Annotated[str, Form(max_length=10)] = "0",
    payment_method: Annotated[str, Form(max_length=400)] = "",
    notes: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        hours_value = float(hours or 0)
    except ValueError:
        hours_value = -1.0
    data = validate(
        service.AttendanceIn,
        {"name": name, "hours": hours_value, "payment_method": payment_method, "notes": notes},
    )
    write.facilitator(event_id, service.add, data)
    return RedirectResponse(f"/events/{event_id}/attendance", status_code=303)


@router.post("/events/{event_id}/attendance/{row_id}/delete")
def remove_attendance(event_id: int, row_id: int, write: WriteAsFacilitator) -> Response:
    write.facilitator(event_id, service.remove, row_id)
    return RedirectResponse(f"/events/{event_id}/attendance", status_code=303)


@router.get("/events/{event_id}/attendance.csv")
def attendance_csv(event_id: int, session: SessionDep, event: FacilitatedEvent) -> Response:
    return Response(
        service.to_csv(service.list_attendance(session, event_id)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="attendance-event-{event_id}.csv"'},
    )
