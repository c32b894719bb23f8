"""Figures 03 and 04 drawn into a user's grid with no layout engine, then a plain savefig.

A teacher's ``fig, (a, b) = plt.subplots(1, 2, figsize=...)``, then
``plot_causes(case, ax=a)``, ``plot_evidence_impact(case, cause, ax=b)`` and
``fig.savefig(...)`` (no save_figure, no layout engine: the figure drawn as the
panels left it). A review found the causes panel's row labels and legend cut at the
file's left edge (half of a 6 x 4 in figure at 80 dpi), one cause shown in half of a
5 x 4 in figure, and at 12 x 5 in and 80 dpi ``odds ÷2.37`` against the row label
``Muscle weakness``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis
from backspasm.figures import _edges

pytestmark = pytest.mark.usefixtures("figures_closed")

#: Causes of the example case its answers lowered: values left of the bars' ends.
LOWERED = ["muscle_strain", "dehydration", "spinal_stenosis", "kidney_stones", "spinal_tumor"]


def _two_panels(case: Diagnosis, inches: tuple[float, float], dpi: int, path: Path) -> Any:
    fig, (left, right) = plt.subplots(1, 2, figsize=inches, dpi=dpi)
    figures.plot_causes(case, ax=left)
    figures.plot_evidence_impact(case, "muscle_strain", ax=right)
    fig.savefig(path, dpi=dpi)  # draws the figure as the panels left it
    return fig, left, right


@pytest.mark.parametrize("dpi", [80, 100])
@pytest.mark.parametrize("inches", [(6.0, 4.0), (5.0, 4.0), (8.0, 5.0), (12.0, 5.0)])
def test_every_text_of_two_panels_is_inside_the_file(
    case: Diagnosis, tmp_path: Path, inches: tuple[float, float], dpi: int
) -> None:
    fig, _, _ = _two_panels(case, inches, dpi, tmp_path / "two.png")
    assert _outside(fig) == [], (inches, dpi)
    plt.close(fig)


@pytest.mark.parametrize("dpi", [80, 100])
@pytest.mark.parametrize(("inches", "columns"), [((4.0, 3.0), 2), ((10.0, 4.0), 3)])
def test_every_text_of_a_small_grid_is_inside_the_file(
    case: Diagnosis, tmp_path: Path, inches: tuple[float, float], columns: int, dpi: int
) -> None:
    # the evidence impact's title, eight lines even in the least type, ran past the
    # top of the file: 0.37 in (4 x 3 in, 1 x 2) and 0.21 in (10 x 4 in, 1 x 3) at 100 dpi
    fig, axes = plt.subplots(1, columns, figsize=inches, dpi=dpi)
    figures.plot_causes(case, ax=axes[0])
    for ax in axes[1:]:
        figures.plot_evidence_impact(case, "muscle_strain", ax=ax)
    fig.savefig(tmp_path / "grid.png", dpi=dpi)
    assert _outside(fig) == [], (inches, dpi)
    for ax in axes[1:]:  # still saying the cause, and before and after
        title = " ".join(ax._left_title.get_text().split())  # type: ignore[attr-defined]
        assert "moved Muscle strain" in title, title
        assert "before any answer" in title, title
    plt.close(fig)


@pytest.mark.parametrize(
    ("inches", "grid"), [((6.0, 4.0), (1, 2)), ((5.0, 4.0), (1, 2)), ((10.0, 8.0), (2, 2))]
)
def test_a_title_that_stays_inside_the_file_names_the_answers_in_full(
    case: Diagnosis, tmp_path: Path, inches: tuple[float, float], grid: tuple[int, int]
) -> None:
    # only a title that runs past its cell as drawn is said in fewer words: one that
    # fits, though taller than its share of the cell, keeps the answers it names
    fig, axes = plt.subplots(*grid, figsize=inches, dpi=100)
    impact = figures.plot_evidence_impact(case, "muscle_strain", ax=axes.flat[1])
    fig.savefig(tmp_path / "grid.png", dpi=100)
    title = " ".join(impact._left_title.get_text().split())  # type: ignore[attr-defined]
    # (the first of the one list of every title: the person, then the triage's answers)
    assert "man, 52, mid back, 1 week; fever, IV drug use / immunosuppr." in title, title
    assert "each answer judged by leaving it out" in title, title
    assert _outside(fig) == [], inches
    plt.close(fig)


def _outside(fig: Any) -> list[tuple[str, Any]]:
    """Return each drawn text (titles, labels, keys, ticks in view) not inside the file."""
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    outside = []
    for text in _edges.drawn_texts(fig):
        box = text.get_window_extent(renderer)
        inside = page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5
        inside = inside and page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5
        if not inside:
            outside.append((" ".join(text.get_text().split())[:30], box.extents.round()))
    return outside


@pytest.mark.parametrize("dpi", [80, 100])
def test_half_of_a_5_by_4_figure_shows_three_causes_legibly(
    case: Diagnosis, tmp_path: Path, dpi: int
) -> None:
    from backspasm.figures import _style

    fig, left, _ = _two_panels(case, (5.0, 4.0), dpi, tmp_path / "half.png")
    renderer = fig.canvas.get_renderer()
    labels = [t for t in left.get_yticklabels() if t.get_text()]
    assert len(labels) >= 3, [t.get_text() for t in labels]
    assert min(t.get_fontsize() for t in labels) >= _style.JOURNAL_MIN_FONT + 1.5
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.y0)
    assert all(low.y1 <= high.y0 for low, high in itertools.pairwise(boxes))  # apart
    plt.close(fig)


@pytest.mark.parametrize("cause", LOWERED)
@pytest.mark.parametrize("which", [0, 1])
def test_values_keep_apart_from_the_row_labels_at_80_dpi(
    case: Diagnosis, tmp_path: Path, cause: str, which: int
) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12.0, 5.0), dpi=80)
    ax = figures.plot_evidence_impact(case, cause, ax=axes[which])
    fig.savefig(tmp_path / "impact.png", dpi=80)
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_yticklabels() if t.get_visible() and t.get_text()]
    values = [t for t in ax.texts if str(t.get_gid()).startswith("odds:")]
    assert values
    close = []
    for value in values:
        box = value.get_window_extent(renderer)
        for label in labels:
            other = label.get_window_extent(renderer)
            level = other.y0 < box.y1 and box.y0 < other.y1
            apart = box.x0 - other.x1 >= 3.0 * 80 / 72 or other.x0 - box.x1 >= 3.0 * 80 / 72
            if level and not apart:
                close.append((value.get_text(), label.get_text()))
    assert close == [], (cause, which)
    plt.close(fig)


@pytest.mark.parametrize("dpi", [80, 100])
@pytest.mark.parametrize("inches", [(5.0, 4.0), (6.0, 4.0)])
def test_the_causes_keep_to_their_half_of_the_figure(
    case: Diagnosis, tmp_path: Path, inches: tuple[float, float], dpi: int
) -> None:
    # half of a 5 x 4 in figure at 80 dpi: the heading "strain, fitness or
    # electrolytes" ran into the next panel's row label "Muscle weakness"
    fig, left, _ = _two_panels(case, inches, dpi, tmp_path / "two.png")
    from backspasm.figures._panel import cell_of

    renderer = fig.canvas.get_renderer()
    # the left cell: to halfway between the two plots as the grid places them
    edge = cell_of(left.get_subplotspec(), fig)[2] * fig.bbox.width
    drawn = _edges.drawn_texts(fig)
    texts = [t for t in drawn if t.axes is left]
    assert any(str(t.get_gid()).startswith("block:") for t in texts)
    over = [t.get_text() for t in texts if t.get_window_extent(renderer).x1 > edge + 0.5]
    assert over == [], (inches, dpi)
    theirs = [t.get_window_extent(renderer) for t in drawn if t.axes is not left and t.axes]
    touching = [
        t.get_text()
        for t in texts
        if any(t.get_window_extent(renderer).overlaps(b) for b in theirs)
    ]
    assert touching == [], (inches, dpi)
    plt.close(fig)


@pytest.mark.parametrize("dpi", [80, 100])
def test_the_titles_of_a_7_by_9_grid_stay_inside_it(
    case: Diagnosis, tmp_path: Path, dpi: int
) -> None:
    # the top row of a 2 x 2 grid: at 80 dpi the evidence impact's title, wrapped to
    # its cell by the estimated width of its type, ran 0.04 in past the right edge
    fig, axes = plt.subplots(2, 2, figsize=(7.0, 9.0), dpi=dpi)
    figures.plot_causes(case, ax=axes[0, 0])
    impact = figures.plot_evidence_impact(case, "muscle_strain", ax=axes[0, 1])
    fig.savefig(tmp_path / "grid.png", dpi=dpi)
    box = impact._left_title.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    assert box.x1 <= fig.bbox.x1, (box, fig.bbox)
    assert _edges.texts_cut(fig) == []
    plt.close(fig)
