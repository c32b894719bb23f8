"""A figure's texts within its edges: which it draws, which are cut, a layout that keeps them in.

:func:`drawn_texts` and :func:`texts_cut` (re-exported by
:mod:`backspasm.figures._save`) say what a figure draws and what of it runs past its
edges; :func:`freeze_layout` lays a figure out once for its files, with more room at
an edge its text runs past at the resolution of a PNG file, and type a little smaller
for a text that room does not bring in.

This module imports no other module of the figures but :mod:`backspasm.figures._style`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import backspasm.figures._style as st

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = ["drawn_texts", "freeze_layout", "texts_cut"]

#: Inches past an edge that are rounding (as :func:`texts_cut` counts them).
_ROUNDING = 0.01
#: How many times a figure whose text runs past an edge is laid out again.
_REFITS = 3
#: The least share of the figure's width and height a layout laid out again keeps.
_LEAST_RECT = 0.6
#: The room (inches) a figure laid out again keeps at an edge more than its text ran past.
_REFIT_ROOM = 0.02
#: The least share of its size a try takes off a text cut all the same.
_LEAST_STEP = 0.04
#: The least share of its size a text cut all the same is brought down to.
_LEAST_SHRINK = 0.85


def drawn_texts(fig: Figure) -> list[Text]:
    """Return the texts a figure draws: visible, with words, on a drawn part of it.

    Titles, labels, notes, legend entries and the tick labels of the ticks in view
    (an Axes drawn without its axes, :meth:`~matplotlib.axes.Axes.set_axis_off`,
    draws none). The figure is laid out first (drawn without rendering).
    """
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    fig.draw_without_rendering()
    hidden: set[int] = set()
    for axis in fig.findobj(Axis):
        owner = axis.axes
        shown = owner.axison and axis.get_visible()
        drawn = set(map(id, axis._update_ticks())) if shown else set()  # type: ignore[attr-defined]
        for tick in [*axis.majorTicks, *axis.minorTicks]:
            if id(tick) not in drawn:
                hidden.update((id(tick.label1), id(tick.label2)))
        if not shown:
            hidden.update((id(axis.label), id(axis.offsetText)))
    return [
        t
        for t in fig.findobj(Text)
        if id(t) not in hidden and t.get_visible() and t.get_text().strip()
    ]


def texts_cut(fig: Figure) -> list[str]:
    """Return the texts drawn on a figure that run past its edges, each as it reads.

    Every text of :func:`drawn_texts`, measured as drawn; a hundredth of an inch
    past an edge is rounding.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    page = fig.bbox
    slack = _ROUNDING * fig.dpi
    cut: list[str] = []
    for text in drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if (
            box.x0 < page.x0 - slack
            or box.y0 < page.y0 - slack
            or box.x1 > page.x1 + slack
            or box.y1 > page.y1 + slack
        ):
            cut.append(" ".join(text.get_text().split()))
    return list(dict.fromkeys(cut))


def freeze_layout(fig: Figure, dpi: float, check: Sequence[float] = ()) -> None:
    """Lay a figure out once, at ``dpi``, and keep that layout for good.

    Constrained layout starts from where it left the Axes the last time and measures
    text at the resolution of the file, so without this a figure saved a second time
    (in another format) comes out shifted, and a PNG file differs with the formats
    saved before it.

    Text is measured at ``dpi`` and at each of ``check`` (a PNG file's resolution:
    small type measures up to about 13% wider or narrower at 70 to 80 dpi than where
    it was laid out, the hinting of its glyphs). A text that runs past an edge has
    the figure laid out again (constrained layout) keeping that much more room at
    that edge, as long as that brings the text in and leaves the layout 60% of the
    figure's width and height (no more is hinting); one that the room does not bring
    in (a note placed from the figure's edge) is set a little smaller, to no less
    than 85% of its size and the least type of the figure's size; what is still cut
    is named by :func:`~backspasm.figures._save.save_figure`'s warning.
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine, PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return
    at = sorted({float(dpi), *map(float, check)})
    _lay_out(fig, engine, dpi)
    over = _overrun(fig, at)
    for _ in range(_REFITS if isinstance(engine, ConstrainedLayoutEngine) else 0):
        if max(over) <= _ROUNDING:
            return
        rect = _inset(fig, engine, over)
        if min(rect[2:]) < _LEAST_RECT:  # no rounding: a text too long for the figure
            break
        wider = ConstrainedLayoutEngine(**{**engine.get(), "rect": rect})
        _lay_out(fig, wider, dpi)
        now = _overrun(fig, at)
        if sum(now) >= sum(over):  # the room did not bring the text in: as it was
            _lay_out(fig, engine, dpi)
            break
        engine, over = wider, now
    if max(over) > _ROUNDING:
        _shrink_cut(fig, at)


def _inset(fig: Figure, engine: object, over: Sequence[float]) -> tuple[float, ...]:
    """Return a layout's rectangle with ``over`` (inches, per edge) more room at its edges."""
    left, bottom, width, height = engine.get()["rect"]  # type: ignore[attr-defined]
    inches = fig.get_size_inches()
    grow = [
        (o + _REFIT_ROOM) / float(inches[i % 2]) if o > _ROUNDING else 0.0
        for i, o in enumerate(over)
    ]
    return (
        left + grow[0],
        bottom + grow[1],
        width - grow[0] - grow[2],
        height - grow[1] - grow[3],
    )


