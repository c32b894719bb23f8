"""Figure of a one-way sensitivity table: which numbers a conclusion rests on."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._words import (
    answer_list,
    exact_percent,
    percent_sig,
    percent_to,
    phrase_units,
    wrap,
    wrap_phrases,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from matplotlib.axes import Axes


__all__ = ["plot_sensitivity"]


def _decimals(span: float) -> int:
    """Decimals of a percent that tell apart values spread over ``span`` (a probability)."""
    if span <= 1e-9:  # nothing to tell apart
        return 1
    points = span * 100.0  # percentage points
    return int(min(max(math.ceil(-math.log10(points)) + 1, 0), 4))


def _logit_ticks(lo: float, hi: float) -> list[float]:
    """Round probabilities between ``lo`` and ``hi`` for a log-odds axis (3 to 9 of them)."""
    small = [m * 10.0**-k for k in range(1, 9) for m in (1, 2, 5)]
    middle = [k / 10 for k in range(1, 10)]
    every = sorted({*small, *middle, *(1 - v for v in small)})
    inside = [v for v in every if lo <= v <= hi]
    if len(inside) > 9:  # keep the powers of ten (and the middle) only
        tens = {10.0**-k for k in range(1, 9)} | {1 - 10.0**-k for k in range(1, 9)} | {0.5}
        inside = [v for v in inside if any(math.isclose(v, t) for t in tens)]
    return inside


def plot_sensitivity(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    top: int = 15,
    answers: Mapping[str, Any] | None = None,
) -> Axes:
    """Tornado of the network numbers a posterior depends on most.

    The axis is the probability, from the smallest to the largest value shown
    (never beyond 0 or 1), with as many decimals on its ticks and on the values as
    tell them apart (99.73% against 99.93%). When the values crowd against 0 or 1,
    so that the room for their labels would run past the end of the scale, the
    axis is drawn in log-odds (ticks still in percent), where multiplying the odds
    by a factor moves a value as far near 0 or 1 as in the middle.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`backspasm.sensitivity.sensitivity`.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    top : int, default 15
        How many parameters to show (largest swing at the top).
    answers : mapping of str to object, optional
        The answers the table was computed for (``diagnosis.answers``), named in
        the title.

    Returns
    -------
    matplotlib.axes.Axes
        Bars ``gid="sens_high:<rank>"`` span ``p_base`` to ``p_high`` (odds of the
        number multiplied by the factor), ``"sens_low:<rank>"`` ``p_base`` to
        ``p_low``; their values ``"sens_high_value:<rank>"`` and
        ``"sens_low_value:<rank>"``.
    """
    from matplotlib.patches import Patch
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    if table.empty:
        raise BackspasmError("The 'table' parameter of plot_sensitivity is empty.")
    rows = table.sort_values("swing", ascending=False, kind="stable").head(top)
    first = rows.iloc[0]
    base = float(first["p_base"])
    factor = float(first["factor"])
    target = str(first.get("target_label", first["target"]))
    state = str(first["target_state"]).replace("_", " ")
    ax = st.new_axes(ax)
    ys = np.arange(len(rows), dtype=float)[::-1]
    shown = np.asarray([base, *rows["p_low"], *rows["p_high"]], dtype=float)
    lo, hi = float(shown.min()), float(shown.max())
    decimals = _decimals(hi - lo)
    # room for the value labels at both ends: 16% of the span each side
    pad = max((hi - lo) * 0.16, 1e-4)
    logit = lo - pad <= 0.0 or hi + pad >= 1.0
    eps = 1e-12
    if logit:
        lo_l, hi_l = _logit(max(lo, eps)), _logit(min(hi, 1 - eps))
        pad_l = max((hi_l - lo_l) * 0.16, 0.05)
        ax.set_xscale("logit")
        left, right = _expit(lo_l - pad_l), _expit(hi_l + pad_l)
    else:
        left, right = lo - pad, hi + pad
    for rank, (yy, r) in enumerate(zip(ys, st.rows(rows), strict=True)):
        for kind, value, colour in (("high", r.p_high, st.RAISED), ("low", r.p_low, st.LOWERED)):
            value = float(value)
            bar = ax.barh(yy, value - base, left=base, height=0.62, color=colour, zorder=3)[0]
            bar.set_gid(f"sens_{kind}:{rank}")
            up = value >= base
            # a few points beyond the bar's end, whatever the scale
            ax.annotate(
                percent_sig(value) if logit else percent_to(value, decimals),
                xy=(value, yy),
                xytext=(4 if up else -4, 0),
                textcoords="offset points",
                ha="left" if up else "right",
                va="center",
                fontsize=st.NOTE,
                color=st.TEXT,
                gid=f"sens_{kind}_value:{rank}",
            )
    labels = [wrap(f"{_words(str(r.label))} = {r.value:.3g}", 52) for r in st.rows(rows)]
    ax.set_yticks(ys, labels)
    ax.tick_params(axis="y", length=0, labelsize=st.TICK)
    ax.axvline(base, color=st.TEXT, lw=1.0, zorder=4)
    ax.set_xlim(max(left, 0.0), min(right, 1.0))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    if logit:
        ticks = _logit_ticks(left, right)
        if len(ticks) < 3:
            linear = MaxNLocator(5).tick_values(left, right)
            ticks = [float(t) for t in linear if left <= t <= right]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(FixedLocator([]))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: exact_percent(v)))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    scale = "; log-odds scale" if logit else ""
    ax.set_xlabel(
        f"P({target} = {state} | answers); the line is the model as it is "
        f"({percent_sig(base) if logit else percent_to(base, decimals)}){scale}",
        fontsize=st.TICK,
    )
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    what = f"Which numbers of the network matter for P({target})"
    heading = (
        what
        if answers is None
        else wrap_phrases(
            phrase_units(f"{what} for: ", answer_list(answers) or ["no answers yet"]), 72
        )
    )
    ax.set_title(
        heading + f"\none-way sensitivity: odds of each number ×{factor:g} and ÷{factor:g}",
        fontsize=st.TITLE - 1,
        loc="left",
    )
    ax.legend(
        handles=[
            Patch(color=st.RAISED, label=f"odds of the number ×{factor:g}"),
            Patch(color=st.LOWERED, label=f"odds of the number ÷{factor:g}"),
        ],
        # under the axis, where no bar or value can be
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=2,
        frameon=False,
        fontsize=st.NOTE + 0.5,
    )
    return ax


def _words(label: str) -> str:
    """Write the state codes of a parameter's label in words (``primary_care``)."""
    return label.replace("_", " ")


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
