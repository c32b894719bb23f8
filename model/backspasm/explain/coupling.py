r"""How a node's noise is shared between the factual and the counterfactual world.

The structural causal model behind the network, as the twin networks of
:mod:`backspasm.explain.twin` read it:

``X = U_0 or OR_(P, s) (U_(P, s) and P = s)`` with independent
``U_0 ~ Bern(l)`` and one ``U_(P, s) ~ Bern(lambda_(P, s))`` per parent ``P`` and
non-reference state ``s`` (a binary parent has one). With ``A`` the links active in
both worlds, ``B`` only factually and ``C`` only counterfactually,
``P(X=0, X*=0) = (1-l) prod_(A+B+C) (1-lambda)``, ``P(X=0) = (1-l) prod_(A+B)``,
``P(X*=0) = (1-l) prod_(A+C)``, and the other three cells follow.

*Any other node* (full tables, noisy-MAX, multi-state nodes, and noisy-OR nodes
whose table in ``network.model`` no longer matches the knowledge base) is coupled
comonotonically: one shared uniform ``U`` and ``X = first state k with U < CDF_k``,
in both worlds. For a binary node this is ``X = [U < p]``, so
``P(X=1, X*=1) = min(p, p*)``. In the bundled network one multi-state node lies on a
path from causes to a binary finding: ``spasm_duration`` (acute, subacute, chronic),
between the causes that make pain last (arthritis, stenosis, spondylitis, tumour and
others) and ``not_improving_after_a_month``. Its coupling takes the states in that
order, so removing such a cause can only shorten the counterfactual duration; this
is a modelling choice, and the expected disablement of those causes depends on it.

:func:`counterfactual_table` gives the table ``P(X* | X, pa(X), pa*(X))`` of a
node's counterfactual copy under the coupling :func:`coupling_of` picks for it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
from pgmpy.factors.discrete import TabularCPD

from backspasm._numeric import FloatArray
from backspasm.network import Network
from backspasm.tables import build_cpd

__all__ = ["Coupling", "counterfactual_table", "coupling_of", "states_of"]

#: Largest allowed mismatch between a noisy-OR node's table in the model and the
#: noisy-OR expansion of its declaration before the comonotone coupling is used.
_NOISY_OR_TOLERANCE = 1e-9

Coupling = Literal["noisy_or", "comonotone"]


def states_of(cpd: TabularCPD, var: str) -> tuple[str, ...]:
    """Return the state names of ``var`` in a table, as text."""
    return tuple(str(s) for s in cpd.state_names[var])


def _comonotone_joint(p: FloatArray, q: FloatArray) -> FloatArray:
    """``P(X = i, X* = j)`` when both worlds read one uniform through their CDFs.

    ``X = first k with U < CDF_p[k]`` and ``X* = first k with U < CDF_q[k]``, so
    the cell ``(i, j)`` is the length of the intersection of the two intervals.
    """
    f = np.cumsum(p)
    g = np.cumsum(q)
    f[-1] = g[-1] = 1.0
    f0 = np.concatenate(([0.0], f[:-1]))
    g0 = np.concatenate(([0.0], g[:-1]))
    upper = np.minimum(f[:, None], g[None, :])
    lower = np.maximum(f0[:, None], g0[None, :])
    return np.asarray(np.clip(upper - lower, 0.0, None), dtype=np.float64)


def _noisy_or_joint(
    leak: float, factual: Mapping[tuple[str, str], float], counter: Mapping[tuple[str, str], float]
) -> FloatArray:
    """``P(X, X*)`` of a leaky noisy-OR whose active links differ between the worlds.

    ``factual`` and ``counter`` map each active link ``(parent, state)`` to its
    strength. Rows are ``X`` (no, yes), columns ``X*``.
    """
    both = [k for k in factual if k in counter]
    only_f = [k for k in factual if k not in counter]
    only_c = [k for k in counter if k not in factual]
    q_a = 1.0 - leak
    for k in both:
        q_a *= 1.0 - factual[k]
    off_b = math.prod(1.0 - factual[k] for k in only_f)
    off_c = math.prod(1.0 - counter[k] for k in only_c)
    q_f = q_a * off_b
    q_c = q_a * off_c
    q_fc = q_f * off_c
    joint = np.array([[q_fc, q_f - q_fc], [q_c - q_fc, 1.0 - q_f - q_c + q_fc]], dtype=np.float64)
    return np.asarray(np.clip(joint, 0.0, None), dtype=np.float64)


def _active_links(
    network: Network, node: str, assignment: Mapping[str, str]
) -> dict[tuple[str, str], float]:
    """Active noisy-OR links ``(parent, state) -> strength`` for parent states."""
    spec = network.spec.nodes[node]
    links: dict[tuple[str, str], float] = {}
    for parent, state in assignment.items():
        parent_spec = network.spec.nodes[parent]
        p = spec.strengths[parent].p
        if isinstance(p, Mapping):
            strength = float(p.get(state, 0.0))
        else:
            strength = float(p) if state == parent_spec.states[-1] else 0.0
        if state != parent_spec.states[0] and strength > 0.0:
            links[(parent, state)] = strength
    return links


def coupling_of(network: Network, node: str, cpd: TabularCPD) -> Coupling:
    """Return ``noisy_or`` if the model's table is the declared noisy-OR, else ``comonotone``.

    Parameters
    ----------
    network : Network
        Holds the declaration of ``node``.
    node : str
        The node.
    cpd : pgmpy.factors.discrete.TabularCPD
        Its table in the model.

    Returns
    -------
    str
        How the node's noise is shared between the worlds.
    """
    spec = network.spec.nodes.get(node)
    if spec is None or spec.form != "noisy_or" or spec.leak is None or spec.odds:
        return "comonotone"
    parents = tuple(cpd.variables[1:])
    if set(parents) != set(spec.parents) or any(p not in network.spec.nodes for p in parents):
        return "comonotone"
    expected = build_cpd(spec, [network.spec.nodes[p] for p in parents])
    if any(
        list(map(str, cpd.state_names[v])) != list(map(str, expected.state_names[v]))
        for v in cpd.variables
    ):
        return "comonotone"
    if not np.allclose(cpd.values, expected.values, rtol=0.0, atol=_NOISY_OR_TOLERANCE):
        return "comonotone"
    return "noisy_or"


def counterfactual_table(
    network: Network,
    node: str,
    cause: str,
    copies: Mapping[str, str],
    coupling: Coupling,
) -> TabularCPD:
    """Return the table of ``X* | X, pa(X), pa*(X)`` with ``D*`` fixed to its reference state.

    Parameters
    ----------
    network : Network
        The factual network.
    node : str
        ``X``, a descendant of ``cause`` with a counterfactual copy.
    cause : str
        ``D``, set to its first (reference) state in the counterfactual world.
    copies : mapping of str to str
        Factual node to the name of its counterfactual copy.
    coupling : {"noisy_or", "comonotone"}
        How the noise of ``X`` is shared, from :func:`coupling_of`.

    Returns
    -------
    pgmpy.factors.discrete.TabularCPD
        The table of the copy, its evidence ``(X, factual parents..., copies of
        the parents that have one...)``.
    """
    model = network.model
    cpd = model.get_cpds(node)
    own = states_of(cpd, node)
    parents = [str(v) for v in cpd.variables[1:]]
    parent_states = {p: states_of(cpd, p) for p in parents}
    twins = [p for p in parents if p in copies]
    card = len(own)
    n_columns = max(math.prod(len(parent_states[p]) for p in parents), 1)
    table = np.asarray(cpd.values, dtype=np.float64).reshape(card, n_columns)
    strides = {}
    stride = 1
    for p in reversed(parents):
        strides[p] = stride
        stride *= len(parent_states[p])

    def column(assignment: Mapping[str, str]) -> int:
        return sum(strides[p] * parent_states[p].index(assignment[p]) for p in parents)

    leak = 0.0
    if coupling == "noisy_or":
        spec_leak = network.spec.nodes[node].leak
        assert spec_leak is not None  # checked by coupling_of
        leak = float(spec_leak.p)  # type: ignore[arg-type]

    factual_combos = list(itertools.product(*(parent_states[p] for p in parents)))
    twin_combos = list(itertools.product(*(parent_states[p] for p in twins)))
    # pgmpy column order: the first evidence variable varies slowest. Evidence is
    # (X, factual parents..., counterfactual parents...).
    blocks = np.empty((card, len(factual_combos), len(twin_combos), card))
    for i, combo in enumerate(factual_combos):
        pa = dict(zip(parents, combo, strict=True))
        for j, twin_combo in enumerate(twin_combos):
            pa_star = {p: (parent_states[p][0] if p == cause else pa[p]) for p in parents}
            pa_star.update(zip(twins, twin_combo, strict=True))
            if coupling == "noisy_or":
                joint = _noisy_or_joint(
                    leak,
                    _active_links(network, node, pa),
                    _active_links(network, node, pa_star),
                )
            else:
                joint = _comonotone_joint(table[:, column(pa)], table[:, column(pa_star)])
            for x in range(card):
                row = joint[x]
                total = float(row.sum())
                # Where P(X = x | pa) = 0 the row is never used; keep X* = X there.
                blocks[x, i, j] = row / total if total > 0.0 else np.eye(card)[x]
    values = blocks.reshape(-1, card).T
    evidence = [node, *parents, *(copies[p] for p in twins)]
    state_names: dict[str, list[str]] = {copies[node]: list(own), node: list(own)}
    state_names.update({p: list(parent_states[p]) for p in parents})
    state_names.update({copies[p]: list(parent_states[p]) for p in twins})
    return TabularCPD(
        variable=copies[node],
        variable_card=card,
        values=values,
        evidence=evidence,
        evidence_card=[
            card,
            *(len(parent_states[p]) for p in parents),
            *(len(parent_states[p]) for p in twins),
        ],
        state_names=state_names,
    )
