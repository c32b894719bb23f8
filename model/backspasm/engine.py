"""Compiled exact batch inference for discrete Bayesian networks.

pgmpy answers one query at a time. :class:`CompiledNetwork` compiles a
``DiscreteBayesianNetwork`` once into a junction tree whose clique potentials are
plain numpy arrays, then scores whole batches of cases with vectorised Shafer-Shenoy
message passing, the case axis last (contiguous) in every array:

* a message carries the case axis only when evidence behind it varies between cases;
  the others are computed once and folded into the clique potentials;
* each clique step multiplies its case-dependent inputs and contracts the product
  with the (pre-summed) potential in one ``matmul``;
* identical evidence rows are merged first, and big batches are cut into cache-sized
  chunks that run on several threads (numpy releases the GIL);
* CPTs of the noisy-MAX family are rewritten without their moral edges when that
  shrinks the tree (Diez and Galan, 2003), and big chunks use a tree without the
  barren nodes (neither observed, nor targets, nor their ancestors).

The results are exact up to floating-point rounding: no sampling and no loopy
approximation. Messages are rescaled per case and the logs of the scales are carried
along, so ``log P(evidence)`` stays exact when the evidence is very unlikely.
"""

from __future__ import annotations

import difflib
import heapq
import math
import os
import random
import string
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm.exceptions import EvidenceError, ImpossibleEvidenceError

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = ["CompiledNetwork", "Evidence", "EvidenceLike", "Posterior"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]

# A chunk's biggest intermediate tensor holds at most this many floats (4 MiB): bigger
# chunks fall out of the CPU caches and spend more time in page faults than they save
# in per-chunk Python overhead; big cliques therefore get small chunks.
_MAX_CHUNK_ELEMENTS = 1 << 20
_MIN_CHUNK = 16
# einsum letters: one per clique variable, the last one is reserved for the case axis.
_LETTERS = string.ascii_letters[:-1]
_BATCH = string.ascii_letters[-1]
# Random tie-breaking restarts of each triangulation heuristic; seeded, so compiling
# the same network twice gives the same junction tree.
_TRIANGULATION_RESTARTS = 6
_HUB_DEGREE = 64
# A CPT is taken as separable when rebuilt from its factors to this relative error.
_SEPARABLE_TOLERANCE = 1e-13
# Chunks at least this big get a junction tree without barren nodes (compiling one
# costs about as much as scoring a few thousand cases); at most this many are kept.
_PRUNE_MIN_CASES = 2_000
_MAX_TREES = 16
_MAX_PLANS = 256

# Worker threads for the chunks of a big batch.
_THREADS = min(4, os.cpu_count() or 1)

_PSI, _LAM, _MSG = 0, 1, 2
_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Evidence:
    """Evidence for a batch of cases, one array per observed node.

    Parameters
    ----------
    values : Mapping[str, numpy.ndarray]
        Per node, either a 1-D integer array of state indices of length ``n_cases``
        (hard evidence, ``-1`` = not observed) or a 2-D float array of shape
        ``(n_cases, cardinality)`` of non-negative likelihoods (soft or virtual
        evidence; a row of ones = not observed). Nodes absent from the mapping are
        unobserved in every case.
    n_cases : int
        Number of cases in the batch.
    """

    values: Mapping[str, npt.NDArray[Any]]
    n_cases: int

    def __post_init__(self) -> None:
        if isinstance(self.n_cases, bool) or not isinstance(self.n_cases, int | np.integer):
            raise EvidenceError(f"n_cases must be an integer, got {self.n_cases!r}.")
        if self.n_cases < 0:
            raise EvidenceError(f"n_cases must be non-negative, got {self.n_cases}.")
        for node, array in self.values.items():
            if len(array) != self.n_cases:
                raise EvidenceError(
                    f"Evidence for node {node!r} has {len(array)} rows "
                    f"but the batch has {self.n_cases} cases."
                )


EvidenceLike: TypeAlias = Evidence | Mapping[str, Any]


@dataclass(frozen=True)
class Posterior:
    """Posterior marginals of a batch of cases.

    Parameters
    ----------
    marginals : Mapping[str, numpy.ndarray]
        Per target node, an array of shape ``(n_cases, cardinality)`` whose rows sum
        to one; rows of impossible cases are NaN.
    log_evidence : numpy.ndarray
        ``log P(evidence)`` per case, ``-inf`` where the evidence is impossible.
    possible : numpy.ndarray
        Boolean per case: False where ``P(evidence) = 0``.
    states : Mapping[str, tuple[str, ...]]
        State names per target node, in column order of ``marginals``.
    """

    marginals: Mapping[str, FloatArray]
    log_evidence: FloatArray
    possible: npt.NDArray[np.bool_]
    states: Mapping[str, tuple[str, ...]]

    @property
    def n_cases(self) -> int:
        """Number of cases in the batch."""
        return int(self.log_evidence.shape[0])

    def frame(self, node: str) -> pd.DataFrame:
        """Return one node's marginals as a DataFrame.

        Parameters
        ----------
        node : str
            A target node of the query.

        Returns
        -------
        pandas.DataFrame
            One row per case, one column per state (named after the state).

        Raises
        ------
        KeyError
            If ``node`` was not a target of the query.
        """
        if node not in self.marginals:
            raise KeyError(
                f"{node!r} was not a target of this query; targets: {', '.join(self.marginals)}"
            )
        return pd.DataFrame(self.marginals[node], columns=list(self.states[node]))


@dataclass(frozen=True)
class _Input:
    """A batched operand of a step: where to find it and how to lay it out.

    ``kind`` is ``_LAM`` (likelihood of variable ``index``) or ``_MSG`` (message
    along edge ``index``); ``perm`` and ``shape`` turn its array into a view that
    broadcasts against the step's batched product.
    """

    kind: int
    index: int
    perm: tuple[int, ...]
    shape: tuple[int, ...]


@dataclass(frozen=True)
class _Step:
    """One clique contraction of a plan, with case axis last everywhere.

    The batched operands are multiplied pairwise in the order ``pairs`` into one
    tensor over ``(K, R)``, reshaped to ``(k, r, n)``; ``matrix`` of shape
    ``(k, p, r)`` holds the clique potential times the case-independent messages,
    already summed over every variable no batched operand touches, so the result
    is ``matrix @ product`` over ``(K, P)``, which is ``out_vars``. ``label`` is the
    directed edge (message) or the clique (final belief) computed.
    """

    label: int
    inputs: tuple[_Input, ...]
    pairs: tuple[tuple[int, int], ...]
    matrix: FloatArray
    k: int
    r: int
    out_vars: tuple[int, ...]
    out_shape: tuple[int, ...]
    incoming: tuple[int, ...]
    cost: int


@dataclass(frozen=True)
class _Plan:
    messages: tuple[_Step, ...]
    finals: tuple[_Step, ...]
    static_finals: tuple[tuple[tuple[int, ...], FloatArray, float], ...]
    cost: int


