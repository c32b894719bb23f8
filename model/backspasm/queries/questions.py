"""Next questions: the candidates and the expected information gain of each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from backspasm._numeric import EPS, BoolArray, FloatArray, IntArray
from backspasm._numeric import entropy_bits as _entropy_bits
from backspasm.network import Network
from backspasm.queries._common import (
    ASKABLE,
    Batch,
    _set_state,
    _slices,
    _take,
    _yes,
    answered,
)
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

    Each case takes the cheaper of two exact ways to the posteriors ``P(c | e, a)``.
    By answers: one query per open question and answer but its likeliest, ``e + a``
    (:meth:`Asked.by_answers`). By causes: one query per cause not yet certain,
    ``e + (c = yes)``, whose marginals ``P(a | e, c = yes)`` give, by Bayes' rule,
    ``P(c = yes | e, a) = P(a | e, c = yes) P(c = yes | e) / P(a | e)`` for every
    question at once. A diagnosis with every question open runs one query per cause
    (18) instead of one per question (about 70); a scored row asked only its next
    few questions runs one per question.

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
    every = np.arange(posterior.shape[1])
    pick = every if causes is None else np.asarray(causes, dtype=np.intp).reshape(-1)
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
    before = posterior[:, pick]
    unsure = (before > 0.0) & (before < 1.0)
    ask = Asked(
        network, evidence, list(nodes), cards, weight, pick, before, np.zeros((n, len(nodes)))
    )
    by_cause = unsure.sum(axis=1) < ask.queried(wanted).sum(axis=(1, 2))
    ask.by_answers(wanted & ~by_cause[:, None, None])
    ask.by_causes(wanted & by_cause[:, None, None], unsure)
    now = _entropy_bits(before).sum(axis=1)
    gain = np.maximum(now[:, None] - ask.expected, 0.0)
    gain[~open_] = np.nan
    return np.asarray(gain, dtype=np.float64)


@dataclass(frozen=True)
class Asked:
    """``E_a[sum_c H(c | e, a)]`` of a batch, summed into :attr:`expected` (cases by nodes).

    ``weight`` holds ``P(a | e)`` (cases by nodes by states), ``pick`` the columns of
    the causes whose entropies are summed and ``before`` their ``P(c = yes | e)``.
    """

    network: Network
    evidence: Batch
    nodes: list[str]
    cards: list[int]
    weight: FloatArray
    pick: IntArray
    before: FloatArray
    expected: FloatArray

    def queried(self, wanted: BoolArray) -> BoolArray:
        """Return the answers :meth:`by_answers` queries, cases by nodes by states.

        Of each question asked, every state it may take (``P(a | e) > 0``) but its
        likeliest, whose posteriors follow from the others'.
        """
        n, width = wanted.shape[:2]
        out = wanted.any(axis=2, keepdims=True) & (self.weight > 0.0)
        top = np.argmax(self.weight, axis=2)
        out[np.arange(n)[:, None], np.arange(width)[None, :], top] = False
        return np.asarray(out)

    def by_answers(self, wanted: BoolArray) -> None:
        """One query per answer of :meth:`queried`: ``P(c | e, a)`` read directly.

        The likeliest answer ``a*`` of a question is not queried: ``P(c | e) =
        sum_a P(a | e) P(c | e, a)`` gives ``P(c | e, a*)`` from the others, divided
        by ``P(a* | e)``, which is at least one over the number of states, so the
        subtraction loses no precision worth the name. A yes/no question costs one
        query, not two.
        """
        width = wanted.shape[1]
        causes = list(self.network.causes)
        queried = self.queried(wanted)
        top = np.argmax(self.weight, axis=2)
        for part in _slices(queried.sum(axis=(1, 2))):
            pair_case, pair_node = np.nonzero(wanted[part].any(axis=2))
            if not len(pair_case):
                continue
            pair_case += part.start
            # Per asked (case, question): sum over the queried answers of P(a | e) P(c | e, a).
            pair = np.full((part.stop - part.start, width), -1, dtype=np.intp)
            pair[pair_case - part.start, pair_node] = np.arange(len(pair_case))
            mass = np.zeros((len(pair_case), len(self.pick)))
            case, which, state = np.nonzero(queried[part])
            if len(case):
                case += part.start
                stacked = _take(self.evidence, case)
                m = len(case)
                for j, v in enumerate(self.nodes):
                    rows = which == j
                    if rows.any():
                        stacked[v] = _set_state(stacked.get(v), rows, state, m, self.cards[j])
                post = self.network.engine.query(stacked, targets=causes)
                after = cause_posteriors(self.network, post.marginals)[:, self.pick]
                w = np.where(post.possible, self.weight[case, which, state], 0.0)
                after = np.nan_to_num(after)
                np.add.at(mass, pair[case - part.start, which], w[:, None] * after)
                bits = _entropy_bits(after).sum(axis=1)
                term = np.where(wanted[case, which, state], w * bits, 0.0)
                np.add.at(self.expected, (case, which), term)
            w_top = self.weight[pair_case, pair_node, top[pair_case, pair_node]]
            left = (self.before[pair_case] - mass) / w_top[:, None]
            bits = _entropy_bits(np.clip(left, 0.0, 1.0)).sum(axis=1)
            np.add.at(self.expected, (pair_case, pair_node), w_top * bits)

    def by_causes(self, wanted: BoolArray, unsure: BoolArray) -> None:
        """One query per (case, cause not yet certain): ``P(a | e, c = yes)``, then Bayes."""
        # A cause already certain (0 or 1) stays so whatever the answer.
        certain = np.where(unsure, 0.0, _entropy_bits(self.before)).sum(axis=1)
        self.expected[:] += (self.weight * wanted).sum(axis=2) * certain[:, None]
        live = unsure & np.asarray(wanted.any(axis=(1, 2)))[:, None]
        if not live.any():
            return
        # A row here has every node's marginals (about four times a row by answers).
        scale = -(-sum(self.cards) // (2 * len(self.network.causes)))
        node = np.repeat(np.arange(len(self.cards)), self.cards)
        state = np.concatenate([np.arange(c) for c in self.cards]).astype(np.intp)
        starts = np.r_[0, np.cumsum(self.cards)[:-1]].astype(np.intp)
        for part in _slices(live.sum(axis=1) * scale):
            case, k = np.nonzero(live[part])
            if not len(case):
                continue
            case += part.start
            stacked = _take(self.evidence, case)
            m = len(case)
            for col in np.unique(k):
                cause = self.network.causes[int(self.pick[col])]
                rows = k == col
                yes = np.full(m, _yes(self.network, cause))
                stacked[cause] = _set_state(
                    stacked.get(cause), rows, yes, m, len(self.network.states(cause))
                )
            post = self.network.engine.query(stacked, targets=self.nodes)
            prior = np.where(post.possible, self.before[case, k], 0.0)
            # Every (node, state) side by side: one array operation, not one per node.
            marg = np.concatenate([post.marginals[v] for v in self.nodes], axis=1)
            given = np.nan_to_num(marg) * prior[:, None]
            w = self.weight[case[:, None], node[None, :], state[None, :]]
            ok = wanted[case[:, None], node[None, :], state[None, :]]
            p = np.divide(given, w, out=np.zeros_like(given), where=ok)
            term = np.where(ok, w * _entropy_bits(np.clip(p, 0.0, 1.0)), 0.0)
            np.add.at(self.expected, case, np.add.reduceat(term, starts, axis=1))
