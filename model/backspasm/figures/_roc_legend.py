"""The legend of a ROC drawn in a panel of the user's figure, in a form that fits its cell.

A legend of every cause of an evaluation (the 15 curves of ``data/vignettes.csv``,
each cause in words with its AUC, interval and cases, and the causes not drawn) in
one column of two-line entries hung from the top of the square of half a 12 x 5 in
figure ran off the figure's bottom edge: a panel's height holds about a dozen such
entries. :func:`panel_legend` works out, for a few forms of the legend (from the
roomiest to the most compact, beside the square or under it), how large a square
the panel's cell leaves beside or over it, and keeps the form that leaves the
largest one with all the text inside the cell; where none does, the one that leaves
the least out (its square no smaller than 1.5 in). Beside the square, the legend
starts level with the top of the title (which is wrapped to the square's width and
the axis label left of it), so that it has the cell's whole height; the square is
placed at the cell's left, next to its axis label, rather than where the grid's
margins put it, less what the user's other panels drew into the cell. In a figure
with a layout engine the engine places the square (anchored right in its box, so
that the engine finds the legend where it is), and the title is wrapped a tenth
narrower than worked out. A panel too small for every form (half of a 10 x 4 or
8 x 5 in figure, for the 15 causes) has a smaller square (to 1.2 in), then smaller
type (to a journal's least, 6 pt), then fewer entries, the last of them saying how
many curves it leaves unnamed (``+2 more curves, unnamed``, ``gid="roc:not_named"``);
where the cell's width is what it lacks, the form that leaves least out, and
save_figure names the text cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import backspasm.figures._style as st
from backspasm.figures._panel import CELL_PAD, cell_of
from backspasm.figures._wrap import text_width, wrap

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.legend import Legend

__all__ = ["PANEL_WIDTH", "Entry", "panel_legend"]

#: The characters a line of the legend may take in a panel of the user's figure.
PANEL_WIDTH = 30
#: The grey of the note of the causes not drawn.
_NOTE_GREY = "#555555"
#: Inches between the square and the legend beside it.
_GAP = 0.12
#: A square within this many inches of a larger one is as good: the roomier form of
#: the legend (the earlier) is kept.
_AS_GOOD = 0.05
#: The least side (inches) of a square worth drawing: a legend that leaves less runs
#: out of the cell rather than squeeze the plot.
_LEAST_SIDE = 1.5
#: The least side (inches) of the square of a panel too small for the legend at
#: its roomiest: a smaller square before smaller type and fewer entries.
_SMALL_SIDE = 1.2


class Entry(NamedTuple):
    """A cause's entry: its words, ``(AUC 0.92, 0.72-0.98; 8 cases)`` and ``(0.92, ...; 8)``."""

    words: str
    numbers: str
    short: str


class _Form(NamedTuple):
    """A way to write the legend: compact entries or not, its columns, under the plot or not."""

    compact: bool  # "Muscle strain (0.92, 0.72-0.98; 8)": the heading says what each is
    ncol: int
    under: bool
    chars: int  # the characters a line of an entry (or of the note) may take


#: The forms tried, the roomiest first: the numbers of a cause on a line of their
#: own, beside the square; then compact entries beside it, in one or two columns;
#: then under it, across the panel.
_FORMS = (
    _Form(compact=False, ncol=1, under=False, chars=PANEL_WIDTH),
    _Form(compact=True, ncol=1, under=False, chars=44),
    _Form(compact=True, ncol=2, under=False, chars=PANEL_WIDTH),
    _Form(compact=True, ncol=2, under=True, chars=44),
    _Form(compact=True, ncol=3, under=True, chars=PANEL_WIDTH),
)


class _Room(NamedTuple):
    """The panel's cell and what the square needs around it, in inches."""

    width: float  # across the cell, less the axis label and ticks left of the square
    ticks: float  # the axis label and ticks left of the square
    height: float  # the cell's height
    left: float  # the cell's left edge plus the axis label and ticks
    top: float  # the cell's top edge
    below: float  # the axis label and ticks under the square
    label: float  # the width of the axis label under the square
    engine: bool  # a layout engine places the square


