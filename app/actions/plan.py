"""The action plan: the priorities in the order this viewer may see them, each with its actions."""

from dataclasses import dataclass

from sqlmodel import Session

from app.actions.models import Action
from app.actions.outcomes import outcomes_svg
from app.actions.service import event_actions, progress
from app.events.models import Event
from app.improvements.models import Improvement
from app.voting import priorities


@dataclass
class PlanRow:
    priority: priorities.Priority
    actions: list[Action]


@dataclass
class Plan:
    """The priorities in the order this viewer may see them, each with its actions."""

    rows: list[PlanRow]
    tally_visible: bool
    progress: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.progress.values())

    @property
    def planned(self) -> list[tuple[Improvement, list[Action]]]:
        return [(row.priority.improvement, row.actions) for row in self.rows]

    def outcomes_svg(self, title: str) -> str:
        """The outcomes picture of this plan (app.actions.outcomes)."""
        return outcomes_svg(self.planned, title=title)


def action_plan(session: Session, event: Event, *, min_group_size: int, facilitator: bool) -> Plan:
    ranked, visible = priorities.visible_priorities(
        session, event, min_group_size=min_group_size, facilitator=facilitator
    )
    by_improvement = event_actions(session, event.id or 0)
    rows = [PlanRow(p, by_improvement.get(p.improvement.id or 0, [])) for p in ranked.rows]
    return Plan(rows, visible, progress([a for row in rows for a in row.actions]))
