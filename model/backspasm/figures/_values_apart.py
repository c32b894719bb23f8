"""An evidence impact's values kept clear of its row labels as a user's figure is drawn.

:func:`~backspasm.figures.plot_evidence_impact` makes its axis wide enough for the
values beside its bars (``odds ÷2.37``) from their estimated widths. Drawn at a low
resolution the type is wider than the estimate (in half of a 12 x 5 in figure at
80 dpi, 0.81 in against 0.74 at 100), and a value written left of a lowered bar's
end came within two pixels of the row label ``Muscle weakness``. In a panel of the
user's grid drawn without a layout engine (placed as a plain ``fig.savefig`` will
draw it), :func:`values_clear_of_labels` measures the values and labels as drawn at
the figure's resolution and widens the axis on the labels' side until each value
keeps :data:`LEAST_GAP` from the label of its row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._panel import fit_in_cell

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["LEAST_GAP", "values_clear_of_labels"]

#: Points kept between a value and the row label level with it, as drawn.
LEAST_GAP = 4.0
#: The share of a value's drawn width kept as well: the type drawn at another
#: resolution (a file saved at another dpi) may be as much wider.
_SLACK = 0.08


def values_clear_of_labels(ax: Axes) -> None:
    """Widen the left of an evidence impact's axis until its values clear the row labels.

    Only in a panel of the user's figure without a layout engine (an engine places
    the Axes anew at each draw); the Axes is first kept to its cell
    (:func:`~backspasm.figures._panel.fit_in_cell`), as it will be drawn.
    """
    fig: Any = ax.get_figure(root=True)
    if st.own() or fig is None or fig.get_layout_engine() is not None:
        return
    fit_in_cell(ax)
    for _ in range(4):  # the tick labels change as the axis widens
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        plot = ax.get_window_extent(renderer)
        lo, hi = ax.get_xlim()
        new_lo = lo
        for value, wanted in _too_close(ax, renderer, float(fig.dpi)):
            end = float(value.xy[0])  # the bar's end: the value's right edge 4 pt left of it
            share = (end - lo) / (hi - lo) + wanted / plot.width  # of the plot, from its left
            if share >= 0.95:
                continue  # no axis holds it: left as it is
            new_lo = min(new_lo, (share * hi - end) / (share - 1.0))
        if new_lo >= lo - 1e-9:
            return
        ax.set_xlim(new_lo, hi)


def _too_close(ax: Axes, renderer: Any, dpi: float) -> list[tuple[Any, float]]:
    """Return each value written leftward too close to its row's label, and pixels wanted."""
    labels = [
        t.get_window_extent(renderer)
        for t in ax.get_yticklabels()
        if t.get_visible() and t.get_text()
    ]
    close = []
    for value in ax.texts:
        if not str(value.get_gid()).startswith("odds:") or not value.get_visible():
            continue
        if value.get_horizontalalignment() != "right":  # right of its anchor: away from them
            continue
        box = value.get_window_extent(renderer)
        need = LEAST_GAP * dpi / 72 + _SLACK * box.width
        short = max(
            (need - (box.x0 - c.x1) for c in labels if c.y0 < box.y1 and box.y0 < c.y1),
            default=0.0,
        )
        if short > 0.5:
            close.append((value, short))
    return close