def panel_legend(
    ax: Axes,
    curves: Sequence[Artist],
    entries: Sequence[Entry],
    heading: Sequence[str],
    note: str | None,
    title: Sequence[str],
) -> float:
    """Put a ROC's legend and title where they fit its panel (see the module).

    ``curves``: the chance line and one line per entry; ``heading``: the legend's
    title, a line each (wrapped here); ``note``: the causes not drawn, the legend's
    last entry (``gid="roc:not_drawn"``), if any; ``title``: the plot's title, a
    line each. Returns the side of the square (inches; under a layout engine, as
    worked out: the engine places the square, and its title is wrapped a tenth
    narrower, for an engine that makes it a little smaller).
    """
    room = _room(ax)
    size, least = st.pt(st.MIN_FONT), _LEAST_SIDE  # the smallest type: most of the cell
    form, side, out = _best(ax, room, curves, entries, heading, note, title, size, least)
    # a cell too small for it all: a smaller square, smaller type (to a journal's
    # least); then fewer entries, the last saying how many curves it leaves unnamed
    if out > 0.0:
        least = _SMALL_SIDE
        form, side, out = _best(ax, room, curves, entries, heading, note, title, size, least)
    while out > 0.0 and size > min(st.pt(st.MIN_FONT), st.JOURNAL_MIN_FONT):
        size = max(st.JOURNAL_MIN_FONT, size - 0.5)
        form, side, out = _best(ax, room, curves, entries, heading, note, title, size, least)
    kept, more = len(entries), None
    best: tuple[float, _Form, float, int, str | None] = (out, form, side, kept, None)
    while out > 0.0 and kept > 1:  # (each entry it leaves out: a line or two less)
        kept -= 1
        more = f"+{len(entries) - kept} more curves, unnamed"
        form, side, out = _best(
            ax, room, curves[: kept + 1], entries[:kept], heading, note, title, size, least, more
        )
        if out < best[0] - 0.01:
            best = (out, form, side, kept, more)
    if out > 0.0:  # none fits (the cell's width is what it lacks): the least out
        out, form, side, kept, more = best
    legend = _put(ax, curves[: kept + 1], entries[:kept], heading, note, form, size, more)
    side = max(side, least)
    wrapped = _title_lines(title, (side * (0.9 if room.engine else 1.0)) + room.ticks)
    _place(ax, room, side, wrapped, legend, form)
    return side


def _best(
    ax: Axes,
    room: _Room,
    curves: Sequence[Artist],
    entries: Sequence[Entry],
    heading: Sequence[str],
    note: str | None,
    title: Sequence[str],
    size: float,
    least: float,
    more: str | None = None,
) -> tuple[_Form, float, float]:
    """Return the form of the legend that leaves the largest square: the form, side, inches out.

    The one that leaves the least out where none keeps all in (see the module).
    """
    best: tuple[float, _Form, float, float] | None = None  # (score, form, side, out)
    for form in _FORMS:
        legend = _put(ax, curves, entries, heading, note, form, size, more)
        box = legend.get_window_extent()
        dpi = float(st.figure_of(ax).dpi)
        side, out = _square(room, form, box.width / dpi, box.height / dpi, title, least)
        score = out if out > 0.0 else -side
        if best is None or score < best[0] - (_AS_GOOD if score < 0 else 0.0):
            best = (score, form, side, out)
    assert best is not None
    return best[1], best[2], best[3]


