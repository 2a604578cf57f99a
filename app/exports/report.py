"""What every export shows, gathered once: the journey, the vignettes used, what the room wrote,
the counts behind the heat map, the ranked priorities with their evidence, and the action plan.

Only what the room may see: hidden annotations and words still private to their authors are left
out (withdrawn ones are deleted already), nothing links a word to who wrote it, and the breakdown by
"I'm here as" group is the one `app.voting.priorities` gives, small groups merged."""

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.actions import service as actions
from app.actions.models import Action
from app.annotations.models import Annotation, Kind, Principle
from app.events import service as events
from app.events.models import Event
from app.improvements.models import Improvement
from app.journeys import service as journeys
from app.timeutil import utcnow
from app.vignettes.models import Vignette
from app.voting import priorities as voting

KINDS = [k.value for k in Kind]
PRINCIPLES = [p.value for p in Principle]


@dataclass
class AnnotationRow:
    stage: str
    touchpoint: str
    kind: str
    principles: list[str]
    vignette: str
    team: str
    text: str
    created_at: dt.datetime
    from_paper: bool = False


@dataclass
class TouchpointCount:
    stage: str
    touchpoint: str
    kinds: Counter[str] = field(default_factory=Counter)
    principles: Counter[str] = field(default_factory=Counter)
    # Barriers only, by principle: the heat map's shading.
    barrier_principles: Counter[str] = field(default_factory=Counter)


@dataclass
class StageCount:
    stage: str
    touchpoints: list[TouchpointCount]

    @property
    def kinds(self) -> Counter[str]:
        return sum((tp.kinds for tp in self.touchpoints), Counter())

    @property
    def barrier_principles(self) -> Counter[str]:
        return sum((tp.barrier_principles for tp in self.touchpoints), Counter())


@dataclass
class Report:
    event: Event
    generated_at: dt.datetime
    vignettes: list[Vignette]
    teams: list[events.TeamView]
    annotations: list[AnnotationRow]
    stages: list[StageCount]
    priorities: voting.PriorityList
    actions: dict[int, list[Action]]

    @property
    def date(self) -> dt.date:
        return self.event.date or self.event.created_at.date()

    @property
    def kinds(self) -> Counter[str]:
        return sum((s.kinds for s in self.stages), Counter())

    @property
    def heat_max(self) -> int:
        return max((n for s in self.stages for n in s.barrier_principles.values()), default=0)

    def heat_level(self, n: int) -> int:
        """0 (none) to 5 (the most barriers of any stage and principle)."""
        top = self.heat_max
        return 0 if n <= 0 or top <= 0 else max(1, round(5 * n / top))

    @property
    def planned(self) -> list[tuple[Improvement, int, list[Action]]]:
        """Priorities that have actions, in rank order: (improvement, rank, actions)."""
        return [
            (p.improvement, p.rank, self.actions[p.improvement.id or 0])
            for p in self.priorities.rows
            if self.actions.get(p.improvement.id or 0)
        ]

    @property
    def outcomes(self) -> list[tuple[Improvement, list[Action]]]:
        """What the outcomes picture shows: each planned priority's improvement and actions."""
        return [(improvement, planned) for improvement, _rank, planned in self.planned]

    @property
    def progress(self) -> dict[str, int]:
        return actions.progress([a for rows in self.actions.values() for a in rows])


def gather(session: Session, event: Event, *, min_group_size: int, with_annotations: bool = True) -> Report:
    event_id = event.id or 0
    stage_views = journeys.stages(session, event.journey_map_id)
    where: dict[int, tuple[str, str]] = {}
    counts: dict[int, TouchpointCount] = {}
    stages: list[StageCount] = []
    for view in stage_views:
        row = StageCount(stage=view.stage.name, touchpoints=[])
        for tp in view.touchpoints:
            where[tp.id or 0] = (view.stage.name, tp.name)
            counts[tp.id or 0] = TouchpointCount(stage=view.stage.name, touchpoint=tp.name)
            row.touchpoints.append(counts[tp.id or 0])
        stages.append(row)
    order = {tp_id: n for n, tp_id in enumerate(where)}
    teams = events.teams(session, event_id)
    team_names = {t.team.id: t.team.name for t in teams}
    vignette_names = dict(session.exec(select(Vignette.id, Vignette.name)).all())
    used: dict[int, Vignette] = {}
    for team_view in teams:
        for vignette in team_view.vignettes:
            used.setdefault(vignette.id or 0, vignette)

    # Nine columns, no ORM objects: SQLAlchemy's own select (SQLModel's is typed up to four).
    rows = (
        session.connection()
        .execute(
            core_select(
                col(Annotation.touchpoint_id),
                col(Annotation.kind),
                col(Annotation.principles),
                col(Annotation.team_id),
                col(Annotation.vignette_id),
                col(Annotation.text),
                col(Annotation.created_at),
                col(Annotation.id),
                col(Annotation.from_paper),
            ).where(
                col(Annotation.event_id) == event_id,
                col(Annotation.hidden).is_(False),
                col(Annotation.private).is_(False),
            )
        )
        .all()
    )
    annotations: list[AnnotationRow] = []
    for tp_id, raw_kind, principles, team_id, vignette_id, text, created_at, _id, from_paper in sorted(
        rows, key=lambda r: (order.get(r[0], len(order)), r[6], r[7])
    ):
        kind = Kind(raw_kind).value
        count = counts.get(tp_id)
        if count is not None:
            count.kinds[kind] += 1
            count.principles.update(principles)
            if kind == Kind.barrier.value:
                count.barrier_principles.update(principles)
        if with_annotations:
            stage, touchpoint = where.get(tp_id, ("", ""))
            annotations.append(
                AnnotationRow(
                    stage=stage,
                    touchpoint=touchpoint,
                    kind=kind,
                    principles=list(principles),
                    vignette=vignette_names.get(vignette_id, "") if vignette_id else "",
                    team=team_names.get(team_id, "") if team_id else "",
                    text=text,
                    created_at=created_at,
                    from_paper=from_paper,
                )
            )
    return Report(
        event=event,
        generated_at=utcnow(),
        vignettes=list(used.values()),
        teams=teams,
        annotations=annotations,
        stages=stages,
        priorities=voting.priorities(session, event, min_group_size=min_group_size),
        actions=actions.event_actions(session, event_id),
    )


def slug(text: str, *, limit: int = 60) -> str:
    """Plain ASCII for a file name: 'Lens walk at Hàrbour' -> 'lens-walk-at-harbour'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def file_stem(event: Event) -> str:
    day = (event.date or event.created_at.date()).isoformat()
    return f"{slug(event.title) or 'lens-walk'}-{day}"
