"""Events in the marginals' propagation: ``CompiledNetwork.query(..., events=...)``.

The probability of each event must equal :meth:`CompiledNetwork.prob_conjunction`
(a separate propagation with the event as evidence) and pgmpy, whichever kernel runs,
and adding events must leave the marginals as they were.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from pgmpy.factors.discrete import TabularCPD
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork

from backspasm.engine import CompiledNetwork
from backspasm.exceptions import EvidenceError
from helpers import cpd as engine_cpd
from helpers import use_kernel

TOL = 1e-12
YN = ["yes", "no"]


def cpd(variable: str, values: Any, parents: dict[str, list[str]] | None = None) -> TabularCPD:
    """A CPD whose binary variable has states yes/no (three-state: a, b, c)."""
    states = YN if np.asarray(values).shape[0] == 2 else ["a", "b", "c"]
    return engine_cpd(variable, values, parents, states)


def sprain() -> DiscreteBayesianNetwork:
    """Two causes and three findings; 'fever' is impossible without 'infection'."""
    model = DiscreteBayesianNetwork(
        [("infection", "fever"), ("infection", "pain"), ("strain", "pain"), ("pain", "spasm")]
    )
    model.add_cpds(
        cpd("infection", [[0.1], [0.9]]),
        cpd("strain", [[0.3], [0.7]]),
        cpd("fever", [[0.8, 0.0], [0.2, 1.0]], {"infection": YN}),
        cpd(
            "pain", [[0.9, 0.8, 0.7, 0.05], [0.1, 0.2, 0.3, 0.95]], {"infection": YN, "strain": YN}
        ),
        cpd("spasm", [[0.1, 0.6], [0.3, 0.3], [0.6, 0.1]], {"pain": YN}),
    )
    return model


def noisy_or(seed: int) -> DiscreteBayesianNetwork:
    """Ten causes, eight noisy-OR findings of three to five causes (decomposed CPTs)."""
    rng = np.random.default_rng(seed)
    causes = [f"c{i}" for i in range(10)]
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(causes)
    for c in causes:
        p = rng.uniform(0.05, 0.3)
        model.add_cpds(cpd(c, [[p], [1 - p]]))
    for j in range(8):
        parents = sorted(rng.choice(causes, size=int(rng.integers(3, 6)), replace=False))
        leak, q = rng.uniform(0.01, 0.1), rng.uniform(0.05, 0.9, size=len(parents))
        p_no = np.array(
            [
                (1 - leak) * np.prod([q[i] for i, on in enumerate(combo) if on])
                for combo in itertools.product([1, 0], repeat=len(parents))
            ]
        )
        model.add_edges_from((p, f"f{j}") for p in parents)
        model.add_cpds(cpd(f"f{j}", [1 - p_no, p_no], dict.fromkeys(parents, YN)))
    return model


def batch_for(net: CompiledNetwork, n: int, seed: int) -> dict[str, np.ndarray]:
    """Random hard answers (half missing) and, for one node in three, soft ones."""
    rng = np.random.default_rng(seed)
    batch: dict[str, np.ndarray] = {}
    for node in net.variables:
        card = len(net.states[node])
        if rng.random() < 0.25:
            rows = rng.uniform(0.05, 1.0, size=(n, card))
            rows[rng.random(n) < 0.5] = 1.0
            batch[node] = rows
        elif rng.random() < 0.7:
            codes = rng.integers(0, card, size=n)
            codes[rng.random(n) < 0.5] = -1
            batch[node] = codes
    return batch


def events_of(net: CompiledNetwork, seed: int) -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    nodes = list(net.variables)
    picked = [str(v) for v in rng.permutation(nodes)]
    first = picked[0]
    return {
        "one": {first: net.states[first][0]},
        "two": {v: net.states[v][-1] for v in picked[1:3]},
        "set": {v: list(net.states[v][:-1]) for v in picked[3:5]},
    }


@pytest.mark.parametrize("kind", ["numpy", "numba"])
@pytest.mark.parametrize("build", [sprain, lambda: noisy_or(1), lambda: noisy_or(2)])
def test_events_equal_separate_conjunctions(
    monkeypatch: pytest.MonkeyPatch, kind: str, build: Any
) -> None:
    use_kernel(monkeypatch, kind)
    net = CompiledNetwork.from_model(build(), chunk_size=16)
    batch = batch_for(net, 60, seed=3)
    events = events_of(net, seed=4)
    got = net.query(batch, events=events)
    plain = net.query(batch)
    np.testing.assert_array_equal(got.possible, plain.possible)
    np.testing.assert_allclose(got.log_evidence, plain.log_evidence, atol=TOL, rtol=0)
    for node in net.variables:
        np.testing.assert_allclose(got.marginals[node], plain.marginals[node], atol=TOL)
    for name, event in events.items():
        expected = net.prob_conjunction(batch, event)
        np.testing.assert_allclose(got.events[name], expected, atol=TOL, equal_nan=True)


def test_events_equal_pgmpy() -> None:
    model = sprain()
    net = CompiledNetwork.from_model(model)
    cases = [{"spasm": "c"}, {}, {"pain": "no", "strain": "yes"}, {"fever": "yes"}]
    event = {"infection": "no", "strain": "no"}
    got = net.query(net.encode(cases), targets=["strain"], events={"none": event})
    infer = VariableElimination(model)
    for i, case in enumerate(cases):
        if any(case.get(k, v) != v for k, v in event.items()):
            assert got.events["none"][i] == 0.0
            continue
        free = {k: v for k, v in event.items() if k not in case}
        joint = infer.query(list(free), evidence=case, joint=True, show_progress=False)
        assert got.events["none"][i] == pytest.approx(joint.get_value(**free), abs=1e-9)


def test_event_against_an_observed_state_is_zero_and_impossible_is_nan() -> None:
    net = CompiledNetwork.from_model(sprain())
    ev = net.encode(
        [{"strain": "yes"}, {"strain": [0.5, 0.5]}, {"fever": "yes", "infection": "no"}]
    )
    got = net.query(ev, targets=["pain"], events={"e": {"strain": "no"}})
    assert got.events["e"][0] == 0.0
    assert 0.0 < got.events["e"][1] < 1.0
    assert np.isnan(got.events["e"][2])


def test_bad_events_are_rejected() -> None:
    net = CompiledNetwork.from_model(sprain())
    ev = net.encode([{}])
    with pytest.raises(EvidenceError, match="at least one node"):
        net.query(ev, events={"e": {}})
    with pytest.raises(EvidenceError, match="allows no state"):
        net.query(ev, events={"e": {"strain": []}})
    with pytest.raises(EvidenceError, match="Unknown state 'maybe'"):
        net.query(ev, events={"e": {"strain": "maybe"}})


def test_back_spasm_serious_event_equals_the_conjunction() -> None:
    """The bundled network, a big batch (fused kernel, pruned tree), as scoring runs it."""
    from backspasm.columns import encode_column
    from backspasm.learning import sample_cases
    from backspasm.network import default_network
    from backspasm.questionnaire import questions_for

    network = default_network()
    engine = network.engine
    frame = sample_cases(1500, network=network, seed=11, missing=0.5)
    evidence = {}
    for q in questions_for(network):
        if q.column in frame and q.node in engine.states:
            codes, invalid = encode_column(q, frame[q.column], network.states(q.node))
            evidence[q.node] = np.where(invalid, -1, codes)
    none = dict.fromkeys(network.serious_causes, "no")
    pathologic = dict.fromkeys(network.nodes_in("cause_pathologic"), "no")
    got = engine.query(evidence, targets=list(network.causes), events={"s": none, "p": pathologic})
    for name, event in (("s", none), ("p", pathologic)):
        expected = engine.prob_conjunction(evidence, event, log_evidence=got.log_evidence)
        np.testing.assert_allclose(got.events[name], expected, atol=TOL, equal_nan=True)


@pytest.mark.parametrize("kind", ["numpy", "numba"])
def test_events_without_evidence_behind_them(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Indicators where no evidence reaches: event steps without a batched input."""
    use_kernel(monkeypatch, kind)
    net = CompiledNetwork.from_model(noisy_or(3))
    events = {"far": {"c9": "no", "c8": "yes"}, "finding": {"f7": "yes"}}
    for batch in ({}, {"c0": np.array([0, 1, -1])}, {"f1": np.array([[0.3, 0.9]] * 3)}):
        got = net.query(batch, targets=["c1"], events=events)
        for name, event in events.items():
            expected = net.prob_conjunction(batch, event)
            np.testing.assert_allclose(got.events[name], expected, atol=TOL)


