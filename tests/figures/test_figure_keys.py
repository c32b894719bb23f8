"""The figures say what their marks and numbers are relative to (teacher reports).

Figure 07's headings give P(serious) without saying what it is; figure 03's ``x8.3``
(an odds factor over the context answers: age, sex, care setting) sat beside the
prior's tick (before any answer) and was read as a factor over the tick.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from backspasm import figures
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.network import Network

pytestmark = pytest.mark.usefixtures("figures_closed")

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def scenarios(net: Network) -> list[Diagnosis]:
    return [diagnose(dict(a), network=net) for a in figures.SCENARIOS.values()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_07_says_what_p_serious_is(scenarios: list[Diagnosis], size: str) -> None:
    fig = figures.plot_scenarios(scenarios, names=list(figures.SCENARIOS), size=size)
    (key,) = fig.legends
    if size == "column":  # four panels one under the other: no line to spare
        entries = [t.get_text() for t in key.get_texts()]
        assert "⚠\u00a0Cause: serious (P(serious): at least one)" in entries
        plt.close(fig)
        return
    said = _one_line(key.get_title().get_text())
    assert key.get_title().get_gid() == "serious_means"
    # the words of diagnose ("P(at least one serious cause: ...)") and of the schema
    assert said.startswith("P(serious): the probability of at least one serious cause")
    assert "given the answers" in said
    assert "not the sum" in said
    # drawn inside the figure, under the panels' axis labels
    fig.canvas.draw()
    box = key.get_title().get_window_extent()
    assert fig.bbox.x0 <= box.x0
    assert box.x1 <= fig.bbox.x1
    assert box.y0 >= fig.bbox.y0
    for ax in fig.axes:
        assert box.y1 <= ax.get_tightbbox().y0 + 1
    plt.close(fig)


def test_07_caption_says_what_p_serious_is(captions: Callable[..., Any]) -> None:
    ((_, said),) = captions("07-scenarios")
    # (the key's sentence on the screen's size follows it, when a panel gives the counts)
    assert (
        "P(serious): the probability of at least one serious cause (⚠), given the answers; "
        "not the sum of their bars." in said
    )


def _legend_texts(ax: plt.Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [_one_line(t.get_text()) for t in legend.get_texts()]


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_03_says_the_factor_is_over_age_sex_and_setting_not_over_the_tick(size: str) -> None:
    d = diagnose(dict(figures.DEFAULT_CASE))
    ax = figures.plot_causes(d, size=size)
    marked = [
        t.get_text()
        for t in ax.texts
        if str(t.get_gid()).startswith("value:") and " \u00d7" in t.get_text()
    ]
    assert marked  # the case has causes marked with their factor (×19.2, ×8.2)
    said = _legend_texts(ax)
    tick = [s for s in said if "before any answer" in s]
    factor = [s for s in said if s.startswith("\u00d7… over …%:")]  # the factor and its base
    assert tick == ["tick: before any answer (prior)"]
    (words,) = factor
    assert "over age, sex and setting alone" in words  # what it is relative to
    assert "not over the tick" in words  # and what it is not
    # the legend stays inside the figure, its lines apart
    fig = ax.get_figure()
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent()
    assert fig.bbox.x0 <= box.x0
    assert box.x1 <= fig.bbox.x1 + 1
    assert fig.bbox.y0 <= box.y0
    plt.close(fig)
