"""Printed pages for a room with poor signal: an A4 join poster, table cards to cut out, and a
paper kit per team (its vignettes, content notes first, and the journey map laid out to write on).
PDFs with fpdf2 and the report's font; the QR code is drawn as vector squares, so it prints sharp
at any size."""

from urllib.parse import urlsplit

import segno
from fpdf.enums import XPos, YPos

from app.events.models import Event
from app.events.service import TeamView
from app.exports.pdf import ACCENT, BARRIER, FAMILY, STRENGTH
from app.exports.pdf import _Document as Document
from app.journeys.service import StageView
from app.phases.models import PRINCIPLE_QUESTIONS

INK = (0, 0, 0)
MUTED = (80, 80, 80)
RULE = (150, 150, 150)
IDEA = (110, 70, 150)
COLUMNS = (("Strength", STRENGTH), ("Barrier", BARRIER), ("Idea", IDEA))
PRINCIPLE_LETTERS = {"safety": "S", "trust": "T", "choice": "C", "collaboration": "Co", "empowerment": "E"}
CARDS_PER_PAGE = 4


def short_address(join_url: str) -> str:
    """host/join: what a person types when the camera will not read the code."""
    return f"{urlsplit(join_url).netloc}/join"


def touchpoint_numbers(stages: list[StageView]) -> dict[int, str]:
    """ "2.3" for the third touchpoint of the second stage: the kit and the typing-in page share them."""
    return {
        tp.id or 0: f"{s}.{t}"
        for s, view in enumerate(stages, start=1)
        for t, tp in enumerate(view.touchpoints, start=1)
    }


