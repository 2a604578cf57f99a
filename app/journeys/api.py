import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.deps import CurrentFacilitator, RoomWrite, SessionDep, WriteAsFacilitator
from app.errors import Invalid
from app.events import service as events
from app.journeys import files, service
from app.journeys.models import ImportedMap, JourneyMapPublic, SavedTemplate

router = APIRouter(prefix="/api/v1", tags=["content"])


class TemplateName(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=120)


MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def map_summary(session: Session, journey_id: int) -> list[dict[str, Any]]:
    return [
        {"name": v.stage.name, "touchpoints": [tp.name for tp in v.touchpoints]}
        for v in service.stages(session, journey_id)
    ]


@router.get("/journey-maps", response_model=list[JourneyMapPublic])
def list_journey_maps(session: SessionDep) -> list[dict[str, Any]]:
    """The templates an event's journey map can be copied from."""
    return [
        {
            "id": journey.id,
            "slug": journey.slug,
            "name": journey.name,
            "description": journey.description,
            "stages": map_summary(session, journey.id or 0),
        }
        for journey in service.list_templates(session)
    ]


class MapFileIn(BaseModel):
    """A spreadsheet sent to the JSON API: the API takes only JSON (app/security/csrf.py), so the
    file's bytes come base64-encoded."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    filename: str = Field(min_length=1, max_length=200, examples=["housing-walk.xlsx"])
    content_base64: str = Field(max_length=(files.MAX_BYTES * 4) // 3 + 8)
    name: str = Field(default="", max_length=120)
    event_id: int | None = None


def read_upload(upload: UploadFile | None) -> tuple[str, bytes]:
    if upload is None or not upload.filename:
        raise Invalid("Choose a .csv or .xlsx file with the columns stage, touchpoint and lens question.")
    # The body-size limit (app/security/body_size.py) has already bounded the upload.
    return upload.filename, upload.file.read(files.MAX_BYTES + 1)


def import_map(
    write: RoomWrite, filename: str, raw: bytes, name: str, event_id: int | None
) -> tuple[int | None, int]:
    """Into a draft event's map when event_id is given, otherwise as a new template. Returns
    (event id or None, map id)."""
    stages = files.parse_map_file(filename, raw)
    if event_id is not None:
        event = write.map_editor(event_id, events.replace_map, stages)
        return event.id, event.journey_map_id
    journey = write.account(service.import_template, stages, filename=filename, name=name)
    return None, journey.id or 0


@router.post("/journey-maps/import", status_code=201, response_model=ImportedMap)
def import_journey_map(session: SessionDep, write: WriteAsFacilitator, body: MapFileIn) -> dict[str, Any]:
    """A CSV or XLSX map (first row: stage, touchpoint, stage description, lens question; one row per
    touchpoint) as a new template, or, with event_id, in place of a draft event's map. A file with
    any problem is refused whole, every problem named by row."""
    try:
        raw = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("content_base64 is not valid base64.") from None
    event, map_id = import_map(write, body.filename, raw, body.name, body.event_id)
    journey = service.get_map(session, map_id)
    return {
        "id": map_id,
        "name": journey.name,
        "is_template": journey.is_template,
        "event_id": event,
        "stages": map_summary(session, map_id),
    }


@router.get(
    "/journey-maps/{map_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The map as a download: one row per touchpoint, first row stage, touchpoint, "
            "stage description, lens question. `POST /api/v1/journey-maps/import` reads it back.",
            "content": {
                media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA.values()
            },
        }
    },
)
def export_journey_map(
    map_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
) -> Response:
    journey = events.require_map_reader(session, map_id, facilitator.id)
    specs = service.stage_specs(session, map_id)
    body = files.to_csv(specs) if format == "csv" else files.to_xlsx(specs, journey.name)
    slug = "".join(c if c.isalnum() else "-" for c in journey.name.lower()).strip("-")[:60] or "journey-map"
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{slug}.{format}"'},
    )


@router.post("/events/{event_id}/journey-map/save-as-template", status_code=201, response_model=SavedTemplate)
def save_event_map_as_template(
    event_id: int,
    session: SessionDep,
    write: WriteAsFacilitator,
    body: TemplateName | None = None,
) -> dict[str, Any]:
    """A copy of the event's map, with every edit made for it, in the template library."""
    journey = write.facilitator(event_id, events.save_map_as_template, name=body.name if body else "")
    return {"id": journey.id, "name": journey.name, "stages": map_summary(session, journey.id or 0)}
