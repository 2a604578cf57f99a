"""The journey-map library page (every template, where it came from, its files, and importing one),
and the event page's forms that adapt a draft event's map: stages and touchpoints."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, NamedTuple

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.deps import CurrentFacilitator, SessionDep, WriteAsFacilitator
from app.events import service as events
from app.events.models import Event
from app.forms import optional_int, validate
from app.journeys import files, service
from app.journeys.api import import_map, read_upload
from app.templating import render

router = APIRouter(include_in_schema=False)

Move = Literal["rename", "up", "down", "delete"]
NameField = Annotated[str, Form(max_length=400)]
DescriptionField = Annotated[str, Form(max_length=1000)]


@dataclass
class Naming:
    """A stage's or touchpoint's name and description as its form sent them, checked only when
    the button pressed was Rename."""

    name: str
    description: str

    def payload(self) -> service.NamePayload:
        return validate(service.NamePayload, {"name": self.name, "description": self.description})


def _naming(name: Annotated[str, Form(max_length=400)] = "", description: DescriptionField = "") -> Naming:
    return Naming(name, description)


NamingForm = Annotated[Naming, Depends(_naming)]


@router.get("/journey-maps")
def library_page(request: Request, session: SessionDep, facilitator: CurrentFacilitator) -> Response:
    return render(
        request,
        "journeys/library.html",
        {
            "templates": [
                (journey, service.stages(session, journey.id or 0))
                for journey in service.list_templates(session)
            ],
            "max_upload_mib": files.MAX_BYTES // (1024 * 1024),
            "max_rows": files.MAX_ROWS,
        },
    )


@router.post("/journey-maps/import")
def import_page(
    write: WriteAsFacilitator,
    file: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    event_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    filename, raw = read_upload(file)
    event, map_id = import_map(write, filename, raw, name, optional_int(event_id))
    target = f"/events/{event}#journey" if event else f"/journey-maps#map-{map_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/events/{event_id}/journey-map/save-as-template")
def save_as_template_page(
    event_id: int, write: WriteAsFacilitator, name: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    journey = write.facilitator(event_id, events.save_map_as_template, name=name)
    return RedirectResponse(f"/journey-maps#map-{journey.id}", status_code=303)


# ---- a draft event's map, from the event page -------------------------------------------------


@router.post("/events/{event_id}/stages")
def add_stage(
    event_id: int, write: WriteAsFacilitator, name: NameField, description: DescriptionField = ""
) -> Response:
    data = validate(service.NamePayload, {"name": name, "description": description})
    write.map_editor(event_id, lambda s, event: service.add_stage(s, event.journey_map_id, data))
    return RedirectResponse(f"/events/{event_id}#journey", status_code=303)


class _PartActions(NamedTuple):
    rename: Callable[[Session, int, int, service.NamePayload], object]
    remove: Callable[[Session, int, int], None]
    move: Callable[[Session, int, int, int], None]


STAGE = _PartActions(service.rename_stage, service.remove_stage, service.move_stage)
TOUCHPOINT = _PartActions(service.rename_touchpoint, service.remove_touchpoint, service.move_touchpoint)


def _change_part(
    session: Session, map_id: int, part: _PartActions, part_id: int, action: Move, naming: Naming
) -> None:
    """The button pressed on a stage or a touchpoint: rename, delete, or move it up or down."""
    if action == "rename":
        part.rename(session, map_id, part_id, naming.payload())
    elif action == "delete":
        part.remove(session, map_id, part_id)
    else:
        part.move(session, map_id, part_id, -1 if action == "up" else 1)


def _change_stage(session: Session, event: Event, stage_id: int, action: Move, naming: Naming) -> None:
    _change_part(session, event.journey_map_id, STAGE, stage_id, action, naming)


@router.post("/events/{event_id}/stages/{stage_id}")
def change_stage(
    event_id: int,
    stage_id: int,
    write: WriteAsFacilitator,
    action: Annotated[Move, Form()],
    naming: NamingForm,
) -> Response:
    write.map_editor(event_id, _change_stage, stage_id, action, naming)
    return RedirectResponse(f"/events/{event_id}#stage-{stage_id}", status_code=303)


@router.post("/events/{event_id}/stages/{stage_id}/touchpoints")
def add_touchpoint(
    event_id: int,
    stage_id: int,
    write: WriteAsFacilitator,
    name: NameField,
    description: DescriptionField = "",
) -> Response:
    data = validate(service.NamePayload, {"name": name, "description": description})
    write.map_editor(
        event_id, lambda s, event: service.add_touchpoint(s, event.journey_map_id, stage_id, data)
    )
    return RedirectResponse(f"/events/{event_id}#stage-{stage_id}", status_code=303)


def _change_touchpoint(
    session: Session, event: Event, touchpoint_id: int, action: Move, naming: Naming
) -> int:
    """Returns the stage the touchpoint was in, for the page to go back to."""
    map_id = event.journey_map_id
    stage_id = service.get_touchpoint(session, map_id, touchpoint_id).stage_id
    _change_part(session, map_id, TOUCHPOINT, touchpoint_id, action, naming)
    return stage_id


@router.post("/events/{event_id}/touchpoints/{touchpoint_id}")
def change_touchpoint(
    event_id: int,
    touchpoint_id: int,
    write: WriteAsFacilitator,
    action: Annotated[Move, Form()],
    naming: NamingForm,
) -> Response:
    stage_id = write.map_editor(event_id, _change_touchpoint, touchpoint_id, action, naming)
    return RedirectResponse(f"/events/{event_id}#stage-{stage_id}", status_code=303)
