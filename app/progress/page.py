"""What the public progress page shows, and nothing more: each published priority's title, Roadmap
driver and horizon, what is being done about it and its latest status (read from the actions
table), by when (a day), and the next review date. No evidence words, teams, owners or times."""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from app.actions.models import STATUS_LABELS, ActionStatus
from app.actions.plan import action_plan
from app.events.models import Event
from app.improvements.models import DRIVER_LABELS, HORIZON_LABELS
from app.progress.models import ProgressPage
from app.progress.service import next_review


@dataclass
class PublicAction:
    what: str
    status: ActionStatus
    due: dt.date

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class PublicPriority:
    title: str
    driver: str
    horizon: str | None
    actions: list[PublicAction]


@dataclass
class PublicProgress:
    title: str
    date: dt.date
    priorities: list[PublicPriority]
    next_review: dt.date | None
    updated_on: dt.date


def public_progress(
    session: Session, event: Event, page: ProgressPage, *, min_group_size: int
) -> PublicProgress:
    """The published priorities in the order participants see the plan, each with its published actions."""
    plan = action_plan(session, event, min_group_size=min_group_size, facilitator=False)
    chosen, chosen_actions = set(page.improvement_ids), set(page.action_ids)
    priorities = [
        PublicPriority(
            title=row.priority.improvement.title,
            driver=DRIVER_LABELS[row.priority.improvement.driver],
            horizon=HORIZON_LABELS[row.priority.improvement.horizon]
            if row.priority.improvement.horizon
            else None,
            actions=[PublicAction(a.what, a.status, a.due) for a in row.actions if a.id in chosen_actions],
        )
        for row in plan.rows
        if row.priority.improvement.id in chosen
    ]
    # The day the page or one of its actions last changed: a day, never the time.
    changed = [a.updated_at.date() for row in plan.rows for a in row.actions if a.id in chosen_actions]
    return PublicProgress(
        title=event.title,
        date=event.date or event.created_at.date(),
        priorities=priorities,
        next_review=next_review(session, event),
        updated_on=max([page.updated_on, *changed]),
    )
