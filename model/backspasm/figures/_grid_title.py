"""The title of a plot drawn into a panel of the user's grid, fitted to the panel's cell.

Figures 03 and 04 (:func:`~backspasm.figures.plot_causes`,
:func:`~backspasm.figures.plot_evidence_impact`) title a panel of the user's from its
cell's left edge, over the row labels, wrapped to the cell, and in smaller type where
it would take more than :data:`TITLE_SHARE` of the cell's height
(:func:`put_fitted_title`). :func:`fitted_title` says what that title will be, so
that figure 03 can count the rows its panel has room for before it is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._panel import CELL_PAD, cell_of
from backspasm.figures._wrap import narrowed, text_width

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from matplotlib.axes import Axes
    from matplotlib.gridspec import SubplotSpec

__all__ = [
    "LINE_SPACING",
    "TITLE_SHARE",
    "fitted_title",
    "put_fitted_title",
    "regrid_if_title_past",
]

#: The most of its cell's height the title of a panel of the user's may take.
TITLE_SHARE = 0.25
#: A title's lines, one under the other, as matplotlib spaces them (x its type size).
LINE_SPACING = 1.2


def fitted_title(
    ax: Axes,
    build: Callable[[int], str],
    width: int,
    size: float,
    *,
    above: float = 0.0,
    narrower: float = 0.0,
    shorter: Sequence[Callable[[int], str]] = (),
    spec: SubplotSpec | None = None,
    least: float = 0.0,
) -> tuple[str, float]:
    """Return the title :func:`put_fitted_title` gives ``ax``, and its type size.

    ``narrower``: inches less than the cell's width for its lines (drawn wider than
    estimated). ``shorter``: titles said in fewer words, shortest last, for a cell
    that cannot hold ``build``'s even in the least type: the first that fits, in the
    largest type it fits in (else the last, in the least type). ``spec``: as if ``ax``
    were in that cell of the grid (by default its own); ``least``: points its type
    keeps to at least, if more than the figure's least.
    """
    spec = spec or ax.get_subplotspec()
    if st.own() or spec is None:
        return build(width), size
    home: Any = ax.get_figure(root=False)  # the figure, or the subfigure, it is in
    x0, bottom, x1, top = cell_of(spec, home)
    across, tall = (float(v) / float(home.dpi) for v in home.bbox.size)  # inches
    high = TITLE_SHARE * (top - bottom) * tall - above
    # (text_width's estimate of a line of this type runs up to 4% short of the drawn)
    wide = 0.95 * ((x1 - x0) * across - st.TITLE_MARGIN - 2 * CELL_PAD) - narrower
    least = min(size, max(st.pt(st.MIN_FONT), st.JOURNAL_MIN_FONT, least))
    for said in (build, *shorter):
        flat = " ".join(said(10_000).split())  # one line: its characters' mean width
        now = size
        while True:
            chars = int(wide * len(flat) / text_width(flat, now))
            text = narrowed(said, chars, wide, now)  # by words: wide letters run past
            fits = len(text.split("\n")) * now * LINE_SPACING / 72 <= high
            if fits or now <= least:
                break
            now = max(least, now - 0.5)
        if fits:
            break
    return text, now


def put_fitted_title(
    ax: Axes,
    build: Callable[[int], str],
    width: int,
    size: float,
    *,
    above: float = 0.0,
    shorter: Sequence[Callable[[int], str]] = (),
    narrower: float = 0.0,
    least: float = 0.0,
) -> None:
    """Title a plot; in a panel of the user's grid, over its row labels, made to fit its cell.

    ``build`` gives the title wrapped to lines of the characters it is given, at
    first ``width`` (:func:`~backspasm.figures._wrap.title_width`) at ``size``
    points. The figure's own Axes keep that title
    (:func:`~backspasm.figures._style.put_title`). On an Axes of the user's grid the
    title starts at the left edge of the Axes' cell (over the row labels, not over
    the plot only: half of a 5 x 4 in figure left the title of figure 04 a plot an
    inch wide, eleven lines, and it ran 1.2 in past the figure's top at a plain
    ``fig.savefig``), wrapped to lines as long as the cell holds; where it is still
    taller than :data:`TITLE_SHARE` of the cell, in smaller type, half a point at a
    time, down to the least of the figure's size. ``above``: inches of the cell's
    share that something else over the plot takes (figure 04's top axis); ``shorter``:
    the title in fewer words where the least type cannot hold it (figure 04's:
    :func:`~backspasm.figures._impact_title.impact_titles`). In a figure
    without a layout engine the title is drawn, and wrapped again narrower where its
    lines run past the cell (half of a 7 x 9 in figure at 80 dpi: 0.04 in past the
    file's right edge). ``narrower``: inches its lines keep short of the cell's width;
    ``least``: as for :func:`fitted_title`.
    """
    from matplotlib.transforms import blended_transform_factory

    spec = ax.get_subplotspec()
    if st.own() or spec is None:
        text, now = fitted_title(ax, build, width, size, above=above, shorter=shorter, least=least)
        st.put_title(ax, text, fontsize=now)
        return
    fig: Any = ax.get_figure(root=True)
    home: Any = ax.get_figure(root=False)
    across = float(home.bbox.width) / float(home.dpi)
    x0, _, x1, _ = cell_of(spec, home)
    for _ in range(3):  # drawn at a low resolution, the type is wider than estimated
        text, now = fitted_title(
            ax, build, width, size, above=above, narrower=narrower, shorter=shorter, least=least
        )
        title = ax.set_title(text, fontsize=now, loc="left", linespacing=LINE_SPACING)
        title.set_x(x0 + st.TITLE_MARGIN / across)  # from the cell's edge
        offset = ax.titleOffsetTrans  # type: ignore[attr-defined]  # the title's pad
        where = blended_transform_factory(home.transSubfigure, ax.transAxes)
        title.set_transform(where + offset)
        if fig.get_layout_engine() is not None:
            return  # (the engine lays the figure out at the resolution of its file)
        fig.draw_without_rendering()
        box = title.get_window_extent(fig.canvas.get_renderer())
        over = (box.transformed(home.transSubfigure.inverted()).x1 - x1) * across + CELL_PAD
        if over <= 0:
            return
        narrower += over + 0.02


def regrid_if_title_past(ax: Axes) -> bool:
    """Whether a panel's title, as a plain ``fig.savefig`` draws it, runs past its cell's top.

    Only in a user's figure without a layout engine, once the panel is kept to its
    cell (:func:`~backspasm.figures._panel.fit_in_cell`): a title that fits its
    :data:`TITLE_SHARE` may still run out where what goes under the plot leaves it
    no lower (half of a 4 x 3 in figure: figure 04's title 0.37 in past the top of the
    file). Where it does, the Axes is put back where its grid places it, to be titled
    in fewer words and kept to its cell anew.
    """
    fig: Any = ax.get_figure(root=True)
    spec = ax.get_subplotspec()
    if st.own() or fig is None or fig.get_layout_engine() is not None or spec is None:
        return False
    home: Any = ax.get_figure(root=False)
    fig.draw_without_rendering()
    drawn = ax.get_tightbbox(fig.canvas.get_renderer())
    if drawn is None:
        return False
    top = cell_of(spec, home)[3] * float(home.bbox.height)  # pixels, as drawn
    if drawn.transformed(home.transSubfigure.inverted()).y1 * float(home.bbox.height) <= top:
        return False
    ax.set_position(spec.get_position(home))
    ax.set_in_layout(True)  # (as fit_in_cell places it: still in a later engine's layout)
    return True
