"""Improvements over JSON: group annotations, rename, retag, merge, split, remove."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlmodel import Session

from app.deps import OptionalFacilitator, ParticipantTokens, SessionDep, WriteAsFacilitator, WriteAsGrouper
from app.improvements import service
from app.improvements.models import ImprovementPublic

router = APIRouter(prefix="/api/v1", tags=["improvements"])


@router.get("/events/{event_id}/improvements", response_model=list[ImprovementPublic])
def list_improvements(
    event_id: int, session: SessionDep, facilitator: OptionalFacilitator, tokens: ParticipantTokens
) -> list[dict[str, Any]]:
    """Every improvement with the ids of the annotations behind it (its evidence)."""
    service.event_grouper(
        session, event_id, facilitator_id=facilitator.id if facilitator else None, tokens=tokens
    )
    return [service.describe(session, i) for i in service.list_improvements(session, event_id)]


@router.post("/events/{event_id}/improvements", status_code=201, response_model=ImprovementPublic)
def add_improvement(
    event_id: int, body: service.ImprovementCreate, session: SessionDep, write: WriteAsGrouper
) -> dict[str, Any]:
    """Group annotations under a short title. Facilitators always; participants when allowed."""
    improvement, _messages = write.grouper(event_id, service.add_improvement, body)
    return service.describe(session, improvement)


def event_of(improvement_id: int) -> Callable[[Session], int]:
    return lambda session: service.get_improvement(session, improvement_id).event_id


@router.patch("/improvements/{improvement_id}", response_model=ImprovementPublic)
def update_improvement(
    improvement_id: int, body: service.ImprovementUpdate, session: SessionDep, write: WriteAsGrouper
) -> dict[str, Any]:
    """Rename or retag; replace the evidence (`annotation_ids`) or add and remove some."""
    improvement, _messages = write.grouper(
        event_of(improvement_id), service.update_improvement, improvement_id, body
    )
    return service.describe(session, improvement)


@router.post("/improvements/{improvement_id}/merge", response_model=ImprovementPublic)
def merge_improvement(
    improvement_id: int, body: service.ImprovementMerge, session: SessionDep, write: WriteAsGrouper
) -> dict[str, Any]:
    """Fold this improvement into `into`; returns the improvement that remains."""
    improvement, _messages = write.grouper(
        event_of(improvement_id), service.merge_improvements, improvement_id, body
    )
    return service.describe(session, improvement)


@router.post("/improvements/{improvement_id}/split", status_code=201, response_model=ImprovementPublic)
def split_improvement(
    improvement_id: int, body: service.ImprovementSplit, session: SessionDep, write: WriteAsGrouper
) -> dict[str, Any]:
    """Move some of the evidence into a new improvement; returns the new one."""
    improvement, _messages = write.grouper(
        event_of(improvement_id), service.split_improvement, improvement_id, body
    )
    return service.describe(session, improvement)


@router.delete("/improvements/{improvement_id}", status_code=204)
def remove_improvement(improvement_id: int, write: WriteAsFacilitator) -> None:
    """Facilitators only. Dots placed on it go back to the participants."""
    write.facilitator(
        event_of(improvement_id), service.remove_improvement, improvement_id, service.FACILITATOR
    )
