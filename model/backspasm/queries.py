"""Each clinical quantity of a case, defined once and vectorised over a batch of cases.

A batch is the engine's evidence: per node, a 1-D array of state codes (``-1`` = not
answered) or an ``(n, cardinality)`` array of likelihoods (soft, *unsure* answers; a
row of ones = not answered). One case is a batch of one: :func:`backspasm.diagnose`
and the scoring kernel both call :func:`query_cases`, so a scored row and the
one-case :class:`~backspasm.diagnosis.Diagnosis` are the same numbers.

The quantities, each exact:

* :func:`cause_posteriors`: ``P(cause = yes | e)``, cases by causes;
* :func:`p_any`: ``P(at least one of some causes | e)`` as an exact joint
  (``1 - P(all no | e)``), for the serious and the pathologic causes;
* :func:`node_risks`: ``P(complication = yes | e)``;
* :func:`reasons`: the log-odds change of every cause when one answer is withheld;
* :func:`information_gain`: the expected reduction of the summed cause entropies
  from each unanswered question;
* :func:`conflict`: Jensen's conflict measure of the answers (hard or unsure);
* :func:`most_probable_explanation`: the exact MAP assignment of the causes;
* triage with its red-flag drivers: :func:`backspasm.triage.triage_batch`.

Every hypothetical query (an answer withheld, a question answered, a partial MAP
assignment) is stacked into one engine call over the whole batch, and ``log P(e)``
of the first query is reused by the conjunction queries.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from backspasm._numeric import EPS
from backspasm._numeric import entropy_bits as _entropy_bits
from backspasm._numeric import logit as _logit
from backspasm.network import Network
from backspasm.questionnaire import questions_for
from backspasm.triage import triage_batch

__all__ = [
    "CaseQueries",
    "Reasons",
    "answered",
    "candidate_questions",
    "cause_posteriors",
    "conflict",
    "information_gain",
    "most_probable_explanation",
    "node_risks",
    "p_any",
    "query_cases",
    "reasons",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
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
ASKABLE = ("context", "symptom", "exposure")


# ----------------------------------------------------------------- evidence helpers


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


def _withheld(values: npt.NDArray[Any], rows: BoolArray) -> npt.NDArray[Any]:
    """Return a node's evidence with the answers of ``rows`` removed."""
    out = values.copy()
    out[rows] = -1 if values.ndim == 1 else 1.0
    return out


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


def _take(batch: Batch, rows: IntArray) -> dict[str, npt.NDArray[Any]]:
    return {k: np.asarray(v)[rows] for k, v in batch.items()}


def _yes(network: Network, node: str) -> int:
    states = network.states(node)
    return states.index("yes") if "yes" in states else len(states) - 1


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


# ---------------------------------------------------------------------- quantities


def cause_posteriors(network: Network, marginals: Mapping[str, FloatArray]) -> FloatArray:
    """Return ``P(cause = yes | e)``, cases by causes (in ``network.causes`` order).

    Parameters
    ----------
    network : Network
    marginals : mapping of str to numpy.ndarray
        Posterior marginals (cases by states) of at least every cause.

    Returns
    -------
    numpy.ndarray
    """
    return node_risks(network, marginals, network.causes)


def node_risks(
    network: Network, marginals: Mapping[str, FloatArray], nodes: Sequence[str]
) -> FloatArray:
    """Return ``P(node = yes | e)`` for some nodes (the complications), cases by nodes.

    Parameters
    ----------
    network : Network
    marginals : mapping of str to numpy.ndarray
        Posterior marginals (cases by states) of at least ``nodes``.
    nodes : sequence of str

    Returns
    -------
    numpy.ndarray
    """
    if not nodes:
        n = len(next(iter(marginals.values()))) if marginals else 0
        return np.zeros((n, 0))
    return np.column_stack([marginals[c][:, _yes(network, c)] for c in nodes])


def p_any(
    network: Network, evidence: Batch, causes: Sequence[str], *, log_evidence: FloatArray
) -> FloatArray:
    """Exact ``P(at least one of causes | e) = 1 - P(every cause = no | e)`` per case.

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
    causes : sequence of str
        The serious causes, the pathologic causes, ...
    log_evidence : numpy.ndarray
        ``log P(e)`` per case, reused (one engine pass for the conjunction).

    Returns
    -------
    numpy.ndarray
        NaN where the evidence is impossible; 0 when ``causes`` is empty.
    """
    if not causes:
        return np.where(np.isfinite(log_evidence), 0.0, np.nan)
    none = network.engine.prob_conjunction(
        dict(evidence), dict.fromkeys(causes, "no"), log_evidence=log_evidence
    )
    return np.asarray(np.clip(1.0 - none, 0.0, 1.0))