class _Printable(Document):
    def __init__(self, title: str, *, footer: bool = True) -> None:
        super().__init__(title)
        self.with_footer = footer

    def footer(self) -> None:
        if self.with_footer:
            super().footer()

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        """The join link as a QR code of `size` mm, quiet zone included, one filled rect per run."""
        code = segno.make_qr(url, error="m")
        border = 4
        rows = list(code.matrix)
        module = size / (len(rows) + 2 * border)
        self.set_fill_color(*INK)
        for r, row in enumerate(rows):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    self.rect(
                        x + (border + start) * module,
                        y + (border + r) * module,
                        (c - start) * module,
                        module,
                        style="F",
                    )
                else:
                    c += 1

    def centred(
        self, text: str, size: float, *, bold: bool = False, colour: tuple[int, int, int] = INK
    ) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.45, self.clean(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def paragraphs(
        self, text: str, size: float = 10, *, bold: bool = False, height: float | None = None
    ) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        for part in [p for p in text.strip().split("\n\n") if p.strip()] or [""]:
            self.multi_cell(
                0, height or size * 0.5, self.clean(part), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.ln(1)


def poster(event: Event, join_url: str) -> bytes:
    pdf = _Printable(f"Join: {event.title}", footer=False)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_y(22)
    pdf.centred("Join the lens walk", 30, bold=True, colour=ACCENT)
    pdf.ln(2)
    pdf.centred(event.title, 16)
    if event.date:
        pdf.centred(event.date.strftime("%-d %B %Y"), 12, colour=MUTED)
    size = 120.0
    top = pdf.get_y() + 8
    pdf.qr(join_url, (pdf.w - size) / 2, top, size)
    pdf.set_y(top + size + 6)
    pdf.centred("Point your phone's camera at the square, or go to", 13)
    pdf.ln(1)
    pdf.centred(short_address(join_url), 22, bold=True)
    pdf.ln(3)
    pdf.centred("and enter the code", 13)
    pdf.ln(1)
    pdf.centred(event.join_code, 40, bold=True, colour=ACCENT)
    pdf.ln(4)
    pdf.centred("No name or account needed. No signal? Ask for your team's paper kit.", 11, colour=MUTED)
    return bytes(pdf.output())


def table_cards(event: Event, join_url: str, teams: list[TeamView]) -> bytes:
    """Four A6 cards to an A4 page, one per team, with cut lines; the last page filled with cards
    for any table."""
    pdf = _Printable(f"Table cards: {event.title}", footer=False)
    pdf.set_auto_page_break(False)
    names: list[str] = [view.team.name for view in teams]
    names += [""] * ((-len(names)) % CARDS_PER_PAGE or (0 if names else CARDS_PER_PAGE))
    w, h = pdf.w / 2, pdf.h / 2
    for n, name in enumerate(names):
        if n % CARDS_PER_PAGE == 0:
            pdf.add_page()
            pdf.set_draw_color(*RULE)
            pdf.set_dash_pattern(dash=2, gap=2)
            pdf.line(w, 0, w, pdf.h)
            pdf.line(0, h, pdf.w, h)
            pdf.set_dash_pattern()
        x, y = (n % 2) * w, ((n % CARDS_PER_PAGE) // 2) * h
        _card(pdf, x, y, w, name, event, join_url)
    return bytes(pdf.output())


def _card(pdf: _Printable, x: float, y: float, w: float, team: str, event: Event, join_url: str) -> None:
    inner = w - 20
    pdf.set_xy(x + 10, y + 10)
    pdf.set_font(FAMILY, "B", 15)
    pdf.set_text_color(*ACCENT)
    pdf.cell(inner, 8, pdf.fit(team or "Join the lens walk", inner), align="C")
    pdf.set_xy(x + 10, y + 19)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(inner, 5, pdf.fit(event.title, inner), align="C")
    size = 68.0
    pdf.qr(join_url, x + (w - size) / 2, y + 26, size)
    pdf.set_text_color(*INK)
    pdf.set_xy(x + 10, y + 97)
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(inner, 5, "Scan, or go to", align="C")
    pdf.set_xy(x + 10, y + 103)
    pdf.set_font(FAMILY, "B", 13)
    pdf.cell(inner, 7, pdf.fit(short_address(join_url), inner), align="C")
    pdf.set_xy(x + 10, y + 112)
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(inner, 5, "and enter the code", align="C")
    pdf.set_xy(x + 10, y + 119)
    pdf.set_font(FAMILY, "B", 24)
    pdf.set_text_color(*ACCENT)
    pdf.cell(inner, 11, event.join_code, align="C")
    pdf.set_text_color(*INK)


def paper_kit(event: Event, teams: list[TeamView], stages: list[StageView]) -> bytes:
    pdf = _Printable(f"Paper kit: {event.title}")
    numbers = touchpoint_numbers(stages)
    for view in teams or []:
        pdf.add_page()
        pdf.heading(f"{view.team.name}: paper kit", 18)
        pdf.paragraphs(
            f"{event.title}. For when phones will not connect. Write one strength, barrier or idea on "
            "each line, with the first letter of the principles it touches (S Safety, T Trust, "
            "C Choice, Co Collaboration, E Empowerment). Do not write names. A facilitator types your "
            "notes in; they join the room as your team's, with no name."
        )
        for vignette in view.vignettes:
            pdf.heading(f"{vignette.name}{f', {vignette.age}' if vignette.age else ''}", 14)
            if vignette.content_notes:
                pdf.set_fill_color(255, 244, 214)
                pdf.set_font(FAMILY, "B", 10)
                pdf.multi_cell(
                    0,
                    6,
                    pdf.clean(
                        f"Content note: this story mentions {', '.join(vignette.content_notes)}. "
                        "You can skip it: your team can tell you what you need."
                    ),
                    border=1,
                    fill=True,
                    align="L",
                    padding=2,
                    new_x=XPos.LMARGIN,
                    new_y=YPos.NEXT,
                )
                pdf.ln(2)
            if vignette.summary:
                pdf.paragraphs(vignette.summary, bold=True)
            pdf.paragraphs(vignette.story)
            if vignette.referral_route:
                pdf.paragraphs(f"How they reach the service: {vignette.referral_route}")
            if vignette.prompts:
                pdf.paragraphs("Questions to ask", bold=True)
                for prompt in vignette.prompts:
                    pdf.paragraphs(f"• {prompt}")
        pdf.heading("The five principles: ask at every touchpoint", 14)
        for principle, question in PRINCIPLE_QUESTIONS.items():
            pdf.paragraphs(f"{principle.capitalize()} ({PRINCIPLE_LETTERS[principle]})", bold=True, height=5)
            pdf.paragraphs(question, height=5)
        pdf.add_page()
        pdf.heading(f"{view.team.name}: the journey", 16)
        for s, stage in enumerate(stages, start=1):
            pdf.heading(f"{s}. {stage.stage.name}", 13)
            for tp in stage.touchpoints:
                _write_on(pdf, f"{numbers[tp.id or 0]}  {tp.name}", tp.prompt)
    if not teams:
        pdf.add_page()
        pdf.heading("This event has no teams yet", 16)
    return bytes(pdf.output())


def _write_on(pdf: _Printable, title: str, prompt: str) -> None:
    """One touchpoint: its name and question, then a box each for strengths, barriers and ideas."""
    lines, gap = 4, 7.0
    need = 9 + (5 if prompt else 0) + 9 + lines * gap + 4
    if pdf.get_y() + need > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(0, 6, pdf.clean(title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if prompt:
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 5, pdf.fit(prompt, pdf.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
    top = pdf.get_y() + 1
    width = (pdf.epw - 4) / 3
    height = 9 + lines * gap
    for n, (label, colour) in enumerate(COLUMNS):
        x = pdf.l_margin + n * (width + 2)
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.4)
        pdf.rect(x, top, width, height)
        pdf.set_xy(x + 2, top + 1)
        pdf.set_font(FAMILY, "B", 9)
        pdf.set_text_color(*colour)
        pdf.cell(width - 4, 5, label)
        pdf.set_text_color(*INK)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        for line in range(1, lines + 1):
            y = top + 6 + line * gap - 1
            pdf.line(x + 2, y, x + width - 2, y)
    pdf.set_draw_color(*INK)
    pdf.set_y(top + height + 4)
