"""Running a batch on the compiled junction trees: merged rows, chunks, threads.

:class:`_Runner` is the execution half of
:class:`~backspasm.engine.compiled.CompiledNetwork`: identical evidence rows are
merged first; a big batch is split by the state of a variable of its biggest
cliques, each group on a tree conditioned on it (:mod:`~backspasm.engine.slicing`),
and a big group again by another variable; the cases of every group are cut into
cache-sized chunks whose likelihood rows are built a window at a time, each chunk
gets a junction tree (:mod:`~backspasm.engine.forest`) and a plan, and the chunks of
all the groups run on several threads with the numpy or the fused kernel before
being put back in order.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from backspasm.engine.events import _Event, _relevant_events
from backspasm.engine.evidence import Evidence, EvidenceLike, FloatArray, _Codec
from backspasm.engine.forest import _Forest
from backspasm.engine.fused import _execute_any, _kernel, _kernel_ready, _note_cases
from backspasm.engine.junction_tree import _JunctionTree
from backspasm.engine.kernels import _map_bounded, _Plan
from backspasm.engine.slicing import _Given

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
# Likelihood rows are built for this many cases at a time (a few MiB).
_WINDOW_CASES = 8192
# Batches of at least this many distinct cases are split by the state of a variable
# in the biggest cliques, each group on a tree conditioned on it (engine.slicing);
# groups of at least _SPLIT_MIN_GROUP cases are split again, by other variables, up to
# _MAX_CONDITIONS conditioned variables.
_SPLIT_MIN_CASES = 2_000
_SPLIT_MIN_GROUP = 1_000
_MAX_CONDITIONS = 2
# A batch's groups and outputs are held at once: more distinct cases run by blocks.
_BLOCK_CASES = 1 << 16


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


_Results = tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray], list[FloatArray]]
# The pruned tree (by the variables it keeps) a batch's groups are conditioned from.
_Base = frozenset[int] | None
# A group to run: cases, query, conditions, base, fused kernel, chunk size, outputs.
_Job = tuple[Evidence, _Query, _Given, _Base, bool, int, _Results]


@dataclasses.dataclass
class _Work:
    """A batch's groups to run into their own outputs, then the steps gathering them."""

    jobs: list[_Job] = dataclasses.field(default_factory=list)
    after: list[Callable[[], None]] = dataclasses.field(default_factory=list)


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
        self._index = {v: i for i, v in enumerate(codec.variables)}
        self._card = list(card)
        self.forest = _Forest(cpds, card, decompose, restarts)
        # One thread at a time chooses and compiles trees and plans (they fill caches).
        self._lock = self.forest.lock
        self._chunk_size = chunk_size
        # The fused kernel makes no clique-sized temporaries: chunks amortising its calls do.
        self._fused_chunk = min(chunk_size, _FUSED_CHUNK)
        # Hard evidence indexes its likelihood row (code -1: the last one, all ones).
        self.indicator = [np.hstack([np.eye(c), np.ones((c, 1))]) for c in self._card]

    @property
    def full(self) -> _JunctionTree:
        """The junction tree of the whole network."""
        return self.forest.full

    @property
    def chunk_size(self) -> int:
        """Cases per chunk of the numpy kernel: one chunk's biggest tensor stays cache-sized."""
        return min(self._chunk_size, max(_MIN_CHUNK, _MAX_CHUNK_ELEMENTS // self.forest.largest()))

    @property
    def trees(self) -> dict[frozenset[int], _JunctionTree]:
        """The junction trees compiled so far, by the variables they keep."""
        return self.forest.trees

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
        if needed and rows is not None:
            assert inverse is not None
            merged: dict[int, npt.NDArray[np.bool_]] = {}
            for v, mask in needed.items():
                merged[v] = np.zeros(len(rows), dtype=bool)
                merged[v][inverse[mask]] = True
            needed = merged
        query = _Query(targets, retract, uniform, events, summed, needed or {}, eager)
        marginals, log_z, retracted, event_logs = self._blocks(ev, query)
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

    def _blocks(self, ev: Evidence, query: _Query) -> _Results:
        """Run distinct cases a block at a time (a block's groups are held at once)."""
        m = ev.n_cases
        if m <= _BLOCK_CASES:
            return self._block(ev, query)
        out = self._results(m, query)
        for first in range(0, m, _BLOCK_CASES):
            rows = np.arange(first, min(m, first + _BLOCK_CASES))
            part = Evidence({k: a[rows] for k, a in ev.values.items()}, len(rows))
            needed = {u: mask[rows] for u, mask in query.needed.items()}
            _gather(out, rows, self._block(part, dataclasses.replace(query, needed=needed)))
        return out

    def _block(self, ev: Evidence, query: _Query) -> _Results:
        """Split cases into groups (engine.slicing), run every group's chunks, gather."""
        work = _Work()
        out = self._grouped(ev, query, (), work, None)
        self._execute(work.jobs)
        for gather in work.after:
            gather()
        return out

    def _grouped(
        self,
        ev: Evidence,
        query: _Query,
        given: _Given,
        work: _Work,
        base: _Base,
        again: bool = False,
    ) -> _Results:
        """:meth:`_chunks` on distinct cases that all observe ``given``, maybe split again.

        The cases are split by another observed variable (engine.slicing) when they are
        enough (more for a whole batch) and that is worth it. ``base`` is the pruned
        tree (by the variables it keeps) whose conditioned trees the groups of the
        batch run on (None: a whole batch, its own); ``again``: they are what a split of
        the group left (counted once already). The outputs are filled once ``work`` runs.
        """
        split = None
        least = _SPLIT_MIN_CASES if base is None else _SPLIT_MIN_GROUP
        if ev.n_cases >= least and len(given) < _MAX_CONDITIONS:
            split = self._split(ev, query, given, base, again)
        if split is None:
            return self._chunks(ev, query, given, work, base)
        return self._run_split(ev, query, *split, given, work)

    def _split(
        self, ev: Evidence, query: _Query, given: _Given, base: _Base, again: bool = False
    ) -> tuple[str, int, tuple[int, ...], frozenset[int]] | None:
        """Return the variable to split a group by (engine.slicing), if one is worth it.

        With the states that get a group of their own and the ``base`` of the groups.
        """
        keep = (
            *(query.targets or ()),
            *(v for v, _ in query.summed or ()),
            *_relevant_events(query.events),
        )
        if base is None:
            base = self.forest.relevant_to(frozenset(self._index[k] for k in ev.values), keep)
            if not base:
                return None
        with self._lock:
            conditioning = self.forest.conditioning(base)
            found = conditioning.split_variable(ev, self._index, frozenset(keep), given, again)
        return None if found is None else (*found, base)

    def _run_split(
        self,
        ev: Evidence,
        query: _Query,
        name: str,
        v: int,
        states: tuple[int, ...],
        base: frozenset[int],
        given: _Given,
        work: _Work,
    ) -> _Results:
        """:meth:`_grouped` per state of ``name`` in ``states``, once for the other cases.

        The other cases (``name`` unobserved or in another state) run on the tree
        conditioned on ``given`` alone.

        The retraction of ``v`` itself, ``log P(v = x, e without v)``, is ``log P(e)``
        of the case on the tree conditioned on ``v = x``, for each state ``x``.
        """
        m, card, retract = ev.n_cases, self._card[v], query.retract
        out = self._results(m, query)
        codes = ev.values[name]
        if len(states) < card:
            # The cases in the other states run with those that did not observe v.
            codes = np.where(np.isin(codes, states), codes, -1)
        others = {k: a for k, a in ev.values.items() if k != name}
        rest = tuple(u for u in retract if u != v)
        plain = _Query(None, uniform=query.uniform)

        def needed(rows: npt.NDArray[np.int64]) -> dict[int, npt.NDArray[np.bool_]]:
            return {u: mask[rows] for u, mask in query.needed.items()}

        for state in range(-1, card):
            rows = np.flatnonzero(codes == state)
            if not rows.size:
                continue
            values = ev.values if state < 0 else others
            part = Evidence({k: a[rows] for k, a in values.items()}, len(rows))
            if state < 0:
                sub = dataclasses.replace(query, needed=needed(rows))
                got = self._grouped(part, sub, given, work, base, again=True)
            else:
                sub = dataclasses.replace(query, retract=rest, needed=needed(rows))
                got = self._grouped(part, sub, (*given, (v, state)), work, base)
            work.after.append(functools.partial(_gather, out, rows, got))
            if state < 0 or v not in retract or query.summed is not None:
                continue
            joint = [
                got[1]
                if x == state
                else self._grouped(part, plain, (*given, (v, x)), work, base)[1]
                for x in range(card)
            ]
            work.after.append(functools.partial(_put, out[2][v], rows, joint))
        if query.summed is not None and v in retract:
            # Summed, v's retraction is log P(e without v): one pass over the cases that
            # observed v, with v left out, instead of one pass per other state of v.
            observed = codes >= 0
            need = query.needed.get(v)
            if need is not None:
                out[2][v][observed & ~need] = np.nan
                observed &= need
            rows = np.flatnonzero(observed)
            if rows.size:
                part = Evidence({k: a[rows] for k, a in others.items()}, len(rows))
                alone = self._grouped(part, plain, given, work, base)[1]
                work.after.append(functools.partial(_put, out[2][v], rows, alone))
        return out

    def _results(self, m: int, query: _Query) -> _Results:
        """Empty outputs of a run on ``m`` cases: marginals, log P(e), retractions, events."""
        marginals = {t: np.empty((m, self._card[t])) for t in query.targets or ()}
        summed = query.summed is not None
        retracted = {u: np.empty(m if summed else (m, self._card[u])) for u in query.retract}
        event_logs: list[FloatArray] = [np.empty(m) for _ in query.events]
        return marginals, np.empty(m), retracted, event_logs

    def _chunks(
        self, ev: Evidence, query: _Query, given: _Given, work: _Work, base: _Base
    ) -> _Results:
        """:meth:`run` on distinct cases, by chunks, once ``work`` runs.

        With ``given``, the chunks run on the tree ``base`` conditioned on it (it keeps
        every variable they need); else on the tree
        :meth:`~backspasm.engine.forest._Forest.tree_for` chooses.
        """
        m = ev.n_cases
        small = m >= _FUSED_MIN_LOADED or query.eager
        worth = m >= _FUSED_MIN_CASES or (small and _note_cases(m) >= _WARM_CASES)
        fused = (worth and _kernel() is not None) or (small and _kernel_ready())
        if fused:
            step = self._fused_chunk
        elif m > _MIN_CHUNK:
            step = self.chunk_size
        else:  # one chunk whatever the cliques (no need to compile the whole network)
            step = max(1, min(m, self._chunk_size))
        out = self._results(m, query)
        work.jobs.append((ev, query, given, base, fused, step, out))
        return out

    def _tasks(
        self, ev: Evidence, query: _Query, given: _Given, base: _Base, fused: bool, step: int
    ) -> Iterator[tuple[int, int, _JunctionTree | None, _Plan | None, Any, tuple[int, ...]]]:
        """Yield a group's chunks: cases, tree, plan, likelihoods, retractions read as targets.

        Planning (and any compiling) stays in this thread.
        """
        m = ev.n_cases
        targets, retract, uniform = query.targets, query.retract, query.uniform
        keep = _relevant_events(query.events)
        ends = (query.events, query.summed)
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
                active = frozenset(lam)
                # A node without evidence in the chunk retracts nothing: its marginal
                # (times P(e)) is the answer, read as a target.
                inside = tuple(v for v in retract if v in active)
                outside = tuple(v for v in retract if v not in active)
                aims = targets
                if outside:
                    aims = tuple(dict.fromkeys((*(targets or ()), *outside)))
                with self._lock:
                    tree = self.forest.tree_for(active, (*(aims or ()), *keep), m, given, base)
                    plan = self.forest.plan(tree, active, aims, fused, inside, *ends)
                yield first + start, first + stop, tree, plan, lam, outside

    def _execute(self, jobs: list[_Job]) -> None:
        """Run the chunks of every group, on worker threads, into each group's outputs."""
        Done = tuple[int, int, int, dict[int, FloatArray], FloatArray, dict[int, FloatArray]]

        def tasks() -> Iterator[tuple[int, int, int, Any, Any, Any, tuple[int, ...]]]:
            for j, (ev, query, given, base, fused, step, _) in enumerate(jobs):
                for task in self._tasks(ev, query, given, base, fused, step):
                    yield (j, *task)

        def execute(task: tuple[int, int, int, Any, Any, Any, tuple[int, ...]]) -> Done:
            j, start, stop, tree, plan, lam, outside = task
            query = jobs[j][1]
            if tree is None or plan is None:
                gone = {
                    v: np.zeros(stop - start if query.summed is not None else (stop - start, c))
                    for v, c in ((v, self._card[v]) for v in query.retract)
                }
                return j, start, stop, {}, np.zeros(stop - start), gone
            # errstate is per thread: impossible cases divide by zero on purpose.
            with np.errstate(divide="ignore", invalid="ignore"):
                chunk_marginals, chunk_log_z, chunk_retracted = _execute_any(
                    plan, lam, stop - start
                )
                for v in outside:
                    chunk_retracted[v] = np.log(chunk_marginals[v]) + chunk_log_z[:, None]
            return j, start, stop, chunk_marginals, chunk_log_z, chunk_retracted

        parallel = len(jobs) > 1 or any(job[0].n_cases > job[5] for job in jobs)
        for j, start, stop, chunk_marginals, chunk_log_z, chunk_retracted in _map_bounded(
            execute, tasks(), parallel
        ):
            query = jobs[j][1]
            marginals, log_z, retracted, event_logs = jobs[j][6]
            log_z[start:stop] = chunk_log_z
            for v in query.targets or ():
                marginals[v][start:stop] = chunk_marginals[v]
            for v in query.retract:
                retracted[v][start:stop] = chunk_retracted[v]
            for i, array in enumerate(event_logs):
                array[start:stop] = chunk_retracted[-1 - i]


def _gather(out: _Results, rows: npt.NDArray[np.int64], got: _Results) -> None:
    """Put a group's outputs ``got`` into the rows ``rows`` of its parent's ``out``."""
    for t, array in got[0].items():
        out[0][t][rows] = array
    out[1][rows] = got[1]
    for u, array in got[2].items():
        out[2][u][rows] = array
    for array, part_logs in zip(out[3], got[3], strict=True):
        array[rows] = part_logs


def _put(
    array: FloatArray, rows: npt.NDArray[np.int64], values: FloatArray | list[FloatArray]
) -> None:
    """Put ``values`` (a list: columns side by side) into the rows ``rows`` of ``array``."""
    array[rows] = np.column_stack(values) if isinstance(values, list) else values
