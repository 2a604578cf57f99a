"""What the projector shows: the journey heat map, the annotation wall (filtered by stage,
touchpoint, principle, team or kind), the principle summary chart, and links to pages that other
parts of Lenswalk provide (priorities, action plan, exports)."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.annotations.models import Annotation, Kind, Principle
from app.errors import Invalid, NotFound
from app.events import service as events
from app.events.models import Event
from app.journeys import service as journeys
from app.roomlog.service import RoomMessage, record

WALL_LIMIT = 60
SPOTLIGHT_NOTES = 6

BoardViewName = Literal["journey", "wall", "principles", "priorities", "actions"]
FilterBy = Literal["stage", "touchpoint", "principle", "team", "kind"]
BOARD_VIEWS: dict[str, str] = {
    "journey": "Journey heat map",
    "wall": "Annotation wall",
    "principles": "Principle summary",
    "priorities": "Priorities",
    "actions": "Action plan",
}
# Pages another part of Lenswalk may provide; the board and console link to them when they exist.
OPTIONAL_PAGES = {
    "improvements": "/events/{event_id}/improvements",
    "priorities": "/events/{event_id}/priorities",
    "actions": "/events/{event_id}/actions",
    "exports": "/events/{event_id}/report",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BoardFilter(_Strict):
    by: FilterBy
    value: str = Field(min_length=1, max_length=40)


class BoardViewChange(_Strict):
    view: BoardViewName
    filter: BoardFilter | None = None


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


def _check_filter(session: Session, event: Event, flt: BoardFilter) -> str:
    """The filter's label; refuses a value that is not part of this event."""
    value = flt.value
    if flt.by == "principle":
        if value not in {p.value for p in Principle}:
            raise Invalid("Choose one of the five principles.")
        return value.capitalize()
    if flt.by == "kind":
        if value not in {k.value for k in Kind}:
            raise Invalid("Choose strength, barrier or idea.")
        return f"{value.capitalize()}s"
    if not value.isdigit():
        raise Invalid("Choose one of the options.")
    if flt.by == "stage":
        return journeys.get_stage(session, event.journey_map_id, int(value)).name
    if flt.by == "touchpoint":
        return journeys.get_touchpoint(session, event.journey_map_id, int(value)).name
    return events.get_team(session, event.id or 0, int(value)).name


def describe(event: Event) -> dict[str, object]:
    """The board's view as the API takes it: `{"view", "filter": {"by", "value"} | None}`."""
    by, _, value = (event.board_filter or "").partition(":")
    return {"view": event.board_view, "filter": {"by": by, "value": value} if value else None}


def set_board_view(session: Session, event: Event, data: BoardViewChange) -> list[RoomMessage]:
    flt = data.filter if data.view == "wall" else None
    if flt is not None:
        _check_filter(session, event, flt)
    stored = f"{flt.by}:{flt.value}" if flt else None
    if (event.board_view, event.board_filter) == (data.view, stored):
        return []
    event.board_view = data.view
    event.board_filter = stored
    session.add(event)
    session.flush()
    body = {"view": data.view, "filter": flt.model_dump() if flt else None}
    return [record(session, event.id or 0, "board.changed", data=body)]


def board_state(session: Session, event: Event, visible: list[Annotation]) -> BoardState:
    """What the board shows, from the annotations the whole room may see."""
    filter_by = filter_value = label = None
    if event.board_filter and ":" in event.board_filter:
        filter_by, filter_value = event.board_filter.split(":", 1)
        try:
            label = _check_filter(
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


@cache
def _page_paths() -> frozenset[str]:
    from app import views  # the page routers are gathered there; imported late to avoid a cycle

    def paths(routes: list[Any]) -> Iterator[str]:
        for route in routes:
            # Newer FastAPI keeps an included router whole (the page routers have no prefix).
            inner = getattr(route, "original_router", None)
            yield from paths(inner.routes) if inner is not None else [getattr(route, "path", "")]

    return frozenset(paths(views.router.routes))


def optional_pages(event_id: int) -> dict[str, str | None]:
    """Links to pages that exist in this installation (built elsewhere), else None."""
    paths = _page_paths()
    return {
        name: path.format(event_id=event_id) if path in paths else None
        for name, path in OPTIONAL_PAGES.items()
    }


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
