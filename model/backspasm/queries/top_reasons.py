"""Reasons for each case's first-ranked cause alone, by fast retraction.

:func:`~backspasm.queries.reasons.reasons` withholds each answer in a query of its
own (one engine row per answer and case) to get every cause's probability without
it. A scored file names the answers that moved the first-ranked cause ``t`` only, and
for it two propagations per case give every answer at once: the engine's fast
retraction (:meth:`~backspasm.engine.CompiledNetwork.log_retracted`) gives
``P(t = yes, e without v)`` and ``P(t = no, e without v)`` for every answered ``v``,
and ``P(t | e without v)`` is the first over their sum (both exact, so neither end of
the probability loses its last digits to a subtraction).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from backspasm._numeric import BoolArray, FloatArray, IntArray, first_ranked
from backspasm._numeric import logit as _logit
from backspasm.network import Network
from backspasm.queries._common import Batch, _take, _yes
from backspasm.queries.reasons import Reasons, reasons
from backspasm.questionnaire import questions_for

__all__ = ["top_cause_reasons"]


def top_cause_reasons(
    network: Network,
    evidence: Batch,
    given: Mapping[str, BoolArray],
    posterior: FloatArray,
) -> Reasons:
    """Return :func:`~backspasm.queries.reasons.reasons` for each case's first-ranked cause.

    The parameters are those of :func:`~backspasm.queries.reasons.reasons`; the
    result has its shape, with the column of each case's first-ranked cause
    (:func:`~backspasm.ranked_causes` order) filled and every other cause NaN. An
    answer to a question with a default (``back_spasm``) is withheld by entering the
    default, in a query of its own as :func:`reasons` does (a few cases answer it
    otherwise than the default).
    """
    n, k = posterior.shape
    nodes = tuple(given)
    without = np.full((n, len(nodes), k), np.nan)
    defaults = {
        q.node
        for q in questions_for(network)
        if q.node is not None and q.node in given and q.default is not None
    }
    if nodes and n and k:
        top = first_ranked(posterior)
        mask = {v: np.asarray(given[v], dtype=bool) for v in nodes}
        # An answer to the top cause itself, or to a question with a default, is
        # withheld in a query of its own, as reasons() does (few cases have one).
        own = {v: mask[v] & (v in defaults or top == _index(network, v)) for v in nodes}
        plain = [v for v in nodes if v not in defaults]
        if plain:
            rest = {v: mask[v] & ~own[v] for v in plain}
            _fill_plain(network, evidence, rest, top, without, [nodes.index(v) for v in plain])
        some_nodes = [v for v in nodes if own[v].any()]
        if some_nodes:
            rows = np.arange(n)
            some = reasons(network, evidence, {v: own[v] for v in some_nodes}, posterior)
            for j_some, v in enumerate(some.nodes):
                j = nodes.index(v)
                done = own[v]
                without[rows[done], j, top[done]] = some.without[rows[done], j_some, top[done]]
    # Only the filled entries (one cause per case) are worked out, as reasons() does.
    change = np.full(without.shape, np.nan)
    case, answer, cause = np.nonzero(~np.isnan(without))
    change[case, answer, cause] = _logit(posterior[case, cause]) - _logit(
        without[case, answer, cause]
    )
    return Reasons(nodes, without, change)


def _index(network: Network, node: str) -> int:
    """Return a node's column among the causes (-1 for any other node)."""
    causes = network.causes
    return causes.index(node) if node in causes else -1


def _fill_plain(
    network: Network,
    evidence: Batch,
    given: Mapping[str, BoolArray],
    top: IntArray,
    without: FloatArray,
    columns: list[int],
) -> None:
    """Fill ``without`` for the answers ``given`` (withheld by leaving them out).

    Two fast retractions over every case: each with its first-ranked cause entered
    yes, then no (every other state).
    """
    plain = list(given)
    mask = np.column_stack([given[v] for v in plain])
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return
    sub = _take(evidence, rows)
    tops = top[rows]
    logs = []
    for side in (True, False):
        batch, contradicted = _entered(network, sub, tops, side)
        found = network.engine.log_retracted(
            batch, plain, summed=True, needed={v: mask[rows, i] for i, v in enumerate(plain)}
        )
        for array in found.values():
            array[contradicted] = -np.inf
        logs.append(found)
    for i, v in enumerate(plain):
        mine = mask[rows, i]
        a, b = logs[0][v][mine], logs[1][v][mine]
        with np.errstate(invalid="ignore"):
            p = np.exp(a - np.logaddexp(a, b))
        without[rows[mine], columns[i], tops[mine]] = p


def _entered(
    network: Network, evidence: Batch, top: IntArray, present: bool
) -> tuple[dict[str, np.ndarray], BoolArray]:
    """Return the evidence with each case's cause ``top`` entered present (or absent).

    As likelihood rows: the indicator of ``yes`` (or of every other state) times the
    case's own evidence on the cause. A case whose answer rules that out keeps its
    answer and is returned as contradicted (its probability is zero, as the event of
    :meth:`~backspasm.engine.CompiledNetwork.log_retracted` gives it).
    """
    out = dict(evidence)
    n = len(top)
    contradicted = np.zeros(n, dtype=bool)
    for i in np.unique(top).tolist():
        cause = network.causes[i]
        card = len(network.states(cause))
        allowed = np.zeros(card)
        allowed[_yes(network, cause)] = 1.0
        if not present:
            allowed = 1.0 - allowed
        base = out.get(cause)
        if base is None:
            rows = np.ones((n, card))
        elif np.asarray(base).ndim == 1:
            rows = np.vstack([np.eye(card), np.ones(card)])[np.asarray(base)]
        else:
            rows = np.array(base, dtype=np.float64)
        mine = np.flatnonzero(top == i)
        entered = rows[mine] * allowed
        left = entered.sum(axis=1) > 0
        rows[mine[left]] = entered[left]
        contradicted[mine[~left]] = True
        out[cause] = rows
    return out, contradicted
