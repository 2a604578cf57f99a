"""What the projector's board shows in its chosen view: the annotation wall (filtered as the
facilitator chose), the principle summary chart, and the newest words at the spotlight."""

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session

from app.annotations.models import Annotation, Principle
from app.errors import Invalid, NotFound
from app.events.models import Event
from app.journeys import service as journeys
from app.phases.board import BoardFilter, check_filter

WALL_LIMIT = 60
SPOTLIGHT_NOTES = 6


@dataclass
class ChartRow:
    principle: str
    strength: int
    barrier: int


@dataclass
class BoardState:
    view: str
    filter_by: str | None
    filter_value: str | None
    filter_label: str | None
    wall: list[Annotation] = field(default_factory=list)
    chart: list[ChartRow] = field(default_factory=list)
    chart_max: int = 0


def board_state(session: Session, event: Event, visible: list[Annotation]) -> BoardState:
    """What the board shows, from the annotations the whole room may see."""
    filter_by = filter_value = label = None
    if event.board_filter and ":" in event.board_filter:
        filter_by, filter_value = event.board_filter.split(":", 1)
        try:
            label = check_filter(
                session, event, BoardFilter.model_validate({"by": filter_by, "value": filter_value})
            )
        except (Invalid, NotFound, ValueError):
            filter_by = filter_value = None
    state = BoardState(event.board_view, filter_by, filter_value, label)
    if event.board_view == "wall":
        stage_tps: set[int] = set()
        if filter_by == "stage":
            stage_tps = {
                tp.id or 0
                for view in journeys.stages(session, event.journey_map_id)
                if str(view.stage.id) == filter_value
                for tp in view.touchpoints
            }
        state.wall = [a for a in visible if _matches(a, filter_by, filter_value, stage_tps)][:WALL_LIMIT]
    elif event.board_view == "principles":
        tally: Counter[tuple[str, str]] = Counter()
        for a in visible:
            for p in a.principles:
                tally[(p, a.kind.value)] += 1
        state.chart = [
            ChartRow(p.value, tally[(p.value, "strength")], tally[(p.value, "barrier")]) for p in Principle
        ]
        state.chart_max = max([max(r.strength, r.barrier) for r in state.chart] + [1])
    return state


def _matches(a: Annotation, by: str | None, value: str | None, stage_tps: set[int]) -> bool:
    if by is None:
        return True
    if by == "stage":
        return a.touchpoint_id in stage_tps
    if by == "touchpoint":
        return str(a.touchpoint_id) == value
    if by == "principle":
        return value in a.principles
    if by == "team":
        return str(a.team_id) == value
    return a.kind.value == value


def notes_at(
    session: Session, event: Event, room: list[Annotation], stage_id: int | None, touchpoint_id: int | None
) -> list[Annotation]:
    """The newest words at the spotlighted stage or touchpoint, for the board to show large."""
    if touchpoint_id is not None:
        where = {touchpoint_id}
    else:
        where = {
            tp.id or 0
            for view in journeys.stages(session, event.journey_map_id)
            if view.stage.id == stage_id
            for tp in view.touchpoints
        }
    return [a for a in room if a.touchpoint_id in where][:SPOTLIGHT_NOTES]
