from typing import Any

from fastapi import APIRouter, Response

from app.annotations import service
from app.annotations.models import Annotation
from app.db import scrub_deleted, transaction
from app.deps import (
    CurrentFacilitator,
    OptionalFacilitator,
    ParticipantTokens,
    ParticipantWrite,
    PublishDep,
    SessionDep,
)
from app.errors import NotFound
from app.events import service as events
from app.participants import service as participants

router = APIRouter(prefix="/api/v1", tags=["annotations"])


def _own_event_id(session: SessionDep, annotation_id: int) -> int:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound("That contribution does not exist, or it was withdrawn.")
    return annotation.event_id


@router.post("/events/{event_id}/annotations", status_code=201, dependencies=[ParticipantWrite])
def add_annotation(
    event_id: int,
    body: service.AnnotationCreate,
    response: Response,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    with transaction(session):
        body_out, messages = service.post_annotation(session, event_id, tokens, body)
    publish(messages)
    if not messages:
        response.status_code = 200  # a retry of a write that was already saved
    return body_out


@router.get("/events/{event_id}/annotations")
def list_annotations(
    event_id: int,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
    mine: bool = False,
) -> list[dict[str, Any]]:
    """Facilitators see hidden annotations too; participants see what the room sees, or with
    `mine=true` only their own."""
    events.get_event(session, event_id)
    if not mine and events.is_facilitator(session, event_id, facilitator.id if facilitator else None):
        rows = service.list_annotations(session, event_id, include_hidden=True)
        return [service.snapshot(session, a) for a in rows]
    participant = participants.require_participant(session, event_id, tokens)
    rows = (
        service.list_mine(session, participant)
        if mine
        else service.list_annotations(session, event_id, include_hidden=False)
    )
    return [
        {k: v for k, v in service.snapshot(session, a).items() if k not in ("hidden", "private") or mine}
        for a in rows
    ]


@router.patch("/annotations/{annotation_id}", dependencies=[ParticipantWrite])
def update_annotation(
    annotation_id: int,
    body: service.AnnotationUpdate,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    with transaction(session):
        participant = participants.require_participant(session, _own_event_id(session, annotation_id), tokens)
        annotation, messages = service.update_annotation(session, participant, annotation_id, body)
        body_out = service.snapshot(session, annotation)
    scrub_deleted(session)
    publish(messages)
    return body_out


@router.delete("/annotations/{annotation_id}", status_code=204, dependencies=[ParticipantWrite])
def withdraw_annotation(
    annotation_id: int, session: SessionDep, tokens: ParticipantTokens, publish: PublishDep
) -> None:
    with transaction(session):
        participant = participants.require_participant(session, _own_event_id(session, annotation_id), tokens)
        messages = service.withdraw_annotation(session, participant, annotation_id)
    scrub_deleted(session)
    publish(messages)


def _set_hidden(
    annotation_id: int, hidden: bool, session: SessionDep, facilitator_id: int, publish: PublishDep
) -> dict[str, Any]:
    with transaction(session):
        event = events.require_facilitator(session, _own_event_id(session, annotation_id), facilitator_id)
        annotation, messages = service.set_hidden(session, event, annotation_id, hidden=hidden)
        body_out = service.snapshot(session, annotation)
    publish(messages)
    return body_out


@router.post("/annotations/{annotation_id}/hide")
def hide_annotation(
    annotation_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> dict[str, Any]:
    return _set_hidden(annotation_id, True, session, facilitator.id or 0, publish)


@router.post("/annotations/{annotation_id}/unhide")
def unhide_annotation(
    annotation_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> dict[str, Any]:
    return _set_hidden(annotation_id, False, session, facilitator.id or 0, publish)
