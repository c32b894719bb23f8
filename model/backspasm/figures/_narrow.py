"""Laying a figure out narrower than a slide: a journal's page or column.

A figure of a journal's width (see :mod:`backspasm.figures._style`: its type scaled
down, :func:`~backspasm.figures._style.pt`) has no room to spare: its row labels are
wrapped to a share of its width (:func:`label_chars`), the ends of its axes leave
room for the values written beside the bars (:func:`room_for`, :func:`room_right`,
:func:`room_past`), the labels of a top axis keep apart (:func:`ticks_apart`), and
notes above the plot run from the figure's left edge (:func:`figure_note`). The
figures call these only when :func:`~backspasm.figures._style.scale` is under 1, so
that a slide's layout never changes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._bars import VALUE_GAP, bold_width
from backspasm.figures._panel import CELL_PAD, cell_of
from backspasm.figures._words import ratio_tick, text_width
from backspasm.figures._wrap import plot_width

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "TICK_CHAR",
    "chars_in",
    "figure_note",
    "label_chars",
    "note_width",
    "plot_inches",
    "room_for",
    "room_past",
    "room_right",
    "row_pitch",
    "rows_room",
    "ticks_apart",
]

#: The mean width (inches) of a character of a row's label at TICK points (a slide's).
TICK_CHAR = 0.085


def chars_in(inches: float, size: float) -> int:
    """Return how many characters of ``size`` points (slide's, scaled) fill ``inches``."""
    return max(12, int(inches / (TICK_CHAR * size / st.TICK * st.scale())))


def label_chars(ax: Axes, share: float = 0.58) -> int:
    """Return the characters a line of a row's label may take in a journal's figure.

    ``share`` of the width of the Axes before it is laid out (the default, about 45%
    of a figure's one Axes once laid out, at the scaled type), so that the bars keep
    the rest; at least 14.
    """
    return max(14, int(share * st.inches(ax)[0] / (TICK_CHAR * st.scale())))


def plot_inches(ax: Axes, labels: list[str]) -> float:
    """Return the width (inches) a journal figure's plot will have beside its row labels.

    That of an Axes of the user's figure as it is kept to its cell of the grid (a
    figure without a layout engine), so that the values beside its bars fit the plot
    as first drawn, not only once the figure is laid out again.
    """
    widest = max(
        (text_width(line, st.pt(st.TICK)) for text in labels for line in text.split("\n")),
        default=0.0,
    )
    fig = st.figure_of(ax)
    engine = fig.get_layout_engine() is not None
    if len(fig.axes) == 1 and (st.own() or engine):
        return max(float(fig.get_figwidth()) - widest - 0.35, 0.5)
    inches = plot_width(ax, labels) - 0.1
    spec = ax.get_subplotspec()
    if spec is not None and not engine and not st.own():
        # kept to its cell (fit_in_cell): its right edge where the grid put it, its
        # left edge right of the row labels, from the cell's left edge at the most
        left = cell_of(spec, fig)[0] * float(fig.get_figwidth()) + CELL_PAD
        right = st.placed(ax).x1 * float(fig.get_figwidth())
        inches = min(inches, right - left - widest - _TICK_ROOM)
    return max(inches, 0.5)


#: The room (inches) between a row label and its plot: the tick labels' pad, rounded up.
_TICK_ROOM = 0.1


def room_for(
    values: list[str], span: float, plot: float, *, across: float = 2.0, size: float | None = None
) -> float:
    """Return the half-width of a log-odds axis with room for the bars' values.

    Bars of up to ``span`` either way leave room for their values (of ``size``
    points; by default the figure's note size) beside them in a plot ``plot`` inches
    wide, whose axis is ``across`` half-widths wide (2: from ``-edge`` to ``edge``;
    less when one side only keeps a margin).
    """
    size = st.pt(st.NOTE) if size is None else size
    text = max((text_width(v, size) for v in values), default=0.0) + 0.12
    share = min(across * text / plot, 0.7)  # of the axis's width, at its ends
    return span / (1.0 - share)


def room_past(values: list[str], plot: float, across: float = 2.0) -> float:
    """Return the room an axis keeps past a bar that runs to its end, for the bar's value.

    0 when each of ``values`` (the values of such bars: a known answer's ``odds ×∞:
    now known``) fits within its bar in bold, the bar being one of the ``across``
    half-widths of an axis ``plot`` inches wide; else, in half-widths, as much as
    holds the widest of them beside its bar's end (at most 80% of the widened axis).
    """
    gap = VALUE_GAP / 72
    if not values or max(bold_width(v, st.pt(st.NOTE)) for v in values) + 1.5 * gap <= (
        plot / across
    ):
        return 0.0
    text = max(text_width(v, st.pt(st.NOTE)) for v in values) * 1.05 + gap
    share = min(text / plot, 0.8)  # of the widened axis
    return share * across / (1.0 - share)


def room_right(values: list[str], largest: float, plot: float) -> float:
    """Return the right end of an axis from 0 whose longest bar leaves room for its value."""
    text = max((text_width(v, st.pt(st.NOTE)) for v in values), default=0.0) + 0.1
    share = min(text / plot, 0.6)
    return largest / (1.0 - share)


def ticks_apart(ratios: list[float], edge: float, plot: float) -> list[float]:
    """Keep the odds ratios of a top axis whose labels stand apart on a narrow plot.

    From 1 outwards either way, a ratio is kept when its label clears the last one
    kept by a few points (the axis runs from ``-edge`` to ``edge`` in log-odds over
    ``plot`` inches).
    """

    def where(r: float) -> float:
        return (math.log(r) + edge) / (2 * edge) * plot

    def wide(r: float) -> float:
        return text_width(ratio_tick(r), st.pt(st.TICK))

    kept = [1.0] if 1.0 in ratios else []
    for side in ([r for r in ratios if r > 1.0], sorted([r for r in ratios if r < 1.0])[::-1]):
        last = 1.0
        for r in side:
            if abs(where(r) - where(last)) >= (wide(r) + wide(last)) / 2 + 0.08:
                kept.append(r)
                last = r
    return sorted(kept)


def figure_note(ax: Axes, y: float, text: str, **options: Any) -> float:
    """Write a note at height ``y`` (Axes fraction) from the left edge of the figure.

    For a note above the plot of a journal figure's one Axes, which has the
    figure's whole width, not only the plot's; left out of the layout (it lies within
    the Axes' height). On a panel of a grid, from the Axes' left edge instead.
    Returns its x (figure or Axes fraction); an empty ``text`` writes nothing.
    """
    x, where = figure_left(ax)
    if text:
        note = ax.text(x, y, text, transform=where, ha="left", va="top", **options)
        note.set_in_layout(False)
    return x


def figure_left(ax: Axes) -> tuple[float, Any]:
    """Return where a :func:`figure_note` starts: its x and the transform it is in.

    On the figure's one Axes, :data:`~backspasm.figures._style.TITLE_MARGIN` in from
    the figure's left edge, where its title starts (x a figure fraction, y the Axes');
    on a panel of a grid, the Axes' left edge (both Axes fractions).
    """
    from matplotlib.transforms import blended_transform_factory

    fig = st.figure_of(ax)
    if len(fig.axes) == 1:
        left = st.TITLE_MARGIN / float(fig.get_figwidth())
        return left, blended_transform_factory(fig.transFigure, ax.transAxes)
    return 0.0, ax.transAxes


def note_width(ax: Axes, beside: list[str] | None = None) -> float:
    """Return the width (inches) a :func:`figure_note` may take.

    On a panel of a grid, the plot's, beside its row labels (``beside``, by default
    those it has: see :func:`~backspasm.figures._words.plot_width`).
    """
    fig = st.figure_of(ax)
    if len(fig.axes) == 1:
        return float(fig.get_figwidth()) - 2 * st.TITLE_MARGIN
    return plot_width(ax, beside)


def rows_room(
    ax: Axes,
    *,
    title_lines: int,
    below_lines: int,
    title_size: float | None = None,
    alone: bool = False,
) -> float:
    """Return the height (inches) a journal figure's Axes will have for its rows.

    The figure's height less its title (``title_lines`` lines) and what goes under
    the plot (``below_lines`` lines of tick labels, axis label and legend), for the
    figure's one Axes; for a panel of a grid, its rows' share of the figure's height
    less the same (and the room between panels), or, for an Axes placed by hand,
    most of its height. The title's lines are of ``title_size`` points (by default a
    case title's, ``TITLE - 1``). ``alone``: not as tall as a title drawn beside it.
    """
    fig = st.figure_of(ax)
    below = below_lines * st.pt(st.TICK) * 1.2 / 72 + 0.15
    spec = ax.get_subplotspec()
    size = st.pt(st.TITLE - 1) if title_size is None else title_size
    title = title_lines * size * 1.22 / 72
    if len(fig.axes) > 1 and spec is not None and not alone:
        # a layout engine gives a row of the grid the margin of its tallest title:
        # one drawn already on a panel beside this one takes its room too
        title = max([title] + [_title_inches(other) for other in _beside(ax)])
    title += 0.1
    if len(fig.axes) == 1:
        return max(float(fig.get_figheight()) - title - below - 0.12, 0.2)
    if spec is not None:
        share = len(spec.rowspan) / spec.get_gridspec().nrows
        return max(float(fig.get_figheight()) * share - title - below - 0.25, 0.2)
    return max(st.inches(ax)[1] * 0.85 - below * 0.5, 0.2)


def _beside(ax: Axes) -> list[Axes]:
    """Return the other panels of an Axes' grid that share a row of it with it."""
    spec = ax.get_subplotspec()
    if spec is None:
        return []
    grid, rows = spec.get_gridspec(), set(spec.rowspan)
    return [
        other
        for other in st.figure_of(ax).axes
        if other is not ax
        and (theirs := other.get_subplotspec()) is not None
        and theirs.get_gridspec() is grid
        and rows & set(theirs.rowspan)
    ]


def _title_inches(ax: Axes) -> float:
    """Return the height (inches) of an Axes' left title's lines (0 with none)."""
    text = ax.get_title(loc="left")
    size = float(ax._left_title.get_fontsize())  # type: ignore[attr-defined]
    return (text.count("\n") + 1) * size * 1.22 / 72 if text else 0.0


def row_pitch(lines: float = 1.0) -> float:
    """Return the least height (inches) of a row whose label takes ``lines`` lines."""
    return lines * st.pt(st.TICK) * 1.2 / 72 + 0.035
