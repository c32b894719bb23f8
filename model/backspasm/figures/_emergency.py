"""An emergency's panel of the next questions: none before going, then those that can wait.

:func:`backspasm.figures.case.plot_next_questions` draws it for a case triaged
``emergency``: the advice ``backspasm diagnose`` gives (go now), and under it, in
grey, the questions the clinician may ask afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm.figures._style as st
from backspasm.figures._words import (
    PROMPT_SPACING,
    PROMPT_WIDTHS,
    bits,
    case_title,
    ge,
    question_prompts,
    title_width,
    triage_text,
    wrap,
    wrap_all,
)

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
    """
    if _inches_tall(ax) < _ROOM_TO_WAIT:  # a panel of a grid: the advice alone
        return _go_now_only(diagnosis, ax)
    ax.spines[["top", "right", "left"]].set_visible(False)
    table = diagnosis.next_questions().head(min(top, _rows_that_wait(ax)))
    n = len(table)
    # the questions fill the lower part of the Axes; the headline the rest
    ys = np.arange(n, dtype=float)[::-1]
    ax.set_ylim(-0.6, -0.6 + (max(n, 1) + 0.2) / _WAIT_SHARE)
    wait_rows(ax, table, ys, wrap_all(question_prompts(table), PROMPT_WIDTHS, lines=3))
    largest = float(table["expected_information_gain"].max()) if n else 1.0
    ax.set_xlim(0, round(max(largest, 1e-3) * 1.18, 6))
    ax.set_xlabel(
        "expected information gain about the causes (bits)",
        fontsize=st.pt(st.TICK),
        color=_WAIT_INK,
    )
    ax.spines["bottom"].set_color(_WAIT_INK)
    width = title_width(ax)
    st.axes_note(
        ax,
        0.0,
        0.985,
        wrap("Emergency: go to the emergency department now.", max(30, width * 4 // 5)),
        ha="left",
        va="top",
        fontsize=st.pt(st.TITLE + 3),
        color=st.triage_ink("emergency"),
        fontweight="bold",
        gid="no-questions",
    )
    because = getattr(diagnosis, "triage_words", ())
    lines = ["Next questions: none before going (the other questions can wait)."]
    if because:
        lines.append(ge("because: " + "; ".join(because)))
    st.axes_note(
        ax,
        0.0,
        0.895,
        "\n".join(wrap(line, width + 10) for line in lines),
        ha="left",
        va="top",
        fontsize=st.pt(st.LABEL),
        color=st.TEXT,
        linespacing=1.35,
    )
    # the rule and sub-heading that set the questions apart from the advice
    ax.plot(
        [0.0, 1.0],
        [_WAIT_SHARE + 0.075] * 2,
        transform=ax.transAxes,
        color="#B0B0B0",
        lw=0.9,
        clip_on=False,
    )
    st.axes_note(
        ax,
        0.0,
        _WAIT_SHARE + 0.06,
        _WAIT_HEADING if n else "Can wait: every question is answered.",
        ha="left",
        va="top",
        fontsize=st.pt(st.LABEL),
        color=_WAIT_INK,
        fontweight="bold",
        gid="can-wait",
    )
    ax.set_title(
        case_title("Which question to ask next", diagnosis, width) + f"\n{triage_text(diagnosis)}",
        fontsize=st.pt(st.TITLE - 1),
        loc="left",
    )
    return ax


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
_WAIT_HEADING = "Can wait: what the clinician may ask afterwards, by expected information"
#: The share of an emergency's Axes (from the bottom) the questions that can wait take.
_WAIT_SHARE = 0.66
#: Their look: grey, so that none reads as a question to ask before going.
_WAIT_BAR = "#C9C9C9"
_WAIT_INK = "#666666"


#: The least height (inches) of an emergency's Axes that shows the questions that can
#: wait under the advice; a shorter panel of a grid shows the advice alone.
_ROOM_TO_WAIT = 4.5


def _inches_tall(ax: Axes) -> float:
    return float(ax.get_position().height) * float(st.figure_of(ax).get_figheight())


def _rows_that_wait(ax: Axes) -> int:
    """Return how many questions that can wait an emergency's Axes has room for.

    Seven on a slide's one Axes (a row of about half an inch, room for a prompt of
    three lines), at most eight.
    """
    return max(3, min(8, int(_inches_tall(ax) * _WAIT_SHARE / 0.5)))


def _go_now_only(diagnosis: Diagnosis, ax: Axes) -> Axes:
    """Draw an emergency's panel in a small Axes: the advice, no question at all."""
    ax.set_axis_off()
    st.axes_note(
        ax,
        0.5,
        0.58,
        "Emergency: go to the emergency department now.",
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
    title = case_title("Which question to ask next", diagnosis, title_width(ax))
    ax.set_title(title + f"\n{triage_text(diagnosis)}", fontsize=st.pt(st.TITLE - 1), loc="left")
    return ax
