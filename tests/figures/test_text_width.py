"""Text is measured as matplotlib's exact extents measure it, without their slow walk."""

from __future__ import annotations

import itertools

import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from backspasm.figures import _bars
from backspasm.figures._wrap import narrowed, path_width, text_width, wrap
from backspasm.network import load_network

LINES = ["Vertebral compression fracture", "⚠ Kidney stones", "odds ×26.2", "0.044%", "(Oo)"]


def _labels() -> list[str]:
    net = load_network()
    return sorted({net.label(node) for node in net.model.nodes()} | set(LINES))


@pytest.mark.parametrize("bold", [False, True])
def test_a_path_is_as_wide_as_its_exact_extents(bold: bool) -> None:
    prop = FontProperties(weight="bold") if bold else None
    for label in _labels():
        for size in (6.3, 9.0, 12.0):
            path = TextPath((0, 0), label, size=size, prop=prop)
            assert path_width(path) == path.get_extents().width, (label, size)


def test_text_is_measured_without_walking_each_curve(monkeypatch: pytest.MonkeyPatch) -> None:
    # Path.get_extents visits every Bezier curve of every glyph in Python (some 30 ms a
    # label): drawing the network measured hundreds of labels, most of the 8 to 15 s a
    # network figure took, and over half a minute of write_teaching_figures.
    expected = {line: TextPath((0, 0), line, size=9.0).get_extents().width / 72 for line in LINES}

    def walk(self: Path, *args: object, **kwargs: object) -> None:
        raise AssertionError("get_extents walked the curves")

    monkeypatch.setattr(Path, "get_extents", walk)
    text_width.cache_clear()
    try:
        assert {line: text_width(line, 9.0) for line in LINES} == expected
        assert _bars.bold_width("Herniated disc", 9.0) > 0
    finally:
        text_width.cache_clear()


def test_a_path_of_cubic_curves_is_left_to_get_extents() -> None:
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
    path = Path([[0.0, 0.0], [-1.0, 1.0], [3.0, 1.0], [2.0, 0.0]], codes)
    assert path_width(path) == path.get_extents().width


@pytest.mark.parametrize("text", ["", " ", "  "])
def test_a_text_without_glyphs_has_no_width(text: str) -> None:
    # A value left out of a narrow panel is an empty label: measuring it crashed
    # (matplotlib cannot build the path of no glyph).
    assert text_width(text, 9) == 0.0
    assert _bars.bold_width(text, 9) == 0.0


def test_a_text_is_narrowed_two_characters_at_a_time_till_it_fits() -> None:
    # one rule for a panel's title (built anew) and a key's entry (kept as it stands
    # where it fits): the widest line within the width, or lines of 12 characters
    line = "after  the answers: strain, fitness or electrolytes"
    built: list[int] = []

    def build(chars: int) -> str:
        built.append(chars)
        return wrap(line, chars)

    assert narrowed(build, len(line), 10.0, 9.0, first=line) == line  # its two spaces kept
    assert built == []
    text = narrowed(build, 40, 1.2, 9.0)
    assert max(text_width(s, 9.0) for s in text.split("\n")) <= 1.2
    assert built[0] == 40
    assert all(a - b == 2 for a, b in itertools.pairwise(built))
    built.clear()
    assert narrowed(build, 13, 0.01, 9.0) == wrap(line, 11)  # as narrow as it goes
    assert built == [13, 11]
