"""Journey maps as spreadsheets: read a CSV or XLSX file into stages and touchpoints, and write one.

One row per touchpoint, columns stage, touchpoint, stage description, lens question; stages come in the
order they first appear. A file with any problem is refused whole, with every problem named by row, so
nothing is ever half-imported. Exported text that a spreadsheet would run as a formula (= + - @) gets a
leading ' in CSV and is stored as plain text in XLSX; reading strips that ' again, so a map survives the
round trip unchanged."""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

from app.errors import Invalid
from app.journeys.models import MAX_STAGES, MAX_TOUCHPOINTS_PER_STAGE

MAX_BYTES = 1024 * 1024
MAX_ROWS = MAX_STAGES * MAX_TOUCHPOINTS_PER_STAGE
MAX_PROBLEMS_SHOWN = 50
NAME_MAX = 120
DESCRIPTION_MAX = 500
PROMPT_MAX = 500

Format = Literal["csv", "xlsx"]
HEADER = ["stage", "touchpoint", "stage description", "lens question"]
COLUMNS = {
    "stage": "stage",
    "touchpoint": "touchpoint",
    "description": "description",
    "stage description": "description",
    "lens question": "prompt",
    "question": "prompt",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class TouchpointIn:
    name: str
    prompt: str = ""


@dataclass
class StageIn:
    name: str
    description: str = ""
    touchpoints: list[TouchpointIn] = field(default_factory=list)


def format_of(filename: str) -> Format:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        return "xlsx"
    raise Invalid("Choose a .csv or .xlsx file with the columns stage, touchpoint and lens question.")


def parse_map_file(filename: str, raw: bytes) -> list[StageIn]:
    kind = format_of(filename)
    if len(raw) > MAX_BYTES:
        raise Invalid(f"The file is larger than a journey map can be (at most {MAX_BYTES // 1024} KiB).")
    if not raw.strip():
        raise Invalid("The file is empty.")
    rows = _csv_rows(raw) if kind == "csv" else _xlsx_rows(raw)
    return parse_rows(rows)


def _csv_rows(raw: bytes) -> list[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("The CSV file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.") from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise Invalid(f"The CSV file cannot be read: {exc}.") from None


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Invalid("The XLSX file cannot be read. Save it again from your spreadsheet as .xlsx.") from None
    try:
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for row in sheet.iter_rows(max_col=8):
            if len(rows) > MAX_ROWS + 1:
                break
            cells = []
            for cell in row:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" and isinstance(value, str):
                    value = value if value.startswith("=") else "=" + value
                cells.append("" if value is None else str(value))
            rows.append(cells)
        return rows
    finally:
        book.close()


def _clean(value: str) -> str:
    value = value.strip()
    if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_START:
        value = value[1:]
    return value


def parse_rows(rows: list[list[str]]) -> list[StageIn]:
    while rows and not any(c.strip() for c in rows[0]):
        rows = rows[1:]
    if not rows:
        raise Invalid("The file is empty.")
    header = [c.strip().lower() for c in rows[0]]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in COLUMNS and COLUMNS[name] not in columns:
            columns[COLUMNS[name]] = i
    missing = [name for name in ("stage", "touchpoint") if name not in columns]
    if missing:
        raise Invalid(
            "The first row must name the columns: stage, touchpoint, and optionally stage description "
            f"and lens question. Missing: {', '.join(missing)}."
        )
    if len(rows) - 1 > MAX_ROWS:
        raise Invalid(f"A journey map can have at most {MAX_ROWS} touchpoints (rows after the first).")

    problems: list[str] = []
    stages: dict[str, StageIn] = {}
    stage_rows: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def cell(key: str, row: list[str] = row) -> str:
            i = columns.get(key)
            return row[i] if i is not None and i < len(row) else ""

        values = {key: cell(key) for key in ("stage", "touchpoint", "description", "prompt")}
        row_problems = [
            f"row {number}: the {label} is a formula; type the words instead"
            for key, label in (
                ("stage", "stage name"),
                ("touchpoint", "touchpoint name"),
                ("description", "stage description"),
                ("prompt", "lens question"),
            )
            if values[key].strip().startswith("=")
        ]
        if row_problems:
            problems.extend(row_problems)
            continue
        stage_name, tp_name = _clean(values["stage"]), _clean(values["touchpoint"])
        description, prompt = _clean(values["description"]), _clean(values["prompt"])
        for text, label, limit in (
            (stage_name, "stage name", NAME_MAX),
            (tp_name, "touchpoint name", NAME_MAX),
            (description, "stage description", DESCRIPTION_MAX),
            (prompt, "lens question", PROMPT_MAX),
        ):
            if len(text) > limit:
                problems.append(f"row {number}: the {label} is longer than {limit} characters")
            if ILLEGAL_CHARACTERS_RE.search(text):
                problems.append(f"row {number}: the {label} has control characters in it")
        if not stage_name:
            problems.append(f"row {number}: stage name is empty")
            continue
        stage = stages.get(stage_name.casefold())
        if stage is None:
            if len(stages) >= MAX_STAGES:
                problems.append(f"row {number}: a journey map can have at most {MAX_STAGES} stages")
                continue
            stage = stages[stage_name.casefold()] = StageIn(name=stage_name, description=description)
            stage_rows[stage_name.casefold()] = number
        elif description and stage.description and description != stage.description:
            problems.append(
                f"row {number}: stage '{stage_name}' already has a different description "
                f"(row {stage_rows[stage_name.casefold()]}); give it once or the same each time"
            )
        elif description:
            stage.description = description
        if not tp_name:
            # A stage on its own row, with nothing else, is a stage that has no touchpoints yet.
            if prompt or stage_rows[stage_name.casefold()] != number:
                problems.append(f"row {number}: touchpoint name is empty")
            continue
        if len(stage.touchpoints) == MAX_TOUCHPOINTS_PER_STAGE:
            problems.append(
                f"row {number}: stage '{stage_name}' has more than {MAX_TOUCHPOINTS_PER_STAGE} touchpoints"
            )
            continue
        stage.touchpoints.append(TouchpointIn(name=tp_name, prompt=prompt))
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise Invalid(
            "Nothing was imported. Fix these and try again: "
            + "; ".join(shown)
            + (f"; and {more} more." if more else ".")
        )
    if not stages:
        raise Invalid("The file has no stages in it: add a row for each touchpoint under the first row.")
    return list(stages.values())


def map_rows(stages: list[StageIn]) -> list[list[str]]:
    rows = []
    for stage in stages:
        if not stage.touchpoints:
            rows.append([stage.name, "", stage.description, ""])
        for i, tp in enumerate(stage.touchpoints):
            rows.append([stage.name, tp.name, stage.description if i == 0 else "", tp.prompt])
    return rows


def to_csv(stages: list[StageIn]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(
        [("'" + v if v.startswith(FORMULA_START) else v) for v in row] for row in map_rows(stages)
    )
    # With the byte order mark, Excel reads the file as UTF-8 rather than the local code page.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(stages: list[StageIn], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Journey map")
    for letter, width in zip("ABCD", (28, 40, 50, 70), strict=True):
        sheet.column_dimensions[letter].width = width

    def text(value: str) -> Cell:
        c = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
        c.data_type = "s"  # text, never a formula
        return c

    sheet.append([text(h) for h in HEADER])
    for row in map_rows(stages):
        sheet.append([text(v) for v in row])
    book.properties.title = title[:200]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
