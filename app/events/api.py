from typing import Any

from fastapi import APIRouter, Request, Response

from app.db import transaction
from app.deps import (
    CurrentFacilitator,
    OptionalFacilitator,
    ParticipantTokens,
    PublishDep,
    SessionDep,
    SettingsDep,
    join_url,
)
from app.events import service
from app.participants import service as participants

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.post("/events", status_code=201)
def create_event(
    body: service.EventCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
) -> dict[str, Any]:
    with transaction(session):
        event = service.create_event(session, body, facilitator_id=facilitator.id or 0)
    return service.describe(
        session, event, join_url=join_url(request, settings, event.join_code), for_facilitator=True
    )


@router.get("/events/{event_id}")
def get_event(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
) -> dict[str, Any]:
    event = service.get_event(session, event_id)
    is_facilitator = service.is_facilitator(session, event_id, facilitator.id if facilitator else None)
    if not is_facilitator:
        participants.require_participant(session, event_id, tokens)
    return service.describe(
        session,
        event,
        join_url=join_url(request, settings, event.join_code),
        for_facilitator=is_facilitator,
    )


@router.patch("/events/{event_id}")
def update_settings(
    event_id: int,
    body: service.EventSettings,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
) -> dict[str, Any]:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        service.update_settings(session, event, body)
    return service.describe(
        session, event, join_url=join_url(request, settings, event.join_code), for_facilitator=True
    )


@router.post("/events/{event_id}/reopen")
def reopen_event(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        messages = service.reopen(session, event)
    publish(messages)
    return service.describe(
        session, event, join_url=join_url(request, settings, event.join_code), for_facilitator=True
    )


@router.post("/events/{event_id}/facilitators")
def add_facilitator(
    event_id: int,
    body: service.FacilitatorAdd,
    response: Response,
    session: SessionDep,
    facilitator: CurrentFacilitator,
) -> dict[str, Any]:
    """Add a co-facilitator: someone who already has a facilitator account on this Lenswalk."""
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        _other, added = service.add_facilitator(session, event, email=body.email)
    response.status_code = 201 if added else 200
    return {"facilitators": service.facilitator_emails(session, event_id)}
