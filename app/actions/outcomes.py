"""The outcomes picture: the action plan as one grid, a row for each Roadmap driver and a column for
each horizon (quick win, 1-2 years, ...), every action in its cell with its status in words.

Made on the server as SVG (ElementTree escapes every word a person typed), with no script and
nothing to fetch, so the same picture shows on the plan page, in the HTML and Markdown reports
and in the PDF. Status is written out, never shown by colour alone, and the picture is black on
white with grey rules, so it reads when printed in greyscale."""

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from app.actions.models import STATUS_LABELS, Action
from app.improvements.models import DRIVER_LABELS, HORIZON_LABELS, Driver, Horizon, Improvement

NO_HORIZON = "Horizon not set"
FONT = "DejaVu Sans, Verdana, sans-serif"
WIDTH = 1000
DRIVER_W = 180
PAD = 8
LINE = 16
HEADER_H = 40
TEXT_LINES = 4  # of one action's words; the rest is in the plan


@dataclass
class DriverRow:
    driver: Driver
    cells: list[list[Action]]  # one per column, in the order of OutcomeGrid.columns


@dataclass
class OutcomeGrid:
    columns: list[str]  # horizon labels, then "Horizon not set" if any action lacks one
    rows: list[DriverRow]

    @property
    def count(self) -> int:
        return sum(len(cell) for row in self.rows for cell in row.cells)


def outcome_grid(planned: Iterable[tuple[Improvement, list[Action]]]) -> OutcomeGrid:
    """Actions by their own driver and their improvement's horizon, drivers in the Roadmap's order
    and only those with an action; actions in the order given (the plan's rank order)."""
    by_key: dict[tuple[Driver, Horizon | None], list[Action]] = {}
    for improvement, actions in planned:
        for action in actions:
            by_key.setdefault((action.driver, improvement.horizon), []).append(action)
    horizons: list[Horizon | None] = list(Horizon)
    if any(horizon is None for _driver, horizon in by_key):
        horizons.append(None)
    rows = [
        DriverRow(driver, [by_key.get((driver, h), []) for h in horizons])
        for driver in Driver
        if any((driver, h) in by_key for h in horizons)
    ]
    return OutcomeGrid([HORIZON_LABELS[h] if h else NO_HORIZON for h in horizons], rows)


def describe(grid: OutcomeGrid) -> str:
    """The picture in words, for a screen reader and the Markdown report."""
    if not grid.rows:
        return "No actions yet."
    parts = [
        f"{DRIVER_LABELS[row.driver]}, {column}: {a.what} ({STATUS_LABELS[a.status]})"
        for row in grid.rows
        for column, cell in zip(grid.columns, row.cells, strict=True)
        for a in cell
    ]
    count = f"{grid.count} action{'s' if grid.count != 1 else ''}"
    return f"{count} by Roadmap driver and horizon. " + "; ".join(parts) + "."


def _lines(text: str, width: int, limit: int) -> list[str]:
    lines = textwrap.wrap(" ".join(text.split()), width=width, break_long_words=True) or [""]
    if len(lines) > limit:
        lines = [*lines[: limit - 1], lines[limit - 1][: max(width - 1, 1)].rstrip() + "…"]
    return lines


def _text(
    parent: ET.Element, x: float, y: float, lines: list[str], *, size: int = 13, bold: bool = False
) -> None:
    for n, line in enumerate(lines):
        el = ET.SubElement(
            parent,
            "text",
            {"x": f"{x:g}", "y": f"{y + n * LINE:g}", "font-size": str(size), "fill": "#000000"},
        )
        if bold:
            el.set("font-weight", "bold")
        el.text = line


def outcomes_svg(
    planned: Iterable[tuple[Improvement, list[Action]]],
    *,
    title: str,
    font: str = FONT,
    labelled: bool = True,
) -> str:
    """The picture as an SVG element (no XML declaration, so it can sit inside a page). `font` names
    the PDF's own font there; `labelled=False` leaves out the <title> and <desc> a PDF cannot use
    (the PDF's text says the same)."""
    grid = outcome_grid(planned)
    columns = max(len(grid.columns), 1)
    col_w = (WIDTH - DRIVER_W) / columns
    chars = max(int((col_w - 2 * PAD) / 7.2), 8)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "class": "vote-chart outcomes-chart",
            "role": "img",
            "aria-labelledby": "outcomes-title outcomes-desc",
            "font-family": font,
        },
    )
    if labelled:
        ET.SubElement(svg, "title", {"id": "outcomes-title"}).text = f"Outcomes over time: {title}"
        ET.SubElement(svg, "desc", {"id": "outcomes-desc"}).text = describe(grid)
    else:
        del svg.attrib["aria-labelledby"]

    # White behind everything, so the picture reads the same on a dark page or printed.
    background = ET.SubElement(svg, "rect", {"x": "0", "y": "0", "width": str(WIDTH), "fill": "#ffffff"})
    # Column headings: the horizons, left to right from soonest.
    _text(svg, PAD, 26, ["Roadmap driver"], size=14, bold=True)
    for n, label in enumerate(grid.columns):
        _text(svg, DRIVER_W + n * col_w + PAD, 26, [label], size=14, bold=True)
    y = float(HEADER_H)
    ET.SubElement(svg, "line", _rule(0, y, WIDTH, y, width=2))
    if not grid.rows:
        _text(svg, PAD, y + 28, ["No actions yet."])
        y += 44
    for row in grid.rows:
        top = y
        driver_lines = _lines(DRIVER_LABELS[row.driver], 22, 4)
        height: float = LINE * len(driver_lines) + 2 * PAD
        group = ET.SubElement(svg, "g")
        _text(group, PAD, top + PAD + 12, driver_lines, bold=True)
        for n, cell in enumerate(row.cells):
            x = DRIVER_W + n * col_w + PAD
            cy = top + PAD + 12
            for action in cell:
                words = _lines(action.what, chars, TEXT_LINES)
                _text(group, x, cy, [f"• {words[0]}", *[f"  {w}" for w in words[1:]]])
                cy += LINE * len(words)
                _text(group, x, cy, [f"  Status: {STATUS_LABELS[action.status]}"], size=11, bold=True)
                cy += LINE + 6
            height = max(height, cy - top - 12 + PAD)
        y = top + height
        ET.SubElement(svg, "line", _rule(0, y, WIDTH, y))
    for n in range(columns):
        x = DRIVER_W + n * col_w
        ET.SubElement(svg, "line", _rule(x, 0, x, y))
    total_h = f"{y + 2:g}"
    svg.set("viewBox", f"0 0 {WIDTH} {total_h}")
    svg.set("width", str(WIDTH))
    svg.set("height", total_h)
    background.set("height", total_h)
    return ET.tostring(svg, encoding="unicode")


def _rule(x1: float, y1: float, x2: float, y2: float, *, width: int = 1) -> dict[str, str]:
    return {
        "x1": f"{x1:g}",
        "y1": f"{y1:g}",
        "x2": f"{x2:g}",
        "y2": f"{y2:g}",
        "stroke": "#595959",
        "stroke-width": str(width),
    }
