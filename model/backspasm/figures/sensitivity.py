"""Figure of a one-way sensitivity table: which numbers a conclusion rests on."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import backspasm.figures._style as st
from backspasm._text import DIVIDED, TIMES
from backspasm.exceptions import BackspasmError
from backspasm.figures._bars import end_label
from backspasm.figures._case_answers import answers_said
from backspasm.figures._narrow import chars_in, label_chars, plot_inches, row_pitch, rows_room
from backspasm.figures._words import (
    answers_chars,
    answers_heading,
    exact_percent,
    percent,
    percent_sig,
    percent_to,
    title_width,
    wrap,
    wrap_all,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from matplotlib.axes import Axes

    from backspasm.network import Network


__all__ = ["plot_sensitivity"]


def _decimals(span: float) -> int:
    """Decimals of a percent that tell apart values spread over ``span`` (a probability)."""
    if span <= 1e-9:  # nothing to tell apart
        return 1
    points = span * 100.0  # percentage points
    return int(min(max(math.ceil(-math.log10(points)) + 1, 0), 4))


def _value_decimals(values: np.ndarray, span: float) -> int:
    """Decimals of the values written at the bars' ends.

    One, as :func:`~backspasm._text.percent` writes a probability in every other
    figure (``52.9%``), or as many as tell apart values spread over ``span``
    (:func:`_decimals`); more while two values the bars show apart would read the
    same (99.24% and 99.20% of a span of about a point are not both "99.2%"), up to
    4. Bars that differ by less than :data:`_APART` of the span look the same length,
    and their values need not be told apart either: 56.49% and 56.51% of a span of
    14 points both read "56.5%" (a teacher's audit: figure 06 of case EX16 wrote every
    value, and the line, with two decimals for such a pair).
    """
    decimals = max(_decimals(span), 1)
    ordered = np.unique(np.asarray(values, dtype=float))
    least = max(1e-4, _APART * span)
    pairs = [(a, b) for a, b in itertools.combinations(ordered, 2) if b - a >= least]

    def clash(d: int) -> bool:
        return any(percent_to(a, d) == percent_to(b, d) for a, b in pairs)

    while decimals < 4 and clash(decimals):
        decimals += 1
    return decimals


#: The share of the span between the values of two bars under which they look the
#: same length (and their values may read the same).
_APART = 0.01


def _decimals_of(text: str) -> int:
    """Return how many decimals a written percentage has (``99.9%``: 1, ``45%``: 0)."""
    number = text.strip("<>%")
    return len(number.partition(".")[2])


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


#: The bars of a number's odds multiplied / divided: neutral greys, the lighter one
#: hatched, since either may raise or lower the probability (the raised / lowered
#: colours of the evidence-impact figure would say which way it moved).
_LOOK: dict[str, dict[str, Any]] = {
    "high": {"facecolor": st.MULTIPLIED, "edgecolor": st.MULTIPLIED, "linewidth": 0.6},
    "low": {"facecolor": st.DIVIDED, "edgecolor": st.MULTIPLIED, "linewidth": 0.6, "hatch": "///"},
}


@st.sized("sensitivity")
def plot_sensitivity(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    top: int = 15,
    answers: Mapping[str, Any] | None = None,
    network: Network | None = None,
    size: str | None = None,
) -> Axes:
    """Tornado of the network numbers a posterior depends on most.

    The axis is the probability, from the smallest to the largest value shown
    (never beyond 0 or 1), with as many decimals on its ticks and on the values as
    tell them apart (99.73% against 99.93%). When the values crowd against 0 or 1,
    so that the room for their labels would run past the end of the scale, the
    axis is drawn in log-odds (ticks still in percent), where multiplying the odds
    by a factor moves a value as far near 0 or 1 as in the middle.

    A posterior that no number moves, because the answers settle it (the cause is
    itself answered, so it is 0 or 1 whatever the numbers), is said in a note
    instead of bars.

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
    network : Network, optional
        Gives the words for the answers (``diagnosis.network``); defaults to the
        bundled network.
    size : {"slide", "page", "column"}, optional
        A slide (default), or a journal's page or column: the size of the new figure,
        whose rows, labels and ticks are fitted to its width and height.

    Returns
    -------
    matplotlib.axes.Axes
        Bars ``gid="sens_high:<rank>"`` span ``p_base`` to ``p_high`` (odds of the
        number multiplied by the factor), ``"sens_low:<rank>"`` ``p_base`` to
        ``p_low``; their values ``"sens_high_value:<rank>"`` and
        ``"sens_low_value:<rank>"``. A settled posterior has no bars and the note
        ``gid="sens_settled"``.

    Raises
    ------
    BackspasmError
        For an empty table or ``top`` under 1.
    """
    from matplotlib.patches import Patch
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    if table.empty:
        raise BackspasmError("The 'table' parameter of plot_sensitivity is empty.")
    if top < 1:
        raise BackspasmError(f"The 'top' parameter of plot_sensitivity must be >= 1; got {top}.")
    rows = table.sort_values("swing", ascending=False, kind="stable").head(top)
    first = rows.iloc[0]
    base = float(first["p_base"])
    factor = float(first["factor"])
    target = str(first.get("target_label", first["target"]))
    state = str(first["target_state"]).replace("_", " ")
    ax = st.new_axes(ax)
    journal = st.narrow(ax)
    # over the plot beside the row labels it will have (of the rows it may show)
    beside = _labels(rows, _label_widths(ax)) if journal else None
    width = title_width(ax, beside=beside) if journal else _TITLE_WIDTH
    heading = _heading(
        f"Which numbers of the network matter for P({target})", answers, network, width, ax
    )
    said = f"one-way sensitivity: odds of each number {TIMES}{factor:g} and {DIVIDED}{factor:g}"
    heading += "\n" + (wrap(said, width) if journal else said)
    holds = "" if _settled(rows) else _holds(table, network)
    if holds:
        heading += "\n" + wrap(holds, width)
    st.put_title(ax, heading, fontsize=st.pt(st.TITLE - 1))
    if journal:  # as many numbers as the height has rows for, each as tall as its label
        room = rows_room(ax, title_lines=heading.count("\n") + 1, below_lines=8)
        for keep in range(len(rows), 0, -1):
            lines = max(
                label.count("\n") + 1 for label in _labels(rows.head(keep), _label_widths(ax))
            )
            if keep * (row_pitch(lines) + 0.04) + 0.2 <= room:
                break
        rows = rows.head(keep)
    else:  # a slide's labels, of two lines at most, shrink with their number to a floor:
        # past it, as many as its height holds (a case said in a long phrase under a long
        # cause's name took a sixth title line, and 15 labels touched)
        room = rows_room(ax, title_lines=heading.count("\n") + 1, below_lines=3) - 0.05
        while len(rows) > 1 and len(rows) * (2 * _slide_tick(len(rows)) * 1.2 / 72 + 0.035) > room:
            rows = rows.head(len(rows) - 1)
    if _settled(rows):
        _settled_note(ax, first, answers)
        return ax
    ys = np.arange(len(rows), dtype=float)[::-1]
    shown = np.asarray([base, *rows["p_low"], *rows["p_high"]], dtype=float)
    lo, hi = float(shown.min()), float(shown.max())
    decimals = _value_decimals(shown, hi - lo)
    # room for the value labels at both ends: 16% of the span each side
    pad = max((hi - lo) * 0.16, 1e-4)
    labels = _labels(rows, _label_widths(ax) if journal else _LABEL_WIDTHS)
    plot = plot_inches(ax, labels) if journal else 0.0
    if journal:  # a narrow plot: as much room as its longest value takes
        pad = max(pad, (hi - lo) * _share(rows, plot))
    logit = lo - pad <= 0.0 or hi + pad >= 1.0
    if logit:
        lo_l, hi_l = _logit(lo), _logit(hi)
        pad_l = max((hi_l - lo_l) * (_share(rows, plot, logit=True) if journal else 0.16), 0.05)
        ax.set_xscale("logit")
        left, right = _expit(lo_l - pad_l), _expit(hi_l + pad_l)
    else:
        left, right = lo - pad, hi + pad
    for rank, (yy, r) in enumerate(zip(ys, st.rows(rows), strict=True)):
        for kind, value in (("high", r.p_high), ("low", r.p_low)):
            value = float(value)
            bar = ax.barh(yy, value - base, left=base, height=0.62, zorder=3, **_LOOK[kind])[0]
            bar.set_gid(f"sens_{kind}:{rank}")
            up = value >= base
            # a few points beyond the bar's end, whatever the scale
            end_label(
                ax,
                percent_sig(value) if logit else percent_to(value, decimals),
                (value, yy),
                right=up,
                gid=f"sens_{kind}_value:{rank}",
                size=st.pt(st.NOTE),
            )
    ax.set_yticks(ys, labels)
    # two lines fit the row pitch of 12 rows at TICK points: more rows, smaller type
    tick_size = _slide_tick(len(rows))
    ax.tick_params(axis="y", length=0, labelsize=tick_size)
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
        if journal:
            ax.xaxis.set_major_locator(FixedLocator(_thinned(ticks, plot)))
    else:
        bins = max(2, int(plot / 0.75)) if journal else 7
        ax.xaxis.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: exact_percent(v)))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    scale = "; log-odds scale" if logit else ""
    # the model as it is, as the case figures (03, 04) and diagnose write it (44.7%),
    # or to the bars' decimals where they have more: a line at 99.876% said "99.9%"
    # beside bars said to 99.78% and left of the axis's 99.9% (teacher audit 57)
    said = percent_sig(base) if logit else percent(base)
    if not logit and _decimals_of(said) < decimals:
        said = percent_to(base, decimals)
    xlabel = f"P({target} = {state} | answers); the line is the model as it is ({said}){scale}"
    if journal:
        xlabel = wrap(xlabel, chars_in(plot, st.TICK))
        ax.tick_params(axis="x", labelsize=st.pt(st.TICK))
    ax.set_xlabel(xlabel, fontsize=st.pt(st.TICK))
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    handles = [
        Patch(**_LOOK["high"], label=f"odds of the number {TIMES}{factor:g}"),
        Patch(**_LOOK["low"], label=f"odds of the number {DIVIDED}{factor:g}"),
    ]
    if journal:
        wide = st.figure_of(ax).get_figwidth() > 5.0 and len(st.figure_of(ax).axes) == 1
        st.legend_under(ax, handles, ncol=2 if wide else 1, label_lines=xlabel.count("\n") + 1)
        return ax
    ax.legend(
        handles=handles,
        # under the axis, where no bar or value can be
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=2,
        frameon=False,
        fontsize=st.pt(st.NOTE + 0.5),
    )
    return ax


def _holds(table: pd.DataFrame, network: Network | None) -> str:
    """Say that no single number changes the conclusion, when none moves it far.

    When every value of the target's posterior, with each number of the table
    changed in turn (``p_low``, ``p_high``: every row, not only those drawn), stays
    within :data:`NARROW` of a probability and on one side of each of the triage
    policy's cut-offs for the target (its cause rules, ``P(cause) >= p``):
    ``no single number moves it out of 99.963-99.989%, above every triage cut-off
    for it (20%, 50%): the conclusion holds`` (the heading's first line names the
    probability). Otherwise ``""``.
    """
    from backspasm.figures._style import network_of
    from backspasm.triage import policy_of

    values = table[["p_base", "p_low", "p_high"]].to_numpy(dtype=float)
    lo, hi = float(values.min()), float(values.max())
    if hi - lo >= NARROW:
        return ""
    first = table.iloc[0]
    node = str(first["target"])
    cuts: list[float] = []
    if str(first["target_state"]) == "yes":
        net = network_of(None, network)
        cuts = sorted({float(r.p) for r in policy_of(net).causes if r.cause == node})
    if any((lo >= c) != (hi >= c) for c in cuts):  # a number moves it across one
        return ""
    # both ends to at least the bars' decimals: "99.7-99.93%" read as a contradiction
    # of a lowest bar at 99.78% (teacher audit 57)
    band = _band(lo, hi, at_least=_value_decimals(values.ravel(), hi - lo))
    said = f"no single number moves it out of {band}"
    if cuts:
        listed = ", ".join(exact_percent(c) for c in cuts)
        if lo >= cuts[-1]:
            side = "above every"
        elif hi < cuts[0]:
            side = "below every"
        else:
            side = "on one side of each"
        said += f", {side} triage cut-off for it ({listed})"
    return said + ": the conclusion holds"


#: A posterior that no single number moves over this span (a probability: one
#: percentage point) stays, for a teacher, where it is.
NARROW = 0.01


def _band(lo: float, hi: float, *, at_least: int = 0) -> str:
    """Write the range ``lo``..``hi`` so that it holds them: ``99.96-99.99%``.

    The low end rounded down and the high end up, with as many decimals as tell
    them apart (``at_least`` of them: the bars' own), and more at an end that would
    else read ``0%`` or ``100%`` short of it.
    """
    span = max(hi - lo, 1e-12) * 100.0
    decimals = max(0, math.ceil(-math.log10(span)), at_least)
    return f"{_band_end(lo, decimals, up=False)}-{_band_end(hi, decimals, up=True)}%"


def _band_end(p: float, decimals: int, *, up: bool) -> str:
    """Write an end of a band in percent, rounded outwards (``up``: the high end)."""
    while True:
        scale = 10.0**decimals
        if up:
            value = math.ceil(p * 100.0 * scale - 1e-9) / scale
            crowded = p < 1.0 and value >= 100.0
        else:
            value = math.floor(p * 100.0 * scale + 1e-9) / scale
            crowded = p > 0.0 and value <= 0.0
        if not crowded or decimals >= 6:
            return f"{value:.{decimals}f}"
        decimals += 1


def _heading(
    what: str,
    answers: Mapping[str, Any] | None,
    network: Network | None,
    width: int,
    ax: Axes,
) -> str:
    """Return the first lines of the title: what is shown and for which answers.

    As many answers named as in the case figures' titles (at ``ax``'s
    :func:`~backspasm.figures._words.answers_chars`), the others counted.
    """
    if answers is None:
        return wrap(what, width) if width < 72 else what
    said = answers_said(answers, st.network_of(None, network))  # the person first
    return answers_heading(f"{what} for: ", said, width, chars=answers_chars(ax, width))


def _slide_tick(n: int) -> float:
    """Return the size (points) of ``n`` rows' labels: two lines fit the pitch of 12 rows."""
    return max(st.pt(st.MIN_FONT), min(st.pt(st.TICK), st.pt(st.TICK) * 12 / n))


