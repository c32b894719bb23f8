"""Reading case files for learning: answers into evidence codes, truth into matrices.

The contract columns are read as :mod:`backspasm.questionnaire` reads them; a column
named after any other node of the network (a toy network, a mechanism) holds that
node's state names; ``true_<cause>`` columns, or a ``true_cause`` /
``expected_cause`` label column, give the known causes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._answers import is_blank as _blank_cell
from backspasm._files import META_SUFFIX
from backspasm._numeric import BoolArray, IntArray
from backspasm._text import closest
from backspasm.exceptions import BackspasmError, EvidenceError
from backspasm.network import Network
from backspasm.questionnaire import (
    BLANK_WORDS,
    FALSE_WORDS,
    TRUE_WORDS,
    assume_presenting,
    questions_for,
)
from backspasm.sampling import PRESENTATION, model_states
from backspasm.scoring import output_columns
from backspasm.scoring.cases import read_case_table, score_table
from backspasm.scoring.plan import TRUTH_PREFIX
from backspasm.scoring.repeats import merge_codes, question_positions
from backspasm.spec import PRESENTING
from backspasm.triage import TRIAGE_LEVELS

__all__ = [
    "TRUTH_PREFIX",
    "CasesLike",
    "case_evidence",
    "case_label",
    "check_probabilities",
    "expected_triage",
    "is_blank",
    "normalised_text",
    "raise_invalid",
    "read_case_frame",
    "read_cases",
    "score_answers",
    "state_codes",
    "truth_matrix",
    "warn_if_scored_by_another",
]

#: A case file: a DataFrame, or the path of a CSV file.
CasesLike: TypeAlias = "pd.DataFrame | str | os.PathLike[str]"
#: Prefix of the truth columns written by ``sample_cases`` and read by the others.


def read_cases(cases: CasesLike) -> tuple[pd.DataFrame, str, str]:
    """Return the frame, the SHA-256 of its bytes and a label for provenance.

    Parameters
    ----------
    cases : pandas.DataFrame or path-like
        A frame (hashed as its CSV text) or a case file as ``score`` reads it (comma,
        semicolon or tab CSV, or Parquet; every cell read as text, blanks kept).

    Returns
    -------
    tuple of (pandas.DataFrame, str, str)
        The cases, the hex digest and ``"a DataFrame of n rows"`` or the file name.

    Raises
    ------
    CaseFileError
        When the file, or one of its rows, cannot be read.
    """
    if isinstance(cases, pd.DataFrame):
        digest = hashlib.sha256(cases.to_csv(index=False).encode("utf-8")).hexdigest()
        return cases, digest, case_label(cases, "")
    path = Path(cases)
    frame, digest = read_case_table(str(path))
    return frame, digest, path.name


def read_case_frame(cases: CasesLike) -> tuple[pd.DataFrame, str]:
    """Return the cases and the name row messages give them: the file's, or ``""``.

    As :func:`read_cases`, without hashing a frame (its CSV text would be built whole
    only to be thrown away: a frame of a million rows held twice in memory).
    """
    if isinstance(cases, pd.DataFrame):
        return cases, ""
    path = Path(cases)
    frame, _ = read_case_table(str(path))
    return frame, path.name


def case_label(frame: pd.DataFrame, source: str) -> str:
    """Name cases in a message: the file's name, or ``"a DataFrame of n rows"``."""
    return source or f"a DataFrame of {len(frame)} rows"


def normalised_text(values: pd.Series) -> pd.Series:
    """Return the cells as trimmed lower-case strings (missing values stay missing)."""
    return values.astype("string").str.strip().str.lower()


def is_blank(text: pd.Series) -> BoolArray:
    """Return where normalised cells are blank (missing, empty, ``unknown``, ``NA``)."""
    return np.asarray(text.isna().to_numpy() | text.isin(BLANK_WORDS).to_numpy(), dtype=bool)


def raise_invalid(column: str, values: pd.Series, bad: BoolArray, allowed: str) -> None:
    """Raise :class:`EvidenceError` naming the column, its first bad value and what is allowed."""
    rows = np.flatnonzero(bad)
    first = values.iloc[int(rows[0])]
    if isinstance(first, np.generic):
        first = first.item()  # -0.2, not np.float64(-0.2)
    raise EvidenceError(
        f"Column '{column}' has {rows.size} value(s) that are not allowed (first in row "
        f"{int(rows[0]) + 1}: {first!r}); allowed: {allowed}."
    )


