"""A prior tick drawn across a bar hides no more of the bar than it must.

Its white outline (there so that a grey tick shows inside a bar of the same grey in a
grey print) took 1.1 pt either side of a 2 pt tick: in a journal column, where the
axis is about 1.5 in long, that blanked 4% of the axis, so a disc at 12.1% with its
prior at 3.8% read as two short pieces (a teacher's audit).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest

import backspasm
from backspasm import figures
from backspasm.figures.scenarios import DEFAULT_CASE

DPI = 300
#: At most this many points of bar may be hidden either side of a tick's own width.
MOST_HIDDEN = 0.5


@pytest.fixture(scope="module")
def case() -> Any:
    return backspasm.diagnose(dict(DEFAULT_CASE))  # the teaching set's: a disc at 12.1%


@pytest.mark.parametrize("size", ["column", "page"])
def test_a_bar_crossed_by_its_prior_tick_keeps_its_length(case: Any, size: str) -> None:
    ax = figures.plot_causes(case, size=size)
    fig: Any = ax.get_figure()
    fig.set_dpi(DPI)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    height = pixels.shape[0]
    crossed = 0
    for bar in (p for p in ax.patches if str(p.get_gid()).startswith("posterior:")):
        key = str(bar.get_gid()).split(":", 1)[1]
        (tick,) = [t for t in ax.lines if t.get_gid() == f"prior:{key}"]
        box = bar.get_window_extent()
        x_tick = ax.transData.transform((tick.get_xdata()[0], 0))[0]
        tick_px = tick.get_linewidth() * DPI / 72
        if not box.x0 + 1.5 * tick_px < x_tick < box.x1 - 1.5 * tick_px:
            continue  # the tick is not well inside the bar
        crossed += 1
        row = pixels[height - round((box.y0 + box.y1) / 2)]
        span = row[int(np.ceil(box.x0)) + 1 : int(box.x1) - 1]
        white = int((span.min(axis=1) > 225).sum())  # white, or nearly (its edge)
        assert white <= 2 * MOST_HIDDEN * DPI / 72 + 1, (key, white)
    assert crossed, "no bar of the case is crossed by its prior tick"
    plt.close(fig)
