"""Next questions: the candidates and the expected information gain of each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from backspasm._numeric import EPS, BoolArray, FloatArray
from backspasm._numeric import entropy_bits as _entropy_bits
from backspasm.network import Network
from backspasm.queries._common import ASKABLE, Batch, _set_state, _slices, _take, answered
from backspasm.queries.posteriors import cause_posteriors
from backspasm.questionnaire import questions_for

__all__ = ["candidate_questions", "information_gain"]


def candidate_questions(network: Network) -> tuple[tuple[str, str], ...]:
    """Return the ``(question, node)`` pairs that may be asked next, in questionnaire order.

    Parameters
    ----------
    network : Network

    Returns
    -------
    tuple of (str, str)
    """
    nodes = set(network.node_names)
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
    causes: Sequence[int] | None = None,
    where: BoolArray | None = None,
) -> FloatArray:
    """Return the expected information gain (bits) of answering each node, per case.

    ``sum_c H(c | e) - E_a[sum_c H(c | e, a)]`` with the expectation over the answer's
    exact posterior predictive ``P(a | e)`` (states with ``P(a | e) <= 1e-12`` are
    skipped), floored at 0; ``H`` is the binary entropy in bits and the sums run over
    every cause, or over ``causes`` when given.

    Parameters
    ----------
    network : Network
        Gives each node's states.
    evidence : mapping of str to numpy.ndarray
        The batch; a node it answers is no candidate for that case.
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes (the entropy before answering).
    marginals : mapping of str to numpy.ndarray
        Posterior marginals of at least ``nodes``.
    nodes : sequence of str
        The candidate questions' nodes.
    causes : sequence of int, optional
        Column indices (into ``network.causes`` and the columns of ``posterior``) of
        the causes whose entropies are summed; by default every cause. The gain
        over a subset is what the question tells about those causes only.
    where : numpy.ndarray of bool, optional
        Cases by nodes: the gains wanted (NaN elsewhere); by default every one.

    Returns
    -------
    numpy.ndarray
        NaN where the case already answered the node (or ``where`` is False).
    """
    n = posterior.shape[0]
    pick = None if causes is None else np.asarray(causes, dtype=np.intp).reshape(-1)
    engine = network.engine
    open_ = np.ones((n, len(nodes)), dtype=bool)
    for col, v in enumerate(nodes):
        if v in evidence:
            open_[:, col] = ~answered(np.asarray(evidence[v]))
    if where is not None:
        open_ &= where
    cards = [len(network.states(v)) for v in nodes]
    # Every (case, node, state) with a non-negligible predictive probability.
    weight = np.zeros((n, len(nodes), max(cards, default=1)))
    for col, v in enumerate(nodes):
        weight[:, col, : cards[col]] = marginals[v]
    wanted = open_[:, :, None] & (weight > EPS)
    expected = np.zeros((n, len(nodes)))
    for part in _slices(wanted.reshape(n, wanted.shape[1] * wanted.shape[2]).sum(axis=1)):
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
        bits = _entropy_bits(cause_posteriors(network, post.marginals))
        after = (bits if pick is None else bits[:, pick]).sum(axis=1)
        term = np.where(post.possible, weight[case, which, state] * after, 0.0)
        np.add.at(expected, (case, which), term)
    before = _entropy_bits(posterior)
    now = (before if pick is None else before[:, pick]).sum(axis=1)
    gain = np.maximum(now[:, None] - expected, 0.0)
    gain[~open_] = np.nan
    return np.asarray(gain, dtype=np.float64)
