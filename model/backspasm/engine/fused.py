"""A whole plan in one compiled loop: the fused kernel (numba).

numpy runs a plan one array operation at a time: every pairwise product is a
temporary the size of a clique times the chunk, and a clique step costs several
Python-level calls. Here a plan is flattened once into integer tables (which
workspace rows each step multiplies, where its matrix and its output live) and one
``numba`` function runs every step of a chunk, row by row, with the case axis
innermost and contiguous, no temporaries and no Python in between, a block of 64
cases at a time (a whole chunk's workspace would fall out of the CPU caches). The arithmetic
is the same sums of the same products, so results agree with the numpy kernel to
rounding.

numba is a dependency because the benchmark shows it pays (about 3.5 times the numpy
kernel on the scoring workload, ``scripts/bench_engine.py``); the kernel still loads
it lazily, so that ``import backspasm`` stays fast. With the environment variable
``BACKSPASM_ENGINE=numpy``, or if numba cannot compile, the numpy kernel runs.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from backspasm._numeric import FloatArray, IntArray
from backspasm.engine.jit import compile_loop, load_numba
from backspasm.engine.kernels import _LAM, _execute, _finish, _Plan

__all__: list[str] = []

#: Workspace rows, as the kernel reads them: int32 halves the biggest array a plan keeps.
RowArray: TypeAlias = npt.NDArray[np.int32]

# likelihood rows, final rows, logs, first final row, step table, operand rows,
# matrices, incoming steps and their offsets, static log scales: all C-contiguous.
_SIGNATURE = (
    "void(f8[:, ::1], f8[:, ::1], f8[:, ::1], i8, i8[:, ::1], i4[::1], f8[::1], i8[::1],"
    " i8[::1], f8[::1])"
)
# Cases per block of the kernel: a block's workspace stays in the CPU caches, and its
# rows are still long enough for vector instructions.
_BLOCK = 64
_KERNEL: Callable[..., None] | None = None
_TRIED = False
# Whether :func:`_kernel` was called (not just :func:`_preload`).
_ASKED = False
# A scorer may load the kernel in a helper thread while its main thread reads.
_LOADING = threading.Lock()
# Operand offsets per layout: the product's cardinalities, the operand's positions in it.
_OFFSETS: dict[tuple[tuple[int, ...], tuple[int, ...]], RowArray] = {}
_MAX_OFFSETS = 50_000


@dataclass(frozen=True)
class _Fused:
    """A plan flattened for the fused kernel.

    The workspace has one row per likelihood entry (the first ``first`` rows) and
    final belief entry (the rows from ``back`` on), rows between for the messages
    (a spent message's rows are reused), and one column per case; ``lam_rows``
    says where each observed variable's likelihood goes, ``finals`` where each
    final belief is read from.
    Each row of ``steps`` is ``(k, p, r, operands, offset in index, offset in
    matrices, first output row, is a message)``; ``index`` holds, per operand, its
    workspace row for every entry of the step's product.
    """

    rows: int
    first: int
    back: int
    lam_rows: tuple[tuple[int, int], ...]
    steps: IntArray
    index: RowArray
    matrices: FloatArray
    incoming: IntArray
    incoming_ptr: IntArray
    static_log: FloatArray
    finals: tuple[tuple[tuple[int, ...], tuple[int, ...], int, int], ...]
    #: Whether the plan's retractions are summed ones, each a single row (a belief
    #: over no variable), in consecutive rows and steps.
    summed_rows: bool = False


def _kernel() -> Callable[..., None] | None:
    """Compile the kernel on first use; None when numba is absent or switched off."""
    global _ASKED
    _ASKED = True
    return _preload()


def _preload() -> Callable[..., None] | None:
    """Load the kernel (as :func:`_kernel`) without letting small batches use it yet.

    A scorer calls this in a helper thread so that the loading overlaps its reading;
    which kernel a batch runs still depends only on the batches before it, not on
    when the loading ends (the kernels round differently).
    """
    global _KERNEL, _TRIED
    if _TRIED:
        return _KERNEL
    with _LOADING:  # another thread may be loading it
        if not _TRIED:
            try:
                _KERNEL = _load()
            finally:
                _TRIED = True
    return _KERNEL


def _load() -> Callable[..., None] | None:
    numba = load_numba()
    if numba is None:
        return None
    return compile_loop(
        numba,
        _run_plan,
        _SIGNATURE,
        "the inference kernel",
        "backspasm runs on its numpy kernel: the same results, several times slower.",
    )


_CASES_SEEN = 0


def _note_cases(m: int) -> int:
    """Count ``m`` more cases run in this process; return the total so far."""
    global _CASES_SEEN
    _CASES_SEEN += m
    return _CASES_SEEN


def _kernel_ready() -> bool:
    """Whether a batch already asked for the kernel and got it (running it is then free)."""
    return _ASKED and _KERNEL is not None


def _run_plan(
    lam: Any,
    res: Any,
    logs: Any,
    back: int,
    steps: Any,
    index: Any,
    matrices: Any,
    incoming: Any,
    incoming_ptr: Any,
    static_log: Any,
) -> None:
    """Run every step of a flattened plan, a block of cases at a time (cases in columns).

    ``lam`` holds the workspace's first rows (the likelihoods); ``res`` receives its
    rows from ``back`` on (the final beliefs). Each block of at most ``_BLOCK``
    cases runs every step in a workspace of its own, small enough to stay in the
    CPU caches (a whole chunk's would not), then hands its final rows back.
    """
    n = lam.shape[1]
    rows = back + res.shape[0]
    ws = np.empty((rows, _BLOCK))
    tmp = np.empty(_BLOCK)
    scale = np.empty(_BLOCK)
    for c0 in range(0, n, _BLOCK):
        bn = min(_BLOCK, n - c0)
        for row in range(lam.shape[0]):
            for c in range(bn):
                ws[row, c] = lam[row, c0 + c]
        for s in range(steps.shape[0]):
            k = steps[s, 0]
            p = steps[s, 1]
            r = steps[s, 2]
            n_in = steps[s, 3]
            idx = steps[s, 4]
            mat = steps[s, 5]
            out = steps[s, 6]
            kr = k * r
            for row in range(out, out + k * p):
                for c in range(bn):
                    ws[row, c] = 0.0
            for kk in range(k):
                for rr in range(r):
                    j = kk * r + rr
                    if p == 1 and 1 <= n_in <= 4:
                        # The common case in one pass: no temporary row.
                        m = matrices[mat + kk * r + rr]
                        if m == 0.0:
                            continue
                        dst = out + kk
                        a = index[idx + j]
                        if n_in == 1:
                            for c in range(bn):
                                ws[dst, c] += m * ws[a, c]
                            continue
                        b_ = index[idx + kr + j]
                        if n_in == 2:
                            for c in range(bn):
                                ws[dst, c] += m * ws[a, c] * ws[b_, c]
                            continue
                        d = index[idx + 2 * kr + j]
                        if n_in == 3:
                            for c in range(bn):
                                ws[dst, c] += m * ws[a, c] * ws[b_, c] * ws[d, c]
                            continue
                        e = index[idx + 3 * kr + j]
                        for c in range(bn):
                            ws[dst, c] += m * ws[a, c] * ws[b_, c] * ws[d, c] * ws[e, c]
                        continue
                    if n_in == 0:
                        for c in range(bn):
                            tmp[c] = 1.0
                    else:
                        src = index[idx + j]
                        for c in range(bn):
                            tmp[c] = ws[src, c]
                        for i in range(1, n_in):
                            src = index[idx + i * kr + j]
                            for c in range(bn):
                                tmp[c] *= ws[src, c]
                    for pp in range(p):
                        m = matrices[mat + (kk * p + pp) * r + rr]
                        if m != 0.0:
                            dst = out + kk * p + pp
                            for c in range(bn):
                                ws[dst, c] += m * tmp[c]
            for c in range(bn):
                logs[s, c0 + c] = static_log[s]
            for q in range(incoming_ptr[s], incoming_ptr[s + 1]):
                e = incoming[q]
                for c in range(bn):
                    logs[s, c0 + c] += logs[e, c0 + c]
            if steps[s, 7] == 0:
                continue
            # Rescale each case's message by its largest magnitude (decomposed CPTs make
            # signed messages); an all-zero message is an impossible case: log -inf.
            for c in range(bn):
                scale[c] = 0.0
            for row in range(out, out + k * p):
                for c in range(bn):
                    v = abs(ws[row, c])
                    if v > scale[c]:
                        scale[c] = v
            for c in range(bn):
                if scale[c] > 0.0:
                    logs[s, c0 + c] += math.log(scale[c])
                    scale[c] = 1.0 / scale[c]
                else:
                    logs[s, c0 + c] = -math.inf
                    scale[c] = 1.0
            for row in range(out, out + k * p):
                for c in range(bn):
                    ws[row, c] *= scale[c]
        for row in range(back, rows):
            for c in range(bn):
                res[row - back, c0 + c] = ws[row, c]


def _offsets(product_cards: tuple[int, ...], where: tuple[int, ...]) -> RowArray:
    """Workspace row of an operand for every entry of a step's product, from row 0.

    ``product_cards`` are the cardinalities of the product's variables, ``where`` the
    positions of the operand's variables in it; kept per layout, which steps of many
    plans and trees share.
    """
    key = (product_cards, where)
    kept = _OFFSETS.get(key)
    if kept is not None:
        return kept
    if len(_OFFSETS) >= _MAX_OFFSETS:
        _OFFSETS.clear()
    if not product_cards:  # an empty separator: one entry
        rows = np.zeros(1, dtype=np.int32)
    else:
        digits = np.indices(product_cards, dtype=np.int32).reshape(len(product_cards), -1)
        rows = np.zeros(digits.shape[1], dtype=np.int32)
        stride = 1
        for i in reversed(where):
            rows += digits[i] * np.int32(stride)
            stride *= product_cards[i]
    rows.flags.writeable = False
    _OFFSETS[key] = rows
    return rows


class _Rows:
    """Workspace rows for messages, first fit, reusing the rows of spent messages."""

    def __init__(self, start: int) -> None:
        self.end = start  # one past the highest row handed out
        self._free: list[tuple[int, int]] = []  # (first row, rows), in row order

    def take(self, size: int) -> int:
        """Return the first of ``size`` free consecutive rows."""
        for i, (row, length) in enumerate(self._free):
            if length >= size:
                self._free[i : i + 1] = [(row + size, length - size)] if length > size else []
                return row
        top = bool(self._free) and sum(self._free[-1]) == self.end
        row = self._free.pop()[0] if top else self.end  # a free run at the top grows
        self.end = row + size
        return row

    def give(self, row: int, size: int) -> None:
        """Free ``size`` rows from ``row`` on, merged with free neighbours."""
        i = bisect.bisect(self._free, (row, size))
        if i < len(self._free) and row + size == self._free[i][0]:
            size += self._free.pop(i)[1]
        if i > 0 and sum(self._free[i - 1]) == row:
            i -= 1
            row, size = self._free[i][0], self._free.pop(i)[1] + size
        self._free.insert(i, (row, size))


def _fuse(plan: _Plan) -> _Fused | None:
    """Flatten a plan for the fused kernel, or None when the kernel is unavailable."""
    if _kernel() is None:
        return None
    cards = list(plan.cards)
    steps = (*plan.messages, *plan.finals)
    lam_rows: dict[int, int] = {}
    rows = 0
    for step in steps:
        for x in step.inputs:
            if x.kind == _LAM and x.index not in lam_rows:
                lam_rows[x.index] = rows
                rows += cards[x.index]
    produced: dict[int, int] = {}
    table = np.zeros((len(steps), 8), dtype=np.int64)
    index: list[RowArray] = []
    bases: list[int] = []
    matrices: list[FloatArray] = []
    incoming: list[int] = []
    incoming_ptr = [0]
    finals: list[tuple[tuple[int, ...], tuple[int, ...], int, int]] = []
    used = mat_used = 0
    first = rows
    # A message's rows go to a later message once its last reader has run (at once if
    # nothing reads it): the workspace needs about half the rows of one row per entry.
    last = {m.label: s for s, m in enumerate(plan.messages)}
    for s, step in enumerate(steps):
        last.update((x.index, s) for x in step.inputs if x.kind != _LAM)
    dies: dict[int, list[int]] = {}
    for label, s in last.items():
        dies.setdefault(s, []).append(label)
    pool = _Rows(first)
    message_rows: dict[int, tuple[int, int]] = {}  # first row, rows
    back = rows
    for s, step in enumerate(steps):
        p = step.matrix.shape[1]
        is_message = s < len(plan.messages)
        # The product's layout once per step; each operand's rows are its offsets
        # plus its first row (added for every operand at once, below).
        product_cards = tuple(cards[v] for v in step.product)
        position = {v: i for i, v in enumerate(step.product)}
        for x in step.inputs:
            offsets = _offsets(product_cards, tuple(position[v] for v in x.vars))
            index.append(offsets)
            bases.append(lam_rows[x.index] if x.kind == _LAM else message_rows[x.index][0])
        if is_message:
            out = pool.take(step.k * p)
        else:
            if not finals:  # the finals follow every message, one after another
                back = rows = pool.end
            out = rows
            rows += step.k * p
        table[s] = (step.k, p, step.r, len(step.inputs), used, mat_used, out, is_message)
        used += len(step.inputs) * step.k * step.r
        matrices.append(step.matrix.reshape(-1))
        mat_used += step.matrix.size
        incoming += [produced[e] for e in step.incoming]
        incoming_ptr.append(len(incoming))
        if is_message:
            produced[step.label] = s
            message_rows[step.label] = (out, step.k * p)
        else:
            finals.append((step.out_vars, step.out_shape, out, s))
        for label in dies.get(s, ()):
            pool.give(*message_rows[label])
    if not finals:
        back = rows = pool.end
    if rows > np.iinfo(np.int32).max:  # far beyond any memory: the numpy kernel says so
        return None
    pulled = finals[len(finals) - plan.events - len(plan.retract) :][: len(plan.retract)]
    summed_rows = (
        plan.summed
        and bool(pulled)
        and all(math.prod(shape) == 1 for _, shape, _, _ in pulled)
        and all(b[2] == a[2] + 1 and b[3] == a[3] + 1 for a, b in itertools.pairwise(pulled))
    )
    return _Fused(
        rows=rows,
        first=first,
        back=back,
        lam_rows=tuple(lam_rows.items()),
        steps=table,
        index=_shifted(index, bases),
        matrices=np.concatenate(matrices) if matrices else np.zeros(0),
        incoming=np.asarray(incoming, dtype=np.int64),
        incoming_ptr=np.asarray(incoming_ptr, dtype=np.int64),
        static_log=np.array([step.static_log for step in steps], dtype=np.float64),
        finals=tuple(finals),
        summed_rows=summed_rows,
    )


def _shifted(offsets: list[RowArray], bases: list[int]) -> RowArray:
    """Return the operands' offsets, each plus its first row, end to end (int32)."""
    if not offsets:
        return np.zeros(0, dtype=np.int32)
    lengths = np.fromiter((len(o) for o in offsets), dtype=np.int64, count=len(offsets))
    shift = np.repeat(np.asarray(bases, dtype=np.int32), lengths)
    return np.concatenate(offsets) + shift


def _execute_any(
    plan: _Plan, lam: Mapping[int, FloatArray], n: int
) -> tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray]]:
    """Run a plan on one chunk of ``n`` cases, fused when it can be."""
    fused = plan.fused
    if not isinstance(fused, _Fused):
        return _execute(plan, lam, n)
    kernel = _kernel()
    assert kernel is not None
    lam_block = np.empty((fused.first, n))
    for v, row in fused.lam_rows:
        block = lam[v]
        lam_block[row : row + block.shape[0]] = block
    res = np.empty((fused.rows - fused.back, n))
    logs = np.empty((fused.steps.shape[0], n))
    kernel(
        lam_block,
        res,
        logs,
        fused.back,
        fused.steps,
        fused.index,
        fused.matrices,
        fused.incoming,
        fused.incoming_ptr,
        fused.static_log,
    )
    back = fused.back
    finals = fused.finals
    summed = None
    if fused.summed_rows:
        # Each summed retraction is one row (a belief over no variable), and they are
        # consecutive: their logs in a few array operations rather than a few per row.
        cut = len(finals) - plan.events - len(plan.retract)
        first = finals[cut][2] - back
        rows = res[first : first + len(plan.retract)]
        if plan.signed:
            rows = np.maximum(rows, 0.0)
        with np.errstate(divide="ignore"):
            summed = np.log(rows) + logs[finals[cut][3] : finals[cut][3] + len(plan.retract)]
        finals = finals[:cut] + finals[cut + len(plan.retract) :]
    beliefs: list[tuple[tuple[int, ...], FloatArray, FloatArray | float]] = [
        (out_vars, res[row - back : row - back + math.prod(shape)].reshape((*shape, n)), logs[s])
        for out_vars, shape, row, s in finals
    ]
    return _finish(plan, beliefs, n, summed)