@dataclass(frozen=True)
class Reasons:
    """What withholding each answer does to every cause.

    Attributes
    ----------
    nodes : tuple of str
        The answered nodes considered, in the order given.
    without : numpy.ndarray
        ``P(cause = yes | e without the node's answer)``, cases x nodes x causes; NaN
        where the case did not answer the node.
    change : numpy.ndarray
        ``logit P(cause | e) - logit P(cause | e without it)``, same shape (positive:
        the answer raised the cause).
    """

    nodes: tuple[str, ...]
    without: FloatArray
    change: FloatArray


def reasons(
    network: Network,
    evidence: Batch,
    given: Mapping[str, BoolArray],
    posterior: FloatArray,
) -> Reasons:
    """Return the log-odds change of every cause when each answer is withheld.

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
    given : mapping of str to numpy.ndarray of bool
        Per node, which cases answered it (a presentation assumed by default is not
        an answer); the order of the mapping is the order of :attr:`Reasons.nodes`.
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes.

    Returns
    -------
    Reasons
    """
    n, k = posterior.shape
    nodes = tuple(given)
    without = np.full((n, len(nodes), k), np.nan)
    if nodes and n:
        mask = np.column_stack([np.asarray(given[v], dtype=bool) for v in nodes])
        for part in _slices(mask.sum(axis=1)):
            case, j = np.nonzero(mask[part])
            if not len(case):
                continue
            case += part.start
            stacked = _take(evidence, case)
            for i, node in enumerate(nodes):
                stacked[node] = _withheld(stacked[node], j == i)
            post = network.engine.query(stacked, targets=list(network.causes))
            table = cause_posteriors(network, post.marginals)
            table[~post.possible] = np.nan
            without[case, j] = table
    change = _logit(posterior[:, None, :]) - _logit(without)
    change[np.isnan(without)] = np.nan
    return Reasons(nodes, without, change)


def candidate_questions(network: Network) -> tuple[tuple[str, str], ...]:
    """Return the ``(question, node)`` pairs that may be asked next, in questionnaire order.

    Parameters
    ----------
    network : Network

    Returns
    -------
    tuple of (str, str)
    """
    nodes = set(network.model.nodes())
    return tuple(
        (q.column, q.node)
        for q in questions_for(network)
        if q.node is not None and q.node in nodes and q.section in ASKABLE
    )


def information_gain(
    network: Network,
    evidence: Batch,
    posterior: FloatArray,
    marginals: Mapping[str, FloatArray],
    nodes: Sequence[str],
) -> FloatArray:
    """Return the expected information gain (bits) of answering each node, per case.

    ``sum_c H(c | e) - E_a[sum_c H(c | e, a)]`` with the expectation over the answer's
    exact posterior predictive ``P(a | e)`` (states with ``P(a | e) <= 1e-12`` are
    skipped), floored at 0.

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes.
    marginals : mapping of str to numpy.ndarray
        Posterior marginals of at least ``nodes``.
    nodes : sequence of str
        The candidate questions' nodes.

    Returns
    -------
    numpy.ndarray
        NaN where the case already answered the node.
    """
    n = posterior.shape[0]
    engine = network.engine
    open_ = np.ones((n, len(nodes)), dtype=bool)
    for col, v in enumerate(nodes):
        if v in evidence:
            open_[:, col] = ~answered(np.asarray(evidence[v]))
    cards = [len(network.states(v)) for v in nodes]
    # Every (case, node, state) with a non-negligible predictive probability.
    weight = np.zeros((n, len(nodes), max(cards, default=1)))
    for col, v in enumerate(nodes):
        weight[:, col, : cards[col]] = marginals[v]
    wanted = open_[:, :, None] & (weight > EPS)
    expected = np.zeros((n, len(nodes)))
    for part in _slices(wanted.reshape(n, -1).sum(axis=1)):
        case, which, state = np.nonzero(wanted[part])
        if not len(case):
            continue
        case += part.start
        stacked = _take(evidence, case)
        m = len(case)
        for j, v in enumerate(nodes):
            rows = which == j
            if rows.any():
                stacked[v] = _set_state(stacked.get(v), rows, state, m, cards[j])
        post = engine.query(stacked, targets=list(network.causes))
        after = _entropy_bits(cause_posteriors(network, post.marginals)).sum(axis=1)
        term = np.where(post.possible, weight[case, which, state] * after, 0.0)
        np.add.at(expected, (case, which), term)
    now = _entropy_bits(posterior).sum(axis=1)
    gain = np.maximum(now[:, None] - expected, 0.0)
    gain[~open_] = np.nan
    return np.asarray(gain, dtype=np.float64)


