"""Cached plans: the least recently used go first, by count per tree and by bytes overall."""

from __future__ import annotations

import numpy as np
import pytest

import backspasm.engine.forest as forest
import backspasm.engine.plan_cache as plan_cache
from backspasm.engine import CompiledNetwork
from backspasm.engine.plan_cache import _plan_bytes, _PlanCache

TOL = 1e-12


def _batches(net: CompiledNetwork, count: int, n: int = 300) -> list[dict[str, np.ndarray]]:
    """Batches that each observe their own random set of nodes: many answer patterns."""
    rng = np.random.default_rng(7)
    names = [v for v in net.variables if v != "back_spasm"]
    out = []
    for _ in range(count):
        batch = {}
        for v in rng.choice(names, size=12, replace=False):
            codes = rng.integers(0, len(net.states[v]), size=n)
            codes[rng.random(n) < 0.4] = -1
            batch[str(v)] = codes
        batch["back_spasm"] = np.full(n, net.states["back_spasm"].index("yes"))
        out.append(batch)
    return out


def _held(net: CompiledNetwork) -> list[int]:
    return [tree._plans.nbytes for tree in net._runner.forest._every_tree()]


@pytest.fixture(scope="module")
def unbounded() -> tuple[list[dict[str, np.ndarray]], list[np.ndarray], int]:
    from backspasm.network import load_network

    net = load_network().engine
    batches = _batches(net, 8)
    causes = ["epidural_abscess", "herniated_disc", "muscle_strain"]
    results = [net.query(b, targets=causes).marginals["herniated_disc"] for b in batches]
    return batches, results, sum(_held(net))


def test_plans_of_all_trees_stay_within_the_byte_budget(monkeypatch, unbounded):
    from backspasm.network import load_network

    batches, expected, total = unbounded
    budget = total // 3  # the eight batches' plans would hold three times as much
    monkeypatch.setattr(forest, "_PLAN_BYTES", budget)
    net = load_network().engine
    causes = ["epidural_abscess", "herniated_disc", "muscle_strain"]
    for batch, want in zip(batches, expected, strict=True):
        got = net.query(batch, targets=causes).marginals["herniated_disc"]
        np.testing.assert_allclose(got, want, atol=TOL, rtol=0)  # dropped plans change nothing
        kept = sum(len(tree._plans) for tree in net._runner.forest._every_tree())
        assert sum(_held(net)) <= budget or kept == 1  # the plan just used always stays
    assert 1 <= kept < len(batches)


def test_a_tree_keeps_its_most_recent_plans(monkeypatch):
    from backspasm.network import load_network

    net = load_network().engine
    for batch in _batches(net, 3, n=5):  # small batches: plans on the whole network's tree
        net.query(batch)
    tree = net._runner.forest.full
    keys, plans = list(tree._plans.ages()), list(tree._plans.values())
    assert len(keys) >= 2
    cache = _PlanCache()
    for key, plan in zip(keys, plans, strict=True):
        cache.put(key, plan)
    assert cache.nbytes == sum(_plan_bytes(p) for p in plans)
    assert cache.get(keys[0]) is plans[0]  # now the most recent
    monkeypatch.setattr(plan_cache, "_MAX_PLANS", len(keys))
    cache.put(("another pattern",), plans[0])  # type: ignore[arg-type]
    assert keys[1] not in cache.ages()  # the least recent went
    assert keys[0] in cache.ages()
    assert cache.drop(keys[0]) == _plan_bytes(plans[0])
    assert cache.nbytes == sum(_plan_bytes(p) for p in cache.values())
