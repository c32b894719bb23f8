"""An emergency's next-questions panel in a journal's figure (a page or a column).

The same panel as :func:`backspasm.figures._emergency.no_questions` draws on a slide:
the advice (go now; no question before going, and why), then, set apart by a rule
and a sub-heading, the questions that can wait, in grey. Here every block is
measured first: the advice and its reasons, wrapped to the figure's width, take the
top of the Axes (the reasons cut to three lines, the rest counted), and the rows
that can wait the rest, as many as the height leaves room for, so that no text runs
into another at any height.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm.figures._style as st
import backspasm.figures._words as words
from backspasm.figures._bars import bold_width
from backspasm.figures._case_answers import case_title
from backspasm.figures._emergency import (
    _WAIT_HEADING,
    _WAIT_INK,
    GO_NOW,
    _inches_tall,
    wait_rows,
)
from backspasm.figures._narrow import (
    chars_in,
    figure_note,
    label_chars,
    note_width,
    plot_inches,
    room_right,
    rows_room,
)
from backspasm.figures._triage_words import serious_means
from backspasm.figures._words import (
    PROMPT_SPACING,
    fit_lines,
    triage_text,
    whole_or_named,
    with_conflict,
    wrap,
    wrap_all,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis

__all__ = ["narrow_panel"]

#: The least height (inches) of the Axes for the questions that can wait (three rows).
_LEAST = 2.4
#: Line height, in multiples of the type size.
_LINE = 1.25


def narrow_panel(diagnosis: Diagnosis, ax: Axes, top: int) -> Axes:
    """Draw an emergency's panel in a journal's figure (see the module's docstring)."""
    # on a panel of a grid, the advice and the title keep to the plot beside the
    # prompts of the questions that can wait (at most eight of them)
    widths = [label_chars(ax) - 4, label_chars(ax)]
    network = st.network_of(diagnosis, None)
    rows_at_most = diagnosis.next_questions().head(min(top, 8))
    beside = whole_or_named(
        rows_at_most,
        wrap_all(words.question_prompts(rows_at_most), widths, lines=3),
        network,
        widths[-1],
    )
    width = words.title_width(ax, beside=beside)
    title = (
        case_title("Which question to ask next", diagnosis, width, ax=ax)
        + "\n"
        + with_conflict(
            triage_text(diagnosis).replace(
                "  ·  ", "\n" if len(triage_text(diagnosis)) > width else "  ·  "
            ),
            diagnosis,
            width,
        )
    )
    st.put_title(ax, title, fontsize=st.pt(st.TITLE - 1))
    # the Axes' height once laid out: the figure's less its title and axis label
    tall = min(_inches_tall(ax), rows_room(ax, title_lines=title.count("\n") + 1, below_lines=3))
    room = note_width(ax, beside)
    head_size, text_size = st.pt(st.TITLE + 1), st.pt(st.LABEL - 1)
    headline = _lines(GO_NOW, room * 0.86, head_size)
    said = [
        _lines(
            "Next questions: none before going (the other questions can wait).",
            room * 0.92,
            text_size,
        )
    ]
    because = list(getattr(diagnosis, "triage_words", ()))
    if because:
        said_as = [words.ge(b) for b in because]
        units = ["because: "] + [b + "; " for b in said_as[:-1]] + [said_as[-1]]
        said.append(fit_lines(units, room * 0.92, text_size, lines=3, more=lambda n: f"+{n} more"))
    # what the title's P(a serious cause) is, as 03 and 07 say it, where the Axes has
    # the room (a small panel of a grid keeps its lines for the advice)
    means = _lines(serious_means(bars=False), room * 0.92, text_size)
    lines_of = (headline.count("\n") + 1) * head_size
    lines_of += sum(b.count("\n") + 1 for b in [*said, means]) * text_size
    if lines_of * _LINE / 72 + 0.1 <= tall:
        said.append(means)
    text = "\n".join(said)
    # in bold, a tenth and more wider than the width its words are measured at
    bold = bold_width(_WAIT_HEADING, text_size) / words.text_width(_WAIT_HEADING, text_size)
    heading = _lines(_WAIT_HEADING, room * 0.92 / bold, text_size)
    # inches from the top of the Axes: the advice, its reasons, the rule, the heading
    lines_of = (headline.count("\n") + 1) * head_size + (text.count("\n") + 1) * text_size
    advice = lines_of * _LINE / 72 + 0.1
    rule = advice + 0.04
    wait = rule + 0.06 + (heading.count("\n") + 1) * text_size * _LINE / 72 + 0.08
    share = 1.0 - wait / tall  # of the Axes' height, for the rows
    row = max(3 * st.pt(st.TICK) * PROMPT_SPACING * 1.2 / 72, 0.28)
    rows = min(top, 8, int(tall * share / row))
    if rows < 2:  # no room for the questions that can wait: the advice alone
        ax.set_axis_off()
        _notes(ax, headline, text, tall, head_size, text_size)
        return ax
    table = rows_at_most.head(rows)  # rows is at most min(top, 8)
    n = len(table)
    ys = np.arange(n, dtype=float)[::-1]
    ax.set_ylim(-0.6, -0.6 + max(n, 1) / share)
    ax.spines[["top", "right", "left"]].set_visible(False)
    prompts = whole_or_named(
        table, wrap_all(words.question_prompts(table), widths, lines=3), network, widths[-1]
    )
    values = wait_rows(ax, table, ys, prompts)
    largest = float(table["expected_information_gain"].max()) if n else 1.0
    plot = plot_inches(ax, prompts)
    ax.set_xlim(0, round(room_right(values, max(largest, 1e-3), plot), 6))
    ax.set_xlabel(
        wrap("expected information gain about the causes (bits)", chars_in(plot, st.TICK)),
        fontsize=st.pt(st.TICK),
        color=_WAIT_INK,
    )
    ax.spines["bottom"].set_color(_WAIT_INK)

    def at(inches: float) -> float:
        return 1.0 - inches / tall

    _notes(ax, headline, text, tall, head_size, text_size)
    line = figure_note(ax, at(rule), "", fontsize=text_size)  # where the rule starts
    ax.plot(
        [line, 1.0],
        [at(rule)] * 2,
        transform=_across(ax),
        color="#B0B0B0",
        lw=0.9,
        clip_on=False,
    )
    figure_note(
        ax,
        at(rule + 0.06),
        heading if n else "Can wait: every question is answered.",
        fontsize=text_size,
        color=_WAIT_INK,
        fontweight="bold",
        gid="can-wait",
    )
    return ax


def _notes(ax: Axes, headline: str, text: str, tall: float, head: float, size: float) -> None:
    """Write the advice and its reasons from the top of an Axes ``tall`` inches tall."""
    figure_note(
        ax,
        1.0,
        headline,
        fontsize=head,
        color=st.triage_ink("emergency"),
        fontweight="bold",
        gid="no-questions",
    )
    below = ((headline.count("\n") + 1) * head * _LINE / 72 + 0.06) / tall
    figure_note(ax, 1.0 - below, text, fontsize=size, color=st.TEXT, linespacing=1.2)


def _lines(text: str, width: float, size: float) -> str:
    """Wrap ``text`` between words to lines of ``width`` inches at ``size`` points."""
    return "\n".join(words.unit_lines([word + " " for word in text.split()], width, size))


def _across(ax: Axes) -> Any:
    """Return the transform of a line from the figure's left edge (x) at an Axes' height."""
    from matplotlib.transforms import blended_transform_factory

    fig = st.figure_of(ax)
    if len(fig.axes) == 1:
        return blended_transform_factory(fig.transFigure, ax.transAxes)
    return ax.transAxes
