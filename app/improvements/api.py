"""Improvements over JSON: group annotations, rename, retag, merge, split, remove."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from app.db import transaction
from app.deps import CurrentFacilitator, OptionalFacilitator, ParticipantTokens, PublishDep, SessionDep
from app.events import service as events
from app.events.models import Event
from app.improvements import service
from app.improvements.models import Improvement
from app.roomlog.service import RoomMessage

router = APIRouter(prefix="/api/v1", tags=["improvements"])


def _event_of(session: SessionDep, improvement_id: int) -> int:
    return service.get_improvement(session, improvement_id).event_id


def _grouper(
    session: SessionDep, event_id: int, facilitator: OptionalFacilitator, tokens: ParticipantTokens
) -> tuple[Event, service.Grouper]:
    event = events.get_event(session, event_id)
    who = service.identify_grouper(
        session, event, facilitator_id=facilitator.id if facilitator else None, tokens=tokens
    )
    return event, who


@router.get("/events/{event_id}/improvements")
def list_improvements(
    event_id: int, session: SessionDep, facilitator: OptionalFacilitator, tokens: ParticipantTokens
) -> list[dict[str, Any]]:
    """Every improvement with the ids of the annotations behind it (its evidence)."""
    _grouper(session, event_id, facilitator, tokens)
    return [service.describe(session, i) for i in service.list_improvements(session, event_id)]


@router.post("/events/{event_id}/improvements", status_code=201)
def add_improvement(
    event_id: int,
    body: service.ImprovementCreate,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    """Group annotations under a short title. Facilitators always; participants when allowed."""
    with transaction(session):
        event, who = _grouper(session, event_id, facilitator, tokens)
        improvement, messages = service.add_improvement(session, event, body, who)
        out = service.describe(session, improvement)
    publish(messages)
    return out


def _change(
    improvement_id: int,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
    publish: PublishDep,
    apply: Callable[[Event, service.Grouper], tuple[Improvement, list[RoomMessage]]],
) -> dict[str, Any]:
    with transaction(session):
        event, who = _grouper(session, _event_of(session, improvement_id), facilitator, tokens)
        improvement, messages = apply(event, who)
        out = service.describe(session, improvement)
    publish(messages)
    return out


@router.patch("/improvements/{improvement_id}")
def update_improvement(
    improvement_id: int,
    body: service.ImprovementUpdate,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    """Rename or retag; replace the evidence (`annotation_ids`) or add and remove some."""
    return _change(
        improvement_id,
        session,
        facilitator,
        tokens,
        publish,
        lambda event, who: service.update_improvement(session, event, improvement_id, body, who),
    )


@router.post("/improvements/{improvement_id}/merge")
def merge_improvement(
    improvement_id: int,
    body: service.ImprovementMerge,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    """Fold this improvement into `into`; returns the improvement that remains."""
    return _change(
        improvement_id,
        session,
        facilitator,
        tokens,
        publish,
        lambda event, who: service.merge_improvements(session, event, improvement_id, body, who),
    )


@router.post("/improvements/{improvement_id}/split", status_code=201)
def split_improvement(
    improvement_id: int,
    body: service.ImprovementSplit,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    """Move some of the evidence into a new improvement; returns the new one."""
    return _change(
        improvement_id,
        session,
        facilitator,
        tokens,
        publish,
        lambda event, who: service.split_improvement(session, event, improvement_id, body, who),
    )


@router.delete("/improvements/{improvement_id}", status_code=204)
def remove_improvement(
    improvement_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> None:
    """Facilitators only. Dots placed on it go back to the participants."""
    with transaction(session):
        event = events.require_facilitator(session, _event_of(session, improvement_id), facilitator.id)
        messages = service.remove_improvement(session, event, improvement_id)
    publish(messages)
