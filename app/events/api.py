from typing import Any

from fastapi import APIRouter, Request

from app.deps import (
    OptionalFacilitator,
    ParticipantTokens,
    SessionDep,
    SettingsDep,
    WriteAsFacilitator,
    join_url,
)
from app.events import service
from app.events.models import EventPublic
from app.participants import service as participants

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.post("/events", status_code=201, response_model=EventPublic, response_model_exclude_unset=True)
def create_event(
    body: service.EventCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    event = write.account(service.create_event, body, facilitator_id=write.signed_in_id)
    return service.describe(
        session, event, join_url=join_url(request, settings, event.join_code), for_facilitator=True
    )


@router.get("/events/{event_id}", response_model=EventPublic, response_model_exclude_unset=True)
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


@router.patch("/events/{event_id}", response_model=EventPublic, response_model_exclude_unset=True)
def update_settings(
    event_id: int,
    body: service.EventSettings,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    event = write.facilitator(event_id, service.update_settings, body)
    return service.describe(
        session, event, join_url=join_url(request, settings, event.join_code), for_facilitator=True
    )


@router.post("/events/{event_id}/reopen", response_model=EventPublic, response_model_exclude_unset=True)
def reopen_event(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    write.facilitator(event_id, service.reopen)
    event = service.get_event(session, event_id)
    return service.describe(
        session, event, join_url=join_url(request, settings, event.join_code), for_facilitator=True
    )