def _room(ax: Axes) -> _Room:
    """Measure the panel's cell and the room the square's axes take around it.

    The cell less what the user's other panels already drew into it (an axis label
    of the panel to the right, say, which runs left of that panel's plot).
    """
    fig = ax.get_figure(root=True)
    home = ax.get_figure(root=False)
    renderer = fig.canvas.get_renderer()  # type: ignore[union-attr]
    dpi = float(fig.dpi)  # type: ignore[union-attr]
    spec = ax.get_subplotspec()
    cell = cell_of(spec, home) if spec is not None else (0.0, 0.0, 1.0, 1.0)
    x0, y0, x1, y1 = home.transSubfigure.transform([cell[:2], cell[2:]]).ravel() / dpi  # type: ignore[union-attr]
    ax.apply_aspect()
    square = ax.get_window_extent(renderer)
    for other in home.axes:  # type: ignore[union-attr]
        drawn = other.get_tightbbox(renderer) if other is not ax else None
        if drawn is None:
            continue
        b0, c0, b1, c1 = (float(v) / dpi for v in drawn.extents)
        if min(b1, x1) > max(b0, x0) and min(c1, y1) > max(c0, y0):  # into the cell
            if b0 * dpi >= square.x1:
                x1 = min(x1, b0)
            elif b1 * dpi <= square.x0:
                x0 = max(x0, b1)
            elif c0 * dpi >= square.y1:
                y1 = min(y1, c0)
            elif c1 * dpi <= square.y0:
                y0 = max(y0, c1)
    ticks_left = ax.yaxis.get_tightbbox(renderer)
    ticks_under = ax.xaxis.get_tightbbox(renderer)
    left = (square.x0 - ticks_left.x0) / dpi if ticks_left is not None else 0.0
    below = (square.y0 - ticks_under.y0) / dpi if ticks_under is not None else 0.0
    return _Room(
        width=x1 - x0 - 2 * CELL_PAD - left,
        ticks=left,
        height=y1 - y0 - 2 * CELL_PAD,
        left=x0 + CELL_PAD + left,
        top=y1 - CELL_PAD,
        below=below,
        label=ax.xaxis.label.get_window_extent(renderer).width / dpi,
        engine=fig.get_layout_engine() is not None,  # type: ignore[union-attr]
    )


def _square(
    room: _Room,
    form: _Form,
    wide: float,
    tall: float,
    title: Sequence[str],
    least: float = _LEAST_SIDE,
) -> tuple[float, float]:
    """Return the side of the square a legend ``wide`` x ``tall`` leaves, and the inches out.

    Beside the square, the legend takes the cell's whole height; under it, the
    cell's width.
    """
    if form.under:
        side = room.width
        for _ in range(3):  # the title, wrapped to the square, takes a line more or less
            over = _title_height(title, side + room.ticks)
            side = min(room.width, room.height - over - room.below - tall)
        return side, max(wide - room.width, 0.0) + max(least - side, 0.0)
    # (the legend keeps clear of the axis label, centred under the square and wider)
    side = min(room.width - _GAP - wide, 2 * (room.width - wide - _GAP / 2) - room.label)
    heights = room.height - room.below
    side = min(side, heights - _title_height(title, side + room.ticks))
    return side, max(tall - room.height, 0.0) + max(least - side, 0.0)


def _title_lines(title: Sequence[str], inches: float) -> str:
    """Wrap the title's lines to ``inches`` (as measured, less 5% for rounding)."""
    size = st.pt(st.TITLE - 2)
    lines: list[str] = []
    for line in title:  # each line of the title on lines of its own
        start = len(lines)
        for word in line.split(" "):
            if len(lines) > start and text_width(f"{lines[-1]} {word}", size) <= 0.95 * inches:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
    return "\n".join(lines)


def _title_height(title: Sequence[str], inches: float) -> float:
    """Return the inches the title takes over the square, wrapped to ``inches``."""
    return _lines_height(_title_lines(title, inches))


def _lines_height(title: str) -> float:
    """Return the inches a title of these lines takes over the square, its pad too."""
    return ((title.count("\n") + 1) * 1.2 + 0.5) * st.pt(st.TITLE - 2) / 72


def _gap(room: _Room, side: float) -> float:
    """Return the inches between the square and the legend beside it: clear of the axis label."""
    return max(_GAP, (room.label - side) / 2 + _GAP / 2)


