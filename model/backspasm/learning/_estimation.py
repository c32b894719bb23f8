"""Estimation steps of the fit: counts, the Dirichlet M-step and the exact E-step.

Private to :mod:`backspasm.learning.fitting`. :func:`m_step` turns (expected)
counts and the expert table into the posterior mode under a Dirichlet prior centred
on the expert numbers; :func:`bayesian_estimates` does the same in closed form
through pgmpy for families observed in every row; :class:`EStep` gives the exact
expected counts of the other families from the compiled batch engine.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backspasm._numeric import FloatArray, IntArray
from backspasm.engine import CompiledNetwork
from backspasm.exceptions import EvidenceError
from backspasm.sampling import NodeTable

__all__ = [
    "FAMILY_LIMIT",
    "EStep",
    "ImpossibleRow",
    "Split",
    "bayesian_estimates",
    "family_counts",
    "m_step",
    "split_family",
]

#: Prefix of the indicator node added for each family in the E-step.
_FAMILY = "__family__"


def m_step(counts: FloatArray, expert: FloatArray, weight: float) -> FloatArray:
    """Dirichlet MAP: (counts + weight * expert) normalised per parent configuration."""
    total = counts + weight * expert
    sums = total.sum(axis=0, keepdims=True)
    out = np.where(sums > 0, total / np.where(sums > 0, sums, 1.0), expert)
    return np.asarray(out, dtype=np.float64)


def family_counts(table: NodeTable, evidence: Mapping[str, IntArray]) -> FloatArray:
    """Exact counts of (node, parents) configurations; every family member observed."""
    codes = [evidence[v] for v in (table.node, *table.parents)]
    flat = np.ravel_multi_index(tuple(codes), table.shape)
    size = int(np.prod(table.shape))
    return np.bincount(flat, minlength=size).astype(np.float64).reshape(table.shape)


def bayesian_estimates(
    nodes: Sequence[str],
    tables: Mapping[str, NodeTable],
    states: Mapping[str, tuple[str, ...]],
    evidence: Mapping[str, IntArray],
    weight: float,
) -> dict[str, FloatArray]:
    """Closed-form Dirichlet estimates from pgmpy for families observed in every row."""
    if not nodes:
        return {}
    from pgmpy.models import DiscreteBayesianNetwork
    from pgmpy.parameter_estimator import DiscreteBayesianEstimator

    involved = sorted({v for node in nodes for v in (node, *tables[node].parents)})
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(involved)
    model.add_edges_from((p, node) for node in nodes for p in tables[node].parents)
    data = pd.DataFrame(
        {v: np.asarray(states[v], dtype=object)[evidence[v]] for v in involved}, dtype=object
    )
    pseudo: dict[str, FloatArray] = {}
    for node in nodes:
        table = tables[node]
        ranked = sorted(table.parents)  # pgmpy orders a node's parents by name
        axes = [0, *(1 + table.parents.index(p) for p in ranked)]
        pseudo[node] = weight * np.transpose(table.values, axes).reshape(table.shape[0], -1)
    estimator = DiscreteBayesianEstimator(
        state_names={v: list(states[v]) for v in involved},
        prior_type="dirichlet",
        pseudo_counts=pseudo,
    )
    with warnings.catch_warnings():
        # With weight 0, a parent configuration no row has divides 0 by 0 (below).
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        estimator.fit(model, data)
    out: dict[str, FloatArray] = {}
    for cpd in estimator.parameters_:
        node = str(cpd.variable)
        if node not in nodes:
            continue
        variables = [str(v) for v in cpd.variables]
        values = np.asarray(cpd.get_values(), dtype=np.float64).reshape(
            [int(c) for c in cpd.cardinality]
        )
        for axis, var in enumerate(variables):
            own = [str(s) for s in cpd.state_names[var]]
            values = np.take(values, [own.index(s) for s in states[var]], axis=axis)
        wanted = (node, *tables[node].parents)
        fitted = np.transpose(values, [variables.index(v) for v in wanted])
        # A parent configuration no row has keeps the expert numbers, as m_step does.
        unseen = ~np.isfinite(fitted).all(axis=0, keepdims=True)
        out[node] = np.ascontiguousarray(np.where(unseen, tables[node].values, fitted))
    return out


#: Largest family (node and kept parents) given its own indicator node in the E-step;
#: bigger families clamp some parents instead, so no clique outgrows the network's own.
FAMILY_LIMIT = 64


@dataclass(frozen=True)
class Split:
    """How one family's joint marginal is obtained: indicator over ``kept``, clamp the rest."""

    node: str
    kept: tuple[str, ...]
    clamped: tuple[str, ...]


def split_family(table: NodeTable, evidence: Mapping[str, IntArray], limit: int) -> Split:
    """Clamp the most often observed parents until the rest of the family is small."""
    cards = dict(zip((table.node, *table.parents), table.shape, strict=True))
    size = int(np.prod(table.shape))
    share = {p: float((evidence[p] >= 0).mean()) if p in evidence else 0.0 for p in table.parents}
    clamped: list[str] = []
    for p in sorted(table.parents, key=lambda p: (-share[p], table.parents.index(p))):
        if size <= limit:
            break
        clamped.append(p)
        size //= cards[p]
    kept = tuple(p for p in table.parents if p not in clamped)
    return Split(table.node, kept, tuple(p for p in table.parents if p in clamped))


