"""Figure 03 in a panel of the user's too small for its text to leave room for 3 causes.

A teacher's plain ``plt.subplots(2, 2, figsize=(8, 6))`` grid of causes panels (no
layout engine) showed one cause a panel: its title, its key of a line a kind of cause
and its labels, at the type of an 8 in figure, left room for a single bar. Where a
panel of the user's would show fewer than :data:`LEAST_SHOWN` causes,
:func:`cramped` draws it in type only as much smaller as they need, the least a
bar's value may have being :data:`FLOOR` points (chosen as in the narrowest cell of
its grid, and its title's with :func:`title_size`: the panels of one grid read alike),
and :func:`compact_key` gives it a key of three lines: the prior's
tick, the bar, and what P(a serious cause) is, in short but saying both that it is the
chance of at least one and that it is not the sum of their bars (the kinds of cause
are named, in their colours, over their blocks). Its title is in its tick labels'
type at most (``CRAMPED_TITLE``) and says an incomplete screen in short (``screen
incomplete: 29 of 30 unasked: the triage may change``). A panel with room is left as
it was.
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._cause_rows import CRAMPED_FLOOR, causes_that_fit
from backspasm.figures._grid_title import fitted_title
from backspasm.figures._narrow import label_chars
from backspasm.figures._panel import CELL_PAD, cell_of
from backspasm.figures._triage_words import SERIOUS_NAME
from backspasm.figures._wrap import text_width

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.gridspec import SubplotSpec

    from backspasm.diagnosis import Diagnosis

__all__ = [
    "COMPACT_BAR",
    "COMPACT_SERIOUS",
    "FLOOR",
    "LABEL_SHARE",
    "LEAST_SHOWN",
    "STEP",
    "compact_key",
    "cramped",
    "cramped_causes",
    "key_lines",
    "title_size",
]

#: The fewest causes a panel of the user's shows, if it has that many to show.
LEAST_SHOWN = 3
#: The type (points) of the smallest text of a cramped panel: a bar's value (NOTE), and
#: the least of its title's.
FLOOR = CRAMPED_FLOOR
#: The step (of the type scale) by which a cramped panel's type goes down.
STEP = 0.02
#: The share of a cramped panel's width its row labels' lines may take (usually 0.58).
LABEL_SHARE = 0.66
#: The key's bar, in a cramped panel: its colour is its kind's (named over its block).
COMPACT_BAR = "bar: after the answers, in its kind's colour"
#: What P(a serious cause) is, in a cramped panel's key: both points in short.
COMPACT_SERIOUS = f"{SERIOUS_NAME}: at least one; not the sum of their bars"


def cramped(ax: Axes, table: pd.DataFrame, diagnosis: Diagnosis) -> int:
    """Return a cramped panel's characters a row label's line may take, else 0 (see the module).

    A panel of the user's that would show fewer than :data:`LEAST_SHOWN` causes (or
    than ``table`` has) at its figure's type with its usual key is then drawn, to its
    end, in the largest type, :data:`STEP` by step down to a bar's value at
    :data:`FLOOR` points, that shows them in the narrowest cell of its grid as large
    as its own (so that the panels of a grid, in cells a little narrower or wider,
    are in one type), with :func:`compact_key`'s key and its labels on lines of
    :data:`LABEL_SHARE` of its width (in half of an 8 x 6 in figure "Weak or tight
    back muscles" on two lines took the third cause's room). Nothing (0) for the
    figure's own Axes, one placed by hand, or a panel that would not show them even so.
    """
    spec = ax.get_subplotspec()
    if st.own() or spec is None:
        return 0
    want = min(LEAST_SHOWN, len(table))
    if len(causes_that_fit(ax, table, diagnosis, label_chars(ax))) >= want:
        return 0
    first, least = st.scale(), min(st.scale(), FLOOR / st.NOTE)
    scales = [first - i * STEP for i in range(int((first - least) / STEP) + 1)] + [least]
    grid, fig = spec.get_gridspec(), st.figure_of(ax)
    key = (len(spec.rowspan), len(spec.colspan), *fig.get_size_inches())
    before = _CHOSEN.get(grid, {}).get(key)
    if before is not None:  # another panel's of the grid first, then anything smaller
        scales = [before] + [now for now in scales if now < before]
    ax._subplotspec = _narrowest(ax)  # type: ignore[attr-defined]  # measured there
    try:
        for now in scales:
            # (sized sets the scale for the drawing and puts back the one before it after)
            token = st._SCALE.set(now)
            chars = label_chars(ax, LABEL_SHARE)
            if len(causes_that_fit(ax, table, diagnosis, chars, key_lines(ax))) >= want:
                _CHOSEN.setdefault(grid, {})[key] = now
                return chars
            st._SCALE.reset(token)
    finally:
        ax._subplotspec = spec  # type: ignore[attr-defined]
    return 0  # no room for 3 even so (half of a 4 x 3 in figure): as it was


def cramped_causes(ax: Axes, table: pd.DataFrame, diagnosis: Diagnosis, chars: int) -> Any:
    """Return the causes a cramped panel shows: measured as :func:`cramped` chose its type.

    In the narrowest cell of its grid as large as its own, where its title's type is
    chosen (:func:`title_size`): measured in its own, a little wider, the title came
    out larger and case EX16's panel in half of an 8 x 6 in figure showed 2 causes.
    """
    spec = ax.get_subplotspec()
    ax._subplotspec = _narrowest(ax)  # type: ignore[attr-defined]
    try:
        return causes_that_fit(ax, table, diagnosis, chars, key_lines(ax))
    finally:
        ax._subplotspec = spec  # type: ignore[attr-defined]


#: The type scale each grid's cramped panels have, by their rows, columns and figure size.
_CHOSEN: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], float]] = weakref.WeakKeyDictionary()


def _narrowest(ax: Axes) -> SubplotSpec:
    """Return the narrowest cell of an Axes' grid as large (in rows and columns) as its own."""
    spec = ax.get_subplotspec()
    assert spec is not None
    home = st.figure_of(ax)
    grid = spec.get_gridspec()
    rows, cols = grid.get_geometry()
    high, wide = len(spec.rowspan), len(spec.colspan)
    cells = [
        grid[r : r + high, c : c + wide]
        for r in range(rows - high + 1)
        for c in range(cols - wide + 1)
    ]
    return min(cells, key=lambda cell: _across(cell, home))


def _across(spec: SubplotSpec, home: Any) -> float:
    """Return the width (inches) of a grid's cell (:func:`~backspasm.figures._panel.cell_of`)."""
    x0, _, x1, _ = cell_of(spec, home)
    return (x1 - x0) * float(home.get_figwidth())


def title_size(
    ax: Axes, build: Callable[[int], str], width: int, size: float
) -> tuple[float, float]:
    """Return the type of a cramped panel's title, and the inches its lines keep short.

    As in the narrowest cell of its grid as large as its own: the panels of a grid, in
    cells a little narrower or wider (matplotlib's margins are not alike on the left
    and right), then have their titles in the same type, naming as many answers.
    """
    spec = ax.get_subplotspec()
    if spec is None:
        return size, 0.0
    home = st.figure_of(ax)
    narrowest = _narrowest(ax)
    # (fitted_title's lines take 0.95 of its cell's width: as many inches as there)
    short = 0.95 * (_across(spec, home) - _across(narrowest, home))
    return fitted_title(ax, build, width, size, spec=narrowest, least=FLOOR)[1], short


def key_lines(ax: Axes) -> int:
    """Return the lines :func:`compact_key`'s key takes in a panel's cell."""
    spec = ax.get_subplotspec()
    if spec is None:
        return 3
    home = st.figure_of(ax)
    x0, _, x1, _ = cell_of(spec, home)
    wide = (x1 - x0) * float(home.get_figwidth()) - 2 * CELL_PAD - 0.5  # less the handle
    size = st.pt(st.NOTE + 0.5)
    return 1 + sum(math.ceil(text_width(t, size) / wide) for t in (COMPACT_BAR, COMPACT_SERIOUS))


def compact_key(ax: Axes, prior: str, pointed: str = "") -> None:
    """Key a cramped panel's bars in three entries (see the module); ``pointed``: a fourth.

    ``prior``: the prior's tick's entry; ``pointed``: what a cause's odds factor is, if
    a cause shown has one. Under the axis label; in a figure without a layout engine,
    from the cell's left edge: a key wider than the plot, hung from the plot's right
    edge, grew past the file's left edge where the file is drawn at a lower resolution
    than the figure's (its type drawn wider: 0.06 in past it, ``savefig(dpi=80)`` of a
    100 dpi 8 x 6 in figure).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    handles = [
        Line2D([], [], color=st.PRIOR_TICK, lw=2.0, label=prior),
        Patch(facecolor=st.mix(st.TEXT, 0.55), edgecolor="none", label=COMPACT_BAR),
        Line2D([], [], lw=0, label=COMPACT_SERIOUS),
    ]
    if pointed:
        handles.append(Line2D([], [], lw=0, label=pointed))
    st.legend_under(ax, handles, ncol=1)
    key: Any = ax.get_legend()
    key.get_texts()[2].set_gid("serious_means")
    spec = ax.get_subplotspec()
    fig: Any = ax.get_figure(root=True)
    if spec is None or fig.get_layout_engine() is not None:
        return
    home: Any = ax.get_figure(root=False)
    left = cell_of(spec, home)[0] + CELL_PAD / float(home.get_figwidth())
    drop = (st.pt(st.TICK) * 2.75 + 6.0) / 72.0  # as legend_under's, under a line of label
    where = blended_transform_factory(home.transSubfigure, ax.transAxes)
    shift = ScaledTranslation(0, -drop, fig.dpi_scale_trans)
    key.set_bbox_to_anchor((left, 0.0), transform=where + shift)
    key.set_loc("upper left")
