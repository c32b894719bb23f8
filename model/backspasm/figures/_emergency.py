"""An emergency's panel of the next questions: none before going, then those that can wait.

:func:`backspasm.figures.case.plot_next_questions` draws it for a case triaged
``emergency``: the advice ``backspasm diagnose`` gives (go now), and under it, in
grey, the questions the clinician may ask afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm.figures._style as st
from backspasm.figures._case_answers import case_title
from backspasm.figures._narrow import figure_left, note_width
from backspasm.figures._triage_words import serious_means
from backspasm.figures._words import (
    PROMPT_SPACING,
    PROMPT_WIDTHS,
    bits,
    fit_lines,
    ge,
    question_prompts,
    title_width,
    triage_text,
    unit_lines,
    whole_or_named,
    with_conflict,
    wrap,
    wrap_all,
)
from backspasm.triage import TRIAGE_ADVICE

#: The headline of an emergency's figure 05: the advice ``diagnose`` gives, word for word.
GO_NOW = f"Emergency: {TRIAGE_ADVICE['emergency']}."

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis

__all__ = ["no_questions"]


def no_questions(diagnosis: Diagnosis, ax: Axes, top: int) -> Axes:
    """Draw an emergency's panel: no question before going, then those that can wait.

    The headline says what ``backspasm diagnose`` says (go now; no question before
    going). Under it, set apart by a rule and a sub-heading and drawn in grey, the
    questions the clinician may ask afterwards, ranked by expected information gain
    (``diagnosis.next_questions()``, its first rows in its order), so that the figure
    still teaches what each question is worth without offering one before going.

    Each block is measured where the laid-out figure draws it, and the next put
    under it: the advice, its reasons (at most :data:`_REASON_LINES` lines, those
    left out counted, ``+2 more``), the rule, the sub-heading, and in what is left
    the rows, so that no text runs into another however many reasons there are.
    """
    if _inches_tall(ax) < _ROOM_TO_WAIT:  # a panel of a grid: the advice alone
        return _go_now_only(diagnosis, ax)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.set_xlabel(
        "expected information gain about the causes (bits)",
        fontsize=st.pt(st.TICK),
        color=_WAIT_INK,
    )
    ax.spines["bottom"].set_color(_WAIT_INK)
    # the title, the advice and its reasons go across the figure, from its left edge
    # (over the plot alone they would leave the third above the questions empty);
    # the rule, the sub-heading and the questions that can wait keep to the plot
    width = title_width(ax, across=True)
    st.put_title(
        ax,
        case_title("Which question to ask next", diagnosis, width, ax=ax)
        + "\n"
        + with_conflict(triage_text(diagnosis), diagnosis, width),
        fontsize=st.pt(st.TITLE - 1),
        across=True,
    )
    # laid out once (with the widest prompts the rows may have, which set the
    # Axes' width), so that each block is measured where it is drawn
    fig = st.figure_of(ax)
    table = diagnosis.next_questions()
    most = wrap_all(question_prompts(table.head(min(top, 8))), PROMPT_WIDTHS, lines=3)
    if most:  # the widest prompts the rows may have, so that the Axes' left edge is kept
        ax.set_yticks(np.arange(len(most), dtype=float), most)
        ax.tick_params(axis="y", length=0, labelsize=st.pt(st.TICK))
        ax.set_ylim(-0.6, len(most) - 0.4)
    fig.draw_without_rendering()
    tall = float(ax.get_position().height) * float(fig.get_figheight())  # as laid out
    # the width the advice has (the figure's, on its one Axes; else the plot's), less
    # what a line drawn may measure over its width computed
    wide = note_width(ax) if len(fig.axes) == 1 else ax.get_window_extent().width / fig.dpi
    room = 0.95 * float(wide)
    left, across = figure_left(ax)
    headline = st.axes_note(
        ax,
        left,
        0.985,
        wrap(GO_NOW, max(30, width * 4 // 5)),
        ha="left",
        va="top",
        fontsize=st.pt(st.TITLE + 3),
        color=st.triage_ink("emergency"),
        fontweight="bold",
        gid="no-questions",
        transform=across,
        in_layout=False,
    )
    size = st.pt(st.LABEL)
    lines = [
        unit_lines(
            ["Next questions: none before going (the other questions can wait)."], room, size
        )
    ]
    because = list(getattr(diagnosis, "triage_words", ()))
    if because:
        # "because:" with the first reason, never alone on its line
        units = [ge(b.strip()) + "; " for b in because[:-1]] + [ge(because[-1].strip())]
        units[0] = "because: " + units[0]
        more = fit_lines(units, room, size, lines=_REASON_LINES, more=lambda n: f"+{n} more")
        lines.append(more.split("\n"))
    # what the title's P(a serious cause) is, as figures 03 and 07 say it in their keys
    lines.append(unit_lines([w + " " for w in serious_means(bars=False).split()], room, size))
    top_of_notes = _below(ax, headline, 0.25 * size)
    notes = st.axes_note(
        ax,
        left,
        top_of_notes,
        "\n".join(line for block in lines for line in block),
        ha="left",
        va="top",
        fontsize=size,
        color=st.TEXT,
        linespacing=1.35,
        gid="reasons",
        transform=across,
        in_layout=False,
    )
    rule = _below(ax, notes, 0.6 * size)
    # the rule and sub-heading that set the questions apart from the advice
    ax.plot([0.0, 1.0], [rule] * 2, transform=ax.transAxes, color="#B0B0B0", lw=0.9, clip_on=False)
    heading = st.axes_note(
        ax,
        0.0,
        rule - 0.4 * size / 72 / tall,
        _WAIT_HEADING if len(table) else "Can wait: every question is answered.",
        ha="left",
        va="top",
        fontsize=size,
        color=_WAIT_INK,
        fontweight="bold",
        gid="can-wait",
    )
    share = _below(ax, heading, 0.5 * size)  # of the Axes' height, for the rows
    table = table.head(min(top, _rows_that_wait(tall * share)))
    n = len(table)
    # the questions fill the lower part of the Axes; the advice the rest
    ys = np.arange(n, dtype=float)[::-1]
    ax.set_ylim(-0.6, -0.6 + (max(n, 1) + 0.2) / max(share, 0.05))
    prompts = wrap_all(question_prompts(table), PROMPT_WIDTHS, lines=3)
    net = st.network_of(diagnosis, None)
    wait_rows(ax, table, ys, whole_or_named(table, prompts, net, PROMPT_WIDTHS[-1]))
    largest = float(table["expected_information_gain"].max()) if n else 1.0
    ax.set_xlim(0, round(max(largest, 1e-3) * 1.18, 6))
    return ax


def _below(ax: Axes, text: Any, points: float) -> float:
    """Return the Axes fraction ``points`` under the bottom of ``text`` (as laid out)."""
    bottom = text.get_window_extent().y0  # display units, of the figure laid out
    step = points / 72 * st.figure_of(ax).dpi  # display units
    return float(ax.transAxes.inverted().transform((0.0, bottom - step))[1])


def gain_value(ax: Axes, gain: float, y: float, colour: str, gid: str | None = None) -> str:
    """Write an information gain just right of its bar's end; return the text written."""
    said = f" {bits(gain)}"
    ax.text(gain, y, said, ha="left", va="center", fontsize=st.pt(st.NOTE), color=colour, gid=gid)
    return said