def _suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _score(
    v: int, graph: dict[int, set[int]], log_card: list[float], cost: str, tie: float
) -> tuple[float, ...]:
    nbrs = graph[v]
    weight = log_card[v] + sum(log_card[u] for u in nbrs)
    if cost == "min_weight":
        return (weight, tie)
    if cost == "min_degree":
        return (len(nbrs), weight, tie)
    fill = 0.0
    nb = list(nbrs)
    for i, u in enumerate(nb):
        gu = graph[u]
        for w in nb[i + 1 :]:
            if w not in gu:
                fill += math.exp(log_card[u] + log_card[w]) if cost == "weighted_min_fill" else 1
    return (fill, weight, tie)


def _eliminate(
    adjacency: Mapping[int, set[int]], log_card: list[float], cost: str, rng: random.Random | None
) -> list[tuple[int, frozenset[int]]]:
    """Greedy elimination; return each vertex with the clique it creates, in order.

    Scores live in a heap. After an elimination the neighbours' scores are
    recomputed at once, unless a neighbour is a hub, whose score (quadratic in its
    degree) is only refreshed when it reaches the top of the heap: a star with 500
    leaves then compiles in milliseconds instead of minutes.
    """
    graph = {v: set(nb) for v, nb in adjacency.items()}
    # Ties are broken at random on restarts: the heuristics are sensitive to them.
    tie = {v: rng.random() if rng is not None else float(v) for v in graph}
    version = dict.fromkeys(graph, 0)
    heap = [(_score(v, graph, log_card, cost, tie[v]), v, 0) for v in graph]
    heapq.heapify(heap)
    stale: set[int] = set()
    cliques: list[tuple[int, frozenset[int]]] = []

    def push(u: int) -> None:
        version[u] += 1
        heapq.heappush(heap, (_score(u, graph, log_card, cost, tie[u]), u, version[u]))

    while heap:
        _, v, seen = heapq.heappop(heap)
        if v not in graph or seen != version[v]:
            continue
        if v in stale:
            stale.discard(v)
            push(v)
            continue
        nbrs = graph.pop(v)
        for u in nbrs:
            graph[u].discard(v)
            graph[u] |= nbrs - {u}
        cliques.append((v, frozenset(nbrs | {v})))
        for u in nbrs:
            if len(graph[u]) <= _HUB_DEGREE:
                stale.discard(u)
                push(u)
            else:
                stale.add(u)
            if cost in ("min_fill", "weighted_min_fill"):
                # New edges among ``nbrs`` change the fill of their common neighbours.
                stale.update(w for w in graph[u] if w not in nbrs)
    return cliques


def _maximal(eliminated: list[tuple[int, frozenset[int]]]) -> list[frozenset[int]]:
    """Drop non-maximal elimination cliques.

    A clique can only be contained in an earlier one that holds its eliminated
    vertex, so only those are checked.
    """
    kept: list[frozenset[int]] = []
    holding: dict[int, list[frozenset[int]]] = {}
    for v, clique in eliminated:
        if any(clique <= other for other in holding.get(v, ())):
            continue
        kept.append(clique)
        for u in clique:
            holding.setdefault(u, []).append(clique)
    return kept


def _triangulate(adjacency: Mapping[int, set[int]], cards: list[int]) -> list[frozenset[int]]:
    """Return the maximal cliques of the cheapest triangulation found."""
    log_card = [math.log(max(c, 1)) for c in cards]
    best: list[frozenset[int]] = []
    best_cost = math.inf
    rng = random.Random(0)
    for cost in ("min_fill", "weighted_min_fill", "min_weight", "min_degree"):
        for restart in range(_TRIANGULATION_RESTARTS + 1):
            cliques = _maximal(_eliminate(adjacency, log_card, cost, rng if restart else None))
            # Work per case is roughly proportional to the total clique table size.
            total = sum(math.prod(cards[v] for v in c) for c in cliques)
            if total < best_cost:
                best, best_cost = cliques, total
    return best


