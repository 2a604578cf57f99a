from typing import Any

from fastapi import APIRouter, Response
from sqlmodel import Session

from app.annotations import service
from app.annotations.models import Annotation, AnnotationPublic
from app.deps import (
    OptionalFacilitator,
    ParticipantTokens,
    ParticipantWrite,
    RoomWrite,
    SessionDep,
    WriteAsFacilitator,
    WriteAsParticipant,
)
from app.errors import NotFound
from app.events import service as events
from app.participants import service as participants

router = APIRouter(prefix="/api/v1", tags=["annotations"])


def own_event_id(session: Session, annotation_id: int) -> int:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound("That contribution does not exist, or it was withdrawn.")
    return annotation.event_id


def change_own_annotation(write: RoomWrite, annotation_id: int, data: service.AnnotationUpdate) -> Annotation:
    """The author changes their words (JSON and page alike); the earlier words are erased."""
    annotation, _messages = write.erasing_words().participant(
        lambda s: own_event_id(s, annotation_id),
        lambda s, _event, participant: service.update_annotation(s, participant, annotation_id, data),
    )
    return annotation


def withdraw_own_annotation(write: RoomWrite, annotation_id: int) -> int:
    """The author withdraws their words for good; returns the event they were in."""
    event_id, _messages = write.erasing_words().participant(
        lambda s: own_event_id(s, annotation_id),
        lambda s, event, participant: (
            event.id or 0,
            service.withdraw_annotation(s, participant, annotation_id),
        ),
    )
    return event_id


@router.post(
    "/events/{event_id}/annotations",
    status_code=201,
    response_model=AnnotationPublic,
    responses={200: {"model": AnnotationPublic, "description": "A retry of a write already saved."}},
    dependencies=[ParticipantWrite],
)
def add_annotation(
    event_id: int,
    body: service.AnnotationCreate,
    response: Response,
    session: SessionDep,
    write: WriteAsParticipant,
) -> dict[str, Any]:
    added, messages = write.device(event_id, service.post_annotation, body)
    if not messages:
        response.status_code = 200  # a retry of a write that was already saved
    return added


@router.get(
    "/events/{event_id}/annotations", response_model=list[AnnotationPublic], response_model_exclude_unset=True
)
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


@router.patch(
    "/annotations/{annotation_id}", response_model=AnnotationPublic, dependencies=[ParticipantWrite]
)
def update_annotation(
    annotation_id: int,
    body: service.AnnotationUpdate,
    session: SessionDep,
    write: WriteAsParticipant,
) -> dict[str, Any]:
    return service.snapshot(session, change_own_annotation(write, annotation_id, body))


@router.delete("/annotations/{annotation_id}", status_code=204, dependencies=[ParticipantWrite])
def withdraw_annotation(annotation_id: int, write: WriteAsParticipant) -> None:
    withdraw_own_annotation(write, annotation_id)


def _set_hidden(annotation_id: int, hidden: bool, session: SessionDep, write: RoomWrite) -> dict[str, Any]:
    annotation, _messages = write.facilitator(
        lambda s: own_event_id(s, annotation_id), service.set_hidden, annotation_id, hidden=hidden
    )
    return service.snapshot(session, annotation)


@router.post("/annotations/{annotation_id}/hide", response_model=AnnotationPublic)
def hide_annotation(annotation_id: int, session: SessionDep, write: WriteAsFacilitator) -> dict[str, Any]:
    return _set_hidden(annotation_id, True, session, write)


@router.post("/annotations/{annotation_id}/unhide", response_model=AnnotationPublic)
def unhide_annotation(annotation_id: int, session: SessionDep, write: WriteAsFacilitator) -> dict[str, Any]:
    return _set_hidden(annotation_id, False, session, write)
