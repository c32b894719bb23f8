"""Forward (ancestral) sampling of the network, vectorised over rows.

One sampler serves every module that draws people from the network:
:mod:`backspasm.diagnosis` calibrates its conflict threshold on presenters drawn
here, and :mod:`backspasm.learning` renders them as synthetic case files. It sits
after :mod:`backspasm.network` and before both in the import order.

Draws are state codes (``int64`` arrays, one per node, in each node's own state
order). Every node is drawn for all rows at once, in topological order, from the
column of its table picked by its parents' drawn states; one uniform number per row
and node decides the state, so the generator advances the same way whatever the
numbers are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from backspasm._network_checks import check_edited_model
from backspasm._numeric import FloatArray, IntArray
from backspasm.network import Network

# The node that selects who is scored: draws are kept where it is ``yes`` (re-exported).
from backspasm.spec import PRESENTATION as PRESENTATION
from backspasm.spec import PRESENTING

__all__ = [
    "PRESENTATION",
    "NodeTable",
    "forward_sample",
    "model_states",
    "node_tables",
    "presenter_batches",
    "sample_presenters",
    "topological_order",
]


_MAX_ROUNDS = 1000


@dataclass(frozen=True)
class NodeTable:
    """One conditional table in array form.

    Attributes
    ----------
    node : str
        The node.
    parents : tuple of str
        Its parents, in the order of the pgmpy CPD.
    values : numpy.ndarray
        ``P(node | parents)`` with axes ``(node, *parents)``, every axis in the
        variable's own state order (that of its own CPD).
    """

    node: str
    parents: tuple[str, ...]
    values: FloatArray

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of :attr:`values`: the cardinalities of node and parents."""
        return tuple(int(s) for s in self.values.shape)


def model_states(network: Network) -> dict[str, tuple[str, ...]]:
    """Return every node's state names, as its own CPD in the pgmpy model lists them.

    Parameters
    ----------
    network : Network
        The network whose CPDs are read.

    Returns
    -------
    dict of str to tuple of str
        State names per node.
    """
    if not network.model_built:
        return {name: tuple(node.states) for name, node in network.spec.nodes.items()}
    model = network.model
    return {str(n): tuple(str(s) for s in model.get_cpds(n).state_names[n]) for n in model.nodes()}


def node_tables(network: Network) -> dict[str, NodeTable]:
    """Return every CPD of the pgmpy model as a :class:`NodeTable`.

    Parameters
    ----------
    network : Network
        The network (its current ``model`` numbers are read).

    Returns
    -------
    dict of str to NodeTable
        One table per node; a parent axis is reordered where the child's CPD lists the
        parent's states in another order than the parent's own CPD.

    Raises
    ------
    BackspasmError
        For an edited model that :func:`~backspasm.diagnose` refuses (a negative
        entry, a column that does not sum to 1, a node or state the knowledge base
        lacks): sampling or fitting from it would go on without a word.
    """
    if not network.model_built:
        return {
            variables[0]: NodeTable(variables[0], tuple(variables[1:]), values)
            for variables, values in network.spec_tables()
        }
    model = network.model
    check_edited_model(network.spec, model)
    states = model_states(network)
    out: dict[str, NodeTable] = {}
    for node in model.nodes():
        cpd = model.get_cpds(node)
        variables = [str(v) for v in cpd.variables]
        values = np.asarray(cpd.get_values(), dtype=np.float64).reshape(
            [int(c) for c in cpd.cardinality]
        )
        for axis, var in enumerate(variables):
            own = [str(s) for s in cpd.state_names[var]]
            if own != list(states[var]):
                values = np.take(values, [own.index(s) for s in states[var]], axis=axis)
        out[str(node)] = NodeTable(str(node), tuple(variables[1:]), values)
    return out