def logsumexp(logs: np.ndarray) -> np.ndarray:
    top = logs.max(axis=1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(np.exp(logs - safe[:, None]).sum(axis=1)) + safe)


@pytest.mark.parametrize("kind", ["numpy", "numba"])
@pytest.mark.parametrize("build", [sprain, lambda: noisy_or(4)])
def test_summed_retraction_sums_the_states(
    monkeypatch: pytest.MonkeyPatch, kind: str, build: Any
) -> None:
    """``summed=True`` is the per-state retraction summed, with or without an event."""
    use_kernel(monkeypatch, kind)
    net = CompiledNetwork.from_model(build(), chunk_size=16)
    batch = {k: v for k, v in batch_for(net, 40, seed=6).items() if v.ndim == 1}
    nodes = list(batch)
    first = nodes[0]
    for event in (None, {first: net.states[first][0]}, {nodes[-1]: net.states[nodes[-1]][1]}):
        states = net.log_retracted(batch, nodes, event=event)
        summed = net.log_retracted(batch, nodes, event=event, summed=True)
        for node in nodes:
            expected = logsumexp(states[node])
            np.testing.assert_array_equal(np.isneginf(summed[node]), np.isneginf(expected))
            finite = np.isfinite(expected)
            np.testing.assert_allclose(summed[node][finite], expected[finite], atol=1e-12)
