"""The greedy elimination of :mod:`~backspasm.engine.triangulation`, compiled with numba.

A conditioned tree's shape is triangulated once, with each of four costs and several
restarts: in pure Python that is the largest one-off cost of scoring a big file
(a few seconds for a file of varied answers), while the search itself is a few
thousand small integer steps. :func:`_search` makes the same choices as the Python
search, step for step, so the two give the same cliques:

* the vertices are numbered in ascending order of their labels and every score visits
  a vertex's neighbours in that order (so a sum of logs rounds the same way), the
  weighted fill is a sum of exact integer products;
* the queue holds keys ``(score, vertex, version)``, each unique, so any correct
  priority queue pops them in the same order as Python's ``heapq``;
* a hub (a vertex of more than ``hub`` neighbours) and a vertex whose fill changed
  without it being touched are refreshed only when they reach the top, as there.

It runs only when numba is already imported (:func:`~backspasm.engine.jit.numba_if_loaded`):
a one-off diagnosis does not pay numba's loading for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from backspasm.engine.jit import compile_loop, numba_if_loaded

__all__: list[str] = []

#: The costs, numbered as :func:`_search` takes them.
COSTS = ("min_fill", "weighted_min_fill", "min_weight", "min_degree")

# adjacency, cardinalities, their logs, cost, ties, hub degree -> elimination order,
# members of each elimination clique, offsets of each clique in the members.
_SIGNATURE = "Tuple((i8[::1], i8[::1], i8[::1]))(b1[:, ::1], f8[::1], f8[::1], i8, f8[::1], i8)"
_COMPILED: Callable[..., Any] | None = None
_TRIED = False
_LOADING = threading.Lock()


def _search(
    adj: Any, cards: Any, log_card: Any, cost: int, tie: Any, hub: int
) -> tuple[Any, Any, Any]:
    """Eliminate every vertex greedily; return the order and each elimination clique.

    ``adj`` is the symmetric adjacency matrix (it is changed: filled in and emptied),
    ``cost`` an index into :data:`COSTS`, ``tie`` each vertex's tie-breaker.
    """
    n = adj.shape[0]

    def before(keys: Any, i: int, j: int) -> bool:
        # entry i's key (score, vertex, version) is less than entry j's
        for c in range(5):
            if keys[i, c] != keys[j, c]:
                return bool(keys[i, c] < keys[j, c])
        return False

    degree = np.zeros(n, np.int64)
    for v in range(n):
        for u in range(n):
            if adj[v, u]:
                degree[v] += 1
    version = np.zeros(n, np.int64)
    gone = np.zeros(n, np.bool_)
    stale = np.zeros(n, np.bool_)
    nb = np.empty(n, np.int64)
    member = np.zeros(n, np.bool_)
    pending = np.arange(n)
    n_pending = n
    # The queue: a binary heap of keys (k0, k1, k2, vertex, version), grown on demand;
    # its row ``size`` is where a new key is written before it sifts up.
    size = 0
    keys = np.empty((4 * n + 16, 5))
    order = np.empty(n, np.int64)
    members = np.empty(4 * n + 16, np.int64)
    ptr = np.zeros(n + 1, np.int64)
    done = 0
    while True:
        for t in range(n_pending):
            v = pending[t]
            version[v] += 1
            d = 0
            for u in range(n):
                if adj[v, u]:
                    nb[d] = u
                    d += 1
            total = 0.0
            for i in range(d):
                total += log_card[nb[i]]
            weight = log_card[v] + total
            if cost == 2:
                k0, k1, k2 = weight, tie[v], 0.0
            elif cost == 3:
                k0, k1, k2 = float(d), weight, tie[v]
            else:
                fill = 0.0
                for i in range(d):
                    a = nb[i]
                    for j in range(i + 1, d):
                        b = nb[j]
                        if not adj[a, b]:
                            fill += cards[a] * cards[b] if cost == 1 else 1.0
                k0, k1, k2 = fill, weight, tie[v]
            if size == keys.shape[0]:
                grown = np.empty((2 * size, 5))
                grown[:size] = keys
                keys = grown
            keys[size, 0] = k0
            keys[size, 1] = k1
            keys[size, 2] = k2
            keys[size, 3] = v
            keys[size, 4] = version[v]
            i = size
            size += 1
            while i > 0 and before(keys, i, (i - 1) // 2):
                p = (i - 1) // 2
                for c in range(5):
                    keys[i, c], keys[p, c] = keys[p, c], keys[i, c]
                i = p
        n_pending = 0
        if size == 0:
            break
        v = int(keys[0, 3])
        seen = int(keys[0, 4])
        size -= 1
        for c in range(5):
            keys[0, c] = keys[size, c]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and before(keys, child + 1, child):
                child += 1
            if not before(keys, child, i):
                break
            for c in range(5):
                keys[i, c], keys[child, c] = keys[child, c], keys[i, c]
            i = child
        if gone[v] or seen != version[v]:
            continue
        if stale[v]:
            stale[v] = False
            pending[0] = v
            n_pending = 1
            continue
        d = 0
        for u in range(n):
            if adj[v, u]:
                nb[d] = u
                d += 1
                member[u] = True
        for i in range(d):
            u = nb[i]
            adj[u, v] = False
            adj[v, u] = False
            degree[u] -= 1
            for j in range(d):
                w = nb[j]
                if w != u and not adj[u, w]:
                    adj[u, w] = True
                    degree[u] += 1
        gone[v] = True
        order[done] = v
        start = ptr[done]
        if start + d + 1 > members.shape[0]:
            grown = np.empty(2 * (start + d + 1), np.int64)
            grown[:start] = members[:start]
            members = grown
        members[start] = v
        for i in range(d):
            members[start + 1 + i] = nb[i]
        done += 1
        ptr[done] = start + d + 1
        for i in range(d):
            u = nb[i]
            if degree[u] <= hub:
                stale[u] = False
                pending[n_pending] = u
                n_pending += 1
            else:
                stale[u] = True
            if cost <= 1:
                # New edges among the neighbours change the fill of their common neighbours.
                for w in range(n):
                    if adj[u, w] and not member[w]:
                        stale[w] = True
        for i in range(d):
            member[nb[i]] = False
    return order, members[: ptr[done]].copy(), ptr


def _compiled() -> Callable[..., Any] | None:
    """Return the compiled search when numba is already imported; None otherwise."""
    global _COMPILED, _TRIED
    if _TRIED:
        return _COMPILED
    numba = numba_if_loaded()
    if numba is None:
        return None
    with _LOADING:
        if not _TRIED:
            try:
                _COMPILED = compile_loop(
                    numba,
                    _search,
                    _SIGNATURE,
                    "the elimination search",
                    "backspasm searches in Python: the same trees, found more slowly.",
                )
            finally:
                _TRIED = True
    return _COMPILED


def eliminate(
    labels: Sequence[int],
    adjacency: dict[int, set[int]],
    cards: Sequence[int],
    log_card: Sequence[float],
    cost: str,
    tie: dict[int, float],
    hub: int,
) -> list[tuple[int, frozenset[int]]] | None:
    """Each vertex with the clique it creates, in elimination order; None without numba.

    ``labels`` are the vertices in ascending order; the rest as the Python search
    takes them (``tie`` per vertex).
    """
    search = _compiled()
    if search is None:
        return None
    n = len(labels)
    position = {v: i for i, v in enumerate(labels)}
    rows: list[int] = []
    cols: list[int] = []
    for v, nbrs in adjacency.items():
        rows += [position[v]] * len(nbrs)
        cols += [position[u] for u in nbrs]
    adj = np.zeros((n, n), dtype=np.bool_)
    adj[np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)] = True
    order, members, ptr = search(
        adj,
        np.array([cards[v] for v in labels], dtype=np.float64),
        np.array([log_card[v] for v in labels], dtype=np.float64),
        COSTS.index(cost),
        np.array([tie[v] for v in labels], dtype=np.float64),
        hub,
    )
    named = [labels[i] for i in members.tolist()]
    bounds = ptr.tolist()
    return [
        (labels[v], frozenset(named[bounds[k] : bounds[k + 1]]))
        for k, v in enumerate(order.tolist())
    ]
