"""Draw docs/layers.svg from the layers contract in pyproject.toml, so the picture cannot drift
from what `lint-imports` checks: `python docs/draw_layers.py` (tests/test_architecture_doc.py
fails when the committed picture is out of date).

Each `# name: description` comment in the contract's `layers` list starts a band; the layer
strings under it are its rows, top to bottom. "a | b" are siblings that may not import each other
(drawn with a bar), "a : b" siblings that may (drawn with a dot)."""

import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "layers.svg"

WIDTH = 980
LABEL_W = 170
ROW_H = 19
PAD = 10
GAP = 6
WRAP = 86
# Light fills with near-black text (contrast well above WCAG AA 4.5:1 on every fill).
FILLS = {
    "composition": "#e8e4f4",
    "web": "#dcebf7",
    "read models": "#dff1e6",
    "templates": "#f4ecd8",
    "live transport": "#f4ecd8",
    "rules": "#fbe3d6",
    "log": "#f0e0ea",
    "tables": "#e6e6e6",
    "kernel": "#ececec",
}
INK = "#1a1a1a"
MUTED = "#3d3d3d"


@dataclass
class Band:
    name: str
    description: str
    rows: list[str] = field(default_factory=list)


def bands(pyproject: str) -> list[Band]:
    """The contract's layers, grouped under their comments, read from the raw file (comments are
    not part of TOML's data)."""
    block = re.search(r"^layers = \[\n(.*?)^\]", pyproject, re.S | re.M)
    if block is None:
        raise SystemExit("no `layers = [...]` in pyproject.toml")
    found: list[Band] = []
    comment: list[str] = []
    for raw in re.findall(r'\s*(#[^\n]*|"""(?:.|\n)*?"""|"[^"\n]*")', block.group(1)):
        if raw.startswith("#"):
            comment.append(raw.lstrip("# ").strip())
            continue
        if comment:
            name, _, description = " ".join(comment).partition(": ")
            found.append(Band(name, description))
            comment = []
        layer = " ".join(raw.strip('"').split())
        found[-1].rows.append(layer.replace("app.", ""))
    return found


def _row_lines(layer: str) -> list[str]:
    shown = layer.replace(" | ", "  |  ").replace(" : ", " · ")
    return textwrap.wrap(shown, WRAP, break_on_hyphens=False) or [""]


def svg(found: list[Band]) -> str:
    parts: list[str] = []
    y = PAD + 30
    for band in found:
        lines: list[tuple[str, bool]] = [(band.description, True)]
        for row in band.rows:
            lines += [(text, False) for text in _row_lines(row)]
        height = PAD * 2 + ROW_H * len(lines)
        fill = FILLS.get(band.name, "#eeeeee")
        parts.append(
            f'<rect x="{PAD}" y="{y}" width="{WIDTH - 2 * PAD - 40}" height="{height}" rx="6" '
            f'fill="{fill}" stroke="#8a8a8a"/>'
        )
        parts.append(
            f'<text x="{PAD + 12}" y="{y + PAD + 14}" font-weight="bold" fill="{INK}">{escape(band.name)}</text>'
        )
        for i, (text, is_description) in enumerate(lines):
            attrs = (
                f'fill="{MUTED}" font-style="italic"'
                if is_description
                else f'fill="{INK}" font-family="monospace"'
            )
            parts.append(
                f'<text x="{PAD + LABEL_W}" y="{y + PAD + 14 + i * ROW_H}" {attrs}>{escape(text)}</text>'
            )
        y += height + GAP
    top, bottom = PAD + 40, y - GAP - 10
    arrow_x = WIDTH - PAD - 18
    parts.append(
        f'<line x1="{arrow_x}" y1="{top}" x2="{arrow_x}" y2="{bottom}" stroke="{INK}" stroke-width="2" '
        'marker-end="url(#down)"/>'
    )
    parts.append(
        f'<text x="{arrow_x + 6}" y="{(top + bottom) // 2}" fill="{INK}" font-size="13" text-anchor="middle" '
        f'transform="rotate(90 {arrow_x + 6} {(top + bottom) // 2})">imports point down only</text>'
    )
    height = y + PAD
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13" role="img" '
        'aria-labelledby="title">\n'
        '<title id="title">Lenswalk\'s layers: each imports only from the layers below it</title>\n'
        '<defs><marker id="down" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>\n'
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>\n'
        f'<text x="{PAD}" y="{PAD + 16}" font-size="16" font-weight="bold" fill="{INK}">'
        "Lenswalk layers (pyproject.toml [tool.importlinter]; a | b may not import each other, "
        "a · b may)</text>\n"
    )
    return head + "\n".join(parts) + "\n</svg>\n"


def main() -> int:
    OUT.write_text(svg(bands((ROOT / "pyproject.toml").read_text())))
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
