"""Improvements: candidate changes grouped from annotations, each linked to its evidence."""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.enums import LabelledEnum
from app.timeutil import utcnow


class Driver(LabelledEnum):
    """The nine drivers of the Roadmap (domain.md)."""

    organisational_culture = "organisational_culture", "Organisational culture"
    leadership = "leadership", "Leadership"
    workforce_wellbeing = "workforce_wellbeing", "Workforce care, support and wellbeing"
    power_sharing = "power_sharing", "Power sharing with people with lived experience"
    workforce_knowledge = "workforce_knowledge", "Workforce knowledge, skills and confidence"
    data_and_feedback = "data_and_feedback", "Data, feedback loops and continuous improvement"
    policies_and_processes = "policies_and_processes", "Policies and processes"
    budgets = "budgets", "Budgets"
    service_design_and_delivery = "service_design_and_delivery", "Service design and delivery"


class Effort(LabelledEnum):
    low = "low", "Low"
    medium = "medium", "Medium"
    high = "high", "High"


class Cost(LabelledEnum):
    none = "none", "None"
    some = "some", "Some"
    needs_funding = "needs_funding", "Needs funding"


class Horizon(LabelledEnum):
    quick_win = "quick_win", "Quick win"
    one_to_two_years = "one_to_two_years", "1-2 years"
    three_to_five_years = "three_to_five_years", "3-5 years"
    longer = "longer", "Longer"


DRIVER_LABELS = Driver.labels()
EFFORT_LABELS = Effort.labels()
COST_LABELS = Cost.labels()
HORIZON_LABELS = Horizon.labels()

TITLE_MAX = 120
MAX_EVIDENCE = 200


class Improvement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=TITLE_MAX)
    driver: Driver = Field(max_length=40)
    effort: Effort | None = Field(default=None, max_length=10)
    cost: Cost | None = Field(default=None, max_length=20)
    horizon: Horizon | None = Field(default=None, max_length=30)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


def facet_labels(improvement: Improvement) -> list[tuple[str, str]]:
    """("Effort", its label), ("Cost", ...), ("Horizon", ...) for each the group set."""
    facets: list[tuple[str, str]] = []
    if improvement.effort is not None:
        facets.append(("Effort", EFFORT_LABELS[improvement.effort]))
    if improvement.cost is not None:
        facets.append(("Cost", COST_LABELS[improvement.cost]))
    if improvement.horizon is not None:
        facets.append(("Horizon", HORIZON_LABELS[improvement.horizon]))
    return facets


class Evidence(SQLModel, table=True):
    """An annotation behind an improvement. Withdrawing the annotation removes the link with it."""

    __tablename__ = "improvement_annotation"
    __table_args__ = (UniqueConstraint("improvement_id", "annotation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", index=True, ondelete="CASCADE")
    annotation_id: int = Field(foreign_key="annotation.id", index=True, ondelete="CASCADE")


class ImprovementPublic(SQLModel):
    """An improvement with the ids of the annotations behind it (its evidence)."""

    id: int
    event_id: int
    title: str
    driver: Driver
    effort: Effort | None
    cost: Cost | None
    horizon: Horizon | None
    annotation_ids: list[int]
