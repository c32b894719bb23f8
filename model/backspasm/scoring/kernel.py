"""Score one chunk: answers -> evidence codes -> engine -> output columns.

The kernel sees each question column as factorised cells (a code per row into the
column's distinct values, -1 for a missing cell), whatever the input was: a pandas
column, an Arrow column read from CSV or Parquet. Columns hold few distinct values,
so every value is encoded, and every bad value described, once.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._numeric import IntArray, first_ranked
from backspasm.columns import cell_problem, encode_column
from backspasm.exceptions import EvidenceError
from backspasm.explain import mpe_text, reasons_text
from backspasm.explain.odds import odds_factor, pointed
from backspasm.queries import CaseQueries, Reasons, query_cases
from backspasm.questionnaire import Question, assume_presenting, parse_answer
from backspasm.scoring.overlap import pipelined
from backspasm.scoring.plan import Plan
from backspasm.scoring.repeats import merge_encoded
from backspasm.scoring.yes_no import encode_yes_no
from backspasm.spec import PRESENTATION
from backspasm.triage import self_care_unscreened, triage_reason_text

if TYPE_CHECKING:
    from backspasm.engine import CompiledNetwork

__all__ = [
    "IMPOSSIBLE",
    "Block",
    "Cells",
    "RowErrors",
    "empty_output",
    "factorize",
    "score_block",
]

#: Codes of any signed integer width (a chunk's columns and answers are kept narrow).
Codes: TypeAlias = npt.NDArray[np.signedinteger[Any]]
ObjArray: TypeAlias = npt.NDArray[np.object_]
#: A column as (code per row, -1 = missing; distinct values as Python objects).
Cells: TypeAlias = tuple[Codes, ObjArray]
#: Rows that failed before scoring: (row positions, messages, kinds).
RowErrors: TypeAlias = tuple[IntArray, ObjArray, ObjArray]

#: Error text of a row whose answers have probability zero together.
IMPOSSIBLE = "answers are impossible together under the network"

# The engine's working memory grows with the batch; beyond a few ten thousand rows
# bigger batches only cost memory, not time (smaller ones cost time: batches of
# 7,000 took a fifth longer). See engine_batches for how a chunk is split.
_ENGINE_BATCH = 25_000
# Encoded answers a plan keeps (column and value; a few per column and file).
_ENCODED_KEEP = 65_536
# Engines that have scored a batch: their caches hold what the next batches need.
_WARM: weakref.WeakSet[CompiledNetwork] = weakref.WeakSet()


@dataclass
class Block:
    """The output columns of one batch of rows."""

    columns: dict[str, npt.NDArray[Any]]
    scored: int
    kinds: Counter[str]
    #: Scored rows that answer ``back_spasm = no`` (a warning names them).
    not_presenting: int = 0
    #: Scored rows triaged ``self_care`` with screening questions unanswered (the
    #: summary's note says what their level means).
    unscreened_self_care: int = 0


def factorize(values: pd.Series) -> Cells:
    """Factorise a pandas column (NA -> -1), with Python scalars as the distinct values.

    A cell holding a list, dict or set (unhashable) is taken as its text, so that it
    gets the row error any other answer outside the vocabulary gets.
    """
    try:
        index, found = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells
        as_text = values.map(lambda v: str(v) if isinstance(v, (list, dict, set)) else v)
        index, found = pd.factorize(as_text, use_na_sentinel=True)
    # Python scalars, so that error messages show 2, not np.int64(2).
    return index.astype(np.int64, copy=False), np.asarray(found, dtype=object)


def _answer_text(q: Question, value: object) -> str:
    """Return an answer as the row was read: ``Y`` and ``TRUE`` are ``yes``, ages as given."""
    if q.kind != "number":
        try:
            parsed = parse_answer(q, value)
        except EvidenceError:
            parsed = None
        if isinstance(parsed, str):
            return parsed
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _answers(plan: Plan, shown: Mapping[str, Cells]) -> dict[str, tuple[IntArray, ObjArray]]:
    """Per answered node, each row's code and ``column=answer`` per distinct value ("" last)."""
    column = {c.question.node: c.question for c in plan.columns if c.used}
    out = {}
    for node, (index, uniques) in shown.items():
        q = column[node]
        texts = [f"{q.column}={_answer_text(q, u)}" for u in uniques.tolist()]
        out[node] = (index, np.asarray([*texts, ""], dtype=object))
    return out


