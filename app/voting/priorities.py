"""The priority list: improvements ranked by dots, with the barrier evidence behind each and the
dots by "I'm here as" group (small groups merged into "Other"). Votes are anonymous: only totals
leave here, and a tally only once the facilitator reveals it (facilitators see it throughout)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, func, select

from app.annotations.models import Annotation, Kind
from app.events.models import Event
from app.improvements.models import DRIVER_LABELS, Evidence, Improvement
from app.journeys import service as journeys
from app.participants.groups import merge_small_groups
from app.participants.models import HERE_AS_LABELS, HereAs, Participant
from app.vignettes.models import Vignette
from app.voting.models import Vote
from app.voting.service import voting_state

OTHER_GROUP = "Other"


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
