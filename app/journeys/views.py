"""The journey-map library page: every template, where it came from, its files, and importing one."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.db import transaction
from app.deps import CurrentFacilitator, SessionDep
from app.events import service as events
from app.forms import optional_int
from app.journeys import files, service
from app.journeys.api import import_map, read_upload
from app.templating import render

router = APIRouter(include_in_schema=False)


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
    session: SessionDep,
    facilitator: CurrentFacilitator,
    file: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    event_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    filename, raw = read_upload(file)
    event, map_id = import_map(session, facilitator.id or 0, filename, raw, name, optional_int(event_id))
    target = f"/events/{event}#journey" if event else f"/journey-maps#map-{map_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/events/{event_id}/journey-map/save-as-template")
def save_as_template_page(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        journey = service.save_as_template(session, event.journey_map_id, name=name or event.title[:120])
    return RedirectResponse(f"/journey-maps#map-{journey.id}", status_code=303)
