r"""Counterfactual ranking of causes by expected disablement (twin networks, exact).

Richens, Lee & Johri (Nat. Commun. 2020, 11:3923) rank diseases not by how probable
they are but by how much of the patient's presentation they *explain*: the
**expected disablement** of a cause ``D`` given evidence ``E`` is the expected number
of the case's positive findings that would switch off had ``D`` been cured,

.. math::

    E_{dis}(D, E) = \sum_{F \in E^+} P(F^* = \text{no} \mid E),

where the starred variables live in the counterfactual world ``do(D = no)`` that
shares every exogenous noise term with the factual world. Here the positive
findings ``E^+`` are the nodes of group ``finding`` or ``presentation`` observed
(hard evidence) in state ``yes`` -- ``back_spasm = yes`` included, so the question
"would curing D stop the spasm?" is part of the score.

Structural causal model behind the network
-------------------------------------------
*Leaky noisy-OR* node ``X`` with leak ``l`` and strengths ``lambda``:
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
``P(X=1, X*=1) = min(p, p*)``. In the bundled network no multi-state node lies on a
path from a cause to a binary finding, so the multi-state coupling is never used
there.

Twin network
------------
For each cause ``D`` the factual network is joined by a counterfactual copy ``X*``
of every descendant ``X`` of ``D`` that is an ancestor-or-self of a binary
finding/presentation node; ``X*`` has the parents ``X``, ``pa(X)`` and the
counterfactual copies of its parents, with the table
``P(X* | X, pa, pa*) = P(X, X* | pa, pa*) / P(X | pa)``; ``D*`` is fixed to ``no``
(dropped as a parent). Complication nodes are pruned unless observed. Each twin is
compiled once per network fingerprint, lazily, and every case then costs one exact
engine query per cause.
"""

from __future__ import annotations

import difflib
import itertools
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
from pgmpy.factors.discrete import TabularCPD
from pgmpy.models import DiscreteBayesianNetwork

from backspasm.engine import CompiledNetwork
from backspasm.exceptions import BackspasmError, EvidenceError, ImpossibleEvidenceError
from backspasm.network import Network, build_cpd, default_network


@runtime_checkable
class Diagnosis(Protocol):
    """What the counterfactual queries need of a case: its evidence and network.

    :class:`backspasm.diagnosis.Diagnosis` satisfies it; this module does not import
    it, so the import order stays one way (explanations before the one-case API).
    """

    @property
    def evidence(self) -> Mapping[str, Any]:
        """Node to state (or likelihood) observed for the case."""

    @property
    def network(self) -> Network:
        """The network the case was diagnosed with."""


__all__ = [
    "COUNTERFACTUAL_SUFFIX",
    "TwinNetwork",
    "counterfactual_ranking",
    "disablement_by_finding",
    "expected_disablement",
    "twin_network",
]

#: Appended to a node's name to name its counterfactual copy in a twin network.
COUNTERFACTUAL_SUFFIX = "*"
#: Groups whose binary nodes count as findings when observed ``yes``.
FINDING_GROUPS: tuple[str, ...] = ("finding", "presentation")
#: Default causes ranked: the pathologic and serious ones.
RANKED_GROUPS: tuple[str, ...] = ("cause_pathologic", "cause_serious")
#: A twin whose largest clique table (estimated before compiling) exceeds this many
#: entries (8 bytes each, 2 GiB) is refused with a clear error instead of exhausting
#: memory.
MAX_CLIQUE_ENTRIES = 1 << 28
#: Largest allowed mismatch between a noisy-OR node's table in the model and the
#: noisy-OR expansion of its declaration before the comonotone coupling is used.
_NOISY_OR_TOLERANCE = 1e-9

