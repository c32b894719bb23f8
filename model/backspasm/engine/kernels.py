"""The numeric message passing: compiled plans and the loops that execute them.

A :class:`_Plan` is what a junction tree compiles for one evidence pattern (which
nodes are observed in a chunk) and one set of targets: the ordered clique
contractions that carry the case axis, with everything case-independent already
folded into one matrix per step. :func:`_execute` runs a plan on one chunk of cases,
the case axis last (contiguous) in every array; :func:`_map_bounded` runs the chunks
of a big batch on several threads (numpy releases the GIL).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from backspasm._numeric import FloatArray

__all__: list[str] = []

# Worker threads for the chunks of a big batch.
_THREADS = min(4, os.cpu_count() or 1)

_LAM, _MSG = 1, 2
_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True)
class _Input:
    """A batched operand of a step: where to find it and how to lay it out.

    ``kind`` is ``_LAM`` (likelihood of variable ``index``) or ``_MSG`` (message
    along edge ``index``) over the variables ``vars``; ``perm`` and ``shape`` turn
    its array into a view that broadcasts against the step's batched product.
    """

    kind: int
    index: int
    perm: tuple[int, ...]
    shape: tuple[int, ...]
    vars: tuple[int, ...]


@dataclass(frozen=True)
class _Step:
    """One clique contraction of a plan, with case axis last everywhere.

    The batched operands are multiplied pairwise in the order ``pairs`` into one
    tensor over ``(K, R)``, reshaped to ``(k, r, n)``; ``matrix`` of shape
    ``(k, p, r)`` holds the clique potential times the case-independent messages,
    already summed over every variable no batched operand touches, so the result
    is ``matrix @ product`` over ``(K, P)``, which is ``out_vars``. ``label`` is the
    directed edge (message) or the clique (final belief) computed; ``product`` the
    variables of the product, in order (``K`` then ``R``). ``incoming``
    lists the batched messages the step consumes; ``static_log`` is the sum of the
    log scales of its case-independent ones.
    """

    label: int
    inputs: tuple[_Input, ...]
    pairs: tuple[tuple[int, int], ...]
    matrix: FloatArray
    k: int
    r: int
    out_vars: tuple[int, ...]
    out_shape: tuple[int, ...]
    product: tuple[int, ...]
    incoming: tuple[int, ...]
    static_log: float
    cost: int


@dataclass(frozen=True)
class _Plan:
    """Message steps, final (belief) steps and beliefs that no evidence reaches.

    ``signed`` says whether some potential has negative entries (decomposed
    noisy-MAX CPTs); ``cards`` holds the cardinality of every variable id. The last
    ``len(retract)`` finals are *retractions*: the belief of ``retract[i]`` at its
    home clique without its own likelihood, ``P(X_v, e without e_v)`` up to the step's
    log scale (fast retraction); ``static_retracts`` are those no other evidence
    reaches.
    """

    messages: tuple[_Step, ...]
    finals: tuple[_Step, ...]
    static_finals: tuple[tuple[tuple[int, ...], FloatArray, float], ...]
    cost: int
    signed: bool
    cards: Sequence[int]
    # The plan flattened for the fused kernel (a ``fused._Fused``), when it is on.
    fused: object = None
    retract: tuple[int, ...] = ()
    static_retracts: tuple[tuple[int, FloatArray, float], ...] = ()
    # The last ``events`` finals (after the retractions) sum to ``P(e, event)``.
    events: int = 0
    # Retraction beliefs are summed over the variable's states: ``P(e without e_v)``.
    summed: bool = False


def _contract(
    step: _Step, lam: Mapping[int, FloatArray], msgs: Mapping[int, FloatArray], n: int
) -> FloatArray:
    """Multiply a step's batched operands and contract them with its matrix."""
    factors = [
        (lam[x.index] if x.kind == _LAM else msgs[x.index]).transpose(x.perm).reshape(x.shape)
        for x in step.inputs
    ]
    if not factors:  # an event's indicator with no evidence behind it
        factors = [np.ones((step.k * step.r, n))]
    owned = [False] * len(factors)
    for i, j in step.pairs:
        b, b_owned = factors.pop(j), owned.pop(j)
        a, a_owned = factors.pop(i), owned.pop(i)
        if a_owned and a.shape == np.broadcast_shapes(a.shape, b.shape):
            np.multiply(a, b, out=a)
        elif b_owned and b.shape == np.broadcast_shapes(a.shape, b.shape):
            np.multiply(a, b, out=b)
            a = b
        else:
            a = np.multiply(a, b, order="C")
        factors.append(a)
        owned.append(True)
    product = factors[0].reshape(step.k, step.r, n)
    # Nothing to sum (r = 1) is a broadcast product, which beats a matmul.
    result = step.matrix * product if step.r == 1 else np.matmul(step.matrix, product)
    return result.reshape((*step.out_shape, n))


