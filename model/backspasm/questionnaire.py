"""The doctor's questions: the case-file contract, answer vocabularies, evidence.

The knowledge base declares every question next to the node it informs (column,
prompt, section, red flag, and for numbers the bands that map onto the node's
states); this module turns those declarations into the contract, so a variant
knowledge base that adds a finding gets its column everywhere without code. Two
layers:

* a friendly layer (:func:`answers_to_evidence`) that accepts ``" Y "``, ``1``,
  ``True``, an age in years or a duration in weeks, and, for yes/no questions, an
  unsure answer as a probability (``fever=0.7``: soft evidence);
* a strict, vectorised layer (:func:`backspasm.columns.encode_column`, in its own
  module) that case-file scoring uses to turn a whole column into state codes at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np

from backspasm import spec as _spec
from backspasm._answers import answer_hint as answer_hint
from backspasm._answers import as_number as _as_number
from backspasm._answers import is_blank as _is_blank
from backspasm._answers import number_text as _num
from backspasm._text import column_key, did_you_mean, show_cell
from backspasm.exceptions import EvidenceError
from backspasm.spec.build import BIN_OPERATORS
from backspasm.spec.schema import BLANK_WORDS, QUESTION_SECTIONS, AnswerRules

if TYPE_CHECKING:
    import numpy.typing as npt

    from backspasm.network import Network
    from backspasm.spec import QuestionSpec, Spec

__all__ = [
    "BLANK_WORDS",
    "FALSE_WORDS",
    "TRUE_WORDS",
    "UNSURE_WORDS",
    "EvidenceValue",
    "Question",
    "answer_hint",
    "answers_to_evidence",
    "assume_presenting",
    "default_questions",
    "evidence_state",
    "get_question",
    "questions_for",
    "same_answer",
]

TRUE_WORDS: tuple[str, ...] = ("yes", "y", "true", "1")
FALSE_WORDS: tuple[str, ...] = ("no", "n", "false", "0")
#: Sections in the order the contract lists them: the case id, then the knowledge
#: base's question sections.
SECTIONS: tuple[str, ...] = ("identity", *QUESTION_SECTIONS)

Kind = Literal["id", "number", "choice", "yes_no"]
#: What an answer becomes as evidence: a state name, or a likelihood per state (an
#: unsure yes/no answer).
EvidenceValue: TypeAlias = str | tuple[float, ...]


@dataclass(frozen=True)
class Question(AnswerRules):
    """One column of a case file.

    The knowledge base declares each question next to the node it informs (a
    ``question`` table, see :class:`backspasm.spec.QuestionSpec`); this is its
    run-time form, plus the ``case_id`` column that informs no node. How its answers
    are read (``choices``, ``red_flag``, ``unit``, ``integer``, ``minimum``,
    ``maximum``, ``bins``, ``default``; keyword-only) is in the fields it has from
    :class:`backspasm.spec.schema.AnswerRules`.

    Attributes
    ----------
    column : str
        The exact column name.
    kind : {"id", "number", "choice", "yes_no"}
        How its cells are read.
    node : str or None
        The network node it informs (None for ``case_id``).
    prompt : str
        The question as a clinician would ask it.
    section : str
        One of :data:`SECTIONS`.
    """

    column: str
    kind: Kind
    node: str | None
    prompt: str
    section: str

    @classmethod
    def from_spec(cls, spec: QuestionSpec) -> Question:
        """Build the run-time question from its knowledge-base declaration."""
        # The declaration carries every field a question has (case_id aside).
        return cls(**{f.name: getattr(spec, f.name) for f in fields(spec)})

    @property
    def states(self) -> tuple[str, ...]:
        """The node states an answer can map to, in the node's order."""
        if self.kind == "number":
            return tuple(state for state, _, _ in self.bins)
        return self.choices

    @property
    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.kind == "yes_no":
            return "yes/no, y/n, true/false or 1/0"
        if self.kind == "number":
            if self.unit:
                what = f"whole {self.unit}" if self.integer else f"a number of {self.unit}"
            else:
                what = "a whole number" if self.integer else "a number"
            if self.minimum is not None and self.maximum is not None:
                what = f"{what}, {_num(self.minimum)} to {_num(self.maximum)}"
            elif self.minimum is not None:
                what = f"{what} >= {_num(self.minimum)}"
            elif self.maximum is not None:
                what = f"{what} <= {_num(self.maximum)}"
            return f"{what}, or a band: {', '.join(self.states)}"
        if self.kind == "choice":
            return ", ".join(self.choices)
        return "any text, unique"

    def number_ok(self, numbers: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Return where numbers are finite, in range and (if asked) whole."""
        ok = np.isfinite(numbers)
        if self.minimum is not None:
            ok &= numbers >= self.minimum
        if self.maximum is not None:
            ok &= numbers <= self.maximum
        if self.integer:
            ok &= numbers == np.floor(numbers)
        return ok

    def bin_index(self, numbers: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Return the index into :attr:`states` of each number (-1 where none fits)."""
        conditions = [BIN_OPERATORS[op](numbers, bound) for _, op, bound in self.bins]
        choices = list(range(len(self.bins)))
        return np.select(conditions, choices, default=-1).astype(np.int64)

    def number_range(self, state: str, *, open_span: float = 4.0) -> tuple[float, float]:
        """Return the smallest and largest number that falls in ``state``.

        Used to draw synthetic answers. An open band (``> 12``) ends at ``open_span``
        times its lower edge, or at :attr:`maximum` if that is lower: the maximum says
        what an answer may be (6262 weeks, a lifetime), not what is typical.
        """
        position = self.states.index(state)
        low = self.minimum if self.minimum is not None else 0.0
        if position > 0:
            low = self.bins[position - 1][2]
        _, op, bound = self.bins[position]
        step = 1.0 if self.integer else 1e-9
        if position > 0 and self.bins[position - 1][1] == "<=":
            low = low + step
        if op in (">", ">="):
            high = max(low * open_span, low + 1)
            if self.maximum is not None:
                high = min(high, self.maximum)
            low = bound + (step if op == ">" else 0.0)
        else:
            high = bound - (step if op == "<" else 0.0)
            if self.maximum is not None:
                high = min(high, self.maximum)
        return float(low), float(high)


CASE_ID = Question(
    "case_id", "id", None, "Case identifier (optional; the row number when absent).", "identity"
)


def questions_for(source: Network | Spec) -> tuple[Question, ...]:
    """Return the case-file contract of a network or knowledge base.

    Parameters
    ----------
    source : Network or Spec
        The questions are those its knowledge base declares (a ``question`` table
        next to each node), after ``case_id``, listed by section.

    Returns
    -------
    tuple of Question
    """
    spec = source if isinstance(source, _spec.Spec) else source.spec
    known = _BUILT.get(id(spec))
    if known is None or known[0] is not spec:
        if len(_BUILT) >= 8:
            del _BUILT[next(iter(_BUILT))]
        known = _BUILT[id(spec)] = (spec, _build_questions(spec))
    return known[1]


# The questions of the last few specs (a spec is read-only): id -> (spec, questions).
_BUILT: dict[int, tuple[_spec.Spec, tuple[Question, ...]]] = {}


def _build_questions(spec: _spec.Spec) -> tuple[Question, ...]:
    """Build the questions of :func:`questions_for` (uncached)."""
    declared = [Question.from_spec(q) for q in spec.questions]
    asked = {q.node for q in declared}
    # A cause can always be reported as already known, and the presentation is
    # assumed present: a knowledge base that declares no question for them still
    # gets these columns.
    for node in spec.nodes.values():
        if node.name in asked or node.states != _spec.BINARY_STATES:
            continue
        if node.group in _spec.CAUSE_GROUPS:
            prompt = (
                f"Has a doctor already found '{node.label}', "
                "from an examination, a test or a scan?"
            )
            declared.append(
                Question(
                    node.name, "yes_no", node.name, prompt, "known_cause", choices=node.states
                )
            )
        elif node.group == "presentation":
            prompt = f"{node.label}? (taken as yes when not given)"
            declared.append(
                Question(
                    node.name,
                    "yes_no",
                    node.name,
                    prompt,
                    "presentation",
                    choices=node.states,
                    default=_spec.PRESENTING,
                )
            )
    declared.sort(key=lambda q: SECTIONS.index(q.section))
    return (CASE_ID, *declared)


_DEFAULT: tuple[Question, ...] | None = None


def default_questions() -> tuple[Question, ...]:
    """Return the case-file contract of the bundled network (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = questions_for(_spec.load_spec())
    return _DEFAULT


def get_question(column: str, questions: Iterable[Question] | None = None) -> Question:
    """Return the question for a column name, or raise with a suggestion.

    Raises
    ------
    EvidenceError
        If no question has that name (or the name is not a string).
    """
    qs = tuple(questions) if questions is not None else default_questions()
    if not isinstance(column, str):
        raise EvidenceError(
            f"Question names are text (str), such as 'fever'; got {column!r} "
            f"({type(column).__name__}). Run `backspasm schema` for the list of questions."
        )
    if (found := next((q for q in qs if q.column == column), None)) is not None:
        return found
    key = column_key(column)  # 'Age group' names a node; 'Fever' is fever's own column
    asked = [q.column for q in qs if q.node == column or q.node == key != q.column]
    if asked:
        raise EvidenceError(
            f"'{column}' is a node of the network, not a question: answer its question "
            f"'{asked[0]}' instead (`backspasm schema` lists the answers it takes)."
        )
    hint = did_you_mean(key, [q.column for q in qs])
    raise EvidenceError(
        f"Unknown question {show_cell(column)}.{hint} `backspasm schema` lists the questions."
    )


# ---------------------------------------------------------------- one answer (friendly)


def _norm(value: Any) -> str:
    return str(value).strip().lower()


#: What a yes/no answer may also be, one case at a time (not in a case file): an
#: unsure answer, as :func:`parse_answer` reads it.
UNSURE_WORDS = (
    "or, when unsure, a number from 0 to 1 or a percentage from 0% to 100% "
    "(0.7 or 70%: leaning yes 70:30)"
)


def _bad(q: Question, value: Any) -> EvidenceError:
    allowed = f"{q.allowed} {UNSURE_WORDS}" if q.kind == "yes_no" else q.allowed
    return EvidenceError(
        f"The answer to '{q.column}' must be {allowed}; got {show_cell(value)} instead."
        + answer_hint(q, value)
    )


def same_answer(q: Question, first: Any, second: Any) -> bool:
    """Whether two answers to one question say the same thing.

    ``yes`` and ``Y`` do, and so do ``45`` and ``45.0``; two numbers that fall in one
    band (ages 66 and 80) do not: either may be what the person meant. An answer that
    cannot be read equals only the same text.
    """
    if q.kind == "number":
        a, b = _as_number(first), _as_number(second)
        if a is not None or b is not None:
            return a == b
    try:
        return parse_answer(q, first) == parse_answer(q, second)
    except EvidenceError:
        return _norm(first) == _norm(second)


def parse_answer(q: Question, value: Any) -> EvidenceValue | None:
    """Turn one friendly answer into a node state, a likelihood, or None (unanswered).

    Parameters
    ----------
    q : Question
    value : object
        Text, number or bool. For yes/no questions a number strictly between 0 and 1
        (or a percentage, ``"70%"``) is an unsure answer, how far the person leans to
        yes, used as soft (virtual) evidence with likelihood ``(1 - value, value)``:
        it multiplies the odds of yes by ``value / (1 - value)``; 0 and 1 (``0%``,
        ``100%``) are no and yes. An even lean, 0.5, is returned as ``(0.5, 0.5)``;
        :func:`evidence_state` (what :func:`backspasm.diagnose` enters) takes it as
        no answer.

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
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        word = _norm(value)
        number = None if word in TRUE_WORDS or word in FALSE_WORDS else _as_number(value)
        if number is None and word.endswith("%"):  # "70%": an unsure answer, 0.7
            share = _as_number(word.removesuffix("%"))
            number = None if share is None else share / 100.0
        if number is not None:
            if number in (0.0, 1.0):
                return "yes" if number == 1.0 else "no"
            if 0.0 < number < 1.0:
                return (1.0 - number, number)
            raise _bad(q, value)
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
    if q.kind == "number":
        if isinstance(value, str) and _norm(value) in q.states:
            # A band named outright ("chronic", "65+") when the number is not known.
            return _norm(value)
        number = _as_number(value)
        if number is None:
            raise _bad(q, value)
        numbers = np.array([number])
        index = int(q.bin_index(numbers)[0]) if q.number_ok(numbers)[0] else -1
        if index < 0:
            raise _bad(q, value)
        return q.states[index]
    return None


#: The likelihood of an unsure answer that leans neither way (0.5, ``50%``).
EVEN_LEAN: tuple[float, float] = (0.5, 0.5)


def evidence_state(q: Question, value: Any) -> EvidenceValue | None:
    """Return what one answer enters as evidence, or None when it counts as not answered.

    :func:`parse_answer`, except that an unsure answer leaning neither way (0.5 or
    ``50%``: "I don't know") is no answer, as a blank is: it would change no
    probability, so the question stays open (unscreened, offered next), as in
    ``backspasm ask`` and the widget. A question with a default (``back_spasm``,
    taken as yes when not given) keeps the even lean: there it says "not assumed".

    Raises
    ------
    EvidenceError
        As :func:`parse_answer`.
    """
    state = parse_answer(q, value)
    if state == EVEN_LEAN and q.default is None:
        return None
    return state


def answers_to_evidence(
    answers: Mapping[str, Any],
    *,
    questions: Iterable[Question] | None = None,
    assume_back_spasm: bool = True,
) -> dict[str, EvidenceValue]:
    """Convert a patient's answers into network evidence.

    Parameters
    ----------
    answers : mapping of str to object
        Question (column) name to answer. Blank answers, and unsure answers that
        lean neither way (0.5, see :func:`evidence_state`), are dropped; ``case_id``
        and other identity fields are ignored.
    questions : iterable of Question, optional
        The contract (default: that of the bundled network).
    assume_back_spasm : bool, default True
        Apply each question's declared default (``back_spasm = yes``) unless the
        answers say otherwise.

    Returns
    -------
    dict
        Node name to state name, or to a likelihood tuple for an unsure answer.

    Raises
    ------
    EvidenceError
        For unknown questions (with the closest names) and values that are not
        allowed (with what is allowed): all of them, one per line.

    Examples
    --------
    >>> answers_to_evidence({"age": 70, "fever": " Y "})["age_group"]
    '65+'
    """
    qs = tuple(questions) if questions is not None else default_questions()
    evidence: dict[str, str | tuple[float, ...]] = {}
    problems: list[str] = []  # every answer that cannot be used, not just the first
    for column, value in answers.items():
        try:
            q = get_question(column, qs)
            state = evidence_state(q, value) if q.node is not None else None
        except EvidenceError as exc:
            problems.append(str(exc))
            continue
        if q.node is not None and state is not None:
            evidence[q.node] = state
    if problems:
        many = f"{len(problems)} answers cannot be used:\n- " if len(problems) > 1 else ""
        raise EvidenceError(many + "\n- ".join(problems))
    if assume_back_spasm:
        for q in qs:
            if q.default is not None and q.node is not None:
                evidence.setdefault(q.node, q.default)
    return evidence


def assume_presenting(
    given: npt.NDArray[np.signedinteger[Any]] | None, states: tuple[str, ...], n: int
) -> npt.NDArray[np.signedinteger[Any]]:
    """Return the presentation's codes, each blank (-1) taken as presenting (``yes``).

    :data:`backspasm.spec.PRESENTING`, as :func:`answers_to_evidence` applies the
    question's default to one case: ``given`` holds the codes of ``back_spasm``'s
    answers into its ``states`` (None: no such column, so ``n`` blank rows). States
    without ``yes``, which validation refuses, take the second.
    """
    yes = states.index(_spec.PRESENTING) if _spec.PRESENTING in states else 1
    return np.full(n, yes, dtype=np.int64) if given is None else np.where(given < 0, yes, given)
