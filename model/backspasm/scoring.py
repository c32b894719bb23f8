"""Score case tables: validate every row, compute exact posteriors in batches, report errors.

Two entry points:

* :func:`score_cases` scores a pandas (or Dask) DataFrame and returns it with the
  output columns appended;
* :func:`score_file` streams a CSV or Parquet file of any size through the same
  scorer chunk by chunk and writes the result atomically, with a provenance sidecar.

Every input row comes back, in order, with its input values untouched. A row that
cannot be scored keeps its place: its probabilities are empty and its ``error`` cell
says why. Only a file that cannot be read at all raises :class:`CaseFileError`.

Output columns, after the input columns: ``p_<cause>`` for every cause, ``p_serious``
(exact probability that at least one serious cause is present), ``top_cause``, then
``reasons`` and ``next_question`` when asked for, ``conflict`` (Jensen's conflict
measure of the answers; positive means answers unlikely together), ``triage`` and
``red_flags``, and ``error``.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import importlib
import io
import itertools
import json
import math
import os
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeAlias, TypeVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._files import (
    META_SUFFIX,
    PARQUET_SUFFIXES,
    AtomicFile,
    SignalGuard,
    check_paths,
    output_format,
)
from backspasm._numeric import logit as _logit
from backspasm.exceptions import CaseFileError, EvidenceError
from backspasm.explain import conflict_batch, next_question_batch
from backspasm.network import Network, default_network
from backspasm.questionnaire import Question, encode_column, questions_for

if TYPE_CHECKING:
    from backspasm.engine import CompiledNetwork

__all__ = ["ScoringSummary", "ScoringWarning", "output_columns", "score_cases", "score_file"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
ObjArray: TypeAlias = npt.NDArray[np.object_]
Frame = TypeVar("Frame")

#: Error text of a row whose answers have probability zero together.
IMPOSSIBLE = "answers are impossible together under the network"
#: ``ScoringSummary.exit_code`` values (the command line exits with them).
EXIT_OK, EXIT_ROW_ERRORS = 0, 3

_DELIMITERS = ",;\t"
_HEAD_BYTES = 64 * 1024
# csv.Sniffer's regular expressions take quadratic time on unlucky text (13 s for
# 64 KiB of `,"a`); a few KiB of whole lines are plenty to tell , from ; from tab.
_SNIFF_BYTES = 8 * 1024
_READ_BLOCK = 4 * 1024 * 1024
_SHOW_CHARS = 40
_NEAR_MISS_CUTOFF = 0.8
# An answer must move the top cause's odds at least this much to be named.
_EXPLAIN_MIN_FACTOR = 1.1
_EXPLAIN_TOP = 3
_ENGINE_BATCH = 25_000
_QUOTE, _LF, _CR, _SPACE, _TAB = 34, 10, 13, 32, 9


class ScoringWarning(UserWarning):
    """A case table was scored, but something about it deserves a look."""


# ------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class _Column:
    """A contract column found in the input, and how to encode it."""

    position: int
    question: Question
    states: tuple[str, ...]
    used: bool  # False when the network has no node for it: checked, not used


@dataclass(frozen=True)
class _Plan:
    """What to do with each input column; built once per table or file."""

    network: Network
    columns: tuple[_Column, ...]
    id_position: int | None
    outputs: tuple[str, ...]
    explain: bool
    triage: Callable[..., tuple[Any, Any]] | None
    warnings: tuple[str, ...]


def _triage_hook() -> Callable[..., tuple[Any, Any]] | None:
    """Return ``backspasm.triage.triage_batch`` if that module exists.

    This is the hook for the ``triage`` and ``red_flags`` columns: they are added right
    before ``error`` exactly when this returns a function.
    """
    try:
        module = importlib.import_module("backspasm.triage")
    except ModuleNotFoundError as exc:
        if exc.name == "backspasm.triage":
            return None
        raise
    hook: Callable[..., tuple[Any, Any]] | None = getattr(module, "triage_batch", None)
    return hook


def output_columns(network: Network | None = None, *, explain: bool = False) -> tuple[str, ...]:
    """Return the names of the columns scoring appends, in order.

    Parameters
    ----------
    network : Network, optional
        Defaults to the bundled network.
    explain : bool, default False
        Include the ``reasons`` and ``next_question`` columns.

    Returns
    -------
    tuple of str
        ``p_<cause>`` per cause, ``p_serious``, ``top_cause``, [``reasons``,
        ``next_question``], ``conflict``, [``triage``, ``red_flags``], ``error``.
    """
    net = network if network is not None else default_network()
    return _outputs(net, explain, _triage_hook() is not None)


def _outputs(network: Network, explain: bool, triage: bool) -> tuple[str, ...]:
    names = [f"p_{c}" for c in network.causes]
    names += ["p_serious", "top_cause"]
    names += ["reasons", "next_question"] if explain else []
    names += ["conflict"]
    names += ["triage", "red_flags"] if triage else []
    return (*names, "error")


def _fallback_states(q: Question) -> tuple[str, ...]:
    return q.states or ("no", "yes")


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _make_plan(header: Sequence[object], network: Network, *, explain: bool) -> _Plan:
    questions = questions_for(network)
    by_name = {q.column: q for q in questions}
    names = list(by_name)
    nodes = set(network.model.nodes())
    triage = _triage_hook()
    outputs = _outputs(network, explain, triage is not None)
    seen: dict[str, int] = {}
    columns: list[_Column] = []
    notes: list[str] = []
    repeated: list[str] = []
    unused: list[str] = []
    for position, label in enumerate(header):
        if isinstance(label, str) and label in by_name:
            if label in seen:
                repeated.append(label)
                continue
            seen[label] = position
            q = by_name[label]
            if q.node is None:
                continue
            used = q.node in nodes
            states = network.states(q.node) if used else _fallback_states(q)
            try:
                encode_column(q, pd.Series([], dtype=object), states)
            except KeyError:
                raise EvidenceError(
                    f"Node '{q.node}' of the network has states {', '.join(states)}; the "
                    f"question '{q.column}' needs {', '.join(_fallback_states(q))}."
                ) from None
            columns.append(_Column(position, q, states, used))
            if not used:
                unused.append(label)
            continue
        text = str(label)
        guess = _normalise(text)
        if text in outputs:
            continue
        match = (
            guess
            if guess in by_name
            else next(iter(difflib.get_close_matches(guess, names, 1, _NEAR_MISS_CUTOFF)), None)
        )
        # A name that extends a question's (true_fever, p_fever) is deliberate.
        if match is not None and (match == guess or match not in guess):
            notes.append(
                f"column {text!r} is not a question; did you mean {match!r}? "
                "It was passed through unscored."
            )
    for name in dict.fromkeys(repeated):
        count = repeated.count(name) + 1
        notes.append(f"column {name!r} appears {count} times; only the first one was scored.")
    if unused:
        shown = ", ".join(repr(u) for u in unused)
        notes.append(
            f"column(s) {shown} ask about nodes this network does not have; "
            "their answers were checked but not used."
        )
    clash = [str(c) for c in header if isinstance(c, str) and c in outputs]
    if clash:
        notes.append(
            f"input column(s) {', '.join(repr(c) for c in dict.fromkeys(clash))} have the name "
            "of an output column; they were passed through and the new ones added after them."
        )
    if not columns and len(header) > 0:
        notes.append(
            "no column is a question of the case-file contract (see `backspasm schema`); "
            "every row was scored on back_spasm = yes alone."
        )
    return _Plan(
        network=network,
        columns=tuple(columns),
        id_position=seen.get("case_id"),
        outputs=outputs,
        explain=explain,
        triage=triage,
        warnings=tuple(notes),
    )


# ------------------------------------------------------------------- the scorer


@dataclass
class _Block:
    """The output columns of one batch of rows."""

    columns: dict[str, npt.NDArray[Any]]
    scored: int
    kinds: Counter[str]


def _show(value: object) -> str:
    """Repr of a cell for an error message, cut to about 40 characters."""
    if isinstance(value, str):
        return repr(value) if len(value) <= _SHOW_CHARS else repr(value[:_SHOW_CHARS]) + "..."
    text = repr(value)
    return text if len(text) <= _SHOW_CHARS + 2 else text[:_SHOW_CHARS] + "..."


def _append_errors(error: ObjArray, rows: IntArray, messages: ObjArray) -> None:
    current = error[rows]
    error[rows] = np.where(current == "", messages, current + "; " + messages)


def _state_index(states: tuple[str, ...], name: str, fallback: int) -> int:
    return states.index(name) if name in states else fallback


def _score(
    cells: Mapping[int, pd.Series],
    n: int,
    plan: _Plan,
    *,
    engine: CompiledNetwork | None = None,
    pre_errors: tuple[IntArray, ObjArray] | None = None,
) -> _Block:
    """Score ``n`` rows whose contract columns are ``cells`` (keyed by input position)."""
    net = plan.network
    causes = net.causes
    error: ObjArray = np.full(n, "", dtype=object)
    bad = np.zeros(n, dtype=bool)
    kinds: Counter[str] = Counter()
    if pre_errors is not None and len(pre_errors[0]):
        error[pre_errors[0]] = pre_errors[1]
        bad[pre_errors[0]] = True
        kinds["too many fields"] += len(pre_errors[0])
    ragged = bad.copy()
    codes: dict[str, IntArray] = {}
    shown: dict[str, tuple[IntArray, Any]] = {}
    for col in plan.columns:
        q = col.question
        # Columns hold few distinct values: encode those once, then gather.
        index, found = pd.factorize(cells[col.position], use_na_sentinel=True)
        # Python scalars, so that error messages show 2, not np.int64(2).
        uniques = np.asarray(found, dtype=object)
        u_codes, u_invalid = encode_column(q, pd.Series(uniques), col.states)
        # Sentinel -1 (missing) picks the appended "unanswered" entry.
        u_codes = np.append(u_codes, -1)
        u_invalid = np.append(u_invalid, False)
        row_invalid = u_invalid[index]
        if row_invalid.any():
            messages: ObjArray = np.full(len(u_invalid), "", dtype=object)
            for j in np.flatnonzero(u_invalid):
                messages[j] = f"{q.column}: {_show(uniques[j])} is not allowed ({q.allowed})"
            rows = np.flatnonzero(row_invalid & ~ragged)
            if len(rows):
                _append_errors(error, rows, messages[index[rows]])
                kinds[f"invalid {q.column}"] += len(rows)
            bad |= row_invalid
        if col.used and q.node is not None:
            codes[q.node] = u_codes[index]
            shown[q.node] = (index, uniques)
    nodes = set(net.model.nodes())
    if "back_spasm" in nodes:
        yes = _state_index(net.states("back_spasm"), "yes", 1)
        given = codes.get("back_spasm")
        codes["back_spasm"] = (
            np.full(n, yes, dtype=np.int64) if given is None else np.where(given < 0, yes, given)
        )
    probs = np.full((n, len(causes)), np.nan)
    p_serious = np.full(n, np.nan)
    top = np.full(n, -1, dtype=np.int64)
    scored = np.zeros(n, dtype=bool)
    explanation: ObjArray = np.full(n, "", dtype=object)
    next_question: ObjArray = np.full(n, "", dtype=object)
    conflict = np.full(n, np.nan)
    triage: ObjArray = np.full(n, "", dtype=object)
    flags: ObjArray = np.full(n, "", dtype=object)
    yes_cols = [_state_index(net.states(c), "yes", len(net.states(c)) - 1) for c in causes]
    good = np.flatnonzero(~bad)
    eng: CompiledNetwork | None = None
    if len(good):
        eng = engine if engine is not None else net.engine
    # The engine's working memory grows with the batch; beyond a few ten thousand
    # rows bigger batches only cost memory, not time.
    for start in range(0, len(good), _ENGINE_BATCH):
        assert eng is not None
        rows = good[start : start + _ENGINE_BATCH]
        ev = {node: c[rows] for node, c in codes.items()}
        post = eng.query(ev, targets=list(causes))
        possible = post.possible
        impossible = rows[~possible]
        if len(impossible):
            error[impossible] = IMPOSSIBLE
            kinds["impossible answers"] += len(impossible)
        ok = rows[possible]
        scored[ok] = True
        ps = _p_serious(eng, net, ev, post.log_evidence)
        p_serious[ok] = ps[possible]
        if causes:
            marg = np.column_stack(
                [post.marginals[c][possible, j] for c, j in zip(causes, yes_cols, strict=True)]
            )
            probs[ok] = marg
            top[ok] = np.argmax(marg, axis=1)
        if not len(ok):
            continue
        ev_ok = {k: v[ok] for k, v in codes.items()}
        conflict[ok] = conflict_batch(net, ev_ok, post.log_evidence[possible])
        if plan.explain and causes:
            explanation[ok] = _explain(plan, codes, shown, ok, top, probs, eng)
            next_question[ok] = _next_question(plan, ev_ok, probs[ok], eng)
        if plan.triage is not None:
            levels, reasons = plan.triage(
                p_serious[ok], ev_ok, net, log_evidence=post.log_evidence[possible]
            )
            triage[ok] = np.asarray(levels, dtype=object)
            flags[ok] = np.asarray(reasons, dtype=object)
    scored_rows = np.flatnonzero(scored)
    out: dict[str, npt.NDArray[Any]] = {f"p_{c}": probs[:, i] for i, c in enumerate(causes)}
    out["p_serious"] = p_serious
    names: ObjArray = np.array([*causes, ""], dtype=object)
    out["top_cause"] = names[top]
    if plan.explain:
        out["reasons"] = explanation
        out["next_question"] = next_question
    out["conflict"] = conflict
    if plan.triage is not None:
        out["triage"] = triage
        out["red_flags"] = flags
    out["error"] = error
    return _Block(out, len(scored_rows), kinds)


def _next_question(
    plan: _Plan, ev: Mapping[str, IntArray], probs: FloatArray, eng: CompiledNetwork
) -> ObjArray:
    """Find each row's unanswered question with the highest expected information gain."""
    net = plan.network
    nodes = set(net.model.nodes())
    candidates: dict[str, str] = {
        q.node: q.column
        for q in questions_for(net)
        if q.node is not None
        and q.node in nodes
        and q.section in ("context", "symptom", "exposure")
    }
    beliefs = eng.query(dict(ev), targets=list(candidates)).marginals
    return next_question_batch(net, ev, candidates, probs, beliefs)


