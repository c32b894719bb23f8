"""Figures of one case: its causes, why, and what to ask next.

The last, :func:`plot_next_questions`, is drawn by
:mod:`backspasm.figures._next_questions` (with :mod:`backspasm.figures._emergency`).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.explain.odds import pointed_causes
from backspasm.figures._bars import bar_labels, prior_and_posterior
from backspasm.figures._case_answers import case_title
from backspasm.figures._cause_rows import (
    CRAMPED_TITLE,
    block_heading,
    causes_that_fit,
    most_probable,
    room_to_say_coexist,
)
from backspasm.figures._context_mark import CONTEXT_LEGEND, factor_over
from backspasm.figures._cramped import FLOOR, compact_key, cramped, cramped_causes, title_size
from backspasm.figures._grid_fit import legend_in_cell
from backspasm.figures._grid_title import put_fitted_title, regrid_if_title_past
from backspasm.figures._impact import (
    EMPTY_SIDE,
    JOURNAL_SPAN,
    exp_of,
    impact_value,
    known_values_inside,
    log_of,
    settles,
    values_that_fit,
)
from backspasm.figures._impact_title import how_words, impact_titles
from backspasm.figures._narrow import (
    TICK_CHAR,
    chars_in,
    label_chars,
    plot_inches,
    room_for,
    room_past,
    row_pitch,
    rows_room,
    ticks_apart,
)
from backspasm.figures._next_questions import plot_next_questions
from backspasm.figures._triage_words import serious_in_key
from backspasm.figures._values_apart import values_clear_of_labels
from backspasm.figures._words import (
    TITLE_WIDTH,
    answer_phrase,
    impact_said,
    percent,
    ratio_tick,
    ratio_ticks,
    title_width,
    triage_lines,
    wrap,
    wrap_phrases,
)
from backspasm.figures.scenarios import SERIOUS_BAR

#: The longest cause label a slide's row shows on one line (the bundled: 30).
_ONE_LINE = 40

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis

__all__ = ["plot_causes", "plot_evidence_impact", "plot_next_questions"]


@st.sized("causes")
def plot_causes(
    diagnosis: Diagnosis,
    *,
    ax: Axes | None = None,
    top: int | None = None,
    size: str | None = None,
) -> Axes:
    """Prior and posterior probability of every cause, grouped by kind of cause.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``causes`` (``cause``, ``label``, ``group``, ``prior``,
        ``posterior``), ``p_serious`` and ``triage``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    top : int, optional
        Only the ``top`` causes with the highest posterior (still grouped).
    size : {"slide", "page", "column"}, optional
        The size of the new figure (see :data:`~backspasm.figures.FIGURE_SIZES`);
        default a slide. Not with ``ax``, whose figure's width sets the type sizes.

    Returns
    -------
    matplotlib.axes.Axes
        Posterior bars have ``gid="posterior:<cause>"`` and width equal to the
        posterior; prior ticks (grey vertical lines at the prior)
        ``gid="prior:<cause>"``; the posterior's value, written at the end of its
        own bar, ``gid="value:<cause>"``. A cause the answers point to, below the
        first three (as ``diagnose`` explains it under "why":
        :func:`~backspasm.explain.odds.pointed_causes`), has its odds factor after
        its value and the belief it is over, given age, sex and care setting alone
        (``"8.4%  x8.3 over 1.1%"``); the legend says what the factor means: not a
        factor over the prior's tick (before any answer).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    st.check_diagnosis(diagnosis, "plot_causes")
    table = diagnosis.causes.copy()
    if top is not None:
        if top < 1:
            raise BackspasmError(f"The 'top' parameter of plot_causes must be >= 1; got {top}.")
        table = table.head(top)  # the causes come ranked, as everywhere
    table["group"] = [st.cause_group(g) for g in table["group"]]
    ax = st.new_axes(ax)
    # in a journal's figure the kinds of cause are headed above their blocks (a
    # rotated name beside a short block would run into the next one's)
    journal = st.narrow(ax)
    compact = cramped(ax, table, diagnosis) if journal else 0  # too small for 3: its chars
    chars = (compact or label_chars(ax)) if journal else 0
    every = len(diagnosis.causes)
    if journal:  # as many causes as the height holds, the most probable
        fit = cramped_causes if compact else causes_that_fit
        table = fit(ax, table, diagnosis, chars)
    y = -0.5 if journal else 0.0
    pointed = set(pointed_causes(diagnosis.causes))
    ticks, labels, colours = [], [], []
    block_spans = []
    values: list[tuple[float, float, float | None, str]] = []
    keys: list[str] = []
    for group in st.CAUSE_GROUPS:
        block = table[table["group"] == group]  # in diagnose's order
        if block.empty:
            continue
        start = y
        for r in st.rows(block):
            prior_and_posterior(
                ax,
                y,
                float(r.posterior),
                float(r.prior),
                colour=st.colour(group),
                key=str(r.cause),
                label=str(r.label),
                height=0.7,
                lw=2.0,
            )
            if group == "cause_serious":  # hatched, as in 07, 08 and their legends
                ax.patches[-1].set(**SERIOUS_BAR)
            said_value = percent(float(r.posterior))
            if r.cause in pointed:  # as diagnose's "why" and the explorer mark it
                # over the belief it is a factor of, not the tick's (a teacher's audit)
                said_value = factor_over(said_value, float(r.odds_factor), float(r.given_context))
            values.append((y, float(r.posterior), float(r.prior), said_value))
            keys.append(f"value:{r.cause}")
            ticks.append(y)
            said = ("⚠ " if group == "cause_serious" else "") + str(r.label)
            # a slide's label over 40 characters (a variant's) on two lines, or the
            # plot shrinks to a sliver beside it
            width = chars or (_ONE_LINE if len(said) > _ONE_LINE else 0)
            labels.append(wrap(said, width) if width else said)
            colours.append(st.colour(group) if group == "cause_serious" else st.TEXT)
            y -= 1.0
        block_spans.append((group, start, y + 1.0))
        y -= 1.0 if journal else 0.5
    ax.set_yticks(ticks, labels)
    for tick, colour in zip(ax.get_yticklabels(), colours, strict=True):
        tick.set_color(colour)
        if colour != st.TEXT:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, labelsize=st.pt(st.TICK))
    for group, start, stop in block_spans:
        if journal:
            block_heading(ax, group, start)
            continue
        ax.text(
            1.0,
            (start + stop) / 2,
            # on two lines when longer than a short band
            wrap(st.cause_words(group), 18),
            transform=ax.get_yaxis_transform(),
            rotation=-90,
            ha="left",
            va="center",
            fontsize=st.pt(st.NOTE + 0.5),
            color=st.colour(group),
            fontweight="bold",
            clip_on=False,
        )
        ax.axhspan(stop - 0.5, start + 0.5, color=st.mix(st.colour(group), 0.93), zorder=0, lw=0)
    ax.set_ylim(y + 0.6 - 0.1, 0.6 + (0.5 if journal else 0.0))
    ax.set_xlim(0, 1.07)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    if journal:
        ax.tick_params(axis="x", labelsize=st.pt(st.TICK))
    # causes can coexist, as diagnose says: the bars need not add up to P(a serious
    # cause) or to 100% (on a slide's one Axes and in a journal's figure, said under
    # the axis; a panel of the user's has no room for it)
    xlabel = "probability of the cause"
    if journal and room_to_say_coexist(ax):
        xlabel = wrap(f"{xlabel} ({COEXIST_SHORT})", chars_in(plot_inches(ax, labels), st.TICK))
    elif not journal and title_width(ax) >= TITLE_WIDTH:
        xlabel = f"{xlabel} ({COEXIST})"
    ax.set_xlabel(xlabel, fontsize=st.pt(st.TICK))
    ax.set_ylabel("")
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    width = title_width(ax)
    what = "Causes of back spasm"
    if len(table) < every and journal:
        what = most_probable(len(table), every)

    def title_of(w: int) -> str:
        said = triage_lines(diagnosis, w, short=bool(compact))  # a cramped panel: short
        return case_title(what, diagnosis, w, ax=ax) + "\n" + said

    # in a panel of the user's: over the row labels, to fit its cell (a cramped one's
    # alike in a grid: title_size)
    size_of, short = title_size(ax, title_of, width, st.pt(CRAMPED_TITLE)) if compact else (0, 0)
    least = FLOOR if compact else 0.0  # (its least type, as its text's)
    put_fitted_title(
        ax, title_of, width, size_of or st.pt(st.TITLE - 1), narrower=short, least=least
    )
    present = [g for g, _, _ in block_spans]
    handles: list[Any] = [Line2D([], [], color=st.PRIOR_TICK, lw=2.0, label=PRIOR_LEGEND)] + [
        Patch(
            facecolor=st.colour(g),
            label=f"after the answers: {st.cause_words(g)}",
            **(SERIOUS_BAR if g == "cause_serious" else {"edgecolor": "none"}),
        )
        for g in present
    ]
    if pointed & set(table["cause"]):
        handles.append(Line2D([], [], lw=0, label=POINTED_LEGEND))
    # under the axis label: on a slide 9% of the Axes' height, on a panel of a grid
    # (two columns) as far in inches, the label being as tall
    wide = width >= TITLE_WIDTH
    tall = st.inches(ax)[1]
    if compact:  # a cramped panel of the user's: a key of three lines
        compact_key(ax, PRIOR_LEGEND, POINTED_LEGEND if len(handles) > 1 + len(present) else "")
    elif journal:  # its right edge at the plot's, over the labels' column if need be
        st.legend_under(
            ax,
            handles,
            ncol=1 if st.inches(ax)[0] < 4.0 or not st.own() else 2,  # a user's: in its cell
            label_lines=xlabel.count("\n") + 1,
        )
    else:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.45, -0.09 if wide else -0.52 / max(tall, 0.5)),
            ncol=(3 if len(handles) > 4 else 4) if wide else 2,
            fontsize=st.pt(st.NOTE + 0.5),
            frameon=False,
        )
    # the title's P(a serious cause) said once, in the key (as figure 07 says it)
    chars = 0 if wide else int(st.inches(ax)[0] / (0.075 * st.scale()))
    if not compact:
        serious_in_key(ax.get_legend(), chars, short=st.inches(ax)[0] < 4.0 or not st.own())
    legend_in_cell(ax)  # a panel of the user's without a layout engine: in its cell
    # each value at the end of its own bar, placed once the figure is laid out
    bar_labels(ax, values, size=st.pt(st.NOTE), gids=keys)
    return ax


