"""The EM of :func:`~backspasm.learning.fit_network`: which families it fits, and its loop.

Private to :mod:`backspasm.learning.fitting`. :func:`make_plan` sorts the fitted
nodes into closed-form and EM families; :func:`run_em` runs expectation-maximisation
from the expert numbers, with the selection of people who present with back spasm
corrected in :func:`selection_step`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from backspasm._numeric import FloatArray, IntArray
from backspasm.learning._estimation import FAMILY_LIMIT, EStep, Split, m_step, split_family
from backspasm.network import Network
from backspasm.sampling import PRESENTATION, NodeTable, topological_order

__all__ = ["EMState", "Plan", "ancestors", "make_plan", "run_em", "selection_step"]


def ancestors(network: Network, nodes: Iterable[str]) -> set[str]:
    import networkx as nx

    out: set[str] = set()
    for n in nodes:
        out |= {str(a) for a in nx.ancestors(network.model, n)}
    return out


@dataclass(frozen=True)
class Plan:
    """Which nodes a fit touches, and how each is estimated."""

    order: list[str]  # every node the data inform, parents first
    fitted: list[str]  # those not frozen
    complete: list[str]  # closed form: family answered in every row, not selected
    em_nodes: list[str]  # the rest of ``fitted``
    selected: set[str]  # back_spasm and its ancestors, under selection
    observed: set[str]  # nodes observed in some row


def make_plan(
    network: Network,
    evidence: Mapping[str, IntArray],
    expert: Mapping[str, NodeTable],
    frozen: set[str],
    selection: bool,
) -> Plan:
    observed = {v for v, codes in evidence.items() if (codes >= 0).any()}
    relevant = observed | ancestors(network, observed)
    order = [v for v in topological_order(network) if v in relevant]
    fitted = [v for v in order if v not in frozen]
    selected = ancestors(network, [PRESENTATION]) | {PRESENTATION} if selection else set()

    def answered(v: str) -> bool:
        return v in evidence and bool((evidence[v] >= 0).all())

    complete = [
        v
        for v in fitted
        if v not in selected and all(answered(u) for u in (v, *expert[v].parents))
    ]
    em_nodes = [v for v in fitted if v not in complete]
    return Plan(order, fitted, complete, em_nodes, selected, observed)


@dataclass
class EMState:
    """The numbers, expected counts and trace of an EM run."""

    current: dict[str, NodeTable]
    counts: dict[str, FloatArray]
    history: list[float]
    iterations: int = 0
    converged: bool = True


def run_em(
    plan: Plan,
    state: EMState,
    expert: Mapping[str, NodeTable],
    evidence: Mapping[str, IntArray],
    states: Mapping[str, tuple[str, ...]],
    *,
    n: int,
    weight: float,
    max_iter: int,
    tol: float,
    selection: bool,
) -> None:
    """EM from the expert numbers for the families in ``plan.em_nodes`` (updates ``state``)."""
    if not plan.em_nodes:
        return
    state.converged = False
    observed = {v: evidence[v] for v in plan.order if v in plan.observed}
    splits = [split_family(expert[v], observed, FAMILY_LIMIT) for v in plan.em_nodes]
    ghosts = [v for v in plan.em_nodes if v in plan.selected] if selection else []
    for _ in range(max_iter):
        # Recompiled every iteration: the tables change, the junction tree does not.
        estep = EStep(state.current, plan.order, splits, states)
        expected, log_evidence = estep.run(observed, n, plan.em_nodes)
        log_likelihood = float(log_evidence.sum())
        new = {
            v: m_step(expected[v], expert[v].values, weight)
            for v in plan.em_nodes
            if v not in ghosts
        }
        if selection:
            log_p_yes, selected = selection_step(
                plan, state, expert, expected, splits, states, n=n, weight=weight, tol=tol
            )
            log_likelihood -= n * log_p_yes
            new.update(selected)
        state.history.append(log_likelihood)
        state.iterations += 1
        delta = 0.0
        for v in plan.em_nodes:
            delta = max(delta, float(np.abs(new[v] - state.current[v].values).max()))
            state.current[v] = replace(expert[v], values=new[v])
            state.counts[v] = expected[v]
        if delta <= tol:
            state.converged = True
            return


#: Most inner iterations of the selection step per EM iteration.
_SELECTION_ITER = 10


def selection_step(
    plan: Plan,
    state: EMState,
    expert: Mapping[str, NodeTable],
    expected: dict[str, FloatArray],
    splits: Sequence[Split],
    states: Mapping[str, tuple[str, ...]],
    *,
    n: int,
    weight: float,
    tol: float,
) -> tuple[float, dict[str, FloatArray]]:
    """M-step of the families above ``back_spasm``, corrected for selection.

    The rows are a sample of P(answers | back_spasm = yes). EM for truncated samples
    (Dempster, Laird and Rubin 1977, section 4.7) treats the people without back
    spasm who never presented as missing rows, ``n P(no) / P(yes)`` of them in
    expectation, each with family marginals given ``back_spasm = no``. One such
    step per E-step converges slowly when few people present (the missing share is
    ``P(no)``), so the step is iterated to its fixed point with the presenters'
    expected counts held: each inner step is an EM step on a function that touches
    the conditional log-likelihood from below at the current numbers, so the
    likelihood still never falls. Only the ancestors of ``back_spasm`` are involved,
    so the inner steps run on that part of the network.

    Returns ``log P(back_spasm = yes)`` under the current numbers and the new tables
    of the selected families; ``expected`` gets their missing rows' counts added.
    """
    ghosts = [v for v in plan.em_nodes if v in plan.selected]
    order = [v for v in plan.order if v in plan.selected]
    ghost_splits = [s for s in splits if s.node in plan.selected]
    no = np.array([states[PRESENTATION].index("no")], dtype=np.int64)
    tables = dict(state.current)
    first: float | None = None
    new: dict[str, FloatArray] = {}
    totals: dict[str, FloatArray] = {}
    for _ in range(_SELECTION_ITER):
        ghost, log_no = EStep(tables, order, ghost_splits, states).run(
            {PRESENTATION: no}, 1, ghosts
        )
        p_no = float(np.exp(log_no[0]))
        if first is None:
            first = math.log1p(-p_no)
        delta = 0.0
        for v in ghosts:
            totals[v] = expected[v] + n * (p_no / (1.0 - p_no)) * ghost[v]
            new[v] = m_step(totals[v], expert[v].values, weight)
            delta = max(delta, float(np.abs(new[v] - tables[v].values).max()))
            tables[v] = replace(expert[v], values=new[v])
        if delta <= tol / 10:
            break
    expected.update(totals)
    assert first is not None
    return first, new
