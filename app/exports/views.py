"""The printable report page, with every download, and the upload that restores an archive."""

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.deps import CurrentFacilitator, PlanEvent, SessionDep, SettingsDep, WriteAsFacilitator
from app.errors import Invalid
from app.events import service as events
from app.exports import service
from app.exports.archive import MAX_BYTES, import_archive, parse_archive
from app.exports.report import gather
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/events/{event_id}/report")
def report_page(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    event: PlanEvent,
    facilitator: CurrentFacilitator,
) -> Response:
    report = gather(session, event, min_group_size=settings.min_group_size, with_annotations=False)
    return render(
        request,
        "exports/report.html",
        {
            **service.report_context(report),
            "formats": service.FORMATS,
            "tables": service.TABLE_LABELS,
            "max_upload_mib": MAX_BYTES // (1024 * 1024),
            # An implementation group member reads the report; only facilitators run the event.
            "runs_event": events.is_facilitator(session, event.id or 0, facilitator.id),
        },
    )


@router.post("/events/import")
def import_upload(
    write: WriteAsFacilitator,
    archive: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if archive is None or not archive.filename:
        raise Invalid("Choose a Lenswalk archive file (.lenswalk.json) to restore.")
    # The body-size limit has already bounded the upload.
    parsed = parse_archive(archive.file.read(MAX_BYTES + 1))
    event = write.account(import_archive, parsed, facilitator_id=write.signed_in_id)
    return RedirectResponse(f"/events/{event.id}/report", status_code=303)
