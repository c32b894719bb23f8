"""A plot drawn into an Axes of the user's figure kept to that Axes' cell of its grid.

A ``plot_*`` function given ``ax`` draws on that Axes only: never a figure-level
title, text, legend or layout (the figure is the user's, and so are its other
panels). A figure with a layout engine (``layout="constrained"``) then makes room
for each panel's title, labels and legend itself. One without (matplotlib's default,
``plt.subplots(1, 2)``) keeps every Axes where its grid put it, and a case figure's
title, row labels and legend, larger than matplotlib's margins, ran past the
figure's edges or into the next panel: :func:`fit_in_cell` then moves the edges of
that Axes inward, within its own cell of the grid (half the space between it and
each neighbour, or up to the figure's edge), until all it drew is inside. The other
Axes are left alone, and a layout engine set later (or ``fig.subplots_adjust``)
places the Axes anew from its grid, as it would have.

This module imports no other module of the figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.gridspec import SubplotSpec
    from matplotlib.transforms import Bbox

__all__ = ["CELL_PAD", "cell_of", "fit_in_cell"]

#: Inches kept between what a panel draws and the edge of its cell.
CELL_PAD = 0.05
#: The least share of its cell's width and height a fitted plot keeps: a panel too
#: small for its text keeps a plot that can be read, its text running past the cell.
_LEAST_SHARE = 0.25


def cell_of(spec: SubplotSpec, figure: Any) -> tuple[float, float, float, float]:
    """Return the cell of a grid an Axes may use: ``(x0, y0, x1, y1)`` in figure fractions.

    The Axes' place in its grid widened to half the space between it and each
    neighbour, and to the figure's edges (or those of a nested grid's cell) where it
    has none.
    """
    from matplotlib.gridspec import GridSpecFromSubplotSpec

    grid = spec.get_gridspec()
    rows, cols = grid.get_geometry()
    bottoms, tops, lefts, rights = grid.get_grid_positions(figure)
    outer = (0.0, 0.0, 1.0, 1.0)
    if isinstance(grid, GridSpecFromSubplotSpec):
        outer = cell_of(grid.get_topmost_subplotspec(), figure)
    first_row, last_row = spec.rowspan.start, spec.rowspan.stop - 1
    first_col, last_col = spec.colspan.start, spec.colspan.stop - 1
    x0 = (rights[first_col - 1] + lefts[first_col]) / 2 if first_col > 0 else outer[0]
    x1 = (rights[last_col] + lefts[last_col + 1]) / 2 if last_col < cols - 1 else outer[2]
    y1 = (bottoms[first_row - 1] + tops[first_row]) / 2 if first_row > 0 else outer[3]
    y0 = (bottoms[last_row] + tops[last_row + 1]) / 2 if last_row < rows - 1 else outer[1]
    return float(x0), float(y0), float(x1), float(y1)


def fit_in_cell(ax: Axes) -> None:
    """Move an Axes' edges inward until all it drew lies within its cell (see the module).

    Nothing for a figure with a layout engine (the engine places the Axes), nor for
    an Axes placed by hand (no grid: its place is the user's choice). An edge moves
    only inward, by as much as the text beyond it runs out of the cell; a move that
    does not bring the text in on that side (a title wider than the cell, from the
    plot's left edge, is not brought in by the right edge) is taken back, so that the
    plot keeps its size. An Axes of a fixed aspect is first placed at the plot it
    draws (its square), so that an edge moved moves what hangs from the plot (a
    legend beside it), rather than only the empty room beside the square.
    """
    fig = ax.get_figure(root=True)
    if fig is None or fig.get_layout_engine() is not None:
        return
    spec = ax.get_subplotspec()
    if spec is None:
        return
    home = ax.get_figure(root=False)
    if ax.get_aspect() != "auto":  # a square (ROC, calibration): its box is the square
        ax.apply_aspect()
        _place(ax, ax.get_position(original=False))
    cell = cell_of(spec, home)
    width, height = (float(v) for v in home.bbox.size)  # type: ignore[union-attr]
    pad = (CELL_PAD * fig.dpi / width, CELL_PAD * fig.dpi / height)
    least = (_LEAST_SHARE * (cell[2] - cell[0]), _LEAST_SHARE * (cell[3] - cell[1]))
    out = _beyond(ax, cell, pad)
    for _ in range(3):  # the tick labels and the aspect change with the Axes' size
        for side in range(4):  # left, bottom, right, top: each edge on its own
            if out[side] <= 1e-4:
                continue
            before = ax.get_position(original=True)
            edges = list(before.extents)
            edges[side] += out[side] if side < 2 else -out[side]
            across = side % 2  # 0: a width, 1: a height
            floor = min(least[across], before.extents[across + 2] - before.extents[across])
            if edges[across + 2] - edges[across] < floor:  # too small to read: as far as
                edges[side] = (  # it may go, the text brought in as far as that
                    edges[across + 2] - floor if side < 2 else edges[across] + floor
                )
                if abs(edges[side] - before.extents[side]) <= 1e-6:
                    continue
            _place(ax, _box(edges))
            now = _beyond(ax, cell, pad)
            if now[side] >= out[side] - 1e-4:  # text not anchored to this edge: taken back
                _place(ax, before)
            else:
                out = now
        if max(out) <= 1e-4:
            return


def _beyond(
    ax: Axes, cell: tuple[float, float, float, float], pad: tuple[float, float]
) -> list[float]:
    """Return how far (figure fractions) what an Axes drew runs out of its cell, per side.

    Left, bottom, right, top; 0 where it keeps inside.
    """
    fig = ax.get_figure(root=True)
    home = ax.get_figure(root=False)
    renderer = fig.canvas.get_renderer()  # type: ignore[union-attr]
    drawn = ax.get_tightbbox(renderer)
    if drawn is None:
        return [0.0] * 4
    box = drawn.transformed(home.transSubfigure.inverted())  # type: ignore[union-attr]
    return [
        max(cell[0] + pad[0] - box.x0, 0.0),
        max(cell[1] + pad[1] - box.y0, 0.0),
        max(box.x1 - (cell[2] - pad[0]), 0.0),
        max(box.y1 - (cell[3] - pad[1]), 0.0),
    ]


def _place(ax: Axes, box: Bbox) -> None:
    """Place an Axes at ``box``, still in the layout of an engine set later.

    (``set_position`` takes an Axes out of the layout: a layout engine, as
    :func:`~backspasm.figures.save_figure` sets on a grid, would then leave it there.)
    """
    ax.set_position(box)
    ax.set_in_layout(True)


def _box(extents: list[float]) -> Bbox:
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(*extents)
