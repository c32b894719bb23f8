"""The next-questions figure of one case: which question to ask next, screening first.

:func:`plot_next_questions` draws the questions in the order ``backspasm diagnose``
gives them; for an emergency, :mod:`backspasm.figures._emergency` draws the advice
and the questions that can wait. Re-exported by :mod:`backspasm.figures.case`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._case_answers import case_title
from backspasm.figures._emergency import gain_value, no_questions
from backspasm.figures._emergency_narrow import narrow_panel
from backspasm.figures._narrow import chars_in, label_chars, plot_inches, room_right, rows_room
from backspasm.figures._triage_words import serious_in_key
from backspasm.figures._words import (
    PROMPT_SPACING,
    PROMPT_WIDTHS,
    bits,
    question_prompts,
    title_width,
    triage_text,
    unasked_count,
    whole_or_named,
    with_conflict,
    wrap,
    wrap_all,
    wrap_phrases,
)
from backspasm.spec import GROUPS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis

__all__ = ["plot_next_questions"]


@st.sized("next_questions")
def plot_next_questions(
    diagnosis: Diagnosis,
    *,
    ax: Axes | None = None,
    top: int = 10,
    useful: int = 4,
    size: str | None = None,
) -> Axes:
    """Plot the questions worth asking next, in the order ``backspasm diagnose`` gives.

    The order is the interview's (``diagnosis.next_questions(order="interview")``):
    the screening questions not yet answered first (every warning sign, a red-flag
    question, and every question whose answer can set the triage level: they are
    asked whatever little they would change the ranking of the causes, in the
    interview's order, which is not by information), then the rest by expected
    information gain. A screening question is marked on its label (``⚠``) and
    hatched; the title says how many are unasked (``diagnosis.unscreened`` of
    ``diagnosis.screen``).

    When the screening questions still to ask would fill the rows, the last
    ``useful`` rows still show, under a dashed rule, the questions worth most that
    are not screening questions (the first such rows of ``diagnosis.next_questions()``,
    which the interview reaches once the screen is done), so that the figure shows
    what each kind of question is worth; the screen keeps at least its first six
    rows (all ``top`` of them when ``top`` is 6 or less), and a label on the rule
    counts the screening questions left out. An information gain under 0.001 bits
    reads ``<0.001``.

    For an emergency no question comes before going, as ``backspasm diagnose``
    says, and the figure says so first; under that, set apart by a rule and the
    sub-heading "Can wait: ..." and drawn in grey, come the questions the clinician
    may ask afterwards, the first rows of ``diagnosis.next_questions()`` (by
    expected information gain; at most 8 on a slide). On a slide, a panel shorter
    than 4.5 in shows the advice alone; in a journal's figure or a narrow panel
    (see ``size``), the questions that can wait take the room the advice leaves, as
    many as fit (the advice alone when not even two do).

    The title (the case, its triage and the order of the rows) goes across the whole
    figure when the figure is made here (``fig.get_suptitle()``), since the
    questions' labels take a third of its width; on an Axes of the user's figure
    (``ax`` given) it is the Axes' left title. So, on a slide, do an emergency's
    advice and its reasons. What the triage's P(a serious cause) is, the key says
    (an emergency's advice, under its reasons).

    In a journal's figure (or a narrow panel), the rows are as many as the height
    holds, each prompt on up to three lines, the screening questions keeping at least
    three rows and the most useful others a third of them; the legend goes under the
    axis label.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``next_questions()``, ``screen``, ``unscreened``, ``triage`` and
        ``network``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    top : int, default 10
        How many questions to show, the first to ask at the top.
    useful : int, default 4
        How many of those rows go to the most useful questions that are not
        screening questions when screening questions would fill them (0: the
        interview's first ``top`` questions only).
    size : {"slide", "page", "column"}, optional
        The size of the new figure; default a slide (see
        :func:`~backspasm.figures.plot_causes`).

    Returns
    -------
    matplotlib.axes.Axes
        Bars have ``gid="gain:<question>"`` and width equal to the expected
        information gain in bits, their values ``gid="bits:<question>"``; the label
        on the rule that counts the screening questions left out
        ``gid="more-screening"``; an emergency's headline ``gid="no-questions"``, its
        sub-heading ``gid="can-wait"`` and its grey bars ``gid="later:<question>"``.

    Raises
    ------
    BackspasmError
        For ``top`` under 1 or ``useful`` under 0.
    """
    from matplotlib.patches import Patch

    st.check_diagnosis(diagnosis, "plot_next_questions")
    if top < 1:
        raise BackspasmError(
            f"The 'top' parameter of plot_next_questions must be >= 1; got {top}."
        )
    if useful < 0:
        raise BackspasmError(
            f"The 'useful' parameter of plot_next_questions must be >= 0; got {useful}."
        )
    ax = st.new_axes(ax)
    if getattr(diagnosis, "triage", None) == "emergency":
        if st.narrow(ax):  # a journal's figure or a panel: laid out for its width
            return narrow_panel(diagnosis, ax, top)
        return no_questions(diagnosis, ax, top)
    journal = st.narrow(ax)
    if journal:  # as many rows as leave room for a prompt of three lines
        top, useful = _rows_that_fit(ax, top, useful, _title(ax, diagnosis, title_width(ax), True))
    table, left_out = _rows_to_ask(diagnosis, top, useful, 3 if journal else _SCREEN_ROWS)
    net = st.network_of(diagnosis, None)
    screen = [bool(getattr(r, "screen", False)) for r in st.rows(table)]
    asked_first = sum(screen)  # the screening questions come first
    # a row's room more between the screen and the rest, for the label that counts
    # the screening questions left out
    gap = (_GAP_NARROW if journal else _GAP) if left_out and asked_first < len(table) else 0.0
    ys = np.arange(len(table), dtype=float)[::-1]
    ys[:asked_first] += gap
    groups = []
    for yy, r, sign in zip(ys, st.rows(table), screen, strict=True):
        group = net.group_of(str(r.node))
        groups.append(group)
        gain = float(r.expected_information_gain)
        bar = ax.barh(
            yy,
            gain,
            height=0.62,
            color=st.bar_colour(group),
            zorder=3,
            hatch=_SCREEN_HATCH if sign else None,
            edgecolor=st.triage_ink("emergency") if sign else "none",
            lw=1.2 if sign else 0.0,
        )[0]
        bar.set_gid(f"gain:{r.question}")
        bar.set_label(str(r.question))
        gain_value(ax, gain, yy, st.TEXT, gid=f"bits:{r.question}")
    # whole, on up to three lines where the rows leave room, in a column only as
    # wide as they need: no prompt runs into the next row's, none is cut short
    # unless even that is too little
    said = question_prompts(table)
    lines = 3 if len(table) <= _THREE_LINE_ROWS else 2
    widths: tuple[int, ...] = PROMPT_WIDTHS
    if journal:
        chars = label_chars(ax, 0.6)
        widths = (chars - 6, chars - 3, chars - 2)  # "⚠ " before a screening question's
    wrapped = whole_or_named(table, wrap_all(said, widths, lines=lines), net, widths[-1])
    prompts = [("⚠ " if sign else "") + text for text, sign in zip(wrapped, screen, strict=True)]
    plot = plot_inches(ax, prompts) if journal else 0.0
    ax.set_yticks(ys, prompts)
    for tick, sign in zip(ax.get_yticklabels(), screen, strict=True):
        tick.set_linespacing(PROMPT_SPACING)
        if sign:
            tick.set_color(st.triage_ink("emergency"))
    ax.tick_params(axis="y", length=0, labelsize=st.pt(st.TICK))
    if any(screen) and not all(screen):  # where the screening questions end
        rule = ys[asked_first] + 0.5 + gap / 2
        ax.axhline(rule, color="#9A9A9A", lw=0.9, ls=(0, (4, 3)), zorder=2)
        if left_out:
            _more_screening(ax, rule, left_out, chars_in(plot, st.NOTE + 0.5) if journal else 0)
    largest = float(table["expected_information_gain"].max()) if len(table) else 1.0
    # rounded, so that noise of 1e-12 bits in the gains leaves the file unchanged
    right = max(largest, 1e-3) * 1.18
    xlabel = "expected information gain about the causes (bits)"
    if journal:
        values = [f" {bits(float(g))}" for g in table["expected_information_gain"]]
        right = max(right, room_right(values, max(largest, 1e-3), plot))
        xlabel = wrap(xlabel, chars_in(plot, st.TICK))
        ax.tick_params(axis="x", labelsize=st.pt(st.TICK))
    ax.set_xlim(0, round(right, 6))
    ax.set_ylim(-0.6, max(len(table), 1) - 0.4 + gap)
    ax.set_xlabel(xlabel, fontsize=st.pt(st.TICK))
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    if not len(table):
        st.empty_note(ax, "every question is answered")
    # across the figure: over the plot alone it would leave the slide's left third,
    # above the questions, empty
    title = _title(ax, diagnosis, title_width(ax, across=True), any(screen))
    st.put_title(ax, title, fontsize=st.pt(st.TITLE - 1), across=True)
    present = [g for g in GROUPS if g in groups]
    handles: list[Any] = [Patch(color=st.bar_colour(g), label=st.GROUP_NAMES[g]) for g in present]
    if any(screen):
        handles.append(
            Patch(
                facecolor="white",
                edgecolor=st.triage_ink("emergency"),
                hatch=_SCREEN_HATCH,
                label="⚠ screening question: asked first",
            )
        )
    if journal:  # under the axis label: a narrow plot has no corner free of bars
        wide = len(st.figure_of(ax).axes) == 1 and st.figure_of(ax).get_figwidth() > 5.0
        st.legend_under(ax, handles, ncol=2 if wide else 1, label_lines=xlabel.count("\n") + 1)
    else:
        # where the bars leave room: the most useful questions are often the longest
        ax.legend(handles=handles, loc="best", fontsize=st.pt(st.NOTE + 0.5))
    # the title's P(a serious cause) said once, in the key (as figures 03 and 07 say it)
    chars = chars_in(st.inches(ax)[0], st.NOTE + 0.5) if journal else 48
    serious_in_key(ax.get_legend(), chars, bars=False)  # this figure draws no cause's bar
    return ax


def _title(ax: Axes, diagnosis: Diagnosis, width: int, screened: bool) -> str:
    """Return the title: the case, its triage, and the order of the rows.

    ``screened``: screening questions among the rows.
    """
    order = _order_words(diagnosis) if screened else [_GAIN_WORDS + ", ", "most useful first"]
    return (
        case_title("Which question to ask next", diagnosis, width, ax=ax)
        + "\n"
        + _triage_said(diagnosis, width)
        + "\n"
        + wrap_phrases(order, width)
    )


def _rows_that_fit(ax: Axes, top: int, useful: int, title: str) -> tuple[int, int]:
    """Return ``top`` and ``useful`` cut to the rows a journal figure's Axes has room for.

    A row holds a prompt of three lines; the Axes keeps what its ``title`` (at least
    four lines on a page, six in a column), axis label and legend leave. At least one
    row; a third of them for the most useful other questions.
    """
    wide = st.inches(ax)[0] > 4.0  # prompts of two lines or three
    row = (2.6 if wide else 3.0) * st.pt(st.TICK) * PROMPT_SPACING * 1.2 / 72 + 0.04
    lines = max(4 if st.figure_of(ax).get_figwidth() > 5.0 else 6, title.count("\n") + 1)
    room = rows_room(ax, title_lines=lines, below_lines=5) - _GAP_NARROW * row
    shown = min(top, max(1, int(room / row)))
    return shown, min(useful, shown // 3)


def _rows_to_ask(
    diagnosis: Diagnosis, top: int, useful: int, least: int = 6
) -> tuple[pd.DataFrame, int]:
    """Return the next questions' rows to draw and how many screening questions they leave out.

    The interview's first ``top`` rows, unless the screening questions still to ask
    would leave fewer than ``useful`` rows for the other questions: then the first
    screening questions (at least ``least`` of them, or ``top``: :data:`_SCREEN_ROWS`
    on a slide, the three whose yes alone is an emergency in a journal's figure), and
    after them the first rows of ``next_questions()`` that are not screening
    questions (those the interview asks once the screen is done, in its order).
    """
    interview = diagnosis.next_questions(order="interview")
    screening = int(interview["screen"].astype(bool).sum())
    ranked = diagnosis.next_questions()
    others = ranked[~ranked["screen"].astype(bool)]
    wanted = min(useful, len(others))
    if screening + wanted <= top:
        return interview.head(top), 0
    keep = min(screening, max(top - wanted, min(top, least)))
    rows = [interview.head(keep), others.head(top - keep)]
    return pd.concat(rows, ignore_index=True), screening - keep


def _triage_said(diagnosis: Diagnosis, width: int) -> str:
    """Say the triage level and P(a serious cause), as an emergency's title and 03's do.

    On two lines (the level, then the probability) when longer than ``width``.
    """
    said = triage_text(diagnosis)
    said = said.replace("  ·  ", "\n") if len(said) > width else said
    return with_conflict(said, diagnosis, width)


def _order_words(diagnosis: Diagnosis) -> list[str]:
    """Say the order of the rows (for a title): screening questions first, then the rest."""
    counts = unasked_count(diagnosis)
    unasked = f"; {counts[0]} of {counts[1]} unasked" if counts else ""
    return [
        f"⚠ screening questions first (always asked{unasked}), ",
        "in the interview's order, not by information; ",
        "then the most useful",
    ]


def _more_screening(ax: Axes, y: float, left_out: int, chars: int = 0) -> None:
    """Write on the dashed rule how many screening questions the rows leave out.

    Wrapped to ``chars`` characters (a narrow plot's), unless 0.
    """
    plural = "s" if left_out != 1 else ""
    said = (
        f"{left_out} more screening question{plural} to ask first (not shown), "
        "then the most useful others:"
    )
    ax.text(
        0.5,
        y,
        wrap(said, chars) if chars else said,
        transform=ax.get_yaxis_transform(),
        ha="center",
        va="center",
        fontsize=st.pt(st.NOTE + 0.5),
        color="#555555",
        style="italic",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 2.0},
        zorder=5,
        gid="more-screening",
    )


_SCREEN_HATCH = "//"
#: Up to this many rows, the rows of a slide leave room for a prompt of three lines
#: (set a little closer than the default).
_THREE_LINE_ROWS = 10
_GAIN_WORDS = "expected reduction of uncertainty about the causes"
#: The fewest screening questions shown when the most useful other questions take
#: the last rows (the three whose yes alone is an emergency, and three more).
_SCREEN_ROWS = 6
#: The room (in rows) the label on the rule takes between the screen and the rest.
_GAP = 0.5
#: The same in a journal's figure, where the label takes two or three lines.
_GAP_NARROW = 1.2
