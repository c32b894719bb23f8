"""Probability bars: a posterior bar with its prior's tick, and each bar's value.

Shared by :func:`~backspasm.figures.case.plot_causes` and
:func:`~backspasm.figures.scenarios.plot_scenarios`; :func:`end_label` writes a
value at a bar's end for every horizontal bar chart (evidence impact, sensitivity).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from backspasm.figures._style import PRIOR_TICK, TEXT
from backspasm.figures._words import text_width

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def prior_and_posterior(
    ax: Axes,
    y: float,
    posterior: float,
    prior: float,
    *,
    colour: str,
    key: str,
    label: str,
    height: float,
    lw: float,
) -> None:
    """Draw a posterior bar with its prior as a grey tick across it.

    The bar gets ``gid="posterior:<key>"`` (labelled ``label``) and the tick
    ``gid="prior:<key>"``; the tick is 1.2 bar heights tall, in
    :data:`~backspasm.figures._style.PRIOR_TICK` grey so that it never reads as the
    bar's value (written in black).
    """
    bar = ax.barh(y, posterior, height=height, color=colour, zorder=3)[0]
    bar.set_gid(f"posterior:{key}")
    bar.set_label(label)
    (tick,) = ax.plot(
        [prior, prior],
        [y - 0.6 * height, y + 0.6 * height],
        color=PRIOR_TICK,
        lw=lw,
        zorder=4,
        solid_capstyle="butt",
    )
    tick.set_gid(f"prior:{key}")


def end_label(
    ax: Axes,
    text: str,
    xy: tuple[float, float],
    *,
    right: bool,
    gid: str,
    size: float,
    inside: bool = False,
) -> None:
    """Write a value 4 points beyond a bar's end, whatever the scale of the axis.

    ``right``: the text runs to the right of ``xy``; ``inside``: in bold white within
    the bar instead.
    """
    ax.annotate(
        text,
        xy=xy,
        xytext=(4 if right else -4, 0),
        textcoords="offset points",
        ha="left" if right else "right",
        va="center",
        fontsize=size,
        fontweight="bold" if inside else "normal",
        color="white" if inside else TEXT,
        gid=gid,
    )


def bar_labels(
    ax: Axes,
    items: Sequence[tuple[float, float, float | None, str]],
    *,
    size: float,
    gids: Sequence[str] | None = None,
    inside_colour: str = "white",
    laid_out: bool = False,
) -> None:
    """Write each bar's value at the end of its own bar, clear of its prior tick.

    ``items`` holds ``(y, end, prior, text)``: the bar runs from 0 to ``end`` at
    height ``y``, with a prior tick at ``prior`` (or None). The text goes right of
    the bar end, a few points away; only when the prior tick stands where the text
    would be does the text move just past the tick. A text that would leave the
    Axes goes inside the bar's end, in ``inside_colour``. The positions are worked
    out in inches of the laid-out figure, so they hold at any axis scale (with
    ``laid_out``, the figure was laid out already and is not drawn again).
    """
    from matplotlib.figure import Figure

    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    if not laid_out:
        fig.draw_without_rendering()
    box = ax.get_window_extent()
    lo, hi = ax.get_xlim()
    per_inch = (hi - lo) / max(box.width / fig.dpi, 1e-6)  # data units per inch
    gap = 4.0  # points between the bar end (or the tick) and the text
    for i, (y, end, prior, text) in enumerate(items):
        wide = (text_width(text, size) * 1.1 + gap / 72) * per_inch
        x, where = end, "right"
        if prior is not None and end - 0.2 * wide < prior < end + wide + 0.08 * per_inch:
            x = max(end, prior)  # the tick stands where the text would be: pass it
        if x + wide + 0.1 * per_inch > hi and end - lo > wide:
            x, where = end, "inside"
        label = ax.annotate(
            text,
            xy=(x, y),
            xytext=(gap if where == "right" else -gap, 0),
            textcoords="offset points",
            ha="left" if where == "right" else "right",
            va="center",
            fontsize=size,
            fontweight="bold",
            color=TEXT if where == "right" else inside_colour,
            zorder=6,
        )
        if gids is not None:
            label.set_gid(gids[i])
