"""Big batches split by several observed variables, on re-triangulated trees (engine.slicing).

The network has a context variable closing a loop through a mediator the cases often
observe (as a stomach bug does through recent fluid loss in the bundled network), and
an age parent of every cause: conditioning on them gives re-triangulated trees, and
the groups are split again by a second (and third) variable. Every answer must be the
one the unsplit tree gives, and pgmpy's.
"""

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
CAUSES = [f"c{i}" for i in range(6)]
TARGETS = [*CAUSES, "d1", "d2"]
HARD = ["age", "ctx", "loss", "fever", "spasm", "alarm", "c5", "f0", "f1", "f2"]
EVENT = {"c0": "no", "c2": "no", "c4": "no"}


def noisy_or(child: str, parents: list[str], rng: np.random.Generator) -> object:
    q = rng.uniform(0.05, 0.9, size=len(parents))
    p_no = np.array(
        [
            0.97 * np.prod([q[i] for i, on in enumerate(combo) if on])
            for combo in itertools.product([0, 1], repeat=len(parents))
        ]
    )
    return cpd(child, [p_no, 1 - p_no], dict.fromkeys(parents, YN), states=YN)


def table(child: str, parents: list[str], rng: np.random.Generator) -> object:
    shape = [3 if p == "age" else 2 for p in parents]
    p = rng.uniform(0.05, 0.95, size=int(np.prod(shape)))
    if not parents:
        return cpd(child, [[1 - p[0]], [p[0]]], states=YN)
    return cpd(child, [1 - p, p], {q: AGES if q == "age" else YN for q in parents}, states=YN)


def looped_model(seed: int = 3) -> DiscreteBayesianNetwork:
    """Age above every cause; ctx -> loss -> d1, d2 -> spasm <- causes; ctx -> fever <- causes.

    ``alarm`` is a deterministic OR of ``c5`` and ``ctx``: alarm = no with c5 = yes is
    impossible evidence.
    """
    rng = np.random.default_rng(seed)
    model = DiscreteBayesianNetwork()
    model.add_node("age")
    model.add_cpds(cpd("age", [[0.3], [0.5], [0.2]], states=AGES))
    for c in CAUSES:
        model.add_edge("age", c)
        model.add_cpds(table(c, ["age"], rng))
    model.add_node("ctx")
    model.add_cpds(table("ctx", [], rng))
    model.add_edge("ctx", "loss")
    model.add_cpds(table("loss", ["ctx"], rng))
    for d in ("d1", "d2"):
        model.add_edges_from([("loss", d), ("age", d)])
        model.add_cpds(table(d, ["loss", "age"], rng))
    spasm = ["d1", "d2", "c2", "c3", "c4"]
    model.add_edges_from((p, "spasm") for p in spasm)
    model.add_cpds(noisy_or("spasm", spasm, rng))
    fever = ["ctx", "c0", "c1", "c4"]
    model.add_edges_from((p, "fever") for p in fever)
    model.add_cpds(noisy_or("fever", fever, rng))
    for j in range(4):
        parents = sorted(rng.choice(CAUSES, size=3, replace=False))
        model.add_edges_from((p, f"f{j}") for p in parents)
        model.add_cpds(noisy_or(f"f{j}", parents, rng))
    model.add_edges_from([("c5", "alarm"), ("ctx", "alarm")])
    model.add_cpds(cpd("alarm", [[1, 0, 0, 0], [0, 1, 1, 1]], {"c5": YN, "ctx": YN}, states=YN))
    assert model.check_model()
    return model


def batch_of(n: int, seed: int) -> dict[str, np.ndarray]:
    """Hard answers (missing with probability 0.4), a soft column, empty and impossible rows."""
    rng = np.random.default_rng(seed)
    batch = {}
    for name in HARD:
        card = 3 if name == "age" else 2
        batch[name] = np.where(rng.random(n) < 0.6, rng.integers(0, card, size=n), -1)
    batch["c5"] = np.where(rng.random(n) < 0.1, 1, -1)
    soft = np.ones((n, 2))
    some = rng.random(n) < 0.3
    soft[some] = rng.uniform(0.1, 1.0, size=(int(some.sum()), 2))
    batch["f3"] = soft
    for name in HARD:  # a few cases without any evidence
        batch[name][:5] = -1
    batch["f3"][:5] = 1.0
    batch["c5"][5:10], batch["alarm"][5:10] = 1, 0  # impossible
    return batch


def conditions(net: CompiledNetwork) -> set[tuple[tuple[int, int], ...]]:
    return {given for c in net._runner.forest.conditioned.values() for given in c.trees}


def retriangulated(net: CompiledNetwork) -> bool:
    """Whether some conditioned tree has cliques of its own, not the base tree's."""
    return any(
        shape.edges is not c._base._tree
        for c in net._runner.forest.conditioned.values()
        for shape in c._shapes.values()
    )


