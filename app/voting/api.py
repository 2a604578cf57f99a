"""Dot voting and the priority list over JSON."""

from typing import Any

from fastapi import APIRouter

from app.deps import (
    OptionalFacilitator,
    ParticipantTokens,
    ParticipantWrite,
    SessionDep,
    SettingsDep,
    WriteAsFacilitator,
    WriteAsParticipant,
)
from app.events import service as events
from app.improvements import service as improvements
from app.participants import service as participants
from app.voting import priorities, service
from app.voting.models import MyVotesPublic, PriorityListPublic, VotingPublic

router = APIRouter(prefix="/api/v1", tags=["voting"])


@router.get("/events/{event_id}/voting", response_model=VotingPublic, response_model_exclude_unset=True)
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


@router.patch("/events/{event_id}/voting", response_model=VotingPublic, response_model_exclude_unset=True)
def change_voting(
    event_id: int,
    body: service.VotingSettings,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """Open or close voting, set the budget and the most dots on one improvement, reveal the
    tally, let participants group. The tally stays hidden from participants until revealed."""
    write.facilitator(event_id, service.change_voting, body)
    return service.voting_state(write.event)


@router.put(
    "/improvements/{improvement_id}/vote", response_model=MyVotesPublic, dependencies=[ParticipantWrite]
)
def cast_vote(
    improvement_id: int,
    body: service.VoteCast,
    write: WriteAsParticipant,
) -> dict[str, Any]:
    """Set your dots on one improvement (0 takes them off). Spending more than your budget is a 409."""
    mine, _messages = write.participant(
        lambda s: improvements.get_improvement(s, improvement_id).event_id,
        service.cast_vote,
        improvement_id,
        body.dots,
    )
    return mine.to_dict()


@router.get(
    "/events/{event_id}/priorities", response_model=PriorityListPublic, response_model_exclude_unset=True
)
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
