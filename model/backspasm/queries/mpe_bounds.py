"""The MAP over the causes by single-cause bounds: a few engine rows per case.

A partial assignment ``A`` of the causes bounds every completion in two ways: by
``P(A, e)``, and, for each free cause ``c``, by ``P(A, c = y, e)`` for the state ``y``
the completion gives ``c``. One propagation with ``A`` entered gives all of them at
once (``P(A, e)`` times the marginals of the free causes), so a free cause whose
other state is bounded below the best assignment found so far is settled without a
branch. A state is also settled out when its bound is below ``P(A, e) / 2^f`` (``f``
free causes): the best completion of ``A`` is at least that (the ``2^f`` completions
sum to ``P(A, e)``), so the branch cannot hold it. Whatever bound a case leaves open
is branched on, one cause at a time.

On the bundled network most cases are settled at the root: the greedy assignment
(every free cause at its marginal argmax) is scored and every other state is bounded
below it by the marginals already at hand, one engine row per case where the
search of :func:`~backspasm.queries.mpe.most_probable_explanation` by steps of four
causes scores about 150.
"""

from __future__ import annotations

import math

import numpy as np

from backspasm._numeric import BoolArray, FloatArray, IntArray
from backspasm.network import Network
from backspasm.queries._common import _MAP_FRONTIER, Batch, _pieces, _soft_and, _take

__all__ = ["map_by_bounds"]

# A bound within this much (log scale) of what it must beat is not used to prune: the
# search is then only wider, never wrong, when the engine's last bits differ.
_SLACK = 1e-9


def _clamped(
    evidence: Batch, causes: list[str], owner: IntArray, assignment: IntArray
) -> dict[str, np.ndarray]:
    """Return the evidence of ``owner``'s cases with the assigned causes (>= 0) entered."""
    batch = _take(evidence, owner)
    for i, c in enumerate(causes):
        col = assignment[:, i]
        if (col >= 0).any():
            base = batch.get(c)
            batch[c] = col if base is None or base.ndim == 1 else _soft_and(base, col)
    return batch


def _first_best(owner: IntArray, values: FloatArray, n: int) -> tuple[IntArray, IntArray]:
    """Per case, its first row of highest value: (cases, rows)."""
    if not len(owner):
        return owner, owner
    m = len(owner)
    pick = np.lexsort((np.arange(m), -values, owner))
    first = np.r_[True, owner[pick][1:] != owner[pick][:-1]]
    top = pick[first]
    return owner[top], top


