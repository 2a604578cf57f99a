"""Dot voting and the priority list over JSON."""

from typing import Any

from fastapi import APIRouter

from app.db import transaction
from app.deps import (
    CurrentFacilitator,
    OptionalFacilitator,
    ParticipantTokens,
    ParticipantWrite,
    PublishDep,
    SessionDep,
    SettingsDep,
)
from app.events import service as events
from app.improvements import service as improvements
from app.participants import service as participants
from app.voting import priorities, service

router = APIRouter(prefix="/api/v1", tags=["voting"])


@router.get("/events/{event_id}/voting")
def get_voting(
    event_id: int, session: SessionDep, facilitator: OptionalFacilitator, tokens: ParticipantTokens
) -> dict[str, Any]:
    """Whether voting is open, the budget, and (for a participant) their own dots and what is left."""
    event = events.get_event(session, event_id)
    body = service.voting_state(event)
    if not events.is_facilitator(session, event_id, facilitator.id if facilitator else None):
        participant = participants.require_participant(session, event_id, tokens)
        body["mine"] = service.my_votes(session, event, participant).to_dict()
    return body


@router.patch("/events/{event_id}/voting")
def change_voting(
    event_id: int,
    body: service.VotingSettings,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """Open or close voting, set the budget and the most dots on one improvement, reveal the
    tally, let participants group. The tally stays hidden from participants until revealed."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        messages = service.change_voting(session, event, body)
        out = service.voting_state(event)
    publish(messages)
    return out


@router.put("/improvements/{improvement_id}/vote", dependencies=[ParticipantWrite])
def cast_vote(
    improvement_id: int,
    body: service.VoteCast,
    session: SessionDep,
    tokens: ParticipantTokens,
    publish: PublishDep,
) -> dict[str, Any]:
    """Set your dots on one improvement (0 takes them off). Spending more than your budget is a 409."""
    with transaction(session):
        event_id = improvements.get_improvement(session, improvement_id).event_id
        event = events.get_event(session, event_id)
        participant = participants.require_participant(session, event_id, tokens)
        mine, messages = service.cast_vote(session, event, participant, improvement_id, body.dots)
    publish(messages)
    return mine.to_dict()


@router.get("/events/{event_id}/priorities")
def get_priorities(
    event_id: int,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
) -> dict[str, Any]:
    """Improvements ranked by votes (ties: more barriers, then more touchpoints, then more
    vignettes), each with `title`, `votes` and its evidence. Participants see `votes` only once the
    facilitator reveals the tally; before that, `rank` and `votes` are null."""
    event = events.get_event(session, event_id)
    is_facilitator = events.is_facilitator(session, event_id, facilitator.id if facilitator else None)
    if not is_facilitator:
        participants.require_participant(session, event_id, tokens)
    return priorities.get_priority_list(
        session, event, min_group_size=settings.min_group_size, facilitator=is_facilitator
    )
