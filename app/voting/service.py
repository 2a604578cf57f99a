"""Dot voting and the priority list.

A participant's budget is checked under a lock on their own row, so two votes sent at once can
never spend more dots than they have. Votes are anonymous: only totals leave this module, and
totals by "I'm here as" group only for groups of at least the event's minimum size."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, func, select

from app.annotations.models import Annotation, Kind
from app.errors import Conflict, Invalid
from app.events.models import Event, EventStatus
from app.improvements import service as improvements
from app.improvements.models import DRIVER_LABELS, Evidence, Improvement
from app.journeys import service as journeys
from app.participants.groups import merge_small_groups
from app.participants.models import HERE_AS_LABELS, HereAs, Participant
from app.roomlog.service import RoomMessage, record
from app.vignettes.models import Vignette
from app.voting.models import Vote, VotingStatus

VOTING_CHANGED = "voting.changed"
VOTES_CHANGED = "votes.changed"
OTHER_GROUP = "Other"


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
    return [record(session, event.id or 0, VOTING_CHANGED, data=voting_state(event))]


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
    return mine, [record(session, event.id or 0, VOTES_CHANGED)]


# ---- the priority list ---------------------------------------------------------------------------


@dataclass
class EvidenceItem:
    id: int
    kind: str
    text: str
    principles: list[str]
    stage: str
    touchpoint: str
    touchpoint_id: int
    vignette: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Priority:
    improvement: Improvement
    votes: int
    rank: int = 0
    evidence: list[EvidenceItem] = field(default_factory=list)
    by_group: dict[str, int] = field(default_factory=dict)

    @property
    def barriers(self) -> int:
        return sum(1 for e in self.evidence if e.kind == Kind.barrier.value)

    @property
    def touchpoints(self) -> int:
        return len({e.touchpoint_id for e in self.evidence})

    @property
    def vignettes(self) -> int:
        return len({e.vignette for e in self.evidence if e.vignette})

    def to_dict(self, *, with_votes: bool = True) -> dict[str, Any]:
        i = self.improvement
        return {
            "id": i.id,
            "rank": self.rank if with_votes else None,
            "title": i.title,
            "votes": self.votes if with_votes else None,
            "by_group": self.by_group if with_votes else {},
            "driver": i.driver.value,
            "driver_label": DRIVER_LABELS[i.driver],
            "effort": i.effort.value if i.effort else None,
            "cost": i.cost.value if i.cost else None,
            "horizon": i.horizon.value if i.horizon else None,
            "barriers": self.barriers,
            "touchpoints": self.touchpoints,
            "vignettes": self.vignettes,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass
class PriorityList:
    rows: list[Priority]
    # The "I'm here as" groups shown in the breakdown (each with at least min_group_size voters),
    # with OTHER_GROUP last when smaller groups were merged; empty when no group is big enough.
    groups: list[str]
    voters: int
    min_group_size: int

    @property
    def most_votes(self) -> int:
        return max((p.votes for p in self.rows), default=0)


def _evidence(session: Session, event: Event, improvement_ids: list[int]) -> dict[int, list[EvidenceItem]]:
    where: dict[int, tuple[str, str]] = {}
    for view in journeys.stages(session, event.journey_map_id):
        for tp in view.touchpoints:
            where[tp.id or 0] = (view.stage.name, tp.name)
    vignettes = {v.id: v.name for v in session.exec(select(Vignette))}
    rows = session.exec(
        select(Evidence.improvement_id, Annotation)
        .join(Annotation, col(Annotation.id) == Evidence.annotation_id)
        .where(
            col(Evidence.improvement_id).in_(improvement_ids),
            col(Annotation.hidden).is_(False),
            col(Annotation.private).is_(False),
        )
        .order_by(col(Evidence.id))
    ).all()
    result: dict[int, list[EvidenceItem]] = defaultdict(list)
    for improvement_id, a in rows:
        stage, touchpoint = where.get(a.touchpoint_id, ("", ""))
        result[improvement_id].append(
            EvidenceItem(
                id=a.id or 0,
                kind=a.kind.value,
                text=a.text,
                principles=list(a.principles),
                stage=stage,
                touchpoint=touchpoint,
                touchpoint_id=a.touchpoint_id,
                vignette=vignettes.get(a.vignette_id) if a.vignette_id else None,
            )
        )
    return result


def priorities(session: Session, event: Event, *, min_group_size: int) -> PriorityList:
    """Improvements ranked by votes; ties broken by how many barriers back them, then by how many
    touchpoints and then vignettes those come from."""
    improvements = list(session.exec(select(Improvement).where(Improvement.event_id == event.id)))
    ids = [i.id or 0 for i in improvements]
    evidence = _evidence(session, event, ids)
    votes = session.exec(
        select(Vote.improvement_id, Participant.here_as, func.sum(Vote.dots))
        .join(Participant, col(Participant.id) == Vote.participant_id)
        .where(Vote.event_id == event.id)
        .group_by(col(Vote.improvement_id), col(Participant.here_as))
    ).all()
    voters_by_group = Counter(
        {
            HereAs(here_as).value: n
            for here_as, n in session.exec(
                select(Participant.here_as, func.count(func.distinct(Vote.participant_id)))
                .join(Vote, col(Vote.participant_id) == Participant.id)
                .where(Vote.event_id == event.id)
                .group_by(col(Participant.here_as))
            )
        }
    )
    shown, other = merge_small_groups(dict(voters_by_group), min_group_size)
    shown_keys = [k for k, _ in shown]
    groups = [HERE_AS_LABELS[HereAs(k)] for k in shown_keys]
    if shown_keys and other:
        groups.append(OTHER_GROUP)
    totals: Counter[int] = Counter()
    by_group: dict[int, Counter[str]] = defaultdict(Counter)
    for improvement_id, here_as, dots in votes:
        totals[improvement_id] += int(dots)
        key = HereAs(here_as).value
        label = HERE_AS_LABELS[HereAs(key)] if key in shown_keys else OTHER_GROUP
        by_group[improvement_id][label] += int(dots)
    rows = [
        Priority(
            improvement=i,
            votes=totals[i.id or 0],
            evidence=evidence.get(i.id or 0, []),
            by_group={g: by_group[i.id or 0][g] for g in groups},
        )
        for i in improvements
    ]
    rows.sort(key=lambda p: (-p.votes, -p.barriers, -p.touchpoints, -p.vignettes, p.improvement.id or 0))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return PriorityList(
        rows=rows, groups=groups, voters=sum(voters_by_group.values()), min_group_size=min_group_size
    )


def tally_visible(event: Event, *, facilitator: bool) -> bool:
    """Facilitators always see the tally; everyone else once it is revealed."""
    return facilitator or event.votes_revealed


def get_priority_list(
    session: Session, event: Event, *, min_group_size: int, facilitator: bool
) -> dict[str, Any]:
    result = priorities(session, event, min_group_size=min_group_size)
    visible = tally_visible(event, facilitator=facilitator)
    rows = result.rows if visible else sorted(result.rows, key=lambda p: p.improvement.id or 0)
    return {
        "voting": voting_state(event),
        "tally_visible": visible,
        "groups": result.groups if visible else [],
        "min_group_size": min_group_size,
        "priorities": [p.to_dict(with_votes=visible) for p in rows],
    }


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


def visible_priorities(
    session: Session, event: Event, *, min_group_size: int, facilitator: bool
) -> tuple[PriorityList, bool]:
    """The priority list as this viewer may see it, and whether the tally is visible: before the
    reveal, everyone but facilitators gets the improvements in a neutral order with no groups."""
    result = priorities(session, event, min_group_size=min_group_size)
    visible = tally_visible(event, facilitator=facilitator)
    if not visible:
        result.rows.sort(key=lambda p: p.improvement.id or 0)
        result.groups = []
    return result, visible
