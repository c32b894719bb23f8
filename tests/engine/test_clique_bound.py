"""The clique-size check's bound is never below the largest clique the engine keeps.

:func:`~backspasm.engine.triangulation._largest_clique` sizes the junction tree before
anything is allocated: the bundled network's from its written-down triangulation, a
variant's from one or two quick tries, and only when those cannot show it small from
the engine's own search on both options. Whichever way, a network it passes builds no
clique over the limit, and a clique it reports is at least the one the engine keeps.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backspasm.engine import triangulation
from backspasm.engine.triangulation import _cliques_cached, _decomposed, _largest_clique
from backspasm.spec import load_spec
from backspasm.spec.rules_graph import MAX_CLIQUE_ENTRIES

Scopes = list[tuple[int, ...]]


def kept_largest(scopes: Scopes, cards: list[int], decomposable: list[int]) -> int:
    """The largest clique (entries) of the tree the engine keeps for a whole network.

    As :class:`~backspasm.engine.junction_tree._JunctionTree` chooses: the option (the
    tables as they are, or rewritten) whose searched triangulation has the fewest
    entries in all, the first of equal ones.
    """
    options = [(scopes, cards)]
    rewritten = _decomposed(scopes, cards, decomposable)
    if len(rewritten[1]) > len(cards):
        options.append(rewritten)
    best: tuple[int, int] | None = None
    for option_scopes, option_cards in options:
        cliques = _cliques_cached(tuple(option_scopes), tuple(option_cards), 6)
        sizes = [math.prod(option_cards[v] for v in c) for c in cliques]
        if best is None or sum(sizes) < best[0]:
            best = (sum(sizes), max(sizes))
    assert best is not None
    return best[1]


@st.composite
def networks(draw: st.DrawFn) -> tuple[Scopes, list[int], list[int]]:
    """A random DAG's families (child first, parents earlier), cards and rewritable nodes."""
    n = draw(st.integers(2, 11))
    cards = draw(st.lists(st.integers(2, 4), min_size=n, max_size=n))
    scopes: Scopes = []
    for child in range(n):
        parents = (
            draw(st.lists(st.integers(0, child - 1), unique=True, max_size=5)) if child else []
        )
        scopes.append((child, *parents))
    many = [s[0] for s in scopes if len(s) >= 3]
    decomposable = draw(st.lists(st.sampled_from(many), unique=True)) if many else []
    return scopes, cards, decomposable


@settings(max_examples=150, deadline=None)
@given(network=networks(), limit=st.sampled_from([0, 8, 32, 100, 512, 4096, 10**6]))
def test_the_bound_holds_the_kept_tree_on_random_networks(
    network: tuple[Scopes, list[int], list[int]], limit: int
) -> None:
    scopes, cards, decomposable = network
    clique, sizes = _largest_clique(scopes, cards, limit, decomposable)
    bound = math.prod(sizes[v] for v in clique)
    kept = kept_largest(scopes, cards, decomposable)
    # Passed (bound within the limit): no kept clique over it. Reported: never smaller.
    assert kept <= max(bound, limit)
    assert bound >= 1
    assert all(0 <= v < len(sizes) for v in clique)


def bundled_families() -> tuple[Scopes, list[int]]:
    nodes = list(load_spec().nodes.values())
    index = {n.name: i for i, n in enumerate(nodes)}
    cards = [len(n.states) for n in nodes]
    return [(index[n.name], *(index[p] for p in n.parents)) for n in nodes], cards


def test_the_bundled_network_is_sized_from_its_written_down_tree_without_a_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scopes, cards = bundled_families()

    def no_search(*args: object, **kwargs: object) -> object:
        raise AssertionError("searched")

    monkeypatch.setattr(triangulation, "_eliminate", no_search)
    monkeypatch.setattr(triangulation, "_triangulate", no_search)
    clique, sizes = _largest_clique(scopes, cards, MAX_CLIQUE_ENTRIES)
    assert math.prod(sizes[v] for v in clique) <= MAX_CLIQUE_ENTRIES
    load_spec()  # the clique-size rule among the rest: no search either


def test_a_written_down_tree_over_the_limit_is_not_taken_as_a_pass() -> None:
    # Below its total, the bundled tree proves nothing: the search runs as before.
    scopes, cards = bundled_families()
    clique, sizes = _largest_clique(scopes, cards, 0)
    searched = max(
        math.prod(cards[v] for v in c) for c in _cliques_cached(tuple(scopes), tuple(cards), 6)
    )
    assert math.prod(sizes[v] for v in clique) == searched
