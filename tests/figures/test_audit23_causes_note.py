"""Figure 03 says that its bars need not add up (teacher audit 23, #5).

The six serious causes' bars of the built-in case add up to 49.4%, while the title
says P(a serious cause) = 48.8%: causes can coexist, as ``backspasm diagnose`` says,
and the figure said nothing of it. Now its axis label says so, at every size.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from backspasm import figures
from backspasm.diagnosis import diagnose
from backspasm.figures import _style

pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_the_causes_figure_says_its_bars_need_not_add_up(size: str) -> None:
    d = diagnose(figures.DEFAULT_CASE)
    ax = figures.plot_causes(d, size=size)
    said = " ".join(ax.get_xlabel().split())
    assert "need not add up" in said
    assert "coexist" in said
    # and it stays inside the figure, clear of the legend under it
    fig = _style.figure_of(ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    label = ax.xaxis.label.get_window_extent(renderer)
    assert fig.bbox.x0 <= label.x0
    assert label.x1 <= fig.bbox.x1
    for legend in [ax.get_legend(), *fig.legends]:
        if legend is not None:
            assert not label.overlaps(legend.get_window_extent(renderer))
