"""Junction trees conditioned on observed variables: one smaller tree per state.

A case that observes ``v = s`` only ever uses the slices ``v = s`` of the clique
potentials; the kernel still runs over every state of ``v``, multiplying the others
by the zeros of the likelihood. When a variable sits in the biggest cliques (the
patient's age group, a parent of most causes) that is most of the work. So a big
batch is split by the state of such a variable (:meth:`_Conditioning.split_variable`),
and each group again by another while that still pays: each group runs on the tree
conditioned on the states its cases share (:meth:`_Conditioning.tree`), whose factors
are the CPDs sliced at those states. Propagating on it gives the same ``P(given, e)``,
marginals, events and retractions of the other nodes, with fewer terms per sum (the
dropped ones were exact zeros); a conditioned variable's own retraction is ``P(e)``
on the tree of each of its states.

The conditioned tree's cliques (:meth:`_Conditioning.shape`) are the cheaper of the
tree's own cliques with the conditioned variables removed (the same tree edges: the
running intersection property is kept) and a new triangulation of the sliced factors:
conditioning on a variable removes it from the moral graph, which can open a loop it
closed (a context variable that is a parent of a cause's other causes) and let a much
smaller tree cover the rest. A shape depends only on which variables are conditioned,
not on their states, so one triangulation serves every state.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from backspasm._numeric import FloatArray
from backspasm.engine.evidence import Evidence
from backspasm.engine.junction_tree import _JunctionTree
from backspasm.engine.triangulation import _cliques_cached, _spanning_tree

__all__: list[str] = []

# A split variable must be observed by at least this share of the group's cases, and
# save at least this share of the tree's table size per case of the group. Only the
# states observed by at least _MIN_STATE_CASES cases get a group of their own (a small
# group costs more in per-group work than it saves); the others stay with the cases
# that did not observe the variable, on the unconditioned tree.
_MIN_OBSERVED = 0.2
_MIN_GAIN = 0.1
_MIN_STATE_CASES = 512
# Compiling a conditioned tree and its plan costs about as much as running this many
# cases on it: a split that needs new trees must save more than that over the cases
# its group has seen so far (a one-off evidence pattern does not pay for trees only it
# would use; a pattern that comes back does, from its second or third batch).
# Measured on the bundled network's scoring workload (thread CPU time of the tree and
# its plans against the kernel's per case on that tree): 500 to 1,600 cases, median
# about 900. The shape's triangulation is not counted: it is done to decide.
_COMPILE_CASES = 1_000
# Only the few variables whose cliques hold most of the table size are tried as split
# variables; each try is one triangulation with at most _RESTARTS restarts (about a
# hundredth of a second; more restarts seldom find a smaller tree once a variable is
# gone).
_CANDIDATES = 3
_RESTARTS = 1
# Conditioned trees kept per junction tree (one per combination of states used).
_MAX_CONDITIONED = 64

#: Conditions: (variable, state) pairs, sorted by variable.
_Given = tuple[tuple[int, int], ...]


@dataclasses.dataclass(frozen=True)
class _Shape:
    """Cliques of a conditioned tree, its junction-tree edges and its table size."""

    cliques: list[tuple[int, ...]]
    edges: list[tuple[int, int]]
    total: int


class _Conditioning:
    """A junction tree with its conditioned shapes and trees (see the module notes).

    Parameters
    ----------
    tree : _JunctionTree
        The tree to condition.
    restarts : int
        Restarts of the triangulation heuristics for the conditioned factors.
    """

    def __init__(self, tree: _JunctionTree, restarts: int) -> None:
        self._base = tree
        self._restarts = min(restarts, _RESTARTS)
        self._shapes: dict[frozenset[int], _Shape] = {}
        self._trees: dict[_Given, _JunctionTree] = {}
        # Cases whose split was decided, per set of conditioned variables.
        self._seen: dict[frozenset[int], int] = {}

    @property
    def trees(self) -> dict[_Given, _JunctionTree]:
        """The conditioned trees compiled so far, by their conditions."""
        return self._trees

    def shape(self, drop: frozenset[int]) -> _Shape:
        """Return the cliques of the tree conditioned on the variables ``drop``."""
        shape = self._shapes.get(drop)
        if shape is not None:
            return shape
        base = self._base
        card = base._card

        def without(cliques: list[tuple[int, ...]], edges: list[tuple[int, int]]) -> _Shape:
            kept = [tuple(u for u in c if u not in drop) for c in cliques]
            return _Shape(kept, edges, sum(math.prod(card[v] for v in c) for c in kept))

        # The base tree's cliques without them ...
        options = [without(base._cliques, base._tree)]
        if drop:
            # ... or a new triangulation of the sliced factors' moral graph.
            scopes = tuple(tuple(u for u in s if u not in drop) for s, _ in base._factors)
            found = list(_cliques_cached(scopes, tuple(card), self._restarts))
            if found:
                options.append(without(found, _spanning_tree(found, card)))
        shape = min(options, key=lambda option: option.total)
        self._shapes[drop] = shape
        return shape

    def tree(self, given: _Given) -> _JunctionTree:
        """Return the tree conditioned on ``given``.

        A clique of given variables alone becomes empty when the tree's own cliques
        are kept.
        """
        given = tuple(sorted(given))
        tree = self._trees.get(given)
        if tree is not None:
            return tree
        base = self._base
        state = dict(given)
        shape = self.shape(frozenset(state))
        factors: list[tuple[tuple[int, ...], FloatArray]] = []
        for scope, table in base._factors:
            if not state.keys().isdisjoint(scope):
                # A view of the slice, one indexing for all its given variables.
                table = table[tuple(state.get(v, slice(None)) for v in scope)]
                scope = tuple(u for u in scope if u not in state)
            factors.append((scope, np.asarray(table, dtype=np.float64)))
        tree = object.__new__(_JunctionTree)
        tree._card = base._card
        tree._signed = base._signed
        tree._compile(factors, list(shape.cliques), shape.edges)
        if len(self._trees) >= _MAX_CONDITIONED:
            del self._trees[next(iter(self._trees))]
        self._trees[given] = tree
        return tree

    def split_variable(
        self,
        ev: Evidence,
        index: dict[str, int],
        keep: frozenset[int],
        given: _Given,
        again: bool = False,
    ) -> tuple[str, int, tuple[int, ...]] | None:
        """Return the hard-observed variable (not in ``keep``) whose conditioning saves most.

        ``ev`` is a group of cases that all observe ``given``. The candidates are the
        variables observed by enough of its cases with most table size in their cliques
        (that size, times the share of its states a case drops, times the share of
        cases that observe it); each one's saving is the share of cases that observe it
        times the table size its conditioning removes (its shape's, re-triangulated),
        less the cost of compiling the trees it needs that are not compiled yet, shared
        by the cases seen so far (``again``: the cases of ``ev`` were seen already, the
        rest of a group that was split).
        Return its name, id and the states that get a group of their own (observed by
        enough cases), or None when no candidate saves enough.
        """
        drop = frozenset(v for v, _ in given)
        here = self.shape(drop)
        seen = self._seen[drop] = self._seen.get(drop, 0) + (0 if again else ev.n_cases)
        card = self._base._card
        held: dict[int, int] = {}
        for clique in here.cliques:
            entries = math.prod(card[v] for v in clique)
            for v in clique:
                held[v] = held.get(v, 0) + entries
        # Most first by the score a variable would have if every case observed it: the
        # states are counted only until no later variable can enter the top few.
        bounds = sorted(
            (-held[index[name]] * (1 - 1 / card[index[name]]), index[name], name)
            for name, codes in ev.values.items()
            if codes.ndim == 1 and index[name] in held and card[index[name]] >= 2
        )
        ranked: list[tuple[float, float, str, int, tuple[int, ...]]] = []
        for bound, v, name in bounds:
            if v in keep or v in drop:
                continue
            if len(ranked) >= _CANDIDATES and -bound < ranked[_CANDIDATES - 1][0]:
                break
            codes = ev.values[name]
            counts = np.bincount(codes[codes >= 0], minlength=card[v])
            states = tuple(int(x) for x in np.flatnonzero(counts >= _MIN_STATE_CASES))
            observed = float(counts[list(states)].sum()) / max(ev.n_cases, 1)
            if observed >= _MIN_OBSERVED:
                ranked.append((-bound * observed, observed, name, v, states))
                ranked.sort(key=lambda r: (-r[0], r[3]))
        best: tuple[float, str, int, tuple[int, ...]] | None = None
        for _, observed, name, v, states in ranked[:_CANDIDATES]:
            child = self.shape(drop | {v}).total
            new = sum(tuple(sorted((*given, (v, x)))) not in self._trees for x in states)
            gain = observed * (here.total - child) - new * _COMPILE_CASES * child / max(seen, 1)
            if best is None or gain > best[0]:
                best = (gain, name, v, states)
        if best is None or best[0] < _MIN_GAIN * here.total:
            return None
        return best[1:]
