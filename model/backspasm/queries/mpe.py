"""The most probable explanation: exact MAP over the causes by branch and bound."""

from __future__ import annotations

import itertools

import numpy as np

from backspasm._numeric import BoolArray, FloatArray, IntArray
from backspasm.network import Network
from backspasm.queries._common import (
    _MAP_CASES,
    _MAP_FRONTIER,
    _MAP_STEP,
    Batch,
    _pieces,
    _take,
)
from backspasm.queries.mpe_bounds import _clamped, map_by_bounds

__all__ = ["most_probable_explanation"]


def most_probable_explanation(
    network: Network, evidence: Batch, posterior: FloatArray, log_evidence: FloatArray
) -> tuple[IntArray, FloatArray, BoolArray]:
    """Exact MAP over the causes (other nodes summed out), per case.

    Branch and bound on ``P(partial assignment, e)``, which bounds every completion
    from above: a branch whose bound falls below the best complete assignment found
    so far is pruned, and the greedy completion (each unassigned cause at its
    marginal argmax) of every open branch supplies candidates. Causes are branched in
    order of decreasing uncertainty, a few at a time, and the children of every case
    are scored in one engine call per step.

    Parameters
    ----------
    network : Network
        Its causes are the variables assigned.
    evidence : mapping of str to numpy.ndarray
        The batch; a cause answered hard keeps its answer in the assignment.
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes (orders the branching).
    log_evidence : numpy.ndarray
        ``log P(e)`` per case (finite: possible cases only).

    Returns
    -------
    states : numpy.ndarray of int
        The state code of every cause, cases by causes.
    probability : numpy.ndarray
        ``P(assignment | e)``.
    exact : numpy.ndarray of bool
        False where the search hit its frontier limit (then approximate).
    """
    n, k = posterior.shape
    if n > _MAP_CASES:
        parts = [slice(s, s + _MAP_CASES) for s in range(0, n, _MAP_CASES)]
        done = [
            most_probable_explanation(
                network,
                {c: np.asarray(v)[p] for c, v in evidence.items()},
                posterior[p],
                log_evidence[p],
            )
            for p in parts
        ]
        return (
            np.concatenate([d[0] for d in done]),
            np.concatenate([d[1] for d in done]),
            np.concatenate([d[2] for d in done]),
        )
    fixed = np.full((n, k), -1, dtype=np.int64)
    for i, c in enumerate(network.causes):
        v = evidence.get(c)
        if v is not None and np.asarray(v).ndim == 1:
            fixed[:, i] = v
    greedy = np.where(fixed >= 0, fixed, (posterior >= 0.5).astype(np.int64))
    best, best_log, solved = map_by_bounds(
        network, evidence, posterior, fixed, greedy, log_evidence
    )
    probability = np.exp(best_log - log_evidence)
    exact = np.ones(n, dtype=bool)
    rest = np.flatnonzero(~solved)
    if len(rest):
        # Cases whose bounds left too much open: the search by steps of causes.
        states, p, sure = _branch_and_bound(
            network, _take(evidence, rest), posterior[rest], log_evidence[rest]
        )
        best[rest], probability[rest], exact[rest] = states, p, sure
    return best, np.asarray(probability, dtype=np.float64), exact