def topological_order(network: Network) -> list[str]:
    """Return the nodes of the model, parents before children.

    Parameters
    ----------
    network : Network
        The network whose graph is sorted (its CPDs are not read).

    Returns
    -------
    list of str
        The order of :func:`networkx.topological_sort` (deterministic for a model).
    """
    import networkx as nx

    if network.model_built:
        return [str(n) for n in nx.topological_sort(network.model)]
    graph = nx.DiGraph()
    graph.add_nodes_from(network.spec.nodes)
    graph.add_edges_from((p, n) for n, node in network.spec.nodes.items() for p in node.parents)
    return [str(n) for n in nx.topological_sort(graph)]


def forward_sample(
    tables: Mapping[str, NodeTable],
    order: Sequence[str],
    size: int,
    rng: np.random.Generator,
) -> dict[str, IntArray]:
    """Draw ``size`` rows of every node by ancestral sampling.

    Parameters
    ----------
    tables : mapping of str to NodeTable
        From :func:`node_tables`.
    order : sequence of str
        The nodes to draw, parents first (:func:`topological_order`).
    size : int
        Number of rows.
    rng : numpy.random.Generator
        Source of randomness; it draws ``size`` uniform numbers per node, in ``order``.

    Returns
    -------
    dict of str to numpy.ndarray
        State codes per node, keyed in ``order``.
    """
    draw: dict[str, IntArray] = {}
    for node in order:
        table = tables[node]
        card = table.shape[0]
        if table.parents:
            index: tuple[Any, ...] = (slice(None), *(draw[p] for p in table.parents))
            probs = table.values[index]  # (card, size)
        else:
            probs = np.broadcast_to(table.values.reshape(card, 1), (card, size))
        cumulative = np.cumsum(probs, axis=0)
        u = rng.random(size)
        draw[node] = np.minimum((u > cumulative).sum(axis=0), card - 1).astype(np.int64)
    return draw


def presenter_batches(
    network: Network, size: int, rng: np.random.Generator
) -> Iterator[dict[str, IntArray]]:
    """Yield batches of people who present with back spasm, without end.

    Each batch is one :func:`forward_sample` of ``size`` rows, keeping the rows with
    ``back_spasm = yes`` (rejection sampling, so the rows follow
    P(everything | back_spasm = yes)); a network without that node keeps every row.
    A batch is drawn only when asked for, so a caller may use the same generator
    between batches and still get a reproducible stream.

    Parameters
    ----------
    network : Network
        The network.
    size : int
        Rows drawn per batch, before rejection (a batch may be empty).
    rng : numpy.random.Generator
        Source of randomness.

    Yields
    ------
    dict of str to numpy.ndarray
        The accepted rows' state codes per node, in topological order.
    """
    tables = node_tables(network)
    order = topological_order(network)
    states = model_states(network)
    present = states.get(PRESENTATION, ())
    yes = present.index(PRESENTING) if PRESENTING in present else None
    while True:
        draw = forward_sample(tables, order, size, rng)
        if yes is None:
            yield draw
            continue
        keep = draw[PRESENTATION] == yes
        yield {node: codes[keep] for node, codes in draw.items()}


def sample_presenters(network: Network, n: int, rng: np.random.Generator) -> dict[str, IntArray]:
    """Draw ``n`` people who present with back spasm, as state codes of every node.

    Batches of ``max(4 n, 1000)`` rows are drawn (:func:`presenter_batches`) until
    ``n`` are accepted, or for at most 1000 batches.

    Parameters
    ----------
    network : Network
        The network.
    n : int
        Rows wanted.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    dict of str to numpy.ndarray
        State codes per node, in topological order: ``n`` rows, or fewer when the
        network gives back spasm too small a probability to reach ``n`` in 1000 batches.
    """
    parts: list[dict[str, IntArray]] = []
    have = 0
    batches = presenter_batches(network, max(4 * n, 1000), rng)
    for _, batch in zip(range(_MAX_ROUNDS), batches, strict=False):
        parts.append(batch)
        have += len(next(iter(batch.values()), ()))
        if have >= n:
            break
    return {k: np.concatenate([p[k] for p in parts])[:n] for k in parts[0]}