def _p_serious(
    engine: CompiledNetwork, net: Network, ev: Mapping[str, IntArray], log_e: FloatArray
) -> FloatArray:
    """Exact P(at least one serious cause | e) = 1 - P(all serious = no | e).

    One extra pass: ``log P(e)`` is reused from the marginals query.
    """
    serious = net.serious_causes
    if not serious:
        return np.zeros(len(log_e))
    none = engine.prob_conjunction(dict(ev), dict.fromkeys(serious, "no"), log_evidence=log_e)
    return np.asarray(np.clip(1.0 - none, 0.0, 1.0))


def _id_values(ids: pd.Series) -> ObjArray:
    """Non-blank ``case_id`` cells as text (blank ids are allowed and never repeat)."""
    text = ids[ids.notna()].astype(str)
    return np.asarray(text[text.str.strip() != ""], dtype=object)


def _repeated_ids(ids: pd.Series) -> tuple[int, str | None]:
    values = pd.Series(_id_values(ids), dtype=object)
    repeated = values[values.duplicated()]
    return len(repeated), (str(repeated.iloc[0]) if len(repeated) else None)


def _explain(
    plan: _Plan,
    codes: Mapping[str, IntArray],
    shown: Mapping[str, tuple[IntArray, Any]],
    rows: IntArray,
    top: IntArray,
    probs: FloatArray,
    eng: CompiledNetwork,
) -> ObjArray:
    """Name the answers that moved each row's top cause most (leave-one-out odds factors).

    For each answered question, the top cause is re-scored without that answer; the
    ratio of its odds with and without the answer is the answer's weight given all
    the others. Costs one extra engine pass per answered question.
    """
    net = plan.network
    text: ObjArray = np.full(len(rows), "", dtype=object)
    asked = [
        c
        for c in plan.columns
        if c.used and c.question.node in shown and c.question.node != "back_spasm"
    ]
    if not len(rows) or not asked:
        return text
    causes = list(net.causes)
    yes_cols = [_state_index(net.states(c), "yes", len(net.states(c)) - 1) for c in causes]
    sub = {k: v[rows] for k, v in codes.items()}
    tops = top[rows]
    base = _logit(probs[rows, tops])
    weight = np.full((len(rows), len(asked)), np.nan)
    cell = np.full((len(rows), len(asked)), "", dtype=object)
    for j, col in enumerate(asked):
        node = col.question.node
        assert node is not None
        answered = np.flatnonzero(sub[node] >= 0)
        if not len(answered):
            continue
        ev = {k: v[answered] for k, v in sub.items()}
        ev[node] = np.full(len(answered), -1, dtype=np.int64)
        post = eng.query(ev, targets=causes)
        marg = np.column_stack(
            [post.marginals[c][:, y] for c, y in zip(causes, yes_cols, strict=True)]
        )
        without = marg[np.arange(len(answered)), tops[answered]]
        weight[answered, j] = base[answered] - _logit(without)
        index, uniques = shown[node]
        values = np.asarray([str(u).strip() for u in uniques] + [""], dtype=object)
        cell[answered, j] = col.question.column + "=" + values[index[rows[answered]]]
    strength = np.where(np.isnan(weight), 0.0, np.abs(weight))
    order = np.argsort(-strength, axis=1, kind="stable")[:, :_EXPLAIN_TOP]
    picks = np.arange(len(rows))[:, None]
    chosen_w = weight[picks, order]
    chosen_s = strength[picks, order]
    chosen_c = cell[picks, order]
    joined: ObjArray = np.full(len(rows), "", dtype=object)
    for k in range(order.shape[1]):
        keep = chosen_s[:, k] >= math.log(_EXPLAIN_MIN_FACTOR)
        if not keep.any():
            continue
        w = chosen_w[keep, k]
        factor = np.exp(np.minimum(np.abs(w), math.log(999.0)))
        label = np.where(w > 0, "x", "/").astype(object) + np.char.mod("%.1f", factor).astype(
            object
        )
        label = np.where(np.abs(w) >= math.log(999.0), np.where(w > 0, "x>999", "/>999"), label)
        part = chosen_c[keep, k] + " (" + label + ")"
        current = joined[keep]
        joined[keep] = np.where(current == "", part, current + "; " + part)
    return joined


