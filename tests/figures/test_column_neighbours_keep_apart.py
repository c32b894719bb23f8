"""Figures 07 and 08 at a journal column's width keep their labels apart, at any dpi.

A review: at column size (3.5 in) written at 72 to 80 dpi, the row labels of figure
07 ran into the labels above and under them, and the triage levels of figure 08
into each other ("see a doctor" into "self-care (32 screen incomplete)"): still
readable, but touching. Hinting makes small type up to about 13% taller and wider at
70 to 80 dpi than where the figure is laid out. Here each gap is measured as the
PNG file draws it, at 72, 80 and 100 dpi and at the default 300.
"""

from __future__ import annotations

import itertools
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from backspasm.network import Network
from helpers import teaching_figure_at

pytestmark = [
    pytest.mark.usefixtures("figures_closed"),
    pytest.mark.filterwarnings("ignore:PNG files at:UserWarning"),
]

#: The least room (inches) between two neighbouring labels: 1.4 px at 72 dpi.
APART = 0.02
DPIS = [72, 80, 100, 300]


def drawn_at(net: Network, stem: str, dpi: int) -> Any:
    """Figure ``stem`` of the teaching set at column size, as its PNG file at ``dpi`` draws it."""
    return teaching_figure_at(net, stem, dpi, "column")


def gaps(labels: list[Any], dpi: int, *, across: bool) -> list[float]:
    """The room (inches) between neighbouring labels, side by side or one over the other."""
    boxes = [t.get_window_extent() for t in labels if t.get_visible() and t.get_text()]
    if across:
        boxes.sort(key=lambda b: b.x0)
        return [(b.x0 - a.x1) / dpi for a, b in itertools.pairwise(boxes)]
    boxes.sort(key=lambda b: b.y0)
    return [(b.y0 - a.y1) / dpi for a, b in itertools.pairwise(boxes)]


@pytest.mark.parametrize("dpi", DPIS)
def test_the_row_labels_of_a_column_s_scenarios_keep_apart(net: Network, dpi: int) -> None:
    fig = drawn_at(net, "07", dpi)
    panels = [ax for ax in fig.axes if any(t.get_text() for t in ax.get_yticklabels())]
    assert len(panels) == 4  # one under the other, each with its row labels
    for ax in panels:
        apart = gaps(ax.get_yticklabels(), dpi, across=False)
        assert len(apart) == 4  # five rows
        assert min(apart) > APART, (dpi, apart)
    plt.close(fig)


@pytest.mark.parametrize("dpi", DPIS)
def test_the_triage_levels_of_a_column_s_case_mix_keep_apart(net: Network, dpi: int) -> None:
    fig = drawn_at(net, "08", dpi)
    triage = fig.axes[1]
    assert triage.get_title(loc="left") == "Triage level"
    names = triage.get_xticklabels()
    assert [" ".join(t.get_text().split())[:9] for t in names] == [
        "emergency",
        "see a doc",
        "self-care",
    ]
    apart = gaps(names, dpi, across=True)
    assert min(apart) > APART, (dpi, apart)
    # and the triage panel is no narrower than the causes' plot it used to sit under
    causes = fig.axes[0]
    assert triage.get_window_extent().width >= causes.get_window_extent().width
    plt.close(fig)
