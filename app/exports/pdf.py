"""The PDF report, made on the server with fpdf2 (pure Python) and the bundled DejaVu Sans font
(fonts/, its licence beside it), which covers Latin, Greek, Cyrillic, Hebrew, Arabic and many
symbols. A character the font lacks (Chinese, emoji) is shown as a white square rather than
vanishing: the CSV, XLSX, Markdown and JSON exports keep every character as written.

Its length stays bounded however big the event: counts stand for the annotations, the top
priorities carry their evidence (the first few items each), and the rest are one line each."""

import re
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from app.actions.models import STATUS_LABELS
from app.exports.formats import KIND_PLURALS, evidence_line
from app.exports.report import KINDS, PRINCIPLES, Report
from app.improvements.models import DRIVER_LABELS, facet_labels

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
MISSING = "\u25a1"  # WHITE SQUARE
_SPACES = re.compile(r"\s+")
DETAILED_PRIORITIES = 20
EVIDENCE_SHOWN = 5
CHART_BARS = 15
ACCENT = (26, 79, 138)
BARRIER = (176, 58, 46)
STRENGTH = (30, 110, 60)


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        fonts = [cast(TTFFont, self.fonts[name]) for name in (FAMILY.lower(), FAMILY.lower() + "B")]
        self.glyphs = set(fonts[0].cmap) & set(fonts[1].cmap)
        self.set_title(title)
        self.set_creator("Lenswalk")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.clean(f"{self.report_title} · page {self.page_no()}"), align="C")
        self.set_text_color(0, 0, 0)

    def clean(self, value: object) -> str:
        """One line of plain text the font can draw: control characters and line breaks become
        spaces, and a character without a glyph a white square."""
        flat = _SPACES.sub(" ", str(value)).strip()
        return "".join(ch if ord(ch) in self.glyphs else MISSING for ch in flat)

    def fit(self, value: object, width: float) -> str:
        """The text cut with an ellipsis to fit one line of `width`."""
        text = self.clean(value)
        if self.get_string_width(text) <= width:
            return text
        low, high = 0, len(text)
        while low < high:
            mid = (low + high + 1) // 2
            if self.get_string_width(text[:mid] + "…") <= width:
                low = mid
            else:
                high = mid - 1
        return text[:low].rstrip() + "…"

    def heading(self, value: str, size: float = 14) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(3)
        self.set_font(FAMILY, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font(FAMILY, "", 10)
        self.ln(1)

    def para(self, value: str, size: float = 10, height: float = 5) -> None:
        self.set_font(FAMILY, "", size)
        self.multi_cell(0, height, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row(self, cells: list[tuple[object, float, str]], *, bold: bool = False, height: float = 6) -> None:
        """One line of a table: (value, width, align) each, cut to fit."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        self.set_font(FAMILY, "B" if bold else "", 9)
        for value, width, align in cells:
            self.cell(width, height, self.fit(value, width - 2), border="B", align=align)
        self.ln(height)


# The page, its fonts and helpers, for the other PDFs (a review's summary: app/reviews/summary.py).
Document = _Document


def to_pdf(report: Report) -> bytes:
    event = report.event
    doc = _Document(event.title)
    doc.add_page()
    width = doc.epw

    doc.set_font(FAMILY, "B", 20)
    doc.multi_cell(0, 9, doc.clean(event.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    kinds = report.kinds
    pl = report.priorities
    doc.para(
        f"Trauma-informed lens walkthrough, {report.date.strftime('%d %B %Y')}. "
        f"{kinds['strength']} strengths, {kinds['barrier']} barriers and {kinds['idea']} ideas; "
        f"{len(pl.rows)} improvements; {pl.voters} people voted.",
        size=11,
        height=6,
    )

    doc.heading("Vignettes used")
    if report.vignettes:
        for v in report.vignettes:
            age = f", {v.age}" if v.age is not None else ""
            doc.set_font(FAMILY, "B", 10)
            doc.cell(doc.get_string_width(doc.clean(v.name + age)) + 2, 5, doc.clean(v.name + age))
            doc.set_font(FAMILY, "", 10)
            doc.multi_cell(0, 5, doc.clean(v.summary), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        doc.para("No vignettes were used.")

    doc.heading("Strengths and barriers by stage")
    name_w = width - 3 * 25
    doc.row([("Stage", name_w, "L"), *[(KIND_PLURALS[k], 25, "R") for k in KINDS]], bold=True)
    for stage in report.stages:
        doc.row([(stage.stage, name_w, "L"), *[(stage.kinds[k], 25, "R") for k in KINDS]])

    _heat_map(doc, report)
    _vote_chart(doc, report)
    _priorities(doc, report)
    _action_plan(doc, report)
    return bytes(doc.output())


def _heat_map(doc: _Document, report: Report) -> None:
    doc.heading("Heat map: barriers by stage and principle")
    doc.para("The darker the cell, the more barriers were tagged with that principle at that stage.", size=9)
    doc.ln(1)
    name_w = 60
    cell_w = (doc.epw - name_w) / len(PRINCIPLES)
    height = 7
    doc.set_font(FAMILY, "B", 9)
    doc.cell(name_w, height, "Stage")
    for p in PRINCIPLES:
        doc.cell(cell_w, height, p.capitalize(), align="C")
    doc.ln(height)
    doc.set_font(FAMILY, "", 9)
    for stage in report.stages:
        if doc.get_y() + height > doc.h - doc.b_margin:
            doc.add_page()
        doc.cell(name_w, height, doc.fit(stage.stage, name_w - 2))
        for p in PRINCIPLES:
            n = stage.barrier_principles[p]
            level = report.heat_level(n)
            # From white to deep red in five steps; dark cells get white figures.
            shade = (
                255 - round((255 - BARRIER[0]) * level / 5),
                255 - round((255 - BARRIER[1]) * level / 5),
                255 - round((255 - BARRIER[2]) * level / 5),
            )
            doc.set_fill_color(*shade)
            doc.set_text_color(*((255, 255, 255) if level >= 3 else (0, 0, 0)))
            doc.cell(cell_w, height, str(n), border=1, align="C", fill=True)
        doc.set_text_color(0, 0, 0)
        doc.ln(height)


def _vote_chart(doc: _Document, report: Report) -> None:
    pl = report.priorities
    rows = [p for p in pl.rows if p.votes > 0][:CHART_BARS]
    doc.heading("Votes")
    if not rows:
        doc.para("No votes yet.")
        return
    if len(pl.rows) > len(rows):
        doc.para(f"The {len(rows)} improvements with the most votes.", size=9)
    label_w = 75
    bar_w = doc.epw - label_w - 12
    most = pl.most_votes or 1
    height = 6
    for p in rows:
        if doc.get_y() + height > doc.h - doc.b_margin:
            doc.add_page()
        doc.set_font(FAMILY, "", 9)
        doc.cell(label_w, height, doc.fit(f"{p.rank}. {p.improvement.title}", label_w - 2))
        x, y = doc.get_x(), doc.get_y()
        doc.set_fill_color(*ACCENT)
        doc.rect(x, y + 1, max(bar_w * p.votes / most, 0.5), height - 2, style="F")
        doc.set_x(x + bar_w * p.votes / most + 1)
        doc.cell(12, height, str(p.votes))
        doc.ln(height)


def _priorities(doc: _Document, report: Report) -> None:
    pl = report.priorities
    doc.heading("Priorities")
    if not pl.rows:
        doc.para("No improvements yet.")
        return
    if pl.groups:
        doc.para(
            f'Votes by "I\'m here as" group are shown for groups of at least {pl.min_group_size} people.',
            size=9,
        )
    for p in pl.rows[:DETAILED_PRIORITIES]:
        i = p.improvement
        if doc.get_y() > doc.h - 40:
            doc.add_page()
        doc.ln(1)
        doc.set_font(FAMILY, "B", 11)
        doc.multi_cell(0, 6, doc.clean(f"{p.rank}. {i.title}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        facts = [f"{p.votes} vote{'s' if p.votes != 1 else ''}", DRIVER_LABELS[i.driver]]
        facts += [f"{name.lower()}: {label.lower()}" for name, label in facet_labels(i)]
        if pl.groups:
            facts.append(", ".join(f"{g}: {p.by_group.get(g, 0)}" for g in pl.groups))
        doc.para(" · ".join(facts), size=9, height=4.5)
        doc.set_text_color(60, 60, 60)
        for e in p.evidence[:EVIDENCE_SHOWN]:
            doc.set_x(doc.l_margin + 4)
            doc.multi_cell(0, 4.5, doc.clean("• " + evidence_line(e)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if len(p.evidence) > EVIDENCE_SHOWN:
            doc.set_x(doc.l_margin + 4)
            more = len(p.evidence) - EVIDENCE_SHOWN
            doc.cell(0, 4.5, f"and {more} more (all are in the spreadsheet exports)")
            doc.ln(4.5)
        doc.set_text_color(0, 0, 0)
    rest = pl.rows[DETAILED_PRIORITIES:]
    if rest:
        doc.heading("More improvements", size=12)
        title_w = doc.epw - 15 - 18 - 55
        doc.row(
            [("Rank", 15, "R"), ("Title", title_w, "L"), ("Votes", 18, "R"), ("Driver", 55, "L")], bold=True
        )
        for p in rest:
            doc.row(
                [
                    (p.rank, 15, "R"),
                    (p.improvement.title, title_w, "L"),
                    (p.votes, 18, "R"),
                    (DRIVER_LABELS[p.improvement.driver], 55, "L"),
                ],
                height=5,
            )


def _action_plan(doc: _Document, report: Report) -> None:
    doc.heading("Action plan")
    if not report.planned:
        doc.para("No actions yet.")
        return
    done = report.progress
    total = sum(done.values())
    doc.para(
        f"{total} action{'s' if total != 1 else ''}: "
        + ", ".join(
            f"{n} {STATUS_LABELS[s].lower()}"
            for s, n in ((s, done.get(s.value, 0)) for s in STATUS_LABELS)
            if n
        )
        + ".",
        size=9,
    )
    for improvement, rank, planned in report.planned:
        if doc.get_y() > doc.h - 35:
            doc.add_page()
        doc.ln(1)
        doc.set_font(FAMILY, "B", 11)
        doc.multi_cell(0, 6, doc.clean(f"{rank}. {improvement.title}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for a in planned:
            doc.set_font(FAMILY, "", 10)
            doc.multi_cell(0, 5, doc.clean("• " + a.what), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            doc.set_font(FAMILY, "", 9)
            doc.set_text_color(60, 60, 60)
            doc.set_x(doc.l_margin + 4)
            doc.multi_cell(
                0,
                4.5,
                doc.clean(
                    f"Owner: {a.owner} · by {a.due.strftime('%d %b %Y')} · review {a.review.strftime('%d %b %Y')}"
                    f" · {STATUS_LABELS[a.status]}"
                ),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            doc.set_text_color(0, 0, 0)
