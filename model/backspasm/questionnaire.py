"""The doctor's questions: the case-file contract, answer vocabularies, evidence.

This module is the single source of truth for question (column) names, what each
accepts and which network node it informs. Two layers:

* a friendly layer (:func:`answers_to_evidence`) that accepts ``" Y "``, ``1``,
  ``True``, an age in years or a duration in weeks, and, for yes/no questions, an
  unsure answer as a probability (``fever=0.7``: soft evidence);
* a strict, vectorised layer (:func:`encode_column`) that case-file scoring uses to
  turn a whole column into state codes at once.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from backspasm.exceptions import EvidenceError

__all__ = [
    "BLANK_WORDS",
    "FALSE_WORDS",
    "TRUE_WORDS",
    "Question",
    "answers_to_evidence",
    "data_dictionary",
    "default_questions",
    "encode_column",
    "get_question",
    "questions_for",
]

TRUE_WORDS: tuple[str, ...] = ("yes", "y", "true", "1")
FALSE_WORDS: tuple[str, ...] = ("no", "n", "false", "0")
#: Cell values that mean "not answered" (besides an empty cell).
BLANK_WORDS: tuple[str, ...] = ("", "unknown", "na", "n/a", "nan")
AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("18-39", 18, 39),
    ("40-64", 40, 64),
    ("65+", 65, 120),
)
DURATIONS: tuple[tuple[str, float], ...] = (
    ("acute", 6.0),
    ("subacute", 12.0),
    ("chronic", math.inf),
)

Kind = Literal["id", "age", "weeks", "choice", "yes_no"]


@dataclass(frozen=True)
class Question:
    """One column of a case file.

    Attributes
    ----------
    column : str
        The exact column name.
    kind : {"id", "age", "weeks", "choice", "yes_no"}
        How its cells are read.
    node : str or None
        The network node it informs (None for ``case_id``).
    prompt : str
        The question as a clinician would ask it.
    section : str
        ``identity``, ``context``, ``symptom``, ``exposure``, ``known_cause`` or
        ``presentation``.
    choices : tuple of str
        Allowed values of a ``choice`` question.
    """

    column: str
    kind: Kind
    node: str | None
    prompt: str
    section: str
    choices: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.kind == "yes_no":
            return "yes/no (also y/n, true/false, 1/0)"
        if self.kind == "age":
            return "whole years, 18 to 120"
        if self.kind == "weeks":
            return "a number of weeks >= 0"
        if self.kind == "choice":
            return ", ".join(self.choices)
        return "any text, unique"


def _yes_no(column: str, prompt: str, section: str = "symptom") -> Question:
    return Question(column, "yes_no", column, prompt, section)


_FIXED: tuple[Question, ...] = (
    Question(
        "case_id",
        "id",
        None,
        "Case identifier (optional; the row number when absent).",
        "identity",
    ),
    Question("age", "age", "age_group", "How old are you?", "context"),
    Question("sex", "choice", "sex", "What is your sex?", "context", ("female", "male")),
    Question(
        "spasm_duration_weeks",
        "weeks",
        "spasm_duration",
        "How long have you had these spasms (weeks)?",
        "symptom",
    ),
    Question(
        "spasm_location",
        "choice",
        "spasm_location",
        "Where exactly do you feel them?",
        "symptom",
        ("lower_back", "mid_back", "upper_back", "flank"),
    ),
    _yes_no(
        "tingling_or_numbness",
        "Do you have tingling, numbness or lost feeling anywhere in your body?",
    ),
    _yes_no(
        "saddle_numbness",
        "Are your inner thighs, buttocks or groin numb (the area a saddle touches)?",
    ),
    _yes_no("muscle_weakness", "Have any of your muscles had spells of weakness?"),
    _yes_no("balance_problems", "Do you have trouble keeping your balance or coordinating?"),
    _yes_no("bowel_or_bladder_loss", "Have you lost control of your bladder or bowels?"),
    _yes_no("spine_stiffness", "Has your neck or spine been stiff?"),
    _yes_no(
        "leg_or_buttock_pain",
        "Do you have hip or buttock pain, or pain shooting down the back of a leg?",
    ),
    _yes_no("fever", "Have you had a fever?"),
    _yes_no("unexplained_weight_loss", "Have you lost weight without trying?"),
    _yes_no("night_pain", "Does the pain come at night or when you are resting?"),
    _yes_no("painful_urination", "Does it hurt or burn when you pass urine?"),
    _yes_no("blood_in_urine", "Have you seen blood in your urine, or been told it has blood?"),
    _yes_no("nausea_or_vomiting", "Have you felt sick or vomited?"),
    _yes_no("pain_after_fatty_meals", "Does pain come on after fatty meals?"),
    _yes_no(
        "recent_exertion",
        "Did you lift something heavy, work out or play a hard sport just before?",
        "exposure",
    ),
    _yes_no("diuretic_use", "Do you take a diuretic (water tablet)?", "exposure"),
    _yes_no("statin_use", "Do you take a statin for cholesterol?", "exposure"),
    _yes_no("long_term_steroid_use", "Have you taken steroid tablets for months?", "exposure"),
    _yes_no("history_of_cancer", "Have you ever had cancer?", "exposure"),
    _yes_no(
        "iv_drug_use_or_immunosuppression",
        "Do you inject drugs, or does an illness or medicine weaken your immune system?",
        "exposure",
    ),
)
_BACK_SPASM = Question(
    "back_spasm",
    "yes_no",
    "back_spasm",
    "Do you have back spasms? (assumed yes when not given)",
    "presentation",
)


def questions_for(
    causes: Iterable[str], labels: Mapping[str, str] | None = None
) -> tuple[Question, ...]:
    """Return the full contract for a network with these cause nodes.

    Parameters
    ----------
    causes : iterable of str
        Cause node names; each becomes a yes/no column (a cause already known from a
        test or a scan).
    labels : mapping of str to str, optional
        Cause labels for the prompts.

    Returns
    -------
    tuple of Question
        The fixed questions, then one per cause, then ``back_spasm``.
    """
    labels = labels or {}
    known = tuple(
        Question(
            c,
            "yes_no",
            c,
            f"Is '{labels.get(c, c.replace('_', ' '))}' already known (test or scan)?",
            "known_cause",
        )
        for c in causes
    )
    return (*_FIXED, *known, _BACK_SPASM)


def _bundled_causes() -> tuple[str, ...]:
    from backspasm.spec import load_spec

    return load_spec().causes


_DEFAULT: tuple[Question, ...] | None = None


def default_questions() -> tuple[Question, ...]:
    """Return the case-file contract of the bundled network (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = questions_for(_bundled_causes())
    return _DEFAULT


def get_question(column: str, questions: Iterable[Question] | None = None) -> Question:
    """Return the question for a column name, or raise with a suggestion.

    Raises
    ------
    EvidenceError
        If no question has that name.
    """
    qs = tuple(questions) if questions is not None else default_questions()
    for q in qs:
        if q.column == column:
            return q
    names = [q.column for q in qs]
    close = difflib.get_close_matches(column, names, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise EvidenceError(
        f"Unknown question '{column}'.{hint} Run `backspasm schema` for the list of questions."
    )


# ---------------------------------------------------------------- one answer (friendly)


def _norm(value: Any) -> str:
    return str(value).strip().lower()


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return _norm(value) in BLANK_WORDS


def age_group(age: float) -> str:
    """Return the ``age_group`` state for an age in whole years (18 to 120)."""
    for state, low, high in AGE_GROUPS:
        if low <= age <= high:
            return state
    raise ValueError(age)


def duration_state(weeks: float) -> str:
    """Return the ``spasm_duration`` state: <6 weeks acute, 6-12 subacute, >12 chronic."""
    for state, upper in DURATIONS:
        if weeks < upper or (state == "subacute" and weeks <= upper):
            return state
    raise ValueError(weeks)


def _bad(q: Question, value: Any) -> EvidenceError:
    hint = ""
    if q.kind == "choice":
        close = difflib.get_close_matches(_norm(value), q.choices, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
    return EvidenceError(
        f"The answer to '{q.column}' must be {q.allowed}; got {value!r} instead.{hint}"
    )


def parse_answer(q: Question, value: Any) -> str | tuple[float, ...] | None:
    """Turn one friendly answer into a node state, a likelihood, or None (unanswered).

    Parameters
    ----------
    q : Question
    value : object
        Text, number or bool. For yes/no questions a float strictly between 0 and 1
        is an unsure answer: the probability the patient would say yes, used as soft
        evidence with likelihood ``(1 - value, value)``.

    Returns
    -------
    str, tuple of float, or None

    Raises
    ------
    EvidenceError
        Naming the question, the value and what is allowed.
    """
    if _is_blank(value):
        return None
    if q.kind == "yes_no":
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value in (0, 1):
                return "yes" if value == 1 else "no"
            if 0 < float(value) < 1:
                return (1.0 - float(value), float(value))
            raise _bad(q, value)
        word = _norm(value)
        if word in TRUE_WORDS:
            return "yes"
        if word in FALSE_WORDS:
            return "no"
        raise _bad(q, value)
    if q.kind == "choice":
        word = _norm(value)
        if word in q.choices:
            return word
        raise _bad(q, value)
    if q.kind in ("age", "weeks"):
        try:
            number = float(_norm(value)) if not isinstance(value, int | float) else float(value)
        except ValueError:
            raise _bad(q, value) from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise _bad(q, value)
        if q.kind == "age":
            if number != int(number) or not 18 <= number <= 120:
                raise _bad(q, value)
            return age_group(number)
        if number < 0:
            raise _bad(q, value)
        return duration_state(number)
    return None


def answers_to_evidence(
    answers: Mapping[str, Any],
    *,
    questions: Iterable[Question] | None = None,
    assume_back_spasm: bool = True,
) -> dict[str, str | tuple[float, ...]]:
    """Convert a patient's answers into network evidence.

    Parameters
    ----------
    answers : mapping of str to object
        Question (column) name to answer. Blank answers are dropped; ``case_id``
        and other identity fields are ignored.
    questions : iterable of Question, optional
        The contract (default: that of the bundled network).
    assume_back_spasm : bool, default True
        Observe ``back_spasm = yes`` unless the answers say otherwise.

    Returns
    -------
    dict
        Node name to state name, or to a likelihood tuple for an unsure answer.

    Raises
    ------
    EvidenceError
        For an unknown question (with the closest name) or a value that is not
        allowed (with what is allowed).

    Examples
    --------
    >>> answers_to_evidence({"age": 70, "fever": " Y "})["age_group"]
    '65+'
    """
    qs = tuple(questions) if questions is not None else default_questions()
    evidence: dict[str, str | tuple[float, ...]] = {}
    for column, value in answers.items():
        q = get_question(column, qs)
        if q.node is None:
            continue
        state = parse_answer(q, value)
        if state is not None:
            evidence[q.node] = state
    if assume_back_spasm:
        evidence.setdefault("back_spasm", "yes")
    return evidence


# ------------------------------------------------------------- a whole column (strict)


def _vocabulary(q: Question) -> dict[str, int]:
    if q.kind == "yes_no":
        return {
            **dict.fromkeys(FALSE_WORDS, 0),
            **dict.fromkeys(TRUE_WORDS, 1),
            "1.0": 1,
            "0.0": 0,
        }
    return {c: i for i, c in enumerate(q.choices)}


def encode_column(
    q: Question, values: pd.Series, states: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Encode a column of answers as state indices of ``q.node``.

    Parameters
    ----------
    q : Question
    values : pandas.Series
        Raw cells (strings, numbers or missing).
    states : tuple of str
        The node's states, in the network's order.

    Returns
    -------
    codes : numpy.ndarray of int
        State index per row, -1 where unanswered or invalid.
    invalid : numpy.ndarray of bool
        True where the cell holds a value that is not allowed.
    """
    text = values.astype("string").str.strip().str.lower()
    blank = text.isna().to_numpy() | text.isin(BLANK_WORDS).to_numpy()
    codes = np.full(len(values), -1, dtype=np.int64)
    if q.kind in ("yes_no", "choice"):
        vocab = _vocabulary(q)
        names = ("no", "yes") if q.kind == "yes_no" else q.choices
        index = {s: i for i, s in enumerate(states)}
        mapping = {word: index[names[v]] for word, v in vocab.items()}
        mapped = text.map(mapping).to_numpy(dtype="float64", na_value=np.nan)
        ok = ~np.isnan(mapped)
        codes[ok] = mapped[ok].astype(np.int64)
        return codes, ~ok & ~blank
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(numbers)
    if q.kind == "age":
        ok &= (numbers >= 18) & (numbers <= 120) & (numbers == np.floor(numbers))
        bins = [age_group(float(x)) for x in (18, 40, 65)]
        group = np.digitize(numbers, [40, 65])
    else:
        ok &= numbers >= 0
        bins = ["acute", "subacute", "chronic"]
        group = np.where(numbers < 6, 0, np.where(numbers <= 12, 1, 2))
    index = {s: i for i, s in enumerate(states)}
    lookup = np.array([index[b] for b in bins])
    codes[ok] = lookup[group[ok]]
    return codes, ~ok & ~blank


def data_dictionary(questions: Iterable[Question] | None = None) -> pd.DataFrame:
    """Return the case-file data dictionary as a DataFrame.

    Columns: ``column``, ``values``, ``node``, ``section``, ``question``.
    """
    qs = tuple(questions) if questions is not None else default_questions()
    return pd.DataFrame(
        {
            "column": [q.column for q in qs],
            "values": [q.allowed for q in qs],
            "node": [q.node or "" for q in qs],
            "section": [q.section for q in qs],
            "question": [q.prompt for q in qs],
        }
    )