#: What the "×8.3" after a cause's value says: the odds factor of a cause the answers
#: point to (:data:`~backspasm.explain.odds.POINTING_FACTOR` or more, below the first three;
#: a teacher asked why a disc raised 3.12-fold among them had none, session 57), over
#: age, sex and setting alone, whose belief it names (:mod:`._context_mark`).
POINTED_LEGEND = CONTEXT_LEGEND
#: The prior's legend entry, named a tick, as the factor's entry names it.
PRIOR_LEGEND = "tick: before any answer (prior)"

#: Why the bars of figure 03 need not add up, as ``backspasm diagnose`` says it.
COEXIST = "causes can coexist: the bars need not add up to 100%"
#: The same, in a journal's narrow plot.
COEXIST_SHORT = "bars need not add up: causes can coexist"


@st.sized("evidence_impact")
def plot_evidence_impact(
    diagnosis: Diagnosis,
    cause: str | None = None,
    *,
    ax: Axes | None = None,
    size: str | None = None,
) -> Axes:
    """Tornado of each answer's effect on one cause.

    The effect of an answer is the change in the log-odds of the cause between the
    posterior with all answers and the posterior with that answer withheld
    (``diagnosis.reasons(cause)``): positive bars raised the cause, negative bars
    lowered it. The top axis reads the same bars as odds ratios. An answer that
    makes the cause certain (present or absent, e.g. the cause itself answered)
    changes its odds infinitely: its bar runs to the edge of the axis and reads
    ``odds ×∞: now known`` (or ``odds ÷∞: now ruled out``), never a finite ratio,
    in white within the bar (past its end where a narrow panel leaves it too short);
    one that changes them by less than half a percent reads ``odds ×1.00``, and
    only one that changes nothing ``no effect``. The title names the answers that
    moved the cause most first.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``reasons(cause)`` and ``causes``.
    cause : str, optional
        The cause to explain; default the top cause (as ``backspasm figures`` does).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    size : {"slide", "page", "column"}, optional
        The size of the new figure; default a slide (see :func:`plot_causes`).

    Returns
    -------
    matplotlib.axes.Axes
        Bars have ``gid="impact:<question>"`` and width equal to ``log_odds_change``
        (to the edge of the axis for an answer that makes the cause certain); their
        values ``gid="odds:<question>"``.

    Raises
    ------
    BackspasmError
        For a ``cause`` that is not a cause of the network (with a suggestion for a
        mistyped one).
    """
    from matplotlib.patches import Patch

    st.check_diagnosis(diagnosis, "plot_evidence_impact")
    if cause is None:
        cause = diagnosis.top_cause
    matches = st.rows(diagnosis.causes[diagnosis.causes["cause"] == cause])
    if not matches:
        diagnosis.network.label(cause)  # raises with a suggestion for a mistyped node
        raise BackspasmError(
            f"The 'cause' parameter of plot_evidence_impact must be a cause of the network "
            f"({', '.join(diagnosis.causes['cause'])}); got {cause!r} instead."
        )
    row = matches[0]
    label = str(row.label)
    table = diagnosis.reasons(cause).sort_values("log_odds_change", ascending=True, kind="stable")
    net = diagnosis.network
    said = [answer_phrase(str(r.question), r.answer, net) for r in st.rows(table)]
    ax = st.new_axes(ax)
    journal = st.narrow(ax)
    every = len(table)
    if journal:  # a narrow figure: labels wrapped, only the rows that fit
        said = [wrap(words, label_chars(ax)) for words in said]
        keep = _answers_that_fit(ax, table, said, diagnosis, label, cause)
        table, said = table[keep], [s for s, k in zip(said, keep, strict=True) if k]
    ys = np.arange(len(table), dtype=float)
    values = table["log_odds_change"].to_numpy(dtype=float)
    # an answer that makes the cause certain moves its odds infinitely far: its
    # log_odds_change is only a clipped number, so its bar runs to the edge of the
    # axis, says "×∞", and leaves the scale to the other answers
    settled = settles(table)
    finite = np.abs(values[~settled])
    # the axis fits the bars: at least a half-width of 0.5 on a slide, whose wide plot
    # shows small effects small; a journal's narrow plot makes room for the values
    # beside the bars (room_for), and a floor as wide would leave the bars slivers
    least = 2.0 if settled.any() else (JOURNAL_SPAN if journal else 0.5)
    span = max(float(finite.max()) if len(finite) else 1.0, least)
    edge = span * 1.35
    odds = [
        impact_said(float(r.log_odds_change), float(r.posterior_with), float(r.posterior_without))
        for r in st.rows(table)
    ]
    past = 0.0  # the axis' room past a known answer's bar, in half-widths
    value_pt, shown = st.pt(st.NOTE), True
    if journal:  # "odds ×24.7" as on a slide, the axis made wide enough for it
        plot = plot_inches(ax, said)
        # an axis whose one side no bar reaches is only 1 + EMPTY_SIDE half-widths wide
        both = bool((values < 0).any() and (values > 0).any())
        across = 2.0 if both else 1 + EMPTY_SIDE
        # smaller, or the ratio alone, or none (said) where the plot is too narrow
        fits, value_pt = values_that_fit(odds, plot, across)
        shown = bool(fits) or not odds
        if not shown:  # still a known answer's value, inside its bar where it fits
            fits, value_pt = known_values_inside(odds, settled, plot, across)
        odds = fits
        edge = max(edge, room_for(odds, span, plot, across=across, size=value_pt))
        # a known answer's value past its bar (to the edge) where the bar cannot hold it
        known = [o for o, k in zip(odds, settled, strict=True) if k]
        past = room_past(known, plot, across) if shown else 0.0
    for yy, r, words, known, said_odds in zip(
        ys, st.rows(table), said, settled, odds, strict=True
    ):
        change = float(r.log_odds_change)
        up = change >= 0
        width = (edge if up else -edge) if known else change
        bar = ax.barh(yy, width, height=0.62, color=st.RAISED if up else st.LOWERED, zorder=3)[0]
        bar.set_gid(f"impact:{r.question}")
        bar.set_label(words.replace("\n", " "))
        if said_odds:
            impact_value(
                ax, yy, width, said_odds, r.question, inside=known and not past, size=value_pt
            )
    ax.set_yticks(ys, said)
    ax.tick_params(axis="y", length=0, labelsize=st.pt(st.TICK))
    ax.axvline(0, color=st.TEXT, lw=0.9, zorder=4)
    # a side no bar reaches keeps only a margin: the bars take the width
    reach = np.where(settled, np.sign(values) * edge, values) if len(values) else values
    # and the side of a known answer's bar too short to hold its value, room past it
    ax.set_xlim(
        (-edge if (reach < 0).any() or not len(values) else -EMPTY_SIDE * edge)
        - past * edge * bool((settled & (values < 0)).any()),
        (edge if (reach > 0).any() or not len(values) else EMPTY_SIDE * edge)
        + past * edge * bool((settled & (values > 0)).any()),
    )
    ax.set_ylim(-0.7, max(len(table), 1) - 0.3)
    xlabel = f"change in log-odds of {label} from this answer (natural log)"
    if journal:
        xlabel = wrap(xlabel, int(plot / (TICK_CHAR * st.scale())))
        ax.tick_params(axis="x", labelsize=st.pt(st.TICK))
    ax.set_xlabel(xlabel, fontsize=st.pt(st.TICK))
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    top_axis = ax.secondary_xaxis("top", functions=(exp_of, log_of))
    ratios = ratio_ticks(edge)
    if journal:  # (an axis widened past a known answer's bar has less room a unit)
        ratios = ticks_apart(ratios, edge, plot * across / (across + past) if past else plot)
    # (round ratios on the axis, so written as they are: ×10, ÷3, ×10⁶)
    top_axis.set_xticks(ratios, [ratio_tick(r) for r in ratios])
    top_axis.set_xlabel("odds ratio", fontsize=st.pt(st.NOTE + 0.5))
    top_axis.tick_params(labelsize=st.pt(st.TICK))
    if not len(table):
        st.empty_note(ax, "no answers to weigh")

    # the line under the answers wrapped like them (at most two lines), its
    # percentages as diagnose's explanation writes them
    how = how_words(label, row, len(table), every)
    titled, shorter = impact_titles(diagnosis, cause, how, (len(table), every), ax=ax, shown=shown)
    # in a panel of the user's: over the row labels, in smaller type if need be
    top_axis_room = (st.pt(st.NOTE + 0.5) + st.pt(st.TICK)) * 1.2 / 72 + 0.05  # its label, ticks
    retitle = functools.partial(
        put_fitted_title, ax, width=title_width(ax), size=st.pt(st.TITLE - 1), above=top_axis_room
    )
    retitle(titled)
    # a legend entry only for a kind of bar drawn (one under ×1.005 is not seen)
    seen = np.abs(values) >= math.log(1.005)
    kinds = [bool((seen & (values > 0)).any()), bool((seen & (values < 0)).any())]
    handles = [
        Patch(color=colour, label=words)
        for colour, words, drawn in zip(
            (st.RAISED, st.LOWERED), ("raised it", "lowered it"), kinds, strict=True
        )
        if drawn
    ]
    if handles and journal:  # under the axis label, clear of every bar and value
        st.legend_under(ax, handles, ncol=2, label_lines=xlabel.count("\n") + 1)
    elif handles:
        ax.legend(handles=handles, loc="lower right", fontsize=st.pt(st.NOTE + 0.5))
    values_clear_of_labels(ax)  # as a user's figure is drawn: at its resolution
    if regrid_if_title_past(ax):  # past its cell even in the least type: in fewer words
        retitle(shorter[0], shorter=shorter[1:])
        values_clear_of_labels(ax)
    return ax


def _answers_that_fit(
    ax: Axes, table: Any, said: list[str], diagnosis: Diagnosis, label: str, cause: str
) -> Any:
    """Return which answers a journal figure's height has rows for: those that moved most.

    A mask over ``table`` (its order kept); at least one answer.
    """
    width = title_width(ax)
    row = st.rows(diagnosis.causes[diagnosis.causes["cause"] == cause])[0]
    title = case_title(
        f"How each answer moved {label}", diagnosis, width, ax=ax, cause=cause, it=True
    )
    title += "\n" + wrap_phrases(how_words(label, row, 1, 2), width)
    room = rows_room(ax, title_lines=title.count("\n") + 2, below_lines=6)
    lines = np.asarray([s.count("\n") + 1 for s in said], dtype=float)
    size = np.abs(table["log_odds_change"].to_numpy(dtype=float))
    order = np.argsort(-size, kind="stable")
    keep = np.zeros(len(table), dtype=bool)
    used = 0.3  # the room above and under the rows
    for i in order:
        used += max(lines[i], 1.6) * row_pitch()  # a bar needs its room too
        if used > room and keep.any():
            break
        keep[i] = True
    return keep
