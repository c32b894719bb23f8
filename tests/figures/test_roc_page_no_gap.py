"""Figure 10 at a page's width fills the height under its title (a teacher's rough edge).

Its legend, each cause on one line, was 3.1 in wide: the square, bound by the width
left beside it, was 2.4 in, and a band of about 0.7 in stayed empty between the
title and the plot. On a page each cause's numbers now go on a line of their own,
the legend is narrower and the square larger.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import pytest

from backspasm import figures
from backspasm.network import Network

pytestmark = pytest.mark.usefixtures("figures_closed")


def test_a_page_s_roc_leaves_no_empty_band_under_its_title(
    evaluation_2000: Any, net: Network
) -> None:
    ax = figures.plot_roc(evaluation_2000, causes=list(net.serious_causes), size="page")
    fig = ax.get_figure()
    assert fig is not None
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    title = fig._suptitle  # type: ignore[attr-defined]
    assert title is not None
    assert title.get_text()
    under_title = title.get_window_extent(renderer).y0
    top = ax.yaxis.get_tightbbox(renderer)
    assert top is not None
    gap = (under_title - max(top.y1, ax.get_window_extent(renderer).y1)) / fig.dpi
    assert 0.0 < gap < 0.4  # inches: the title's pad, no empty band
    legend = ax.get_legend()
    assert legend is not None
    key = legend.get_window_extent(renderer)
    texts = [*ax.texts, *legend.get_texts()]
    (note,) = [t for t in texts if t.get_gid() == "roc:not_drawn"]
    said = note.get_window_extent(renderer)
    for entry in legend.get_texts():  # the note, the key's last entry, apart from the rest
        if entry is not note:
            assert not entry.get_window_extent(renderer).overlaps(said), entry.get_text()
    for box in (key, said, title.get_window_extent(renderer), ax.get_tightbbox(renderer)):
        assert fig.bbox.x0 <= box.x0
        assert box.x1 <= fig.bbox.x1
        assert fig.bbox.y0 <= box.y0
        assert box.y1 <= fig.bbox.y1
