"""The bitset search (engine.greedy) eliminates as the set-based search it replaced."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from backspasm.engine import triangulation
from backspasm.engine.elimination import COSTS


def reference(
    adjacency: Mapping[int, set[int]], cards: Sequence[int], cost: str, rng: random.Random | None
) -> list[tuple[int, frozenset[int]]]:
    """The set-based Python search as it was before the bitsets, kept as the reference."""
    log_card = [math.log(max(c, 1)) for c in cards]
    tie = {v: rng.random() if rng is not None else float(v) for v in adjacency}
    hub = triangulation._HUB_DEGREE

    def score(v: int) -> tuple[float, ...]:
        nb = sorted(graph[v])
        total = 0.0
        for u in nb:
            total += log_card[u]
        weight = log_card[v] + total
        if cost == "min_weight":
            return (weight, tie[v])
        if cost == "min_degree":
            return (len(nb), weight, tie[v])
        fill = 0
        for i, u in enumerate(nb):
            for w in nb[i + 1 :]:
                if w not in graph[u]:
                    fill += cards[u] * cards[w] if cost == "weighted_min_fill" else 1
        return (fill, weight, tie[v])

    graph = {v: set(nb) for v, nb in adjacency.items()}
    version = dict.fromkeys(graph, 0)
    heap = [(score(v), v, 0) for v in graph]
    heapq.heapify(heap)
    stale: set[int] = set()
    cliques: list[tuple[int, frozenset[int]]] = []

    def push(u: int) -> None:
        version[u] += 1
        heapq.heappush(heap, (score(u), u, version[u]))

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
            if len(graph[u]) <= hub:
                stale.discard(u)
                push(u)
            else:
                stale.add(u)
            if cost in ("min_fill", "weighted_min_fill"):
                stale.update(w for w in graph[u] if w not in nbrs)
    return cliques


def random_graph(seed: int) -> tuple[dict[int, set[int]], list[int]]:
    """A moral graph of random families: gaps in the labels, mixed cards, sometimes a hub."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 120))
    labels = sorted(rng.choice(3 * n, size=n, replace=False).tolist())
    cards = [int(c) for c in rng.integers(1, 6 if seed % 3 else 3, size=3 * n)]
    scopes = []
    for i, v in enumerate(labels):
        parents = rng.choice(labels[:i], size=min(i, int(rng.integers(0, 5))), replace=False)
        scopes.append((v, *parents.tolist()))
    if seed % 4 == 1:  # a hub: one family with most variables (above the hub degree)
        scopes.append(tuple(labels[: max(2, int(0.8 * n))]))
    return triangulation._moral_graph(scopes), cards


@pytest.mark.parametrize("seed", range(24))
def test_the_bitset_search_eliminates_as_the_set_based_one(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(triangulation, "_compiled_search_pays", lambda adjacency: False)
    graph, cards = random_graph(seed)
    known = triangulation._neighbourhoods(graph, cards)
    for cost in COSTS:
        for restart in range(3):
            expected = reference(graph, cards, cost, random.Random(restart) if restart else None)
            rng = random.Random(restart) if restart else None
            # with and without the neighbourhoods of earlier tries
            assert triangulation._eliminate(graph, cards, cost, rng, known) == expected
            rng = random.Random(restart) if restart else None
            assert triangulation._eliminate(graph, cards, cost, rng) == expected
    assert graph == random_graph(seed)[0]  # the caller's graph is left as it was


def test_the_bitset_search_takes_a_graph_of_one_vertex_and_one_of_none() -> None:
    assert triangulation._eliminate({3: set()}, [1, 1, 1, 2], "min_fill", None) == [
        (3, frozenset({3}))
    ]
    assert triangulation._eliminate({}, [], "weighted_min_fill", None) == []
