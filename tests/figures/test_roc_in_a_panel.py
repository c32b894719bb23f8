"""The ROC of every cause, drawn into half of a 12 x 5 in figure, keeps all its text in.

A review: ``fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5))`` then
``plot_roc(evaluation_of_vignettes, ax=a)`` ran the legend (15 causes in words, with
their AUC, interval and cases, and the causes not drawn) off the bottom of the figure:
one column of two-line entries hung from the square's top is taller than the panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from backspasm import figures
from backspasm.figures import _save
from backspasm.learning import Evaluation, evaluate
from backspasm.network import Network

pytestmark = pytest.mark.usefixtures("figures_closed")

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def vignettes(net: Network) -> Evaluation:
    return evaluate(DATA / "vignettes.csv", network=net)


def _outside(fig: Any) -> list[str]:
    """The texts the figure draws that run past its edges (a pixel is rounding)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    out = []
    for text in _save.drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if min(box.x0 - page.x0, box.y0 - page.y0, page.x1 - box.x1, page.y1 - box.y1) < -1:
            out.append(text.get_text())
    return out


GRIDS = [
    ((12.0, 5.0), (1, 2), 0),
    ((12.0, 5.0), (1, 2), 1),
    ((12.0, 10.0), (2, 2), 0),
    ((6.0, 8.0), (2, 1), 0),
    ((7.0, 5.0), (1, 1), 0),
    ((13.33, 7.5), (1, 1), 0),
]


@pytest.mark.parametrize("layout", [None, "constrained"])
@pytest.mark.parametrize(("inches", "grid", "which"), GRIDS)
def test_every_text_of_the_roc_of_every_cause_is_inside_the_figure(
    vignettes: Evaluation,
    inches: tuple[float, float],
    grid: tuple[int, int],
    which: int,
    layout: str | None,
) -> None:
    fig, axes = plt.subplots(*grid, figsize=inches, layout=layout, squeeze=False)
    panels = list(axes.flat)
    for other in panels:
        if other is not panels[which]:
            other.plot([0, 1], [0, 1])
            other.set_title("the user's other panel")
    ax = figures.plot_roc(vignettes, ax=panels[which])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(legend) >= 15  # chance, every cause drawn, the causes not drawn
    assert _outside(fig) == [], (inches, grid, which, layout)
    renderer = fig.canvas.get_renderer()
    drawn = ax.get_tightbbox(renderer)
    for other in panels:  # and none of it over the user's other panels
        if other is not ax:
            assert not drawn.overlaps(other.get_tightbbox(renderer)), (inches, grid, which)
    # the title keeps clear of the legend beside the square
    title = ax._left_title.get_window_extent(renderer)
    assert not title.overlaps(ax.get_legend().get_window_extent(renderer))
    plt.close(fig)


def test_saved_it_is_written_at_its_size_with_nothing_cut(
    vignettes: Evaluation, tmp_path: Path
) -> None:
    # save_figure lays a grid without a layout engine out again (constrained), and
    # warns of any text it cuts: a warning is an error here
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5))
    b.plot([0, 1], [0, 1])
    figures.plot_roc(vignettes, ax=a)
    figures.save_figure(fig, tmp_path / "roc.png", dpi=100, close=False)
    assert _outside(fig) == []
    plt.close(fig)


def test_the_roc_of_a_panel_says_each_cause_with_its_auc_interval_and_cases(
    vignettes: Evaluation,
) -> None:
    fig, (a, _) = plt.subplots(1, 2, figsize=(12, 5))
    ax = figures.plot_roc(vignettes, ax=a)
    said = " ".join(" ".join(t.get_text() for t in ax.get_legend().get_texts()).split())
    heading = " ".join(ax.get_legend().get_title().get_text().split())
    assert "cause (AUC, 95% CI; cases with it)" in heading
    per_cause = vignettes.per_cause.set_index("cause")
    row = per_cause.loc["kidney_stones"]
    numbers = f"{row.auc:.2f}, {row.auc_low:.2f}\u2013{row.auc_high:.2f}; {row.n_present}"
    assert f"Kidney stones ({numbers})" in said or f"Kidney stones (AUC {numbers} cases)" in said
    assert said.startswith("chance ")
    assert "not drawn (fewer than 5 cases with it, or without it)" in said
    plt.close(fig)


#: Panels smaller than half of 12 x 5 in (a review: save_figure named the legend
#: entries and the note of the causes not drawn that ran off the figure).
SMALL = [
    ((8.0, 5.0), (1, 2), 0),
    ((10.0, 4.0), (1, 2), 0),
    ((10.0, 4.0), (1, 2), 1),
    ((7.0, 3.0), (1, 2), 0),
    ((12.0, 4.0), (1, 3), 1),
]


@pytest.mark.parametrize(("inches", "grid", "which"), SMALL)
def test_a_smaller_panel_keeps_its_legend_in_with_smaller_type_or_fewer_entries_said(
    vignettes: Evaluation,
    tmp_path: Path,
    inches: tuple[float, float],
    grid: tuple[int, int],
    which: int,
) -> None:
    fig, axes = plt.subplots(*grid, figsize=inches, squeeze=False)
    panels = list(axes.flat)
    for other in panels:
        if other is not panels[which]:
            other.plot([0, 1], [0, 1])
    ax = figures.plot_roc(vignettes, ax=panels[which])
    assert _outside(fig) == [], (inches, grid, which)  # at the first draw
    legend = ax.get_legend()
    texts = legend.get_texts()
    assert min(t.get_fontsize() for t in texts) >= figures.JOURNAL_MIN_FONT
    curves = len(ax.get_lines()) - 1  # less the chance line
    named = len([t for t in texts if t.get_gid() is None]) - 1  # less "chance"
    more = [t.get_text() for t in texts if t.get_gid() == "roc:not_named"]
    if named < curves:  # the legend says how many curves it leaves unnamed
        assert more == [f"+{curves - named} more curves, unnamed"]
    else:
        assert more == []
    # saved (laid out again, constrained): nothing cut, or save_figure warns (an error)
    figures.save_figure(fig, tmp_path / "roc.png", dpi=100, close=False)
    assert _outside(fig) == [], (inches, grid, which)
    plt.close(fig)