def _place(ax: Axes, room: _Room, side: float, title: str, legend: Legend, form: _Form) -> None:
    """Put the square at the cell's left under its title, the legend level with the title.

    The title is wrapped to the square and the axis label left of it (``title``),
    and starts left of the axis label. Under a layout engine the square stays where
    the engine puts it.
    """
    from matplotlib.transforms import Bbox, ScaledTranslation

    fig = ax.get_figure(root=True)
    home = ax.get_figure(root=False)
    dpi = float(fig.dpi)  # type: ignore[union-attr]
    above = _lines_height(title)
    # the square at the right of its box, the legend beside it: a layout engine (as
    # save_figure sets on a grid) then sees the legend past the box, where it is
    ax.set_anchor("NW" if form.under else "NE")
    if not room.engine:
        top = room.top - above
        corners = [[room.left * dpi, (top - side) * dpi], [(room.left + side) * dpi, top * dpi]]
        ax.set_position(Bbox(home.transSubfigure.inverted().transform(corners)))  # type: ignore[union-attr]
        ax.set_in_layout(True)  # a layout engine set later places it from its grid
    # from the cell's left edge, over the axis label: the title has a line more room
    words = ax.set_title(title, loc="left", fontsize=st.pt(st.TITLE - 2), x=0.0)
    left = ScaledTranslation(-room.ticks, 0.0, fig.dpi_scale_trans)  # type: ignore[union-attr]
    words.set_transform(ax.transAxes + left + ax.titleOffsetTrans)  # type: ignore[attr-defined]
    if not form.under:  # level with the title's top: the cell's height is the legend's
        lift = ScaledTranslation(_gap(room, side), above, fig.dpi_scale_trans)  # type: ignore[union-attr]
        legend.set_bbox_to_anchor((1.0, 1.0), transform=ax.transAxes + lift)


def _put(
    ax: Axes,
    curves: Sequence[Artist],
    entries: Sequence[Entry],
    heading: Sequence[str],
    note: str | None,
    form: _Form,
    size: float,
    more: str | None = None,
) -> Legend:
    """Draw the legend in ``form`` (replacing any the Axes has) and return it.

    Its entries in type of ``size`` points; ``more``, if given, an entry after
    them that says how many curves it leaves unnamed.
    """
    from matplotlib.lines import Line2D
    from matplotlib.transforms import ScaledTranslation

    if form.compact:
        said = [  # a cause's numbers on a line of their own, if not on its words' line
            f"{e.words} {e.short}"
            if len(f"{e.words} {e.short}") <= form.chars
            else f"{wrap(e.words, form.chars)}\n{e.short}"
            for e in entries
        ]
    else:
        said = [f"{e.words}\n{e.numbers}" for e in entries]
    handles, labels = list(curves), ["chance", *said]
    for words in (more, note):  # under the curves, as the legend's last entries
        if words is not None:
            handles.append(Line2D([], [], linestyle="none"))
            labels.append(wrap(words, form.chars))
    width = form.chars * (form.ncol if form.under else 1)
    look = {
        "labels": labels,
        "fontsize": size,
        "ncol": form.ncol,
        "frameon": False,
        "title": "\n".join(wrap(line, width) for line in heading),
        "title_fontsize": max(size, st.pt(st.NOTE) - (st.pt(st.MIN_FONT) - size)),
        "labelspacing": 0.35 if form.compact else 0.5,
    }
    if form.under:
        st.legend_under(ax, handles, left=True, **look)  # type: ignore[arg-type]
    else:
        fig = ax.get_figure(root=True)
        gap = ScaledTranslation(_GAP, 0.0, fig.dpi_scale_trans)  # type: ignore[union-attr]
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            bbox_transform=ax.transAxes + gap,
            **look,
        )
    legend = ax.get_legend()
    assert legend is not None
    texts = legend.get_texts()
    if more is not None:
        texts[len(said) + 1].set(color=_NOTE_GREY, gid="roc:not_named")
    if note is not None:
        texts[-1].set(fontsize=max(size, st.pt(st.NOTE) - (st.pt(st.MIN_FONT) - size)))
        texts[-1].set(color=_NOTE_GREY, gid="roc:not_drawn")
    return legend
