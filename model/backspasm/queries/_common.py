"""Shared pieces of the query layer: array types, evidence edits, stacking limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from backspasm._numeric import BoolArray, FloatArray, IntArray, answered
from backspasm.network import Network

__all__ = ["answered"]

ObjArray: TypeAlias = npt.NDArray[np.object_]
#: A batch of evidence: per node, codes (n,) or likelihoods (n, cardinality).
Batch: TypeAlias = Mapping[str, npt.NDArray[Any]]

#: Hypothetical queries are stacked into engine calls of at most this many rows.
_STACK_ROWS = 60_000
#: The MAP search keeps at most this many open partial assignments per case; beyond
#: it the result is labelled approximate.
_MAP_FRONTIER = 4096
#: Cases searched together by the MAP search (bounds its working memory).
_MAP_CASES = 1024
#: Causes branched on per step of the MAP search (one engine call per step).
_MAP_STEP = 4
#: The question sections that :func:`information_gain` may propose.
ASKABLE = ("context", "symptom", "examination", "exposure")


# ----------------------------------------------------------------- evidence helpers


def _withheld(
    values: npt.NDArray[Any], rows: BoolArray, default: int | None = None
) -> npt.NDArray[Any]:
    """Return a node's evidence with the answers of ``rows`` removed.

    A node whose question has a default (``back_spasm``, taken as yes when not
    given) gets that state back instead: it is what leaving the answer out means.
    """
    out = values.copy()
    if default is None:
        out[rows] = -1 if values.ndim == 1 else 1.0
    elif values.ndim == 1:
        out[rows] = default
    else:
        out[rows] = np.eye(values.shape[1])[default]
    return out


def _is_state(values: npt.NDArray[Any], state: int) -> BoolArray:
    """Return which cases' evidence on a node is exactly ``state`` (hard, or one-hot)."""
    if values.ndim == 1:
        return np.asarray(values == state)
    return np.asarray((values == np.eye(values.shape[1])[state]).all(axis=1))


def _set_state(
    values: npt.NDArray[Any] | None, rows: BoolArray, state: IntArray, n: int, card: int
) -> npt.NDArray[Any]:
    """Return a node's evidence with ``rows`` answered ``state`` (hard)."""
    if values is None:
        values = np.full(n, -1, dtype=np.int64)
    out = values.copy()
    if values.ndim == 1:
        out[rows] = state[rows]
    else:
        out[rows] = np.eye(card)[state[rows]]
    return out


def _soft_and(base: FloatArray, codes: IntArray) -> FloatArray:
    """Likelihood rows restricted to ``codes`` (where >= 0)."""
    out = base.copy()
    rows = codes >= 0
    mask = np.zeros_like(base[rows])
    mask[np.arange(int(rows.sum())), codes[rows]] = 1.0
    out[rows] *= mask
    return out


def _take(batch: Batch, rows: IntArray) -> dict[str, npt.NDArray[Any]]:
    return {k: np.asarray(v)[rows] for k, v in batch.items()}


def _yes(network: Network, node: str) -> int:
    states = network.states(node)
    return states.index("yes") if "yes" in states else len(states) - 1


def _pieces(n: int) -> list[slice]:
    """Consecutive ranges of ``n`` stacked rows, each at most :data:`_STACK_ROWS` long."""
    return [slice(s, s + _STACK_ROWS) for s in range(0, n, _STACK_ROWS)]


def _slices(counts: IntArray) -> list[slice]:
    """Consecutive case ranges whose stacked rows stay within :data:`_STACK_ROWS`."""
    out: list[slice] = []
    start, total = 0, 0
    for i, c in enumerate(counts.tolist()):
        if total and total + c > _STACK_ROWS:
            out.append(slice(start, i))
            start, total = i, 0
        total += c
    if start < len(counts) or not out:
        out.append(slice(start, len(counts)))
    return out
