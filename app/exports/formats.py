"""Spreadsheet and text builders from one gathered `Report`: CSV (one table at a time), an XLSX
workbook, and Markdown. The PDF is in `pdf.py`, the printable HTML in the report templates.

Spreadsheets treat a cell starting with = + - @ (or a tab or carriage return) as a formula: in CSV
such a cell gets a leading ', and in XLSX every text cell is stored as text, never as a formula.

A contribution's time is given as the hour it was written in, never to the second: in a small
community an exact time beside the team can point at the person. Dates are real dates in XLSX."""

import base64
import csv
import datetime as dt
import io
import re
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.actions.models import STATUS_LABELS
from app.actions.outcomes import outcome_grid, outcomes_svg
from app.annotations.models import Kind
from app.exports.report import KINDS, PRINCIPLES, Report
from app.improvements.models import COST_LABELS, DRIVER_LABELS, EFFORT_LABELS, HORIZON_LABELS, facet_labels
from app.timeutil import to_the_hour
from app.voting.priorities import EvidenceItem, Priority

Table = Literal["priorities", "annotations", "actions"]

KIND_LABELS = Kind.labels_by_value()
KIND_PLURALS = {"strength": "Strengths", "barrier": "Barriers", "idea": "Ideas"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def label(labels: dict[Any, str], value: Any) -> str:
    return labels[value] if value is not None else ""


def evidence_line(e: EvidenceItem) -> str:
    where = f"{e.touchpoint} ({e.stage})" if e.stage else e.touchpoint
    vignette = f", {e.vignette}" if e.vignette else ""
    return f"{KIND_LABELS.get(e.kind, e.kind)} at {where}{vignette}: {e.text}"


def evidence_summary(p: Priority) -> str:
    return "\n".join(evidence_line(e) for e in p.evidence)


# ---- the three tables, as rows of plain values ----------------------------------------------------


def priority_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    groups = report.priorities.groups
    header = [
        "Rank",
        "Title",
        "Votes",
        "Driver",
        "Effort",
        "Cost",
        "Horizon",
        "Barriers",
        "Touchpoints",
        "Vignettes",
        "Evidence",
        *[f"Votes: {g}" for g in groups],
    ]
    rows = [
        [
            p.rank,
            p.improvement.title,
            p.votes,
            DRIVER_LABELS[p.improvement.driver],
            label(EFFORT_LABELS, p.improvement.effort),
            label(COST_LABELS, p.improvement.cost),
            label(HORIZON_LABELS, p.improvement.horizon),
            p.barriers,
            p.touchpoints,
            p.vignettes,
            evidence_summary(p),
            *[p.by_group.get(g, 0) for g in groups],
        ]
        for p in report.priorities.rows
    ]
    return header, rows


def annotation_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    header = [
        "Stage",
        "Touchpoint",
        "Kind",
        "Principles",
        "Vignette",
        "Team",
        "Text",
        "Created",
        "From paper",
    ]
    rows = [
        [
            a.stage,
            a.touchpoint,
            KIND_LABELS.get(a.kind, a.kind),
            ", ".join(p.capitalize() for p in a.principles),
            a.vignette,
            a.team,
            a.text,
            to_the_hour(a.created_at).replace(tzinfo=None),
            "yes" if a.from_paper else "",
        ]
        for a in report.annotations
    ]
    return header, rows


def action_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    header = ["Rank", "Priority", "Action", "Owner", "Driver", "Due", "Review", "Status"]
    rows = [
        [
            rank,
            improvement.title,
            a.what,
            a.owner,
            DRIVER_LABELS[a.driver],
            a.due,
            a.review,
            STATUS_LABELS[a.status],
        ]
        for improvement, rank, planned in report.planned
        for a in planned
    ]
    return header, rows


def touchpoint_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    header = [
        "Stage",
        "Touchpoint",
        *[KIND_PLURALS[k] for k in KINDS],
        *[p.capitalize() for p in PRINCIPLES],
    ]
    rows = [
        [
            tp.stage,
            tp.touchpoint,
            *[tp.kinds[k] for k in KINDS],
            *[tp.principles[p] for p in PRINCIPLES],
        ]
        for stage in report.stages
        for tp in stage.touchpoints
    ]
    return header, rows


TABLES = {"priorities": priority_rows, "annotations": annotation_rows, "actions": action_rows}


# ---- CSV --------------------------------------------------------------------------------------------


# A datetime in a table is always an hour (see annotation_rows): shown as the hour it spans.
HOUR_TEXT = "%Y-%m-%d %H:00\u2013%H:59"
HOUR_FORMAT = 'yyyy-mm-dd hh":00\u2013"hh":59"'
DATE_FORMAT = "yyyy-mm-dd"


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, dt.datetime):
        return value.strftime(HOUR_TEXT)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_csv(report: Report, table: Table) -> bytes:
    header, rows = TABLES[table](report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    # With the byte order mark, Excel reads the file as UTF-8 rather than the local code page.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---- XLSX -------------------------------------------------------------------------------------------

WIDTHS = {
    "Title": 45,
    "Priority": 45,
    "Evidence": 80,
    "Text": 70,
    "Action": 60,
    "Driver": 30,
    "Owner": 24,
    "Stage": 26,
    "Touchpoint": 32,
    "Principles": 28,
    "Created": 22,
    "From paper": 12,
}


TOP_PRIORITIES = 5
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _cell(sheet: Any, value: Any, *, wrap: bool = False, bold: bool = False) -> Any:
    """A write-only cell: text stored as text (never a formula), dates and hours as real dates."""
    if isinstance(value, str):
        c = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
        c.data_type = "s"  # text, never a formula
        if wrap:
            c.alignment = WRAP
    elif isinstance(value, dt.date):
        c = WriteOnlyCell(sheet, value)  # type: ignore[arg-type]  # openpyxl writes dates; its stubs name only datetime
        c.number_format = HOUR_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
    elif bold:
        c = WriteOnlyCell(sheet, value)
    else:
        return value
    if bold:
        c.font = BOLD
    return c


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    for i, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = WIDTHS.get(
            name, max(10, min(len(name) + 2, 30))
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    wrapped = {i for i, name in enumerate(header) if name in ("Evidence", "Text", "Action")}
    sheet.append([_cell(sheet, name, bold=True) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, v, wrap=i in wrapped) for i, v in enumerate(row)])


def _summary(book: Workbook, report: Report) -> None:
    """The first sheet: the event at a glance, then counts by kind and stage and the top priorities."""
    sheet = book.create_sheet("Summary")
    for letter, width in zip("ABCDE", (26, 45, 12, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    kinds = report.kinds
    pl = report.priorities
    # Each row with how many of its first cells are bold: 1 for a label, all for a table's heading.
    rows: list[tuple[int, list[Any]]] = [
        (1, ["Event", report.event.title]),
        (1, ["Date", report.date]),
        (1, ["Contributions", sum(kinds[k] for k in KINDS)]),
        (1, ["Improvements", len(pl.rows)]),
        (1, ["People who voted", pl.voters]),
        (1, ["Actions", sum(len(a) for _i, _r, a in report.planned)]),
        (0, []),
        (9, ["Contributions by kind", "Count"]),
        *[(0, [KIND_PLURALS[k], kinds[k]]) for k in KINDS],
        (0, []),
        (9, ["Contributions by stage", *[KIND_PLURALS[k] for k in KINDS], "Total"]),
        *[(0, [s.stage, *[s.kinds[k] for k in KINDS], sum(s.kinds.values())]) for s in report.stages],
        (0, []),
        (1, [f"Top {TOP_PRIORITIES} priorities"]),
        (9, ["Rank", "Title", "Votes", "Driver"]),
        *[
            (0, [p.rank, p.improvement.title, p.votes, DRIVER_LABELS[p.improvement.driver]])
            for p in pl.rows[:TOP_PRIORITIES]
        ],
    ]
    for bold, row in rows:
        sheet.append([_cell(sheet, v, bold=i < bold) for i, v in enumerate(row)])


def to_xlsx(report: Report) -> bytes:
    # Write-only: rows stream to the file, so a big event stays quick.
    book = Workbook(write_only=True)
    _summary(book, report)
    for title, build in (
        ("Priorities", priority_rows),
        ("Action plan", action_rows),
        ("Annotations", annotation_rows),
        ("Touchpoints", touchpoint_rows),
    ):
        header, rows = build(report)
        _sheet(book, title, header, rows)
    book.properties.title = report.event.title[:200]
    book.properties.creator = "Lenswalk"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- Markdown ---------------------------------------------------------------------------------------

# Inline text only ever follows a prefix ("- ", "| ", "# "), so these are the signs that matter.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")


def md(text: str) -> str:
    """Words as written, never as markup: HTML is escaped and Markdown's own signs are backslashed."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md(str(v)) for v in row) + " |" for row in rows]
    return [*lines, ""]


def to_markdown(report: Report) -> bytes:
    event = report.event
    pl = report.priorities
    kinds = report.kinds
    out: list[str] = [
        f"# {md(event.title)}",
        "",
        f"Lens walkthrough on {report.date.isoformat()}. "
        f"{kinds['strength']} strengths, {kinds['barrier']} barriers and {kinds['idea']} ideas; "
        f"{len(pl.rows)} improvements, {pl.voters} people voted.",
        "",
        "## Vignettes used",
        "",
    ]
    if report.vignettes:
        for v in report.vignettes:
            age = f", {v.age}" if v.age is not None else ""
            out.append(f"- **{md(v.name)}**{md(age)}: {md(v.summary)}")
    else:
        out.append("No vignettes were used.")
    out += ["", "## Strengths and barriers by stage", ""]
    out += _md_table(
        ["Stage", "Strengths", "Barriers", "Ideas"],
        [[s.stage, s.kinds["strength"], s.kinds["barrier"], s.kinds["idea"]] for s in report.stages],
    )
    out += ["## Barriers by stage and principle", ""]
    out += _md_table(
        ["Stage", *[p.capitalize() for p in PRINCIPLES]],
        [[s.stage, *[s.barrier_principles[p] for p in PRINCIPLES]] for s in report.stages],
    )
    out += ["## Priorities", ""]
    if pl.groups:
        out += [f'Votes by "I\'m here as" group are shown for groups of at least {pl.min_group_size}.', ""]
    if not pl.rows:
        out += ["No improvements yet.", ""]
    for p in pl.rows:
        i = p.improvement
        out.append(f"### {p.rank}\\. {md(i.title)}")
        out.append("")
        votes = f"{p.votes} vote{'s' if p.votes != 1 else ''}"
        if pl.groups:
            votes += " (" + "; ".join(f"{md(g)}: {p.by_group.get(g, 0)}" for g in pl.groups) + ")"
        facts = [f"Driver: {md(DRIVER_LABELS[i.driver])}"]
        facts += [f"{name}: {md(label)}" for name, label in facet_labels(i)]
        out += [f"{votes}. " + "; ".join(facts) + ".", ""]
        if p.evidence:
            out += [f"- {md(evidence_line(e))}" for e in p.evidence]
            out.append("")
    out += ["## Action plan", ""]
    if not report.planned:
        out += ["No actions yet.", ""]
    for improvement, rank, planned in report.planned:
        out += [f"### {rank}\\. {md(improvement.title)}", ""]
        out += _md_table(
            ["Action", "Owner", "Due", "Review", "Status"],
            [
                [a.what, a.owner, a.due.isoformat(), a.review.isoformat(), STATUS_LABELS[a.status]]
                for a in planned
            ],
        )
    if report.planned:
        out += _md_outcomes(report)
    return "\n".join(out).encode("utf-8")


def _md_outcomes(report: Report) -> list[str]:
    """The outcomes picture as an image carried in the file (nothing to fetch), then the same in words."""
    picture = outcomes_svg(report.outcomes, title=report.event.title).encode("utf-8")
    grid = outcome_grid(report.outcomes)
    out = [
        "## Outcomes over time",
        "",
        f"![Outcomes over time: the actions by Roadmap driver and horizon](data:image/svg+xml;base64,"
        f"{base64.b64encode(picture).decode('ascii')})",
        "",
    ]
    return out + _md_table(
        ["Roadmap driver", "Horizon", "Action", "Status"],
        [
            [DRIVER_LABELS[row.driver], column, a.what, STATUS_LABELS[a.status]]
            for row in grid.rows
            for column, cell in zip(grid.columns, row.cells, strict=True)
            for a in cell
        ],
    )
