"""Big batches split by an observed variable run on trees conditioned on it (engine.slicing)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork

from backspasm.engine import CompiledNetwork
from helpers import cpd

TOL = 1e-9
YN = ["no", "yes"]
AGES = ["young", "middle", "old"]


def aged_model(seed: int = 3) -> DiscreteBayesianNetwork:
    """An age parent of every cause, causes with noisy-OR findings (age in every big clique)."""
    rng = np.random.default_rng(seed)
    model = DiscreteBayesianNetwork()
    model.add_node("age")
    model.add_cpds(cpd("age", [[0.3], [0.5], [0.2]], states=AGES))
    causes = [f"c{i}" for i in range(7)]
    for c in causes:
        p = rng.uniform(0.02, 0.4, size=3)
        model.add_edge("age", c)
        model.add_cpds(cpd(c, [1 - p, p], {"age": AGES}, states=YN))
    for j in range(6):
        parents = sorted(rng.choice(causes, size=4, replace=False))
        q = rng.uniform(0.05, 0.9, size=4)
        p_no = np.array(
            [
                0.97 * np.prod([q[i] for i, on in enumerate(combo) if on])
                for combo in itertools.product([0, 1], repeat=4)
            ]
        )
        model.add_edges_from((p, f"f{j}") for p in parents)
        model.add_cpds(cpd(f"f{j}", [p_no, 1 - p_no], dict.fromkeys(parents, YN), states=YN))
    assert model.check_model()
    return model


def batch_of(net: CompiledNetwork, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    batch = {f"f{j}": rng.integers(-1, 2, size=n) for j in range(6)}
    batch["age"] = np.where(rng.random(n) < 0.8, rng.integers(0, 3, size=n), -1)
    batch["c6"] = np.where(rng.random(n) < 0.1, 1, -1)
    batch["f0"][:3] = 1
    return batch


def conditions(net: CompiledNetwork) -> set[tuple[tuple[int, int], ...]]:
    """The conditions of every conditioned tree a network has compiled."""
    return {given for c in net._runner.forest.conditioned.values() for given in c.trees}


@pytest.fixture(autouse=True)
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the small batches of these tests split by states of a hundred cases, at once."""
    import backspasm.engine.slicing as slicing

    monkeypatch.setattr(slicing, "_MIN_STATE_CASES", 50)
    monkeypatch.setattr(slicing, "_COMPILE_CASES", 0)


def test_split_batches_agree_with_one_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    import backspasm.engine.runner as runner

    model = aged_model()
    targets = [f"c{i}" for i in range(6)]
    events = {"none": {"c0": "no", "c1": "no"}}
    monkeypatch.setattr(runner, "_SPLIT_MIN_CASES", 10**9)
    whole = CompiledNetwork.from_model(model)
    batch = batch_of(whole, 600, seed=1)
    expected = whole.query(batch, targets=targets, events=events)
    monkeypatch.setattr(runner, "_SPLIT_MIN_CASES", 100)
    net = CompiledNetwork.from_model(model)
    got = net.query(batch, targets=targets, events=events)
    assert conditions(net) >= {((0, 0),), ((0, 1),), ((0, 2),)}
    np.testing.assert_array_equal(got.possible, expected.possible)
    np.testing.assert_allclose(got.log_evidence, expected.log_evidence, atol=TOL, rtol=0)
    for node in targets:
        np.testing.assert_allclose(got.marginals[node], expected.marginals[node], atol=TOL)
    np.testing.assert_allclose(got.events["none"], expected.events["none"], atol=TOL)
    infer = VariableElimination(model)
    for i in range(4):
        case = {k: net.states[k][int(v[i])] for k, v in batch.items() if v[i] >= 0}
        ref = infer.query(["c2"], evidence=case, show_progress=False)
        names = [str(s) for s in ref.state_names["c2"]]
        want = [ref.values[names.index(s)] for s in net.states["c2"]]
        np.testing.assert_allclose(got.marginals["c2"][i], want, atol=TOL)


def test_a_variable_alone_in_its_clique_can_be_split(monkeypatch: pytest.MonkeyPatch) -> None:
    import backspasm.engine.runner as runner
    import backspasm.engine.slicing as slicing

    model = DiscreteBayesianNetwork([("a", "b")])
    model.add_node("lonely")
    model.add_cpds(
        cpd("a", [[0.3], [0.7]]),
        cpd("b", [[0.9, 0.4], [0.1, 0.6]], {"a": ["s0", "s1"]}),
        cpd("lonely", [[0.25], [0.5], [0.25]]),
    )
    monkeypatch.setattr(runner, "_SPLIT_MIN_CASES", 1)
    monkeypatch.setattr(slicing, "_MIN_GAIN", 0.0)
    monkeypatch.setattr(slicing, "_MIN_STATE_CASES", 1)
    net = CompiledNetwork.from_model(model)
    batch = {"lonely": np.array([0, 1, 2, -1]), "b": np.array([0, 1, -1, 0])}
    post = net.query(batch, targets=["a"])
    assert conditions(net)
    p_b = np.array([0.3 * 0.9 + 0.7 * 0.4, 0.3 * 0.1 + 0.7 * 0.6, 1.0, 0.3 * 0.9 + 0.7 * 0.4])
    p_lonely = np.array([0.25, 0.5, 0.25, 1.0])
    np.testing.assert_allclose(post.log_evidence, np.log(p_b * p_lonely), atol=TOL)
    np.testing.assert_allclose(post.marginals["a"][0, 0], 0.3 * 0.9 / p_b[0], atol=TOL)


@pytest.mark.parametrize("summed", [False, True])
def test_split_retractions_agree_with_one_tree(
    monkeypatch: pytest.MonkeyPatch, summed: bool
) -> None:
    """Leave-one-out joints, the split variable's own included, with and without an event."""
    import backspasm.engine.runner as runner

    model = aged_model(5)
    nodes = ["age", "f0", "f1", "f2", "c6"]
    monkeypatch.setattr(runner, "_SPLIT_MIN_CASES", 10**9)
    whole = CompiledNetwork.from_model(model)
    batch = batch_of(whole, 500, seed=2)
    monkeypatch.setattr(runner, "_SPLIT_MIN_CASES", 100)
    net = CompiledNetwork.from_model(model)
    for event in (None, {"c0": "no", "c1": "no"}):
        expected = whole.log_retracted(batch, nodes, event=event, summed=summed)
        got = net.log_retracted(batch, nodes, event=event, summed=summed)
        for node in nodes:
            np.testing.assert_allclose(
                np.exp(got[node]), np.exp(expected[node]), rtol=TOL, atol=0, err_msg=node
            )
    assert conditions(net) >= {((0, 0),), ((0, 1),), ((0, 2),)}