def wait_rows(ax: Axes, table: Any, ys: Any, prompts: list[str]) -> list[str]:
    """Draw the questions that can wait: grey bars, their values and prompts.

    Returns the values written (``" 0.264"``), one per row.
    """
    values = []
    for yy, r in zip(ys, st.rows(table), strict=True):
        gain = float(r.expected_information_gain)
        bar = ax.barh(yy, gain, height=0.62, color=_WAIT_BAR, zorder=3)[0]
        bar.set_gid(f"later:{r.question}")
        bar.set_label(str(r.question))
        values.append(gain_value(ax, gain, yy, _WAIT_INK))
    ax.set_yticks(ys, prompts)
    for tick in ax.get_yticklabels():
        tick.set_color(_WAIT_INK)
        tick.set_linespacing(PROMPT_SPACING)
    ax.tick_params(axis="y", length=0, labelsize=st.pt(st.TICK))
    ax.tick_params(axis="x", labelsize=st.pt(st.TICK), colors=_WAIT_INK)
    return values


#: What the grey questions under an emergency's advice are.
_WAIT_HEADING = "Can wait: what the clinician may ask afterwards, by expected information gain"
#: The most lines of reasons under an emergency's advice on a slide (the rest counted).
_REASON_LINES = 6
#: Their look: grey, so that none reads as a question to ask before going.
_WAIT_BAR = "#C9C9C9"
_WAIT_INK = "#666666"


#: The least height (inches) of an emergency's Axes that shows the questions that can
#: wait under the advice; a shorter panel of a grid shows the advice alone.
_ROOM_TO_WAIT = 4.5


def _inches_tall(ax: Axes) -> float:
    return st.inches(ax)[1]


def _rows_that_wait(inches: float) -> int:
    """Return how many questions that can wait ``inches`` of an Axes' height has room for.

    A row of about half an inch (room for a prompt of three lines); at least three,
    at most eight.
    """
    return max(3, min(8, int(inches / 0.5)))


def _go_now_only(diagnosis: Diagnosis, ax: Axes) -> Axes:
    """Draw an emergency's panel in a small Axes: the advice, no question at all."""
    ax.set_axis_off()
    st.axes_note(
        ax,
        0.5,
        0.58,
        GO_NOW,
        fontsize=st.pt(st.TITLE + 3),
        color=st.triage_ink("emergency"),
        fontweight="bold",
        gid="no-questions",
    )
    st.axes_note(
        ax,
        0.5,
        0.45,
        "Next questions: none before going (the other questions can wait).",
        fontsize=st.pt(st.TITLE),
        color=st.TEXT,
    )
    because = getattr(diagnosis, "triage_words", ())
    if because:
        st.axes_note(
            ax,
            0.5,
            0.3,
            wrap(ge("because: " + "; ".join(because)), 90),
            fontsize=st.pt(st.LABEL),
            color="#555555",
        )
    st.axes_note(
        ax,
        0.5,
        0.12,
        wrap(serious_means(bars=False), 90),
        fontsize=st.pt(st.NOTE),
        color="#555555",
    )
    title = case_title("Which question to ask next", diagnosis, title_width(ax), ax=ax)
    said = with_conflict(triage_text(diagnosis), diagnosis, title_width(ax))
    ax.set_title(f"{title}\n{said}", fontsize=st.pt(st.TITLE - 1), loc="left")
    return ax