@pytest.fixture
def splits(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Groups of a few hundred cases split again, at once (the defaults need more cases)."""
    import backspasm.engine.runner as runner
    import backspasm.engine.slicing as slicing

    monkeypatch.setattr(runner, "_SPLIT_MIN_GROUP", 300)
    monkeypatch.setattr(slicing, "_MIN_STATE_CASES", 100)
    monkeypatch.setattr(slicing, "_COMPILE_CASES", 0)
    return monkeypatch


def unsplit(model: DiscreteBayesianNetwork, monkeypatch: pytest.MonkeyPatch, run):
    """``run(net)`` on a network whose batches are never split."""
    import backspasm.engine.runner as runner

    with monkeypatch.context() as patch:
        patch.setattr(runner, "_SPLIT_MIN_CASES", 10**9)
        return run(CompiledNetwork.from_model(model))


@pytest.mark.parametrize("depth", [2, 3])
def test_nested_splits_agree_with_one_tree_and_pgmpy(
    splits: pytest.MonkeyPatch, depth: int
) -> None:
    import backspasm.engine.runner as runner
    import backspasm.engine.slicing as slicing

    splits.setattr(runner, "_MAX_CONDITIONS", depth)
    if depth > 2:  # split whenever a candidate saves anything, down to small groups
        splits.setattr(runner, "_SPLIT_MIN_GROUP", 150)
        splits.setattr(slicing, "_MIN_GAIN", 0.0)
        splits.setattr(slicing, "_MIN_STATE_CASES", 40)
    model = looped_model()
    batch = batch_of(4000, seed=1)
    events = {"none": EVENT}

    def ask(net: CompiledNetwork) -> object:
        return net.query(batch, targets=TARGETS, events=events)

    expected = unsplit(model, splits, ask)
    net = CompiledNetwork.from_model(model)
    got = ask(net)
    assert max(len(given) for given in conditions(net)) == depth
    assert retriangulated(net)
    np.testing.assert_array_equal(got.possible, expected.possible)
    assert not got.possible[5:10].any()
    assert got.possible[:5].all()
    np.testing.assert_allclose(got.log_evidence, expected.log_evidence, atol=TOL, rtol=0)
    for node in TARGETS:
        np.testing.assert_allclose(got.marginals[node], expected.marginals[node], atol=TOL)
    np.testing.assert_allclose(got.events["none"], expected.events["none"], atol=TOL)
    # pgmpy on hard-evidence cases of every split path (distinct conditions).
    infer = VariableElimination(model)
    hard = np.flatnonzero((batch["f3"] == 1.0).all(axis=1) & got.possible)
    paths = {}
    for i in hard.tolist():
        key = tuple(int(batch[k][i]) >= 0 for k in ("age", "loss", "ctx", "fever"))
        paths.setdefault(key, i)
    for i in sorted(paths.values())[:12]:
        case = {k: net.states[k][batch[k][i]] for k in HARD if batch[k][i] >= 0}
        for node in ("c0", "d1"):
            ref = infer.query([node], evidence=case, show_progress=False)
            names = [str(s) for s in ref.state_names[node]]
            want = [ref.values[names.index(s)] for s in net.states[node]]
            np.testing.assert_allclose(got.marginals[node][i], want, atol=TOL, err_msg=str(case))
        joint = infer.query(list(EVENT), evidence=case, joint=True, show_progress=False)
        want = joint.get_value(**EVENT)
        np.testing.assert_allclose(got.events["none"][i], want, atol=TOL, err_msg=str(case))


@pytest.mark.parametrize("summed", [False, True])
def test_nested_split_retractions_agree_with_one_tree(
    splits: pytest.MonkeyPatch, summed: bool
) -> None:
    """Leave-one-out joints of split variables and others, with and without an event."""
    model = looped_model(5)
    batch = batch_of(3000, seed=2)
    nodes = ["age", "loss", "ctx", "fever", "f0", "alarm"]
    rng = np.random.default_rng(0)
    needed = {v: rng.random(3000) < 0.5 for v in nodes} if summed else None
    net = CompiledNetwork.from_model(model)
    for event in (None, EVENT):

        def ask(net: CompiledNetwork, event: object = event) -> dict[str, np.ndarray]:
            return net.log_retracted(batch, nodes, event=event, summed=summed, needed=needed)

        expected = unsplit(model, splits, ask)
        got = ask(net)
        for node in nodes:
            want = expected[node]
            if needed is not None:
                # Only the needed cases are promised (the others may be NaN).
                want, have = want[needed[node]], got[node][needed[node]]
            else:
                have = got[node]
            np.testing.assert_array_equal(np.isneginf(have), np.isneginf(want), err_msg=node)
            np.testing.assert_allclose(np.exp(have), np.exp(want), rtol=TOL, atol=0, err_msg=node)
    assert max(len(given) for given in conditions(net)) >= 2


def test_rare_states_stay_on_the_unconditioned_tree(splits: pytest.MonkeyPatch) -> None:
    """A state too few cases observe gets no tree of its own; its cases are still exact."""
    model = looped_model(4)
    batch = batch_of(3000, seed=3)
    batch["age"] = np.where(
        batch["age"] == 2, np.where(np.arange(3000) % 50 == 0, 2, 1), batch["age"]
    )
    age = 0

    def ask(net: CompiledNetwork) -> object:
        return net.query(batch, targets=TARGETS)

    expected = unsplit(model, splits, ask)
    net = CompiledNetwork.from_model(model)
    got = ask(net)
    used = conditions(net)
    assert ((age, 0),) in used
    assert ((age, 1),) in used
    assert not any((age, 2) in given for given in used)
    np.testing.assert_allclose(got.log_evidence, expected.log_evidence, atol=TOL, rtol=0)
    for node in TARGETS:
        np.testing.assert_allclose(got.marginals[node], expected.marginals[node], atol=TOL)


def test_big_batches_run_a_block_at_a_time(splits: pytest.MonkeyPatch) -> None:
    """Blocks of distinct cases, each split on its own, give the answers of one tree."""
    import backspasm.engine.runner as runner

    model = looped_model(6)
    batch = batch_of(3000, seed=4)
    nodes = ["age", "loss", "fever"]
    needed = {v: np.arange(3000) % 3 > 0 for v in nodes}

    def ask(net: CompiledNetwork) -> tuple[object, dict[str, np.ndarray]]:
        post = net.query(batch, targets=TARGETS, events={"none": EVENT})
        return post, net.log_retracted(batch, nodes, summed=True, needed=needed)

    expected, expected_out = unsplit(model, splits, ask)
    splits.setattr(runner, "_BLOCK_CASES", 1100)
    splits.setattr(runner, "_SPLIT_MIN_CASES", 1000)
    net = CompiledNetwork.from_model(model)
    got, got_out = ask(net)
    assert conditions(net)
    np.testing.assert_allclose(got.log_evidence, expected.log_evidence, atol=TOL, rtol=0)
    for node in TARGETS:
        np.testing.assert_allclose(got.marginals[node], expected.marginals[node], atol=TOL)
    np.testing.assert_allclose(got.events["none"], expected.events["none"], atol=TOL)
    for node in nodes:
        want, have = expected_out[node][needed[node]], got_out[node][needed[node]]
        np.testing.assert_allclose(np.exp(have), np.exp(want), rtol=TOL, atol=0, err_msg=node)


def test_a_pattern_that_comes_back_pays_for_its_trees(splits: pytest.MonkeyPatch) -> None:
    """A one-off batch compiles no conditioned trees a split would need; the same
    pattern asked again does, and every answer stays that of the unsplit tree."""
    import backspasm.engine.runner as runner
    import backspasm.engine.slicing as slicing

    splits.setattr(slicing, "_COMPILE_CASES", 2_000)
    splits.setattr(runner, "_SPLIT_MIN_CASES", 1000)
    model = looped_model()
    batch = batch_of(4000, seed=5)

    def ask(net: CompiledNetwork) -> object:
        return net.query(batch, targets=TARGETS, events={"none": EVENT})

    expected = unsplit(model, splits, ask)
    net = CompiledNetwork.from_model(model)
    seen = []
    for _ in range(3):
        got = ask(net)
        seen.append(len(conditions(net)))
        np.testing.assert_allclose(got.log_evidence, expected.log_evidence, atol=TOL, rtol=0)
        for node in TARGETS:
            np.testing.assert_allclose(got.marginals[node], expected.marginals[node], atol=TOL)
        np.testing.assert_allclose(got.events["none"], expected.events["none"], atol=TOL)
    assert seen[0] < seen[-1]


def test_each_case_pays_once_toward_the_trees_of_its_group(splits: pytest.MonkeyPatch) -> None:
    """The cases a split leaves out are the same cases again when that group is tried
    for another split: compile costs are shared by the cases run, not by their count
    twice over (which made one-off patterns look as if they came back)."""
    import backspasm.engine.runner as runner

    splits.setattr(runner, "_SPLIT_MIN_CASES", 1000)
    net = CompiledNetwork.from_model(looped_model())
    batch = batch_of(4000, seed=5)
    distinct = len({tuple(row) for row in np.column_stack([batch[k] for k in HARD])})
    net.query(batch, targets=TARGETS)
    (conditioning,) = net._runner.forest.conditioned.values()
    assert conditions(net)  # the batch was split, and its rest tried again
    counted = conditioning._seen[frozenset()]
    assert counted <= 4000
    assert counted >= distinct - 10