Coupling = Literal["noisy_or", "comonotone"]
EvidenceValue = str | int | tuple[float, ...] | Sequence[float]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TwinNetwork:
    """The compiled twin network of one cause.

    Attributes
    ----------
    cause : str
        The cause ``D`` set to ``no`` in the counterfactual world.
    model : pgmpy.models.DiscreteBayesianNetwork
        Factual nodes (complications pruned unless observed) plus the
        counterfactual copies, each with its table.
    engine : CompiledNetwork
        ``model`` compiled for exact batch inference.
    copies : mapping of str to str
        Factual node to the name of its counterfactual copy.
    couplings : mapping of str to str
        Factual node with a copy to how its noise is shared between the worlds:
        ``noisy_or`` (per-link noise) or ``comonotone`` (one shared uniform).
    compile_seconds : float
        Wall time to build and compile the twin.
    fingerprint : str
        :meth:`backspasm.network.Network.fingerprint` of the source network.
    """

    cause: str
    model: DiscreteBayesianNetwork = field(repr=False)
    engine: CompiledNetwork = field(repr=False)
    copies: Mapping[str, str]
    couplings: Mapping[str, str]
    compile_seconds: float
    fingerprint: str = field(repr=False)

    @property
    def treewidth(self) -> int:
        """Treewidth of the triangulation the engine uses."""
        return self.engine.treewidth

    @property
    def largest_clique(self) -> int:
        """Number of entries of the engine's largest clique table."""
        return max(self.engine.clique_sizes)

    @property
    def n_nodes(self) -> int:
        """Number of nodes, factual and counterfactual."""
        return len(self.model.nodes())

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.model.edges())


_TWINS: dict[tuple[str, str, frozenset[str]], TwinNetwork] = {}
_LOCK = threading.Lock()


# --------------------------------------------------------------------- couplings


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


def _coupling(network: Network, node: str, cpd: TabularCPD) -> Coupling:
    """``noisy_or`` when the model's table is still the declared noisy-OR, else comonotone."""
    spec = network.spec.nodes.get(node)
    if spec is None or spec.form != "noisy_or" or spec.leak is None:
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


# --------------------------------------------------------------------- building


def _states(cpd: TabularCPD, var: str) -> tuple[str, ...]:
    return tuple(str(s) for s in cpd.state_names[var])


def _is_binary(states: Sequence[str]) -> bool:
    return tuple(states) == ("no", "yes")


def _group(network: Network, node: str) -> str:
    spec = network.spec.nodes.get(node)
    return spec.group if spec is not None else ""


def _finding_nodes(network: Network) -> list[str]:
    """Binary nodes of the finding and presentation groups, in model order."""
    out = []
    for node in network.model.nodes():
        cpd = network.model.get_cpds(node)
        if _group(network, node) in FINDING_GROUPS and _is_binary(_states(cpd, node)):
            out.append(str(node))
    return out


def _counterfactual_cpd(
    network: Network,
    node: str,
    cause: str,
    copies: Mapping[str, str],
    coupling: Coupling,
) -> TabularCPD:
    """Table of ``X* | X, pa(X), pa*(X)`` with ``D*`` fixed to its reference state."""
    model = network.model
    cpd = model.get_cpds(node)
    own = _states(cpd, node)
    parents = [str(v) for v in cpd.variables[1:]]
    parent_states = {p: _states(cpd, p) for p in parents}
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
        assert spec_leak is not None  # checked by _coupling
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


def _check_size(model: DiscreteBayesianNetwork, cause: str) -> None:
    """Refuse a twin whose estimated largest clique table would not fit in memory."""
    cards = {str(n): len(model.get_cpds(n).state_names[n]) for n in model.nodes()}
    moral = nx.Graph()
    moral.add_nodes_from(cards)
    for node in model.nodes():
        family = [str(node), *(str(p) for p in model.get_parents(node))]
        moral.add_edges_from(itertools.combinations(family, 2))
    _, decomposition = nx.algorithms.approximation.treewidth_min_fill_in(moral)
    largest = max((math.prod(cards[v] for v in bag) for bag in decomposition.nodes()), default=1)
    if largest > MAX_CLIQUE_ENTRIES:
        raise BackspasmError(
            f"The twin network of cause {cause!r} is too large for exact inference: its "
            f"estimated largest clique table has {largest:,} entries (limit "
            f"{MAX_CLIQUE_ENTRIES:,}, about {MAX_CLIQUE_ENTRIES * 8 / 2**30:.0f} GiB)."
        )


