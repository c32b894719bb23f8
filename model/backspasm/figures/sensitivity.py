"""Figure of a one-way sensitivity table: which numbers a conclusion rests on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from matplotlib.axes import Axes


__all__ = ["plot_sensitivity"]


def plot_sensitivity(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    top: int = 15,
    answers: Mapping[str, Any] | None = None,
) -> Axes:
    """Tornado of the network numbers a posterior depends on most.

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
        number multiplied by the factor), ``"sens_low:<rank>"`` ``p_base`` to ``p_low``.
    """
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    if table.empty:
        raise BackspasmError("The 'table' parameter of plot_sensitivity is empty.")
    rows = table.sort_values("swing", ascending=False, kind="stable").head(top)
    first = rows.iloc[0]
    base = float(first["p_base"])
    factor = float(first["factor"])
    target = str(first.get("target_label", first["target"]))
    state = str(first["target_state"])
    ax = st.new_axes(ax)
    ys = np.arange(len(rows), dtype=float)[::-1]
    lo = min(base, float(rows["p_low"].min()), float(rows["p_high"].min()))
    hi = max(base, float(rows["p_low"].max()), float(rows["p_high"].max()))
    pad = max((hi - lo) * 0.16, 0.01)
    for rank, (yy, r) in enumerate(zip(ys, st.rows(rows), strict=True)):
        for kind, value, colour in (("high", r.p_high, st.RAISED), ("low", r.p_low, st.LOWERED)):
            bar = ax.barh(yy, float(value) - base, left=base, height=0.62, color=colour, zorder=3)[
                0
            ]
            bar.set_gid(f"sens_{kind}:{rank}")
            ha = "left" if value >= base else "right"
            ax.text(
                float(value) + (0.004 if value >= base else -0.004),
                yy,
                st.percent(float(value)),
                ha=ha,
                va="center",
                fontsize=st.NOTE,
                color=st.TEXT,
            )
    labels = [st.wrap(f"{r.label} = {r.value:.3g}", 52) for r in st.rows(rows)]
    ax.set_yticks(ys, labels)
    ax.tick_params(axis="y", length=0, labelsize=st.TICK)
    ax.axvline(base, color=st.TEXT, lw=1.0, zorder=4)
    ax.set_xlim(max(0.0, lo - pad), min(1.0, hi + pad) if hi + pad <= 1 else hi + pad)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(
        f"P({target} = {state} | answers); the line is the model as it is ({st.percent(base)})",
        fontsize=st.TICK,
    )
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    given = "" if answers is None else f" for: {st.describe_answers(answers)}"
    ax.set_title(
        st.wrap_words(f"Which numbers of the network matter for P({target}){given}", 72)
        + f"\none-way sensitivity: odds of each number ×{factor:g} and ÷{factor:g}",
        fontsize=st.TITLE - 1,
        loc="left",
    )
    ax.legend(
        handles=[
            Patch(color=st.RAISED, label=f"odds of the number ×{factor:g}"),
            Patch(color=st.LOWERED, label=f"odds of the number ÷{factor:g}"),
        ],
        loc="lower right",
        fontsize=st.NOTE + 0.5,
    )
    return ax
