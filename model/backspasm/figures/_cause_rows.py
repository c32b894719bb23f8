"""The rows of figure 03 (the causes of a case) in a journal's narrow figure.

:func:`causes_that_fit` picks the causes a figure's height has rows for,
:func:`most_probable` says how many its title shows, :func:`block_heading` heads
each kind of cause, and :func:`room_to_say_coexist` says
whether the axis label has room to say that causes can coexist.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import backspasm.figures._style as st
from backspasm.figures._case_answers import case_title
from backspasm.figures._grid_title import fitted_title
from backspasm.figures._narrow import row_pitch, rows_room
from backspasm.figures._words import title_width, triage_lines, wrap

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis

__all__ = [
    "CRAMPED_FLOOR",
    "block_heading",
    "causes_that_fit",
    "most_probable",
    "room_to_say_coexist",
]


#: The type (points) of the smallest text of a cramped panel of the user's, and of its
#: title at least (:mod:`backspasm.figures._cramped`).
CRAMPED_FLOOR = 7.5
#: The largest type (points, scaled) of a cramped panel's title: its tick labels'. In
#: the title's type (14 pt, scaled) a see-a-doctor case's title took 7 lines, its
#: panel in half of an 8 x 6 in figure one cause.
CRAMPED_TITLE = 11.0


def room_to_say_coexist(ax: Axes) -> bool:
    """Whether a journal's causes figure says under its axis that causes can coexist.

    In a figure of its own at least 4.5 in tall (a journal's page or column); not in
    a small Axes of the user's, whose rows need the lines.
    """
    fig = st.figure_of(ax)
    return len(fig.axes) == 1 and float(fig.get_figheight()) >= 4.5


def causes_that_fit(
    ax: Axes, table: pd.DataFrame, diagnosis: Diagnosis, chars: int, key_lines: int = 0
) -> pd.DataFrame:
    """Return the most probable causes a journal figure's height has rows for (still grouped).

    Each row as tall as its label (wrapped to ``chars``), each block of a kind of
    cause a row more for its heading; at least one cause. ``key_lines``: the lines of
    a key of its own (:func:`~backspasm.figures._cramped.compact_key`), else the usual;
    a panel with one is measured without the titles beside it (a grid's cramped
    panels have theirs in one type: measured with the first drawn, the others of a
    1 x 3 grid of 10 x 4 in came out in smaller type than it).
    """
    # a panel's title beside the widest of the labels it may show (see title_width)
    said = {
        i: wrap(("⚠ " if g == "cause_serious" else "") + str(lb), chars)
        for i, lb, g in zip(table.index, table["label"], table["group"], strict=True)
    }
    width = title_width(ax, beside=list(said.values()))
    # the title's head as it will read (the count shown has as many digits, or fewer),
    # in a panel of the user's over the row labels, fitted to its cell as it will be
    # drawn (half of a 5 x 4 in figure counted 10 lines of 13 pt over the plot alone,
    # and showed one cause)
    head = most_probable(len(table), len(table))
    title, size = fitted_title(
        ax,
        lambda w: (
            case_title(head, diagnosis, w, ax=ax)
            + "\n"
            + triage_lines(diagnosis, w, short=key_lines > 0)
        ),
        width,
        st.pt(CRAMPED_TITLE if key_lines else st.TITLE - 1),
        least=CRAMPED_FLOOR if key_lines else 0.0,
    )
    # ticks, axis label (two lines more when it says the causes can coexist), legend,
    # and what P(a serious cause) is in the legend (a line in short, or two: its title)
    short = st.inches(ax)[0] < 4.0 or not st.own()
    below = (3 if room_to_say_coexist(ax) else 2) + (4 if st.inches(ax)[0] < 4.0 else 2)
    below += 1 if short else 2
    if key_lines:  # the tick labels and the axis label, and the key
        below = 2 + key_lines
    lines = title.count("\n") + 1
    # (a cramped panel measured alone: the panels beside it have titles of its type)
    room = rows_room(
        ax, title_lines=lines, below_lines=below, title_size=size, alone=key_lines > 0
    )
    ranked = table  # Diagnosis.causes is ranked (ties in the network's order): keep it
    for keep in range(len(ranked), 0, -1):
        shown = ranked.head(keep)
        pitch = row_pitch(_pitch_lines(shown, said, exact=not st.own()))
        margins = 0.5 if st.own() else _MARGINS  # (see _pitch_lines)
        if (keep + shown["group"].nunique() + margins) * pitch <= room:
            return shown
    return ranked.head(1)


#: The rows' worth of room a journal's causes plot keeps over its first heading and
#: under its last row (its y limits: 0.6 over the heading's row, 0.5 under the last).
_MARGINS = 1.1


def _pitch_lines(shown: pd.DataFrame, said: dict[object, str], *, exact: bool) -> float:
    """Return the lines of type a row of ``shown`` takes, the rows being evenly spaced.

    Half the lines of the two labels next to each other that have the most (a block's
    heading is of one line): one where every label is of one line, 1.5 where a label
    of two lines has one of one beside it, two where two labels of two lines are next
    to each other in a block (four causes on a 7 x 9 in constrained grid: "Weak
    abdominal muscles" over "Weak or tight back muscles", each wrapped, ran into each
    other at 1.6). With ``exact`` (a panel of the user's, its room measured with the
    title it will have and the plot's margins as its limits keep them, _MARGINS) 1.5
    (half of a 5 x 4 in figure showed two causes where three fit); else at least 1.6,
    as before: the figures' own rows_room runs optimistic (a column's figure 03 of
    an emergency at 1.5 and _MARGINS: "Vertebral compression fracture", on two
    lines, into "Spondylolysis/-listhesis").
    """
    lines = {i: said[i].count("\n") + 1 for i in shown.index}
    most = 1.0
    for group in st.CAUSE_GROUPS:  # the blocks, each in its rows' order, as drawn
        block = [1] + [lines[i] for i in shown.index[shown["group"] == group]]  # heading
        most = max([most] + [(a + b) / 2 for a, b in itertools.pairwise(block)])
    return most if exact or most == 1.0 else max(most, 1.6)


def most_probable(shown: int, every: int) -> str:
    """Return the head of the title of a causes figure that shows ``shown`` of them."""
    return f"The {shown} most probable of {every} causes of back spasm"


def block_heading(ax: Axes, group: str, start: float) -> None:
    """Head a block of causes with its kind, in its colour, in the room left above it."""
    ax.text(
        0.0,
        start + 1.0,
        st.cause_words(group),
        transform=ax.get_yaxis_transform(),
        ha="left",
        va="center",
        fontsize=st.pt(st.NOTE + 0.5),
        color=st.colour(group),
        fontweight="bold",
        gid=f"block:{group}",
    )
