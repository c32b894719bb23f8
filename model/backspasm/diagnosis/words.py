"""Small wordings of one diagnosis: answers as JSON holds them, unsure answers in words."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from backspasm._text import percent, percent_to
from backspasm.network import Network
from backspasm.questionnaire import EvidenceValue, questions_for
from backspasm.sampling import PRESENTATION

__all__ = [
    "NO_QUESTION_BEFORE_GOING",
    "SCREEN_MEANING",
    "Explained",
    "json_answer",
    "mpe_sentence",
    "not_presenting_note",
    "not_presenting_rows",
    "question_marks",
    "screen_progress",
    "unsure_lines",
]

#: What the screen is, in the words of every view. "Warning sign" is kept for a
#: red-flag question (``red_flag = yes`` in the schema); the screen is larger: it
#: also holds the questions a triage flag names (a cancer history, pain below the
#: knee, age...), whose answer can set the level alone or with another answer.
SCREEN_MEANING = (
    "the screening questions: every warning sign (a red-flag question) and every "
    "question whose answer can set the triage level"
)

#: What an emergency's next questions are, in the printed report, the notebook's table
#: and the widget (``next_questions(order="interview")`` is empty). The default
#: ``next_questions()`` still ranks them all by information gain, for research.
NO_QUESTION_BEFORE_GOING = "none before going (the other questions can wait)"


def screen_progress(done: int, total: int) -> str:
    """Say how far the screen is: ``"3 of 23 screening questions answered"``."""
    return f"{done} of {total} screening questions answered"


def question_marks(*, red_flag: bool, screen: bool, examination: bool) -> list[str]:
    """Return a next question's marks, as the report, the notebook's table and the widget say them.

    ``warning sign`` for a red-flag question, ``screening question`` for another
    question of the screen (pain below the knee: it can set the triage level with a
    cancer history, yet is no warning sign on its own), and ``a clinician's
    examination`` for a sign a clinician checks.
    """
    marks = ["warning sign"] if red_flag else ["screening question"] if screen else []
    return [*marks, "a clinician's examination"] if examination else marks


#: Said when a case answers ``back_spasm = no``: the network conditions on it, but the
#: triage and the advice are written for people who present with back spasm.
NOT_PRESENTING = (
    "note: back_spasm = no, so these are the chances for someone without back spasm; "
    "the triage and the advice are written for people who have it"
)


def not_presenting_note(evidence: Mapping[str, EvidenceValue]) -> list[str]:
    """Return the :data:`NOT_PRESENTING` line for a ``back_spasm = no`` case, or nothing."""
    return [NOT_PRESENTING] if evidence.get(PRESENTATION) == "no" else []


def not_presenting_rows(count: int) -> str:
    """Return the warning of a case file with ``count`` rows answering ``back_spasm = no``."""
    rows = "1 row answers" if count == 1 else f"{count:,} rows answer"
    return (
        f"{rows} back_spasm = no: their chances are for someone without back spasm, and "
        "their triage and advice are written for people who have it"
    )


def json_answer(value: Any) -> Any:
    """Return an answer as JSON holds it: numbers (numpy's too) and bools kept, else text."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def unsure_lines(network: Network, evidence: Mapping[str, EvidenceValue]) -> list[str]:
    """One line naming the unsure answers and how far each moved the odds, or none."""
    leans = {
        q.column: value[1]
        for q in questions_for(network)
        if q.node and isinstance(value := evidence.get(q.node), tuple)
    }
    unsure = [
        f"{k}: unsure, leaning {'yes' if p >= 0.5 else 'no'} "
        f"{percent_to(max(p, 1 - p), 0)}:{percent_to(min(p, 1 - p), 0)} "
        f"(odds of yes x{p / (1 - p):.3g})"
        for k, p in leans.items()
    ]
    return ["unsure answers (soft evidence): " + "; ".join(unsure)] if unsure else []


class Explained(Protocol):
    """What :func:`mpe_sentence` reads of a diagnosis."""

    @property
    def most_probable_explanation(self) -> Mapping[str, str]:
        """Cause to state in the likeliest combination."""
        ...

    @property
    def mpe_probability(self) -> float:
        """Its probability given the answers."""
        ...

    @property
    def mpe_exact(self) -> bool:
        """Whether the search was exact."""
        ...


def mpe_sentence(d: Explained) -> str:
    """Return the most probable explanation in one sentence, as every view says it."""
    mpe = [c for c, s in d.most_probable_explanation.items() if s == "yes"]
    return (
        "most probable explanation (the likeliest combination of causes): "
        + (", ".join(mpe) + " and no other" if mpe else "none of the modelled causes")
        + f" (P of the whole combination = {percent(d.mpe_probability)}"
        + ("" if d.mpe_exact else ", approximate search")
        + ")"
    )
