"""The journey-map library page (every template, where it came from, its files, and importing one),
and the event page's forms that adapt a draft event's map: stages and touchpoints."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
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


def _change_stage(
    session: Session, event: Event, stage_id: int, action: Move, name: str, description: str
) -> None:
    map_id = event.journey_map_id
    if action == "rename":
        data = validate(service.NamePayload, {"name": name, "description": description})
        service.rename_stage(session, map_id, stage_id, data)
    elif action == "delete":
        service.remove_stage(session, map_id, stage_id)
    else:
        service.move_stage(session, map_id, stage_id, -1 if action == "up" else 1)


@router.post("/events/{event_id}/stages/{stage_id}")
def change_stage(
    event_id: int,
    stage_id: int,
    write: WriteAsFacilitator,
    action: Annotated[Move, Form()],
    name: Annotated[str, Form(max_length=400)] = "",
    description: DescriptionField = "",
) -> Response:
    write.map_editor(event_id, _change_stage, stage_id, action, name, description)
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
    session: Session, event: Event, touchpoint_id: int, action: Move, name: str, description: str
) -> int:
    """Returns the stage the touchpoint was in, for the page to go back to."""
    map_id = event.journey_map_id
    stage_id = service.get_touchpoint(session, map_id, touchpoint_id).stage_id
    if action == "rename":
        data = validate(service.NamePayload, {"name": name, "description": description})
        service.rename_touchpoint(session, map_id, touchpoint_id, data)
    elif action == "delete":
        service.remove_touchpoint(session, map_id, touchpoint_id)
    else:
        service.move_touchpoint(session, map_id, touchpoint_id, -1 if action == "up" else 1)
    return stage_id


@router.post("/events/{event_id}/touchpoints/{touchpoint_id}")
def change_touchpoint(
    event_id: int,
    touchpoint_id: int,
    write: WriteAsFacilitator,
    action: Annotated[Move, Form()],
    name: Annotated[str, Form(max_length=400)] = "",
    description: DescriptionField = "",
) -> Response:
    stage_id = write.map_editor(event_id, _change_touchpoint, touchpoint_id, action, name, description)
    return RedirectResponse(f"/events/{event_id}#stage-{stage_id}", status_code=303)
