"""Dot voting: the room's voting settings and each participant's dots (the priority list they
make is read in `app.voting.priorities`).

A participant's budget is checked under a lock on their own row, so two votes sent at once can
never spend more dots than they have. Votes are anonymous: only totals leave this module, and
totals by "I'm here as" group only for groups of at least the event's minimum size."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, func, select

from app.errors import Conflict, Invalid
from app.events.models import Event, EventStatus
from app.improvements import service as improvements
from app.participants.models import Participant
from app.roomlog.messages import MessageType, VotingChanged
from app.roomlog.service import RoomMessage, record
from app.voting.models import Vote, VotingStatus


class VotingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: VotingStatus | None = None
    dots_per_participant: int | None = Field(default=None, ge=1, le=20)
    max_dots_per_improvement: int | None = Field(default=None, ge=1, le=20)
    revealed: bool | None = None
    participants_may_group: bool | None = None


class VoteCast(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dots: int = Field(ge=0, le=20, description="The caller's dots on this improvement; 0 removes them.")


@dataclass
class MyVotes:
    budget: int
    most_on_one: int
    by_improvement: dict[int, int]

    @property
    def used(self) -> int:
        return sum(self.by_improvement.values())

    @property
    def left(self) -> int:
        return max(self.budget - self.used, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget": self.budget,
            "max_per_improvement": self.most_on_one,
            "used": self.used,
            "left": self.left,
            "votes": {str(k): v for k, v in sorted(self.by_improvement.items())},
        }


def voting_state(event: Event) -> dict[str, Any]:
    return {
        "status": event.voting_status.value,
        "dots_per_participant": event.dots_per_participant,
        "max_dots_per_improvement": event.max_dots_per_improvement,
        "revealed": event.votes_revealed,
        "participants_may_group": event.participants_may_group,
    }


def _most_used(session: Session, event: Event) -> tuple[int, int]:
    """The most dots any participant has spent in all, and on one improvement."""
    per_participant = (
        select(func.sum(Vote.dots).label("used"))
        .where(Vote.event_id == event.id)
        .group_by(col(Vote.participant_id))
        .subquery()
    )
    total = session.exec(select(func.max(per_participant.c.used))).one() or 0
    one = session.exec(select(func.max(Vote.dots)).where(Vote.event_id == event.id)).one() or 0
    return int(total), int(one)


def change_voting(session: Session, event: Event, data: VotingSettings) -> list[RoomMessage]:
    fields = data.model_dump(exclude_unset=True, exclude_none=True)
    if not fields:
        return []
    most_total, most_one = _most_used(session, event)
    if "dots_per_participant" in fields and fields["dots_per_participant"] < most_total:
        raise Conflict(f"Someone has already placed {most_total} dots: the budget cannot be smaller.")
    if "max_dots_per_improvement" in fields and fields["max_dots_per_improvement"] < most_one:
        raise Conflict(
            f"Someone has already placed {most_one} dots on one improvement: it cannot be smaller."
        )
    status = fields.get("status")
    if status == VotingStatus.open and event.status != EventStatus.open:
        raise Conflict("Voting can only open while the event is open.")
    for name, attribute in (
        ("status", "voting_status"),
        ("dots_per_participant", "dots_per_participant"),
        ("max_dots_per_improvement", "max_dots_per_improvement"),
        ("revealed", "votes_revealed"),
        ("participants_may_group", "participants_may_group"),
    ):
        if name in fields:
            setattr(event, attribute, fields[name])
    if event.max_dots_per_improvement > event.dots_per_participant:
        event.max_dots_per_improvement = event.dots_per_participant
    session.add(event)
    session.flush()
    state = VotingChanged.model_validate(voting_state(event))
    return [record(session, event.id or 0, MessageType.VOTING_CHANGED, data=state)]


def set_status(session: Session, event: Event, status: VotingStatus) -> list[RoomMessage]:
    return change_voting(session, event, VotingSettings(status=status))


def my_votes(session: Session, event: Event, participant: Participant) -> MyVotes:
    rows = session.exec(
        select(Vote.improvement_id, Vote.dots).where(
            Vote.event_id == event.id, Vote.participant_id == participant.id
        )
    ).all()
    return MyVotes(
        budget=event.dots_per_participant,
        most_on_one=event.max_dots_per_improvement,
        by_improvement={i: d for i, d in rows},
    )


def cast_vote(
    session: Session, event: Event, participant: Participant, improvement_id: int, dots: int
) -> tuple[MyVotes, list[RoomMessage]]:
    """Set the participant's dots on one improvement (0 takes them off)."""
    # Every vote of one participant waits here for the one before it, on any app instance.
    session.refresh(participant, with_for_update=True)
    if event.status != EventStatus.open or event.voting_status != VotingStatus.open:
        raise Conflict("Voting is not open. The facilitator opens it when the room is ready.")
    improvements.get_event_improvement(session, event, improvement_id)
    if dots > event.max_dots_per_improvement:
        raise Invalid(f"You can put at most {event.max_dots_per_improvement} dots on one improvement.")
    mine = my_votes(session, event, participant)
    elsewhere = mine.used - mine.by_improvement.get(improvement_id, 0)
    if elsewhere + dots > event.dots_per_participant:
        left = event.dots_per_participant - elsewhere
        raise Conflict(
            f"You have {left} dot{'s' if left != 1 else ''} left to place here. "
            "Take dots off another improvement first."
        )
    vote = session.exec(
        select(Vote).where(Vote.improvement_id == improvement_id, Vote.participant_id == participant.id)
    ).first()
    if dots == 0:
        if vote is not None:
            session.delete(vote)
    elif vote is None:
        session.add(
            Vote(
                event_id=event.id or 0,
                improvement_id=improvement_id,
                participant_id=participant.id or 0,
                dots=dots,
            )
        )
    else:
        vote.dots = dots
        session.add(vote)
    session.flush()
    if dots:
        mine.by_improvement[improvement_id] = dots
    else:
        mine.by_improvement.pop(improvement_id, None)
    # Says only that a vote changed: the tally stays hidden until the facilitator reveals it.
    return mine, [record(session, event.id or 0, MessageType.VOTES_CHANGED)]


def change_vote(
    session: Session, event: Event, participant: Participant, improvement_id: int, by: int
) -> tuple[MyVotes, list[RoomMessage]]:
    """Add or take off dots (`by` = +1 or -1 from a page's buttons), counted from what the participant
    has now under the same lock as cast_vote, so two quick taps make two dots, never a lost one."""
    session.refresh(participant, with_for_update=True)
    current = my_votes(session, event, participant).by_improvement.get(improvement_id, 0)
    if current + by < 0:
        raise Invalid("You have no dots on this improvement to take off.")
    return cast_vote(session, event, participant, improvement_id, current + by)
