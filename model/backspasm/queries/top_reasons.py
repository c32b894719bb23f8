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

from backspasm._numeric import BoolArray, FloatArray, first_ranked
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
        plain = [v for v in nodes if v not in defaults]
        if plain:
            _fill_plain(network, evidence, given, plain, top, without, nodes)
        if defaults:
            # Withheld, a question with a default takes it: the queries of reasons().
            rows = np.arange(n)
            some = reasons(
                network, evidence, {v: given[v] for v in nodes if v in defaults}, posterior
            )
            for j_some, v in enumerate(some.nodes):
                j = nodes.index(v)
                without[rows, j, top] = some.without[rows, j_some, top]
    change = _logit(posterior[:, None, :]) - _logit(without)
    change[np.isnan(without)] = np.nan
    return Reasons(nodes, without, change)


def _fill_plain(
    network: Network,
    evidence: Batch,
    given: Mapping[str, BoolArray],
    plain: list[str],
    top: np.ndarray,
    without: FloatArray,
    nodes: tuple[str, ...],
) -> None:
    """Fill ``without`` for the answers withheld by leaving them out (no default)."""
    engine = network.engine
    mask = np.column_stack([np.asarray(given[v], dtype=bool) for v in plain])
    # Every node of the evidence that is withheld somewhere: the same nodes for every
    # batch of a file, so that the engine's plans are reused.
    columns = [nodes.index(v) for v in plain]
    for t in np.unique(top[mask.any(axis=1)]).tolist():
        rows = np.flatnonzero((top == t) & mask.any(axis=1))
        sub = _take(evidence, rows)
        cause = network.causes[t]
        yes = _yes(network, cause)
        others = [s for s in range(len(network.states(cause))) if s != yes]
        needed = {v: mask[rows, i] for i, v in enumerate(plain)}
        present = engine.log_retracted(sub, plain, event={cause: yes}, summed=True, needed=needed)
        absent = engine.log_retracted(
            sub, plain, event={cause: others}, summed=True, needed=needed
        )
        for i, v in enumerate(plain):
            mine = mask[rows, i]
            a, b = present[v][mine], absent[v][mine]
            with np.errstate(invalid="ignore"):
                p = np.exp(a - np.logaddexp(a, b))
            without[rows[mine], columns[i], t] = p