def _label_widths(ax: Axes) -> tuple[int, ...]:
    """Return the widths (characters) a journal figure's column of labels may take."""
    chars = label_chars(ax, 0.62)
    return (chars - 6, chars - 3, chars)


def _share(rows: pd.DataFrame, plot: float, *, logit: bool = False) -> float:
    """Return the room either side of the values, as a share of their span, on a narrow plot.

    As much as the longest value written at a bar's end takes of ``plot`` inches.
    """
    from backspasm.figures._words import text_width

    said = "99.9999%" if logit else "99.99%"
    text = text_width(said, st.pt(st.NOTE)) + 0.1
    share = min(text / max(plot, 0.5), 0.4)
    return share / (1.0 - 2.0 * share)


def _thinned(ticks: list[float], plot: float) -> list[float]:
    """Keep every k-th tick of a log-odds axis ``plot`` inches wide, their labels apart."""
    room = max(int(plot / 0.75), 2)
    step = max(1, math.ceil(len(ticks) / room))
    return ticks[::step]


def _settled(rows: pd.DataFrame) -> bool:
    """Whether no number moves the posterior: it is 0 or 1 and every bar is empty."""
    shown = rows[["p_base", "p_low", "p_high"]].to_numpy(dtype=float)
    base = float(shown[0, 0])
    return base in (0.0, 1.0) and bool((shown == base).all())