def _branch_and_bound(
    network: Network, evidence: Batch, posterior: FloatArray, log_evidence: FloatArray
) -> tuple[IntArray, FloatArray, BoolArray]:
    """Search the MAP by steps of ``_MAP_STEP`` causes (approximate beyond the frontier).

    At most ``_MAP_FRONTIER`` open assignments are kept per case.
    """
    n, k = posterior.shape
    causes = list(network.causes)
    engine = network.engine
    fixed = np.full((n, k), -1, dtype=np.int64)
    for i, c in enumerate(causes):
        v = evidence.get(c)
        if v is not None and np.asarray(v).ndim == 1:
            fixed[:, i] = v
    greedy = np.where(fixed >= 0, fixed, (posterior >= 0.5).astype(np.int64))
    uncertainty = np.minimum(posterior, 1.0 - posterior)
    order = np.argsort(-uncertainty, axis=1, kind="stable")
    is_fixed = np.take_along_axis(fixed >= 0, order, axis=1)
    order = np.take_along_axis(order, np.argsort(is_fixed, axis=1, kind="stable"), axis=1)
    n_free = (~is_fixed).sum(axis=1)

    def log_joint(owner: IntArray, assignment: IntArray) -> FloatArray:
        parts = _pieces(len(owner))
        if len(parts) > 1:
            return np.concatenate([log_joint(owner[p], assignment[p]) for p in parts])
        # Many small calls in a row: the fused kernel pays from the first row.
        return engine.log_evidence(_clamped(evidence, causes, owner, assignment), eager=True)

    cases = np.arange(n)
    best = greedy.copy()
    # The greedy assignments are scored with the first step's children (one call).
    best_log: FloatArray | None = None
    frontier, owner = fixed.copy(), cases.copy()
    exact = np.ones(n, dtype=bool)
    combos = np.array(list(itertools.product((0, 1), repeat=_MAP_STEP)), dtype=np.int64)
    for start in range(0, int(n_free.max(initial=0)), _MAP_STEP):
        live = n_free[owner] > start
        frontier, owner = frontier[live], owner[live]
        if not len(owner):
            break
        width = np.arange(start, start + _MAP_STEP)
        block = np.where(width[None, :] < n_free[:, None], order[:, np.minimum(width, k - 1)], -1)[
            owner
        ]
        children = np.repeat(frontier, len(combos), axis=0)
        kids_owner = np.repeat(owner, len(combos))
        kids_block = np.repeat(block, len(combos), axis=0)
        kids_combo = np.tile(combos, (len(frontier), 1))
        # A step past a case's last free cause allows only the all-no pad.
        valid = ~np.any((kids_block < 0) & (kids_combo > 0), axis=1)
        children, kids_owner = children[valid], kids_owner[valid]
        kids_block, kids_combo = kids_block[valid], kids_combo[valid]
        for j in range(_MAP_STEP):
            rows = np.flatnonzero(kids_block[:, j] >= 0)
            children[rows, kids_block[rows, j]] = kids_combo[rows, j]
        completions = np.where(children >= 0, children, greedy[kids_owner])
        extra = cases if best_log is None else cases[:0]
        scores = log_joint(
            np.concatenate([kids_owner, kids_owner, extra]),
            np.concatenate([children, completions, greedy[extra]]),
        )
        m = len(children)
        bounds, finals = scores[:m], scores[m : 2 * m]
        if best_log is None:
            best_log = scores[2 * m :].copy()
        # Each case's first best completion (children are grouped by case).
        pick = np.lexsort((np.arange(m), -finals, kids_owner))
        first = np.r_[True, kids_owner[pick][1:] != kids_owner[pick][:-1]]
        top = pick[first]
        who = kids_owner[top]
        better = finals[top] > best_log[who]
        best_log[who[better]] = finals[top[better]]
        best[who[better]] = completions[top[better]]
        keep = bounds > best_log[kids_owner] - 1e-12
        frontier, owner, bounds = children[keep], kids_owner[keep], bounds[keep]
        sizes = np.bincount(owner, minlength=n)
        crowded = sizes > _MAP_FRONTIER
        if crowded.any():
            exact[crowded] = False
            frontier, owner = _cap_frontier(frontier, owner, bounds, crowded)
    if best_log is None:  # no case had a free cause
        best_log = log_joint(cases, best) if n else np.zeros(0)
    probability = np.exp(best_log - log_evidence)
    return best, np.asarray(probability, dtype=np.float64), exact


def _cap_frontier(
    frontier: IntArray, owner: IntArray, bounds: FloatArray, crowded: BoolArray
) -> tuple[IntArray, IntArray]:
    """Keep the ``_MAP_FRONTIER`` highest bounds of each crowded case, best first."""
    m = len(owner)
    by_bound = np.lexsort((np.arange(m), -bounds, owner))
    rank = np.empty(m, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(owner[by_bound][1:] != owner[by_bound][:-1]) + 1]
    counts = np.diff(np.r_[starts, m])
    rank[by_bound] = np.arange(m) - np.repeat(starts, counts)
    position = np.arange(m) - np.repeat(starts, counts)[np.argsort(by_bound)]
    capped = crowded[owner]
    keep = ~capped | (rank < _MAP_FRONTIER)
    within = np.where(capped, rank, position)
    order = np.lexsort((within, owner))
    order = order[keep[order]]
    return frontier[order], owner[order]
