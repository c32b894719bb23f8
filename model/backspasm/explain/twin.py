"""Twin networks: the factual network joined by a counterfactual copy of it.

For each cause ``D`` the factual network is joined by a counterfactual copy ``X*``
of every descendant ``X`` of ``D`` that is an ancestor-or-self of a binary
finding/presentation node; ``X*`` has the parents ``X``, ``pa(X)`` and the
counterfactual copies of its parents, with the table
``P(X* | X, pa, pa*) = P(X, X* | pa, pa*) / P(X | pa)``; ``D*`` is fixed to ``no``
(dropped as a parent). Complication nodes are pruned unless observed. Each twin is
compiled once per network fingerprint, lazily, and every case then costs one exact
engine query per cause.

How each copy's noise is tied to its factual node is in
:mod:`backspasm.explain.coupling`.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx
from pgmpy.models import DiscreteBayesianNetwork

from backspasm._cache import LruCache
from backspasm._network_checks import check_edited_model
from backspasm._text import did_you_mean
from backspasm.engine import CompiledNetwork
from backspasm.exceptions import BackspasmError
from backspasm.explain.coupling import counterfactual_table, coupling_of, states_of
from backspasm.network import Network, network_or_default

__all__ = [
    "COUNTERFACTUAL_SUFFIX",
    "FINDING_GROUPS",
    "MAX_CLIQUE_ENTRIES",
    "TwinNetwork",
    "finding_nodes",
    "node_group",
    "twin_network",
]

#: Appended to a node's name to name its counterfactual copy in a twin network.
COUNTERFACTUAL_SUFFIX = "*"
#: Groups whose binary nodes count as findings when observed ``yes``.
FINDING_GROUPS: tuple[str, ...] = ("finding", "presentation")
#: A twin whose largest clique table (estimated before compiling) exceeds this many
#: entries (8 bytes each, 2 GiB) is refused with a clear error instead of exhausting
#: memory.
MAX_CLIQUE_ENTRIES = 1 << 28


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


#: Compiled twins, least recently used first. A what-if sweep changes the network's
#: fingerprint at every step, so the cache is bounded: two networks' worth of causes.
_TWINS: LruCache[tuple[str, str, frozenset[str]], TwinNetwork] = LruCache(40)


def _is_binary(states: Sequence[str]) -> bool:
    return tuple(states) == ("no", "yes")


def node_group(network: Network, node: str) -> str:
    """Return the knowledge-base group of a node (``""`` for one the spec does not declare)."""
    spec = network.spec.nodes.get(node)
    return spec.group if spec is not None else ""


def finding_nodes(network: Network) -> list[str]:
    """Return the binary nodes of the finding and presentation groups, in model order.

    Parameters
    ----------
    network : Network
        The factual network.

    Returns
    -------
    list of str
        The nodes whose observed ``yes`` counts as a positive finding.
    """
    out = []
    for node in network.model.nodes():
        cpd = network.model.get_cpds(node)
        if node_group(network, node) in FINDING_GROUPS and _is_binary(states_of(cpd, node)):
            out.append(str(node))
    return out


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
    check_edited_model(network.spec, model)  # copied into the twin as they are
    graph = nx.DiGraph(model.edges())
    graph.add_nodes_from(model.nodes())
    descendants = nx.descendants(graph, cause)
    targets = [f for f in finding_nodes(network) if f in descendants]
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
    roots = {n for n in names if node_group(network, n) != "complication"} | observed
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
        coupling = coupling_of(network, node, cpd)
        couplings[node] = coupling
        star = counterfactual_table(network, node, cause, copies, coupling)
        twin.add_node(copies[node])
        twin.add_edges_from((str(v), copies[node]) for v in star.variables[1:])
        cpds.append(star)
    twin.add_cpds(*cpds)
    _check_size(twin, cause)
    try:
        # No triangulation restarts: a twin answers one case or one file, so compiling
        # dominates. Ranking the 19 causes of one case took 12.2 s with the default 6
        # restarts and 5.4 s with none; the queries after that took about as long.
        engine = CompiledNetwork.from_model(twin, restarts=0)
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


def _check_name(cause: object) -> None:
    if not isinstance(cause, str):  # twin_network(network, cause), say
        raise BackspasmError(
            f"cause must be a cause's name, got {type(cause).__name__}: "
            "twin_network(cause, network) takes the cause first"
        )


def _check_cause(network: Network, cause: str) -> None:
    names = [str(n) for n in network.model.nodes()]
    if cause not in names:
        raise BackspasmError(f"Unknown cause {cause!r}.{did_you_mean(cause, names)}")
    if not _is_binary(states_of(network.model.get_cpds(cause), cause)):
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
        For an unknown or non-binary cause, a twin too large for exact inference, or
        an edited model that :func:`~backspasm.diagnose` refuses.
    """
    _check_name(cause)
    net = network_or_default(network)
    _check_cause(net, cause)
    complications = set(net.spec.group("complication"))
    kept = frozenset(str(n) for n in observed if n in complications)
    fingerprint = net.fingerprint()
    key = (fingerprint, cause, kept)
    return _TWINS.get(key, lambda: _build_twin(net, cause, kept, fingerprint))
