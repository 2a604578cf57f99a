"""The printable report page, with every download, and the upload that restores an archive."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.deps import FacilitatorPage, WriteAsFacilitator
from app.errors import Invalid
from app.exports import service
from app.exports.archive import MAX_BYTES, import_archive, parse_archive
from app.exports.report import gather
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/events/{event_id}/report")
def report_page(page: FacilitatorPage) -> Response:
    report = gather(
        page.session, page.event, min_group_size=page.settings.min_group_size, with_annotations=False
    )
    return render(
        page.request,
        "exports/report.html",
        {
            **service.report_context(report),
            "formats": service.FORMATS,
            "tables": service.TABLE_LABELS,
            "max_upload_mib": MAX_BYTES // (1024 * 1024),
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
