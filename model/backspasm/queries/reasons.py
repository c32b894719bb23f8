"""Reasons: what withholding each answer does to every cause."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from backspasm._numeric import BoolArray, FloatArray
from backspasm._numeric import logit as _logit
from backspasm.network import Network
from backspasm.queries._common import Batch, _is_state, _slices, _take, _withheld
from backspasm.queries.posteriors import cause_posteriors
from backspasm.questionnaire import questions_for

__all__ = ["Reasons", "reasons"]


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
        A question with a default (``back_spasm = yes``) is withheld by entering the
        default, and an answer equal to it is no reason (NaN, as an unanswered node).
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes.

    Returns
    -------
    Reasons
    """
    n, k = posterior.shape
    nodes = tuple(given)
    without = np.full((n, len(nodes), k), np.nan)
    # withheld, a question with a default takes it back: an answer equal to it is none
    defaults = {
        q.node: network.states(q.node).index(q.default)
        for q in questions_for(network)
        if q.node is not None and q.node in given and q.default is not None
    }
    if nodes and n:
        mask = np.column_stack(
            [
                np.asarray(given[v], dtype=bool)
                & ~(_is_state(np.asarray(evidence[v]), defaults[v]) if v in defaults else False)
                for v in nodes
            ]
        )
        for part in _slices(mask.sum(axis=1)):
            case, j = np.nonzero(mask[part])
            if not len(case):
                continue
            case += part.start
            stacked = _take(evidence, case)
            for i, node in enumerate(nodes):
                stacked[node] = _withheld(stacked[node], j == i, defaults.get(node))
            post = network.engine.query(stacked, targets=list(network.causes))
            table = cause_posteriors(network, post.marginals)
            table[~post.possible] = np.nan
            without[case, j] = table
    change = _logit(posterior[:, None, :]) - _logit(without)
    change[np.isnan(without)] = np.nan
    return Reasons(nodes, without, change)
