"""Rewrite noisy-MAX-like CPTs without their moral edges (Diez and Galan, 2003)."""

from __future__ import annotations

import numpy as np

from backspasm._numeric import FloatArray
from backspasm.engine.triangulation import DECOMPOSE_MIN_SHARE

__all__: list[str] = []

# A CPT is taken as separable when rebuilt from its factors to this relative error.
_SEPARABLE_TOLERANCE = 1e-13


def _separable(table: FloatArray) -> list[FloatArray] | None:
    """Factor a positive table as an outer product of per-axis vectors, if it is one.

    Return the vectors (their outer product equals ``table`` to ~1e-13 relative), or
    None when the table is not of rank one.
    """
    k = table.ndim
    total = float(table.sum())
    vectors = [table.sum(axis=tuple(j for j in range(k) if j != i)) for i in range(k)]
    vectors[0] = vectors[0] / total ** (k - 1)
    rebuilt = vectors[0]
    for vector in vectors[1:]:
        rebuilt = np.multiply.outer(rebuilt, vector)
    if np.abs(rebuilt - table).max() > _SEPARABLE_TOLERANCE * table.max():
        return None
    return vectors


def _decompose(
    scope: tuple[int, ...], table: FloatArray, aux: int
) -> list[tuple[tuple[int, ...], FloatArray]] | None:
    """Rewrite a noisy-MAX-like CPT without its moral edges (Diez and Galan, 2003).

    When every cumulative ``F(y | x) = P(Y <= y | x)`` is a product of one factor per
    parent, ``P(y | x) = sum_a D(y, a) F(a | x)`` with an auxiliary variable ``a`` of
    Y's cardinality and ``D(y, a) = [a = y] - [a = y - 1]``: the parents then meet
    only through ``a`` instead of all pairwise, which can shrink the cliques a lot.
    Only strictly positive tables qualify, so the subtraction never has to produce
    an exact zero (impossible evidence stays exactly zero elsewhere), and only those
    whose every ``P(y | x)`` is at least :data:`DECOMPOSE_MIN_SHARE` of the ``F(y | x)``
    it is subtracted from, so the subtraction keeps its precision: with a leak of
    1e-12 it would lose four of sixteen digits.
    """
    card = table.shape[0]
    if len(scope) < 3 or card < 2 or not (table > 0).all():
        return None
    running = np.cumsum(table, axis=0)
    if (table[1:] < DECOMPOSE_MIN_SHARE * running[1:]).any():
        return None
    cumulative = running[:-1]
    per_level = [_separable(level) for level in cumulative]
    if any(vectors is None for vectors in per_level):
        return None
    difference = np.eye(card) - np.eye(card, k=-1)
    factors: list[tuple[tuple[int, ...], FloatArray]] = [((scope[0], aux), difference)]
    for i, parent in enumerate(scope[1:]):
        pair = np.ones((card, table.shape[i + 1]))
        for level, vectors in enumerate(per_level):
            assert vectors is not None
            pair[level] = vectors[i]
        factors.append(((aux, parent), pair))
    return factors
