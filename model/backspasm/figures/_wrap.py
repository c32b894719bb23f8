"""Wrapping text to lines: by characters, or measured in inches at a type size.

:func:`text_width` measures one line of text in the default font; :func:`wrap`,
:func:`wrap_capped` and :func:`wrap_all` wrap a text (or a column of them) by
characters, never inside a word; :func:`wrap_phrases`, :func:`unit_lines` and
:func:`fit_lines` lay out phrases (the answers of a title) on lines; :func:`narrowed`
wraps a text narrower till it fits a width in inches;
:func:`plot_width` says how wide the plot an Axes' title and notes start over will
be, and :func:`title_width` how many characters a line of its title may take
(:func:`answers_chars`: by which a case's title counts its answers). Re-exported by
:mod:`backspasm.figures._words`, which the figures import them from.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from backspasm.figures._style import (
    NODE_FONT,
    SIZE_WIDTHS,
    SLIDE_SIZE,
    TICK,
    TITLE_MARGIN,
    own,
    placed,
    pt,
    scale,
    type_scale,
)


# Bounded: every what-if step wraps new titles and labels (a few hundred lines each),
# and a whole teaching set measures fewer lines than this.
@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float = NODE_FONT) -> float:
    """Width in inches of one line of text in the default font at ``size`` points."""
    from matplotlib.textpath import TextPath

    if not text.strip():  # no glyph to draw (TextPath cannot even be built for it)
        return 0.0
    return path_width(TextPath((0, 0), text, size=size)) / 72.0


def path_width(path: Any) -> float:
    """Return the width of a text path, as ``path.get_extents().width`` gives it.

    ``get_extents`` visits the Bezier curves of the glyphs one at a time in Python,
    some 30 ms a label, and laying out the whole network measures hundreds of them.
    The glyphs of the bundled fonts are lines and quadratic curves, whose extremes
    along x are their end points and, inside a curve, where its x stops changing:
    computed here for all the curves at once, to the same number. A path of another
    kind (cubic curves) is left to ``get_extents``.
    """
    import numpy as np
    from matplotlib.path import Path

    x = np.asarray(path.vertices, dtype=float)[:, 0]
    codes = path.codes
    if codes is None:
        return float(x.max() - x.min())
    curves = np.flatnonzero(codes == Path.CURVE3)
    control, end = curves[0::2], curves[1::2]
    if (codes == Path.CURVE4).any() or len(control) != len(end) or (end != control + 1).any():
        return float(path.get_extents().width)
    p0, p1, p2 = x[control - 1], x[control], x[end]
    bend = p0 - 2 * p1 + p2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -(2 * (p1 - p0)) / (2 * bend)  # where the curve's x stops changing
    inside = (bend != 0) & (t >= 0) & (t <= 1)
    t, p0, p1, p2 = t[inside], p0[inside], p1[inside], p2[inside]
    xs = np.concatenate(
        [
            x[(codes == Path.MOVETO) | (codes == Path.LINETO)],
            x[end],
            (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2,
        ]
    )
    return float(xs.max() - xs.min())


def wrap(text: str, width: int) -> str:
    """Greedy wrap at spaces and after slashes, never inside a word (nor at a no-break space)."""
    pieces: list[tuple[str, str]] = []  # (piece, separator before it)
    for i, word in enumerate(re.split(r"[^\S\u00a0]+", text.strip())):
        parts = word.split("/")
        for j, part in enumerate(parts):
            piece = part + ("/" if j < len(parts) - 1 else "")
            if piece:
                pieces.append((piece, " " if j == 0 and i > 0 else ""))
    lines: list[str] = []
    for piece, sep in pieces:
        if lines and len(lines[-1]) + len(sep) + len(piece) <= width:
            lines[-1] += sep + piece
        else:
            lines.append(piece)
    return "\n".join(lines) or text


def wrap_even(text: str, width: int) -> str:
    """Wrap ``text`` (see :func:`wrap`) in as few lines as at ``width``, as even as they go.

    The narrowest width that keeps that number of lines: a title's last line is not
    one word left over (``...none from a case`` / ``file``).
    """
    lines = wrap(text, width).count("\n")
    while width > 1 and wrap(text, width - 1).count("\n") == lines:
        width -= 1
    return wrap(text, width)


def wrap_capped(text: str, width: int, *, tail: str = "", lines: int = 2) -> str:
    """Wrap ``text + tail`` (see :func:`wrap`) to at most ``lines`` lines.

    A text too long for them is cut after a word and ends ``…`` before ``tail``,
    which is always kept whole: ``P(Fever = yes | Care setting emergency,…) = 0.0022``
    with ``tail=") = 0.0022"``. So a tick label never runs into its neighbours.
    """
    whole = wrap(text + tail, width)
    if whole.count("\n") < lines:
        return whole
    words = text.split()
    for keep in range(len(words) - 1, 0, -1):
        cut = wrap(" ".join(words[:keep]).rstrip(",;:(.") + "…" + tail, width)
        if cut.count("\n") < lines:
            return cut
    return "\n".join(whole.split("\n")[:lines])


def wrap_all(
    texts: Sequence[str],
    widths: Sequence[int],
    *,
    lines: int,
    tails: Sequence[str] | None = None,
) -> list[str]:
    """Wrap every text (its tail kept whole, see :func:`wrap_capped`) to ``lines`` lines.

    On as few lines as hold every text whole (two, unless ``lines`` is one, then
    up to ``lines``), at the narrowest of ``widths`` (characters) that does, so that
    a column of labels is no wider than its texts need; when none does, at the
    widest, where only the texts still too long are cut short with ``…``.
    """
    ends = list(tails) if tails is not None else [""] * len(texts)
    for most in range(min(2, lines), lines + 1):
        for width in widths:
            said = [wrap(t + tail, width) for t, tail in zip(texts, ends, strict=True)]
            if all(s.count("\n") < most for s in said):
                return said
    return [
        wrap_capped(t, widths[-1], tail=tail, lines=lines)
        for t, tail in zip(texts, ends, strict=True)
    ]


#: The fewest characters a line :func:`narrowed` wraps a text to (a word or two).
NARROWEST = 12


def narrowed(
    build: Callable[[int], str], chars: int, wide: float, size: float, *, first: str | None = None
) -> str:
    """Return a text wrapped to ``chars`` a line, or fewer till its lines fit ``wide`` inches.

    ``build`` wraps the text to lines of the characters it is given; the text is first
    ``build(max(chars, NARROWEST))``, or ``first`` (the text as it stands, kept where it
    fits), then built again 2 characters a line narrower at a time while a line at
    ``size`` points is wider than ``wide``, down to :data:`NARROWEST` (a line of wide
    letters, wrapped by words, may run past the width a character's mean gives it).
    """
    text = build(max(chars, NARROWEST)) if first is None else first
    while chars > NARROWEST and max(text_width(line, size) for line in text.split("\n")) > wide:
        chars -= 2
        text = build(chars)
    return text


def wrap_phrases(units: Sequence[str], width: int, *, fill: float = 0.6) -> str:
    """Wrap units (each with its separator, ``"fever, "``) to lines of ``width`` characters.

    A line breaks between two units when it is at least ``fill`` full, else between
    words inside a unit; words joined by a slash (``a / b``) are never parted.
    """
    rows: list[str] = []
    for unit in units:
        if rows and len((rows[-1] + unit).rstrip()) <= width:
            rows[-1] += unit
            continue
        if not rows or len(rows[-1].rstrip()) >= fill * width:
            rows.append("")
        for word in _unit_words(unit):
            if rows[-1] and len((rows[-1] + word).rstrip()) > width:
                rows.append("")
            rows[-1] += word
    return "\n".join(r.rstrip() for r in rows if r.strip())


def _count(before: str, word: str) -> bool:
    """Whether ``word`` belongs to the count ending ``before`` (``and`` 9, ``and 9`` more)."""
    if word == "more":
        return before.rstrip().split(" ")[-1].isdigit()
    return word.isdigit() and before == "and "


def _unit_words(unit: str) -> list[str]:
    """Split a unit into words with their trailing spaces, keeping ``a / b`` whole.

    A count keeps its word too: ``and 9 more`` is never parted (a title read "... and
    9" with "more" alone on the next line).
    """
    words: list[str] = []
    for word in unit.split(" "):
        if words and (word == "/" or words[-1].rstrip().endswith(" /") or _count(words[-1], word)):
            words[-1] += word + " "
        elif words and word == "":
            continue
        else:
            words.append(word + " ")
    if words and not unit.endswith(" "):
        words[-1] = words[-1][:-1]
    return words


def unit_lines(units: Sequence[str], width: float, size: float) -> list[str]:
    """Lay ``units`` out on lines of ``width`` inches at ``size`` points.

    Each unit carries its own separator (``"fever, "``); lines break between units
    only, unless one unit alone is wider than a line (it then breaks between words).
    """

    def fits(text: str) -> bool:
        return text_width(text.rstrip(), size) <= width

    rows: list[str] = []
    for unit in units:
        if not unit:
            continue
        if rows and fits(rows[-1] + unit):
            rows[-1] += unit
        elif fits(unit):
            rows.append(unit)
        else:  # a unit wider than a line: break it between words
            for word in unit.strip(" ").split(" "):
                piece = word + " "
                if rows and fits(rows[-1] + piece):
                    rows[-1] += piece
                else:
                    rows.append(piece)
    return [r.rstrip() for r in rows if r.strip()]


def fit_lines(
    units: Sequence[str],
    width: float,
    size: float,
    *,
    lines: int,
    more: Any = None,
) -> str:
    """Lay ``units`` out on at most ``lines`` lines (see :func:`unit_lines`).

    What does not fit is left out from the end and, with ``more``, replaced by
    ``more(n)`` (``n`` units left out), e.g. ``"+2 more"``.
    """
    units = [u for u in units if u]
    for keep in range(len(units), -1, -1):
        parts = list(units[:keep])
        left = len(units) - keep
        if left and more is not None:
            parts.append(str(more(left)))
        rows = unit_lines(parts, width, size)
        if len(rows) <= lines:
            return "\n".join(rows)
    return "\n".join(unit_lines(units, width, size)[:lines])


def plot_width(ax: Any, beside: Sequence[str] | None = None) -> float:
    """Return the width (inches) of an Axes' plot, where its left title starts.

    As placed before any layout; for a panel of a grid whose figure has a layout
    engine, or of the user's figure (whose Axes is kept to its cell either way:
    :func:`~backspasm.figures._panel.fit_in_cell`), no wider than its cell of the
    grid less its widest row label (``beside``, by default the labels it has) and
    the room around it, which the engine (or the fitting) takes from the plot.
    """
    figure = ax.get_figure()
    inches = placed(ax).width * float(figure.get_figwidth())
    spec = ax.get_subplotspec()
    engine = ax.get_figure(root=True).get_layout_engine()
    if len(figure.axes) > 1 and spec is not None and (engine is not None or not own()):
        labels = [t.get_text() for t in ax.get_yticklabels()] if beside is None else beside
        widest = max(
            (text_width(line, pt(TICK)) for label in labels for line in label.split("\n")),
            default=0.0,
        )
        cell = float(figure.get_figwidth()) * len(spec.colspan) / spec.get_gridspec().ncols
        inches = min(inches, cell - widest - _LABEL_ROOM)
    return max(inches, 1.0)


#: The room (inches) a layout engine leaves around a panel's row labels: the tick
#: labels' pad, the pads of the layout and the space between the columns.
_LABEL_ROOM = 0.4


#: The width, in characters, to which a case's title is wrapped.
TITLE_WIDTH = 80


def title_width(ax: Any, *, across: bool = False, beside: Sequence[str] | None = None) -> int:
    """Return the characters a line of the Axes' title may take.

    :data:`TITLE_WIDTH` on a slide's one Axes, fewer on a panel of a grid, so that
    its title keeps to its own column. Measured on the Axes' place before any layout
    (a slide's one Axes spans 77% of its 13.33 in); at least 30, or 20 on a panel. A
    panel of a grid with a layout engine is measured beside its row labels
    (``beside``, by default those it has), which the engine takes from the plot: a
    title as wide as the grid's cell would run into the next panel or past the
    figure's edge. In a narrower
    figure (a journal's, whose type is scaled down: see
    :func:`~backspasm.figures._style.pt`), at the scaled type, and for the figure's
    one Axes across the whole figure, where its title goes
    (:func:`~backspasm.figures._style.put_title`); at least 20. With ``across``, a
    slide's one Axes too (its title goes across the figure: ``put_title(...,
    across=True)``), up to :data:`ACROSS_WIDTH`.
    """
    figure = ax.get_figure()
    slide = scale() >= 1.0
    if len(figure.axes) == 1 and (across or not slide):  # the title goes across the figure
        inches = float(figure.get_figwidth()) - 2 * TITLE_MARGIN
    else:
        inches = plot_width(ax, beside)
    if slide:
        most = ACROSS_WIDTH if across and len(figure.axes) == 1 else TITLE_WIDTH
        return max(30 if len(figure.axes) == 1 else 20, min(most, int(inches / _TITLE_CHAR)))
    return max(20, min(TITLE_WIDTH, int(inches / (_NARROW_CHAR * scale()))))


#: The characters a line of a slide's title across the whole figure may take (TITLE - 1
#: points): the case-mix and scenario figures' titles, and a title ``across``.
ACROSS_WIDTH = 110
#: The mean width (inches) of a character of a case's title (TITLE - 1 points).
_TITLE_CHAR = 0.105
#: The same, a little wider, in a narrow figure, whose title has no room to spare.
_NARROW_CHAR = 0.11


def answers_chars(ax: Any, width: int) -> int:
    """Return the characters a line by which a case figure's title counts its answers.

    The same for every one-Axes figure of one size, so that the titles of a set of
    figures name the same answers (see :func:`~backspasm.figures._words.named_count`):
    a line of a title across the figure, at most :data:`TITLE_WIDTH` (a slide's). On
    a panel of a grid, ``width``, its own title's.
    """
    if len(ax.get_figure().axes) == 1:
        return min(TITLE_WIDTH, title_width(ax, across=True))
    return width


def suptitle_width(size: str) -> int:
    """Return the characters a line of a figure's title may take at a named size."""
    if size == "slide":
        return ACROSS_WIDTH
    wide = SIZE_WIDTHS[size] / SLIDE_SIZE[0]
    return int(ACROSS_WIDTH * wide / type_scale(SIZE_WIDTHS[size]))
