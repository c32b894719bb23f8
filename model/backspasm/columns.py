"""A whole case-file column of answers into state codes: the strict, vectorised layer.

:func:`encode_column` reads a column as :mod:`backspasm.questionnaire` reads one
answer (the same words, numbers and band names), for every row at once; scoring and
learning use it. A cell that holds a value the question does not allow is reported,
not guessed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from backspasm._text import show_cell
from backspasm.exceptions import EvidenceError
from backspasm.questionnaire import (
    BLANK_WORDS,
    FALSE_WORDS,
    TRUE_WORDS,
    Question,
    answer_hint,
    parse_answer,
)
from backspasm.spec.build import BIN_OPERATORS

__all__ = ["cell_problem", "encodable", "encode_column", "refused_cell"]


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
        if (
            q.kind == "yes_no"
        ):  # 1 and 0 however written ("1.00", "+1", "1e0", "100%"), as one answer
            number = pd.to_numeric(text, errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan
            )
            percent = text.str.endswith("%").fillna(False).to_numpy(dtype=bool)
            if percent.any():  # 100% and 0% are yes and no, as diagnose reads them
                share = pd.to_numeric(text[percent].str[:-1], errors="coerce")
                number[percent] = share.to_numpy(dtype="float64", na_value=np.nan) / 100.0
            for value, name in ((0.0, "no"), (1.0, "yes")):
                mapped[np.isnan(mapped) & (number == value)] = index[name]
        ok = ~np.isnan(mapped)
        codes[ok] = mapped[ok].astype(np.int64)
        return codes, ~ok & ~blank
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ok = q.number_ok(numbers)
    band = np.where(ok, q.bin_index(np.where(ok, numbers, 0.0)), -1)
    ok &= band >= 0
    index = {s: i for i, s in enumerate(states)}
    lookup = np.array([index[b] for b in q.states], dtype=np.int64)
    codes[ok] = lookup[band[ok]]
    # A band named outright ("chronic", "65+") when the number is not known.
    named = text.map({s: index[s] for s in q.states}).to_numpy(dtype="float64", na_value=np.nan)
    by_name = ~np.isnan(named)
    codes[by_name] = named[by_name].astype(np.int64)
    ok |= by_name
    return codes, ~ok & ~blank


@functools.cache
def encodable(q: Question, states: tuple[str, ...]) -> bool:
    """Whether ``q``'s answers can be encoded into a node's ``states`` (its own or a variant's).

    True when :func:`encode_column` finds every state it may write among ``states``:
    no and yes for a yes/no question, each choice of a choice, each band of a number
    (whose comparisons it knows). Decided from the names alone, without a trial
    encoding through pandas (several milliseconds a question, when a small file's
    scoring asks for every question); cached, since scoring makes a plan for every
    table, file and Dask partition.
    """
    if q.kind == "yes_no":
        needed: tuple[str, ...] = ("no", "yes")
    elif q.kind == "choice":
        needed = q.choices
    elif q.kind == "number":
        if any(op not in BIN_OPERATORS for _, op, _ in q.bins):
            return False
        needed = q.states
    else:  # no question of another kind informs a node; tried as encode_column reads it
        try:
            encode_column(q, pd.Series([], dtype=object), states)
        except KeyError:
            return False
        return True
    return set(needed) <= set(states)


def cell_problem(q: Question, value: object) -> str:
    """Say why a case file's cell is not an allowed answer, as score's ``error`` does.

    For example ``fever: '0.7' is not allowed (yes or no); an unsure answer is for one
    case at a time ...``: the value, what the question allows, and a hint (the closest
    word, that the model is for adults, or that an unsure answer has no place in a
    file).
    """
    return (
        f"{q.column}: {show_cell(value)} is not allowed ({q.allowed})"
        + _unsure_hint(q, value)
        + _file_hint(q, value)
    )


def _unsure_hint(q: Question, value: object) -> str:
    """Say why an unsure answer (``0.7``, ``70%``) is refused in a file, if it is one."""
    if q.kind != "yes_no":
        return ""
    try:
        parsed = parse_answer(q, value)
    except EvidenceError:
        return ""
    return (
        "; an unsure answer is for one case at a time (backspasm diagnose or ask), "
        "a case file holds yes or no"
        if isinstance(parsed, tuple)
        else ""
    )


def _file_hint(q: Question, value: object) -> str:
    """Return the closest allowed word, or that the model is for adults, for a cell error."""
    # No full stop: a row's errors are joined with "; " ('(45.0), not a comma; fever: ...')
    hint = answer_hint(q, value).strip().removesuffix(".")
    return f"; {hint[0].lower()}{hint[1:]}" if hint else ""


def refused_cell(
    record: Mapping[str, Any],
    questions: Mapping[str, Question],
    states: Callable[[str], tuple[str, ...]],
) -> str | None:
    """Say the first cell of a row that ``score`` would refuse, as its ``error`` says it.

    A file holds yes or no: an unsure ``0.7`` that :func:`backspasm.diagnose` takes
    for one case is refused in a file, by ``score``, and so by the widget's file row
    and the figures' example case. ``states`` gives a node's states
    (``network.states``).
    """
    for column, value in record.items():
        q = questions.get(column)
        if q is None or q.node is None:
            continue
        _, invalid = encode_column(q, pd.Series([value], dtype=object), states(q.node))
        if invalid[0]:
            return cell_problem(q, value)
    return None
