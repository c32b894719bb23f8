"""The answers of the questionnaire widget, as its controls hold them.

A friendly value (``" Y "``, ``1``, ``0.7`` for an unsure yes/no, ``45`` for an
age) is read as :func:`backspasm.diagnose` reads it and kept in the form its control
shows: a state name, a number, or an unsure answer's lean to yes. Nothing here
diagnoses: the :class:`~backspasm.widgets.explorer.Explorer` does, with the answers
these functions give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from backspasm.exceptions import EvidenceError
from backspasm.questionnaire import Question, evidence_state, get_question
from backspasm.widgets.form import UNSURE_MAX, UNSURE_MIN

if TYPE_CHECKING:
    from backspasm.network import Network

__all__ = ["initial_answers", "normalise", "parse_answers", "with_answer"]


def initial_answers(
    answers: object, contract: Sequence[Question], net: Network
) -> Mapping[str, Any]:
    """Return the answers :func:`~backspasm.widgets.explore` opens on, as ``diagnose`` reads them.

    A mapping is kept as it is; a case-file row (``df.iloc[0]``) keeps its question
    columns (``note``, ``expected_cause`` and the like left out, as ``diagnose(row)``
    leaves them out). A DataFrame or anything else is refused with what to pass.

    Raises
    ------
    TypeError
        For a DataFrame (one row of it is :meth:`Explorer.load_row`'s job), a string, a list.
    EvidenceError
        For a row column that differs from a question only in case or spacing.
    """
    if answers is None:
        return {}
    if isinstance(answers, pd.DataFrame):
        # a table has .items() too: read as a mapping, it failed on "ambiguous truth value"
        raise TypeError(
            f"explore opens one case: pass a row (df.iloc[0]) or a mapping of question to "
            f"answer, not a DataFrame (got {len(answers)} row(s)); or load a row of it with "
            "explorer.load_row(df, case_id)."
        )
    if isinstance(answers, pd.Series):
        from backspasm.diagnosis.build import _row_answers

        return _row_answers(answers, contract, net)
    if not isinstance(answers, Mapping):
        raise TypeError(
            "answers must be a mapping of question to answer, such as "
            f"{{'fever': 'yes', 'age': 70}}; got {type(answers).__name__} {answers!r:.60}"
        )
    return answers


def normalise(q: Question, value: Any) -> Any:
    """Return the answer as its control holds it, or None when it is blank.

    Raises :class:`~backspasm.exceptions.EvidenceError` exactly as
    :func:`backspasm.diagnose` would for the same value.
    """
    # An even lean (0.5) says nothing: no answer, the one rule of diagnose and ask.
    state = evidence_state(q, value)
    if state is None:
        return None
    if isinstance(state, tuple):  # an unsure yes/no answer: keep its lean to yes
        lean = float(state[1])
        if not UNSURE_MIN <= lean <= UNSURE_MAX:
            raise EvidenceError(
                f"an unsure answer must lean between {UNSURE_MIN:g} and {UNSURE_MAX:g} "
                f"(the slider's range); got {lean:g}: answer yes or no instead."
            )
        return lean
    if q.kind == "number":
        if isinstance(value, str) and state == value.strip().lower() and state in q.states:
            return state  # a band named outright ("65+", "chronic")
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
        return int(number) if q.integer or number.is_integer() else number
    return state


def parse_answers(
    answers: Mapping[str, Any], contract: Sequence[Question]
) -> tuple[dict[str, Any], str | None]:
    """Read a mapping of answers (``case_id`` names the case) as the controls hold them.

    Parameters
    ----------
    answers : mapping of str to object
        Column to value, as for :func:`backspasm.diagnose`.
    contract : sequence of Question
        The questions of the network, ``case_id`` among them.

    Returns
    -------
    tuple of (dict, str or None)
        The answers that are not blank, by column, and the case identifier.

    Raises
    ------
    EvidenceError
        For an unknown question or a value that is not allowed.
    """
    out: dict[str, Any] = {}
    case_id: str | None = None
    for column, value in answers.items():
        q = get_question(str(column), contract)
        if q.kind == "id":
            text = "" if value is None else str(value).strip()
            case_id = text or None
            continue
        normal = normalise(q, value)
        if normal is not None:
            out[q.column] = normal
    return out, case_id


def with_answer(
    answers: Mapping[str, Any],
    case_id: str | None,
    column: str,
    value: Any,
    contract: Sequence[Question],
) -> tuple[dict[str, Any], str | None]:
    """Return new answers and case identifier with one question answered (or withdrawn).

    Parameters
    ----------
    answers : mapping of str to object
        The current answers, as the controls hold them (left unchanged).
    case_id : str or None
        The current case identifier.
    column : str
        The question answered (``case_id`` sets the identifier).
    value : object
        The answer; a blank one withdraws it.
    contract : sequence of Question
        The questions of the network.

    Returns
    -------
    tuple of (dict, str or None)
        The answers and the case identifier after the change.

    Raises
    ------
    EvidenceError
        For an unknown question or a value that is not allowed.
    """
    out = dict(answers)
    q = get_question(column, contract)
    if q.kind == "id":
        case_id = None if value is None or str(value).strip() == "" else str(value)
    else:
        normal = normalise(q, value)
        if normal is None:
            out.pop(column, None)
        else:
            out[column] = normal
    return out, case_id