def _impossible_text(
    answers: Mapping[str, tuple[IntArray, ObjArray]],
    answered: Mapping[str, npt.NDArray[np.bool_]],
    rows: IntArray,
) -> ObjArray:
    """Return the error of rows whose answers are impossible together, naming them."""
    parts = [
        np.where(answered[node][rows], texts[index[rows]], "")  # a blank cell: no answer
        for node, (index, texts) in answers.items()
    ]
    out: ObjArray = np.full(len(rows), "", dtype=object)
    for part in parts:
        out = np.where(part == "", out, np.where(out == "", part, out + ", " + part))
    return np.asarray(IMPOSSIBLE + " (probability zero): " + out, dtype=object)


def _append_errors(error: ObjArray, rows: IntArray, messages: ObjArray) -> None:
    current = error[rows]
    error[rows] = np.where(current == "", messages, current + "; " + messages)


def _state_index(states: tuple[str, ...], name: str, fallback: int) -> int:
    return states.index(name) if name in states else fallback


def _encode(
    cells: Mapping[int, Cells], n: int, plan: Plan, error: ObjArray, bad: npt.NDArray[np.bool_]
) -> tuple[dict[str, Codes], dict[str, Cells], Counter[str], dict[str, npt.NDArray[np.bool_]]]:
    """Evidence codes per node; invalid cells go to ``error`` and mark ``bad``.

    ``shown`` holds, per answered node in column order, its cells (for the text of
    the reasons); a presentation assumed by default is in the codes, not answered:
    ``answered`` says, per node of ``shown``, which rows gave an answer (a blank cell
    did not, even where the presentation's default fills its code).
    """
    kinds: Counter[str] = Counter()
    earlier = bad.copy()
    codes: dict[str, Codes] = {}
    shown: dict[str, Cells] = {}
    encode_yes_no(
        ((p, c.question, c.states) for c in plan.columns for p in (c.position, *c.copies)),
        cells,
        plan.encoded,
        encode_column,
        _ENCODED_KEEP,
    )
    for col in plan.columns:
        q = col.question
        index, uniques = cells[col.position]
        u_codes, u_invalid = _encode_values(plan, col.position, q, col.states, uniques)
        if col.copies:  # a repeated column: blanks filled from the copies, clashes refused
            others = [
                (cells[p][0], cells[p][1], *_encode_values(plan, p, q, col.states, cells[p][1]))
                for p in col.copies
            ]
            merged, clash, wrong, said = merge_encoded(
                q, (index, uniques, u_codes, u_invalid), others
            )
            index, uniques, u_codes, u_invalid = merged
            for mask, kind in ((clash, "copies disagree"), (wrong, "invalid")):
                rows = np.flatnonzero(mask & ~earlier)
                if len(rows):
                    _append_errors(error, rows, said[rows])
                    kinds[f"{kind} {q.column}"] += len(rows)
            bad |= clash | wrong
        row_invalid = u_invalid[index]
        if row_invalid.any():
            messages: ObjArray = np.full(len(u_invalid), "", dtype=object)
            for j in np.flatnonzero(u_invalid):
                messages[j] = cell_problem(q, uniques[j])
            rows = np.flatnonzero(row_invalid & ~earlier)
            if len(rows):
                _append_errors(error, rows, messages[index[rows]])
                kinds[f"invalid {q.column}"] += len(rows)
            bad |= row_invalid
        if col.used and q.node is not None:
            codes[q.node] = u_codes[index]
            shown[q.node] = (index, uniques)
    answered = {node: codes[node] >= 0 for node in shown}
    net = plan.network
    if PRESENTATION in set(net.node_names):
        codes[PRESENTATION] = assume_presenting(
            codes.get(PRESENTATION), net.states(PRESENTATION), n
        )
    return codes, shown, kinds, answered


