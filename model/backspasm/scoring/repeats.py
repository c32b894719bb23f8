"""A question column given more than once: its copies are merged, and a clash refused.

Every reader of a row keeps to one rule (:data:`REPEATED_ANSWERS`): a blank cell takes
the answer of another copy, and a row whose copies give answers that mean different
states of the node is not used; its error names the answers. ``score`` (a file, a
table or Dask partitions) merges whole columns with :func:`merge_encoded`;
``diagnose`` of a row and the widget's ``load_row`` merge one row's cells with
:func:`merge_answers`. Answers that mean the same state (``yes`` and ``Y``, ages 45
and 46 of one age band) agree: the network sees the same evidence either way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm.columns import cell_problem, encode_column
from backspasm.exceptions import EvidenceError
from backspasm.questionnaire import Question

__all__ = [
    "REPEATED_ANSWERS",
    "REPEATED_BLANK",
    "Encoded",
    "clash_text",
    "merge_answers",
    "merge_codes",
    "merge_encoded",
    "merge_row",
    "question_positions",
    "repeat_of",
    "repeated_column_note",
    "repeated_questions",
]

#: What becomes of a question column given more than once, wherever a row is read.
REPEATED_BLANK = "a blank cell takes the answer of another copy"
REPEATED_ANSWERS = (
    f"{REPEATED_BLANK}, and a row whose copies give different answers is not used "
    "(its error names them)"
)

#: One copy of a column, factorised and encoded: each row's index into the distinct
#: values (-1 for a missing cell), the distinct values, then the state code and the
#: invalid flag of each distinct value followed by those of a missing cell (-1, False).
Encoded: TypeAlias = tuple[
    npt.NDArray[np.int64],
    npt.NDArray[Any],
    npt.NDArray[np.signedinteger[Any]],
    npt.NDArray[np.bool_],
]


def repeated_column_note(name: str, count: int, *, used: str = "scored") -> str:
    """Return the warning about a column name that appears ``count`` times.

    ``used`` says what became of the first one ("scored", of a column that is not a
    question, such as ``case_id``); "merged" gives :data:`REPEATED_ANSWERS`, the rule
    for a question's copies.
    """
    if used == "merged":
        return f"column {name!r} appears {count} times; {REPEATED_ANSWERS}."
    return f"column {name!r} appears {count} times; only the first one was {used}."


def clash_text(column: str, count: int, first: object, other: object) -> str:
    """Say that the copies of ``column`` answer differently, naming two of the answers."""
    return (
        f"{column}: the column appears {count} times and its copies give different "
        f"answers ({_shown(first)} and {_shown(other)}); give one answer"
    )


def merge_encoded(
    q: Question, first: Encoded, others: Sequence[Encoded]
) -> tuple[Encoded, npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[Any]]:
    """Merge the copies of a question column, row by row.

    Returns the merged column (in the layout of :data:`Encoded`: the first copy's
    cells, with a blank one taking the next copy's answer), the rows whose copies
    clash, the rows where a later copy's cell is not an allowed answer (the first
    copy's are the caller's to check), and a message for each of those rows ("" for
    the others).
    """
    index, uniques, u_codes, u_invalid = first
    n = len(index)
    bad = np.zeros(n, dtype=bool)
    clashed = np.zeros(n, dtype=bool)
    text: npt.NDArray[Any] = np.full(n, "", dtype=object)
    count = 1 + len(others)
    for o_index, o_uniques, o_codes, o_invalid in others:
        mine, theirs = u_codes[index], o_codes[o_index]
        wrong = o_invalid[o_index]
        clash = (mine >= 0) & (theirs >= 0) & (mine != theirs)
        for r in np.flatnonzero((clash | wrong) & ~bad):
            value = o_uniques[o_index[r]]
            text[r] = (
                cell_problem(q, value)
                if wrong[r]
                else clash_text(q.column, count, uniques[index[r]], value)
            )
        clashed |= clash & ~bad
        bad |= clash | wrong
        take = (mine < 0) & ~u_invalid[index] & (o_index >= 0) & ~wrong
        index = np.where(take, len(uniques) + o_index, index)
        uniques = np.concatenate([uniques, o_uniques])
        u_codes = np.concatenate([u_codes[:-1], o_codes])
        u_invalid = np.concatenate([u_invalid[:-1], o_invalid])
    return (index, uniques, u_codes, u_invalid), clashed, bad & ~clashed, text


def merge_answers(q: Question, states: tuple[str, ...], values: Sequence[object]) -> object:
    """Return the one answer of a row's copies of a question column.

    The first answered copy, or the first cell when none answers (blank, or not an
    allowed answer: the caller's own check then names it). Raises
    :class:`~backspasm.exceptions.EvidenceError` naming two of the answers when the
    copies mean different states.
    """
    codes, invalid = encode_column(q, pd.Series(list(values), dtype=object), states)
    if invalid.any():
        return values[int(np.flatnonzero(invalid)[0])]
    answered = np.flatnonzero(codes >= 0)
    if not len(answered):
        return values[0]
    differ = answered[codes[answered] != codes[answered[0]]]
    if len(differ):
        raise EvidenceError(
            clash_text(q.column, len(values), values[answered[0]], values[differ[0]])
        )
    return values[int(answered[0])]


def repeat_of(label: str, labels: Collection[str], by_name: Mapping[str, Question]) -> str | None:
    """Return the question that ``label`` repeats under a reader's new name, if any.

    ``age.1`` (or ``age.1_``) beside ``age``: the name pandas' reader, and
    :func:`~backspasm.scoring.cases.read_case_table`, give the second ``age`` column.
    """
    base, dot, suffix = label.rpartition(".")
    if dot and suffix.rstrip("_").isdigit() and base in by_name and base in labels:
        return base
    return None


def question_positions(
    labels: Iterable[Any], by_name: Mapping[str, Question]
) -> dict[str, list[int]]:
    """Return the positions of each question's columns: its own, then its copies.

    A copy is the question's name again, or the name a reader gives it (:func:`repeat_of`).
    """
    names = [str(x) for x in labels]
    seen = set(names)
    where: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        base = name if name in by_name else repeat_of(name, seen, by_name)
        if base is not None:
            where.setdefault(base, []).append(i)
    return where


def repeated_questions(labels: Iterable[Any], by_name: Mapping[str, Question]) -> dict[str, int]:
    """Count the columns of each question given more than once (under its name, or renamed)."""
    where = question_positions(labels, by_name)
    return {base: len(p) for base, p in where.items() if len(p) > 1}


def merge_codes(
    q: Question,
    columns: Sequence[pd.Series],
    states: tuple[str, ...],
    invalid: Callable[[str, pd.Series, npt.NDArray[np.bool_], str], None],
) -> npt.NDArray[np.int64]:
    """Encode a question's columns as one array of state codes (-1 unanswered).

    For a whole table that must be used or refused (a fit): a column with a cell
    that is not allowed is handed to ``invalid`` (column, values, where, allowed),
    which raises; a blank takes a copy's answer, and copies that mean different states
    raise :class:`~backspasm.exceptions.EvidenceError` naming the first such row.
    """
    codes = []
    for values in columns:
        found, bad = encode_column(q, values, states)
        if bad.any():
            invalid(q.column, values, bad, q.allowed)
        codes.append(found.astype(np.int64))
    merged = codes[0]
    for values, other in zip(columns[1:], codes[1:], strict=True):
        clash = np.flatnonzero((merged >= 0) & (other >= 0) & (merged != other))
        if len(clash):
            r = int(clash[0])
            said = clash_text(q.column, len(columns), columns[0].iloc[r], values.iloc[r])
            raise EvidenceError(f"row {r + 1}: {said} ({len(clash)} row(s) so).")
        merged = np.where(merged < 0, other, merged)
    return merged


def merge_row(
    cells: Iterable[tuple[Any, Any]],
    by_name: Mapping[str, Question],
    states: Callable[[str], tuple[str, ...]],
    nodes: Collection[str],
) -> dict[Any, Any]:
    """Return one row's cells by label, each question's copies merged (:func:`merge_answers`).

    ``cells`` are (label, value) pairs in column order, a label possibly repeated or
    renamed by a reader (:func:`repeat_of`); other labels keep their first cell. A
    question whose node is not in ``nodes`` keeps its first cell (nothing reads it).
    """
    pairs = list(cells)
    labels = {str(label) for label, _ in pairs}
    out: dict[Any, Any] = {}
    copies: dict[str, list[Any]] = {}
    for label, value in pairs:
        base = label if label in by_name else repeat_of(str(label), labels, by_name)
        if base is None:
            out.setdefault(label, value)
        else:
            copies.setdefault(base, []).append(value)
            out.setdefault(base, value)
    for base, values in copies.items():
        q = by_name[base]
        if len(values) > 1 and q.node is not None and q.node in nodes:
            out[base] = merge_answers(q, states(q.node), values)
    return out


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(str(int(value)))
    return repr(str(value).strip())
