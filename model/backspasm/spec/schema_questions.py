"""How the knowledge-base format declares a question: its vocabulary and dataclasses.

A node's ``question`` table names the case-file column that informs it. Here are
the sections a question may belong to, the fields its table may have, the words
that mean "not answered", and the frozen :class:`QuestionSpec` it parses into,
with the :class:`AnswerRules` it shares with the run-time
:class:`backspasm.questionnaire.Question`. :mod:`backspasm.spec.schema` builds on
this (a :class:`~backspasm.spec.schema.NodeSpec` holds its question) and gives
every name here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BLANK_WORDS",
    "NUMBER_FIELDS",
    "QUESTION_FIELDS",
    "QUESTION_SECTIONS",
    "AnswerRules",
    "QuestionKind",
    "QuestionSpec",
]

QuestionKind = Literal["yes_no", "choice", "number"]
#: The sections a declared question may belong to, in the order an interview asks them.
QUESTION_SECTIONS: tuple[str, ...] = (
    "context",
    "symptom",
    "examination",
    "exposure",
    "known_cause",
    "presentation",
)
#: The fields a node's ``question`` table may have.
QUESTION_FIELDS: tuple[str, ...] = (
    "column",
    "prompt",
    "section",
    "red_flag",
    "unit",
    "integer",
    "min",
    "max",
    "bins",
    "default",
)
#: Fields only a number question (one with ``bins``) may have.
NUMBER_FIELDS: tuple[str, ...] = ("bins", "unit", "min", "max", "integer")

#: Cell values that mean "not answered" (besides an empty cell); the questionnaire
#: reads answers trimmed and lower-case.
BLANK_WORDS: tuple[str, ...] = ("", "unknown", "na", "n/a", "nan")


@dataclass(frozen=True, kw_only=True)
class AnswerRules:
    """How a question's answers are read (keyword-only fields).

    What :class:`QuestionSpec` and the run-time
    :class:`backspasm.questionnaire.Question` share.

    Attributes
    ----------
    choices : tuple of str
        Allowed values of a ``yes_no`` or ``choice`` question (the node's states);
        empty for ``number``.
    red_flag : bool
        A screening question about a warning sign of serious disease: an interview
        asks every red-flag question before it may conclude.
    unit : str or None
        Unit of a number, e.g. ``"years"``.
    integer : bool
        Whether a number must be whole.
    minimum, maximum : float or None
        The range a number must lie in.
    bins : tuple of (str, str, float)
        ``(state, operator, bound)`` in the node's state order: a number goes to
        the first state whose ``number <operator> bound`` holds; operators are
        ``<``, ``<=``, ``>`` and ``>=``.
    default : str or None
        The state applied when the column is not answered (``back_spasm``: yes).
    """

    choices: tuple[str, ...] = ()
    red_flag: bool = False
    unit: str | None = None
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    bins: tuple[tuple[str, str, float], ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class QuestionSpec(AnswerRules):
    """The case-file column that informs a node, as its ``question`` table declares it.

    How its answers are read (choices, unit, range, bins, default, red flag) is in
    the fields it has from :class:`AnswerRules`.

    Attributes
    ----------
    column : str
        The column name (lower-case letters, digits and ``_``; unique).
    node : str
        The node it informs.
    prompt : str
        The question as a clinician would ask it.
    section : str
        One of :data:`QUESTION_SECTIONS`.
    kind : {"yes_no", "choice", "number"}
        ``yes_no`` for a node with states ``("no", "yes")``, ``number`` when ``bins``
        cut a number into the node's states, otherwise ``choice``.
    """

    column: str
    node: str
    prompt: str
    section: str
    kind: QuestionKind