def conflict(network: Network, evidence: Batch, log_evidence: FloatArray) -> FloatArray:
    """Jensen's conflict ``sum_i log P(e_i | c) - log P(e | c)`` of each case's answers.

    ``c`` is the presentation (``back_spasm``) and ``e_i`` the single answers, hard
    or unsure (``P(e_i | c) = sum_x P(x | c) likelihood(x)``).

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
    log_evidence : numpy.ndarray
        ``log P(e)`` per case, as the engine returned it.

    Returns
    -------
    numpy.ndarray
        0 for cases with fewer than two answers besides the presentation; ``inf``
        where the answers are impossible together; positive values flag answers
        that are unlikely together.
    """
    n = len(log_evidence)
    answers = {k: np.asarray(v) for k, v in evidence.items() if k != "back_spasm"}
    out = np.zeros(n)
    if not answers:
        return out
    count = sum(answered(v).astype(np.int64) for v in answers.values())
    context = {k: v for k, v in evidence.items() if k == "back_spasm"}
    # The engine answers each distinct presentation once (or one case without it).
    base = network.engine.query(dict(context), targets=list(answers))
    base_log = np.broadcast_to(base.log_evidence, (n,))
    singles = np.zeros(n)
    for node, values in answers.items():
        prior = np.broadcast_to(base.marginals[node], (n, base.marginals[node].shape[1]))
        if values.ndim == 1:
            p = prior[np.arange(n), np.maximum(values, 0)]
            singles += np.where(values >= 0, np.log(np.maximum(p, EPS)), 0.0)
        else:
            p = np.einsum("ij,ij->i", prior, values)
            singles += np.log(np.maximum(p, EPS)) * answered(values)
    with np.errstate(invalid="ignore"):
        out = singles - (log_evidence - base_log)
    out[~np.isfinite(log_evidence)] = np.inf
    out[count < 2] = 0.0
    return np.asarray(out, dtype=np.float64)


def _soft_and(base: FloatArray, codes: IntArray) -> FloatArray:
    """Likelihood rows restricted to ``codes`` (where >= 0)."""
    out = base.copy()
    rows = codes >= 0
    mask = np.zeros_like(base[rows])
    mask[np.arange(int(rows.sum())), codes[rows]] = 1.0
    out[rows] *= mask
    return out


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
    evidence : mapping of str to numpy.ndarray
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes.
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
        if len(owner) > _STACK_ROWS:
            parts = range(0, len(owner), _STACK_ROWS)
            return np.concatenate(
                [
                    log_joint(owner[s : s + _STACK_ROWS], assignment[s : s + _STACK_ROWS])
                    for s in parts
                ]
            )
        batch = _take(evidence, owner)
        for i, c in enumerate(causes):
            col = assignment[:, i]
            if (col >= 0).any():
                base = batch.get(c)
                batch[c] = col if base is None or base.ndim == 1 else _soft_and(base, col)
        return engine.log_evidence(batch)

    cases = np.arange(n)
    best = greedy.copy()
    best_log = log_joint(cases, best) if n else np.zeros(0)
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
        scores = log_joint(
            np.concatenate([kids_owner, kids_owner]), np.concatenate([children, completions])
        )
        m = len(children)
        bounds, finals = scores[:m], scores[m:]
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


# ------------------------------------------------------------------ all of a batch


@dataclass(frozen=True)
class CaseQueries:
    """Every clinical quantity of a batch of cases (NaN or "" where impossible).

    Attributes
    ----------
    marginals : mapping of str to numpy.ndarray
        Posterior marginals of the queried nodes, cases by states.
    log_evidence : numpy.ndarray
        ``log P(e)`` per case (``-inf`` where impossible).
    possible : numpy.ndarray of bool
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes.
    p_serious, p_pathologic : numpy.ndarray
        Exact ``P(at least one serious / pathologic cause | e)`` (``p_pathologic``
        is None unless asked for).
    triage, red_flags : numpy.ndarray of str
        From :func:`backspasm.triage.triage_batch`.
    conflict : numpy.ndarray
    risks : numpy.ndarray or None
        ``P(complication = yes | e)``, cases by ``network.nodes_in("complication")``.
    reasons : Reasons or None
    questions : tuple of (str, str)
        The candidate ``(question, node)`` pairs of :attr:`information_gain`.
    information_gain : numpy.ndarray or None
        Cases by candidate questions (NaN where answered).
    mpe, mpe_probability, mpe_exact : numpy.ndarray or None
        :func:`most_probable_explanation` (codes -1 and NaN where impossible).
    """

    marginals: Mapping[str, FloatArray]
    log_evidence: FloatArray
    possible: BoolArray
    posterior: FloatArray
    p_serious: FloatArray
    p_pathologic: FloatArray | None
    triage: ObjArray
    red_flags: ObjArray
    conflict: FloatArray
    risks: FloatArray | None = None
    reasons: Reasons | None = None
    questions: tuple[tuple[str, str], ...] = ()
    information_gain: FloatArray | None = None
    mpe: IntArray | None = None
    mpe_probability: FloatArray | None = None
    mpe_exact: BoolArray | None = None

    def next_question(self) -> ObjArray:
        """Return each case's question of highest expected information gain ("" if none).

        Ties go to the question first in questionnaire order.
        """
        n = len(self.possible)
        out: ObjArray = np.full(n, "", dtype=object)
        gain = self.information_gain
        if gain is None or not gain.shape[1]:
            return out
        some = ~np.all(np.isnan(gain), axis=1)
        best = np.argmax(np.where(np.isnan(gain), -np.inf, gain), axis=1)
        names = np.asarray([q for q, _ in self.questions], dtype=object)
        out[some] = names[best[some]]
        return out