def _settled_note(ax: Axes, first: Any, answers: Mapping[str, Any] | None) -> None:
    """Say, in place of the bars, why no number of the network changes the posterior."""
    target = str(first.get("target_label", first["target"]))
    node = str(first["target"])
    state = str(first["target_state"]).replace("_", " ")
    base = float(first["p_base"])
    if answers is not None and node in answers:
        why = f"{target} is answered ({str(answers[node]).strip()}) for this case, so "
    else:
        why = f"The answers settle {target}: "
    st.axes_note(
        ax,
        0.5,
        0.5,
        f"{why}P({target} = {state}) is {percent(base)}\n"
        "whatever the network's numbers: no number changes it.",
        gid="sens_settled",
    )
    ax.set_axis_off()


def _labels(rows: pd.DataFrame, widths: tuple[int, ...] = ()) -> list[str]:
    """Write the numbers' tick labels whole, their values always whole.

    On up to three lines where the rows leave room for them (:data:`_THREE_LINE_ROWS`),
    else two (a label of three lines would run into the rows beside it), in a column
    no wider than they need (:data:`_LABEL_WIDTHS`); only a label too long for that
    is cut short: ``P(Fever = yes | Care setting emergency, Age…) = 0.0022``.
    """
    texts, tails = [], []
    for r in st.rows(rows):
        # the value stays on the line of the text's last word (no-break spaces)
        text, tail = _words(str(r.label)), f"\u00a0=\u00a0{float(r.value):.3g}"
        if text.endswith(")"):
            text, tail = text[:-1], ")" + tail
        texts.append(text)
        tails.append(tail)
    lines = 3 if len(rows) <= _THREE_LINE_ROWS else 2
    return wrap_all(texts, widths or _LABEL_WIDTHS, lines=lines, tails=tails)


#: The width (characters) of a line of the title.
_TITLE_WIDTH = 72
#: The widths (characters) the column of labels may take, narrowest first.
_LABEL_WIDTHS = (52, 56, 60, 64)
#: Up to this many rows, a label may take three lines.
_THREE_LINE_ROWS = 8


def _words(label: str) -> str:
    """Write the state codes of a parameter's label in words (``primary_care``)."""
    return label.replace("_", " ")


def _logit(p: float) -> float:
    # clamped at both ends: a value of exactly 0 or 1 has no finite log-odds
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    return math.log(p / (1.0 - p))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
