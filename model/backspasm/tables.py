"""Expand a node's declaration into its full conditional table.

One place turns the knowledge base's parameter forms into numbers: a ``prior``, a
leaky noisy-OR (``leak`` + ``strength``), a noisy-MAX (ordered states), a logistic
(``base`` + ``odds``, odds ratios multiply) or a full ``table``. The pgmpy model
(:mod:`backspasm.network`), the compiled engine and sampling all read these tables.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from backspasm.spec import NodeSpec, Spec

if TYPE_CHECKING:
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = ["build_cpd", "build_model", "cpt_values", "spec_factors"]


def _strength(node: NodeSpec, parent: NodeSpec, state: str) -> float:
    """Noisy-OR strength of ``parent`` being in ``state`` (0 for its reference state)."""
    p = node.strengths[parent.name].p
    if isinstance(p, Mapping):
        return float(p.get(state, 0.0))
    return float(p) if state == parent.states[-1] else 0.0


def _noisy_max_cdf(node: NodeSpec, name: str | None) -> np.ndarray:
    """Cumulative distribution over the ordered child states for the leak or a parent."""
    param = node.leak if name is None else node.strengths[name]
    assert param is not None  # guaranteed by the validator
    p = param.p
    if isinstance(p, Mapping):
        probs = np.array([float(p[s]) for s in node.states])
    else:  # binary child: p is P(yes)
        probs = np.array([1.0 - float(p), float(p)])
    return np.cumsum(probs)


def build_cpd(node: NodeSpec, parents: Sequence[NodeSpec]) -> TabularCPD:
    """Expand one node's declaration into a full :class:`~pgmpy.factors.discrete.TabularCPD`.

    Parameters
    ----------
    node : NodeSpec
        The validated declaration.
    parents : sequence of NodeSpec
        The declarations of ``node.parents``, in the same order.

    Returns
    -------
    TabularCPD
        Columns follow pgmpy's convention: the first parent varies slowest.

    Notes
    -----
    Noisy-OR: ``P(no | parents) = (1 - leak) * prod_i (1 - s_i)`` over the parents in
    an active state; parents given an odds ratio instead of a strength then multiply
    the odds ``P(yes) / P(no)``, as a selection effect scales every route alike.
    Noisy-MAX (ordered states): the child's cumulative distribution is the product of
    the leak's and every active parent's cumulative distributions,
    i.e. the child takes the highest level any of them produces.
    """
    from pgmpy.factors.discrete import TabularCPD

    values = cpt_values(node, parents)
    state_names: dict[str, list[str]] = {node.name: list(node.states)}
    state_names.update({p.name: list(p.states) for p in parents})
    return TabularCPD(
        variable=node.name,
        variable_card=len(node.states),
        values=values,
        evidence=[p.name for p in parents] or None,
        evidence_card=[len(p.states) for p in parents] or None,
        state_names=state_names,
    )


def _odds_ratio(node: NodeSpec, parent: NodeSpec, state: str) -> float:
    """Return the odds ratio of ``parent`` in ``state`` (1 in its reference state)."""
    if state == parent.states[0]:
        return 1.0
    p = node.odds[parent.name].p
    return float(p[state]) if isinstance(p, Mapping) else float(p)


def _logistic_column(
    node: NodeSpec, parents: Sequence[NodeSpec], combos: Sequence[tuple[str, ...]]
) -> np.ndarray:
    """Return P(yes) per parent combination: base odds times each parent's odds ratio."""
    assert node.base is not None
    base = float(node.base.p)  # type: ignore[arg-type]
    odds = np.full(max(len(combos), 1), base / (1.0 - base))
    for j, combo in enumerate(combos):
        for parent, state in zip(parents, combo, strict=True):
            odds[j] *= _odds_ratio(node, parent, state)
    return odds / (1.0 + odds)


def cpt_values(node: NodeSpec, parents: Sequence[NodeSpec]) -> np.ndarray:
    """Return the node's table as pgmpy lays it out: states by parent combinations."""
    card = len(node.states)
    combos = list(itertools.product(*(p.states for p in parents)))
    values = np.empty((card, max(len(combos), 1)))
    if node.form == "prior":
        assert node.prior is not None
        values[:, 0] = _state_vector(node, node.prior.p)
    elif node.form == "table":
        rows = {tuple(row.when[p.name] for p in parents): row.param.p for row in node.table}
        for j, combo in enumerate(combos):
            values[:, j] = _state_vector(node, rows[combo])
    elif node.form == "noisy_or":
        assert node.leak is not None
        leak = float(node.leak.p)  # type: ignore[arg-type]
        for j, combo in enumerate(combos):
            p_no, ratio = 1.0 - leak, 1.0
            for parent, state in zip(parents, combo, strict=True):
                if parent.name in node.odds:
                    ratio *= _odds_ratio(node, parent, state)
                else:
                    p_no *= 1.0 - _strength(node, parent, state)
            if ratio != 1.0 and p_no > 0.0:  # odds ratios scale the noisy-OR's odds
                odds = ratio * (1.0 - p_no) / p_no
                p_no = 1.0 / (1.0 + odds)
            values[:, j] = (p_no, 1.0 - p_no)
    elif node.form == "logistic":
        values[1, :] = _logistic_column(node, parents, combos)
        values[0, :] = 1.0 - values[1, :]
    else:  # noisy_max
        leak_cdf = _noisy_max_cdf(node, None)
        parent_cdfs = {p.name: _noisy_max_cdf(node, p.name) for p in parents}
        for j, combo in enumerate(combos):
            cdf = leak_cdf.copy()
            for parent, state in zip(parents, combo, strict=True):
                if state == parent.states[-1]:
                    cdf *= parent_cdfs[parent.name]
            values[:, j] = np.diff(cdf, prepend=0.0)
    values = np.clip(values, 0.0, None)
    values /= values.sum(axis=0, keepdims=True)
    return values


def spec_factors(spec: Spec) -> list[tuple[list[str], np.ndarray]]:
    """Every node's table, shaped (node, *parents), straight from the knowledge base."""
    factors = []
    for name, node in spec.nodes.items():
        parents = [spec.nodes[p] for p in node.parents]
        shape = (len(node.states), *(len(p.states) for p in parents))
        factors.append(([name, *node.parents], cpt_values(node, parents).reshape(shape)))
    return factors


def _state_vector(node: NodeSpec, p: float | Mapping[str, float]) -> np.ndarray:
    if isinstance(p, Mapping):
        return np.array([float(p[s]) for s in node.states])
    return np.array([1.0 - float(p), float(p)])


def build_model(spec: Spec) -> DiscreteBayesianNetwork:
    """Return the pgmpy model of a validated knowledge base: its nodes, edges and tables."""
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork()
    model.add_nodes_from(spec.nodes)
    model.add_edges_from((p, n) for n, s in spec.nodes.items() for p in s.parents)
    model.add_cpds(
        *(build_cpd(s, [spec.nodes[p] for p in s.parents]) for s in spec.nodes.values())
    )
    model.check_model()
    return model
