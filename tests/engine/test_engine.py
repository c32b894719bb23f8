"""Unit tests of the compiled batch inference engine (API, validation, batching)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork

from backspasm.engine import CompiledNetwork, Evidence, Posterior
from backspasm.exceptions import EvidenceError, ImpossibleEvidenceError
from backspasm.questionnaire import questions_for
from helpers import cpd, use_kernel

TOL = 1e-9


def sprain_model() -> DiscreteBayesianNetwork:
    """Two causes, two findings; 'fever' is impossible without 'infection'."""
    yn = ["yes", "no"]
    model = DiscreteBayesianNetwork(
        [("infection", "fever"), ("infection", "pain"), ("strain", "pain"), ("pain", "spasm")]
    )
    model.add_cpds(
        cpd("infection", [[0.1], [0.9]], states=yn),
        cpd("strain", [[0.3], [0.7]], states=yn),
        cpd("fever", [[0.8, 0.0], [0.2, 1.0]], {"infection": yn}, states=yn),
        cpd(
            "pain",
            [[0.9, 0.8, 0.7, 0.05], [0.1, 0.2, 0.3, 0.95]],
            {"infection": yn, "strain": yn},
            states=yn,
        ),
        cpd(
            "spasm",
            [[0.1, 0.6], [0.3, 0.3], [0.6, 0.1]],
            {"pain": yn},
            states=["none", "mild", "severe"],
        ),
    )
    assert model.check_model()
    return model


@pytest.fixture(scope="module")
def model() -> DiscreteBayesianNetwork:
    return sprain_model()


@pytest.fixture(scope="module")
def net(model: DiscreteBayesianNetwork) -> CompiledNetwork:
    return CompiledNetwork.from_model(model)


def naive_bayes(n_children: int, seed: int) -> DiscreteBayesianNetwork:
    rng = np.random.default_rng(seed)
    model = DiscreteBayesianNetwork([("root", f"c{i}") for i in range(n_children)])
    model.add_cpds(cpd("root", [[0.4], [0.6]]))
    for i in range(n_children):
        p = rng.uniform(0.01, 0.2, size=2)
        model.add_cpds(cpd(f"c{i}", [p, 1 - p], {"root": ["s0", "s1"]}))
    return model


# ------------------------------------------------------------------------ API


def test_variables_and_states_follow_the_model(
    model: DiscreteBayesianNetwork, net: CompiledNetwork
) -> None:
    assert net.variables == tuple(model.nodes())
    assert net.states["spasm"] == ("none", "mild", "severe")
    assert net.states["fever"] == ("yes", "no")
    assert net.treewidth >= 1
    assert all(size >= 1 for size in net.clique_sizes)


def test_a_compiled_network_shows_its_size_in_one_line() -> None:
    # network.engine showed <backspasm.engine.compiled.CompiledNetwork object at 0x...>
    engine = CompiledNetwork.from_model(sprain_model())
    assert repr(engine) == (
        "<CompiledNetwork: 5 nodes, 22 table entries; junction tree compiled on the first query>"
    )
    assert repr(engine) == str(engine)  # showing it compiles nothing
    engine.query_one({"pain": "yes"})
    sizes = engine.clique_sizes
    assert repr(engine) == (
        f"<CompiledNetwork: 5 nodes, 22 table entries; junction tree of {len(sizes)} cliques, "
        f"treewidth {engine.treewidth}, largest clique {max(sizes)} entries>"
    )


def test_a_posterior_shows_its_batch_in_one_line(net: CompiledNetwork) -> None:
    # printed field by field, every marginal's array: 17,615 characters for three
    # cases of the bundled network
    cases = [{"pain": "yes"}, {"fever": "yes", "infection": "no"}, {}]
    post = net.query(net.encode(cases), events={"sick": {"infection": "yes"}})
    assert repr(post) == (
        "<Posterior: 3 cases (1 impossible); marginals of 5 nodes: infection, fever, pain, "
        "strain, spasm; 1 event: sick>"
    )
    one = net.query(net.encode([{"pain": "yes"}]), targets=["strain"])
    assert repr(one) == "<Posterior: 1 case; marginals of 1 node: strain>"


def test_query_returns_a_posterior(net: CompiledNetwork) -> None:
    ev = net.encode([{"pain": "yes"}, {"spasm": "severe", "fever": "no"}, {}])
    assert isinstance(ev, Evidence)
    assert ev.n_cases == 3
    post = net.query(ev)
    assert isinstance(post, Posterior)
    assert set(post.marginals) == set(net.variables)
    assert post.n_cases == 3
    for node, rows in post.marginals.items():
        assert rows.shape == (3, len(net.states[node]))
        np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=TOL)
    assert post.possible.dtype == bool
    assert post.possible.all()
    assert post.log_evidence.shape == (3,)
    assert post.log_evidence[2] == pytest.approx(0.0, abs=TOL)
    # Observed nodes get a one-hot marginal.
    np.testing.assert_array_equal(post.marginals["pain"][0], [1.0, 0.0])
    np.testing.assert_array_equal(post.marginals["spasm"][1], [0.0, 0.0, 1.0])


def test_posterior_is_frozen_and_frames(net: CompiledNetwork) -> None:
    post = net.query(net.encode([{"pain": "yes"}, {}]), targets=["infection", "spasm"])
    assert list(post.marginals) == ["infection", "spasm"]
    assert post.states == {"infection": ("yes", "no"), "spasm": ("none", "mild", "severe")}
    frame = post.frame("spasm")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["none", "mild", "severe"]
    assert frame.shape == (2, 3)
    with pytest.raises(KeyError, match="was not a target"):
        post.frame("fever")
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.possible = np.array([True, True])  # type: ignore[misc]


def test_query_one_matches_pgmpy(model: DiscreteBayesianNetwork, net: CompiledNetwork) -> None:
    result = net.query_one({"spasm": "severe", "fever": "no"}, targets=["infection", "strain"])
    assert set(result) == {"infection", "strain"}
    infer = VariableElimination(model)
    for node in result:
        ref = infer.query([node], evidence={"spasm": "severe", "fever": "no"}, show_progress=False)
        for state, p in result[node].items():
            assert p == pytest.approx(ref.get_value(**{node: state}), abs=TOL)


def test_plain_mapping_forms_agree(net: CompiledNetwork) -> None:
    by_name = net.query({"spasm": np.array(["severe", None, "mild"], dtype=object)})
    by_code = net.query({"spasm": np.array([2, -1, 1])})
    soft = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    by_likelihood = net.query({"spasm": soft})
    for node in net.variables:
        np.testing.assert_allclose(by_name.marginals[node], by_code.marginals[node], atol=TOL)
        np.testing.assert_allclose(
            by_likelihood.marginals[node], by_code.marginals[node], atol=TOL
        )
    np.testing.assert_allclose(by_likelihood.log_evidence, by_code.log_evidence, atol=TOL)


def test_empty_mapping_is_one_case_without_evidence(net: CompiledNetwork) -> None:
    post = net.query({})
    assert post.n_cases == 1
    assert post.log_evidence[0] == pytest.approx(0.0, abs=TOL)


def test_zero_cases(net: CompiledNetwork) -> None:
    post = net.query(Evidence({"pain": np.zeros(0, dtype=np.int64)}, 0))
    assert post.n_cases == 0
    assert post.marginals["spasm"].shape == (0, 3)
    assert net.log_evidence(net.encode([])).shape == (0,)


def test_row_of_ones_and_missing_column_mean_unobserved(net: CompiledNetwork) -> None:
    nothing = net.query({"pain": np.array([-1, -1])})
    ones = net.query({"spasm": np.ones((2, 3))})
    absent = net.query(Evidence({}, 2))
    for node in net.variables:
        np.testing.assert_allclose(nothing.marginals[node], absent.marginals[node], atol=TOL)
        np.testing.assert_allclose(ones.marginals[node], absent.marginals[node], atol=TOL)


def test_soft_evidence_scale_does_not_change_the_posterior(net: CompiledNetwork) -> None:
    a = net.query({"pain": np.array([[0.2, 0.6]])})
    b = net.query({"pain": np.array([[1.0, 3.0]])})
    for node in net.variables:
        np.testing.assert_allclose(a.marginals[node], b.marginals[node], atol=TOL)
    assert b.log_evidence[0] - a.log_evidence[0] == pytest.approx(math.log(5.0), abs=TOL)


def test_log_evidence_equals_pgmpy_probability(
    model: DiscreteBayesianNetwork, net: CompiledNetwork
) -> None:
    cases = [{"spasm": "mild", "strain": "yes"}, {"pain": "no", "fever": "yes", "spasm": "none"}]
    got = net.log_evidence(net.encode(cases))
    infer = VariableElimination(model)
    for value, case in zip(got, cases, strict=True):
        joint = infer.query(list(case), joint=True, show_progress=False)
        assert value == pytest.approx(math.log(joint.get_value(**case)), abs=TOL)


def test_log_evidence_does_not_underflow() -> None:
    """500 unlikely findings: P(e) ~ 1e-700 is far below the smallest double."""
    model = naive_bayes(500, seed=1)
    net = CompiledNetwork.from_model(model)
    evidence = {f"c{i}": np.array([0]) for i in range(500)}
    got = net.log_evidence(evidence)[0]
    per_root = []
    for r, prior in enumerate([0.4, 0.6]):
        logs = [math.log(model.get_cpds(f"c{i}").values[0, r]) for i in range(500)]
        per_root.append(math.log(prior) + math.fsum(logs))
    expected = max(per_root) + math.log(sum(math.exp(x - max(per_root)) for x in per_root))
    assert expected < -700
    assert got == pytest.approx(expected, abs=1e-8)
    post = net.query(evidence, targets=["root"])
    posterior_root = math.exp(per_root[0] - expected)
    assert post.marginals["root"][0, 0] == pytest.approx(posterior_root, abs=TOL)


# ------------------------------------------------------------ batch mechanics


def random_batch(
    net: CompiledNetwork, n: int, seed: int, soft: bool = False
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    batch: dict[str, np.ndarray] = {}
    for node in net.variables:
        card = len(net.states[node])
        if soft and rng.random() < 0.3:
            rows = rng.uniform(0.05, 1.0, size=(n, card))
            rows[rng.random(n) < 0.5] = 1.0
            batch[node] = rows
        elif rng.random() < 0.6:
            codes = rng.integers(0, card, size=n)
            codes[rng.random(n) < 0.5] = -1
            batch[node] = codes
    return batch


def one_by_one(net: CompiledNetwork, batch: dict[str, np.ndarray], n: int) -> Posterior:
    singles = [net.query({k: v[i : i + 1] for k, v in batch.items()}) for i in range(n)]
    marginals = {k: np.vstack([p.marginals[k] for p in singles]) for k in net.variables}
    log_z = np.concatenate([p.log_evidence for p in singles])
    return Posterior(marginals, log_z, log_z > -np.inf, net.states)


@pytest.mark.parametrize("soft", [False, True])
def test_dedup_gives_the_same_results_as_single_cases(soft: bool) -> None:
    net = CompiledNetwork.from_model(naive_bayes(6, seed=2))
    base = random_batch(net, 15, seed=3, soft=soft)
    rng = np.random.default_rng(4)
    order = rng.integers(0, 15, size=60)  # lots of duplicates, shuffled
    batch = {k: v[order] for k, v in base.items()}
    together = net.query(batch)
    alone = one_by_one(net, batch, 60)
    np.testing.assert_allclose(together.log_evidence, alone.log_evidence, atol=TOL)
    for node in net.variables:
        np.testing.assert_allclose(together.marginals[node], alone.marginals[node], atol=TOL)


@pytest.mark.parametrize("chunk_size", [1, 3, 7])
def test_chunking_gives_the_same_results(model: DiscreteBayesianNetwork, chunk_size: int) -> None:
    whole = CompiledNetwork.from_model(model)
    small = CompiledNetwork.from_model(model, chunk_size=chunk_size)
    assert small.chunk_size == chunk_size
    batch = random_batch(whole, 40, seed=5, soft=True)
    a, b = whole.query(batch), small.query(batch)
    np.testing.assert_array_equal(a.possible, b.possible)
    np.testing.assert_allclose(a.log_evidence, b.log_evidence, atol=TOL)
    for node in whole.variables:
        np.testing.assert_allclose(a.marginals[node], b.marginals[node], atol=TOL, equal_nan=True)


def test_chunk_size_must_be_positive(model: DiscreteBayesianNetwork) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        CompiledNetwork.from_model(model, chunk_size=0)


def test_target_subsets_agree_with_the_full_query() -> None:
    from pgmpy.utils import get_example_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = get_example_model("asia")
    net = CompiledNetwork.from_model(model)
    batch = random_batch(net, 30, seed=6, soft=True)
    full = net.query(batch)
    rng = np.random.default_rng(7)
    for _ in range(6):
        targets = list(rng.choice(net.variables, size=int(rng.integers(1, 5)), replace=False))
        part = net.query(batch, targets=targets)
        assert list(part.marginals) == [v for v in net.variables if v in targets]
        np.testing.assert_allclose(part.log_evidence, full.log_evidence, atol=TOL)
        for node in targets:
            np.testing.assert_allclose(part.marginals[node], full.marginals[node], atol=TOL)


def test_both_target_placements_agree() -> None:
    """The planner picks the cheaper of two target placements; both must be exact."""
    from backspasm.engine.kernels import _execute

    net = CompiledNetwork.from_model(naive_bayes(8, seed=8))
    tree = net._runner.full
    batch = random_batch(net, 25, seed=9, soft=True)
    lam, _ = net._runner.likelihood_blocks(net._codec.coerce(batch), np.zeros(1, dtype=np.int64))
    active = frozenset(lam)
    targets = tuple(range(len(net.variables)))
    by_home: dict[int, tuple[int, ...]] = {}
    for v in targets:
        by_home[tree._home[v]] = (*by_home.get(tree._home[v], ()), v)
    results = [
        _execute(tree._plan_for(active, placement), lam, 25)
        for placement in (by_home, tree._near_root(targets))
    ]
    (m1, z1, _), (m2, z2, _) = results
    np.testing.assert_allclose(z1, z2, atol=TOL)
    for v in targets:
        np.testing.assert_allclose(m1[v], m2[v], atol=TOL)


def noisy_or(seed: int, n_causes: int = 16, n_findings: int = 10) -> DiscreteBayesianNetwork:
    """Causes with noisy-OR findings (3 to 5 parents each) and one noisy-MAX finding."""
    rng = np.random.default_rng(seed)
    causes = [f"c{i}" for i in range(n_causes)]
    yn = ["no", "yes"]
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(causes)
    for c in causes:
        p = rng.uniform(0.05, 0.3)
        model.add_cpds(cpd(c, [[1 - p], [p]], states=yn))
    for j in range(n_findings):
        parents = sorted(rng.choice(causes, size=int(rng.integers(3, 6)), replace=False))
        leak = rng.uniform(0.01, 0.1)
        q = rng.uniform(0.05, 0.9, size=len(parents))
        p_no = np.array(
            [
                (1 - leak) * np.prod([q[i] for i, on in enumerate(combo) if on])
                for combo in itertools.product([0, 1], repeat=len(parents))
            ]
        )
        model.add_edges_from((p, f"f{j}") for p in parents)
        model.add_cpds(cpd(f"f{j}", [p_no, 1 - p_no], dict.fromkeys(parents, yn), states=yn))
    # A three-level noisy-MAX: P(Y <= y | x) = prod_i F_i(y | x_i).
    parents = causes[:4]
    levels = []
    for combo in itertools.product([0, 1], repeat=4):
        cdf = [np.prod([0.9 if on else 1.0 for on in combo]) * 0.95, 1.0]
        cdf[0] *= 0.7
        levels.append(cdf)
    cum = np.array(levels).T  # F(y = 0), F(y = 1) per column
    table = np.vstack([cum[0], cum[1] - cum[0], 1 - cum[1] + 1e-3])
    table /= table.sum(axis=0)
    model.add_edges_from((p, "grade") for p in parents)
    model.add_cpds(cpd("grade", table, dict.fromkeys(parents, yn), states=["0", "1", "2"]))
    assert model.check_model()
    return model


@pytest.mark.parametrize("seed", range(4))
def test_noisy_or_decomposition_is_exact(seed: int) -> None:
    model = noisy_or(seed)
    plain = CompiledNetwork.from_model(model, decompose=False)
    fast = CompiledNetwork.from_model(model)
    assert fast._runner.full._signed, "the noisy-OR CPTs should have been decomposed"
    assert sum(fast.clique_sizes) < sum(plain.clique_sizes)
    batch = random_batch(plain, 50, seed=seed, soft=True)
    batch["f0"] = np.where(np.arange(50) % 3 == 0, 1, -1)  # plenty of positive findings
    a, b = plain.query(batch), fast.query(batch)
    np.testing.assert_array_equal(a.possible, b.possible)
    np.testing.assert_allclose(a.log_evidence, b.log_evidence, atol=TOL, rtol=0)
    for node in plain.variables:
        np.testing.assert_allclose(a.marginals[node], b.marginals[node], atol=TOL, rtol=0)
    infer = VariableElimination(model)
    hard = {k: v for k, v in batch.items() if v.ndim == 1}
    post = fast.query(hard, targets=["c0", "grade"])
    for i in range(3):
        case = {k: plain.states[k][int(v[i])] for k, v in hard.items() if v[i] >= 0}
        for target in ["c0", "grade"]:
            if target not in case:
                ref = infer.query([target], evidence=case, show_progress=False)
                np.testing.assert_allclose(post.marginals[target][i], ref.values, atol=TOL)


def leaky_or(leak: float) -> DiscreteBayesianNetwork:
    """A noisy-OR child of eight roots, one of them as rare as the leak."""
    ny = ["no", "yes"]  # the order of the bundled network's yes/no nodes
    parents = ["c", *(f"a{i}" for i in range(7))]  # enough for the rewrite to pay
    model = DiscreteBayesianNetwork([(p, "y") for p in parents])
    model.add_cpds(cpd("c", [[1 - 2 * leak], [2 * leak]], states=ny))
    model.add_cpds(*(cpd(p, [[0.8], [0.2]], states=ny) for p in parents[1:]))
    p_no = np.array(
        [
            (1 - leak) * 0.5 ** sum(combo)
            for combo in itertools.product([0, 1], repeat=len(parents))
        ]
    )
    model.add_cpds(cpd("y", [p_no, 1 - p_no], dict.fromkeys(parents, ny), states=ny))
    assert model.check_model()
    return model


@pytest.mark.parametrize("leak", [1e-6, 1e-12])
def test_a_tiny_leak_stays_exact(leak: float) -> None:
    # A noisy-OR leak of 1e-12 (a variant's "almost never otherwise") was rewritten by
    # the noisy-MAX decomposition, whose P(yes | x) = 1 - F(no | x) lost four of
    # sixteen digits: a posterior 1.4e-4 off pgmpy's. Such a table is now kept whole;
    # the bundled network's leaks of one in a million are still rewritten.
    model = leaky_or(leak)
    fast = CompiledNetwork.from_model(model)
    plain = CompiledNetwork.from_model(model, decompose=False)
    assert (sum(fast.clique_sizes) < sum(plain.clique_sizes)) == (leak == 1e-6)
    evidence = {"y": "yes", **{f"a{i}": "no" for i in range(7)}}
    got = fast.query_one(evidence, targets=["c"])["c"]["yes"]
    ref = VariableElimination(model).query(["c"], evidence=evidence, show_progress=False)
    assert ref.get_value(c="yes") == pytest.approx(0.5, abs=0.01)  # the leak matters here
    assert got == pytest.approx(ref.get_value(c="yes"), abs=TOL)


@pytest.mark.parametrize("seed", range(2))
def test_fewer_triangulation_restarts_change_the_tree_not_the_answers(seed: int) -> None:
    # Twin networks compile without restarts (twice as fast); exactness must not depend
    # on which elimination order the heuristics found.
    model = noisy_or(seed)
    careful = CompiledNetwork.from_model(model)
    quick = CompiledNetwork.from_model(model, restarts=0)
    assert sum(quick.clique_sizes) >= sum(careful.clique_sizes)
    batch = random_batch(careful, 40, seed=seed, soft=True)
    a, b = careful.query(batch), quick.query(batch)
    np.testing.assert_allclose(a.log_evidence, b.log_evidence, atol=TOL, rtol=0)
    for node in careful.variables:
        np.testing.assert_allclose(a.marginals[node], b.marginals[node], atol=TOL, rtol=0)
    with pytest.raises(ValueError, match="restarts must be at least 0"):
        CompiledNetwork.from_model(model, restarts=-1)


def test_pruned_trees_give_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    import backspasm.engine.forest as engine

    model = noisy_or(7)
    batch = random_batch(CompiledNetwork.from_model(model), 40, seed=11, soft=True)
    for node in ["f1", "f2", "f3", "grade"]:
        batch.pop(node, None)  # barren unless targeted
    monkeypatch.setattr(engine, "_PRUNE_MIN_CASES", 10**9)
    full = CompiledNetwork.from_model(model).query(batch, targets=["c0", "c3"])
    monkeypatch.setattr(engine, "_PRUNE_MIN_CASES", 1)
    net = CompiledNetwork.from_model(model)
    pruned = net.query(batch, targets=["c0", "c3"])
    assert len(net._runner.trees) == 2  # the full tree and one without the barren findings
    np.testing.assert_allclose(pruned.log_evidence, full.log_evidence, atol=TOL)
    for node in ["c0", "c3"]:
        np.testing.assert_allclose(pruned.marginals[node], full.marginals[node], atol=TOL)
    np.testing.assert_allclose(net.log_evidence(batch), full.log_evidence, atol=TOL)
    assert net.log_evidence(Evidence({}, 3)).tolist() == [0.0, 0.0, 0.0]


def test_disconnected_network() -> None:
    model = DiscreteBayesianNetwork([("a", "b")])
    model.add_node("lonely")
    model.add_cpds(
        cpd("a", [[0.3], [0.7]]),
        cpd("b", [[0.9, 0.4], [0.1, 0.6]], {"a": ["s0", "s1"]}),
        cpd("lonely", [[0.25], [0.75]]),
    )
    net = CompiledNetwork.from_model(model)
    post = net.query(net.encode([{"b": "s0", "lonely": "s1"}, {}]))
    p_b0 = 0.3 * 0.9 + 0.7 * 0.4
    assert post.marginals["a"][0, 0] == pytest.approx(0.3 * 0.9 / p_b0, abs=TOL)
    assert post.log_evidence[0] == pytest.approx(math.log(p_b0 * 0.75), abs=TOL)
    np.testing.assert_allclose(post.marginals["lonely"][1], [0.25, 0.75], atol=TOL)


def test_single_node_network() -> None:
    model = DiscreteBayesianNetwork()
    model.add_node("only")
    model.add_cpds(cpd("only", [[0.2], [0.5], [0.3]]))
    net = CompiledNetwork.from_model(model)
    post = net.query({"only": np.array([-1, 1])})
    np.testing.assert_allclose(post.marginals["only"], [[0.2, 0.5, 0.3], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(post.log_evidence, [0.0, math.log(0.5)], atol=TOL)


def test_child_cpd_may_order_parent_states_differently() -> None:
    model = DiscreteBayesianNetwork([("a", "b")])
    model.add_cpds(
        cpd("a", [[0.3], [0.7]], states=["lo", "hi"]),
        # Columns follow a's states in the order hi, lo.
        cpd("b", [[0.4, 0.9], [0.6, 0.1]], {"a": ["hi", "lo"]}, states=["y", "n"]),
    )
    net = CompiledNetwork.from_model(model)
    result = net.query_one({"a": "lo"}, targets=["b"])
    assert result["b"]["y"] == pytest.approx(0.9, abs=TOL)


def test_repeated_queries_are_deterministic(net: CompiledNetwork) -> None:
    batch = random_batch(net, 20, seed=10, soft=True)
    a, b = net.query(batch), net.query(batch)
    np.testing.assert_array_equal(a.log_evidence, b.log_evidence)
    for node in net.variables:
        np.testing.assert_array_equal(a.marginals[node], b.marginals[node])


# --------------------------------------------------------- impossible evidence


def test_impossible_cases_are_flagged_not_raised(net: CompiledNetwork) -> None:
    cases = [
        {"fever": "yes", "infection": "no"},
        {"fever": "yes"},
        {"fever": "yes", "infection": "no"},
    ]
    post = net.query(net.encode(cases))
    np.testing.assert_array_equal(post.possible, [False, True, False])
    assert post.log_evidence[0] == -np.inf
    assert np.isfinite(post.log_evidence[1])
    for rows in post.marginals.values():
        assert np.isnan(rows[0]).all()
        assert np.isnan(rows[2]).all()
        assert not np.isnan(rows[1]).any()
    np.testing.assert_array_equal(net.log_evidence(net.encode(cases)), post.log_evidence)


def test_soft_evidence_can_be_impossible(net: CompiledNetwork) -> None:
    post = net.query({"fever": np.array([[1.0, 0.0]]), "infection": np.array([[0.0, 2.0]])})
    assert not post.possible[0]
    assert post.log_evidence[0] == -np.inf


def test_query_one_raises_on_impossible_evidence(net: CompiledNetwork) -> None:
    with pytest.raises(ImpossibleEvidenceError, match="probability zero"):
        net.query_one({"fever": "yes", "infection": "no"})


# ----------------------------------------------------------- prob_conjunction


def test_prob_conjunction(model: DiscreteBayesianNetwork, net: CompiledNetwork) -> None:
    cases = [{"spasm": "severe"}, {}, {"fever": "yes", "infection": "no"}]
    event = {"infection": "no", "strain": "no"}
    got = net.prob_conjunction(net.encode(cases), event)
    infer = VariableElimination(model)
    for i in range(2):
        joint = infer.query(list(event), evidence=cases[i], joint=True, show_progress=False)
        assert got[i] == pytest.approx(joint.get_value(**event), abs=TOL)
    assert np.isnan(got[2])


def test_prob_conjunction_with_a_set_of_states(net: CompiledNetwork) -> None:
    ev = net.encode([{"pain": "yes"}, {"pain": "no"}])
    got = net.prob_conjunction(ev, {"spasm": ["mild", "severe"]})
    marg = net.query(ev, targets=["spasm"]).marginals["spasm"]
    np.testing.assert_allclose(got, marg[:, 1:].sum(axis=1), atol=TOL)


def test_prob_conjunction_against_conflicting_evidence_is_zero(net: CompiledNetwork) -> None:
    ev = net.encode([{"strain": "yes"}, {"strain": np.array([0.5, 0.5]).tolist()}])
    got = net.prob_conjunction(ev, {"strain": "no"})
    assert got[0] == 0.0
    assert 0.0 < got[1] < 1.0


def test_prob_conjunction_rejects_bad_events(net: CompiledNetwork) -> None:
    ev = net.encode([{}])
    with pytest.raises(EvidenceError, match="at least one node"):
        net.prob_conjunction(ev, {})
    with pytest.raises(EvidenceError, match="allows no state"):
        net.prob_conjunction(ev, {"strain": []})
    with pytest.raises(EvidenceError, match="Unknown state 'maybe' for node 'strain'"):
        net.prob_conjunction(ev, {"strain": "maybe"})


# ------------------------------------------------------------------ validation


def test_unknown_node_suggests_close_names(net: CompiledNetwork) -> None:
    with pytest.raises(EvidenceError, match=r"Unknown node 'spazm' \(did you mean 'spasm'\?\)"):
        net.encode([{"spazm": "mild"}])
    with pytest.raises(
        EvidenceError, match=r"Known nodes: infection, fever, pain, strain, spasm\."
    ):
        net.query({"zzz": np.array([0])})
    with pytest.raises(EvidenceError, match="Unknown node 'painn'"):
        net.query({}, targets=["painn"])


def test_unknown_state_lists_the_allowed_ones(net: CompiledNetwork) -> None:
    message = "Unknown state 'severee' for node 'spasm' (did you mean 'severe'?); allowed states: 'none', 'mild', 'severe'."
    with pytest.raises(EvidenceError, match=re.escape(message)):
        net.encode([{"spasm": "severee"}])
    with pytest.raises(EvidenceError, match="Unknown state 'huge' for node 'spasm'"):
        net.query({"spasm": np.array(["mild", "huge"], dtype=object)})


def test_state_index_out_of_range(net: CompiledNetwork) -> None:
    with pytest.raises(
        EvidenceError, match=r"State index 3 out of range for node 'spasm' in case 1"
    ):
        net.query({"spasm": np.array([0, 3])})
    with pytest.raises(EvidenceError, match="State index -2 out of range"):
        net.query({"spasm": np.array([-2])})
    with pytest.raises(EvidenceError, match="State index 5 out of range for node 'pain'"):
        net.encode([{"pain": 5}])


def test_wrong_array_length(net: CompiledNetwork) -> None:
    with pytest.raises(EvidenceError, match="'pain' has 3 rows but the batch has 2 cases"):
        net.query({"spasm": np.array([0, 1]), "pain": np.array([0, 1, 0])})
    with pytest.raises(EvidenceError, match="has 1 rows but the batch has 2 cases"):
        Evidence({"pain": np.array([0])}, 2)


def test_bad_likelihoods(net: CompiledNetwork) -> None:
    with pytest.raises(EvidenceError, match="Likelihood for node 'pain' in case 1 is negative"):
        net.query({"pain": np.array([[1.0, 1.0], [-0.5, 1.0]])})
    with pytest.raises(EvidenceError, match="Likelihood for node 'pain' in case 0 is all zero"):
        net.query({"pain": np.array([[0.0, 0.0]])})
    with pytest.raises(EvidenceError, match="is not finite"):
        net.query({"pain": np.array([[np.nan, 1.0]])})
    with pytest.raises(EvidenceError, match="must have 2 values per case"):
        net.query({"pain": np.ones((1, 3))})
    with pytest.raises(EvidenceError, match="in case 0 has 3 values; expected 2"):
        net.encode([{"pain": [0.1, 0.2, 0.3]}])


def test_other_bad_evidence(net: CompiledNetwork) -> None:
    with pytest.raises(EvidenceError, match="must be integer state indices"):
        net.query({"pain": np.array([0.0, 1.0])})
    with pytest.raises(EvidenceError, match="one entry per case"):
        net.query({"pain": 0})
    with pytest.raises(EvidenceError, match="Case 0 must be a mapping"):
        net.encode(["pain"])  # type: ignore[list-item]
    with pytest.raises(EvidenceError, match="must be a name or an index"):
        net.encode([{"pain": True}])


def test_encode_mixes_names_indices_likelihoods_and_blanks(net: CompiledNetwork) -> None:
    ev = net.encode([{"pain": "yes", "spasm": 2}, {"pain": [0.3, 0.6]}, {"pain": None}])
    np.testing.assert_array_equal(ev.values["spasm"], [2, -1, -1])
    np.testing.assert_allclose(ev.values["pain"], [[1.0, 0.0], [0.3, 0.6], [1.0, 1.0]])


def test_prob_conjunction_reuses_a_known_log_evidence(
    model: DiscreteBayesianNetwork, net: CompiledNetwork
) -> None:
    evidence = {
        "spasm": np.array([0, 2, -1, 1]),
        "infection": np.array([-1, -1, 0, 1]),
    }
    event = {"infection": "no", "strain": "no"}
    plain = net.prob_conjunction(evidence, event)
    reused = net.prob_conjunction(evidence, event, log_evidence=net.log_evidence(evidence))
    np.testing.assert_allclose(reused, plain, atol=1e-15)
    # case 2 observed infection = yes, so the event cannot hold
    assert plain[2] == 0.0
    ve = VariableElimination(model)
    ref = ve.query(["infection", "strain"], evidence={"spasm": "severe"}, show_progress=False)
    assert plain[1] == pytest.approx(ref.get_value(infection="no", strain="no"), abs=1e-12)


# ------------------------------------------------------------- fused kernel


def two_parts() -> DiscreteBayesianNetwork:
    """Two unconnected parts: the junction tree joins them by an empty separator."""
    model = DiscreteBayesianNetwork([("a", "b"), ("c", "d")])
    model.add_cpds(
        cpd("a", [[0.3], [0.7]]),
        cpd("b", [[0.9, 0.4], [0.1, 0.6]], {"a": ["s0", "s1"]}),
        cpd("c", [[0.25], [0.75]]),
        cpd("d", [[0.5, 0.2], [0.5, 0.8]], {"c": ["s0", "s1"]}),
    )
    return model


@pytest.mark.parametrize("kind", ["python", "numba"])
@pytest.mark.parametrize(
    ("build", "soft"),
    [
        (sprain_model, True),
        (lambda: noisy_or(3, n_causes=8, n_findings=5), True),
        (two_parts, False),
    ],
)
def test_fused_kernel_equals_the_numpy_kernel(
    monkeypatch: pytest.MonkeyPatch, kind: str, build: Any, soft: bool
) -> None:
    """Same marginals, log P(e), impossible cases and conjunctions from both kernels."""
    model = build()
    use_kernel(monkeypatch, "numpy")
    plain = CompiledNetwork.from_model(model)
    batch = random_batch(plain, 40, seed=5, soft=soft)
    if build is sprain_model:
        # Fever without infection is impossible: the first four cases.
        batch["fever"] = np.where(np.arange(40) < 4, 0, -1)
        batch["infection"] = np.where(np.arange(40) < 4, 1, -1)
    expected = plain.query(batch)
    first = plain.variables[0]
    event = {first: plain.states[first][0]}
    expected_conj = plain.prob_conjunction(batch, event)
    use_kernel(monkeypatch, kind)
    fused = CompiledNetwork.from_model(model, chunk_size=16)  # several chunks
    got = fused.query(batch)
    plans = [plan for tree in fused._runner.trees.values() for plan in tree._plans.values()]
    assert plans
    assert all(plan.fused is not None for plan in plans)
    np.testing.assert_array_equal(got.possible, expected.possible)
    if build is sprain_model:
        assert (~got.possible).any(), "the batch should hold impossible cases"
    np.testing.assert_allclose(got.log_evidence, expected.log_evidence, atol=TOL, rtol=0)
    for node in plain.variables:
        np.testing.assert_allclose(got.marginals[node], expected.marginals[node], atol=TOL)
    np.testing.assert_allclose(
        fused.prob_conjunction(batch, event), expected_conj, atol=TOL, equal_nan=True
    )


@pytest.mark.parametrize("kind", ["python", "numba"])
def test_fused_kernel_matches_pgmpy_on_targets(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    use_kernel(monkeypatch, kind)
    model = noisy_or(1, n_causes=8, n_findings=5)
    net = CompiledNetwork.from_model(model)
    batch = random_batch(net, 6, seed=2)
    post = net.query(batch, targets=["c0", "c5", "grade"])
    infer = VariableElimination(model)
    for i in range(6):
        case = {k: net.states[k][int(v[i])] for k, v in batch.items() if v[i] >= 0}
        for target in ["c0", "c5", "grade"]:
            if target not in case:
                ref = infer.query([target], evidence=case, show_progress=False)
                names = [str(s) for s in ref.state_names[target]]
                want = [ref.values[names.index(s)] for s in net.states[target]]
                np.testing.assert_allclose(post.marginals[target][i], want, atol=TOL)


def test_environment_switches_the_fused_kernel_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import backspasm.engine.fused as fused

    monkeypatch.setattr(fused, "_TRIED", False)
    monkeypatch.setattr(fused, "_KERNEL", None)
    monkeypatch.setenv("BACKSPASM_ENGINE", "numpy")
    assert fused._kernel() is None


def test_eager_log_evidence_runs_a_small_batch_fused(monkeypatch: pytest.MonkeyPatch) -> None:
    """``eager=True``: a few cases run the fused kernel once it is loaded, same numbers."""
    pytest.importorskip("numba")
    import backspasm.engine.fused as fused

    monkeypatch.delenv("BACKSPASM_ENGINE", raising=False)
    monkeypatch.setattr(fused, "_TRIED", False)
    monkeypatch.setattr(fused, "_ASKED", False)
    monkeypatch.setattr(fused, "_KERNEL", None)
    monkeypatch.setattr(fused, "_CASES_SEEN", 0)  # as in a fresh process
    net = CompiledNetwork.from_model(noisy_or(3, n_causes=8, n_findings=5))
    batch = random_batch(net, 5, seed=3)

    def plans() -> list[Any]:
        return [plan for tree in net._runner.trees.values() for plan in tree._plans.values()]

    expected = net.log_evidence(batch, eager=True)  # the kernel is not loaded yet
    assert fused._kernel() is not None
    np.testing.assert_array_equal(net.log_evidence(batch), expected)  # too few cases to fuse
    assert all(plan.fused is None for plan in plans())
    got = net.log_evidence(batch, eager=True)
    assert any(plan.fused is not None for plan in plans())
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)


def test_the_compiled_kernel_is_cached_outside_the_package():
    # numba wrote its cache into the installed package's __pycache__, which
    # `pip uninstall` leaves behind as an empty namespace package named backspasm.
    from backspasm.engine import fused, jit

    pytest.importorskip("numba")
    from numba.core import caching

    jit._cache_outside_the_package()
    jit._cache_outside_the_package()  # installed once
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    ours = [c for c in impl._locator_classes if getattr(c, "_backspasm", False)]
    assert len(ours) == 1
    locator = ours[0].from_function(fused._run_plan, fused.__file__)
    if locator is None:
        pytest.skip("no writable user cache folder: numba keeps its default")
    package = Path(fused.__file__).resolve().parents[1]
    assert package not in Path(locator.get_cache_path()).resolve().parents
    assert ours[0].from_function(np.sum, np.__file__) is None  # other packages: untouched


def test_a_user_cache_folder_that_cannot_be_written_leaves_the_package_alone(tmp_path):
    # With a read-only home numba fell through to its in-tree locator and wrote its
    # cache into the installed package, which `pip uninstall` then left behind; with
    # the package read-only too, the kernel was given up for numpy. Now: compiled
    # for the process, nothing written beside the source, and a warning naming
    # NUMBA_CACHE_DIR.
    pytest.importorskip("numba")
    import os
    import subprocess
    import sys

    from backspasm.engine import fused

    blocked = tmp_path / "a_file"
    blocked.write_text("")  # a folder below a file cannot be made, even by root
    package = Path(fused.__file__).resolve().parents[1]

    def cached() -> set[Path]:
        return {p for p in package.rglob("*") if p.suffix in {".nbi", ".nbc"}}

    before = cached()
    script = """