def check_probabilities(
    frame: pd.DataFrame, probs: npt.NDArray[np.float64], ok: BoolArray, causes: Sequence[str]
) -> None:
    """Refuse a scored probability that is not a number from 0 to 1 (an edited file)."""
    for j, cause in enumerate(causes):
        bad = ok & ~((probs[:, j] >= 0) & (probs[:, j] <= 1))  # NaN (text, blank) too
        if bad.any():
            raise_invalid(f"p_{cause}", frame[f"p_{cause}"], bad, "a probability from 0 to 1")


def state_codes(
    column: str, values: pd.Series, states: tuple[str, ...], *, yes_no: bool
) -> IntArray:
    """Return the codes of a column of state names (or yes/no words), -1 where blank.

    Parameters
    ----------
    column : str
        Its name, for the error message.
    values : pandas.Series
        The cells.
    states : tuple of str
        The node's states; a cell matches one case-insensitively.
    yes_no : bool
        For a ``("no", "yes")`` node, also accept the contract's yes/no words.

    Returns
    -------
    numpy.ndarray
        One code per cell.

    Raises
    ------
    EvidenceError
        For a cell that is neither blank nor a state.
    """
    text = normalised_text(values)
    blank = is_blank(text)
    lookup = {s.lower(): i for i, s in enumerate(states)}
    if yes_no and states == ("no", "yes"):
        lookup.update(dict.fromkeys(FALSE_WORDS, 0))
        lookup.update(dict.fromkeys(TRUE_WORDS, 1))
        lookup.update({"1.0": 1, "0.0": 0})
    mapped = text.map(lookup).to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(mapped) & ~blank
    if bad.any():
        raise_invalid(column, values, bad, ", ".join(states))
    codes = np.full(len(values), -1, dtype=np.int64)
    ok = ~np.isnan(mapped)
    codes[ok] = mapped[ok].astype(np.int64)
    return codes


def case_evidence(
    cases: pd.DataFrame, network: Network, *, use_truth: bool, presenting: bool = True
) -> dict[str, IntArray]:
    """Return state codes per node (-1 = not observed) from a case file.

    Parameters
    ----------
    cases : pandas.DataFrame
        The cases.
    network : Network
        Whose nodes the columns inform.
    use_truth : bool
        Fill in a cause from its ``true_<cause>`` column or, when there is none, from
        a ``true_cause`` / ``expected_cause`` label column as
        :func:`~backspasm.learning.evaluate` reads it: a cause the label names is
        present; the others stay unobserved (a label names the cause found, not the
        absence of every other), except for ``none``, which says no cause is present.
    presenting : bool, default True
        ``back_spasm`` is ``yes`` in every row (a ``no`` is an error).

    Returns
    -------
    dict of str to numpy.ndarray
        Codes per node that some column informs.

    Raises
    ------
    EvidenceError
        For a value that is not allowed, or a row that does not present.
    """
    states = model_states(network)
    n = len(cases)
    evidence: dict[str, IntArray] = {}
    questions = questions_for(network)
    # a question's columns: its own, then any copies, merged as scoring merges them
    where = question_positions(cases.columns, {q.column: q for q in questions})
    for q in questions:
        if q.node is None or q.node not in states or q.column not in where:
            continue
        columns = [cases.iloc[:, i] for i in where[q.column]]
        evidence[q.node] = merge_codes(q, columns, states[q.node], raise_invalid)
    for node, node_states in states.items():
        if node not in evidence and node in cases:
            evidence[node] = state_codes(node, cases[node], node_states, yes_no=True)
    if use_truth:
        for cause, truth in _truth_codes(cases, network, states).items():
            known = truth >= 0
            codes = evidence.get(cause, np.full(n, -1, dtype=np.int64)).copy()
            codes[known] = truth[known]
            evidence[cause] = codes
    if presenting and PRESENTING in states.get(PRESENTATION, ()):
        evidence[PRESENTATION] = _presenting(evidence.get(PRESENTATION), states, n)
    return evidence


def _truth_codes(
    cases: pd.DataFrame, network: Network, states: dict[str, tuple[str, ...]]
) -> dict[str, IntArray]:
    """Return the known state of each cause: ``true_<cause>`` columns, else a label."""
    causes = [c for c in network.causes if c in states]
    if any(TRUTH_PREFIX + c in cases for c in causes):
        return {
            c: state_codes(TRUTH_PREFIX + c, cases[TRUTH_PREFIX + c], states[c], yes_no=True)
            for c in causes
            if TRUTH_PREFIX + c in cases
        }
    label = next((c for c in ("true_cause", "expected_cause") if c in cases), None)
    if label is None:
        return {}
    named = _label_matrix(cases[label], label, causes)
    text = normalised_text(cases[label])
    nothing = (text == "none").to_numpy(dtype=bool, na_value=False)
    codes = {}
    for j, cause in enumerate(causes):
        column = np.full(len(cases), -1, dtype=np.int64)
        column[named[:, j]] = states[cause].index("yes")
        column[nothing] = states[cause].index("no")
        codes[cause] = column
    return codes


