from typing import Any

from fastapi import APIRouter

from app.deps import CurrentFacilitator, SessionDep, SettingsDep, WriteAsFacilitator, WriteAsParticipant
from app.events import service as events
from app.support import service
from app.support.models import (
    CheckInPublic,
    CheckInSummaryPublic,
    SupportHandledPublic,
    SupportRequestPublic,
)

router = APIRouter(prefix="/api/v1", tags=["support"])


@router.post("/events/{event_id}/support", status_code=201, response_model=SupportRequestPublic)
def request_support(
    event_id: int,
    body: service.SupportIn,
    write: WriteAsParticipant,
) -> dict[str, Any]:
    """A private signal that only the event's facilitators see."""
    request, _messages = write.participant(event_id, service.request_support, body)
    return {"id": request.id, "kind": request.kind.value}


@router.post("/support/{request_id}/handled", response_model=SupportHandledPublic)
def mark_handled(request_id: int, write: WriteAsFacilitator) -> dict[str, Any]:
    write.facilitator(lambda s: service.get_request(s, request_id).event_id, service.mark_handled, request_id)
    return {"id": request_id, "handled": True}


@router.post("/events/{event_id}/check-ins", status_code=201, response_model=CheckInPublic)
def check_in(event_id: int, body: service.CheckInIn, write: WriteAsParticipant) -> dict[str, Any]:
    answer = write.participant(event_id, service.check_in, body)
    return {"moment": answer.moment.value, "feeling": answer.feeling.value}


@router.get("/events/{event_id}/check-ins", response_model=list[CheckInSummaryPublic])
def check_in_summary(
    event_id: int, session: SessionDep, settings: SettingsDep, facilitator: CurrentFacilitator
) -> list[dict[str, Any]]:
    """Totals only, and no breakdown until at least LENSWALK_MIN_GROUP_SIZE people have answered."""
    events.require_facilitator(session, event_id, facilitator.id)
    return [
        {
            "moment": s.moment.value,
            "answered": s.answered,
            "counts": dict(s.counts) if s.counts is not None else None,
        }
        for s in service.check_in_summaries(session, event_id, min_group_size=settings.min_group_size)
    ]