class ImpossibleRow(EvidenceError):
    """A row of the case file has probability zero under the network's structure.

    ``row`` counts from 0; the message counts from 1, as the file's rows.
    """

    def __init__(self, row: int) -> None:
        super().__init__(
            f"Row {row + 1} has probability zero under the network's structure; fitting "
            "cannot explain it."
        )
        self.row = row


class EStep:
    """Exact E-step: summed posterior family marginals P(node, parents | case).

    The batch engine returns one-node marginals. Each target family gets an extra
    deterministic node whose state is the joint configuration of the node and its
    kept parents (a factor that sums to one over that node, so the distribution is
    unchanged): its marginal is the joint marginal of those variables. For a large
    family the other parents are clamped: where a case observes them, the
    configuration is known; where it does not, one extra query per configuration of
    the clamped parents gives ``P(kept | case, clamped = c)`` and, from the ratio of
    evidence probabilities, ``P(clamped = c | case)``.
    """

    def __init__(
        self,
        tables: Mapping[str, NodeTable],
        order: Sequence[str],
        splits: Sequence[Split],
        states: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.tables = tables
        self.states = states
        self.splits = {s.node: s for s in splits}
        factors: list[tuple[list[str], FloatArray]] = []
        all_states: dict[str, tuple[str, ...]] = {v: states[v] for v in order}
        for v in order:
            factors.append(([v, *tables[v].parents], tables[v].values))
        for split in splits:
            family = (split.node, *split.kept)
            shape = [len(states[u]) for u in family]
            size = int(np.prod(shape))
            all_states[_FAMILY + split.node] = tuple(str(i) for i in range(size))
            factors.append(([_FAMILY + split.node, *family], np.eye(size).reshape(size, *shape)))
        self.engine = CompiledNetwork(factors, all_states)

    def run(
        self, evidence: Mapping[str, IntArray], n: int, targets: Sequence[str]
    ) -> tuple[dict[str, FloatArray], FloatArray]:
        """Return summed family marginals per target and ``log P(evidence)`` per case."""
        if not targets:
            return {}, self.engine.log_evidence(dict(evidence))
        posterior = self.engine.query(dict(evidence), targets=[_FAMILY + v for v in targets])
        if not posterior.possible.all():
            raise ImpossibleRow(int(np.argmax(~posterior.possible)))
        base = posterior.log_evidence
        counts: dict[str, FloatArray] = {}
        for v in targets:
            split = self.splits[v]
            marginal = posterior.marginals[_FAMILY + v]
            if not split.clamped:
                counts[v] = marginal.sum(axis=0).reshape(self.tables[v].shape)
                continue
            counts[v] = self._clamped(split, evidence, n, marginal, base)
        return counts, base

    def _clamped(
        self,
        split: Split,
        evidence: Mapping[str, IntArray],
        n: int,
        marginal: FloatArray,
        base: FloatArray,
    ) -> FloatArray:
        clamped_cards = [len(self.states[p]) for p in split.clamped]
        kept_shape = [len(self.states[u]) for u in (split.node, *split.kept)]
        missing = np.full(n, -1, dtype=np.int64)
        codes = np.stack([evidence.get(p, missing) for p in split.clamped], axis=1)
        known = (codes >= 0).all(axis=1)
        acc = np.zeros((int(np.prod(clamped_cards)), int(np.prod(kept_shape))))
        if known.any():
            index = np.ravel_multi_index(tuple(codes[known].T), clamped_cards)
            np.add.at(acc, index, marginal[known])
        partial = np.flatnonzero(~known)
        for flat, combo in enumerate(itertools.product(*(range(c) for c in clamped_cards))):
            fits = ((codes[partial] < 0) | (codes[partial] == np.array(combo))).all(axis=1)
            rows = partial[fits]
            if rows.size == 0:
                continue
            batch = {k: a[rows] for k, a in evidence.items()}
            for p, c in zip(split.clamped, combo, strict=True):
                batch[p] = np.full(rows.size, c, dtype=np.int64)
            posterior = self.engine.query(batch, targets=[_FAMILY + split.node])
            weight = np.exp(posterior.log_evidence - base[rows])
            weight[~posterior.possible] = 0.0
            joint = np.nan_to_num(posterior.marginals[_FAMILY + split.node]) * weight[:, None]
            acc[flat] += joint.sum(axis=0)
        # axes (clamped..., node, kept...) -> (node, parents in the table's order)
        names = [*split.clamped, split.node, *split.kept]
        full = acc.reshape(*clamped_cards, *kept_shape)
        wanted = (split.node, *self.tables[split.node].parents)
        return np.ascontiguousarray(np.transpose(full, [names.index(u) for u in wanted]))