def _spanning_tree(cliques: list[tuple[int, ...]], cards: list[int]) -> list[tuple[int, int]]:
    """Kruskal maximum spanning tree on separator sizes: a junction tree (Jensen).

    Only cliques that share a variable are candidate pairs; what stays disconnected
    (independent parts of the network) is then joined by empty separators.
    """
    holding: dict[int, list[int]] = {}
    for i, clique in enumerate(cliques):
        for v in clique:
            holding.setdefault(v, []).append(i)
    sets = [set(c) for c in cliques]
    pairs = {(i, j) for members in holding.values() for i in members for j in members if i < j}
    candidates = []
    for i, j in pairs:
        sep = sets[i] & sets[j]
        candidates.append((-len(sep), math.prod(cards[v] for v in sep), i, j))
    candidates.sort()
    parent = list(range(len(cliques)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    edges = []
    for *_, i, j in [*candidates, *((0, 0, 0, j) for j in range(1, len(cliques)))]:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
            edges.append((i, j))
    return edges


def _separable(table: FloatArray) -> list[FloatArray] | None:
    """Factor a positive table as an outer product of per-axis vectors, if it is one.

    Return the vectors (their outer product equals ``table`` to ~1e-13 relative), or
    None when the table is not of rank one.
    """
    k = table.ndim
    total = float(table.sum())
    vectors = [table.sum(axis=tuple(j for j in range(k) if j != i)) for i in range(k)]
    vectors[0] = vectors[0] / total ** (k - 1)
    rebuilt = vectors[0]
    for vector in vectors[1:]:
        rebuilt = np.multiply.outer(rebuilt, vector)
    if np.abs(rebuilt - table).max() > _SEPARABLE_TOLERANCE * table.max():
        return None
    return vectors


def _decompose(
    scope: tuple[int, ...], table: FloatArray, aux: int
) -> list[tuple[tuple[int, ...], FloatArray]] | None:
    """Rewrite a noisy-MAX-like CPT without its moral edges (Diez and Galan, 2003).

    When every cumulative ``F(y | x) = P(Y <= y | x)`` is a product of one factor per
    parent, ``P(y | x) = sum_a D(y, a) F(a | x)`` with an auxiliary variable ``a`` of
    Y's cardinality and ``D(y, a) = [a = y] - [a = y - 1]``: the parents then meet
    only through ``a`` instead of all pairwise, which can shrink the cliques a lot.
    Only strictly positive tables qualify, so the subtraction never has to produce
    an exact zero (impossible evidence stays exactly zero elsewhere).
    """
    card = table.shape[0]
    if len(scope) < 3 or card < 2 or not (table > 0).all():
        return None
    cumulative = np.cumsum(table, axis=0)[:-1]
    per_level = [_separable(level) for level in cumulative]
    if any(vectors is None for vectors in per_level):
        return None
    difference = np.eye(card) - np.eye(card, k=-1)
    factors: list[tuple[tuple[int, ...], FloatArray]] = [((scope[0], aux), difference)]
    for i, parent in enumerate(scope[1:]):
        pair = np.ones((card, table.shape[i + 1]))
        for level, vectors in enumerate(per_level):
            assert vectors is not None
            pair[level] = vectors[i]
        factors.append(((aux, parent), pair))
    return factors


class _JunctionTree:
    """Junction tree of some CPDs, with cached contraction plans and static messages.

    Variables are the network's integer ids; auxiliary variables introduced by
    :func:`_decompose` get ids from ``len(cards)`` on and are never observed nor
    queried.
    """

    def __init__(
        self,
        cpds: Sequence[tuple[tuple[int, ...], FloatArray]],
        cards: Sequence[int],
        decompose: bool,
    ) -> None:
        plain = list(cpds)
        self._card = list(cards)
        options = [(plain, list(cards))]
        if decompose:
            factors: list[tuple[tuple[int, ...], FloatArray]] = []
            extended = list(cards)
            for scope, table in plain:
                parts = _decompose(scope, table, len(extended))
                if parts is None:
                    factors.append((scope, table))
                else:
                    factors += parts
                    extended.append(table.shape[0])
            if len(extended) > len(cards):
                options.append((factors, extended))
        # Decomposing is not always cheaper (it adds variables): keep what is.
        best = None
        for factors, extended in options:
            cliques = self._cliques_of(factors, extended)
            total = sum(math.prod(extended[v] for v in c) for c in cliques)
            if best is None or total < best[0]:
                best = (total, factors, extended, cliques)
        assert best is not None
        _, factors, self._card, cliques = best
        self._signed = any(float(table.min()) < 0 for _, table in factors)
        self._compile(factors, cliques)
        self._plans: dict[tuple[frozenset[int], tuple[int, ...] | None], _Plan] = {}
        self._static: dict[int, tuple[FloatArray, float]] = {}

    @staticmethod
    def _cliques_of(
        factors: Sequence[tuple[tuple[int, ...], FloatArray]], cards: list[int]
    ) -> list[tuple[int, ...]]:
        adjacency: dict[int, set[int]] = {}
        for scope, _ in factors:
            for u in scope:
                adjacency.setdefault(u, set()).update(w for w in scope if w != u)
        return [tuple(sorted(c)) for c in _triangulate(adjacency, cards)]

    def run(
        self,
        lam: Mapping[int, FloatArray],
        active: frozenset[int],
        targets: tuple[int, ...] | None,
        n: int,
    ) -> tuple[dict[int, FloatArray], FloatArray]:
        """Marginals of ``targets`` (or none) and log P(e) of a chunk of ``n`` cases."""
        return self._execute(self._plan(active, targets), lam, n)

    # ------------------------------------------------------------------ compile

    def _compile(
        self, factors: list[tuple[tuple[int, ...], FloatArray]], cliques: list[tuple[int, ...]]
    ) -> None:
        if max(len(c) for c in cliques) > len(_LETTERS):
            raise ValueError("The network's cliques are too large for exact inference.")
        self._cliques = cliques
        self._clique_size = [math.prod(self._card[v] for v in c) for c in cliques]
        tree = _spanning_tree(cliques, self._card)
        self._nbrs: list[list[int]] = [[] for _ in cliques]
        for i, j in tree:
            self._nbrs[i].append(j)
            self._nbrs[j].append(i)
        self._edges: list[tuple[int, int]] = []
        for i, j in tree:
            self._edges += [(i, j), (j, i)]
        self._edge_id = {e: k for k, e in enumerate(self._edges)}
        self._sep = [tuple(v for v in cliques[a] if v in cliques[b]) for a, b in self._edges]
        self._side = [self._component(a, b) for a, b in self._edges]

        def smallest(members: Iterable[int]) -> int:
            return min(members, key=lambda c: (self._clique_size[c], c))

        self._containing: dict[int, list[int]] = {}
        for c, clique in enumerate(cliques):
            for v in clique:
                self._containing.setdefault(v, []).append(c)
        self._home = {v: smallest(members) for v, members in self._containing.items()}
        self._homed: list[list[int]] = [[] for _ in cliques]
        for v, c in self._home.items():
            self._homed[c].append(v)
        psi = [np.ones([self._card[v] for v in c]) for c in cliques]
        for scope, table in factors:
            c = smallest(k for k, cl in enumerate(cliques) if set(scope) <= set(cl))
            letter = {v: _LETTERS[i] for i, v in enumerate(cliques[c])}
            subs = "".join(letter[v] for v in cliques[c])
            fsubs = "".join(letter[v] for v in scope)
            psi[c] = np.einsum(f"{subs},{fsubs}->{subs}", psi[c], table)
        self._psi = psi

    def _component(self, a: int, b: int) -> frozenset[int]:
        """Cliques on ``a``'s side of the tree edge ``a - b``."""
        seen = {a}
        stack = [a]
        while stack:
            c = stack.pop()
            for d in self._nbrs[c]:
                if d not in seen and not (c == a and d == b):
                    seen.add(d)
                    stack.append(d)
        return frozenset(seen)

    @property
    def clique_sizes(self) -> tuple[int, ...]:
        """Number of table entries of each junction-tree clique."""
        return tuple(self._clique_size)

    @property
    def treewidth(self) -> int:
        """Width of the triangulation used: largest clique size in variables, minus one."""
        return max(len(c) for c in self._cliques) - 1

    # --------------------------------------------------------------- planning

    def _plan(self, active: frozenset[int], targets: tuple[int, ...] | None) -> _Plan:
        key = (active, targets)
        plan = self._plans.pop(key, None)
        if plan is None:
            plan = self._build_plan(active, targets)
            # Interactive use can meet endless evidence patterns: keep the recent ones.
            if len(self._plans) >= _MAX_PLANS:
                del self._plans[next(iter(self._plans))]
        self._plans[key] = plan
        return plan

    def _build_plan(self, active: frozenset[int], targets: tuple[int, ...] | None) -> _Plan:
        if targets is None:
            root = max(range(len(self._cliques)), key=lambda c: (self._clique_size[c], -c))
            return self._plan_for(active, {root: ()})
        # Reading each target off its smallest clique makes cheap final steps but may
        # need many messages; gathering targets near one root needs fewer messages
        # through bigger cliques. Which wins depends on the network: cost both.
        by_home: dict[int, tuple[int, ...]] = {}
        for v in targets:
            by_home[self._home[v]] = (*by_home.get(self._home[v], ()), v)
        plans = [self._plan_for(active, by_home), self._plan_for(active, self._near_root(targets))]
        return min(plans, key=lambda plan: plan.cost)

    def _plan_for(self, active: frozenset[int], wanted: dict[int, tuple[int, ...]]) -> _Plan:
        homes = {self._home[v] for v in active}
        batched = [not side.isdisjoint(homes) for side in self._side]
        needed = [
            e
            for e, (a, b) in enumerate(self._edges)
            if not self._side[self._edge_id[(b, a)]].isdisjoint(wanted)
        ]
        # A message depends only on messages from strictly smaller subtrees.
        needed.sort(key=lambda e: len(self._side[e]))
        layout: dict[int, tuple[int, ...]] = {}
        messages = []
        for e in needed:
            a, b = self._edges[e]
            if batched[e]:
                step = self._step(e, a, b, active, batched, layout, set(self._sep[e]))
                layout[e] = step.out_vars
                messages.append(step)
            else:
                self._static_message(e)
        finals = []
        static_finals = []
        for clique, tvars in wanted.items():
            if clique in homes or any(
                batched[self._edge_id[(c, clique)]] for c in self._nbrs[clique]
            ):
                finals.append(self._step(clique, clique, -1, active, batched, layout, set(tvars)))
            else:
                static_finals.append(self._static_belief(clique, tvars))
        cost = sum(step.cost for step in (*messages, *finals))
        return _Plan(tuple(messages), tuple(finals), tuple(static_finals), cost)

    def _near_root(self, targets: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
        """Group targets into few cliques near each other, to need few messages."""
        count: dict[int, int] = {}
        for v in targets:
            for c in self._containing[v]:
                count[c] = count.get(c, 0) + 1
        root = max(count, key=lambda c: (count[c], -self._clique_size[c], -c))
        depth = {root: 0}
        queue = [root]
        for c in queue:
            for d in self._nbrs[c]:
                if d not in depth:
                    depth[d] = depth[c] + 1
                    queue.append(d)
        wanted: dict[int, tuple[int, ...]] = {}
        for v in targets:
            c = min(self._containing[v], key=lambda c: (depth[c], self._clique_size[c], c))
            wanted[c] = (*wanted.get(c, ()), v)
        return wanted

    def _static_operands(
        self, clique: int, skip: int, batched: Sequence[bool] | None = None
    ) -> tuple[dict[int, str], list[str], list[FloatArray], list[int]]:
        """Einsum letters, subscripts and arrays of a clique's case-independent factors.

        Those are its potential and the incoming messages (all but the one from
        ``skip``) that are not ``batched``; also return every incoming edge.
        """
        letter = {v: _LETTERS[i] for i, v in enumerate(self._cliques[clique])}
        subs = ["".join(letter[v] for v in self._cliques[clique])]
        arrays = [self._psi[clique]]
        incoming = []
        for c in self._nbrs[clique]:
            if c != skip:
                e = self._edge_id[(c, clique)]
                incoming.append(e)
                if batched is None or not batched[e]:
                    subs.append("".join(letter[v] for v in self._sep[e]))
                    arrays.append(self._static_message(e)[0])
        return letter, subs, arrays, incoming

    def _step(
        self,
        label: int,
        clique: int,
        skip: int,
        active: frozenset[int],
        batched: list[bool],
        layout: Mapping[int, tuple[int, ...]],
        out: set[int],
    ) -> _Step:
        """Compile one clique contraction (a message, or a belief when ``skip`` is -1)."""
        scopes: list[tuple[int, int, tuple[int, ...]]] = [
            (_LAM, v, (v,)) for v in self._homed[clique] if v in active
        ]
        letter, static_subs, static_arrays, incoming = self._static_operands(clique, skip, batched)
        scopes += [(_MSG, e, layout[e]) for e in incoming if batched[e]]
        touched = {v for _, _, vs in scopes for v in vs}
        # Lay the product out like its biggest factor, so that factor needs no copy.
        biggest = max(scopes, key=lambda s: math.prod(self._card[v] for v in s[2]), default=None)
        lead = biggest[2] if biggest is not None else ()
        order = [*lead, *(v for v in self._cliques[clique] if v not in lead)]
        kept = [v for v in order if v in touched and v in out]
        summed = [v for v in order if v in touched and v not in out]
        free = [v for v in order if v in out and v not in touched]
        product_order = kept + summed
        position = {v: i for i, v in enumerate(product_order)}
        inputs = []
        for kind, index, vs in scopes:
            perm = (*sorted(range(len(vs)), key=lambda i: position[vs[i]]), len(vs))
            shape = (*(self._card[v] if v in vs else 1 for v in product_order), -1)
            inputs.append(_Input(kind, index, perm, shape))
        # Multiply the smallest pair first so the big product is formed only once;
        # factors over the same variables first of all, which is cheap to find.
        sets = [frozenset(vs) for _, _, vs in scopes]
        pairs = []
        # Estimated memory traffic per case, to choose between plans.
        cost = 0
        while True:
            seen: dict[frozenset[int], int] = {}
            same = None
            for j, scope in enumerate(sets):
                if scope in seen:
                    same = (seen[scope], j)
                    break
                seen[scope] = j
            if same is None:
                break
            i, j = same
            pairs.append((i, j))
            cost += math.prod(self._card[v] for v in sets[j])
            union = sets[j]
            del sets[j], sets[i]
            sets.append(union)
        while len(sets) > 1:
            size, i, j = min(
                (math.prod(self._card[v] for v in sets[i] | sets[j]), i, j)
                for i in range(len(sets))
                for j in range(i + 1, len(sets))
            )
            pairs.append((i, j))
            cost += size
            union = sets[i] | sets[j]
            del sets[j], sets[i]
            sets.append(union)
        target = "".join(letter[v] for v in kept + free + summed)
        matrix = np.einsum(",".join(static_subs) + "->" + target, *static_arrays, optimize=True)
        k = math.prod(self._card[v] for v in kept)
        p = math.prod(self._card[v] for v in free)
        r = math.prod(self._card[v] for v in summed)
        out_vars = tuple(kept + free)
        return _Step(
            label=label,
            inputs=tuple(inputs),
            pairs=tuple(pairs),
            matrix=np.ascontiguousarray(matrix.reshape(k, p, r)),
            k=k,
            r=r,
            out_vars=out_vars,
            out_shape=tuple(self._card[v] for v in out_vars),
            incoming=tuple(incoming),
            cost=cost + k * p * r + 2 * k * p,
        )

    def _static_message(self, edge: int) -> tuple[FloatArray, float]:
        """Message along ``edge`` when no evidence lies behind it (cached forever)."""
        if edge in self._static:
            return self._static[edge]
        # Prerequisites first, without recursion: junction trees can be deep.
        todo, order = [edge], []
        while todo:
            e = todo.pop()
            if e not in self._static:
                order.append(e)
                a, b = self._edges[e]
                todo += [self._edge_id[(c, a)] for c in self._nbrs[a] if c != b]
        for e in reversed(order):
            self._static[e] = self._compute_static_message(e)
        return self._static[edge]

    def _compute_static_message(self, edge: int) -> tuple[FloatArray, float]:
        a, b = self._edges[edge]
        letter, subs, arrays, incoming = self._static_operands(a, b)
        target = "".join(letter[v] for v in self._sep[edge])
        message = np.einsum(",".join(subs) + "->" + target, *arrays, optimize=True)
        scale = float(np.abs(message).max())
        log_scale = sum(self._static[e][1] for e in incoming)
        if scale > 0:
            message = message / scale
            log_scale += math.log(scale)
        else:
            log_scale = -math.inf
        return np.asarray(message, dtype=np.float64), log_scale

    def _static_belief(
        self, clique: int, tvars: tuple[int, ...]
    ) -> tuple[tuple[int, ...], FloatArray, float]:
        """Unnormalised belief over ``tvars`` when no evidence reaches ``clique``."""
        letter, subs, arrays, incoming = self._static_operands(clique, -1)
        ordered = tuple(v for v in self._cliques[clique] if v in tvars)
        target = "".join(letter[v] for v in ordered)
        belief = np.einsum(",".join(subs) + "->" + target, *arrays, optimize=True)
        log_scale = sum(self._static[e][1] for e in incoming)
        return ordered, np.asarray(belief, dtype=np.float64), log_scale

    # -------------------------------------------------------------- execution

    def _contract(
        self,
        step: _Step,
        lam: Mapping[int, FloatArray],
        msgs: Mapping[int, FloatArray],
        n: int,
    ) -> FloatArray:
        factors = [
            (lam[x.index] if x.kind == _LAM else msgs[x.index]).transpose(x.perm).reshape(x.shape)
            for x in step.inputs
        ]
        owned = [False] * len(factors)
        for i, j in step.pairs:
            b, b_owned = factors.pop(j), owned.pop(j)
            a, a_owned = factors.pop(i), owned.pop(i)
            if a_owned and a.shape == np.broadcast_shapes(a.shape, b.shape):
                np.multiply(a, b, out=a)
            elif b_owned and b.shape == np.broadcast_shapes(a.shape, b.shape):
                np.multiply(a, b, out=b)
                a = b
            else:
                a = np.multiply(a, b, order="C")
            factors.append(a)
            owned.append(True)
        product = factors[0].reshape(step.k, step.r, n)
        # Nothing to sum (r = 1) is a broadcast product, which beats a matmul.
        result = step.matrix * product if step.r == 1 else np.matmul(step.matrix, product)
        return result.reshape((*step.out_shape, n))

    def _execute(
        self, plan: _Plan, lam: Mapping[int, FloatArray], n: int
    ) -> tuple[dict[int, FloatArray], FloatArray]:
        msgs: dict[int, FloatArray] = {}
        logs: dict[int, FloatArray] = {}

        def incoming_log(step_incoming: tuple[int, ...], start: FloatArray) -> FloatArray:
            for e in step_incoming:
                start = start + (logs[e] if e in logs else self._static[e][1])
            return start

        for step in plan.messages:
            message = self._contract(step, lam, msgs, n)
            # Decomposed CPTs make signed messages: scale by the largest magnitude.
            flat = message.reshape(-1, n)
            scale = flat.max(axis=0)
            if self._signed:
                scale = np.maximum(scale, -flat.min(axis=0))
            logs[step.label] = incoming_log(step.incoming, np.log(scale))
            # Impossible cases give an all-zero message: leave it zero, its log is -inf.
            scale[scale == 0.0] = 1.0
            message /= scale
            msgs[step.label] = message
        marginals: dict[int, FloatArray] = {}
        log_z: FloatArray | None = None
        beliefs: list[tuple[tuple[int, ...], FloatArray, FloatArray]] = []
        for step in plan.finals:
            belief = self._contract(step, lam, msgs, n)
            beliefs.append((step.out_vars, belief, incoming_log(step.incoming, np.zeros(n))))
        for out_vars, static_belief, static_log in plan.static_finals:
            belief = np.broadcast_to(static_belief[..., None], (*static_belief.shape, n))
            beliefs.append((out_vars, belief, np.full(n, static_log)))
        for out_vars, belief, log_scale in beliefs:
            if self._signed:
                # Rounding may leave a true zero at -1e-17 after a subtraction.
                belief = np.maximum(belief, 0.0)
            total = belief.reshape(-1, n).sum(axis=0)
            if log_z is None:
                log_z = np.log(total) + log_scale
            axes = tuple(range(belief.ndim - 1))
            for pos, v in enumerate(out_vars):
                marginal = belief.sum(axis=tuple(a for a in axes if a != pos))
                marginals[v] = (marginal / total).T
        assert log_z is not None
        return marginals, log_z


class CompiledNetwork:
    """A discrete Bayesian network compiled for exact batch inference.

    Build it with :meth:`from_model`. The junction tree, clique potentials and
    contraction plans are computed once; every query then runs vectorised over its
    cases, chunk by chunk, after identical evidence rows have been merged.

    Parameters
    ----------
    factors : Sequence[tuple[Sequence[str], array_like]]
        One conditional probability table per variable: its variables (the child
        first, then its parents) and an array with one axis per variable in that
        order (state order as in ``states``), summing to one over the child.
    states : Mapping[str, Sequence[str]]
        State names per variable, in the order of the network's variables.
    chunk_size : int, default 20000
        Largest number of distinct cases evaluated at once; lowered automatically so
        that one chunk's biggest tensor stays cache-sized (about 4 MiB).
    decompose : bool, default True
        Rewrite strictly positive noisy-MAX-like CPTs (cumulative distribution a
        product of one factor per parent) without their moral edges when that makes
        the junction tree cheaper. Exact, though it adds a subtraction per such CPT.

    Attributes
    ----------
    variables : tuple[str, ...]
        Node names, in model order.
    states : Mapping[str, tuple[str, ...]]
        State names per node.
    chunk_size : int
        Effective number of cases per chunk.
    """

    variables: tuple[str, ...]
    states: Mapping[str, tuple[str, ...]]
    chunk_size: int

    def __init__(
        self,
        factors: Sequence[tuple[Sequence[str], npt.ArrayLike]],
        states: Mapping[str, Sequence[str]],
        *,
        chunk_size: int = 20_000,
        decompose: bool = True,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}.")
        if not states:
            raise ValueError("The network has no variables.")
        self.variables = tuple(states)
        self.states = MappingProxyType({v: tuple(s) for v, s in states.items()})
        self._index = {v: i for i, v in enumerate(self.variables)}
        self._card = [len(self.states[v]) for v in self.variables]
        cpds: dict[int, tuple[tuple[int, ...], FloatArray]] = {}
        for names, values in factors:
            unknown = [v for v in names if v not in self._index]
            if unknown or not names:
                raise ValueError(f"CPD over unknown variable(s): {', '.join(unknown)}.")
            scope = tuple(self._index[v] for v in names)
            table = np.asarray(values, dtype=np.float64)
            if table.shape != tuple(self._card[v] for v in scope):
                raise ValueError(f"The CPD over {list(names)} has shape {table.shape}.")
            if scope[0] in cpds:
                raise ValueError(f"Two CPDs for {names[0]!r}.")
            cpds[scope[0]] = (scope, table)
        missing = [v for v in self.variables if self._index[v] not in cpds]
        if missing:
            raise ValueError(f"No CPD for {', '.join(missing)}.")
        self._cpds = [cpds[v] for v in range(len(self.variables))]
        self._decompose = decompose
        self._ancestors = self._ancestor_sets()
        self._all = frozenset(range(len(self.variables)))
        self._trees: dict[frozenset[int], _JunctionTree] = {}
        self._full = self._tree(self._all)
        largest = max(self._full.clique_sizes)
        self.chunk_size = min(chunk_size, max(_MIN_CHUNK, _MAX_CHUNK_ELEMENTS // largest))
        # Hard evidence becomes a likelihood row by indexing: code -1 picks the last
        # row, all ones.
        self._indicator = [np.hstack([np.eye(c), np.ones((c, 1))]) for c in self._card]

    @classmethod
    def from_model(
        cls, model: DiscreteBayesianNetwork, *, chunk_size: int = 20_000, decompose: bool = True
    ) -> CompiledNetwork:
        """Compile a pgmpy ``DiscreteBayesianNetwork``.

        Parameters
        ----------
        model : pgmpy.models.DiscreteBayesianNetwork
            A network with one ``TabularCPD`` per node. Its tables are used as they
            are (not renormalised).
        chunk_size : int, default 20000
            Largest number of distinct cases evaluated at once.
        decompose : bool, default True
            Let noisy-MAX-like CPTs drop their moral edges (see the class).

        Returns
        -------
        CompiledNetwork
            The compiled network.

        Raises
        ------
        ValueError
            If a node has no CPD or a CPD's state names disagree with its parent's.
        """
        nodes = list(model.nodes())
        if not all(isinstance(node, str) for node in nodes):
            raise ValueError("Node names must be strings.")
        cpds = {}
        for node in nodes:
            cpd = model.get_cpds(node)
            if cpd is None:
                raise ValueError(f"Node {node!r} has no CPD.")
            cpds[node] = cpd
        states = {n: tuple(str(s) for s in cpds[n].state_names[n]) for n in nodes}
        factors = []
        for node in nodes:
            cpd = cpds[node]
            table = np.asarray(cpd.values, dtype=np.float64)
            for axis, var in enumerate(cpd.variables):
                own = [str(s) for s in cpd.state_names[var]]
                if own == list(states[var]):
                    continue
                if sorted(own) != sorted(states[var]):
                    raise ValueError(
                        f"The CPD of {node!r} names the states of {var!r} {own}, "
                        f"but {var!r}'s own CPD names them {list(states[var])}."
                    )
                table = np.take(table, [own.index(s) for s in states[var]], axis=axis)
            factors.append((list(cpd.variables), table))
        return cls(factors, states, chunk_size=chunk_size, decompose=decompose)

    def _ancestor_sets(self) -> list[frozenset[int]]:
        """Each variable with all its ancestors."""
        found: dict[int, frozenset[int]] = {}
        for v in range(len(self.variables)):
            # Iterative depth-first: networks can be deep.
            stack = [v]
            while stack:
                u = stack[-1]
                parents = self._cpds[u][0][1:]
                todo = [p for p in parents if p not in found]
                if todo:
                    stack += todo
                    continue
                stack.pop()
                if u not in found:
                    found[u] = frozenset({u}).union(*(found[p] for p in parents))
        return [found[v] for v in range(len(self.variables))]

    def _tree(self, relevant: frozenset[int]) -> _JunctionTree:
        tree = self._trees.get(relevant)
        if tree is None:
            if len(self._trees) >= _MAX_TREES:
                del self._trees[next(k for k in self._trees if k != self._all)]
            tree = _JunctionTree(
                [self._cpds[v] for v in sorted(relevant)], self._card, self._decompose
            )
            self._trees[relevant] = tree
        return tree

    def _tree_for(
        self, active: frozenset[int], targets: tuple[int, ...] | None, n: int
    ) -> _JunctionTree | None:
        """Choose the junction tree: one without barren nodes when that is worth it.

        Nodes that are neither observed, nor targets, nor ancestors of either, sum
        out to one and can be dropped. A pruned tree costs a compilation, so it is
        only built for big chunks; small queries use the full tree, where such
        parts only produce case-independent messages anyway.
        """
        relevant = frozenset().union(*(self._ancestors[v] for v in (*active, *(targets or ()))))
        if not relevant:
            return None
        if relevant in self._trees or n >= _PRUNE_MIN_CASES:
            return self._tree(relevant)
        return self._full

    @property
    def clique_sizes(self) -> tuple[int, ...]:
        """Number of table entries of each junction-tree clique."""
        return self._full.clique_sizes

    @property
    def treewidth(self) -> int:
        """Width of the triangulation used: largest clique size in variables, minus one."""
        return self._full.treewidth

    # -------------------------------------------------------------- execution

    def _likelihoods(
        self, ev: Evidence, start: int, stop: int
    ) -> tuple[dict[int, FloatArray], frozenset[int]]:
        lam = {}
        for node, array in ev.values.items():
            v = self._index[node]
            part = array[start:stop]
            if part.ndim == 1:
                if (part >= 0).any():
                    lam[v] = np.take(self._indicator[v], part, axis=1)
            elif (part != 1.0).any():
                lam[v] = np.ascontiguousarray(part.T, dtype=np.float64)
        return lam, frozenset(lam)

    def _run(
        self, evidence: EvidenceLike, targets: tuple[int, ...] | None
    ) -> tuple[dict[int, FloatArray], FloatArray]:
        ev = self._coerce(evidence)
        n = ev.n_cases
        rows, inverse = self._dedupe(ev)
        if rows is not None:
            ev = Evidence({k: a[rows] for k, a in ev.values.items()}, len(rows))
        m = ev.n_cases
        want = targets or ()
        marginals = {v: np.empty((m, self._card[v])) for v in want}
        log_z = np.empty(m)

        def tasks() -> Iterator[tuple[int, int, _JunctionTree | None, _Plan | None, Any]]:
            # Planning (and any compiling) stays in this thread; workers only execute.
            for start in range(0, m, self.chunk_size):
                stop = min(m, start + self.chunk_size)
                lam, active = self._likelihoods(ev, start, stop)
                tree = self._tree_for(active, targets, stop - start)
                plan = None if tree is None else tree._plan(active, targets)
                yield start, stop, tree, plan, lam

        def execute(
            task: tuple[int, int, _JunctionTree | None, _Plan | None, Any],
        ) -> tuple[int, int, dict[int, FloatArray], FloatArray]:
            start, stop, tree, plan, lam = task
            if tree is None or plan is None:
                return start, stop, {}, np.zeros(stop - start)
            # errstate is per thread: impossible cases divide by zero on purpose.
            with np.errstate(divide="ignore", invalid="ignore"):
                return (start, stop, *tree._execute(plan, lam, stop - start))

        for start, stop, chunk_marginals, chunk_log_z in _map_bounded(
            execute, tasks(), m > self.chunk_size
        ):
            log_z[start:stop] = chunk_log_z
            for v in want:
                marginals[v][start:stop] = chunk_marginals[v]
        impossible = ~(log_z > -np.inf)
        log_z[impossible] = -np.inf
        for array in marginals.values():
            array[impossible] = np.nan
        if inverse is not None:
            log_z = log_z[inverse]
            marginals = {v: a[inverse] for v, a in marginals.items()}
        assert log_z.shape == (n,)
        return marginals, log_z

    def _dedupe(self, ev: Evidence) -> tuple[IntArray | None, IntArray | None]:
        """Return representative rows and the inverse index of the distinct evidence rows."""
        if ev.n_cases < 2:
            return None, None
        if not ev.values:
            return np.zeros(1, dtype=np.int64), np.zeros(ev.n_cases, dtype=np.int64)
        arrays = list(ev.values.values())
        if all(a.ndim == 1 for a in arrays):
            radices = [self._card[self._index[k]] + 1 for k in ev.values]
            if math.prod(radices) < 2**62:
                key = np.zeros(ev.n_cases, dtype=np.int64)
                for radix, codes in zip(radices, arrays, strict=True):
                    key *= radix
                    key += codes + 1
                _, rows, inverse = np.unique(key, return_index=True, return_inverse=True)
            else:
                matrix = np.column_stack(arrays)
                _, rows, inverse = np.unique(
                    matrix, axis=0, return_index=True, return_inverse=True
                )
        else:
            matrix = np.column_stack(
                [a.reshape(ev.n_cases, -1).astype(np.float64) for a in arrays]
            )
            _, rows, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
        if len(rows) == ev.n_cases:
            return None, None
        return rows.astype(np.int64), inverse.reshape(-1).astype(np.int64)

    # ------------------------------------------------------------- validation

    def _node(self, name: object) -> int:
        if not isinstance(name, str) or name not in self._index:
            raise EvidenceError(
                f"Unknown node {name!r}{_suggest(str(name), self.variables)}. "
                f"Known nodes: {', '.join(self.variables)}."
            )
        return self._index[name]

    def _state(self, node: str, value: object) -> int:
        states = self.states[node]
        if isinstance(value, bool):
            raise EvidenceError(f"State {value!r} of node {node!r} must be a name or an index.")
        if isinstance(value, int | np.integer):
            if not 0 <= value < len(states):
                raise EvidenceError(
                    f"State index {value} out of range for node {node!r} "
                    f"(cardinality {len(states)})."
                )
            return int(value)
        if isinstance(value, str) and value in states:
            return states.index(value)
        raise EvidenceError(
            f"Unknown state {value!r} for node {node!r}{_suggest(str(value), states)}; "
            f"allowed states: {', '.join(repr(s) for s in states)}."
        )

    def _check_likelihood(self, node: str, rows: FloatArray) -> None:
        card = len(self.states[node])
        if rows.ndim != 2 or rows.shape[1] != card:
            raise EvidenceError(
                f"Likelihood for node {node!r} must have {card} values per case "
                f"(one per state: {', '.join(repr(s) for s in self.states[node])}), "
                f"got shape {rows.shape}."
            )
        bad = ~np.isfinite(rows).all(axis=1)
        if bad.any():
            raise EvidenceError(
                f"Likelihood for node {node!r} in case {int(np.argmax(bad))} is not finite."
            )
        bad = (rows < 0).any(axis=1)
        if bad.any():
            raise EvidenceError(
                f"Likelihood for node {node!r} in case {int(np.argmax(bad))} is negative."
            )
        bad = ~(rows > 0).any(axis=1)
        if bad.any():
            raise EvidenceError(
                f"Likelihood for node {node!r} in case {int(np.argmax(bad))} is all zero."
            )

    def _coerce(self, evidence: EvidenceLike) -> Evidence:
        """Validate evidence and convert it to int64 codes and float64 likelihoods."""
        if isinstance(evidence, _Trusted):
            return evidence
        values = evidence.values if isinstance(evidence, Evidence) else evidence
        if not isinstance(values, Mapping):
            raise EvidenceError(
                f"Evidence must be an Evidence or a mapping of node to array, "
                f"got {type(evidence).__name__}."
            )
        n_cases = evidence.n_cases if isinstance(evidence, Evidence) else None
        out: dict[str, npt.NDArray[Any]] = {}
        for name, raw in values.items():
            v = self._node(name)
            array = np.asarray(raw)
            if array.ndim == 0:
                raise EvidenceError(
                    f"Evidence for node {name!r} must be an array with one entry per case."
                )
            if n_cases is None:
                n_cases = len(array)
            if len(array) != n_cases:
                raise EvidenceError(
                    f"Evidence for node {name!r} has {len(array)} rows "
                    f"but the batch has {n_cases} cases."
                )
            if array.ndim == 2:
                rows = np.ascontiguousarray(array, dtype=np.float64)
                self._check_likelihood(name, rows)
                out[name] = rows
            elif array.dtype.kind in "iu":
                codes = array.astype(np.int64)
                bad = (codes < -1) | (codes >= self._card[v])
                if bad.any():
                    i = int(np.argmax(bad))
                    raise EvidenceError(
                        f"State index {codes[i]} out of range for node {name!r} in case {i} "
                        f"(cardinality {self._card[v]}; -1 means not observed)."
                    )
                out[name] = codes
            elif array.dtype.kind in "UO" and array.ndim == 1:
                out[name] = self._codes_from_names(name, array)
            else:
                raise EvidenceError(
                    f"Evidence for node {name!r} must be integer state indices, state names "
                    f"or an (n, {self._card[v]}) likelihood array, got {array.dtype} "
                    f"with shape {array.shape}."
                )
        return Evidence(out, 1 if n_cases is None else n_cases)

    def _codes_from_names(self, node: str, names: npt.NDArray[Any]) -> IntArray:
        states = self.states[node]
        codes = pd.Categorical(names, categories=list(states)).codes.astype(np.int64)
        unknown = (codes < 0) & pd.notna(names)
        if unknown.any():
            i = int(np.argmax(unknown))
            self._state(node, names[i])
        return codes

    def _targets(self, targets: Sequence[str] | None) -> tuple[int, ...]:
        if targets is None:
            return tuple(range(len(self.variables)))
        if isinstance(targets, str):
            targets = [targets]
        chosen = sorted({self._node(t) for t in targets})
        if not chosen:
            raise EvidenceError("targets must name at least one node.")
        return tuple(chosen)

    # ------------------------------------------------------------ public API

    def encode(
        self, cases: Sequence[Mapping[str, str | int | Sequence[float] | None]]
    ) -> Evidence:
        """Encode a list of cases into :class:`Evidence`.

        Parameters
        ----------
        cases : Sequence[Mapping[str, str | int | Sequence[float] | None]]
            One mapping per case from node name to a state name, a state index, a
            likelihood vector (one non-negative value per state) or None (not
            observed). Nodes absent from a case are not observed.

        Returns
        -------
        Evidence
            Hard evidence as integer codes; a node given a likelihood vector in any
            case becomes soft evidence for the whole batch.

        Raises
        ------
        EvidenceError
            On an unknown node or state, or an invalid likelihood vector.
        """
        n = len(cases)
        columns: dict[str, list[Any]] = {}
        for i, case in enumerate(cases):
            if not isinstance(case, Mapping):
                raise EvidenceError(f"Case {i} must be a mapping of node to value.")
            for name, value in case.items():
                self._node(name)
                columns.setdefault(name, [None] * n)[i] = value
        out: dict[str, npt.NDArray[Any]] = {}
        for name, column in columns.items():
            card = len(self.states[name])
            soft = any(
                isinstance(x, Sequence | np.ndarray) and not isinstance(x, str) for x in column
            )
            if not soft:
                out[name] = np.array(
                    [-1 if _missing(x) else self._state(name, x) for x in column], dtype=np.int64
                )
                continue
            rows = np.ones((n, card))
            for i, x in enumerate(column):
                if _missing(x):
                    continue
                if isinstance(x, str | int | np.integer):
                    rows[i] = 0.0
                    rows[i, self._state(name, x)] = 1.0
                    continue
                vector = np.asarray(x, dtype=np.float64)
                if vector.shape != (card,):
                    raise EvidenceError(
                        f"Likelihood for node {name!r} in case {i} has {vector.size} values; "
                        f"expected {card} (one per state: "
                        f"{', '.join(repr(s) for s in self.states[name])})."
                    )
                rows[i] = vector
            self._check_likelihood(name, rows)
            out[name] = rows
        return Evidence(out, n)

    def query(self, evidence: EvidenceLike, *, targets: Sequence[str] | None = None) -> Posterior:
        """Posterior marginals of the targets for every case.

        Parameters
        ----------
        evidence : Evidence or Mapping[str, array_like]
            The batch: an :class:`Evidence`, or a mapping of node to integer codes
            (``-1`` = not observed), to state names (None = not observed) or to an
            ``(n, cardinality)`` likelihood array. An empty mapping is one case
            without evidence.
        targets : Sequence[str], optional
            Nodes whose marginals are wanted; default every node. Observed nodes get
            a marginal too (one-hot for hard evidence, the posterior for soft).

        Returns
        -------
        Posterior
            Marginals, log-evidence and possibility flag per case. Impossible cases
            (``P(evidence) = 0``) get NaN marginals; no exception is raised for them.

        Raises
        ------
        EvidenceError
            On an unknown node or an invalid evidence value.
        """
        chosen = self._targets(targets)
        marginals, log_z = self._run(evidence, chosen)
        names = [self.variables[v] for v in chosen]
        return Posterior(
            marginals=MappingProxyType({self.variables[v]: marginals[v] for v in chosen}),
            log_evidence=log_z,
            possible=log_z > -np.inf,
            states=MappingProxyType({t: self.states[t] for t in names}),
        )

    def log_evidence(self, evidence: EvidenceLike) -> FloatArray:
        """Log-probability of each case's evidence.

        Parameters
        ----------
        evidence : Evidence or Mapping[str, array_like]
            The batch, as for :meth:`query`.

        Returns
        -------
        numpy.ndarray
            ``log P(evidence)`` per case, ``-inf`` where impossible. With soft
            evidence this is ``log sum_x P(x) prod_v likelihood_v(x_v)``.

        Raises
        ------
        EvidenceError
            On an unknown node or an invalid evidence value.
        """
        return self._run(evidence, None)[1]

    def prob_conjunction(
        self,
        evidence: EvidenceLike,
        event: Mapping[str, str | int | Sequence[str | int]],
        *,
        log_evidence: FloatArray | None = None,
    ) -> FloatArray:
        """Probability of a conjunction of node states given each case's evidence.

        Computed exactly as ``exp(log P(e, event) - log P(e))`` with the event added as
        indicator evidence, not from marginals, so it is right for dependent nodes.

        Parameters
        ----------
        evidence : Evidence or Mapping[str, array_like]
            The batch, as for :meth:`query`.
        event : Mapping[str, str | int | Sequence[str | int]]
            Per node, the state (or any of the states) it must be in, e.g.
            ``{"a": "no", "b": ["no", "mild"]}``.
        log_evidence : numpy.ndarray, optional
            ``log P(e)`` per case when the caller already has it (from :meth:`query`
            or :meth:`log_evidence`); saves one inference pass.

        Returns
        -------
        numpy.ndarray
            ``P(event | evidence)`` per case; NaN where the evidence is impossible.

        Raises
        ------
        EvidenceError
            On an unknown node or state in the evidence or the event.
        """
        ev = self._coerce(evidence)
        if not event:
            raise EvidenceError("The event must constrain at least one node.")
        joint = dict(ev.values)
        excluded = np.zeros(ev.n_cases, dtype=bool)
        for name, wanted in event.items():
            v = self._node(name)
            options = [wanted] if isinstance(wanted, str | int | np.integer) else list(wanted)
            if not options:
                raise EvidenceError(f"The event allows no state of node {name!r}.")
            base = joint.get(name)
            if len(options) == 1 and (base is None or base.ndim == 1):
                # A single state over hard (or no) evidence stays hard evidence, which
                # the engine deduplicates; cases observed in another state get 0.
                state = self._state(name, options[0])
                if base is not None:
                    excluded |= (base >= 0) & (base != state)
                joint[name] = np.full(ev.n_cases, state, dtype=np.int64)
                continue
            mask = np.zeros(self._card[v])
            for option in options:
                mask[self._state(name, option)] = 1.0
            if base is None:
                rows = np.broadcast_to(mask, (ev.n_cases, self._card[v]))
            elif base.ndim == 1:
                rows = self._indicator[v].T[base] * mask
            else:
                rows = base * mask
            joint[name] = np.ascontiguousarray(rows)
        log_e = self._run(ev, None)[1] if log_evidence is None else np.asarray(log_evidence)
        # Skip validation: an event may zero a likelihood row, which is legitimate here.
        log_joint = self._run(_Trusted(joint, ev.n_cases), None)[1]
        with np.errstate(invalid="ignore", over="ignore"):
            ratio = np.minimum(np.exp(log_joint - log_e), 1.0)
        ratio[excluded] = 0.0
        ratio[~(log_e > -np.inf)] = np.nan
        return ratio

    def query_one(
        self,
        evidence: Mapping[str, str | int | Sequence[float] | None],
        targets: Sequence[str] | None = None,
    ) -> dict[str, dict[str, float]]:
        """Posterior marginals for a single case.

        Parameters
        ----------
        evidence : Mapping[str, str | int | Sequence[float] | None]
            Node name to state name, state index or likelihood vector.
        targets : Sequence[str], optional
            Nodes whose marginals are wanted; default every node.

        Returns
        -------
        dict[str, dict[str, float]]
            Per target node, the probability of each state.

        Raises
        ------
        ImpossibleEvidenceError
            If the evidence has probability zero.
        EvidenceError
            On an unknown node or state.
        """
        posterior = self.query(self.encode([evidence]), targets=targets)
        if not posterior.possible[0]:
            shown = ", ".join(f"{k}={v!r}" for k, v in evidence.items())
            raise ImpossibleEvidenceError(
                f"The evidence has probability zero under the network: {shown}."
            )
        return {
            node: dict(zip(self.states[node], map(float, rows[0]), strict=True))
            for node, rows in posterior.marginals.items()
        }


def _map_bounded(
    function: Callable[[_T], _R], items: Iterator[_T], parallel: bool
) -> Iterator[_R]:
    """Map in worker threads, in order, with few items in flight to bound memory.

    numpy releases the GIL inside its array operations, so chunks of a big batch
    run on several cores at once.
    """
    if not parallel or _THREADS < 2:
        yield from map(function, items)
        return
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        pending: deque[Future[_R]] = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * _THREADS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class _Trusted(Evidence):
    """Evidence already validated by the engine; may hold all-zero likelihood rows."""


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
