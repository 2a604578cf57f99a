"""Support pages: a participant asks privately for a break or a check-in, and answers the check-in
questions; a facilitator marks a call for help as handled (from any of their event's pages)."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import ParticipantPage, SessionDep, WriteAsFacilitator, WriteAsParticipant
from app.forms import validate
from app.support import service
from app.support.models import SupportKind
from app.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

SUPPORT_LABELS_BY_VALUE = SupportKind.labels_by_value()
SAME_EVENT_PAGE = re.compile(r"/events/\d+(/[a-z0-9-]+)*")


@router.get("/events/{event_id}/support")
def support_page(page: ParticipantPage, sent: str = "") -> Response:
    return render(
        page.request,
        "participants/support.html",
        {
            "event": page.event,
            "sent": sent in SUPPORT_LABELS_BY_VALUE,
            "sent_label": SUPPORT_LABELS_BY_VALUE.get(sent),
        },
    )


@router.post("/events/{event_id}/support")
def ask_for_support(
    event_id: int,
    write: WriteAsParticipant,
    kind: Annotated[str, Form(max_length=40)],
    place: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    data = validate(service.SupportIn, {"kind": kind, "place": place})
    write.participant(event_id, service.request_support, data)
    return RedirectResponse(f"/events/{event_id}/support?sent={data.kind.value}#sent", status_code=303)


@router.post("/events/{event_id}/check-in")
def check_in(
    event_id: int,
    request: Request,
    session: SessionDep,
    write: WriteAsParticipant,
    moment: Annotated[str, Form(max_length=20)],
    feeling: Annotated[str, Form(max_length=40)],
) -> Response:
    data = validate(service.CheckInIn, {"moment": moment, "feeling": feeling})
    write.participant(event_id, service.check_in, data)
    if is_htmx(request):
        ctx = {
            "event": write.event,
            "my_check_ins": service.my_check_ins(session, write.joined),
            "thanked": True,
        }
        return render(request, "participants/_check_in.html", {**ctx, "moment": data.moment.value})
    target = "closing" if data.moment.value == "leaving" else "journey"
    return RedirectResponse(f"/events/{event_id}/{target}?checked=1#check-in", status_code=303)


@router.post("/events/{event_id}/support/{request_id}/handled")
def support_handled(
    event_id: int,
    request_id: int,
    request: Request,
    write: WriteAsFacilitator,
    next: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    write.facilitator(event_id, service.mark_handled, request_id)
    if is_htmx(request):
        return Response(status_code=204)
    # Back to the facilitator page it was handled from (the banner is on all of them).
    here = f"/events/{event_id}"
    back = next if SAME_EVENT_PAGE.fullmatch(next) and (next + "/").startswith(here + "/") else ""
    return RedirectResponse(back or f"/events/{event_id}/console", status_code=303)
