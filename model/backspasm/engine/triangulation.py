"""Triangulation: a cheap elimination order, its maximal cliques and a junction tree.

Greedy elimination with four classic costs (min-fill, weighted min-fill, min-weight,
min-degree), each restarted with seeded random tie-breaking; the triangulation with
the smallest total clique table size wins, since the work per case is roughly
proportional to it. The cliques are then joined by a maximum spanning tree on
separator sizes (Jensen), which is a junction tree; each of its edges splits it in two
sides (which messages carry evidence, which ones a target needs).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence

from backspasm._cache import LruCache
from backspasm.engine.greedy import Neighbourhoods
from backspasm.engine.greedy import eliminate as _greedy
from backspasm.engine.jit import numba_if_loaded
from backspasm.engine.known_trees import known_cliques

__all__: list[str] = []

#: The noisy-MAX rewrite (:mod:`backspasm.engine.noisy_max`) computes each P(y | x) as a
#: difference of cumulative probabilities, F(y) - F(y - 1), and the messages repeat
#: that subtraction, which loses about 1e-16 / (share) of relative precision, where
#: the share is P(y | x) / F(y | x). A table is rewritten only when every share is at
#: least this much (relative error then below about 2e-10); the bundled network's
#: smallest, its leaks of one in a million, qualify. A variant's leak of 1e-12 does
#: not, and its table is kept whole (exact, with larger cliques). Here, not there,
#: because the knowledge-base checks, which load no numpy, size cliques with it.
DECOMPOSE_MIN_SHARE = 5e-7

# Random tie-breaking restarts of each triangulation heuristic; seeded, so compiling
# the same network twice gives the same junction tree. The default of compiled
# networks; twin networks, compiled for a few queries, use none.
_TRIANGULATION_RESTARTS = 6
_HUB_DEGREE = 64
# Below this many vertices the Python search takes about a millisecond: not worth a call.
_COMPILED_MIN_VERTICES = 24


def _compiled_search_pays(adjacency: Mapping[int, set[int]]) -> bool:
    """Whether to run the compiled search: a graph big enough, numba already imported."""
    return len(adjacency) >= _COMPILED_MIN_VERTICES and numba_if_loaded() is not None


def _eliminate(
    adjacency: Mapping[int, set[int]],
    cards: Sequence[int],
    cost: str,
    rng: random.Random | None,
    known: Neighbourhoods | None = None,
) -> list[tuple[int, frozenset[int]]]:
    """Greedy elimination; return each vertex with the clique it creates, in order.

    Scores live in a heap. After an elimination the neighbours' scores are
    recomputed at once, unless a neighbour is a hub, whose score (quadratic in its
    degree) is only refreshed when it reaches the top of the heap: a star with 500
    leaves then compiles in milliseconds instead of minutes. When numba is already
    loaded the same search runs compiled (:mod:`~backspasm.engine.elimination`),
    else on bitsets (:mod:`~backspasm.engine.greedy`), with the same result.
    ``known``, made by :func:`_neighbourhoods` for this graph and cardinalities, is
    shared by the tries of one search.
    """
    log_card = [math.log(max(c, 1)) for c in cards]
    # Ties are broken at random on restarts: the heuristics are sensitive to them.
    tie = {v: rng.random() if rng is not None else float(v) for v in adjacency}
    labels = sorted(adjacency)
    if _compiled_search_pays(adjacency):
        from backspasm.engine.elimination import eliminate

        found = eliminate(labels, dict(adjacency), cards, log_card, cost, tie, _HUB_DEGREE)
        if found is not None:
            return found
    if known is None:
        known = _neighbourhoods(adjacency, cards)
    return _greedy(labels, adjacency, cards, cost, tie, _HUB_DEGREE, known)


def _neighbourhoods(adjacency: Mapping[int, set[int]], cards: Sequence[int]) -> Neighbourhoods:
    """Return a store of the sets of neighbours a search meets on a graph, for all its tries."""
    return Neighbourhoods([math.log(max(cards[v], 1)) for v in sorted(adjacency)])


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


def _triangulate(
    adjacency: Mapping[int, set[int]], cards: list[int], restarts: int = _TRIANGULATION_RESTARTS
) -> list[frozenset[int]]:
    """Return the maximal cliques of the cheapest triangulation found.

    Each heuristic runs once with ties broken by vertex number, then ``restarts``
    times with seeded random tie-breaking.
    """
    best: list[frozenset[int]] = []
    best_cost = math.inf
    rng = random.Random(0)
    known = _neighbourhoods(adjacency, cards)
    for cost in ("min_fill", "weighted_min_fill", "min_weight", "min_degree"):
        for restart in range(restarts + 1):
            cliques = _maximal(_eliminate(adjacency, cards, cost, rng if restart else None, known))
            # Work per case is roughly proportional to the total clique table size.
            total = sum(math.prod(cards[v] for v in c) for c in cliques)
            if total < best_cost:
                best, best_cost = cliques, total
    return best


# The cliques of the last few structures (scopes, cardinalities, restarts) triangulated.
_TRIANGULATIONS: LruCache[
    tuple[tuple[tuple[int, ...], ...], tuple[int, ...], int], tuple[tuple[int, ...], ...]
] = LruCache(8)


def _cliques_cached(
    scopes: tuple[tuple[int, ...], ...], cards: tuple[int, ...], restarts: int
) -> tuple[tuple[int, ...], ...]:
    """Return the sorted maximal cliques of :func:`_triangulate` on the scopes' moral graph.

    The triangulation depends only on the graph and the cardinalities, and it is
    seeded, so a copy of a network (``load_network()``, a what-if sweep that changes
    numbers only) reuses it instead of searching again (about a second). The bundled
    network's, the same in every process, are written down
    (:mod:`~backspasm.engine.known_trees`) and not searched at all.
    """

    def search() -> tuple[tuple[int, ...], ...]:
        known = known_cliques(scopes, cards, restarts)
        if known is not None:
            return known
        cliques = _triangulate(_moral_graph(scopes), list(cards), restarts)
        return tuple(tuple(sorted(c)) for c in cliques)

    return _TRIANGULATIONS.get((scopes, cards, restarts), search)


def _restricted(
    cliques: Iterable[Iterable[int]], rename: Mapping[int, int]
) -> list[tuple[int, ...]]:
    """Return the maximal cliques of a triangulation restricted to the vertices kept.

    ``rename`` maps each kept vertex of the triangulation to its id in the subgraph;
    the others are dropped. An induced subgraph of a chordal graph is chordal and each
    of its maximal cliques is a kept part of one of the whole graph's, so these are the
    maximal cliques of a triangulation of any subgraph of the whole moral graph on those
    vertices, and no bigger in total table size than the cliques they come from.
    """
    kept = {frozenset(rename[v] for v in c if v in rename) for c in cliques}
    kept.discard(frozenset())
    return sorted(tuple(sorted(c)) for c in kept if not any(c < other for other in kept))


def _guided(
    cliques: Iterable[Iterable[int]],
    owners: Mapping[int, int],
    scopes: Sequence[Sequence[int]],
    own_owners: Mapping[int, int],
) -> list[tuple[int, ...]] | None:
    """Return a whole network's cliques restricted to part of it, if they hold its scopes.

    A junction tree of part of the network (its barren nodes dropped) can take the
    whole network's triangulation, restricted: never bigger, while the greedy search
    on the smaller graph may do worse (the bundled network without the barren nodes of
    half-answered cases: 62,882 table entries against 42,654 restricted). ``owners``
    and ``own_owners`` give each auxiliary variable of a decomposed table (of the whole
    network and of the part, numbered apart) its child, by which they are matched.
    None when some scope fits in no restricted clique: the two decompose differently.
    """
    aux_of = {child: aux for aux, child in own_owners.items()}
    rename = {v: v for scope in scopes for v in scope if v not in own_owners}
    rename.update((aux, aux_of[child]) for aux, child in owners.items() if child in aux_of)
    restricted = _restricted(cliques, rename)
    holding: dict[int, list[frozenset[int]]] = {}
    for clique in map(frozenset, restricted):
        for v in clique:
            holding.setdefault(v, []).append(clique)
    for scope in scopes:
        if scope and not any(c.issuperset(scope) for c in holding.get(scope[0], ())):
            return None
    return restricted


def _homes(cliques: Sequence[tuple[int, ...]], size: Sequence[int]) -> dict[int, int]:
    """Each variable's home: the smallest clique holding it (the first of equal ones).

    Its likelihood and its belief are taken there, by the junction tree and by
    :func:`_cost`'s estimate of the work.
    """
    home: dict[int, int] = {}
    for i, clique in enumerate(cliques):
        for v in clique:
            if v not in home or (size[i], i) < (size[home[v]], home[v]):
                home[v] = i
    return home


def _cost(cliques: Sequence[tuple[int, ...]], cards: Sequence[int], part: bool) -> int:
    """Return the cost by which a junction tree's triangulations are compared.

    A whole network's tree: its total clique table size, the smallest of which
    :func:`_largest_clique` relies on. Part of a network (``part``): the fused kernel's
    estimated work per case, every variable observed and wanted (messages both ways).
    A step over clique ``a`` multiplies its ``n`` batched operands (likelihoods homed
    at ``a``, messages from its other neighbours) at every entry of their product and
    adds it into each free output entry, ``k r (n + p)``, as
    :mod:`~backspasm.engine.fused` does. The total table size ignores the number of
    operands, and a restricted tree of smaller cliques can run slower.
    """
    cliques = list(cliques)
    size = [math.prod(cards[v] for v in c) for c in cliques]
    if not part:
        return sum(size)
    nbrs: list[list[int]] = [[] for _ in cliques]
    for i, j in _spanning_tree(cliques, list(cards)):
        nbrs[i].append(j)
        nbrs[j].append(i)
    homed: list[list[int]] = [[] for _ in cliques]
    for v, i in _homes(cliques, size).items():
        homed[i].append(v)

    def step(a: int, skip: int, out: set[int]) -> int:
        ins = [{v} for v in homed[a]]
        ins += [set(cliques[a]).intersection(cliques[c]) for c in nbrs[a] if c != skip]
        touched = set().union(*ins)
        k = math.prod(cards[v] for v in touched if v in out)
        p = math.prod(cards[v] for v in out if v not in touched)
        r = math.prod(cards[v] for v in touched if v not in out)
        return k * r * (max(len(ins), 1) + p) + 2 * k * p

    work = 0
    for a in range(len(cliques)):
        for b in nbrs[a]:
            work += step(a, b, set(cliques[a]).intersection(cliques[b]))
        if homed[a]:
            work += step(a, -1, set(homed[a]))
    return work


def _moral_graph(scopes: Iterable[Sequence[int]]) -> dict[int, set[int]]:
    """Join the variables of each scope (a CPD's: its family) pairwise, as the engine does."""
    adjacency: dict[int, set[int]] = {}
    for scope in scopes:
        for u in scope:
            adjacency.setdefault(u, set()).update(w for w in scope if w != u)
    return adjacency


def _decomposed(
    scopes: Sequence[tuple[int, ...]], cards: Sequence[int], decomposable: Iterable[int]
) -> tuple[list[tuple[int, ...]], list[int]]:
    """Return the scopes and cardinalities of the engine's decomposed option.

    As :func:`backspasm.engine.noisy_max._decompose` rewrites them, in the same order:
    the CPD of each variable in ``decomposable`` (a noisy-MAX-like table whose every
    share is at least :data:`DECOMPOSE_MIN_SHARE`, known from its declaration) with
    two or more parents becomes ``(child, aux)`` and one ``(aux, parent)`` per parent,
    ``aux`` a new variable of the child's cardinality numbered from ``len(cards)`` on.
    Only sizes: nothing is allocated.
    """
    which = set(decomposable)
    out: list[tuple[int, ...]] = []
    extended = list(cards)
    for scope in scopes:
        if len(scope) >= 3 and cards[scope[0]] >= 2 and scope[0] in which:
            aux = len(extended)
            extended.append(cards[scope[0]])
            out += [(scope[0], aux), *((aux, parent) for parent in scope[1:])]
        else:
            out.append(scope)
    return out, extended


def _largest_clique(
    scopes: Sequence[tuple[int, ...]],
    cards: Sequence[int],
    limit: float,
    decomposable: Iterable[int] = (),
    restarts: int = _TRIANGULATION_RESTARTS,
) -> tuple[frozenset[int], list[int]]:
    """Return a clique at least as large (in table entries) as any the engine builds.

    The engine (:class:`~backspasm.engine.junction_tree._JunctionTree`) triangulates
    the CPDs' scopes as they are and, when some CPDs are noisy-MAX-like, also as
    :func:`_decomposed` rewrites them, and keeps the option whose triangulation has
    the fewest clique table entries in all. Its largest clique may come from either
    (rewriting can enlarge the largest clique while it shrinks the total), and which
    CPDs it rewrites is decided on their numbers (a test of separability to 1e-13
    that a table of many parents fails by rounding alone): ``decomposable`` are those
    the declarations allow.

    So: when the search's own cliques on the scopes as they are are written down
    (:mod:`~backspasm.engine.known_trees`: the bundled network's) with at most
    ``limit`` entries in all, or else the first try of min-weight or min-fill has, the
    tree the engine keeps has no more in all (it could keep that option), nor a larger
    clique, and the largest clique of those is returned at once (no search at all for
    the bundled network, whose first min-fill try also fits). Otherwise the
    engine's own search runs on both options, and the larger of their largest
    cliques is returned (one over auxiliaries only is passed over when the other
    names nodes): at least as large as the one the engine builds, whichever option
    it keeps, or over ``limit`` as well.
    Only sizes are computed: nothing is allocated.

    Returns
    -------
    clique : frozenset of int
        Variables ``len(cards)`` and above are the auxiliary variables of
        :func:`_decomposed`.
    cards : list of int
        The cardinalities of the option the clique belongs to (auxiliaries included).
    """
    options = [(list(scopes), list(cards))]
    rewritten = _decomposed(scopes, cards, decomposable)
    if len(rewritten[1]) > len(cards):
        options.append(rewritten)
    graphs = [(_moral_graph(s), c) for s, c in options]
    if not graphs[0][0]:
        return frozenset(), list(cards)

    def entries(clique: Iterable[int], sizes: Sequence[int]) -> int:
        return math.prod(sizes[v] for v in clique)

    graph, sizes = graphs[0]
    known = known_cliques(scopes, cards, restarts)
    if known is not None and sum(entries(c, sizes) for c in known) <= limit:
        return frozenset(max(known, key=lambda c: entries(c, sizes))), sizes
    for cost in ("min_weight", "min_fill"):
        cliques = _maximal(_eliminate(graph, sizes, cost, None))
        if sum(entries(c, sizes) for c in cliques) <= limit:
            return max(cliques, key=lambda c: entries(c, sizes)), sizes
    largest: list[tuple[int, frozenset[int], list[int]]] = []
    for graph, sizes in graphs:
        clique = max(_triangulate(graph, sizes, restarts), key=lambda c: entries(c, sizes))
        largest.append((entries(clique, sizes), clique, sizes))
    # The larger, unless it joins only auxiliaries: one that names nodes says more.
    named = [x for x in largest if any(v < len(cards) for v in x[1])] or largest
    _, clique, sizes = max(named, key=lambda x: x[0])
    return clique, sizes


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


def _sides(nbrs: list[list[int]], edges: list[tuple[int, int]]) -> list[frozenset[int]]:
    """Per directed edge ``a - b`` of a forest of cliques, the cliques on ``a``'s side.

    One walk from a root per tree of the forest: the side of ``a`` away from its
    child ``b`` is the rest of that tree, and the side of ``b`` is its subtree.
    """
    n = len(nbrs)
    parent = [-1] * n
    seen = [False] * n
    subtree: list[frozenset[int]] = [frozenset()] * n
    whole: list[frozenset[int]] = [frozenset()] * n
    for root in range(n):
        if seen[root]:
            continue
        seen[root] = True
        order = [root]
        for c in order:
            for d in nbrs[c]:
                if not seen[d]:
                    seen[d] = True
                    parent[d] = c
                    order.append(d)
        below: dict[int, set[int]] = {c: {c} for c in order}
        for c in reversed(order):
            if parent[c] >= 0:
                below[parent[c]] |= below[c]
        tree = frozenset(order)
        for c in order:
            subtree[c] = frozenset(below[c])
            whole[c] = tree
    return [subtree[a] if parent[a] == b else whole[a] - subtree[b] for a, b in edges]