def map_by_bounds(
    network: Network,
    evidence: Batch,
    posterior: FloatArray,
    fixed: IntArray,
    greedy: IntArray,
    log_evidence: FloatArray,
) -> tuple[IntArray, FloatArray, BoolArray]:
    """Exact MAP over the (binary) causes of each case, by single-cause bounds.

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
        The batch (possible cases only).
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes.
    fixed : numpy.ndarray of int
        Per case and cause, its hard answer (-1: free).
    greedy : numpy.ndarray of int
        The greedy assignment (the answers, else each cause at its marginal argmax).
    log_evidence : numpy.ndarray
        ``log P(e)`` per case.

    Returns
    -------
    states : numpy.ndarray of int
        The MAP of every case, cases by causes.
    log_joint : numpy.ndarray
        ``log P(states, e)``.
    solved : numpy.ndarray of bool
        False where the search met more than ``_MAP_FRONTIER`` open assignments of a
        case (its result is then to be found otherwise).
    """
    n, k = posterior.shape
    causes = list(network.causes)
    engine = network.engine

    def log_joint(owner: IntArray, assignment: IntArray) -> FloatArray:
        parts = _pieces(len(owner))
        return np.concatenate(
            [
                engine.log_evidence(
                    _clamped(evidence, causes, owner[p], assignment[p]), eager=True
                )
                for p in parts
            ]
            or [np.zeros(0)]
        )

    def explore(owner: IntArray, assignment: IntArray) -> tuple[FloatArray, FloatArray]:
        """``log P(A, e)`` and ``P(c = yes | A, e)`` of each partial assignment."""
        lp_parts, yes_parts = [], []
        for p in _pieces(len(owner)):
            found = engine.query(
                _clamped(evidence, causes, owner[p], assignment[p]), targets=causes
            )
            lp_parts.append(np.asarray(found.log_evidence))
            yes_parts.append(
                np.column_stack([found.marginals[c][:, 1] for c in causes])
                if causes
                else np.zeros((len(owner[p]), 0))
            )
        return np.concatenate(lp_parts), np.concatenate(yes_parts)

    best = greedy.copy()
    best_log = log_joint(np.arange(n), greedy) if n else np.zeros(0)
    solved = np.ones(n, dtype=bool)
    # The open partial assignments: whose case, assignment, log P(A, e), marginals.
    owner = np.arange(n)
    assign = fixed.copy()
    lp = np.asarray(log_evidence, dtype=np.float64).copy()
    p_yes = posterior.copy()
    scored_greedy = True  # the roots' greedy completions are scored above

    def update(who: IntArray, rows: IntArray, values: FloatArray) -> None:
        cases, top = _first_best(who, values, n)
        better = values[top] > best_log[cases]
        best_log[cases[better]] = values[top[better]]
        best[cases[better]] = rows[top[better]]

    while len(owner):
        free = assign < 0
        n_free = free.sum(axis=1)
        # Leaves are scored exactly by their own propagation.
        leaf = n_free == 0
        update(owner[leaf], assign[leaf], lp[leaf])
        inner = ~leaf
        owner, assign, lp, p_yes, free = (
            owner[inner],
            assign[inner],
            lp[inner],
            p_yes[inner],
            free[inner],
        )
        n_free = n_free[inner]
        if not len(owner):
            break
        choice = (p_yes >= 0.5).astype(np.int64)
        completion = np.where(free, choice, assign)
        if not scored_greedy:
            update(owner, completion, log_joint(owner, completion))
        scored_greedy = False
        with np.errstate(divide="ignore"):
            log_state = np.stack(
                [lp[:, None] + np.log(1.0 - p_yes), lp[:, None] + np.log(p_yes)], axis=2
            )
        floor = np.maximum(best_log[owner], lp - n_free * math.log(2.0)) - _SLACK
        kept = (log_state >= floor[:, None, None]) & free[:, :, None]
        alive = (lp >= best_log[owner] - _SLACK) & ~np.any(free & ~kept.any(axis=2), axis=1)
        undecided = kept.all(axis=2)
        # A cause with one state left takes it; the first open cause of most doubt
        # (its other state's bound highest) is branched on.
        settled = np.where(free & ~undecided, np.argmax(kept, axis=2), assign)
        branch = alive & undecided.any(axis=1)
        # A node left with no open cause is one assignment: a leaf of the next round.
        closed = alive & ~branch & (settled != completion).any(axis=1)
        doubt = np.where(
            undecided, np.take_along_axis(log_state, 1 - choice[:, :, None], 2)[..., 0], -np.inf
        )
        u = np.argmax(doubt, axis=1)
        rows = np.flatnonzero(branch)
        kids = np.repeat(settled[rows], 2, axis=0)
        kids[np.arange(len(kids)), np.repeat(u[rows], 2)] = np.tile([0, 1], len(rows))
        kids_owner = np.repeat(owner[rows], 2)
        last = np.flatnonzero(closed)
        kids = np.concatenate([kids, settled[last]])
        kids_owner = np.concatenate([kids_owner, owner[last]])
        crowded = np.bincount(kids_owner, minlength=n) > _MAP_FRONTIER
        if crowded.any():
            solved[crowded] = False
            keep = ~crowded[kids_owner]
            kids, kids_owner = kids[keep], kids_owner[keep]
        owner, assign = kids_owner, kids
        lp, p_yes = explore(owner, assign) if len(owner) else (np.zeros(0), np.zeros((0, k)))
        keep = lp > -np.inf
        owner, assign, lp, p_yes = owner[keep], assign[keep], lp[keep], p_yes[keep]
    return best, best_log, solved
