"""Figure 10 at a page's and a column's width enlarges the crowded corner too (a teacher's audit).

At ``--size page`` and ``--size column`` the ROC had no enlargement, so four serious
causes' curves lay on one another at false positive rates under 0.05; only the slide
drew the corner again. The journal's square now has it, its words inside the figure
and clear of each other, of the legend and of the curves' climb.
"""

from __future__ import annotations

import itertools
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pytest

from backspasm import figures
from backspasm.network import Network

pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.mark.parametrize("size", ["page", "column"])
def test_a_journal_s_roc_enlarges_the_crowded_corner(
    evaluation_2000: Any, net: Network, size: str
) -> None:
    ax = figures.plot_roc(evaluation_2000, causes=list(net.serious_causes), size=size)
    (zoom,) = [a for a in ax.child_axes if a.get_gid() == "roc:zoom"]
    assert zoom.get_xlim()[1] <= 0.1
    assert len(zoom.get_lines()) == len(ax.get_lines()) - 1 >= 4
    fig = ax.get_figure()
    assert fig is not None
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    titles = [zoom.title, zoom._left_title, zoom._right_title]  # type: ignore[attr-defined]
    ticks = [*zoom.get_xticklabels(), *zoom.get_yticklabels()]
    texts = [t for t in [*titles, *ticks] if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert len(boxes) >= 5  # a title and the two ends of both axes
    square = ax.get_window_extent(renderer)
    legend = ax.get_legend()
    assert legend is not None
    key = legend.get_window_extent(renderer)
    for text, box in zip(texts, boxes, strict=True):
        assert fig.bbox.x0 <= box.x0, text.get_text()
        assert box.x1 <= fig.bbox.x1, text.get_text()
        assert square.x0 < box.x0, text.get_text()  # in the square
        assert box.x1 < square.x1, text.get_text()
        assert not box.overlaps(key), text.get_text()
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    # under the chance line, its title too: clear of every curve's climb
    to_data = ax.transData.inverted()
    for box in [zoom.get_window_extent(renderer), *boxes]:
        x0, y1 = to_data.transform((box.x0, box.y1))
        assert y1 < x0
    # enlarged, the crowded curves reach a true positive rate of 0.8 at places apart
    lo, hi = zoom.get_xlim()
    reach = []
    for line in zoom.get_lines():
        x, y = line.get_xydata().T  # type: ignore[union-attr]
        if (y >= 0.8).any() and x[y >= 0.8].min() <= hi:
            reach.append(float(x[y >= 0.8].min()))
    assert len(reach) >= 3
    assert max(reach) - min(reach) > (hi - lo) / 20