def _presenting(given: IntArray | None, states: dict[str, tuple[str, ...]], n: int) -> IntArray:
    """Return ``back_spasm = yes`` for every row; a row that says otherwise is an error."""
    if given is not None:
        absent = (given >= 0) & (given != states[PRESENTATION].index(PRESENTING))
        if absent.any():
            raise EvidenceError(
                f"Row {int(np.argmax(absent)) + 1} says back_spasm is not 'yes', but the "
                "cases are taken as people who present with back spasm (presenting=True)."
            )
    return assume_presenting(given, states[PRESENTATION], n)


# ------------------------------------------------------------------------------- truth


def _split_labels(value: Any) -> list[str]:
    if _blank_cell(value):  # NA, unknown, ... as truth_matrix reads them: not given
        return []
    return [part.strip() for part in re.split(r"[;|,]", str(value)) if part.strip()]


def truth_matrix(
    frame: pd.DataFrame,
    truth: pd.DataFrame | pd.Series | None,
    causes: Sequence[str],
    name: str = "",
) -> tuple[BoolArray, BoolArray]:
    """Return the (cases x causes) truth from true_<cause> columns or a label column.

    A blank truth cell is not "no cause": the case's truth is unknown, and
    :func:`backspasm.learning.evaluate` leaves it out. ``none`` says that a case has
    no cause of the network.

    Parameters
    ----------
    frame : pandas.DataFrame
        The cases (their truth columns are used when ``truth`` is None).
    truth : pandas.DataFrame or pandas.Series, optional
        One row per case: ``true_<cause>`` yes/no columns, or a ``true_cause`` /
        ``expected_cause`` column (a Series is read as labels).
    causes : sequence of str
        The causes, in column order.
    name : str, optional
        The file's name, which starts the message when there is no truth.

    Returns
    -------
    truth : numpy.ndarray of bool
        True where the case has the cause.
    given : numpy.ndarray of bool
        Per case, whether its truth is given: every ``true_<cause>`` cell answered,
        or the label cell not blank.

    Warns
    -----
    UserWarning
        When some causes have a ``true_<cause>`` column and others do not (those are
        counted absent in every case).

    Raises
    ------
    BackspasmError
        When there is no truth, or it has the wrong number of rows.
    EvidenceError
        For a label that is not a cause.
    """
    source: pd.DataFrame
    if truth is None:
        source = frame
    elif isinstance(truth, pd.Series):
        source = pd.DataFrame({"true_cause": truth.to_numpy()})
    else:
        source = truth
    n = len(frame)
    if len(source) != n:
        raise BackspasmError(
            f"The 'truth' parameter of evaluate must have one row per case ({n}); "
            f"got {len(source)} instead."
        )
    if any(TRUTH_PREFIX + c in source for c in causes):
        matrix = np.zeros((n, len(causes)), dtype=bool)
        given = np.ones(n, dtype=bool)
        for j, cause in enumerate(causes):
            column = TRUTH_PREFIX + cause
            if column in source:
                codes = state_codes(column, source[column], ("no", "yes"), yes_no=True)
                matrix[:, j] = codes == 1
                given &= codes >= 0
        absent = [TRUTH_PREFIX + c for c in causes if TRUTH_PREFIX + c not in source]
        if absent:
            warnings.warn(
                f"The cases have no {', '.join(absent)} column(s): those causes are counted "
                "absent in every case.",
                stacklevel=3,
            )
        return matrix, given
    label = next((c for c in ("true_cause", "expected_cause") if c in source), None)
    if label is None:
        labels = ["true_cause", "expected_cause"]
        per_cause = [TRUTH_PREFIX + c for c in causes]
        # the columns scoring adds, and the expected triage: never a misspelt truth
        scored = {*output_columns(explain=True), "expected_triage"}
        near = next(
            (
                f" Is {c!r} meant to be {m!r}?"
                # a true_ column first; never a column that scoring added (top_cause)
                for c in sorted(map(str, source), key=lambda c: not c.startswith(TRUTH_PREFIX))
                if c not in scored
                and (m := closest(c, per_cause if c.startswith(TRUTH_PREFIX) else labels))
            ),
            "",
        )
        raise BackspasmError(
            f"{name + ': ' if name else ''}evaluate needs the truth: true_<cause> yes/no "
            "columns, or a 'true_cause' or 'expected_cause' column naming the cause (several "
            f"separated by ';'); found none.{near}"
        )
    given = ~is_blank(normalised_text(source[label]))
    return _label_matrix(source[label], label, causes), given


