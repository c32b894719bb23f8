"""The bars of figure 04 (evidence impact): their axis, their values, and what fits.

Helpers of :func:`~backspasm.figures.case.plot_evidence_impact`: the scale of its top
axis (:func:`exp_of`, :func:`log_of`), which answers make the cause certain
(:func:`settles`), each bar's value (:func:`impact_value`), how a narrow plot
writes those values (:func:`values_that_fit`); its title in a panel of the user's
is :func:`~backspasm.figures._grid_title.put_fitted_title`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm.figures._style as st
from backspasm.figures._bars import VALUE_GAP, bold_width, end_label
from backspasm.figures._words import text_width

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "EMPTY_SIDE",
    "JOURNAL_SPAN",
    "VALUES_LEFT_OUT",
    "exp_of",
    "impact_value",
    "log_of",
    "settles",
    "values_that_fit",
]

#: The share of the other side's span the side of figure 04 that no bar reaches keeps.
EMPTY_SIDE = 0.15
#: The least log-odds figure 04's bars are scaled to in a journal's figure (odds x1.1):
#: answers that all but leave the cause's odds alone are not drawn as large as x1.5.
JOURNAL_SPAN = math.log(1.1)
#: The most of a narrow axis's width the values beside its bars may take (both ends).
MOST_SHARE = 0.7
#: What a plot too narrow for its bars' values says instead of them.
VALUES_LEFT_OUT = "each answer's odds ratio on the top axis only: too narrow a plot to write it"
#: The room (inches) kept beside a value, with its gap to the bar.
_VALUE_ROOM = 0.12


def exp_of(x: Any) -> Any:
    """Return ``exp(x)``, clipped so that no log-odds overflows (the top axis's scale)."""
    return np.exp(np.clip(x, -700.0, 700.0))


def log_of(x: Any) -> Any:
    """Return ``log(x)``, clipped at a tiny ratio (the top axis's scale, inverted)."""
    return np.log(np.clip(x, 1e-300, None))


def settles(reasons: Any) -> Any:
    """Which answers make the cause certain (0 or 1) where it was not without them."""
    with_ = reasons["posterior_with"].to_numpy(dtype=float)
    without = reasons["posterior_without"].to_numpy(dtype=float)
    return ((with_ == 0.0) | (with_ == 1.0)) & (without != with_)


def impact_value(
    ax: Axes, y: float, end: float, text: str, question: object, *, inside: bool, size: float
) -> None:
    """Write a bar's value a few points beyond its end, or inside it (white)."""
    out = (end >= 0) != inside  # whether the text runs to the right of its anchor
    end_label(ax, text, (end, y), right=out, gid=f"odds:{question}", size=size, inside=inside)


def values_that_fit(values: list[str], plot: float, across: float) -> tuple[list[str], float]:
    """Return the values a narrow plot writes beside its bars, and their type size.

    The axis (``across`` half-widths over ``plot`` inches) makes room at its ends for
    the values (:func:`~backspasm.figures._narrow.room_for`), up to
    :data:`MOST_SHARE` of its width, so that the bars keep the rest: the values as
    they are, at the figure's note size, when they fit in that room; else in smaller
    type, down to a slide's least type scaled to the figure (and never under a
    journal's); else as the odds ratios alone (``×24.5``, not ``odds ×24.5``: the top
    axis says "odds ratio"), in type as large as fits; else none (an empty list), the
    plot too narrow for them (the caller says so, :data:`VALUES_LEFT_OUT`).
    """
    note = st.pt(st.NOTE)
    least = min(note, max(st.pt(st.MIN_FONT), st.JOURNAL_MIN_FONT))
    room = MOST_SHARE * plot / across - _VALUE_ROOM  # inches of one value
    short = [v.removeprefix("odds ") for v in values]
    for said in (values, short):
        widest = max((text_width(v, note) for v in said), default=0.0)
        if widest <= room:
            return said, note
        if widest > 0 and note * room / widest >= least:
            return said, math.floor(note * room / widest * 10) / 10
    return [], note


def known_values_inside(
    values: list[str], settled: Any, plot: float, across: float
) -> tuple[list[str], float]:
    """Return the values of a plot too narrow for them all, and their type size.

    A known answer's bar runs to the end of the axis, one of the ``across``
    half-widths of a plot ``plot`` inches wide, so its value (``odds ×∞: now known``,
    or ``×∞: now known``) may still be written inside it, in type as small as
    :func:`values_that_fit` allows, where the others find no room beside their bars;
    every other value is left out (``""``).
    """
    note = st.pt(st.NOTE)
    least = min(note, max(st.pt(st.MIN_FONT), st.JOURNAL_MIN_FONT))
    room = plot / across - 1.5 * VALUE_GAP / 72
    kept, size = [], note
    for value, known in zip(values, settled, strict=True):
        fitting = [
            (v, min(note, note * room / bold_width(v, note)))
            for v in (value, value.removeprefix("odds "))
            if known and note * room / bold_width(v, note) >= least
        ]
        kept.append(fitting[0][0] if fitting else "")
        size = min([size, *(pt for _, pt in fitting[:1])])
    return kept, math.floor(size * 10) / 10
