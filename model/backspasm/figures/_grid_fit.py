"""A plot's legend kept to its panel's cell in a user's grid drawn without a layout engine.

A legend under a plot (:func:`~backspasm.figures._style.legend_under`) has its right
edge at the plot's. In a panel of the user's ``plt.subplots`` grid with no layout
engine, a legend wider than the plot ran past the cell's left edge, and so past the
figure's in the left column (half of a 6 x 4 in figure at 80 dpi: figure 03's key
and, as :func:`~backspasm.figures._panel.fit_in_cell` then could not bring it in by
moving the plot's left edge, its row labels too). :func:`legend_in_cell` wraps its
entries to the cell's width and, where it would still run out on the left, puts it
at the cell's left edge, as the panel's title is (:mod:`backspasm.figures._grid_title`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._panel import CELL_PAD, cell_of
from backspasm.figures._wrap import narrowed, wrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["legend_in_cell"]


def legend_in_cell(ax: Axes) -> None:
    """Keep the legend and headings of a panel of the user's grid within its cell (see the module).

    Nothing for the figure's own Axes, a figure with a layout engine (the engine
    makes room), an Axes placed by hand, or one without a legend.
    """
    fig: Any = ax.get_figure(root=True)
    spec = ax.get_subplotspec()
    key = ax.get_legend()
    if st.own() or fig is None or fig.get_layout_engine() is not None or spec is None:
        return
    home: Any = ax.get_figure(root=False)
    if key is not None:
        _key_in_cell(ax, key, cell_of(spec, home))
    _headings_in_cell(ax, cell_of(spec, home))


def _key_in_cell(ax: Axes, key: Any, cell: tuple[float, float, float, float]) -> None:
    """Wrap a key to its cell, and put it at the cell's left edge if it runs past it."""
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    fig: Any = ax.get_figure(root=True)
    home: Any = ax.get_figure(root=False)
    x0, _, x1, _ = cell
    across = float(home.bbox.width) / float(fig.dpi)  # inches
    size = float(key.get_texts()[0].get_fontsize()) if key.get_texts() else st.pt(st.NOTE)
    em = size / 72
    handle = (key.handlelength + key.handletextpad + 2 * key.borderpad) * em
    wide = (x1 - x0) * across - 2 * CELL_PAD - handle
    for entry in key.get_texts():
        entry.set_text(_fitted(entry.get_text(), wide, size))
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    box = key.get_window_extent(renderer).transformed(home.transSubfigure.inverted())
    left = x0 + CELL_PAD / across
    if box.x0 >= left:
        return
    # from the cell's left edge, as far under the plot's bottom as it was
    anchor = key.get_bbox_to_anchor()
    drop = (ax.get_window_extent(renderer).y0 - anchor.y0) / float(fig.dpi)
    where = blended_transform_factory(home.transSubfigure, ax.transAxes)
    key.set_bbox_to_anchor(
        (left, 0.0), transform=where + ScaledTranslation(0, -drop, fig.dpi_scale_trans)
    )
    key.set_loc("upper left")


def _headings_in_cell(ax: Axes, cell: tuple[float, float, float, float]) -> None:
    """End a heading of a kind of cause at the cell's right edge where it would run past it.

    A heading starts at the plot's left edge, which
    :func:`~backspasm.figures._panel.fit_in_cell` moves right by as much as the row
    labels run past the cell's left edge; in half of a 5 x 4 in figure "strain, fitness
    or electrolytes" then ran into the next panel's row label "Muscle weakness".
    """
    from matplotlib.transforms import blended_transform_factory

    fig: Any = ax.get_figure(root=True)
    home: Any = ax.get_figure(root=False)
    headings = [t for t in ax.texts if str(t.get_gid()).startswith("block:")]
    if not headings:
        return
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    across = float(home.bbox.width) / float(fig.dpi)  # inches
    to_cell = home.transSubfigure.inverted()
    labels = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    left, right = cell[0] + CELL_PAD / across, cell[2] - CELL_PAD / across
    moved = max([0.0] + [left - b.transformed(to_cell).x0 for b in labels])
    for heading in headings:
        if heading.get_window_extent(renderer).transformed(to_cell).x1 + moved > right:
            heading.set_transform(blended_transform_factory(home.transSubfigure, ax.transData))
            heading.set_x(right)
            heading.set_horizontalalignment("right")


def _fitted(text: str, wide: float, size: float) -> str:
    """Return ``text`` with each of its lines wider than ``wide`` inches wrapped to it."""
    # (text_width's estimate of a line runs up to 4% short of the drawn)
    return "\n".join(
        narrowed(functools.partial(wrap, line), len(line), 0.95 * wide, size, first=line)
        for line in text.split("\n")
    )
