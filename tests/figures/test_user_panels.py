"""A plot drawn into an Axes of the user's own figure stays in that Axes' cell.

A researcher's ``fig, axes = plt.subplots(1, 2, figsize=(12, 5))`` then
``plot_causes(d, ax=axes[0])`` got a case figure's title and row labels cut at the
figure's edges, and ``plot_case_mix(..., axes=...)`` wrote a title over the whole
figure. Nothing is drawn on the figure itself (its title, texts, legends and layout
are the user's), and what a panel draws keeps out of its neighbour's place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis
from backspasm.learning import Evaluation, evaluate, sample_cases
from backspasm.network import Network
from backspasm.scoring import score_cases
from backspasm.sensitivity import sensitivity

pytestmark = pytest.mark.usefixtures("figures_closed")

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def evaluation(net: Network) -> Evaluation:
    return evaluate(sample_cases(400, network=net, seed=0), network=net)


@pytest.fixture(scope="module")
def draws(case: Diagnosis, evaluation: Evaluation) -> dict[str, Callable[[Any], Any]]:
    table = sensitivity(case, case.top_cause)
    return {
        "causes": lambda ax: figures.plot_causes(case, ax=ax),
        "evidence_impact": lambda ax: figures.plot_evidence_impact(case, ax=ax),
        "next_questions": lambda ax: figures.plot_next_questions(case, ax=ax),
        "sensitivity": lambda ax: figures.plot_sensitivity(table, ax=ax),
        "calibration": lambda ax: figures.plot_calibration(evaluation, ax=ax),
        "roc": lambda ax: figures.plot_roc(evaluation, ax=ax),
        "roc_serious": lambda ax: figures.plot_roc(
            evaluation, ax=ax, causes=case.network.serious_causes
        ),
    }


def _figure_level(fig: Any) -> tuple[Any, ...]:
    """What a figure holds at its own level: title, texts, legends, layout engine."""
    title = fig._suptitle.get_text() if fig._suptitle is not None else None
    return (title, len(fig.texts), len(fig.legends), fig.get_layout_engine())


def _two_panels(layout: str | None) -> tuple[Any, Any]:
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), layout=layout)
    axes[1].plot([0, 1], [0, 1])
    axes[1].set_title("the user's other panel")
    axes[1].set_ylabel("the user's label")
    return fig, axes


NAMES = ["causes", "evidence_impact", "next_questions", "sensitivity", "calibration", "roc"]


@pytest.mark.parametrize("layout", [None, "constrained"])
@pytest.mark.parametrize("name", NAMES)
def test_a_plot_in_a_users_panel_adds_nothing_to_the_figure(
    draws: dict[str, Callable[[Any], Any]], name: str, layout: str | None
) -> None:
    fig, axes = _two_panels(layout)
    before = _figure_level(fig)
    assert draws[name](axes[0]) is axes[0]
    assert _figure_level(fig) == before
    plt.close(fig)


# Every plot, with a layout engine or without: the calibration's legend beside its
# square and the sensitivity's title once ran into the next panel without one (the
# square's box kept its empty room; the title was wrapped before the row labels were
# known), and the ROC's legend of every cause of the evaluation (12 curves, 8 causes
# not drawn) ran past half of a 12 x 5 in figure (it now takes the form that fits).
KEPT_IN = [(name, layout) for name in NAMES for layout in (None, "constrained")]


@pytest.mark.parametrize(("name", "layout"), KEPT_IN)
def test_a_plot_in_a_users_panel_keeps_out_of_the_next_one(
    draws: dict[str, Callable[[Any], Any]], name: str, layout: str | None
) -> None:
    fig, axes = _two_panels(layout)
    draws[name](axes[0])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    drawn = axes[0].get_tightbbox(renderer)
    theirs = axes[1].get_tightbbox(renderer)
    # the titles apart, and all the panel drew left of the user's panel and in the figure
    assert (
        not axes[0]
        .title.get_window_extent(renderer)
        .overlaps(axes[1].title.get_window_extent(renderer))
    )
    left_title = axes[0]._left_title.get_window_extent(renderer)
    assert left_title.x1 <= theirs.x0 + 1, name
    assert drawn.x1 <= theirs.x0 + 1, name
    box = fig.bbox
    assert box.x0 - 1 <= drawn.x0, name
    assert box.y0 - 1 <= drawn.y0, name
    assert drawn.x1 <= box.x1 + 1, name
    assert drawn.y1 <= box.y1 + 1, name
    plt.close(fig)


SQUARES = ["roc_serious", "calibration", "sensitivity"]


@pytest.mark.parametrize(("first", "second"), [(a, b) for a in SQUARES for b in SQUARES if a != b])
def test_two_plots_side_by_side_keep_to_their_cells(
    draws: dict[str, Callable[[Any], Any]], first: str, second: str
) -> None:
    # plt.subplots(1, 2) without a layout engine: what the first panel draws (legend,
    # note, title) stays left of the second's plot, and all of it in the figure
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    draws[first](axes[0])
    draws[second](axes[1])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    theirs = axes[1].get_window_extent(renderer)
    mine = [axes[0].get_tightbbox(renderer)]
    legend = axes[0].get_legend()
    if legend is not None:
        mine.append(legend.get_window_extent(renderer))
    mine += [t.get_window_extent(renderer) for t in axes[0].texts]
    mine.append(axes[0]._left_title.get_window_extent(renderer))
    for box in mine:
        assert box.x1 <= theirs.x0 + 1, (first, second)
    for ax in axes:
        drawn = ax.get_tightbbox(renderer)
        assert fig.bbox.x0 - 1 <= drawn.x0, (first, second)
        assert drawn.x1 <= fig.bbox.x1 + 1, (first, second)
    plt.close(fig)


@pytest.mark.parametrize("figsize", [(7.0, 5.0), (13.33, 7.5)])
@pytest.mark.parametrize("name", [*NAMES, "roc_serious"])
def test_a_plot_on_the_one_axes_of_a_users_figure_writes_nothing_outside_it(
    draws: dict[str, Callable[[Any], Any]], name: str, figsize: tuple[float, float]
) -> None:
    # the figure's title is the researcher's: the plot's title goes over their Axes
    fig, ax = plt.subplots(figsize=figsize)
    before = _figure_level(fig)
    draws[name](ax)
    assert _figure_level(fig) == before
    assert ax.get_title(loc="left")
    fig.canvas.draw()
    drawn = ax.get_tightbbox(fig.canvas.get_renderer())
    assert fig.bbox.x0 - 1 <= drawn.x0, name
    assert drawn.x1 <= fig.bbox.x1 + 1, name
    assert fig.bbox.y0 - 1 <= drawn.y0, name
    assert drawn.y1 <= fig.bbox.y1 + 1, name
    plt.close(fig)


@pytest.mark.parametrize("layout", [None, "constrained"])
def test_the_case_mix_in_a_users_axes_leaves_the_figure_title_alone(
    net: Network, layout: str | None
) -> None:
    cases = pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)
    scored = score_cases(cases.head(12).drop(columns=["note"]), network=net)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), layout=layout)
    fig.suptitle("the user's title")
    before = _figure_level(fig)
    out = figures.plot_case_mix(scored, axes=list(axes[0]), network=net)
    assert out is fig
    assert _figure_level(fig) == before
    assert fig.get_suptitle() == "the user's title"
    # the count the figure's title said is on the first panel's
    assert "12 scored cases" in " ".join(axes[0, 0].get_title(loc="left").split())
    plt.close(fig)
