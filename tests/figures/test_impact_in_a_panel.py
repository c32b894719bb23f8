"""The values of the evidence impact drawn into a user's Axes are clear of its row labels.

A review: ``plot_evidence_impact(case, cause, ax=ax)`` on a panel of
``plt.subplots(1, 2, figsize=(12, 5))`` (no layout engine) wrote ``odds ÷2.37`` over
the row label ``Muscle weakness``, until the figure was laid out again (as
save_figure does; ``fig.savefig`` and a notebook's inline display do not): the axis
was made wide enough for the values on a plot wider than the one the panel keeps
once its row labels are brought into its cell.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis
from backspasm.network import Network

pytestmark = pytest.mark.usefixtures("figures_closed")

#: Causes of the example case that its answers lowered (bars to the left, their
#: values left of the bars' ends, towards the row labels).
LOWERED = ["muscle_strain", "dehydration", "spinal_stenosis", "kidney_stones", "spinal_tumor"]
PANELS = [((12.0, 5.0), (1, 2), 1), ((12.0, 5.0), (1, 2), 0), ((6.0, 4.0), (1, 1), 0)]
PANELS += [((10.0, 8.0), (2, 2), 1)]
#: Half of an 8 x 5 in figure (a review: the values overlapped the row labels of the
#: right half at the first draw, their axis's room for them capped at 70% of it).
PANELS += [((8.0, 5.0), (1, 2), 1), ((8.0, 5.0), (1, 2), 0)]


def _values_over_labels(fig: Any, ax: Any) -> list[tuple[str, str]]:
    """The values that overlap a row label, or run out of the plot, as drawn now."""
    fig.canvas.draw()  # the first draw, as fig.savefig or a notebook makes it
    renderer = fig.canvas.get_renderer()
    plot = ax.get_window_extent(renderer)
    labels = [t for t in ax.get_yticklabels() if t.get_visible() and t.get_text()]
    seen = []
    for value in [t for t in ax.texts if str(t.get_gid()).startswith("odds:")]:
        box = value.get_window_extent(renderer)
        seen += [
            (value.get_text(), label.get_text())
            for label in labels
            if box.overlaps(label.get_window_extent(renderer))
        ]
        if box.x0 < plot.x0 - 1 or box.x1 > plot.x1 + 1:
            seen.append((value.get_text(), "out of the plot"))
    return seen


@pytest.mark.parametrize("cause", LOWERED)
@pytest.mark.parametrize(("inches", "grid", "which"), PANELS)
def test_no_value_is_written_over_a_row_label_at_the_first_draw(
    case: Diagnosis,
    net: Network,
    cause: str,
    inches: tuple[float, float],
    grid: tuple[int, int],
    which: int,
) -> None:
    fig, axes = plt.subplots(*grid, figsize=inches, squeeze=False)
    ax = figures.plot_evidence_impact(case, cause, ax=list(axes.flat)[which])
    assert _values_over_labels(fig, ax) == [], (cause, inches, which)
    plt.close(fig)


def test_half_of_an_8_by_5_figure_writes_its_values_shorter_not_over_its_labels(
    case: Diagnosis,
) -> None:
    fig, (_, b) = plt.subplots(1, 2, figsize=(8.0, 5.0))
    ax = figures.plot_evidence_impact(case, "dehydration", ax=b)
    said = [t.get_text() for t in ax.texts if str(t.get_gid()).startswith("odds:")]
    assert said
    assert all(s.startswith(("×", "÷")) for s in said)
    assert "odds ratio" in [top.get_xlabel() for top in ax.child_axes]  # what they are
    assert _values_over_labels(fig, ax) == []
    plt.close(fig)


def test_values_too_wide_for_a_plot_are_smaller_then_shorter_then_left_out_and_said() -> None:
    from backspasm.figures import _impact, _style

    values = ["odds ×24.5", "odds ÷1.42"]
    with _style.drawing(7.0):  # a page's type
        note = _style.pt(_style.NOTE)
        assert _impact.values_that_fit(values, 4.0, 2.0) == (values, note)
        said, size = _impact.values_that_fit(values, 2.05, 2.0)
        assert said == values
        assert _style.pt(_style.MIN_FONT) <= size < note
        assert _impact.values_that_fit(values, 1.5, 2.0) == (["×24.5", "÷1.42"], note)
        assert _impact.values_that_fit(values, 0.8, 2.0)[0] == []
    assert "top axis" in _impact.VALUES_LEFT_OUT


@pytest.mark.parametrize("cause", [None, "muscle_strain", "dehydration"])
@pytest.mark.parametrize("which", [0, 1])
def test_the_title_of_half_of_a_5_by_4_figure_fits_it(
    case: Diagnosis, tmp_path: Any, cause: str | None, which: int
) -> None:
    # A review: in half of a 5 x 4 in figure the title took twelve lines of 10.4 pt
    # (2.1 in): past the figure's top at the first draw, and laid out (as save_figure
    # lays it out) it left the bars a sliver of 0.2 in.
    from backspasm.figures import _save

    fig, axes = plt.subplots(1, 2, figsize=(5.0, 4.0))
    ax = figures.plot_evidence_impact(case, cause, ax=axes[which])
    title = ax.get_title(loc="left")
    assert title.startswith("How each answer moved")
    fig.canvas.draw()  # the first draw: the title inside the figure's width
    renderer = fig.canvas.get_renderer()
    box = ax._left_title.get_window_extent(renderer)  # type: ignore[attr-defined]
    assert box.x0 >= 0, box
    assert box.x1 <= fig.bbox.x1, (box, fig.bbox)
    figures.save_figure(fig, tmp_path / "half.png", dpi=80, close=False)
    fig.set_dpi(80)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = ax._left_title.get_window_extent(renderer)  # type: ignore[attr-defined]
    assert _save.texts_cut(fig) == []
    assert box.height / 80 <= 0.4 * 4.0, box.height / 80  # the title at most 40% of it
    assert ax.get_window_extent(renderer).height / 80 >= 0.5  # bars that can be read
    plt.close(fig)


@pytest.mark.parametrize("dpi", [80, 100])
@pytest.mark.parametrize("cause", [None, "muscle_strain", "dehydration"])
def test_both_titles_of_a_5_by_4_figure_are_inside_it_at_a_plain_savefig(
    case: Diagnosis, tmp_path: Any, cause: str | None, dpi: int
) -> None:
    # A review: with the causes in the left half, the evidence impact's title in the
    # right half ran 1.2 in past the figure's top at a plain fig.savefig (no
    # save_figure, no layout engine): eleven lines over a plot an inch wide.
    fig, (left, right) = plt.subplots(1, 2, figsize=(5.0, 4.0), dpi=dpi)
    figures.plot_causes(case, ax=left)
    figures.plot_evidence_impact(case, cause, ax=right)
    fig.savefig(tmp_path / "both.png", dpi=dpi)  # draws the figure as it is
    renderer = fig.canvas.get_renderer()
    for ax in (left, right):
        title = ax._left_title  # type: ignore[attr-defined]
        assert title.get_text()
        box = title.get_window_extent(renderer)
        assert fig.bbox.contains(box.x0, box.y0), (cause, dpi, box, fig.bbox)
        assert fig.bbox.contains(box.x1, box.y1), (cause, dpi, box, fig.bbox)
        assert box.height <= 0.3 * fig.bbox.height  # the plot keeps the most of it
    assert right.get_title(loc="left").startswith("How each answer moved")
    plt.close(fig)