# Cells a message lists when many are refused.
_SHOWN = 5
_ALLOWED = " of the network (a label is a cause, several joined by ';', 'none' or blank)"


def _label_matrix(labels: pd.Series, column: str, causes: Sequence[str]) -> BoolArray:
    index = {c: j for j, c in enumerate(causes)}
    matrix = np.zeros((len(labels), len(causes)), dtype=bool)
    unknown: list[tuple[str, str | None]] = []  # every cell naming no cause, not the first
    for i, value in enumerate(labels.to_numpy()):
        for name in _split_labels(value):
            key = name.strip().lower()
            if key in index:
                matrix[i, index[key]] = True
            elif key != "none":
                unknown.append((f"row {i + 1}: {name!r}", closest(key, causes)))
    if len(unknown) == 1:
        cell, near = unknown[0]
        hint = f" Did you mean '{near}'?" if near else ""
        raise EvidenceError(f"Column '{column}' {cell} is not a cause{_ALLOWED}.{hint}")
    if unknown:
        cells = [cell + (f" (did you mean '{near}'?)" if near else "") for cell, near in unknown]
        more = "; ..." if len(unknown) > _SHOWN else ""
        raise EvidenceError(
            f"Column '{column}' has {len(unknown)} cells that name no cause{_ALLOWED}: "
            f"{'; '.join(cells[:_SHOWN])}{more}"
        )
    return matrix


def expected_triage(frame: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Return the ``expected_triage`` column: the triage level each case expects.

    The level is never derived from the true cause: the triage policy sends some
    serious causes (gallstones, a spinal tumour) to a doctor rather than an
    emergency department, so a level read off the cause would contradict it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The cases.

    Returns
    -------
    numpy.ndarray of object
        ``emergency``, ``see_doctor`` or ``self_care`` where the case gives its
        level; ``""`` where the cell is blank, and in every row without an
        ``expected_triage`` column.

    Raises
    ------
    EvidenceError
        For a triage level that does not exist.
    """
    if "expected_triage" not in frame:
        return np.full(len(frame), "", dtype=object)
    text = normalised_text(frame["expected_triage"])
    blank = is_blank(text)
    bad = ~blank & ~text.isin(TRIAGE_LEVELS).to_numpy()
    if bad.any():
        raise_invalid("expected_triage", frame["expected_triage"], bad, ", ".join(TRIAGE_LEVELS))
    given = text.to_numpy(dtype=object, na_value="")
    return np.where(blank, "", given).astype(object)


def score_answers(cases: pd.DataFrame, network: Network) -> pd.DataFrame:
    """Score raw cases with :func:`backspasm.scoring.score_cases`, answers only.

    Truth (``true_<cause>``) and expectation (``expected_cause``,
    ``expected_triage``) columns are not answers: they are kept away from the
    scorer and put back beside the scores, unchanged. An input column named like
    an output column (``triage``, ``error``, a lone ``p_<cause>``) is no answer
    either: it is left out, so the scores are the only columns of that name.
    """
    outputs = set(output_columns(network, explain=True))
    hidden = [
        c
        for c in cases.columns
        if str(c).startswith(TRUTH_PREFIX) or str(c) in ("expected_cause", "expected_triage")
    ]
    dropped = [c for c in cases.columns if str(c) in outputs]
    # the other columns (sources, notes) are kept on purpose: no remark on them
    scored = score_table(cases.drop(columns=[*hidden, *dropped]), network, name_passed=False)
    for column in hidden:
        scored[column] = cases[column].to_numpy()
    return scored


def warn_if_scored_by_another(cases: CasesLike, network: Network, *, stacklevel: int = 4) -> None:
    """Warn when a scored file's provenance names another network than the one given.

    Its probabilities are evaluated as they are, never recomputed: the raw cases
    are what to evaluate to score them with this network. ``stacklevel`` counts from
    this function to the user's call, as :func:`warnings.warn` does.
    """
    if isinstance(cases, pd.DataFrame):
        return
    sidecar = Path(f"{os.fspath(cases)}{META_SUFFIX}")
    try:
        scored_by = json.loads(sidecar.read_text(encoding="utf-8"))["network"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # no readable provenance: nothing to compare
    if scored_by.get("fingerprint") != network.fingerprint():
        warnings.warn(
            f"{os.fspath(cases)} was scored with another network ({scored_by.get('origin')}, "
            f"says {sidecar.name}) than the one given: its probabilities are evaluated as "
            "they are; evaluate the raw cases to score them with this network",
            stacklevel=stacklevel,
        )