# --------------------------------------------------------------- score_cases


def score_cases(
    cases: Frame,
    *,
    network: Network | None = None,
    explain: bool = False,
) -> Frame:
    """Score a table of cases: every row back, in order, with probabilities or an error.

    Parameters
    ----------
    cases : pandas.DataFrame or dask.dataframe.DataFrame
        One row per case. Columns named exactly as in the case-file contract (see
        ``backspasm schema``) are read as answers (case-insensitive, trimmed; blank,
        ``unknown`` or ``NA`` = not answered; ``back_spasm`` defaults to yes); any
        other column is passed through untouched.
    network : Network, optional
        Defaults to the bundled network.
    explain : bool, default False
        Add a ``reasons`` column naming the answers that moved the top cause most,
        with the factor by which each changed its odds, and a ``next_question``
        column: the unanswered question with the highest expected information gain
        about the causes. Costs extra inference passes per answered and unanswered
        question.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        The same type as ``cases``: its columns unchanged and in order, then
        ``p_<cause>`` per cause, ``p_serious``, ``top_cause``, [``reasons``,
        ``next_question``], ``conflict``, ``triage``, ``red_flags`` and ``error``. A row
        that could not be scored has NaN probabilities and says why in ``error``; its
        index is kept.

    Warns
    -----
    ScoringWarning
        For a column whose name is close to a question but not equal to it (it is
        passed through unscored), a repeated question column, repeated ``case_id``
        values, or an input column that shares a name with an output column.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = score_cases(pd.DataFrame({"fever": ["yes", "maybe"]}))
    >>> scored.loc[1, "error"]
    "fever: 'maybe' is not allowed (yes/no (also y/n, true/false, 1/0))"
    """
    net = network if network is not None else default_network()
    if _is_dask(cases):
        return _score_dask(cases, net, explain)  # type: ignore[no-any-return]
    if not isinstance(cases, pd.DataFrame):
        raise TypeError(
            "The 'cases' parameter of score_cases must be a pandas or Dask DataFrame; "
            f"got {type(cases).__name__} instead."
        )
    plan = _make_plan(list(cases.columns), net, explain=explain)
    for note in plan.warnings:
        warnings.warn(note, ScoringWarning, stacklevel=2)
    scored = _score_frame(cases, plan)
    if plan.id_position is not None:
        count, example = _repeated_ids(cases.iloc[:, plan.id_position])
        if count:
            warnings.warn(_repeated_note(count, example), ScoringWarning, stacklevel=2)
    return scored  # type: ignore[return-value]


