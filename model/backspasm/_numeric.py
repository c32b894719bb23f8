"""Small numerical helpers shared by the explanation, query and triage code (private)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

#: Probabilities are clipped this far from 0 and 1 before logs, so that a certain
#: answer gives a large finite log-odds instead of an infinity.
EPS = 1e-12

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def answered(values: npt.NDArray[Any]) -> BoolArray:
    """Return which cases answered a node (a code >= 0, or a likelihood row not all ones).

    Parameters
    ----------
    values : numpy.ndarray
        One node's evidence: codes ``(n,)`` or likelihoods ``(n, cardinality)``.

    Returns
    -------
    numpy.ndarray of bool
    """
    if values.ndim == 1:
        return np.asarray(values >= 0)
    return np.asarray(~np.all(values == 1.0, axis=1))


#: An unsure (soft) answer counts as the state it leans to: the state whose share of
#: the answer's likelihood is above this (``fever=0.7`` leans yes; 0.5 neither way).
#: Triage's flags and rules, the safety net, the figures and the words of an unsure
#: answer all decide a lean by :func:`lean_of`.
LEAN_HOLDS = 0.5


def lean_of(weights: Sequence[float] | npt.NDArray[Any]) -> int | None:
    """Return the index of the state an unsure answer leans to, or None for an even lean.

    Parameters
    ----------
    weights : sequence of float
        The answer's likelihood per state (``(0.3, 0.7)`` for a 0.7 lean to yes).
    """
    share = np.asarray(weights, dtype=np.float64)
    share = share / share.sum()
    above = np.flatnonzero(share > LEAN_HOLDS)
    return int(above[0]) if len(above) else None


#: Causes are ranked on their posteriors rounded to this many decimals. Causes with the
#: same numbers (tight hamstrings and weak abdominal muscles share theirs) differ only
#: by rounding noise, which depends on how rows were batched; compared so, they keep
#: the network's order in every view: diagnose, a scored file's ``top_cause`` and its
#: reasons, and evaluate.
RANK_DECIMALS = 12


def ranked_causes(probs: FloatArray, keys: FloatArray | None = None) -> IntArray:
    """Return each case's cause indices, the first-ranked first.

    By the posterior ``probs`` (cases by causes), at :data:`RANK_DECIMALS`, ties in
    the causes' order; or by ``keys`` (expected disablement or odds factor; NaN, a
    cause the context settles, last), ties by the posterior.

    Returns
    -------
    numpy.ndarray of int
        Cases by causes.
    """
    post = np.round(np.atleast_2d(probs), RANK_DECIMALS)
    if keys is not None:
        order = -np.round(np.nan_to_num(np.atleast_2d(keys), nan=-np.inf), RANK_DECIMALS)
        return np.lexsort((-post, order), axis=1).astype(np.int64)
    return np.argsort(-post, axis=1, kind="stable").astype(np.int64)


def first_ranked(probs: FloatArray) -> IntArray:
    """Return each case's first-ranked cause index, as :func:`ranked_causes` ranks them."""
    first = np.argmax(np.round(np.atleast_2d(probs), RANK_DECIMALS), axis=1)
    return np.asarray(first, dtype=np.int64)


def logit(p: FloatArray) -> FloatArray:
    """Return the log-odds of probabilities, clipped to [EPS, 1 - EPS]."""
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(q) - np.log1p(-q), dtype=np.float64)


def entropy_bits(p: FloatArray) -> FloatArray:
    """Return the binary entropy, in bits, of each probability."""
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(-(q * np.log2(q) + (1 - q) * np.log2(1 - q)), dtype=np.float64)


#: numpy's einsum takes at most 64 operands (32 before numpy 2); fold in fewer.
_MOST_OPERANDS = 30


def contract(
    subs: Sequence[str], arrays: Sequence[npt.NDArray[Any]], target: str, *, optimize: bool = True
) -> npt.NDArray[Any]:
    """Return ``np.einsum(",".join(subs) + "->" + target, *arrays)`` for any number of operands.

    A clique whose variable has dozens of children receives a message or a table
    from each: past numpy's operand limit, the first operands are contracted into
    one over the letters the rest or the target still need, and so on.
    """
    subs, arrays = list(subs), list(arrays)
    while len(arrays) > _MOST_OPERANDS:
        head = subs[:_MOST_OPERANDS]
        later = set(target).union(*subs[_MOST_OPERANDS:])
        keep = "".join(dict.fromkeys(c for s in head for c in s if c in later))
        folded = np.einsum(",".join(head) + "->" + keep, *arrays[:_MOST_OPERANDS], optimize=True)
        subs[:_MOST_OPERANDS], arrays[:_MOST_OPERANDS] = [keep], [folded]
    return np.asarray(np.einsum(",".join(subs) + "->" + target, *arrays, optimize=optimize))
