"""The title of figure 04 (evidence impact), and the shorter ones a small panel falls back to.

:func:`impact_titles` gives :func:`~backspasm.figures.plot_evidence_impact` its title
and two shorter ones, for a panel of the user's grid whose title, even in the least
type, runs past the top of its cell as the figure is drawn
(:func:`~backspasm.figures._grid_title.regrid_if_title_past`): the answers named on
one line only, the cause's before and after, and how many answers are shown; then no
answers named at all. In the right half of a 4 x 3 in figure drawn with a plain
``fig.savefig`` the full title took eight lines and ran 0.37 in past the top of the
file: a slide's reader needs the cause, its change and what the bars leave out more
than the case's answers, which its rows (and a causes panel beside it) name.
:func:`how_words` says the full title's line under the answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backspasm._text import percent
from backspasm.figures._case_answers import case_answers, case_title
from backspasm.figures._impact import VALUES_LEFT_OUT
from backspasm.figures._words import (
    answers_heading,
    wrap,
    wrap_phrases,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from matplotlib.axes import Axes

__all__ = ["how_words", "impact_titles"]


def how_words(label: str, row: Any, shown: int, every: int) -> list[str]:
    """Say the line under an evidence-impact title: the cause before and after, and how."""
    words = [
        f"{label}: {percent(float(row.prior))} before any answer, ",
        f"{percent(float(row.posterior))} after them; ",
        "each answer judged by leaving it out",
    ]
    if shown < every:
        words[-1] += "; "
        # bound by no-break spaces: never a last line of "12" or "of 12" alone
        words.append(f"the {shown} that moved\u00a0it\u00a0most\u00a0of\u00a0{every}")
    return words


def impact_titles(
    diagnosis: Any,
    cause: str,
    how: list[str],
    counts: tuple[int, int],
    *,
    ax: Axes,
    shown: bool,
) -> tuple[Callable[[int], str], tuple[Callable[[int], str], ...]]:
    """Return figure 04's title (a function of its width) and its shorter forms, shortest last.

    ``how``: the line under the answers (:func:`how_words`); ``counts``: the answers drawn and
    all those weighed; ``shown``: whether the bars' values are written (else the
    title says that they are not, :data:`~backspasm.figures._impact.VALUES_LEFT_OUT`,
    in every form).
    """
    row = diagnosis.causes[diagnosis.causes["cause"] == cause].iloc[0]
    label = str(row["label"])
    what = f"How each answer moved {label}"
    drawn, every = counts
    # the cause before and after, and how many answers are drawn, without its name
    brief = [f"{percent(float(row['prior']))} before any answer, "]
    brief.append(f"{percent(float(row['posterior']))} after them")
    if drawn < every:  # bound by no-break spaces, as the full title's
        brief[-1] += "; "
        brief.append(f"the {drawn} that moved\u00a0it\u00a0most\u00a0of\u00a0{every}")

    def left_out(width: int) -> str:
        return "" if shown else "\n" + wrap(VALUES_LEFT_OUT, width)

    def full(width: int) -> str:
        title = case_title(what, diagnosis, width, ax=ax, cause=cause, it=True)
        return title + "\n" + wrap_phrases(how, width) + left_out(width)

    def one_line_of_answers(width: int) -> str:
        # the first of the same answers as the full title's, the rest counted
        named = answers_heading(f"{what} for: ", case_answers(diagnosis), width, lines=1)
        return named + "\n" + wrap_phrases(brief, width) + left_out(width)

    def no_answers(width: int) -> str:
        return wrap_phrases([f"{what}: ", *brief], width) + left_out(width)

    return full, (one_line_of_answers, no_answers)
