"""The contraction plans a junction tree keeps: the recent ones, and the bytes they hold.

A tree keeps at most ``_MAX_PLANS`` plans, dropping the least recently used; every
plan carries a stamp of a clock shared by all trees, so that a
:class:`~backspasm.engine.forest._Forest` can also drop, across its trees, the least
recently used plans when all of them together hold too many bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import TypeAlias

import numpy as np

from backspasm.engine.events import _Event
from backspasm.engine.kernels import _Plan

__all__: list[str] = []

_MAX_PLANS = 256
# A plan's pattern: observed variables, targets, retractions, events, summed or not.
_PlanKey: TypeAlias = tuple[
    frozenset[int], tuple[int, ...] | None, tuple[int, ...], tuple[_Event, ...], _Event | None
]
# Stamps the plans of every tree in the order they were last asked for.
_CLOCK = itertools.count()


def _plan_bytes(plan: _Plan) -> int:
    """Bytes of the arrays a plan holds.

    Its steps' tables (some shared with other plans of the tree: counted for each)
    and, fused, its flattened copy.
    """
    held = sum(step.matrix.nbytes for step in (*plan.messages, *plan.finals))
    held += sum(table.nbytes for _, table, _ in plan.static_finals)
    if plan.fused is not None:
        held += sum(a.nbytes for a in vars(plan.fused).values() if isinstance(a, np.ndarray))
    return held


class _PlanCache:
    """A tree's plans by pattern, with when each was last asked for and their bytes."""

    def __init__(self) -> None:
        self._plans: dict[_PlanKey, _Plan] = {}
        self._used: dict[_PlanKey, int] = {}
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._plans)

    def values(self) -> Iterable[_Plan]:
        return self._plans.values()

    def get(self, key: _PlanKey) -> _Plan | None:
        """Return the plan of ``key`` (stamped as just used), or None."""
        plan = self._plans.get(key)
        if plan is not None:
            self._used[key] = next(_CLOCK)
        return plan

    def put(self, key: _PlanKey, plan: _Plan) -> _Plan:
        """Keep ``plan`` for ``key`` (in place of any before), the least recent out."""
        if key in self._plans:
            self.drop(key)
        elif len(self._plans) >= _MAX_PLANS:
            self.drop(min(self._used, key=self._used.__getitem__))
        self._plans[key] = plan
        self._used[key] = next(_CLOCK)
        self.nbytes += _plan_bytes(plan)
        return plan

    def ages(self) -> Mapping[_PlanKey, int]:
        """When each plan was last asked for (stamps of the shared clock, unique)."""
        return self._used

    def drop(self, key: _PlanKey) -> int:
        """Forget the plan of ``key``; return the bytes it held."""
        del self._used[key]
        freed = _plan_bytes(self._plans.pop(key))
        self.nbytes -= freed
        return freed
