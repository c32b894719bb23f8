"""Evidence for a batch of cases: the containers, validation and encoding.

Hard evidence is a 1-D array of state codes per node (``-1`` = not observed); soft
(virtual) evidence a 2-D ``(n_cases, cardinality)`` array of likelihoods. A
:class:`_Codec` checks and converts what users pass (names, indices, likelihood
vectors) against a network's variables and states, and merges identical rows.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._frozen import in_brief
from backspasm._numeric import FloatArray, IntArray
from backspasm.exceptions import EvidenceError

__all__ = ["Evidence", "EvidenceLike", "FloatArray", "IntArray", "Posterior"]


@dataclass(frozen=True)
class Evidence:
    """Evidence for a batch of cases, one array per observed node.

    Parameters
    ----------
    values : Mapping[str, numpy.ndarray]
        Per node, either a 1-D integer array of state indices of length ``n_cases``
        (hard evidence, ``-1`` = not observed) or a 2-D float array of shape
        ``(n_cases, cardinality)`` of non-negative likelihoods (soft or virtual
        evidence; a row of ones = not observed). Nodes absent from the mapping are
        unobserved in every case.
    n_cases : int
        Number of cases in the batch.
    """

    values: Mapping[str, npt.NDArray[Any]]
    n_cases: int

    def __post_init__(self) -> None:
        if isinstance(self.n_cases, bool) or not isinstance(self.n_cases, int | np.integer):
            raise EvidenceError(f"n_cases must be an integer, got {self.n_cases!r}.")
        if self.n_cases < 0:
            raise EvidenceError(f"n_cases must be non-negative, got {self.n_cases}.")
        for node, array in self.values.items():
            if len(array) != self.n_cases:
                raise EvidenceError(
                    f"Evidence for node {node!r} has {len(array)} rows "
                    f"but the batch has {self.n_cases} cases."
                )


EvidenceLike: TypeAlias = Evidence | Mapping[str, Any]


@dataclass(frozen=True, repr=False)
class Posterior:
    """Posterior marginals of a batch of cases.

    Parameters
    ----------
    marginals : Mapping[str, numpy.ndarray]
        Per target node, an array of shape ``(n_cases, cardinality)`` whose rows sum
        to one; rows of impossible cases are NaN.
    log_evidence : numpy.ndarray
        ``log P(evidence)`` per case, ``-inf`` where the evidence is impossible.
    possible : numpy.ndarray
        Boolean per case: False where ``P(evidence) = 0``.
    states : Mapping[str, tuple[str, ...]]
        State names per target node, in column order of ``marginals``.
    events : Mapping[str, numpy.ndarray], optional
        Per named event of the query, ``P(event | evidence)`` per case (NaN where the
        evidence is impossible).
    """

    marginals: Mapping[str, FloatArray]
    log_evidence: FloatArray
    possible: npt.NDArray[np.bool_]
    states: Mapping[str, tuple[str, ...]]
    events: Mapping[str, FloatArray] = field(default_factory=dict)

    @property
    def n_cases(self) -> int:
        """Number of cases in the batch."""
        return int(self.log_evidence.shape[0])

    def __repr__(self) -> str:
        """Return the batch in one line: its cases, target nodes and events, not the numbers."""
        # Field by field, with every marginal's array, three cases ran to 17,615 characters.
        impossible = self.n_cases - int(np.count_nonzero(self.possible))
        said = [
            f"{self.n_cases} case{'' if self.n_cases == 1 else 's'}"
            + (f" ({impossible} impossible)" if impossible else ""),
            f"marginals of {in_brief(self.marginals, 'nodes')}",
            *([in_brief(self.events, "events")] if self.events else []),
        ]
        return f"<Posterior: {'; '.join(said)}>"

    def frame(self, node: str) -> pd.DataFrame:
        """Return one node's marginals as a DataFrame.

        Parameters
        ----------
        node : str
            A target node of the query.

        Returns
        -------
        pandas.DataFrame
            One row per case, one column per state (named after the state).

        Raises
        ------
        KeyError
            If ``node`` was not a target of the query.
        """
        if node not in self.marginals:
            raise KeyError(
                f"{node!r} was not a target of this query; targets: {', '.join(self.marginals)}"
            )
        return pd.DataFrame(self.marginals[node], columns=list(self.states[node]))


class _Trusted(Evidence):
    """Evidence already validated by the engine; may hold all-zero likelihood rows."""


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _row_hash(columns: Sequence[IntArray], n: int) -> IntArray:
    """Hash each row of these code columns to one int64 (wrapping, fixed odd weights)."""
    weights = np.random.default_rng(0).integers(1, 2**62, size=len(columns)) | 1
    key = np.zeros(n, dtype=np.int64)
    with np.errstate(over="ignore"):
        for weight, codes in zip(weights.tolist(), columns, strict=True):
            key += (codes.astype(np.int64) + 1) * weight
    return key


def _unique_rows(columns: Sequence[IntArray], n: int) -> tuple[IntArray, IntArray] | None:
    """First row and inverse index of each distinct row; None when all rows differ.

    Rows are hashed (:func:`_row_hash`), which sorts far faster than whole rows:
    distinct hashes mean distinct rows. A collision is detected by comparing every
    row with its representative, and then the rows themselves are sorted.
    """
    key = _row_hash(columns, n)
    ordered = np.sort(key)
    if not (ordered[1:] == ordered[:-1]).any():  # a plain sort is cheaper than unique
        return None
    _, rows, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    matrix = np.column_stack(columns)
    if not np.array_equal(matrix[rows][inverse], matrix):
        _, rows, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    return rows, inverse.reshape(-1)


class _Codec:
    """Validate and encode evidence against a network's variables and states.

    Parameters
    ----------
    states : Mapping[str, tuple[str, ...]]
        State names per variable, in the network's variable order.
    """

    def __init__(self, states: Mapping[str, tuple[str, ...]]) -> None:
        self.states = states
        self.variables = tuple(states)
        self._index = {v: i for i, v in enumerate(self.variables)}
        self._card = [len(states[v]) for v in self.variables]

    def dedupe(self, ev: Evidence) -> tuple[IntArray | None, IntArray | None]:
        """Return representative rows and the inverse index of the distinct evidence rows."""
        if ev.n_cases < 2:
            return None, None
        if not ev.values:
            return np.zeros(1, dtype=np.int64), np.zeros(ev.n_cases, dtype=np.int64)
        arrays = list(ev.values.values())
        if all(a.ndim == 1 for a in arrays):
            radices = [self._card[self._index[k]] + 1 for k in ev.values]
            if math.prod(radices) < 2**62:
                key = np.zeros(ev.n_cases, dtype=np.int64)
                for radix, codes in zip(radices, arrays, strict=True):
                    key *= radix
                    key += codes
                    key += 1
                _, rows, inverse = np.unique(key, return_index=True, return_inverse=True)
            else:
                found = _unique_rows(arrays, ev.n_cases)
                if found is None:
                    return None, None
                rows, inverse = found
        else:
            matrix = np.column_stack(
                [a.reshape(ev.n_cases, -1).astype(np.float64) for a in arrays]
            )
            _, rows, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
        if len(rows) == ev.n_cases:
            return None, None
        return rows.astype(np.int64), inverse.reshape(-1).astype(np.int64)

    def node(self, name: object) -> int:
        if not isinstance(name, str) or name not in self._index:
            raise EvidenceError(
                f"Unknown node {name!r}{_suggest(str(name), self.variables)}. "
                f"Known nodes: {', '.join(self.variables)}."
            )
        return self._index[name]

    def state(self, node: str, value: object) -> int:
        states = self.states[node]
        if isinstance(value, bool):
            raise EvidenceError(f"State {value!r} of node {node!r} must be a name or an index.")
        if isinstance(value, int | np.integer):
            if not 0 <= value < len(states):
                raise EvidenceError(
                    f"State index {value} out of range for node {node!r} "
                    f"(cardinality {len(states)})."
                )
            return int(value)
        if isinstance(value, str) and value in states:
            return states.index(value)
        raise EvidenceError(
            f"Unknown state {value!r} for node {node!r}{_suggest(str(value), states)}; "
            f"allowed states: {', '.join(repr(s) for s in states)}."
        )

    def check_likelihood(self, node: str, rows: FloatArray) -> None:
        card = len(self.states[node])
        if rows.ndim != 2 or rows.shape[1] != card:
            raise EvidenceError(
                f"Likelihood for node {node!r} must have {card} values per case "
                f"(one per state: {', '.join(repr(s) for s in self.states[node])}), "
                f"got shape {rows.shape}."
            )
        bad = ~np.isfinite(rows).all(axis=1)
        if bad.any():
            raise EvidenceError(
                f"Likelihood for node {node!r} in case {int(np.argmax(bad))} is not finite."
            )
        bad = (rows < 0).any(axis=1)
        if bad.any():
            raise EvidenceError(
                f"Likelihood for node {node!r} in case {int(np.argmax(bad))} is negative."
            )
        bad = ~(rows > 0).any(axis=1)
        if bad.any():
            raise EvidenceError(
                f"Likelihood for node {node!r} in case {int(np.argmax(bad))} is all zero."
            )

    def coerce(self, evidence: EvidenceLike) -> Evidence:
        """Validate evidence and convert it to int64 (or int8) codes and float64 likelihoods."""
        if isinstance(evidence, _Trusted):
            return evidence
        values = evidence.values if isinstance(evidence, Evidence) else evidence
        if not isinstance(values, Mapping):
            raise EvidenceError(
                f"Evidence must be an Evidence or a mapping of node to array, "
                f"got {type(evidence).__name__}."
            )
        n_cases = evidence.n_cases if isinstance(evidence, Evidence) else None
        out: dict[str, npt.NDArray[Any]] = {}
        for name, raw in values.items():
            v = self.node(name)
            array = np.asarray(raw)
            if array.ndim == 0:
                raise EvidenceError(
                    f"Evidence for node {name!r} must be an array with one entry per case."
                )
            if n_cases is None:
                n_cases = len(array)
            if len(array) != n_cases:
                raise EvidenceError(
                    f"Evidence for node {name!r} has {len(array)} rows "
                    f"but the batch has {n_cases} cases."
                )
            if array.ndim == 2:
                rows = np.ascontiguousarray(array, dtype=np.float64)
                self.check_likelihood(name, rows)
                out[name] = rows
            elif array.dtype.kind in "iu":
                # One-byte codes (a scorer's answers) are kept as they are: an int64
                # copy of every column was the biggest array of a case file's batch.
                codes = array if array.dtype == np.int8 else array.astype(np.int64)
                bad = (codes < -1) | (codes >= self._card[v])
                if bad.any():
                    i = int(np.argmax(bad))
                    raise EvidenceError(
                        f"State index {codes[i]} out of range for node {name!r} in case {i} "
                        f"(cardinality {self._card[v]}; -1 means not observed)."
                    )
                out[name] = codes
            elif array.dtype.kind in "UO" and array.ndim == 1:
                out[name] = self.codes_from_names(name, array)
            else:
                raise EvidenceError(
                    f"Evidence for node {name!r} must be integer state indices, state names "
                    f"or an (n, {self._card[v]}) likelihood array, got {array.dtype} "
                    f"with shape {array.shape}."
                )
        return Evidence(out, 1 if n_cases is None else n_cases)

    def codes_from_names(self, node: str, names: npt.NDArray[Any]) -> IntArray:
        states = self.states[node]
        codes = pd.Categorical(names, categories=list(states)).codes.astype(np.int64)
        unknown = (codes < 0) & pd.notna(names)
        if unknown.any():
            i = int(np.argmax(unknown))
            self.state(node, names[i])
        return codes

    def targets(self, targets: Sequence[str] | None) -> tuple[int, ...]:
        if targets is None:
            return tuple(range(len(self.variables)))
        if isinstance(targets, str):
            targets = [targets]
        chosen = sorted({self.node(t) for t in targets})
        if not chosen:
            raise EvidenceError("targets must name at least one node.")
        return tuple(chosen)

    def encode(
        self, cases: Sequence[Mapping[str, str | int | Sequence[float] | None]]
    ) -> Evidence:
        """Encode a list of cases, as :meth:`backspasm.engine.CompiledNetwork.encode` says."""
        n = len(cases)
        columns: dict[str, list[Any]] = {}
        for i, case in enumerate(cases):
            if not isinstance(case, Mapping):
                raise EvidenceError(f"Case {i} must be a mapping of node to value.")
            for name, value in case.items():
                self.node(name)
                columns.setdefault(name, [None] * n)[i] = value
        out: dict[str, npt.NDArray[Any]] = {}
        for name, column in columns.items():
            card = len(self.states[name])
            soft = any(
                isinstance(x, Sequence | np.ndarray) and not isinstance(x, str) for x in column
            )
            if not soft:
                out[name] = np.array(
                    [-1 if _missing(x) else self.state(name, x) for x in column], dtype=np.int64
                )
                continue
            rows = np.ones((n, card))
            for i, x in enumerate(column):
                if _missing(x):
                    continue
                if isinstance(x, str | int | np.integer):
                    rows[i] = 0.0
                    rows[i, self.state(name, x)] = 1.0
                    continue
                vector = np.asarray(x, dtype=np.float64)
                if vector.shape != (card,):
                    raise EvidenceError(
                        f"Likelihood for node {name!r} in case {i} has {vector.size} values; "
                        f"expected {card} (one per state: "
                        f"{', '.join(repr(s) for s in self.states[name])})."
                    )
                rows[i] = vector
            self.check_likelihood(name, rows)
            out[name] = rows
        return Evidence(out, n)
