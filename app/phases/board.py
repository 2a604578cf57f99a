"""Choosing what the projector shows: the journey heat map, the annotation wall (filtered by
stage, touchpoint, principle, team or kind), the principle summary chart, the priorities or the
action plan. What each view then shows is read in `app.room.board`."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.annotations.models import Kind, Principle
from app.errors import Invalid
from app.events import service as events
from app.events.models import Event
from app.journeys import service as journeys
from app.phases.models import BoardFilterPublic
from app.roomlog.messages import BoardChanged, MessageType
from app.roomlog.service import RoomMessage, record

BoardViewName = Literal["journey", "wall", "principles", "priorities", "actions"]
FilterBy = Literal["stage", "touchpoint", "principle", "team", "kind"]
BOARD_VIEWS: dict[str, str] = {
    "journey": "Journey heat map",
    "wall": "Annotation wall",
    "principles": "Principle summary",
    "priorities": "Priorities",
    "actions": "Action plan",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BoardFilter(_Strict):
    by: FilterBy
    value: str = Field(min_length=1, max_length=40)


class BoardViewChange(_Strict):
    view: BoardViewName
    filter: BoardFilter | None = None


def check_filter(session: Session, event: Event, flt: BoardFilter) -> str:
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
        check_filter(session, event, flt)
    stored = f"{flt.by}:{flt.value}" if flt else None
    if (event.board_view, event.board_filter) == (data.view, stored):
        return []
    event.board_view = data.view
    event.board_filter = stored
    session.add(event)
    session.flush()
    shown = BoardChanged(
        view=data.view, filter=BoardFilterPublic(by=flt.by, value=flt.value) if flt else None
    )
    return [record(session, event.id or 0, MessageType.BOARD_CHANGED, data=shown)]
