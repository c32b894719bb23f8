"""The junction trees one compiled network builds: whole, pruned, conditioned.

A chunk of cases runs on the tree of the whole network, on one without its barren
nodes (neither observed, nor targets, nor ancestors of either: they sum out to one),
or on such a tree conditioned on states every case of its group observes
(:mod:`~backspasm.engine.slicing`). :class:`_Forest` chooses that tree, compiles it
when first needed and keeps the recent ones.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from backspasm._numeric import FloatArray
from backspasm.engine.events import _Event
from backspasm.engine.junction_tree import _JunctionTree
from backspasm.engine.kernels import _Plan
from backspasm.engine.slicing import _Conditioning, _Given

__all__: list[str] = []

# Chunks at least this big get a junction tree without barren nodes (compiling one
# costs about as much as scoring a few thousand cases); at most this many are kept.
_PRUNE_MIN_CASES = 2_000
_MAX_TREES = 16
_MAX_PATTERNS = 4096
# Bytes the cached plans of all the trees may hold. A plan holds its steps' tables and,
# fused, a flattened copy: scoring 1,000,000 sampled cases leaves 89 plans of 26 trees
# holding 145 MB (shared tables counted once per plan), the 200,000-row hard file 117
# plans, 92 MB. Counts alone (plans per tree, trees) let a file of ever new answer
# patterns fill the memory.
_PLAN_BYTES = 256 * 2**20


class _Forest:
    """The junction trees of some CPDs, chosen per evidence pattern and cached.

    Parameters
    ----------
    cpds : Sequence[tuple[tuple[int, ...], numpy.ndarray]]
        Per variable (in order), its scope (child first) and its table.
    card : Sequence[int]
        Number of states per variable.
    decompose : bool
        Let noisy-MAX-like CPTs drop their moral edges.
    restarts : int
        Random tie-breaking restarts of each triangulation heuristic.
    """

    def __init__(
        self,
        cpds: Sequence[tuple[tuple[int, ...], FloatArray]],
        card: Sequence[int],
        decompose: bool,
        restarts: int,
    ) -> None:
        self._cpds = list(cpds)
        self._card = list(card)
        self._decompose = decompose
        self._restarts = restarts
        self._ancestors = self._ancestor_sets()
        self._all = frozenset(range(len(self._cpds)))
        self._trees: dict[frozenset[int], _JunctionTree] = {}
        # Per pruned tree (by the variables it keeps), its conditioned trees.
        self.conditioned: dict[frozenset[int], _Conditioning] = {}
        # The variables a pattern (observed nodes, targets) needs, as found so far.
        self._relevant: dict[tuple[frozenset[int], tuple[int, ...] | None], frozenset[int]] = {}
        # The whole network's tree is compiled when first needed: a scoring run's big
        # batches use a tree without the barren nodes, and compiling costs ~0.3 s with
        # a search in Python (~0.05 s for the bundled network: engine.known_trees).
        self._full: _JunctionTree | None = None
        # Batches may run in several threads at once (a scorer's pipeline): choosing and
        # compiling trees and plans, which fill the caches, is done one thread at a time.
        self.lock = threading.RLock()

    @property
    def full(self) -> _JunctionTree:
        """The junction tree of the whole network."""
        with self.lock:
            if self._full is None:
                self._full = self._tree(self._all)
            return self._full

    @property
    def built_full(self) -> _JunctionTree | None:
        """The junction tree of the whole network if compiled yet, else None (not compiled)."""
        return self._full

    @property
    def entries(self) -> int:
        """Number of entries of all the tables, as given (before any rewriting)."""
        return sum(table.size for _, table in self._cpds)

    @property
    def trees(self) -> dict[frozenset[int], _JunctionTree]:
        """The junction trees compiled so far, by the variables they keep."""
        return self._trees

    def largest(self) -> int:
        """Largest clique of the whole network's tree, or of the trees compiled so far."""
        trees = [self._full] if self._full is not None else list(self._trees.values())
        return max(max(tree.clique_sizes) for tree in trees or [self.full])

    def _ancestor_sets(self) -> list[frozenset[int]]:
        """Each variable with all its ancestors."""
        found: dict[int, frozenset[int]] = {}
        for v in range(len(self._cpds)):
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
        return [found[v] for v in range(len(self._cpds))]

    def _tree(self, relevant: frozenset[int]) -> _JunctionTree:
        tree = self._trees.get(relevant)
        if tree is None:
            if len(self._trees) >= _MAX_TREES:
                del self._trees[next(k for k in self._trees if k != self._all)]
            tree = _JunctionTree(
                [self._cpds[v] for v in sorted(relevant)],
                self._card,
                self._decompose,
                self._restarts,
                # Part of the network may take the whole tree's cliques, restricted.
                guide=None if relevant == self._all else self.full,
            )
            self._trees[relevant] = tree
        return tree

    def tree_for(
        self,
        active: frozenset[int],
        targets: tuple[int, ...] | None,
        n: int,
        given: _Given = (),
        base: frozenset[int] | None = None,
    ) -> _JunctionTree | None:
        """Choose the junction tree: one without barren nodes when that is worth it.

        Nodes that are neither observed, nor targets, nor ancestors of either, sum
        out to one and can be dropped. A pruned tree costs a compilation, so it is
        only built for big batches; small queries use the full tree, where such
        parts only produce case-independent messages anyway. ``given`` (variables
        and their states, observed by every case) gives that tree conditioned on them,
        or the tree of ``base`` (variables that include every one the cases need)
        conditioned on them.
        """
        with self.lock:
            if given and base is not None:
                return self.conditioning(base).tree(given)
            relevant = self.relevant_to(active | {v for v, _ in given}, targets)
            if not relevant:
                return None
            if given:
                return self.conditioning(relevant).tree(given)
            if relevant in self._trees or n >= _PRUNE_MIN_CASES:
                return self._tree(relevant)
            return self.full

    def plan(
        self,
        tree: _JunctionTree | None,
        active: frozenset[int],
        targets: tuple[int, ...] | None,
        fused: bool,
        retract: tuple[int, ...],
        events: tuple[_Event, ...],
        summed: _Event | None,
    ) -> _Plan | None:
        """Return a tree's plan (:meth:`_JunctionTree._plan`), within the bytes budget.

        When a new plan takes the plans of all the trees over ``_PLAN_BYTES``, the
        least recently used are dropped (across trees) until they hold three quarters
        of it; the plan asked for stays.
        """
        if tree is None:  # nothing to compute (see :meth:`tree_for`)
            return None
        with self.lock:
            before = tree._plans.nbytes
            plan = tree._plan(active, targets, fused, retract, events, summed)
            if tree._plans.nbytes > before:
                self._keep_within_budget()
            return plan

    def _every_tree(self) -> list[_JunctionTree]:
        trees = {id(t): t for t in self._trees.values()}
        if self._full is not None:
            trees[id(self._full)] = self._full
        for conditioning in self.conditioned.values():
            trees.update((id(t), t) for t in conditioning.trees.values())
        return list(trees.values())

    def _keep_within_budget(self) -> None:
        trees = self._every_tree()
        held = sum(tree._plans.nbytes for tree in trees)
        if held <= _PLAN_BYTES:
            return
        # Stamps are unique; the last one is the plan just asked for, which stays.
        ages = sorted(
            (age, i, key)
            for i, tree in enumerate(trees)
            for key, age in tree._plans.ages().items()
        )
        for _, i, key in ages[:-1]:
            if held <= _PLAN_BYTES * 3 // 4:
                break
            held -= trees[i]._plans.drop(key)

    def conditioning(self, relevant: frozenset[int]) -> _Conditioning:
        """Return the conditioned trees of the tree of ``relevant``."""
        with self.lock:
            conditioning = self.conditioned.get(relevant)
            if conditioning is None:
                if len(self.conditioned) >= _MAX_TREES:
                    del self.conditioned[next(iter(self.conditioned))]
                conditioning = _Conditioning(self._tree(relevant), self._restarts)
                self.conditioned[relevant] = conditioning
            return conditioning

    def relevant_to(
        self, active: frozenset[int], targets: tuple[int, ...] | None
    ) -> frozenset[int]:
        """Return the observed and target variables with all their ancestors."""
        with self.lock:
            key = (active, targets)
            relevant = self._relevant.get(key)
            if relevant is None:
                relevant = frozenset().union(
                    *(self._ancestors[v] for v in (*active, *(targets or ())))
                )
                if len(self._relevant) >= _MAX_PATTERNS:
                    self._relevant.clear()
                self._relevant[key] = relevant
            return relevant