def _encode_values(
    plan: Plan, position: int, q: Any, states: tuple[str, ...], uniques: ObjArray
) -> tuple[Codes, npt.NDArray[np.bool_]]:
    """Code and invalid flag of each distinct value, then of "unanswered" (code -1).

    Each answer is encoded once per file: the plan keeps every value seen (per
    column, typed: 1, 1.0 and True are equal keys in Python but not the same
    answer), since the order and mix of values changes from chunk to chunk.
    """
    keys = [(position, type(u), u) for u in uniques.tolist()]
    memo = plan.encoded
    new = [j for j, key in enumerate(keys) if key not in memo]
    found: dict[Any, tuple[int, bool]] = {}
    if new:
        codes, invalid = encode_column(q, pd.Series(uniques[new], dtype=object), states)
        found = {keys[j]: (int(c), bool(b)) for j, c, b in zip(new, codes, invalid, strict=True)}
        if len(memo) < _ENCODED_KEEP:
            memo.update(found)
    pairs = [memo[key] if key in memo else found[key] for key in keys]
    # A state code fits in one byte (the engine widens the codes it is given): the
    # answers of a chunk are as many arrays as it has question columns.
    width = np.int8 if len(states) <= 127 else np.int32
    u_codes: Codes = np.array([c for c, _ in pairs] + [-1], dtype=width)
    u_invalid = np.array([b for _, b in pairs] + [False], dtype=bool)
    return u_codes, u_invalid


def engine_batches(rows: IntArray) -> list[IntArray]:
    """Split a chunk's rows into engine batches for two workers, in order.

    A chunk of at most ``_ENGINE_BATCH`` rows is one batch. A larger one is an even
    number of batches of equal size (to a row), as many pairs as make them closest to
    ``_ENGINE_BATCH`` (so at most 1.5 times it): :func:`pipelined` scores two at a
    time, so that a chunk of 53,000 rows is two batches of 26,500, not 25,000 +
    25,000 + 3,000, whose last batch would run alone while the other worker waits.
    On the 1M-row benchmark file this took about a tenth off the scoring time.
    """
    if len(rows) <= _ENGINE_BATCH:
        return [rows] if len(rows) else []
    pairs = max(1, round(len(rows) / (2 * _ENGINE_BATCH)))
    return list(np.array_split(rows, 2 * pairs))