def query_cases(
    network: Network,
    evidence: Batch,
    *,
    given: Mapping[str, BoolArray] | None = None,
    targets: Sequence[str] | None = None,
    pathologic: bool = False,
    risks: bool = False,
    explain: bool = False,
) -> CaseQueries:
    """Compute the clinical quantities of a batch of cases with few engine calls.

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
        Per node, codes ``(n,)`` (``-1`` = unanswered) or likelihoods ``(n, card)``.
    given : mapping of str to numpy.ndarray of bool, optional
        Per node, which cases answered it, for the reasons (default: every node
        of ``evidence`` but ``back_spasm`` where answered).
    targets : sequence of str, optional
        Nodes whose marginals to keep besides those the quantities need
        (``network.model.nodes()`` for every belief).
    pathologic : bool, default False
        Compute ``p_pathologic``.
    risks : bool, default False
        Compute the complication risks.
    explain : bool, default False
        Compute the reasons, the information gain of every candidate question and
        the most probable explanation.

    Returns
    -------
    CaseQueries
    """
    engine = network.engine
    values = {k: np.asarray(v) for k, v in evidence.items()}
    n = len(next(iter(values.values()))) if values else 1
    causes = list(network.causes)
    complications = list(network.nodes_in("complication")) if risks else []
    questions = candidate_questions(network) if explain else ()
    wanted = list(dict.fromkeys([*causes, *complications, *(v for _, v in questions)]))
    if targets is not None:
        wanted = list(dict.fromkeys([*targets, *wanted]))
    post = engine.query(values if values else {}, targets=wanted or None)
    possible = np.asarray(post.possible)
    log_e = np.asarray(post.log_evidence)
    marginals = dict(post.marginals)
    posterior = cause_posteriors(network, marginals) if causes else np.zeros((n, 0))
    ok = np.flatnonzero(possible)
    sub = _take(values, ok)
    sub_log = log_e[ok]

    def spread(part: npt.NDArray[Any], fill: Any, dtype: Any = None) -> npt.NDArray[Any]:
        out = np.full((n, *part.shape[1:]), fill, dtype=dtype or part.dtype)
        out[ok] = part
        return out

    p_serious = np.full(n, np.nan)
    p_serious[ok] = p_any(network, sub, network.serious_causes, log_evidence=sub_log)
    p_path = None
    if pathologic:
        p_path = np.full(n, np.nan)
        p_path[ok] = p_any(
            network, sub, network.nodes_in("cause_pathologic"), log_evidence=sub_log
        )
    levels, flags = triage_batch(
        p_serious[ok],
        sub,
        network,
        log_evidence=sub_log,
        cause_probs={c: posterior[ok, i] for i, c in enumerate(causes)},
    )
    out: dict[str, Any] = {
        "triage": spread(np.asarray(levels, dtype=object), "", object),
        "red_flags": spread(np.asarray(flags, dtype=object), "", object),
        "conflict": spread(conflict(network, sub, sub_log), np.nan, np.float64),
    }
    if risks:
        out["risks"] = node_risks(network, marginals, complications)
    if explain and causes:
        if given is None:
            given = {k: answered(v) for k, v in values.items() if k != "back_spasm"}
        why = reasons(
            network, sub, {k: np.asarray(v)[ok] for k, v in given.items()}, posterior[ok]
        )
        out["reasons"] = Reasons(
            why.nodes, spread(why.without, np.nan), spread(why.change, np.nan)
        )
        nodes = [v for _, v in questions]
        gain = information_gain(
            network, sub, posterior[ok], {v: marginals[v][ok] for v in nodes}, nodes
        )
        out["questions"] = questions
        out["information_gain"] = spread(gain, np.nan)
        mpe, mpe_p, mpe_exact = most_probable_explanation(network, sub, posterior[ok], sub_log)
        out["mpe"] = spread(mpe, -1)
        out["mpe_probability"] = spread(mpe_p, np.nan)
        out["mpe_exact"] = spread(mpe_exact, False)
    return CaseQueries(
        marginals=marginals,
        log_evidence=log_e,
        possible=possible,
        posterior=posterior,
        p_serious=p_serious,
        p_pathologic=p_path,
        **out,
    )