import warnings
from backspasm.engine import fused
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    kernel = fused._load()
print(kernel is not None)
print(any("NUMBA_CACHE_DIR" in str(w.message) for w in seen))
"""
    env = {k: v for k, v in os.environ.items() if k not in {"BACKSPASM_ENGINE", "NUMBA_CACHE_DIR"}}
    env["XDG_CACHE_HOME"] = str(blocked / "cache")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["True", "True"], out.stderr
    assert cached() == before


def test_numba_is_loaded_once_a_process_has_run_enough_cases():
    # A one-off diagnosis does not pay numba's loading; a notebook session does, after
    # a few diagnoses (the shipped conflict threshold no longer loads it as a side
    # effect, and diagnoses ran twice as slow on the numpy kernel all session long).
    # In a fresh interpreter: this process has loaded the kernel in earlier tests.
    pytest.importorskip("numba")
    script = """
from backspasm.diagnosis import diagnose
from backspasm.engine import fused, runner
answers = {"age": 45, "spasm_location": "flank", "blood_in_urine": "yes"}
diagnose(answers)
first = (fused._ASKED, fused._CASES_SEEN)
while fused._CASES_SEEN < runner._WARM_CASES:
    diagnose(answers)
diagnose(answers)
print(first[0], 0 < first[1] < runner._WARM_CASES, fused._ASKED)
"""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "BACKSPASM_ENGINE"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["False", "True", "True"], out.stderr


def test_a_numba_that_cannot_compile_says_so_and_falls_back(monkeypatch):
    # The fallback to numpy was silent: a broken numba lost the speed-up unseen.
    import types

    from backspasm.engine import fused, jit

    def njit(*args, **kwargs):
        raise RuntimeError("no LLVM here")

    monkeypatch.delenv("BACKSPASM_ENGINE", raising=False)
    monkeypatch.setattr(
        jit.importlib, "import_module", lambda name: types.SimpleNamespace(njit=njit)
    )
    monkeypatch.setattr(jit, "_cache_outside_the_package", lambda: None)
    with pytest.warns(RuntimeWarning, match="no LLVM here.*numpy kernel"):
        assert fused._load() is None


def test_one_byte_codes_give_the_same_posteriors_and_stay_untouched() -> None:
    # A scorer hands the engine int8 codes (one byte per answer); they are no longer
    # widened to an int64 copy, so every use of them must take them as they are.
    from backspasm.network import default_network

    net = default_network().engine
    wide = random_batch(net, 700, seed=21)  # enough cases to be split and fused
    wide = {k: v for k, v in wide.items() if v.ndim == 1}
    wide["back_spasm"] = np.full(700, net.states["back_spasm"].index("yes"))
    narrow = {k: v.astype(np.int8) for k, v in wide.items()}
    kept = {k: v.copy() for k, v in narrow.items()}
    assert all(net._codec.coerce(narrow).values[k].dtype == np.int8 for k in narrow)
    event = {"epidural_abscess": "no", "spinal_tumor": "no"}
    a = net.query(wide, events={"none": event})
    b = net.query(narrow, events={"none": event})
    np.testing.assert_array_equal(a.log_evidence, b.log_evidence)
    np.testing.assert_array_equal(a.events["none"], b.events["none"])
    for v in net.variables:
        np.testing.assert_array_equal(a.marginals[v], b.marginals[v])
    for k in narrow:
        np.testing.assert_array_equal(narrow[k], kept[k])


@pytest.mark.parametrize("seed", range(20))
def test_each_tree_edge_splits_the_cliques_into_its_two_sides(seed: int) -> None:
    """Which messages carry evidence, and which ones a target needs, are read off the
    side of each edge: the cliques reachable from one end without crossing it."""
    from backspasm.engine.triangulation import _sides

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    # A forest: each clique joins an earlier one, or starts a tree of its own.
    tree = [(int(rng.integers(0, c)), c) for c in range(1, n) if rng.random() < 0.85]
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b in tree:
        nbrs[a].append(b)
        nbrs[b].append(a)
    edges = [e for a, b in tree for e in ((a, b), (b, a))]

    def reach(a: int, b: int) -> frozenset[int]:
        seen, todo = {a}, [a]
        while todo:
            c = todo.pop()
            for d in nbrs[c]:
                if d not in seen and (c, d) != (a, b):
                    seen.add(d)
                    todo.append(d)
        return frozenset(seen)

    assert _sides(nbrs, edges) == [reach(a, b) for a, b in edges]


def test_a_tree_without_barren_nodes_never_costs_more_than_the_whole_one_restricted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The greedy triangulation of the bundled network without the barren nodes of
    # half-answered cases can come out bigger than the whole network's tree (62,882
    # table entries against 42,850). Such a tree is offered the whole tree's cliques,
    # restricted to its variables, and takes whichever costs the fused kernel less
    # work (not table size: with more operands per step, smaller cliques can run
    # slower); it is never the costlier of the two.
    import backspasm
    import backspasm.engine.forest as engine
    from backspasm.engine.triangulation import _cost, _guided

    monkeypatch.setattr(engine, "_PRUNE_MIN_CASES", 1)
    network = backspasm.load_network()
    compiled = network.engine
    # What scoring asks: the causes, given answers to the questions; the complications
    # are then barren.
    asked = {q.node for q in questions_for(network)} & set(compiled.variables)
    rng = np.random.default_rng(5)
    n = 30
    batch = {v: rng.integers(-1, len(compiled.states[v]), size=n) for v in sorted(asked)}
    batch["back_spasm"] = np.zeros(n, dtype=np.int64)
    targets = list(network.causes)
    pruned = compiled.query(batch, targets=targets)
    forest = compiled._runner.forest
    whole = sum(forest.full.clique_sizes)
    parts = [t for t in forest.trees.values() if t is not forest.full]
    assert parts, "a batch that leaves the complications out should run on a pruned tree"
    for tree in parts:
        scopes = [scope for scope, _ in tree._factors]
        restricted = _guided(forest.full._cliques, forest.full._owners, scopes, tree._owners)
        assert restricted is not None
        chosen = _cost(tree._cliques, tree._card, part=True)
        assert chosen <= _cost(restricted, tree._card, part=True)
        assert sum(tree.clique_sizes) < 2 * whole
    # Same answers as pgmpy on a few of the cases.
    infer = VariableElimination(backspasm.load_network().model)
    possible = np.flatnonzero(pruned.possible)  # random answers can contradict each other
    for i in possible[:2]:
        case = {k: compiled.states[k][int(v[i])] for k, v in batch.items() if v[i] >= 0}
        for target in ("herniated_disc", "kidney_stones"):
            if target not in case:
                ref = infer.query([target], evidence=case, show_progress=False)
                np.testing.assert_allclose(pruned.marginals[target][i], ref.values, atol=TOL)


def test_restricted_cliques_triangulate_the_subgraph() -> None:
    from backspasm.engine.triangulation import _moral_graph, _restricted, _triangulate

    rng = np.random.default_rng(2)
    for _ in range(20):
        n = int(rng.integers(6, 14))
        scopes = [
            (v, *rng.choice(v, size=min(v, int(rng.integers(0, 4))), replace=False).tolist())
            for v in range(n)
        ]
        cards = rng.integers(2, 4, size=n).tolist()
        cliques = _triangulate(_moral_graph(scopes), cards)
        keep = sorted(rng.choice(n, size=int(rng.integers(1, n)), replace=False).tolist())
        rename = {v: k for k, v in enumerate(keep)}
        sub = _restricted(cliques, rename)
        # Each is a kept part of a whole clique, none inside another, and every edge of
        # the subgraph's moral graph (scopes within the kept variables) is covered.
        assert all(
            any(set(c) <= {rename[v] for v in w if v in rename} for w in cliques) for c in sub
        )
        assert not any(set(a) < set(b) for a in sub for b in sub)
        assert {v for c in sub for v in c} == set(range(len(keep)))
        for scope in scopes:
            if set(scope) <= set(keep):
                assert any({rename[v] for v in scope} <= set(c) for c in sub)
        entries = sum(math.prod(cards[keep[v]] for v in c) for c in sub)
        assert entries <= sum(math.prod(cards[v] for v in c) for c in cliques)