def _lay_out(fig: Figure, engine: object, dpi: float) -> None:
    """Lay a figure out with ``engine`` at ``dpi``, and leave it so (no engine after)."""
    own = fig.dpi
    fig.set_layout_engine(engine)  # type: ignore[arg-type]
    fig.set_dpi(dpi)
    try:
        with warnings.catch_warnings():
            # panels too crowded to lay out keep their places: save_figure then
            # warns of the texts it cuts
            warnings.filterwarnings("ignore", "constrained_layout not applied")
            fig.draw_without_rendering()
    finally:
        fig.set_dpi(own)
        fig.set_layout_engine("none")


def _overrun(fig: Figure, dpis: Sequence[float]) -> list[float]:
    """Return how far (inches) a figure's texts run past its edges at the most, per edge.

    Left, bottom, right, top (0 where they keep inside), measured at each of ``dpis``.
    """
    over = [0.0] * 4
    for _, past, _ in _past_edges(fig, dpis):
        over = [max(o, p) for o, p in zip(over, past, strict=True)]
    return over


def _past_edges(fig: Figure, dpis: Sequence[float]) -> list[tuple[Text, list[float], list[float]]]:
    """Return each text that runs past an edge at one of ``dpis``: how far, and its size.

    How far (inches) past the left, bottom, right and top edges, and its width and
    height (inches), each at the most.
    """
    own = fig.dpi
    seen: dict[int, tuple[Text, list[float], list[float]]] = {}
    try:
        for dpi in dpis:
            fig.set_dpi(dpi)
            renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
            page = fig.bbox
            for text in drawn_texts(fig):
                box = text.get_window_extent(renderer)
                edges = [page.x0 - box.x0, page.y0 - box.y0, box.x1 - page.x1, box.y1 - page.y1]
                past = [max(float(e) / dpi, 0.0) for e in edges]
                size = [float(box.width) / dpi, float(box.height) / dpi]
                _, was, big = seen.get(id(text), (text, [0.0] * 4, [0.0] * 2))
                seen[id(text)] = (
                    text,
                    [max(a, b) for a, b in zip(was, past, strict=True)],
                    [max(a, b) for a, b in zip(big, size, strict=True)],
                )
    finally:
        fig.set_dpi(own)
    return [(text, past, size) for text, past, size in seen.values() if max(past) > 0]


def _shrink_cut(fig: Figure, dpis: Sequence[float]) -> None:
    """Set each text still past an edge smaller, by as much as it runs past (see freeze_layout).

    Measured again after each try: type a little smaller can measure no narrower at
    a coarse resolution (its glyphs hinted to whole pixels), so each try takes at
    least 4% off.
    """
    narrow = float(fig.get_figwidth()) < st.SLIDE_SIZE[0] - 0.01
    floor = st.JOURNAL_MIN_FONT if narrow else st.MIN_FONT
    first: dict[int, float] = {}
    for _ in range(_REFITS):
        cut = [c for c in _past_edges(fig, dpis) if max(c[1]) > _ROUNDING]
        for text, past, (wide, high) in cut:
            share = min(
                (wide - past[0] - past[2] - _REFIT_ROOM) / wide if past[0] + past[2] else 1.0,
                (high - past[1] - past[3] - _REFIT_ROOM) / high if past[1] + past[3] else 1.0,
            )
            size = float(text.get_fontsize())
            if id(text) not in first and share < _LEAST_SHRINK:
                continue  # too long to be brought in: left as it is (and warned of)
            least = first.setdefault(id(text), size) * _LEAST_SHRINK
            text.set_fontsize(max(size * min(share, 1 - _LEAST_STEP), least, min(floor, size)))
        if not cut:
            return
