"""The compiled elimination search makes the same choices as the Python one."""

from __future__ import annotations

import random

import numpy as np
import pytest

from backspasm.engine import elimination, triangulation

pytest.importorskip("numba")


def random_graph(seed: int) -> tuple[dict[int, set[int]], list[int]]:
    """A moral graph of random families, with gaps in the labels and sometimes a hub."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(24, 160))
    labels = sorted(rng.choice(3 * n, size=n, replace=False).tolist())
    cards = [int(c) for c in rng.integers(1, 6, size=3 * n)]
    scopes = []
    for i, v in enumerate(labels):
        parents = rng.choice(labels[:i], size=min(i, int(rng.integers(0, 5))), replace=False)
        scopes.append((v, *parents.tolist()))
    if seed % 2:  # a hub: one family with most variables (above the hub degree of 64)
        scopes.append(tuple(labels[: max(2, int(0.8 * n))]))
    return triangulation._moral_graph(scopes), cards


def both(monkeypatch: pytest.MonkeyPatch, run: object) -> tuple[object, object]:
    monkeypatch.setattr(triangulation, "_compiled_search_pays", lambda adjacency: False)
    python = run()  # type: ignore[operator]
    monkeypatch.setattr(triangulation, "_compiled_search_pays", lambda adjacency: True)
    assert elimination._compiled() is not None
    return python, run()  # type: ignore[operator]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("cost", elimination.COSTS)
def test_the_compiled_search_eliminates_as_the_python_one(
    monkeypatch: pytest.MonkeyPatch, seed: int, cost: str
) -> None:
    graph, cards = random_graph(seed)
    for restart in range(3):

        def run(restart: int = restart) -> object:
            return triangulation._eliminate(
                graph, cards, cost, random.Random(restart) if restart else None
            )

        python, compiled = both(monkeypatch, run)
        assert compiled == python
    # it leaves the caller's graph as it was
    assert graph == random_graph(seed)[0]


def test_the_bundled_network_gets_the_same_tree_either_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from backspasm.network import default_network

    model = default_network().model
    names = list(model.nodes())
    index = {v: i for i, v in enumerate(names)}
    scopes = [tuple(index[v] for v in (c.variable, *c.get_evidence())) for c in model.get_cpds()]
    cards = [model.get_cardinality(v) for v in names]
    graph = triangulation._moral_graph(scopes)
    python, compiled = both(monkeypatch, lambda: triangulation._triangulate(graph, cards))
    assert compiled == python


def test_small_graphs_and_a_switched_off_numba_search_in_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph, _ = random_graph(0)
    assert triangulation._compiled_search_pays(graph)
    small = triangulation._moral_graph([(0, 1, 2), (2, 3)])
    assert not triangulation._compiled_search_pays(small)
    monkeypatch.setenv("BACKSPASM_ENGINE", "numpy")
    assert not triangulation._compiled_search_pays(graph)


def test_part_of_a_network_is_triangulated_for_the_kernel_s_work_not_table_size() -> None:
    # The chain 0-1-2 (cards 2, 3, 2) as two cliques of 6 entries or one of 12: the
    # same total table size, but the two-clique tree runs four steps where the one
    # clique runs one. Worked by hand from k r (n + p) + 2 k p per step (see _cost):
    # two cliques 24 + 36 + 14 + 22, one clique 12 (3 + 1) + 24.
    chain, single = [(0, 1), (1, 2)], [(0, 1, 2)]
    cards = [2, 3, 2]
    assert triangulation._cost(chain, cards, part=True) == 96
    assert triangulation._cost(single, cards, part=True) == 72
    # a whole network keeps the smallest total table size (_largest_clique relies on it)
    assert triangulation._cost(chain, cards, part=False) == 12
    assert triangulation._cost(single, cards, part=False) == 12
