"""The bundled network's written-down triangulations are the search's, and are used."""

from __future__ import annotations

import numpy as np
import pytest

from backspasm._cache import LruCache
from backspasm.engine import CompiledNetwork, junction_tree, known_trees, triangulation
from backspasm.network import default_network

Asked = list[tuple[tuple[tuple[int, ...], ...], tuple[int, ...], int]]


def compile_bundled(monkeypatch: pytest.MonkeyPatch) -> Asked:
    """Compile the bundled network's whole tree afresh; return the searches it asked for."""
    monkeypatch.setattr(triangulation, "_TRIANGULATIONS", LruCache(8))
    asked: Asked = []
    real = triangulation._cliques_cached

    def spy(
        scopes: tuple[tuple[int, ...], ...], cards: tuple[int, ...], restarts: int
    ) -> tuple[tuple[int, ...], ...]:
        asked.append((scopes, cards, restarts))
        return real(scopes, cards, restarts)

    monkeypatch.setattr(junction_tree, "_cliques_cached", spy)
    net = default_network()
    states = {name: node.states for name, node in net.spec.nodes.items()}
    assert CompiledNetwork(net.spec_tables(), states).clique_sizes
    return asked


def test_the_written_down_cliques_are_those_the_search_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = compile_bundled(monkeypatch)
    assert len(asked) == 2  # the tables as they are, and their noisy-MAX rewrite
    stale = []
    for scopes, cards, restarts in asked:
        searched = triangulation._triangulate(
            triangulation._moral_graph(scopes), list(cards), restarts
        )
        expected = tuple(tuple(sorted(c)) for c in searched)
        if known_trees.known_cliques(scopes, cards, restarts) != expected:
            text = ";".join(",".join(map(str, c)) for c in expected)
            stale.append(f"{known_trees.digest(scopes, cards, restarts)!r}: {text!r}")
    # The bundled network's structure changed: write these entries in known_trees._KNOWN.
    assert not stale, "\n".join(stale)


def test_the_bundled_network_compiles_without_a_search(monkeypatch: pytest.MonkeyPatch) -> None:
    def search(*args: object) -> None:
        raise AssertionError("searched for a written-down triangulation")

    monkeypatch.setattr(triangulation, "_triangulate", search)
    assert len(compile_bundled(monkeypatch)) == 2


def test_other_inputs_are_searched() -> None:
    scopes = ((0,), (1, 0), (2, 0, 1))
    assert known_trees.known_cliques(scopes, (2, 2, 2), 6) is None
    assert triangulation._cliques_cached(scopes, (2, 2, 2), 6) == ((0, 1, 2),)
    # the digest takes plain integers whatever their type, and every input counts
    wide = tuple(tuple(np.int64(v) for v in s) for s in scopes)
    assert known_trees.digest(wide, (2, 2, 2), 6) == known_trees.digest(scopes, (2, 2, 2), 6)
    assert known_trees.digest(scopes, (2, 2, 2), 6) != known_trees.digest(scopes, (2, 2, 3), 6)
    assert known_trees.digest(scopes, (2, 2, 2), 6) != known_trees.digest(scopes, (2, 2, 2), 0)
