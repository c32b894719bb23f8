"""Junction trees conditioned on an observed variable: one smaller tree per state.

A case that observes ``v = s`` only ever uses the slices ``v = s`` of the clique
potentials; the kernel still runs over every state of ``v``, multiplying the others
by the zeros of the likelihood. When a variable sits in the biggest cliques (the
patient's age group, a parent of most causes) that is most of the work. So a big
batch is split by the state of such a variable (:func:`_split_variable`): each group
runs on the tree with ``v`` removed from every clique and its potentials sliced at
``s`` (:func:`_sliced`); what is left still has the running intersection property,
and propagating on it gives the same ``P(v = s, e)``, marginals, events and
retractions of the other nodes, with fewer terms per sum (the dropped ones were
exact zeros). ``v``'s own retraction is ``P(e)`` on the tree of each of its states.
"""

from __future__ import annotations

import numpy as np

from backspasm.engine.evidence import Evidence
from backspasm.engine.junction_tree import _JunctionTree

__all__: list[str] = []

# Split on a variable only if the cliques holding it make at least this share of the
# tree's total table size, and at least this share of the batch observes it.
_MIN_SHARE = 0.5
_MIN_OBSERVED = 0.2


def _sliced(tree: _JunctionTree, v: int, state: int) -> _JunctionTree:
    """Return the tree conditioned on ``v = state`` (a clique of ``v`` alone becomes empty)."""
    cliques = [tuple(u for u in c if u != v) for c in tree._cliques]
    factors = []
    for scope, table in tree._factors:
        if v in scope:
            table = np.take(table, state, axis=scope.index(v))
            scope = tuple(u for u in scope if u != v)
        factors.append((scope, np.asarray(table, dtype=np.float64)))
    sliced = object.__new__(_JunctionTree)
    sliced._card = tree._card
    sliced._signed = tree._signed
    # The same tree edges: dropping a variable everywhere keeps the running intersection.
    sliced._compile(factors, cliques, tree._tree)
    return sliced


def _split_variable(
    tree: _JunctionTree, ev: Evidence, index: dict[str, int], keep: frozenset[int]
) -> tuple[str, int] | None:
    """Return the hard-observed variable (not in ``keep``) whose slicing saves most, if any.

    A variable's saving is the table size of the cliques holding it, times the share
    of its states a case drops, times the share of cases that observe it.
    """
    total = sum(tree.clique_sizes)
    best: tuple[float, str, int] | None = None
    for name, codes in ev.values.items():
        v = index[name]
        if codes.ndim != 1 or v in keep or v not in tree._containing:
            continue
        card = tree._card[v]
        held = sum(tree.clique_sizes[c] for c in tree._containing[v])
        if held < _MIN_SHARE * total or card < 2:
            continue
        observed = float(np.mean(codes >= 0))
        if observed < _MIN_OBSERVED:
            continue
        gain = held * (1 - 1 / card) * observed
        if best is None or gain > best[0]:
            best = (gain, name, v)
    return None if best is None else (best[1], best[2])
