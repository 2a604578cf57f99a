"""Exports and the archive import over the JSON API, for facilitators."""

from typing import Any

from fastapi import APIRouter, Response

from app.deps import CurrentFacilitator, SessionDep, SettingsDep, WriteAsFacilitator
from app.exports import service
from app.exports.archive import Archive, Imported, import_archive
from app.exports.formats import Table
from app.organisations import service as organisations

router = APIRouter(prefix="/api/v1", tags=["exports"])

_DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export as a download (Content-Disposition: attachment). The JSON archive "
        "is what `POST /api/v1/events/import` restores.",
        "content": {
            media_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for fmt, (_label, media_type) in service.FORMATS.items()
            if fmt != "json"
        }
        | {"application/json": {"schema": {"$ref": "#/components/schemas/Archive"}}},
    }
}


@router.get(
    "/events/{event_id}/export/{format}",
    response_class=Response,
    responses=_DOWNLOADS,
)
def export_event(
    event_id: int,
    format: service.Format,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
    table: Table = "priorities",
) -> Response:
    """The event's priorities (with evidence and the breakdown by "I'm here as" group, small groups
    merged), annotations, action plan and counts, as `csv` (one `table` at a time), `xlsx`, `md`,
    `html`, `pdf` or a `json` archive of the whole event. Hidden annotations are left out, and nothing
    identifies a participant. For the event's facilitators and its organisation's implementation group."""
    event = organisations.require_plan_reader(session, event_id, facilitator.id)
    done = service.export(session, event, format, table=table, min_group_size=settings.min_group_size)
    return Response(
        done.content,
        media_type=done.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{done.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/events/import", status_code=201)
def import_event(body: Archive, write: WriteAsFacilitator) -> Imported:
    """Restore a JSON archive (from `GET /api/v1/events/{id}/export/json`, at most 8 MiB) as a new event
    that you facilitate. It gets a fresh join code and starts closed: open it again to let people join."""
    event = write.account(import_archive, body, facilitator_id=write.signed_in_id)
    return Imported(id=event.id or 0, title=event.title, status=event.status, join_code=event.join_code)
