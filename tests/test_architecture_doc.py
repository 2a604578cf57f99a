"""docs/layers.svg, the picture of the layers in docs/architecture.md, shows the contract that
`lint-imports` checks today: a change to the layers in pyproject.toml must redraw it."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_layers_picture_matches_the_contract() -> None:
    spec = importlib.util.spec_from_file_location("draw_layers", ROOT / "docs" / "draw_layers.py")
    assert spec is not None and spec.loader is not None
    draw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(draw)
    found = draw.bands((ROOT / "pyproject.toml").read_text())
    assert [b.name for b in found][:2] == ["composition", "web"] and found[-1].name == "kernel"
    assert "room" in " ".join(row for b in found for row in b.rows).split(" ")
    expected = draw.svg(found)
    assert (ROOT / "docs" / "layers.svg").read_text() == expected, (
        "docs/layers.svg is out of date: run `.venv/bin/python docs/draw_layers.py`"
    )