def _score_frame(cases: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    cells = {c.position: cases.iloc[:, c.position] for c in plan.columns}
    block = _score(cells, len(cases), plan)
    new = pd.DataFrame(_typed_columns(block.columns, cases.index), index=cases.index)
    return pd.concat([cases, new], axis=1)


def _typed_columns(
    columns: Mapping[str, npt.NDArray[Any]], index: pd.Index
) -> dict[str, pd.Series]:
    return {
        name: pd.Series(values, index=index, dtype=np.float64 if values.dtype.kind == "f" else str)
        for name, values in columns.items()
    }


def _repeated_note(count: int, example: str | None) -> str:
    shown = f" (for example {_show(example)})" if example is not None else ""
    return (
        f"case_id is not unique: {count} row(s) repeat an earlier id{shown}; "
        "they were scored all the same."
    )


def _is_dask(obj: object) -> bool:
    module = type(obj).__module__
    return module.startswith("dask") and hasattr(obj, "map_partitions")


def _score_partition(part: pd.DataFrame, network: Network | None, explain: bool) -> pd.DataFrame:
    """Score one Dask partition; the warnings were issued once, on the meta."""
    net = network if network is not None else default_network()
    plan = _make_plan(list(part.columns), net, explain=explain)
    return _score_frame(part, plan)


def _score_dask(cases: Any, network: Network, explain: bool) -> Any:
    plan = _make_plan(list(cases.columns), network, explain=explain)
    for note in plan.warnings:
        warnings.warn(note, ScoringWarning, stacklevel=3)
    meta = _score_frame(cases._meta, plan)
    # The bundled network is rebuilt on each worker rather than shipped.
    shipped = None if network is default_network() else network
    return cases.map_partitions(_score_partition, shipped, explain, meta=meta)


# ------------------------------------------------------------- CSV formatting


_TABLES: tuple[npt.NDArray[np.bytes_], npt.NDArray[np.bytes_], npt.NDArray[np.bytes_]] | None = (
    None
)


def _g6_tables() -> tuple[npt.NDArray[np.bytes_], npt.NDArray[np.bytes_], npt.NDArray[np.bytes_]]:
    """Digit strings of every 6-digit mantissa, built once (about 12 MB)."""
    global _TABLES
    if _TABLES is None:
        mantissa = np.arange(100_000, 1_000_000)
        digits = mantissa.astype("S6")
        fraction = np.char.rstrip(digits, b"0")
        head = (mantissa // 100_000).astype("S1")
        rest = np.char.rstrip(np.char.zfill((mantissa % 100_000).astype("S5"), 5), b"0")
        point = np.char.add(np.char.add(head, b"."), rest)
        scientific = np.where(rest == b"", head, point).astype("S7")
        exponents = np.char.add(b"e-", np.char.zfill(np.arange(0, 400).astype("S3"), 2))
        _TABLES = (fraction, scientific, exponents)
    return _TABLES


_FIXED_PREFIX = np.array([b"0.", b"0.0", b"0.00", b"0.000"])


def _format_g6(values: FloatArray) -> npt.NDArray[np.bytes_]:
    """Format numbers like ``"%.6g"`` (NaN as empty), vectorised for [0, 10).

    ``DataFrame.to_csv(float_format=...)`` formats each value in Python; this looks
    the digits up in precomputed tables instead, about 30 times faster.
    """
    x = np.asarray(values, dtype=np.float64)
    out = np.zeros(x.shape, dtype="S12")
    fast = np.isfinite(x) & (x >= 1e-300) & (x < 10.0)
    v = x[fast]
    if len(v):
        fraction, scientific, exponents = _g6_tables()
        e = np.floor(np.log10(v)).astype(np.int64)
        m = np.rint(v * 10.0 ** (5 - e)).astype(np.int64)
        # log10 of a value just below a power of ten can land on either side of it.
        low = m < 100_000
        e[low] -= 1
        m[low] = np.rint(v[low] * 10.0 ** (5 - e[low])).astype(np.int64)
        high = m >= 1_000_000
        m[high] = np.rint(m[high] / 10.0).astype(np.int64)
        e[high] += 1
        k = m - 100_000
        text = np.zeros(v.shape, dtype="S12")
        fixed = (e >= -4) & (e < 0)
        text[fixed] = np.char.add(_FIXED_PREFIX[-e[fixed] - 1], fraction[k[fixed]])
        units = e == 0
        text[units] = scientific[k[units]]
        tiny = e < -4
        text[tiny] = np.char.add(scientific[k[tiny]], exponents[-e[tiny]])
        rest = e > 0  # [10, ...) cannot happen below 10 except by rounding 9.999995
        if rest.any():
            text[rest] = [(b"%.6g" % float(y)) for y in v[rest]]
        out[fast] = text
    zero = x == 0
    out[zero] = b"0"
    other = np.isfinite(x) & ~fast & ~zero
    if other.any():
        out[other] = [(b"%.6g" % float(y)) for y in x[other]]
    return out


def _quote(text: str, delimiter: str) -> str:
    if any(ch in text for ch in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


_SHORT_TEXT = 64


def _cells_as_bytes(
    values: npt.NDArray[Any], delimiter: str
) -> npt.NDArray[np.bytes_] | list[bytes]:
    """One output column as CSV cells, each with its leading delimiter.

    Returns a fixed-width bytes array for numbers and short labels (cause names,
    levels), so that those columns can be glued into one string per row; a list of
    shared bytes objects for free text (errors, reasons), which may be long.
    """
    lead = delimiter.encode()
    if values.dtype.kind == "f":
        return np.char.add(lead, _format_g6(values))
    # Text columns repeat a few values: quote and encode each distinct value once.
    index, uniques = pd.factorize(values, use_na_sentinel=True)
    cells = [lead + _quote(str(u), delimiter).encode() for u in uniques] + [lead]
    if len(cells) <= 256 and max(map(len, cells)) <= _SHORT_TEXT:
        return np.array(cells, dtype=f"S{max(map(len, cells))}")[index]
    table: ObjArray = np.array(cells, dtype=object)
    return list(table[index].tolist())


def _row_pieces(
    columns: Mapping[str, npt.NDArray[Any]], names: Sequence[str], delimiter: str
) -> list[list[bytes]]:
    """Return the output cells of every row, as few pieces per row as possible.

    Runs of fixed-width columns are concatenated into one bytes object per row, so a
    row costs a handful of Python objects rather than one per cell.
    """
    pieces: list[list[bytes]] = []
    run: npt.NDArray[np.bytes_] | None = None
    for name in names:
        cells = _cells_as_bytes(columns[name], delimiter)
        if isinstance(cells, np.ndarray):
            run = cells if run is None else np.char.add(run, cells)
            continue
        if run is not None:
            pieces.append(run.tolist())
            run = None
        pieces.append(cells)
    if run is not None:
        pieces.append(run.tolist())
    return pieces


def _frame_records(frame: pd.DataFrame, delimiter: str) -> list[bytes]:
    """Serialise rows as CSV records (no line end), quoting what needs it.

    ``DataFrame.to_csv`` leaves a lone CR unquoted when the line end is LF, which
    would split the record for any reader; this quotes CR, LF, quotes and delimiters.
    """
    special = "[" + re.escape(delimiter + '"\r\n') + "]"
    columns = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        text = column.astype(object).where(column.notna(), "").astype(str)
        quote = text.str.contains(special, regex=True)
        if quote.any():
            text = text.where(~quote, '"' + text.str.replace('"', '""', regex=False) + '"')
        columns.append(text)
    if not columns:
        return [b""] * len(frame)
    joined = columns[0]
    if len(columns) > 1:
        others = pd.concat(columns[1:], axis=1, ignore_index=True)
        joined = joined.str.cat(others, sep=delimiter)
    return list(joined.str.encode("utf-8"))


# ----------------------------------------------------------------- CSV reading


class _HashingReader(io.RawIOBase):
    """Read a binary stream, hashing and counting every byte that passes."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.nbytes = 0

    def readable(self) -> bool:
        return True

    def read_block(self, size: int) -> bytes:
        data = self._raw.read(size)
        self.sha256.update(data)
        self.nbytes += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read_block(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _ChainReader(io.RawIOBase):
    """Bytes already buffered, then the rest of a :class:`_HashingReader`."""

    def __init__(self, prefix: bytes, rest: _HashingReader) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if len(self._prefix):
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        return self._rest.readinto(buffer)


@dataclass
class _Chunk:
    """Rows of one chunk: parsed cells, and the raw records when they can be reused."""

    cells: dict[int, pd.Series]
    n: int
    raw: list[bytes] | None
    pre_errors: tuple[IntArray, ObjArray] | None
    frame: pd.DataFrame | None = None  # every input column, when the writer needs them
    arrow: Any = None  # the Parquet record batch, when read from Parquet


def _scan(buf: bytearray, start: int, parity: int, delimiter: int) -> tuple[IntArray, int, bool]:
    """Record-ending newlines in ``buf[start:]``, the quote parity after it, irregularity.

    A newline ends a record when an even number of quote characters precedes it
    (RFC 4180: quotes inside quoted fields are doubled, so parity tracks whether we are
    inside one). This holds when every opening quote starts a field; a quote in the
    middle of an unquoted field (``5'10"``) is literal text to CSV parsers, so the scan
    reports it as irregular and the caller switches to the slower exact parser.
    """
    if buf.find(b'"', start) < 0:
        if parity:
            return np.empty(0, dtype=np.int64), parity, False
        arr = np.frombuffer(buf, dtype=np.uint8)[start:]
        return np.flatnonzero(arr == _LF).astype(np.int64) + start, 0, False
    whole = np.frombuffer(buf, dtype=np.uint8)
    arr = whole[start:]
    is_quote = arr == _QUOTE
    # uint8 wraps at 256, which keeps the parity.
    after = (np.cumsum(is_quote, dtype=np.uint8) + parity) & 1
    ends = np.flatnonzero((arr == _LF) & (after == 0)).astype(np.int64) + start
    quotes = np.flatnonzero(is_quote) + start
    opening = quotes[((np.arange(len(quotes)) + parity) & 1) == 0]
    previous = whole[np.maximum(opening - 1, 0)]
    regular = (opening == 0) | (previous == delimiter) | (previous == _LF) | (previous == _QUOTE)
    return ends, int((parity + len(quotes)) & 1), not bool(regular.all())


def _sniff_delimiter(sample: str) -> str:
    first = sample.split("\n", 1)[0]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    if counts.get(found, 0) > 0:
        return found
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


class _CsvSource:
    """Stream a CSV file as chunks of whole records, with a fast and an exact path.

    Fast path: records are split by quote parity with numpy, cells parsed by the pandas
    C parser, and each raw record is kept to be written back byte for byte. Exact path
    (a quote inside an unquoted field, or a chunk the fast parser disagrees with): the
    :mod:`csv` module, and the rows are written back through pandas.
    """

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self.name = name
        self._in = _HashingReader(stream)
        head = self._in.read_block(_HEAD_BYTES)
        while len(head) < _HEAD_BYTES:
            more = self._in.read_block(_HEAD_BYTES - len(head))
            if not more:
                break
            head += more
        self._eof = len(head) < _HEAD_BYTES
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise CaseFileError(
                f"case file '{name}' is UTF-16 text; save it as UTF-8 (CSV UTF-8 in Excel)."
            )
        head = head.removeprefix(b"\xef\xbb\xbf")
        sample = head[:_SNIFF_BYTES]
        sample = sample[: sample.rfind(b"\n") + 1] or sample
        self.delimiter = _sniff_delimiter(sample.decode("utf-8", errors="replace"))
        self._d = ord(self.delimiter)
        self._buf = bytearray(head)
        self._line = 1
        self._reader: Any = None
        self.header: list[str]
        self.header_raw: bytes | None
        self.header, self.header_raw = self._read_header()

    # -- helpers --------------------------------------------------------------------
    def _fill(self) -> bool:
        if self._eof:
            return False
        block = self._in.read_block(_READ_BLOCK)
        if not block:
            self._eof = True
            return False
        self._buf += block
        return True

    def _decode(self, data: bytes, first_line: int) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + data.count(b"\n", 0, exc.start)
            byte = data[exc.start : exc.start + 1].hex()
            raise CaseFileError(
                f"case file '{self.name}' is not UTF-8 text: byte 0x{byte} on line {line} "
                "cannot be decoded; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)."
            ) from None

    def _read_header(self) -> tuple[list[str], bytes | None]:
        while True:
            ends, _, _ = _scan(self._buf, 0, 0, self._d)
            if len(ends) or not self._fill():
                break
        cut = int(ends[0]) + 1 if len(ends) else len(self._buf)
        while cut and not bytes(self._buf[:cut]).strip(b" \t\r\n"):
            # Blank lines before the header.
            self._line += 1
            del self._buf[:cut]
            while True:
                ends, _, _ = _scan(self._buf, 0, 0, self._d)
                if len(ends) or not self._fill():
                    break
            cut = int(ends[0]) + 1 if len(ends) else len(self._buf)
        raw = bytes(self._buf[:cut])
        if not raw.strip(b" \t\r\n"):
            raise CaseFileError(
                f"case file '{self.name}' is empty: expected a header row naming the columns."
            )
        if raw.count(b"\r") != raw.count(b"\r\n"):
            # Classic Mac line ends (CR only): only the csv module splits those records.
            self._reader = self._csv_reader(bytes(self._buf))
            self._buf = bytearray()
            return self._first_row(), None
        text = self._decode(raw, self._line)
        self._line += raw.count(b"\n")
        del self._buf[:cut]
        fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter))
        return fields, raw.rstrip(b"\r\n")

    # -- chunks -----------------------------------------------------------------------
    def chunks(self, rows: int, positions: Sequence[int]) -> Iterator[_Chunk]:
        """Yield chunks of at most ``rows`` records, parsing the columns at ``positions``."""
        if self._reader is not None:
            yield from self._exact_batches(self._reader, rows, positions)
            return
        buf = self._buf
        ends = np.empty(0, dtype=np.int64)
        scanned = parity = 0
        while True:
            if scanned < len(buf):
                found, parity, irregular = _scan(buf, scanned, parity, self._d)
                if irregular:
                    reader = self._csv_reader(bytes(buf))
                    yield from self._exact_batches(reader, rows, positions)
                    return
                ends = np.concatenate([ends, found])
                scanned = len(buf)
            if len(ends) >= rows or (self._eof and buf):
                if len(ends) >= rows:
                    cut = int(ends[rows - 1]) + 1
                    ends = ends[rows:] - cut
                else:
                    if parity:
                        last = int(ends[-1]) + 1 if len(ends) else 0
                        line = self._line + buf.count(b"\n", 0, last)
                        raise CaseFileError(
                            f"case file '{self.name}': a quoted field in the record starting "
                            f"on line {line} is never closed."
                        )
                    cut = len(buf)
                    ends = np.empty(0, dtype=np.int64)
                data = bytes(buf[:cut])
                del buf[:cut]
                scanned -= cut
                first = self._line
                self._line += data.count(b"\n")
                yield self._fast_chunk(data, first, positions)
                continue
            if not self._fill() and not buf:
                return

    def _fast_chunk(self, data: bytes, first_line: int, positions: Sequence[int]) -> _Chunk:
        self._decode(data, first_line)
        if data.count(b"\r") != data.count(b"\r\n"):
            # A lone CR ends a record for CSV parsers, not for the newline scan.
            return self._exact_chunk(data.decode("utf-8"), positions)
        width = len(self.header)
        arr = np.frombuffer(data, dtype=np.uint8)
        has_quotes = data.find(b'"') >= 0
        if has_quotes:
            even = (np.cumsum(arr == _QUOTE, dtype=np.uint8) & 1) == 0
            ends = np.flatnonzero((arr == _LF) & even)
            delims = (arr == self._d) & even
        else:
            ends = np.flatnonzero(arr == _LF)
            delims = arr == self._d
        if not len(ends) or ends[-1] != len(data) - 1:
            ends = np.append(ends, len(data))
        starts = np.concatenate([[0], ends[:-1] + 1])
        stops = ends - ((ends > starts) & (arr[np.maximum(ends - 1, 0)] == _CR))
        blank_bytes = (arr == _SPACE) | (arr == _CR) | (arr == _LF)
        if self._d != _TAB:
            blank_bytes |= arr == _TAB
        content = np.add.reduceat(~blank_bytes, starts, dtype=np.int64) if len(arr) else starts
        fields = 1 + (np.add.reduceat(delims, starts, dtype=np.int64) if len(arr) else starts)
        keep = content > 0
        starts, stops, fields = starts[keep], stops[keep], fields[keep]
        n = len(starts)
        frame = self._c_parse(data, positions, n)
        if frame is None or len(frame) != n:
            return self._exact_chunk(data.decode("utf-8"), positions)
        raw = [data[s:e] for s, e in zip(starts.tolist(), stops.tolist(), strict=True)]
        pre_errors = None
        ragged = np.flatnonzero(fields != width)
        if len(ragged):
            lead = self.delimiter.encode()
            long_rows, messages = [], []
            for i in ragged.tolist():
                count = int(fields[i])
                if count < width:
                    raw[i] += lead * (width - count)
                    continue
                inside = np.flatnonzero(delims[starts[i] : stops[i]])
                raw[i] = raw[i][: int(inside[width - 1])]
                long_rows.append(i)
                messages.append(f"row has {count} fields, header has {width}")
            if long_rows:
                pre_errors = (
                    np.array(long_rows, dtype=np.int64),
                    np.array(messages, dtype=object),
                )
        cells = {p: frame.iloc[:, i] for i, p in enumerate(positions)}
        return _Chunk(cells, n, raw, pre_errors, frame)

    def _c_parse(self, data: bytes, positions: Sequence[int], n: int) -> pd.DataFrame | None:
        if not positions:
            return pd.DataFrame(index=pd.RangeIndex(n))
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            try:
                return pd.read_csv(
                    io.BytesIO(data),
                    sep=self.delimiter,
                    header=None,
                    names=list(range(len(self.header))),
                    usecols=list(positions),
                    index_col=False,
                    dtype=object,
                    na_filter=False,
                    quotechar='"',
                    doublequote=True,
                    skip_blank_lines=True,
                    engine="c",
                    low_memory=False,
                    encoding="utf-8",
                )
            except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError):
                return None

    def _exact_rows(self, rows: list[list[str]], positions: Sequence[int]) -> _Chunk:
        width = len(self.header)
        rows = [r for r in rows if r and not (len(r) == 1 and not r[0].strip(" \t"))]
        long_rows, messages = [], []
        for i, row in enumerate(rows):
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            elif len(row) > width:
                long_rows.append(i)
                messages.append(f"row has {len(row)} fields, header has {width}")
                rows[i] = row[:width]
        columns = list(zip(*rows, strict=True)) if rows else [()] * width
        frame = pd.DataFrame(
            {i: np.asarray(col, dtype=object) for i, col in enumerate(columns)},
            index=pd.RangeIndex(len(rows)),
            columns=list(range(width)),
        )
        pre = (
            (np.array(long_rows, dtype=np.int64), np.array(messages, dtype=object))
            if long_rows
            else None
        )
        cells = {p: frame.iloc[:, p] for p in positions}
        return _Chunk(cells, len(rows), None, pre, frame)

    def _reader_of(self, text: Any) -> Iterator[list[str]]:
        return csv.reader(text, delimiter=self.delimiter, quotechar='"', doublequote=True)

    def _exact_chunk(self, text: str, positions: Sequence[int]) -> _Chunk:
        with _FieldLimit():
            rows = list(self._reader_of(io.StringIO(text, newline="")))
        return self._exact_rows(rows, positions)

    def _csv_reader(self, prefix: bytes) -> Any:
        """Return a csv reader over ``prefix`` and then the rest of the input."""
        stream = io.TextIOWrapper(
            io.BufferedReader(_ChainReader(prefix, self._in)), encoding="utf-8", newline=""
        )
        return self._reader_of(stream)

    def _read_rows(self, reader: Any, rows: int) -> list[list[str]]:
        with _FieldLimit():
            try:
                return list(itertools.islice(reader, rows))
            except UnicodeDecodeError:
                raise CaseFileError(
                    f"case file '{self.name}' is not UTF-8 text near line "
                    f"{self._line + reader.line_num}; save the file as UTF-8."
                ) from None

    def _first_row(self) -> list[str]:
        while row := self._read_rows(self._reader, 1):
            if row[0] and not (len(row[0]) == 1 and not row[0][0].strip(" \t")):
                return row[0]
        raise CaseFileError(
            f"case file '{self.name}' is empty: expected a header row naming the columns."
        )

    def _exact_batches(self, reader: Any, rows: int, positions: Sequence[int]) -> Iterator[_Chunk]:
        while batch := self._read_rows(reader, rows):
            yield self._exact_rows(batch, positions)

    @property
    def sha256(self) -> str:
        return self._in.sha256.hexdigest()

    def close(self) -> None:
        if self._in._raw is not getattr(sys.stdin, "buffer", None):
            self._in._raw.close()

    @property
    def nbytes(self) -> int:
        return self._in.nbytes


class _FieldLimit:
    """Lift the csv module's 128 KiB cell limit while reading (huge cells are data)."""

    def __enter__(self) -> None:
        self._old = csv.field_size_limit()
        csv.field_size_limit(2**31 - 1)

    def __exit__(self, *exc: object) -> None:
        csv.field_size_limit(self._old)


# ------------------------------------------------------------------- Parquet


def _pyarrow(name: str) -> tuple[Any, Any]:
    try:
        # Optional dependency without type information: imported by name.
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise CaseFileError(
            f"'{name}' is a Parquet file, which needs pyarrow: pip install 'backspasm[parquet]'."
        ) from None
    return pa, pq


class _ParquetSource:
    """Stream a Parquet file in record batches (its column types are kept)."""

    delimiter = ","

    def __init__(self, source: str | io.BytesIO, name: str, sha256: str, nbytes: int) -> None:
        pa, pq = _pyarrow(name)
        self.name = name
        self.sha256 = sha256
        self.nbytes = nbytes
        try:
            self._file = pq.ParquetFile(source)
        except (pa.ArrowException, OSError) as exc:
            raise CaseFileError(f"cannot read Parquet file '{name}': {_first_line(exc)}") from None
        self.header: list[str] = list(self._file.schema_arrow.names)
        self.schema = self._file.schema_arrow
        self.rows = int(self._file.metadata.num_rows)

    def close(self) -> None:
        close = getattr(self._file, "close", None)
        if close is not None:
            close()

    def chunks(self, rows: int, positions: Sequence[int]) -> Iterator[_Chunk]:
        pa, _ = _pyarrow(self.name)
        try:
            for batch in self._file.iter_batches(batch_size=rows):
                frame = batch.to_pandas()
                frame.columns = list(range(frame.shape[1]))
                cells = {p: frame.iloc[:, p] for p in positions}
                yield _Chunk(cells, len(frame), None, None, frame, batch)
        except pa.ArrowException as exc:
            raise CaseFileError(
                f"cannot read Parquet file '{self.name}': {_first_line(exc)}"
            ) from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _hash_file(path: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


# ------------------------------------------------------------------- writers


class _Sink:
    """An output file written atomically (see :class:`AtomicFile`), or stdout."""

    def __init__(self, output: str) -> None:
        self.path: Path | None = None if output == "-" else Path(output)
        self.file: AtomicFile | None = None
        if self.path is None:
            buffer = getattr(sys.stdout, "buffer", None)
            self.fh: BinaryIO = (
                buffer if buffer is not None else cast(BinaryIO, _TextToBytes(sys.stdout))
            )
            return
        self.file = AtomicFile(self.path)
        self.fh = self.file.fh

    def finish(self) -> None:
        """Flush everything written (and sync a file to disk); rename nothing yet."""
        if self.file is None:
            self.fh.flush()
        else:
            self.file.finish()

    def abort(self) -> None:
        if self.file is not None:
            self.file.discard()


class _TextToBytes:
    """Adapter for a text stdout without ``.buffer`` (some notebook or test consoles)."""

    def __init__(self, text: Any) -> None:
        self._text = text

    def write(self, data: bytes) -> int:
        self._text.write(data.decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self._text.flush()


class _CsvWriter:
    def __init__(self, sink: _Sink, delimiter: str, outputs: Sequence[str]) -> None:
        self.sink = sink
        self.delimiter = delimiter
        self.outputs = list(outputs)

    def header(self, header: Sequence[str], raw: bytes | None) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="\n")
        if raw is None:
            writer.writerow([*header, *self.outputs])
            self.sink.fh.write(buffer.getvalue().encode())
            return
        writer.writerow(self.outputs)
        lead = self.delimiter.encode() if header else b""
        self.sink.fh.write(raw + lead + buffer.getvalue().encode())

    def write(self, chunk: _Chunk, block: _Block, header: Sequence[str]) -> None:
        if chunk.raw is not None:
            self._write_raw(chunk.raw, block)
        else:
            assert chunk.frame is not None
            self._write_raw(_frame_records(chunk.frame, self.delimiter), block)

    def _write_raw(self, raw: list[bytes], block: _Block) -> None:
        n = len(raw)
        if not n:
            return
        pieces = _row_pieces(block.columns, self.outputs, self.delimiter)
        width = len(pieces) + 2
        parts: list[bytes | None] = [None] * (n * width)
        parts[0::width] = raw
        for j, column in enumerate(pieces, start=1):
            parts[j::width] = column
        parts[width - 1 :: width] = [b"\n"] * n
        self.sink.fh.write(b"".join(parts))  # type: ignore[arg-type]


class _ParquetWriter:
    def __init__(self, sink: _Sink, name: str, outputs: Sequence[str]) -> None:
        self.pa, self.pq = _pyarrow(name)
        self.sink = sink
        self.outputs = list(outputs)
        self._writer: Any = None
        self._schema: Any = None

    def _table(self, chunk: _Chunk | None, block: _Block | None, header: Sequence[str]) -> Any:
        pa = self.pa
        arrays: list[Any] = []
        if chunk is not None and chunk.arrow is not None:
            arrays = list(chunk.arrow.columns)
        elif chunk is not None:
            assert chunk.frame is not None
            arrays = [
                pa.array(chunk.frame.iloc[:, i].to_numpy(dtype=object), type=pa.string())
                for i in range(len(header))
            ]
        else:
            arrays = [pa.array([], type=pa.string()) for _ in header]
        for name in self.outputs:
            values = block.columns[name] if block is not None else np.array([], dtype=object)
            if values.dtype.kind == "f":
                arrays.append(pa.array(np.asarray(values, dtype=np.float64), from_pandas=True))
            else:
                arrays.append(pa.array(values.tolist(), type=pa.string()))
        return pa.Table.from_arrays(arrays, names=[*header, *self.outputs])

    def write(self, chunk: _Chunk | None, block: _Block | None, header: Sequence[str]) -> None:
        table = self._table(chunk, block, header)
        if self._writer is None:
            self._schema = table.schema
            self._writer = self.pq.ParquetWriter(self.sink.fh, self._schema)
        elif not table.schema.equals(self._schema):
            table = table.cast(self._schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


# ------------------------------------------------------------------- summary


@dataclass(frozen=True)
class ScoringSummary:
    """What :func:`score_file` did.

    Parameters
    ----------
    rows : int
        Rows read (and written).
    scored : int
        Rows with probabilities.
    errors_by_kind : dict of str to int
        Rows per problem (``invalid <column>``, ``too many fields``,
        ``impossible answers``); a row may count under several kinds.
    warnings : tuple of str
        File-level remarks: near-miss column names, repeated ids, ...
    seconds : float
        Wall time.
    rows_per_second : float
        ``rows / seconds``.
    input_sha256 : str
        SHA-256 of the input bytes, as read.
    output : Path or None
        The written file (None for stdout).
    meta : Path or None
        The provenance sidecar (None for stdout).
    input_format : {"csv", "parquet"}
        How the input was read.
    delimiter : str
        The CSV delimiter found (and used for CSV output).
    input_bytes : int
        Size of the input.
    """

    rows: int
    scored: int
    errors_by_kind: dict[str, int]
    warnings: tuple[str, ...]
    seconds: float
    rows_per_second: float
    input_sha256: str
    output: Path | None
    meta: Path | None
    input_format: str = "csv"
    delimiter: str = ","
    input_bytes: int = 0

    @property
    def errors(self) -> int:
        """Rows that carry an error."""
        return self.rows - self.scored

    @property
    def exit_code(self) -> int:
        """0 when every row was scored, 3 when some rows carry an error."""
        return EXIT_OK if self.errors == 0 else EXIT_ROW_ERRORS

    def format(self) -> str:
        """Return a short multi-line report for stderr.

        Returns
        -------
        str
            Counts and speed, errors by kind, warnings and the provenance file.
        """
        where = str(self.output) if self.output is not None else "stdout"
        lines = [
            f"scored {self.scored:,} of {self.rows:,} rows in {self.seconds:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s) -> {where}"
        ]
        if self.errors:
            lines.append(f"{self.errors:,} rows carry an error (see the 'error' column):")
            for kind, count in sorted(self.errors_by_kind.items(), key=lambda kv: -kv[1]):
                lines.append(f"  {kind}: {count:,}")
        lines += [f"warning: {w}" for w in self.warnings]
        if self.meta is not None:
            lines.append(f"provenance: {self.meta}")
        return "\n".join(lines)


# ------------------------------------------------------------------- score_file


def _is_parquet_name(path: str) -> bool:
    return path.lower().endswith(PARQUET_SUFFIXES)


def _open_source(path: str) -> _CsvSource | _ParquetSource:
    name = "<stdin>" if path == "-" else path
    if path == "-":
        stdin = sys.stdin.buffer
        magic = stdin.peek(4)[:4] if hasattr(stdin, "peek") else b""
        if magic == b"PAR1":
            data = stdin.read()
            return _ParquetSource(
                io.BytesIO(data), name, hashlib.sha256(data).hexdigest(), len(data)
            )
        return _CsvSource(stdin, name)
    if os.path.isdir(path):
        raise CaseFileError(f"cannot read case file '{path}': it is a folder.")
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by score_file
    except FileNotFoundError:
        raise CaseFileError(f"cannot read case file '{path}': no such file.") from None
    except OSError as exc:
        raise CaseFileError(f"cannot read case file '{path}': {exc.strerror or exc}") from None
    magic = fh.read(4)
    fh.seek(0)
    if magic == b"PAR1" or _is_parquet_name(path):
        fh.close()
        digest, size = _hash_file(path)
        return _ParquetSource(path, name, digest, size)
    try:
        return _CsvSource(fh, name)
    except BaseException:
        fh.close()
        raise


def score_file(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    network: Network | None = None,
    chunksize: int = 100_000,
    progress: bool | None = None,
    explain: bool = False,
) -> ScoringSummary:
    """Score a case file of any size, chunk by chunk, and write the result atomically.

    Parameters
    ----------
    input : path-like or "-"
        A CSV file (UTF-8, with or without BOM; comma, semicolon or tab, detected) or a
        Parquet file (needs pyarrow). ``"-"`` reads standard input.
    output : path-like or "-"
        ``.parquet``/``.pq`` writes Parquet; ``.csv``, ``.txt`` and ``.tsv`` write
        delimited text with the input's delimiter (``.tsv`` only for a tab-separated
        or Parquet input); any other extension is refused. Written to a temporary
        file in the same folder, then renamed, so a failed or interrupted run leaves
        no file behind. ``"-"`` writes CSV to standard output. Neither the output
        nor its sidecar may be the input (by name, link or standard input), and the
        output's folder must exist and be writable: all this is checked first.
    network : Network, optional
        Defaults to the bundled network.
    chunksize : int, default 100000
        Rows per chunk; memory use grows with it.
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.
    explain : bool, default False
        Add the ``reasons`` and ``next_question`` columns (see :func:`score_cases`).

    Returns
    -------
    ScoringSummary
        Counts, errors by kind, warnings, timing, the input's SHA-256 and the paths of
        the output and of its ``.meta.json`` provenance sidecar. ``exit_code`` is 0
        when every row was scored and 3 when some rows carry an error.

    Raises
    ------
    CaseFileError
        When the file cannot be used at all (missing, empty, not UTF-8, a quoted field
        never closed, Parquet without pyarrow, output or sidecar equal to the input,
        an output folder that is missing or not writable, an unknown output
        extension, ...). Problems with single rows never raise: they go to the row's
        ``error`` cell.
    backspasm._files.Interrupted
        (a :class:`KeyboardInterrupt`) on SIGINT or SIGTERM in the main thread, after
        the temporary files were removed; its ``exit_code`` is 130 or 143.
    """
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise ValueError(
            "The 'chunksize' parameter of score_file must be an int >= 1; "
            f"got {chunksize!r} instead."
        )
    started = time.perf_counter()
    src_path, dst_path = os.fspath(input), os.fspath(output)
    check_paths(src_path, dst_path)
    lost = "nothing written" if dst_path != "-" else "the output on standard output is incomplete"
    with SignalGuard(f"interrupted; {lost}") as guard:
        net = network if network is not None else default_network()
        engine = net.engine
        source = _open_source(src_path)
        try:
            return _run(
                source,
                src_path,
                dst_path,
                net,
                engine,
                chunksize,
                progress,
                explain,
                started,
                guard,
            )
        finally:
            source.close()


def _output_delimiter(source: _CsvSource | _ParquetSource, dst_path: str) -> str:
    """Return the input's delimiter, or a tab for a ``.tsv`` output (refused if it cannot be)."""
    if not Path(dst_path).name.lower().endswith(".tsv"):
        return source.delimiter
    if isinstance(source, _CsvSource) and source.delimiter != "\t":
        raise CaseFileError(
            f"cannot write '{dst_path}': a .tsv file is tab-separated, but the input is "
            f"separated by {source.delimiter!r} and its rows are written back unchanged; "
            "name the output .csv."
        )
    return "\t"


def _run(
    source: _CsvSource | _ParquetSource,
    src_path: str,
    dst_path: str,
    net: Network,
    engine: CompiledNetwork,
    chunksize: int,
    progress: bool | None,
    explain: bool,
    started: float,
    guard: SignalGuard,
) -> ScoringSummary:
    header = source.header
    plan = _make_plan(header, net, explain=explain)
    to_parquet = output_format(dst_path) == "parquet"
    if to_parquet:
        dupes = sorted(
            {h for h in [*header, *plan.outputs] if [*header, *plan.outputs].count(h) > 1}
        )
        if dupes:
            raise CaseFileError(
                f"cannot write Parquet '{dst_path}': column names must be unique; repeated: "
                f"{', '.join(repr(d) for d in dupes)}."
            )
    delimiter = source.delimiter if to_parquet else _output_delimiter(source, dst_path)
    wanted = {c.position for c in plan.columns}
    if plan.id_position is not None:
        wanted.add(plan.id_position)
    # Parquet output needs every input column as data; CSV output reuses raw records.
    positions = list(range(len(header))) if to_parquet else sorted(wanted)
    bar = _progress_bar(progress, source, src_path)
    sink: _Sink | None = None
    meta: AtomicFile | None = None
    rows = scored = 0
    kinds: Counter[str] = Counter()
    repeated = 0
    example: str | None = None
    id_hashes: list[npt.NDArray[np.uint64]] = []
    try:
        # Created, renamed and removed with signals held back, so that no temporary
        # file can escape the clean-up.
        with guard.deferred():
            sink = _Sink(dst_path)
        writer: _CsvWriter | _ParquetWriter
        if to_parquet:
            writer = _ParquetWriter(sink, dst_path, plan.outputs)
        else:
            writer = _CsvWriter(sink, delimiter, plan.outputs)
            raw = source.header_raw if isinstance(source, _CsvSource) else None
            writer.header(header, raw if delimiter == source.delimiter else None)
        for chunk in source.chunks(chunksize, positions):
            block = _score(chunk.cells, chunk.n, plan, engine=engine, pre_errors=chunk.pre_errors)
            writer.write(chunk, block, header)
            rows += chunk.n
            scored += block.scored
            kinds.update(block.kinds)
            if plan.id_position is not None and chunk.n:
                ids = _id_values(chunk.cells[plan.id_position])
                # 64-bit hashes find repeats across chunks in bounded memory.
                id_hashes.append(pd.util.hash_array(ids))
                if example is None:
                    example = _repeated_ids(chunk.cells[plan.id_position])[1]
            if bar is not None:
                bar.update((source.nbytes if bar.unit == "B" else rows) - bar.n)
                bar.set_postfix(rows=f"{rows:,}", refresh=False)
        if isinstance(writer, _ParquetWriter):
            if writer._writer is None:
                writer.write(None, None, header)
            writer.close()
        sink.finish()
        notes = list(plan.warnings)
        if id_hashes:
            every = np.concatenate(id_hashes)
            repeated = len(every) - len(np.unique(every))
            if repeated:
                notes.append(_repeated_note(repeated, example))
        seconds = time.perf_counter() - started
        meta_path = None if sink.path is None else Path(f"{sink.path}{META_SUFFIX}")
        summary = ScoringSummary(
            rows=rows,
            scored=scored,
            errors_by_kind=dict(sorted(kinds.items())),
            warnings=tuple(notes),
            seconds=seconds,
            rows_per_second=rows / seconds if seconds > 0 else float("inf"),
            input_sha256=source.sha256,
            output=sink.path,
            meta=meta_path,
            input_format="parquet" if isinstance(source, _ParquetSource) else "csv",
            delimiter=source.delimiter,
            input_bytes=source.nbytes,
        )
        if meta_path is not None and sink.file is not None:
            payload = _meta_payload(summary, net, src_path, chunksize, explain, to_parquet)
            with guard.deferred():
                meta = AtomicFile(meta_path)
            meta.fh.write(payload)
            meta.finish()
            # Both renames or, if a signal comes during them, both all the same.
            with guard.deferred(f"interrupted; {dst_path} was written all the same"):
                sink.file.replace()
                meta.replace()
    except BaseException:
        with guard.deferred():
            if sink is not None:
                sink.abort()
            if meta is not None:
                meta.discard()
        if bar is not None:
            bar.leave = False
        raise
    finally:
        if bar is not None:
            bar.close()
    return summary


def _progress_bar(progress: bool | None, source: _CsvSource | _ParquetSource, path: str) -> Any:
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    from tqdm import tqdm

    if isinstance(source, _ParquetSource):
        return tqdm(
            total=source.rows, unit="rows", unit_scale=True, desc="scoring", file=sys.stderr
        )
    size = os.path.getsize(path) if path != "-" else None
    return tqdm(
        total=size, unit="B", unit_scale=True, unit_divisor=1024, desc="scoring", file=sys.stderr
    )


def _meta_payload(
    summary: ScoringSummary,
    net: Network,
    src_path: str,
    chunksize: int,
    explain: bool,
    to_parquet: bool,
) -> bytes:
    from backspasm import __version__

    payload = {
        "backspasm_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "network": {"fingerprint": net.fingerprint(), "origin": str(net.spec.origin)},
        "input": {
            "path": "-" if src_path == "-" else os.path.abspath(src_path),
            "sha256": summary.input_sha256,
            "bytes": summary.input_bytes,
            "format": summary.input_format,
            "delimiter": summary.delimiter,
        },
        "output": {
            "path": str(summary.output.resolve()) if summary.output else "-",
            "format": "parquet" if to_parquet else "csv",
        },
        "options": {"chunksize": chunksize, "explain": explain},
        "rows": summary.rows,
        "scored": summary.scored,
        "errors": summary.errors,
        "errors_by_kind": summary.errors_by_kind,
        "warnings": list(summary.warnings),
        "seconds": round(summary.seconds, 3),
        "rows_per_second": round(summary.rows_per_second, 1),
    }
    return (json.dumps(payload, indent=2) + "\n").encode("utf-8")