def _build_twin(
    network: Network, cause: str, observed: frozenset[str], fingerprint: str
) -> TwinNetwork:
    start = time.perf_counter()
    model = network.model
    graph = nx.DiGraph(model.edges())
    graph.add_nodes_from(model.nodes())
    descendants = nx.descendants(graph, cause)
    targets = [f for f in _finding_nodes(network) if f in descendants]
    needed: set[str] = set()
    for finding in targets:
        needed |= {finding, *nx.ancestors(graph, finding)}
    order = [str(n) for n in nx.topological_sort(graph)]
    twin_nodes = [n for n in order if n in descendants and n in needed]
    names = {str(n) for n in model.nodes()}
    copies = {n: n + COUNTERFACTUAL_SUFFIX for n in twin_nodes}
    clash = sorted(set(copies.values()) & names)
    if clash:
        raise BackspasmError(
            f"Cannot build the twin network of {cause!r}: node name(s) {', '.join(clash)} "
            f"already end with the counterfactual suffix {COUNTERFACTUAL_SUFFIX!r}."
        )
    roots = {n for n in names if _group(network, n) != "complication"} | observed
    factual: set[str] = set()
    for node in roots:
        factual |= {node, *map(str, nx.ancestors(graph, node))}

    twin = DiscreteBayesianNetwork()
    kept = [n for n in order if n in factual]
    twin.add_nodes_from(kept)
    twin.add_edges_from(
        (str(u), str(v)) for u, v in model.edges() if u in factual and v in factual
    )
    cpds = [model.get_cpds(n).copy() for n in kept]
    couplings: dict[str, str] = {}
    for node in twin_nodes:
        cpd = model.get_cpds(node)
        coupling = _coupling(network, node, cpd)
        couplings[node] = coupling
        star = _counterfactual_cpd(network, node, cause, copies, coupling)
        twin.add_node(copies[node])
        twin.add_edges_from((str(v), copies[node]) for v in star.variables[1:])
        cpds.append(star)
    twin.add_cpds(*cpds)
    _check_size(twin, cause)
    try:
        engine = CompiledNetwork.from_model(twin)
    except (MemoryError, ValueError) as exc:
        raise BackspasmError(
            f"The twin network of cause {cause!r} ({len(twin.nodes())} nodes) is too large "
            f"for the exact engine: {exc}"
        ) from exc
    return TwinNetwork(
        cause=cause,
        model=twin,
        engine=engine,
        copies=MappingProxyType(copies),
        couplings=MappingProxyType(couplings),
        compile_seconds=time.perf_counter() - start,
        fingerprint=fingerprint,
    )


