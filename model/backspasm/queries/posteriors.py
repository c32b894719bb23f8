"""Posteriors: cause probabilities, complication risks, P(any of some causes), conflict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from backspasm._numeric import FloatArray
from backspasm.network import Network
from backspasm.queries._common import Batch, _yes, answered
from backspasm.spec import PRESENTATION

__all__ = ["CONTEXT_GROUPS", "cause_posteriors", "conflict", "context_posteriors", "node_risks"]

#: The node groups whose answers make the baseline of the odds factor
#: (:mod:`backspasm.explain.odds`): who and where the person is, and the
#: presentation itself (back spasm, present unless a case says otherwise).
CONTEXT_GROUPS: tuple[str, ...] = ("context", "presentation")


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


def context_posteriors(network: Network, evidence: Batch, n: int) -> FloatArray:
    """Return ``P(cause = yes | the context answers)``, cases by causes.

    Only the answers to nodes of :data:`CONTEXT_GROUPS` are kept (a presentation
    node the batch does not give is entered as ``yes``), and each distinct
    combination of them is queried once: a batch holds few (age band, sex,
    setting, an illness going on).

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
        The batch, as :func:`~backspasm.queries.query_cases` takes it.
    n : int
        Its number of cases.

    Returns
    -------
    numpy.ndarray
    """
    if not n:
        return np.zeros((0, len(network.causes)))
    values = {
        k: np.asarray(v) for k, v in evidence.items() if network.group_of(k) in CONTEXT_GROUPS
    }
    for node in network.nodes_in("presentation"):
        values.setdefault(node, np.full(n, _yes(network, node), dtype=np.int64))
    nodes = list(values)
    widths = [1 if values[k].ndim == 1 else values[k].shape[1] for k in nodes]
    stacked = np.column_stack([values[k].reshape(n, -1).astype(np.float64) for k in nodes])
    distinct, row = np.unique(stacked, axis=0, return_inverse=True)
    ends = np.cumsum([0, *widths])
    batch = {
        k: distinct[:, ends[i]].astype(np.int64) if w == 1 else distinct[:, ends[i] : ends[i + 1]]
        for i, (k, w) in enumerate(zip(nodes, widths, strict=True))
    }
    found = network.engine.query(batch, targets=list(network.causes))
    return cause_posteriors(network, found.marginals)[row.reshape(-1)]


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
    answers = {k: np.asarray(v) for k, v in evidence.items() if k != PRESENTATION}
    out = np.zeros(n)
    if not answers:
        return out
    count = sum(answered(v).astype(np.int64) for v in answers.values())
    context = {k: np.asarray(v) for k, v in evidence.items() if k == PRESENTATION}
    # Each distinct presentation once (or one case without it): a row per presentation.
    row = np.zeros(n, dtype=np.int64)
    if all(v.ndim == 1 for v in context.values()) and context:
        distinct, row = np.unique(context[PRESENTATION], return_inverse=True)
        context = {PRESENTATION: distinct}
        row = row.reshape(-1)
    elif context:
        row = np.arange(n)
    base = network.engine.query(dict(context), targets=list(answers))
    base_log = base.log_evidence[row]
    singles = np.zeros(n)

    # Each answer's own probability, however small (a denormal 1e-310 too): only a zero
    # (an answer that is impossible, when log P(e) is -inf and the conflict infinite)
    # is replaced, to keep the sum finite. A floor of 1e-12 added 662 to a variant's
    # conflict of 0.08.
    def log(p: FloatArray) -> FloatArray:
        return np.log(np.where(p > 0, p, np.finfo(np.float64).tiny))

    for node, values in answers.items():
        if values.ndim == 1:
            table = log(base.marginals[node])
            singles += np.where(values >= 0, table[row, np.maximum(values, 0)], 0.0)
        else:
            p = np.einsum("ij,ij->i", base.marginals[node][row], values)
            singles += log(p) * answered(values)
    with np.errstate(invalid="ignore"):
        out = singles - (log_evidence - base_log)
    out[~np.isfinite(log_evidence)] = np.inf
    out[count < 2] = 0.0
    return np.asarray(out, dtype=np.float64)
