"""Exports of one event, for its facilitators: the same content as CSV, XLSX, Markdown, printable
HTML, PDF and a JSON archive, each with the media type and file name a download needs; and the
import that restores an archive as a new event."""

import json
from dataclasses import dataclass
from typing import Any, Literal

from markupsafe import Markup
from sqlmodel import Session

from app.actions.models import STATUS_LABELS
from app.actions.outcomes import outcomes_svg
from app.assets import minified
from app.events.models import Event
from app.exports import archive, formats, pdf
from app.exports.formats import Table
from app.exports.report import Report, file_stem, gather
from app.improvements.models import COST_LABELS, DRIVER_LABELS, EFFORT_LABELS, HORIZON_LABELS
from app.templating import render_template

Format = Literal["csv", "xlsx", "md", "html", "pdf", "json"]

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("Spreadsheet, one table (CSV)", "text/csv; charset=utf-8"),
    "xlsx": ("Workbook (Excel, XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "md": ("Text document (Markdown)", "text/markdown; charset=utf-8"),
    "html": ("Web page to print or keep (HTML)", "text/html; charset=utf-8"),
    "pdf": ("Report (PDF)", "application/pdf"),
    "json": ("Whole event, to restore elsewhere (JSON archive)", "application/json"),
}
TABLE_LABELS: dict[str, str] = {
    "priorities": "Priorities",
    "annotations": "Annotations",
    "actions": "Action plan",
}


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


def report_context(report: Report) -> dict[str, Any]:
    """What the report templates need besides the report: the labels of its values."""
    return {
        "report": report,
        "DRIVER_LABELS": DRIVER_LABELS,
        "EFFORT_LABELS": EFFORT_LABELS,
        "COST_LABELS": COST_LABELS,
        "HORIZON_LABELS": HORIZON_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        # Built by ElementTree, which escapes every word in it.
        "OUTCOMES_SVG": Markup(outcomes_svg(report.outcomes, title=report.event.title)),  # noqa: S704
    }


def _report_css() -> Markup:
    # The report page's own stylesheets, inlined so the downloaded page looks and prints the same
    # wherever it is opened, with nothing to fetch.
    css = "\n".join(minified(path) for path in ("css/lenswalk.css", "css/report.css"))
    return Markup(css.replace("</", "<\\/"))  # noqa: S704


def report_document(report: Report) -> bytes:
    context = {**report_context(report), "REPORT_CSS": _report_css()}
    return render_template("exports/document.html", context).encode("utf-8")


def export(
    session: Session, event: Event, fmt: Format, *, table: Table = "priorities", min_group_size: int
) -> Export:
    stem = file_stem(event)
    media_type = FORMATS[fmt][1]
    if fmt == "json":
        body = archive.build_archive(session, event, min_group_size=min_group_size)
        content = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
        return Export(content, media_type, f"{stem}.lenswalk.json")
    report = gather(
        session,
        event,
        min_group_size=min_group_size,
        with_annotations=fmt == "xlsx" or table == "annotations",
    )
    if fmt == "csv":
        return Export(formats.to_csv(report, table), media_type, f"{stem}-{table}.csv")
    if fmt == "xlsx":
        content = formats.to_xlsx(report)
    elif fmt == "md":
        content = formats.to_markdown(report)
    elif fmt == "html":
        content = report_document(report)
    else:
        content = pdf.to_pdf(report)
    return Export(content, media_type, f"{stem}.{fmt}")
