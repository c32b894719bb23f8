"""Small wordings of one diagnosis, and what its views read of it.

Answers as JSON holds them, unsure answers in words, the screen, the likeliest
combination; :class:`Shown` and :class:`Reported` say what the HTML page and the text
report read of a :class:`~backspasm.diagnosis.result.Diagnosis`.
"""

from __future__ import annotations

import decimal
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from backspasm._text import lean_words, percent
from backspasm.explain.odds import (
    FACTOR_SIGN,
    POINTING_FACTOR,
    WHY_SHOWN,
    factor_words,
    pointed_causes,
)
from backspasm.explain.text import REASONS_MIN_FACTOR, REASONS_TOP
from backspasm.network import Network
from backspasm.questionnaire import EvidenceValue, questions_for
from backspasm.sampling import PRESENTATION

__all__ = [
    "COEXIST_NOTE",
    "NO_QUESTION_BEFORE_GOING",
    "SCREEN_MEANING",
    "Explained",
    "Reported",
    "Screened",
    "Shown",
    "effects_words",
    "group_shares",
    "json_answer",
    "mpe_sentence",
    "not_presenting_note",
    "not_presenting_rows",
    "question_marks",
    "screen_answered",
    "screen_open",
    "screen_progress",
    "unscreened_self_care_rows",
    "unsure_lines",
]

#: Under a list of causes' posteriors, in ``diagnose`` and ``ask``: a person may have
#: several causes at once, so the percentages are not shares of one whole.
COEXIST_NOTE = "(causes can coexist: the posteriors need not add up to 100%)"

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


def group_shares(d: Shown) -> list[tuple[str, float]]:
    """Name each group's share with its causes, beside its value, as every view shows them.

    ``P(at least one serious cause: ...)`` always, then ``P(at least one structural
    spinal disorder: ...)`` when computed. Named, a fracture at 80% beside a serious
    share of 2% reads right: the seed article's serious causes are six, and neither a
    fracture nor a disc's cauda equina compression is among them; the structural
    share says what the serious one leaves out (a cauda equina from a disc is an
    emergency with a small serious share).
    """
    net = d.network
    shares = [("serious cause", net.serious_causes, d.p_serious)]
    if not math.isnan(d.p_pathologic):
        shares.append(
            ("structural spinal disorder", net.nodes_in("cause_pathologic"), d.p_pathologic)
        )
    return [
        (f"P(at least one {what}: {', '.join(net.label(c).lower() for c in causes)})", p)
        for what, causes, p in shares
    ]


def screen_answered(d: Screened) -> tuple[int, int]:
    """Return how many of a diagnosis's screening questions are answered, and their number."""
    return len(d.screen) - len(d.unscreened), len(d.screen)


def screen_progress(d: Screened) -> str:
    """Say how far the screen is: ``"3 of 29 screening questions answered"``."""
    done, total = screen_answered(d)
    return f"{done} of {total} screening questions answered"


def screen_open(d: Screened, also: str = "") -> str:
    """Say, under the advice, that the screen is open: the text report's line and the page's.

    ``also`` ends the parenthesis on the next questions (the report adds that ``ask``
    asks them).
    """
    return (
        f"screen: {screen_progress(d)} (the warning signs and the questions that can set "
        "the triage level): the advice is incomplete until the others are (the next "
        f"questions below{also})"
    )


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


def unscreened_self_care_rows(count: int) -> str:
    """Return the summary line for ``count`` self_care rows whose screen is open."""
    rows = (
        "1 row triaged self_care leaves"
        if count == 1
        else f"{count:,} rows triaged self_care leave"
    )
    return (
        f"{rows} screening questions unanswered (screen_unanswered above 0): for them "
        "self_care means only that no warning sign was found yet, as diagnose and ask say"
    )


def json_answer(value: Any) -> Any:
    """Return an answer as JSON holds it: numbers (numpy's too) and bools kept, else text.

    A :class:`~decimal.Decimal` is a number, as a :class:`~fractions.Fraction` is (it was
    written as text, ``"0.7"``, where ``Fraction(7, 10)`` gave 0.7).
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return float(value)
    return str(value)


def json_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table's rows as strict JSON holds them: an infinite or NaN number as null."""
    return [
        {str(k): None if isinstance(v, float) and not np.isfinite(v) else v for k, v in r.items()}
        for r in table.to_dict(orient="records")
    ]


def unsure_lines(network: Network, evidence: Mapping[str, EvidenceValue]) -> list[str]:
    """One line naming the unsure answers and how far each moved the odds, or none."""
    leans = {
        q.column: value[1]
        for q in questions_for(network)
        if q.node and isinstance(value := evidence.get(q.node), tuple)
    }
    unsure = [
        f"{k}: unsure, {lean_words(p)} (odds of yes x{p / (1 - p):.3g})" for k, p in leans.items()
    ]
    return ["unsure answers (soft evidence): " + "; ".join(unsure)] if unsure else []


class Screened(Protocol):
    """What the screen's words read of a diagnosis."""

    @property
    def screen(self) -> Sequence[Any]:
        """The screening questions."""
        ...

    @property
    def unscreened(self) -> Sequence[Any]:
        """The screening questions not answered."""
        ...


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

    @property
    def network(self) -> Network:
        """The network that produced it (whose labels name the causes)."""
        ...


