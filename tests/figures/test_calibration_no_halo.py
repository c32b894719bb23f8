"""Figure 09 draws no pale ring round its first bin (a teacher's audit).

A translucent disc whose area grew with a bin's count, scaled to the largest bin,
showed round the first bin alone (31,329 of the teaching set's forecasts; every
other bin's disc hid under its marker) and no key said what it was. The count is
written beside each marker; every marker is drawn the same, and nothing else.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import pytest

from backspasm import figures

pytestmark = pytest.mark.usefixtures("figures_closed")


@pytest.mark.parametrize("size", ["slide", "page", "column"])
def test_the_calibration_bins_are_drawn_alike_with_no_ring(
    evaluation_2000: Any, size: str
) -> None:
    ax = figures.plot_calibration(evaluation_2000, size=size)
    assert not ax.collections  # no disc, no ring, over any marker
    (line,) = [x for x in ax.get_lines() if x.get_label() == "all causes"]
    assert line.get_marker() == "o"
    assert line.get_alpha() in (None, 1.0)
    counts = [t for t in ax.texts if str(t.get_gid()).startswith("calibration:count:")]
    assert len(counts) == len(line.get_xydata()) >= 5
