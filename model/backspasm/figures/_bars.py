"""Probability bars: a posterior bar with its prior's tick, and each bar's value.

Shared by :func:`~backspasm.figures.case.plot_causes` and
:func:`~backspasm.figures.scenarios.plot_scenarios`; :func:`end_label` writes a
value at a bar's end for every horizontal bar chart (evidence impact, sensitivity).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from backspasm.figures._panel import fit_in_cell
from backspasm.figures._style import PRIOR_TICK, TEXT
from backspasm.figures._wrap import path_width

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
    bar's value (written in black), outlined in white so that it shows on a bar of
    its own grey in a grey print.
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
    # outlined in white: in a grey print the grey tick vanished inside a green bar of
    # the same grey (figure 03's dehydration; teacher audit, session 57)
    tick.set_path_effects(outlined(lw))


def outlined(width: float) -> list[Any]:
    """Return the path effects of a white outline under a line (shown across any bar).

    A hairline, 0.4 pt either side: enough to part a grey tick from a bar of the same
    grey in a grey print, little enough not to cut the bar in two (at 1.1 pt a side, a
    column's disc at 12.1% read as two short pieces).
    """
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=width + 0.8, foreground="white"), patheffects.Normal()]


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
    """Write each bar's value at the end of its own bar, never across its prior tick.

    ``items`` holds ``(y, end, prior, text)``: the bar runs from 0 to ``end`` at
    height ``y``, with a prior tick at ``prior`` (or None). The first place that
    keeps the text inside the Axes and clear of the tick (and of the tick's white
    halo) is taken, in this order: right of the bar end, a few points away; just
    past the tick, when it stands just beyond the bar end; inside the bar's end, in
    bold ``inside_colour``; past the tick, however far; inside the bar left of the
    tick. So a narrow plot, where a value is wide beside the bar, never has the
    tick drawn through a digit ("85.3%" read as "35.3%"), and a value sits at its
    own bar rather than past a tick far from it whenever the bar holds it. The
    positions are worked out in inches of the laid-out figure, so they hold at any
    axis scale (with ``laid_out``, the figure was laid out already and is not drawn
    again; an Axes of the user's figure without a layout engine is first kept to its
    cell, :func:`~backspasm.figures._panel.fit_in_cell`).
    """
    from matplotlib.figure import Figure

    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    if not laid_out:
        fig.draw_without_rendering()
        fit_in_cell(ax)  # an Axes of the user's figure without a layout engine
    box = ax.get_window_extent()
    lo, hi = ax.get_xlim()
    per_inch = (hi - lo) / max(box.width / fig.dpi, 1e-6)  # data units per inch
    gap = VALUE_GAP
    for i, (y, end, prior, text) in enumerate(items):
        x, where = label_place(end, prior, bold_width(text, size) * per_inch, (lo, hi), per_inch)
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


#: Points kept clear either side of a prior tick (its half width and white halo).
TICK_CLEARANCE = 3.0


def bold_width(text: str, size: float) -> float:
    """Width in inches of ``text`` in bold at ``size`` points, with a little to spare."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    if not text.strip():  # no glyph to draw (TextPath cannot even be built for it)
        return 0.0
    path = TextPath((0, 0), text, size=size, prop=FontProperties(weight="bold"))
    return path_width(path) / 72.0 * 1.05


#: Points between a bar's end (or its prior tick) and its value.
VALUE_GAP = 4.0


def label_place(
    end: float, prior: float | None, wide: float, bounds: tuple[float, float], per_inch: float
) -> tuple[float, str]:
    """Return where a bar's value goes: ``(x, "right")`` or ``(x, "inside")``.

    ``"right"``: the text starts :data:`VALUE_GAP` points right of ``x``; ``"inside"``:
    it ends that far left of ``x``. ``wide`` is the text's width in data units and
    ``per_inch`` the data units in an inch. The place keeps the text within ``bounds``
    (the x-limits) and :data:`TICK_CLEARANCE` points clear of ``prior``, in the order
    :func:`bar_labels` gives.
    """
    lo, hi = bounds
    pad = VALUE_GAP / 72 * per_inch
    clear = TICK_CLEARANCE / 72 * per_inch
    margin = 0.05 * per_inch  # the text not right against the Axes' edge

    def span(x: float, where: str) -> tuple[float, float]:
        return (x + pad, x + pad + wide) if where == "right" else (x - pad - wide, x - pad)

    def fits(x: float, where: str) -> bool:
        x0, x1 = span(x, where)
        if x0 < lo or x1 + margin > hi:
            return False
        return prior is None or not (x0 - clear < prior < x1 + clear)

    beyond = prior is not None and prior > end
    near = beyond and prior is not None and prior - end < pad + 0.3 * wide
    places: list[tuple[float, str]] = [(end, "right")]
    if near and prior is not None:
        places.append((prior + clear, "right"))
    places.append((end, "inside"))
    if beyond and prior is not None:
        places.append((prior + clear, "right"))
    elif prior is not None:
        places.append((prior - clear, "inside"))
    for x, where in places:
        if fits(x, where):
            return x, where
    # nowhere clear inside the Axes: past the tick (or the bar), into the margin
    return max(end, prior + clear if prior is not None else end), "right"