class Shown(Explained, Screened, Protocol):
    """What the views of a diagnosis read of it: the HTML page and the text report.

    A :class:`~backspasm.diagnosis.result.Diagnosis` (a protocol, so that the views
    need not import the class that calls them).
    """

    @property
    def evidence(self) -> Mapping[str, EvidenceValue]:
        """The evidence the answers became."""
        ...

    @property
    def triage(self) -> str:
        """The triage level."""
        ...

    @property
    def p_serious(self) -> float:
        """P(at least one serious cause)."""
        ...

    @property
    def p_pathologic(self) -> float:
        """P(at least one structural spinal disorder)."""
        ...

    @property
    def safety_net(self) -> tuple[str, ...]:
        """The safety-net sentences."""
        ...

    @property
    def notes(self) -> tuple[str, ...]:
        """What the numbers mean for an unusual case."""
        ...

    @property
    def complications(self) -> pd.DataFrame:
        """Risk of each complication if left untreated."""
        ...

    @property
    def conflict(self) -> float:
        """The conflict measure of the answers."""
        ...

    @property
    def conflicted(self) -> bool:
        """Whether it exceeds the flag level."""
        ...

    @property
    def causes(self) -> pd.DataFrame:
        """One row per cause, highest posterior first."""
        ...

    @property
    def answers(self) -> Mapping[str, Any]:
        """The answers as given."""
        ...

    @property
    def triage_reasons(self) -> tuple[str, ...]:
        """What set the level, in words."""
        ...

    @property
    def advice(self) -> str:
        """What the level asks the person to do."""
        ...

    def explanation(self, cause: str | None = None) -> str:
        """One sentence on why a cause stands where it does."""
        ...

    def next_questions(self, order: str = "information") -> pd.DataFrame:
        """Rank the unanswered questions."""
        ...


class Reported(Shown, Protocol):
    """What the text report reads of a diagnosis, beyond what the page reads."""

    @property
    def triage_words(self) -> tuple[str, ...]:
        """What set the level, in words."""
        ...

    def counterfactual_ranking(self) -> pd.DataFrame:
        """Rank every cause by expected disablement."""
        ...


def mpe_sentence(d: Explained) -> str:
    """Return the most probable explanation in one sentence, as every view says it.

    The causes present are named by their labels, as the group shares beside them
    name theirs (``pyelonephritis``, ``spinal tumour``); the ``mpe`` column of a scored
    file keeps the node names.
    """
    label = d.network.label
    mpe = [label(c).lower() for c, s in d.most_probable_explanation.items() if s == "yes"]
    return (
        "most probable explanation (the likeliest combination of causes): "
        + (", ".join(mpe) + " and no other" if mpe else "none of the modelled causes")
        + f" (P of the whole combination = {percent(d.mpe_probability)}"
        + ("" if d.mpe_exact else ", approximate search")
        + ")"
    )


#: The line before the causes the answers point to, in every view of a diagnosis.
POINTED_HEADING = (
    f"lower down, the answers point to ({FACTOR_SIGN}: how many times they raised the cause's "
    "odds over a person of the same age, sex and setting; shown from "
    f"{FACTOR_SIGN}{POINTING_FACTOR:g}):"
)


#: What the odds factor of a pointed cause means, where a view shows it by itself.
POINTED_TIP = (
    "how many times the answers raised the cause's odds over a person of the same age, "
    f"sex and setting; shown from {FACTOR_SIGN}{POINTING_FACTOR:g}, below the first few causes"
)


def why_sentences(d: Shown, shown: int = WHY_SHOWN) -> tuple[list[str], list[str]]:
    """Return the sentences under "why": the first ``shown`` causes, then the pointed ones.

    The second list explains the causes lower down whose odds the answers raised
    most (:func:`~backspasm.explain.odds.pointed_causes`), each after its odds
    factor, so that a rare cause the answers point to is not hidden by a common one.
    """
    causes = d.causes
    first = [d.explanation(c) for c in causes["cause"].head(shown)]
    factor = causes.set_index("cause")["odds_factor"]
    pointed = [
        f"{factor_words(factor[c])} {d.explanation(c)}" for c in pointed_causes(causes, shown)
    ]
    return first, pointed


def effects_words(effects: pd.DataFrame) -> str:
    """Say the answers that moved a cause most: ``"; raised most by a and b; held down by c"``.

    The answers are those the scored file's ``reasons`` column names
    (:func:`backspasm.explain.text.reasons_text`): up to :data:`REASONS_TOP`, the
    strongest first, each moving the odds at least :data:`REASONS_MIN_FACTOR`-fold.
    ``effects`` is one cause's :meth:`Diagnosis.reasons` (largest effect first).
    """
    change = effects["log_odds_change"]
    strong = effects[change.abs() >= np.log(REASONS_MIN_FACTOR)].head(REASONS_TOP)
    text = ""
    for said, rows in (
        ("raised most by", strong[strong["log_odds_change"] > 0]),
        ("held down by", strong[strong["log_odds_change"] < 0]),
    ):
        parts = [
            f"{r.question}={r.answer} (without it {percent(r.posterior_without)})"
            for r in rows.itertuples(index=False)
        ]
        if parts:
            text += f"; {said} " + (", ".join(parts[:-1]) + " and " if parts[1:] else "")
            text += parts[-1]
    return text