def _check_cause(network: Network, cause: str) -> None:
    names = [str(n) for n in network.model.nodes()]
    if cause not in names:
        close = difflib.get_close_matches(cause, names, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise BackspasmError(f"Unknown cause {cause!r}.{hint}")
    if not _is_binary(_states(network.model.get_cpds(cause), cause)):
        raise BackspasmError(
            f"Cause {cause!r} must be a binary no/yes node to be set to 'no' by intervention."
        )


def twin_network(
    cause: str, network: Network | None = None, *, observed: Iterable[str] = ()
) -> TwinNetwork:
    """Return the compiled twin network of one cause (built once, then cached).

    Parameters
    ----------
    cause : str
        A binary node of the network, set to ``no`` in the counterfactual world.
    network : Network, optional
        Defaults to the bundled network.
    observed : iterable of str, optional
        Nodes the evidence will mention; complication nodes among them are kept in
        the factual part (otherwise complications are pruned: unobserved leaves).

    Returns
    -------
    TwinNetwork

    Raises
    ------
    BackspasmError
        For an unknown or non-binary cause, or a twin too large for exact inference.
    """
    net = network if network is not None else default_network()
    _check_cause(net, cause)
    complications = set(net.spec.group("complication"))
    kept = frozenset(str(n) for n in observed if n in complications)
    fingerprint = net.fingerprint()
    key = (fingerprint, cause, kept)
    with _LOCK:
        twin = _TWINS.get(key)
        if twin is None:
            twin = _build_twin(net, cause, kept, fingerprint)
            _TWINS[key] = twin
    return twin


# ----------------------------------------------------------------------- queries


def _unpack(
    diagnosis_or_evidence: Diagnosis | Mapping[str, Any], network: Network | None
) -> tuple[dict[str, Any], Network]:
    if isinstance(diagnosis_or_evidence, Diagnosis):
        net = network if network is not None else diagnosis_or_evidence.network
        return dict(diagnosis_or_evidence.evidence), net
    if not isinstance(diagnosis_or_evidence, Mapping):
        raise EvidenceError(
            "Expected a Diagnosis or a mapping of node to state, got "
            f"{type(diagnosis_or_evidence).__name__}."
        )
    net = network if network is not None else default_network()
    return dict(diagnosis_or_evidence), net


def _positive_findings(network: Network, evidence: Mapping[str, Any]) -> list[str]:
    """Return the findings observed (hard evidence) in state ``yes``, in model order."""
    out = []
    for node in _finding_nodes(network):
        value = evidence.get(node)
        if isinstance(value, bool):
            continue
        if value == "yes" or (isinstance(value, int | np.integer) and int(value) == 1):
            out.append(node)
    return out


def _default_causes(network: Network) -> list[str]:
    return [c for g in RANKED_GROUPS for c in network.spec.group(g)]


def _terms(
    network: Network, evidence: Mapping[str, Any], causes: Sequence[str]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Posterior of each cause and ``P(F* = no | E)`` per positive finding and cause."""
    positives = _positive_findings(network, evidence)
    posterior: dict[str, float] = {}
    off: dict[str, dict[str, float]] = {}
    for cause in causes:
        twin = twin_network(cause, network, observed=evidence)
        engine = twin.engine
        stars = [twin.copies[f] for f in positives if f in twin.copies]
        result = engine.query(engine.encode([dict(evidence)]), targets=[cause, *stars])
        if not bool(result.possible[0]):
            raise ImpossibleEvidenceError(
                f"The evidence has probability zero under the network: {dict(evidence)}."
            )
        posterior[cause] = float(result.marginals[cause][0, engine.states[cause].index("yes")])
        off[cause] = {}
        for f in positives:
            star = twin.copies.get(f)
            # A finding that does not descend from the cause is the same in both worlds.
            no = (
                0.0 if star is None else result.marginals[star][0, engine.states[star].index("no")]
            )
            off[cause][f] = float(no)
    return posterior, off


def disablement_by_finding(
    diagnosis_or_evidence: Diagnosis | Mapping[str, Any],
    *,
    causes: Sequence[str] | None = None,
    network: Network | None = None,
) -> pd.DataFrame:
    """``P(F* = no | E)`` for every cause and positive finding of a case.

    Parameters
    ----------
    diagnosis_or_evidence : Diagnosis or mapping of str to object
        A :class:`~backspasm.diagnosis.Diagnosis` (its ``evidence`` and
        ``network``) or evidence, node to state name (or state index, or likelihood
        vector), used exactly as given.
    causes : sequence of str, optional
        Default: the pathologic and serious causes of the network.
    network : Network, optional
        Default: the diagnosis's network, else the bundled network.

    Returns
    -------
    pandas.DataFrame
        ``cause``, ``finding``, ``p_off``: the probability that the finding, observed
        ``yes``, would be absent had the cause been cured (set to ``no``).
    """
    evidence, net = _unpack(diagnosis_or_evidence, network)
    chosen = list(causes) if causes is not None else _default_causes(net)
    _, off = _terms(net, evidence, chosen)
    records = [(c, f, p) for c in chosen for f, p in off[c].items()]
    return pd.DataFrame.from_records(records, columns=["cause", "finding", "p_off"])


def expected_disablement(
    diagnosis_or_evidence: Diagnosis | Mapping[str, Any],
    *,
    causes: Sequence[str] | None = None,
    network: Network | None = None,
) -> pd.DataFrame:
    """Rank causes by expected disablement (Richens, Lee & Johri 2020), exactly.

    The expected disablement of cause ``D`` is ``sum_F P(F* = no | E)`` over the
    positive findings ``F`` (finding/presentation nodes observed ``yes``,
    ``back_spasm`` included), where ``F*`` is ``F`` in the counterfactual world
    ``do(D = no)`` sharing all exogenous noise with the factual world (noisy-OR
    nodes: per-link noise; other nodes: comonotone coupling; see the module notes).
    Each cause costs one exact query on its twin network, compiled once per network
    fingerprint.

    Parameters
    ----------
    diagnosis_or_evidence : Diagnosis or mapping of str to object
        A :class:`~backspasm.diagnosis.Diagnosis` (its ``evidence`` and ``network``
        are used) or evidence, node to state, used exactly as given -- add
        ``back_spasm="yes"`` for a back-spasm presenter, as
        :func:`~backspasm.diagnosis.diagnose` does. Unsure (likelihood) answers
        condition the posterior but are not counted as positive findings.
    causes : sequence of str, optional
        Binary nodes to rank. Default: the pathologic and serious causes.
    network : Network, optional
        Default: the diagnosis's network, else the bundled network.

    Returns
    -------
    pandas.DataFrame
        ``cause``, ``label``, ``group``, ``posterior`` (``P(cause = yes | E)``),
        ``expected_disablement``, ``disablement_rank``, ``posterior_rank`` (1 =
        highest; ties share the best rank), sorted by expected disablement, highest
        first (ties by posterior).

    Raises
    ------
    EvidenceError
        On an unknown node or state in the evidence.
    ImpossibleEvidenceError
        If the evidence has probability zero.
    BackspasmError
        For an unknown cause, or a twin network too large for exact inference.

    Examples
    --------
    >>> table = expected_disablement(
    ...     {"back_spasm": "yes", "spasm_location": "flank", "blood_in_urine": "yes"}
    ... )
    >>> table["cause"].iloc[0]
    'kidney_stones'
    """
    evidence, net = _unpack(diagnosis_or_evidence, network)
    chosen = list(causes) if causes is not None else _default_causes(net)
    posterior, off = _terms(net, evidence, chosen)
    table = pd.DataFrame(
        {
            "cause": chosen,
            "label": [net.label(c) if c in net.spec.nodes else c for c in chosen],
            "group": [_group(net, c).removeprefix("cause_") for c in chosen],
            "posterior": [posterior[c] for c in chosen],
            "expected_disablement": [math.fsum(off[c].values()) for c in chosen],
        }
    )
    table["disablement_rank"] = (
        table["expected_disablement"].rank(method="min", ascending=False).astype(int)
    )
    table["posterior_rank"] = table["posterior"].rank(method="min", ascending=False).astype(int)
    table = table.sort_values(
        ["expected_disablement", "posterior"], ascending=False, kind="stable"
    )
    return table.reset_index(drop=True)


def counterfactual_ranking(diagnosis: Diagnosis) -> pd.DataFrame:
    """Return :func:`expected_disablement` of a diagnosis's pathologic and serious causes.

    Parameters
    ----------
    diagnosis : Diagnosis
        The output of :func:`~backspasm.diagnosis.diagnose`.

    Returns
    -------
    pandas.DataFrame
        As :func:`expected_disablement`.
    """
    return expected_disablement(diagnosis)
