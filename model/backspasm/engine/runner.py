"""Running a batch on the compiled junction trees: merged rows, chunks, threads.

:class:`_Runner` is the execution half of
:class:`~backspasm.engine.compiled.CompiledNetwork`: identical evidence rows are
merged first; a big batch is split by the state of a variable of its biggest
cliques, each group on a tree conditioned on it (:mod:`~backspasm.engine.slicing`);
the cases are cut into cache-sized chunks whose likelihood rows are built a window at
a time, each chunk gets a junction tree (one without the barren nodes for big
chunks, kept in a small cache) and a plan, and the chunks run on several threads
with the numpy or the fused kernel before being put back in order.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from backspasm.engine.events import _Event, _relevant_events
from backspasm.engine.evidence import Evidence, EvidenceLike, FloatArray, _Codec
from backspasm.engine.fused import _execute_any, _kernel, _kernel_ready, _note_cases
from backspasm.engine.junction_tree import _JunctionTree
from backspasm.engine.kernels import _map_bounded, _Plan
from backspasm.engine.slicing import _sliced, _split_variable

__all__: list[str] = []

# A chunk's biggest intermediate tensor holds at most this many floats (4 MiB): bigger
# chunks fall out of the CPU caches and spend more time in page faults than they save
# in per-chunk Python overhead; big cliques therefore get small chunks.
_MAX_CHUNK_ELEMENTS = 1 << 20
_MIN_CHUNK = 16
_FUSED_CHUNK = 256
# Batches of at least this many distinct cases run the fused kernel when numba is
# installed; smaller ones (one diagnosis) do not pay for importing numba. Once it is
# loaded, a few dozen cases already run about 3 times faster fused (the retractions
# of a batch's emergencies).
_FUSED_MIN_CASES = 512
_FUSED_MIN_LOADED = 48
# Once this many cases have run through the numpy kernel in a process (about eight
# diagnoses in a notebook or a widget), loading numba pays: the kernel is loaded for
# the next batch of _FUSED_MIN_LOADED cases or more. A one-off diagnosis (about 260
# cases) never loads it.
_WARM_CASES = 2_000
# Chunks at least this big get a junction tree without barren nodes (compiling one
# costs about as much as scoring a few thousand cases); at most this many are kept.
_PRUNE_MIN_CASES = 2_000
_MAX_TREES = 16
_MAX_PATTERNS = 4096
# Likelihood rows are built for this many cases at a time (a few MiB).
_WINDOW_CASES = 8192
# Batches of at least this many distinct cases are split by the state of a variable
# in the biggest cliques, each group on a tree conditioned on it (engine.slicing).
_SPLIT_MIN_CASES = 2_000


@dataclasses.dataclass(frozen=True)
class _Query:
    """What a batch run computes (see :meth:`_Runner.run` for the fields)."""

    targets: tuple[int, ...] | None
    retract: tuple[int, ...] = ()
    uniform: bool = False
    events: tuple[_Event, ...] = ()
    summed: _Event | None = None
    # Per retracted variable, the cases whose summed retraction is used (see run).
    needed: Mapping[int, npt.NDArray[np.bool_]] = dataclasses.field(default_factory=dict)
    eager: bool = False


class _Runner:
    """Junction trees, chunk sizes and the batch loop of one compiled network.

    Parameters
    ----------
    codec : _Codec
        Validates and encodes the evidence of the network's variables.
    cpds : Sequence[tuple[tuple[int, ...], numpy.ndarray]]
        Per variable (in order), its scope (child first) and its table.
    card : Sequence[int]
        Number of states per variable.
    chunk_size : int
        Largest number of distinct cases evaluated at once (lowered to keep one
        chunk's biggest tensor cache-sized).
    decompose : bool
        Let noisy-MAX-like CPTs drop their moral edges.
    restarts : int
        Random tie-breaking restarts of each triangulation heuristic.
    """

    @staticmethod
    def check_options(chunk_size: int, restarts: int) -> None:
        """Refuse a chunk size under 1 or a negative number of restarts."""
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}.")
        if restarts < 0:
            raise ValueError(f"restarts must be at least 0, got {restarts}.")

    def __init__(
        self,
        codec: _Codec,
        cpds: Sequence[tuple[tuple[int, ...], FloatArray]],
        card: Sequence[int],
        *,
        chunk_size: int,
        decompose: bool,
        restarts: int,
    ) -> None:
        self._codec = codec
        self._restarts = restarts
        self._index = {v: i for i, v in enumerate(codec.variables)}
        self._card = list(card)
        self._cpds = list(cpds)
        self._decompose = decompose
        self._ancestors = self._ancestor_sets()
        self._all = frozenset(range(len(self._cpds)))
        self._trees: dict[frozenset[int], _JunctionTree] = {}
        self._sliced: dict[tuple[frozenset[int], int, int], _JunctionTree] = {}
        # The variables a pattern (observed nodes, targets) needs, as found so far.
        self._relevant: dict[tuple[frozenset[int], tuple[int, ...] | None], frozenset[int]] = {}
        # The whole network's tree is compiled when first needed: a scoring run's big
        # batches use a tree without the barren nodes, and compiling costs ~0.3 s.
        self._full: _JunctionTree | None = None
        self._chunk_size = chunk_size
        # The fused kernel makes no clique-sized temporaries: its chunks need only be
        # big enough to amortise the per-chunk work.
        self._fused_chunk = min(chunk_size, _FUSED_CHUNK)
        # Hard evidence becomes a likelihood row by indexing: code -1 picks the last
        # row, all ones.
        self.indicator = [np.hstack([np.eye(c), np.ones((c, 1))]) for c in self._card]
        # Batches may run in several threads at once (a scorer's pipeline): choosing and
        # compiling trees and plans, which fill the caches, is done one thread at a time.
        self._lock = threading.RLock()

    @property
    def full(self) -> _JunctionTree:
        """The junction tree of the whole network."""
        with self._lock:
            if self._full is None:
                self._full = self._tree(self._all)
            return self._full

    @property
    def chunk_size(self) -> int:
        """Cases per chunk of the numpy kernel: one chunk's biggest tensor stays cache-sized."""
        return min(self._chunk_size, max(_MIN_CHUNK, _MAX_CHUNK_ELEMENTS // self._largest()))

    def _largest(self) -> int:
        """Largest clique of the whole network's tree, or of the trees compiled so far."""
        trees = [self._full] if self._full is not None else list(self._trees.values())
        return max(max(tree.clique_sizes) for tree in trees or [self.full])

    @property
    def trees(self) -> dict[frozenset[int], _JunctionTree]:
        """The junction trees compiled so far, by the variables they keep."""
        return self._trees

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
            )
            self._trees[relevant] = tree
        return tree

    def _tree_for(
        self,
        active: frozenset[int],
        targets: tuple[int, ...] | None,
        n: int,
        given: tuple[int, int] | None = None,
    ) -> _JunctionTree | None:
        """Choose the junction tree: one without barren nodes when that is worth it.

        Nodes that are neither observed, nor targets, nor ancestors of either, sum
        out to one and can be dropped. A pruned tree costs a compilation, so it is
        only built for big batches; small queries use the full tree, where such
        parts only produce case-independent messages anyway. ``given`` (a variable
        and its state, observed by every case) gives that tree conditioned on it.
        """
        with self._lock:
            return self._choose_tree(active, targets, n, given)

    def _choose_tree(
        self,
        active: frozenset[int],
        targets: tuple[int, ...] | None,
        n: int,
        given: tuple[int, int] | None,
    ) -> _JunctionTree | None:
        """:meth:`_tree_for`, with the lock held."""
        if given is not None:
            active = active | {given[0]}
        key = (active, targets)
        relevant = self._relevant.get(key)
        if relevant is None:
            relevant = frozenset().union(
                *(self._ancestors[v] for v in (*active, *(targets or ())))
            )
            if len(self._relevant) >= _MAX_PATTERNS:
                self._relevant.clear()
            self._relevant[key] = relevant
        if not relevant:
            return None
        if given is not None:
            sliced = self._sliced.get((relevant, *given))
            if sliced is None:
                if len(self._sliced) >= _MAX_TREES:
                    del self._sliced[next(iter(self._sliced))]
                sliced = _sliced(self._tree(relevant), *given)
                self._sliced[(relevant, *given)] = sliced
            return sliced
        if relevant in self._trees or n >= _PRUNE_MIN_CASES:
            return self._tree(relevant)
        return self.full

    def likelihood_blocks(
        self, ev: Evidence, starts: npt.NDArray[np.int64], keep_all: bool = False
    ) -> tuple[dict[int, FloatArray], dict[int, npt.NDArray[np.bool_]]]:
        """Likelihood rows (states by cases) of every node, and in which chunks it has evidence.

        Built once for the whole batch (one ``take`` per node, not one per node and
        chunk); each chunk then slices its columns.
        """
        lam: dict[int, FloatArray] = {}
        used: dict[int, npt.NDArray[np.bool_]] = {}
        for node, array in ev.values.items():
            v = self._index[node]
            if array.ndim == 1:
                seen = array >= 0
                if not (keep_all or seen.any()):
                    continue
                lam[v] = np.take(self.indicator[v], array, axis=1)
            else:
                seen = (array != 1.0).any(axis=1)
                if not (keep_all or seen.any()):
                    continue
                lam[v] = np.ascontiguousarray(array.T, dtype=np.float64)
            used[v] = np.logical_or.reduceat(seen, starts)
        return lam, used

    def run(
        self,
        evidence: EvidenceLike,
        targets: tuple[int, ...] | None,
        retract: tuple[int, ...] = (),
        uniform: bool = False,
        events: tuple[_Event, ...] = (),
        summed: _Event | None = None,
        needed: Mapping[int, npt.NDArray[np.bool_]] | None = None,
        eager: bool = False,
    ) -> tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray], list[FloatArray]]:
        """Marginals, log P(e), retractions and ``log P(e, event)`` of a batch, by chunks.

        With ``uniform``, every chunk treats every node of the evidence mapping as
        observed (a row of ones where a case did not answer): one plan per mapping
        instead of one per chunk's pattern, which pays for small batches of varied
        patterns such as the retractions of a few hundred emergencies. Unless
        ``summed`` is None (which needs ``uniform``), each retraction is summed over
        its node's states, after the indicators ``summed`` of some of them; ``needed``
        (per retracted variable, a mask over the cases) lets a summed retraction that
        costs a pass of its own, that of the variable a big batch is split by, be
        computed for those cases alone (NaN for the others). With ``eager``, a batch of
        any size runs the fused kernel once it is loaded (a search that makes many small
        calls in a row).
        """
        if summed is not None and not uniform:
            raise ValueError("Summed retractions need uniform evidence.")
        ev = self._codec.coerce(evidence)
        n = ev.n_cases
        rows, inverse = self._codec.dedupe(ev)
        if rows is not None:
            ev = Evidence({k: a[rows] for k, a in ev.values.items()}, len(rows))
        split = None
        if ev.n_cases >= _SPLIT_MIN_CASES:
            split = self._split(ev, (*(targets or ()), *(v for v, _ in summed or ())), events)
        if needed and rows is not None:
            assert inverse is not None
            merged: dict[int, npt.NDArray[np.bool_]] = {}
            for v, mask in needed.items():
                merged[v] = np.zeros(len(rows), dtype=bool)
                merged[v][inverse[mask]] = True
            needed = merged
        query = _Query(targets, retract, uniform, events, summed, needed or {}, eager)
        if split is None:
            marginals, log_z, retracted, event_logs = self._chunks(ev, query)
        else:
            marginals, log_z, retracted, event_logs = self._run_split(ev, query, *split)
        impossible = ~(log_z > -np.inf)
        log_z[impossible] = -np.inf
        for array in marginals.values():
            array[impossible] = np.nan
        for v in retract:
            # A node without evidence read off its marginal has nothing to retract.
            array = retracted[v]
            nan = np.isnan(array) if array.ndim == 1 else np.isnan(array).any(axis=1)
            array[impossible & nan] = -np.inf
        if inverse is not None:
            log_z = log_z[inverse]
            marginals = {v: a[inverse] for v, a in marginals.items()}
            retracted = {v: a[inverse] for v, a in retracted.items()}
            event_logs = [a[inverse] for a in event_logs]
        assert log_z.shape == (n,)
        return marginals, log_z, retracted, event_logs

    def _split(
        self, ev: Evidence, targets: tuple[int, ...] | None, events: tuple[_Event, ...]
    ) -> tuple[str, int] | None:
        """Return the variable to split a big batch by (engine.slicing), if one is worth it."""
        keep = (*(targets or ()), *_relevant_events(events))
        active = frozenset(self._index[k] for k in ev.values)
        tree = self._tree_for(active, keep, ev.n_cases)
        if tree is None:
            return None
        return _split_variable(tree, ev, self._index, frozenset(keep))

    def _run_split(
        self, ev: Evidence, query: _Query, name: str, v: int
    ) -> tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray], list[FloatArray]]:
        """:meth:`_chunks` per state of ``name`` (and once for the cases without it).

        The retraction of ``v`` itself, ``log P(v = x, e without v)``, is ``log P(e)``
        of the case on the tree conditioned on ``v = x``, for each state ``x``.
        """
        m, card, retract = ev.n_cases, self._card[v], query.retract
        marginals, log_z, retracted, event_logs = self._results(m, query)
        codes = ev.values[name]
        others = {k: a for k, a in ev.values.items() if k != name}
        rest = tuple(u for u in retract if u != v)
        for state in range(-1, card):
            rows = np.flatnonzero(codes == state)
            if not rows.size:
                continue
            values = ev.values if state < 0 else others
            part = Evidence({k: a[rows] for k, a in values.items()}, len(rows))
            if state < 0:
                got = self._chunks(part, query)
            else:
                got = self._chunks(part, dataclasses.replace(query, retract=rest), (v, state))
            for t, array in got[0].items():
                marginals[t][rows] = array
            log_z[rows] = got[1]
            for u, array in got[2].items():
                retracted[u][rows] = array
            for array, part_logs in zip(event_logs, got[3], strict=True):
                array[rows] = part_logs
            if state < 0 or v not in retract or query.summed is not None:
                continue
            joint = np.column_stack(
                [
                    got[1]
                    if x == state
                    else self._chunks(part, _Query(None, uniform=query.uniform), (v, x))[1]
                    for x in range(card)
                ]
            )
            retracted[v][rows] = joint
        if query.summed is not None and v in retract:
            # Summed, v's retraction is log P(e without v): one pass over the cases that
            # observed v, with v left out, instead of one pass per other state of v.
            observed = codes >= 0
            need = query.needed.get(v)
            if need is not None:
                retracted[v][observed & ~need] = np.nan
                observed &= need
            rows = np.flatnonzero(observed)
            if rows.size:
                part = Evidence({k: a[rows] for k, a in others.items()}, len(rows))
                retracted[v][rows] = self._chunks(part, _Query(None, uniform=query.uniform))[1]
        return marginals, log_z, retracted, event_logs

    def _results(
        self, m: int, query: _Query
    ) -> tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray], list[FloatArray]]:
        """Empty outputs of a run on ``m`` cases: marginals, log P(e), retractions, events."""
        marginals = {t: np.empty((m, self._card[t])) for t in query.targets or ()}
        summed = query.summed is not None
        retracted = {u: np.empty(m if summed else (m, self._card[u])) for u in query.retract}
        event_logs: list[FloatArray] = [np.empty(m) for _ in query.events]
        return marginals, np.empty(m), retracted, event_logs

    def _chunks(
        self, ev: Evidence, query: _Query, given: tuple[int, int] | None = None
    ) -> tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray], list[FloatArray]]:
        """:meth:`run` on distinct cases, by chunks; ``given`` as for :meth:`_tree_for`."""
        m = ev.n_cases
        targets, retract, uniform = query.targets, query.retract, query.uniform
        events, summed = query.events, query.summed
        want = targets or ()
        marginals, log_z, retracted, event_logs = self._results(m, query)
        keep = _relevant_events(events)

        small = m >= _FUSED_MIN_LOADED or query.eager
        worth = m >= _FUSED_MIN_CASES or (small and _note_cases(m) >= _WARM_CASES)
        fused = (worth and _kernel() is not None) or (small and _kernel_ready())
        if fused:
            step = self._fused_chunk
        elif m > _MIN_CHUNK:
            step = self.chunk_size
        else:  # one chunk whatever the cliques (no need to compile the whole network)
            step = max(1, min(m, self._chunk_size))
        Task = tuple[int, int, _JunctionTree | None, _Plan | None, Any, tuple[int, ...]]

        def windows() -> Iterator[tuple[int, int, dict[int, FloatArray]]]:
            # Likelihoods are built a window of chunks at a time (bounded memory).
            window = step * max(1, _WINDOW_CASES // step)
            for first in range(0, m, window):
                last = min(m, first + window)
                part = Evidence({k: a[first:last] for k, a in ev.values.items()}, last - first)
                starts = np.arange(0, last - first, step, dtype=np.int64)
                block, used = self.likelihood_blocks(part, starts, uniform)
                for k, start in enumerate(starts.tolist()):
                    stop = min(last - first, start + step)
                    lam = {v: a[:, start:stop] for v, a in block.items() if uniform or used[v][k]}
                    yield first + start, first + stop, lam

        def tasks() -> Iterator[Task]:
            # Planning (and any compiling) stays in this thread; workers only execute.
            for start, stop, lam in windows():
                active = frozenset(lam)
                # A node without evidence in the chunk retracts nothing: its marginal
                # (times P(e)) is the answer, read as a target.
                inside = tuple(v for v in retract if v in active)
                outside = tuple(v for v in retract if v not in active)
                chunk_targets = targets
                if outside:
                    chunk_targets = tuple(dict.fromkeys((*want, *outside)))
                with self._lock:
                    tree = self._tree_for(active, (*(chunk_targets or ()), *keep), m, given)
                    plan = (
                        None
                        if tree is None
                        else tree._plan(active, chunk_targets, fused, inside, events, summed)
                    )
                yield start, stop, tree, plan, lam, outside

        def execute(
            task: Task,
        ) -> tuple[int, int, dict[int, FloatArray], FloatArray, dict[int, FloatArray]]:
            start, stop, tree, plan, lam, outside = task
            if tree is None or plan is None:
                gone = {
                    v: np.zeros(stop - start if summed is not None else (stop - start, c))
                    for v, c in ((v, self._card[v]) for v in retract)
                }
                return start, stop, {}, np.zeros(stop - start), gone
            # errstate is per thread: impossible cases divide by zero on purpose.
            with np.errstate(divide="ignore", invalid="ignore"):
                chunk_marginals, chunk_log_z, chunk_retracted = _execute_any(
                    plan, lam, stop - start
                )
                for v in outside:
                    chunk_retracted[v] = np.log(chunk_marginals[v]) + chunk_log_z[:, None]
            return start, stop, chunk_marginals, chunk_log_z, chunk_retracted

        for start, stop, chunk_marginals, chunk_log_z, chunk_retracted in _map_bounded(
            execute, tasks(), m > step
        ):
            log_z[start:stop] = chunk_log_z
            for v in want:
                marginals[v][start:stop] = chunk_marginals[v]
            for v in retract:
                retracted[v][start:stop] = chunk_retracted[v]
            for i, array in enumerate(event_logs):
                array[start:stop] = chunk_retracted[-1 - i]
        return marginals, log_z, retracted, event_logs
