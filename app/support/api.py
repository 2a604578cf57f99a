from typing import Any

from fastapi import APIRouter

from app.db import transaction
from app.deps import CurrentFacilitator, ParticipantTokens, PublishDep, SessionDep, SettingsDep
from app.errors import NotFound
from app.events import service as events
from app.participants import service as participants
from app.support import service
from app.support.models import SupportRequest

router = APIRouter(prefix="/api/v1", tags=["support"])


@router.post("/events/{event_id}/support", status_code=201)
def request_support(
    event_id: int,
    body: service.SupportIn,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    """A private signal that only the event's facilitators see."""
    with transaction(session):
        event = events.get_event(session, event_id)
        participant = participants.require_participant(session, event_id, tokens)
        request, messages = service.request_support(session, event, participant, body)
    publish(messages)
    return {"id": request.id, "kind": request.kind.value}


@router.post("/support/{request_id}/handled")
def mark_handled(
    request_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> dict[str, Any]:
    request = session.get(SupportRequest, request_id)
    if request is None:
        raise NotFound("That request does not exist.")
    with transaction(session):
        event = events.require_facilitator(session, request.event_id, facilitator.id)
        messages = service.mark_handled(session, event, request_id)
    publish(messages)
    return {"id": request_id, "handled": True}


@router.post("/events/{event_id}/check-ins", status_code=201)
def check_in(
    event_id: int, body: service.CheckInIn, session: SessionDep, tokens: ParticipantTokens
) -> dict[str, Any]:
    with transaction(session):
        event = events.get_event(session, event_id)
        participant = participants.require_participant(session, event_id, tokens)
        answer = service.check_in(session, event, participant, body)
    return {"moment": answer.moment.value, "feeling": answer.feeling.value}


@router.get("/events/{event_id}/check-ins")
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