def score_block(
    cells: Mapping[int, Cells],
    n: int,
    plan: Plan,
    *,
    engine: CompiledNetwork | None = None,
    row_errors: RowErrors | None = None,
) -> Block:
    """Score ``n`` rows whose question columns are ``cells`` (keyed by input position).

    Parameters
    ----------
    cells : mapping of int to (codes, values)
        Every question column of the plan, factorised (see :func:`factorize`).
    n : int
        Rows in the chunk.
    plan : Plan
    engine : CompiledNetwork, optional
        The plan's network's engine (the only one the query layer uses; kept for
        callers that pass it).
    row_errors : (rows, messages, kinds), optional
        Rows the reader could not use as they were (too many fields, a line over the
        limit); they keep their message and are not scored.

    Returns
    -------
    Block
        The output columns, in the plan's order, the number of rows scored and the
        rows per kind of problem.
    """
    net = plan.network
    causes = net.causes
    error: ObjArray = np.full(n, "", dtype=object)
    bad = np.zeros(n, dtype=bool)
    kinds: Counter[str] = Counter()
    if row_errors is not None and len(row_errors[0]):
        error[row_errors[0]] = row_errors[1]
        bad[row_errors[0]] = True
        kinds.update(Counter(row_errors[2].tolist()))
    codes, shown, invalid, answered = _encode(cells, n, plan, error, bad)
    kinds.update(invalid)
    outputs = {name: empty_output(name, n) for name in plan.outputs if name != "error"}
    top = np.full(n, -1, dtype=np.int64)
    scored = np.zeros(n, dtype=bool)
    complications = net.nodes_in("complication")
    good = np.flatnonzero(~bad)
    if engine is not None and engine is not net.engine:
        raise ValueError(
            "The 'engine' parameter of score_block must be the plan's network's engine."
        )
    batches = engine_batches(good)
    # a cause's name by index, and "" for -1 (no cause)
    names_or_blank: ObjArray = np.array([*causes, ""], dtype=object)

    def query(rows: IntArray) -> CaseQueries:
        return query_cases(
            net,
            {node: c[rows] for node, c in codes.items()},
            given={node: answered[node][rows] for node in shown},
            pathologic=plan.explain,
            risks=plan.explain,
            explain=plan.explain,
            triage_reasons=plan.explain,
            file_columns=plan.explain,
        )

    # Two batches at a time, but not with the explanations (their memory would double);
    # an engine's first batch alone (see pipelined).
    found_all = (
        map(query, batches)
        if plan.explain
        else pipelined(query, batches, first_alone=net.engine not in _WARM)
    )
    for rows, found in zip(batches, found_all, strict=True):
        _WARM.add(net.engine)
        possible = found.possible
        impossible = rows[~possible]
        if len(impossible):
            error[impossible] = _impossible_text(_answers(plan, shown), answered, impossible)
            kinds["impossible answers"] += len(impossible)
        ok = rows[possible]
        scored[ok] = True
        for i, c in enumerate(causes):
            outputs[f"p_{c}"][ok] = found.posterior[possible, i]
        if causes:
            top[ok] = first_ranked(found.posterior[possible])
        outputs["p_serious"][ok] = found.p_serious[possible]
        outputs["conflict"][ok] = found.conflict[possible]
        outputs["triage"][ok] = found.triage[possible]
        outputs["triage_within_hours"][ok] = found.triage_within_hours[possible]
        outputs["red_flags"][ok] = found.red_flags[possible]
        outputs["screen_unanswered"][ok] = found.screen_unanswered[possible]
        if not plan.explain or not len(ok):
            continue
        assert found.p_pathologic is not None
        assert found.risks is not None
        outputs["p_pathologic"][ok] = found.p_pathologic[possible]
        assert found.triage_reasons is not None
        outputs["triage_reasons"][ok] = triage_reason_text(net, found.triage_reasons[possible])
        for i, c in enumerate(complications):
            outputs[f"risk_{c}"][ok] = found.risks[possible, i]
        if not causes:
            continue
        assert found.reasons is not None
        assert found.mpe is not None
        assert found.mpe_probability is not None
        outputs["reasons"][ok] = _reasons(
            _answers(plan, shown), found.reasons, rows, top[rows], possible
        )
        assert found.context_posterior is not None
        post = found.posterior[possible]
        factor = odds_factor(post, found.context_posterior[possible])
        pick = pointed(post, factor)[:, 0]
        outputs["pointed_cause"][ok] = names_or_blank[pick]
        outputs["pointed_odds_factor"][ok] = np.where(
            pick >= 0, factor[np.arange(len(pick)), pick], np.nan
        )
        outputs["next_question"][ok] = found.next_question()[possible]
        outputs["mpe"][ok] = mpe_text(net, found.mpe[possible])
        outputs["p_mpe"][ok] = found.mpe_probability[possible]
    outputs["top_cause"] = names_or_blank[top]
    out: dict[str, npt.NDArray[Any]] = {name: outputs[name] for name in plan.outputs[:-1]}
    out["error"] = error
    said_no = np.zeros(n, dtype=bool)
    if PRESENTATION in answered:
        no = _state_index(net.states(PRESENTATION), "no", 0)
        said_no = answered[PRESENTATION] & (codes[PRESENTATION] == no)
    open_screen = self_care_unscreened(out["triage"], out["screen_unanswered"])
    return Block(
        out, int(scored.sum()), kinds, int((said_no & scored).sum()), int(open_screen.sum())
    )


_TEXT_COLUMNS = frozenset(
    {
        "top_cause",
        "reasons",
        "pointed_cause",
        "next_question",
        "triage",
        "red_flags",
        "triage_reasons",
        "mpe",
        "error",
    }
)


def empty_output(name: str, n: int) -> npt.NDArray[Any]:
    """Return an output column before scoring: "" for text, NaN for numbers.

    Every output column starts so (``error`` is filled apart), and a file with no
    rows is written with these types, so that its schema is that of any other.
    """
    if name in _TEXT_COLUMNS:
        return np.full(n, "", dtype=object)
    return np.full(n, np.nan)


def _reasons(
    answers: Mapping[str, tuple[IntArray, ObjArray]],
    found: Reasons,
    rows: IntArray,
    top: IntArray,
    possible: npt.NDArray[np.bool_],
) -> ObjArray:
    """Name the answers that moved each scored row's top cause most (leave-one-out)."""
    keep = np.flatnonzero(possible)
    tops = top[keep]
    if not found.nodes:
        return np.full(len(keep), "", dtype=object)
    change = found.change[keep, :, :][np.arange(len(keep)), :, tops]
    cells: ObjArray = np.full(change.shape, "", dtype=object)
    for j, node in enumerate(found.nodes):
        index, texts = answers[node]
        cells[:, j] = texts[index[rows[keep]]]
    return reasons_text(change, cells)