def _execute(
    plan: _Plan, lam: Mapping[int, FloatArray], n: int
) -> tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray]]:
    """Run a plan on one chunk of ``n`` cases: target marginals, log P(e), retractions."""
    msgs: dict[int, FloatArray] = {}
    logs: dict[int, FloatArray] = {}
    for step in plan.messages:
        message = _contract(step, lam, msgs, n)
        # Decomposed CPTs make signed messages: scale by the largest magnitude.
        flat = message.reshape(-1, n)
        scale = flat.max(axis=0)
        if plan.signed:
            scale = np.maximum(scale, -flat.min(axis=0))
        log = np.log(scale)
        if step.static_log:
            log += step.static_log
        for e in step.incoming:
            log += logs[e]
        logs[step.label] = log
        # Impossible cases give an all-zero message: leave it zero, its log is -inf.
        scale[scale == 0.0] = 1.0
        message /= scale
        msgs[step.label] = message
    beliefs: list[tuple[tuple[int, ...], FloatArray, FloatArray | float]] = []
    for step in plan.finals:
        belief = _contract(step, lam, msgs, n)
        log_scale: FloatArray | float = step.static_log
        for e in step.incoming:
            log_scale = log_scale + logs[e]
        beliefs.append((step.out_vars, belief, log_scale))
    return _finish(plan, beliefs, n)


def _finish(
    plan: _Plan,
    beliefs: list[tuple[tuple[int, ...], FloatArray, FloatArray | float]],
    n: int,
    summed: FloatArray | None = None,
) -> tuple[dict[int, FloatArray], FloatArray, dict[int, FloatArray]]:
    """Normalise the final beliefs into target marginals; log P(e) from the first.

    Retraction beliefs (the last ``len(plan.retract)`` before the events) become
    ``log P(X_v = x, e without e_v)``, cases by states (or ``log P(e without e_v)``
    per case if ``plan.summed``), unnormalised: they stay finite where ``P(e) = 0``
    but ``P(e without e_v) > 0``. Event beliefs (the last
    ``plan.events``) become ``log P(e, event)``, under the keys ``-1, -2, ...`` of
    the retractions. ``summed`` (retractions by cases), when given, holds the summed
    retractions already computed; ``beliefs`` then lacks them.
    """
    retracted: dict[int, FloatArray] = {}
    if plan.events:
        cut = len(beliefs) - plan.events
        with np.errstate(divide="ignore"):
            for i, (_, belief, log_scale) in enumerate(beliefs[cut:]):
                flat = belief.reshape(-1, n)
                if plan.signed:
                    flat = np.maximum(flat, 0.0)
                retracted[-1 - i] = np.log(flat.sum(axis=0)) + log_scale
        del beliefs[cut:]
    if summed is not None:
        retracted.update(zip(plan.retract, summed, strict=True))
    if plan.retract or plan.static_retracts:
        pulled: list[tuple[int, tuple[tuple[int, ...], FloatArray, FloatArray | float]]] = []
        if summed is None:
            cut = len(beliefs) - len(plan.retract)
            pulled = list(zip(plan.retract, beliefs[cut:], strict=True))
            del beliefs[cut:]
        with np.errstate(divide="ignore"):
            for v, (_, belief, log_scale) in pulled:
                flat = belief.reshape(-1, n)
                if plan.signed:
                    flat = np.maximum(flat, 0.0)
                if plan.summed:
                    retracted[v] = np.log(flat.sum(axis=0)) + log_scale
                else:
                    retracted[v] = (np.log(flat) + log_scale).T
            for v, static_belief, static_log in plan.static_retracts:
                entries = np.maximum(static_belief.reshape(-1), 0.0)
                if plan.summed:
                    retracted[v] = np.full(n, np.log(entries.sum()) + static_log)
                    continue
                row = np.log(entries) + static_log
                retracted[v] = np.broadcast_to(row, (n, len(row))).copy()
    marginals: dict[int, FloatArray] = {}
    log_z: FloatArray | None = None
    for out_vars, static_belief, static_log in plan.static_finals:
        belief = np.broadcast_to(static_belief[..., None], (*static_belief.shape, n))
        beliefs.append((out_vars, belief, static_log))
    for out_vars, belief, log_scale in beliefs:
        if plan.signed:
            # Rounding may leave a true zero at -1e-17 after a subtraction.
            belief = np.maximum(belief, 0.0)
        total = belief.reshape(-1, n).sum(axis=0)
        if log_z is None:
            log_z = np.log(total) + log_scale
        if belief.ndim == 2:
            marginals[out_vars[0]] = (belief / total).T
            continue
        axes = tuple(range(belief.ndim - 1))
        for pos, v in enumerate(out_vars):
            marginal = belief.sum(axis=tuple(a for a in axes if a != pos))
            marginals[v] = (marginal / total).T
    assert log_z is not None
    return marginals, np.broadcast_to(log_z, (n,)).copy(), retracted


def _map_bounded(
    function: Callable[[_T], _R], items: Iterator[_T], parallel: bool
) -> Iterator[_R]:
    """Map in worker threads, in order, with few items in flight to bound memory.

    numpy releases the GIL inside its array operations, so chunks of a big batch
    run on several cores at once.
    """
    if not parallel or _THREADS < 2:
        yield from map(function, items)
        return
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        pending: deque[Future[_R]] = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * _THREADS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
