"""Contract battery: the compiled engine must equal pgmpy's VariableElimination.

Every comparison is absolute, to 1e-9, on posterior marginals (hard and soft
evidence), log P(evidence) and conjunction probabilities, over hand-made networks,
the classic networks pgmpy ships and seeded random networks.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import Any

import networkx as nx
import numpy as np
import pytest
from pgmpy.factors.discrete import DiscreteFactor, TabularCPD
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork

from backspasm.engine import CompiledNetwork
from backspasm.network import load_network

TOL = 1e-9
CLASSIC = ["alarm", "child", "insurance", "hepar2", "win95pts"]
RANDOM_SEEDS = list(range(24))


# --------------------------------------------------------------------- helpers


def normalised(model: DiscreteBayesianNetwork) -> DiscreteBayesianNetwork:
    """Return a copy whose every CPD column sums to one exactly (tables are rounded)."""
    copy = model.copy()
    for cpd in copy.get_cpds():
        values = np.asarray(cpd.values, dtype=np.float64)
        cpd.values = values / values.sum(axis=0, keepdims=True)
    return copy


def load_example(name: str) -> DiscreteBayesianNetwork:
    """Load a classic network, preferring pgmpy's bundled copy (no network access)."""
    bundled = files("pgmpy") / "utils" / "example_models" / f"{name}.bif.gz"
    if bundled.is_file():
        from pgmpy.utils import get_example_model

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return get_example_model(name)
    from pgmpy.example_models import load_model

    return load_model(f"bnlearn/{name}")


def make_cpd(variable: str, values: Any, parents: Sequence[str] = (), **cards: int) -> TabularCPD:
    values = np.asarray(values, dtype=np.float64)
    names = {variable: [f"s{i}" for i in range(values.shape[0])]}
    for p in parents:
        names[p] = [f"s{i}" for i in range(cards[p])]
    return TabularCPD(
        variable,
        values.shape[0],
        values,
        evidence=list(parents) or None,
        evidence_card=[cards[p] for p in parents] or None,
        state_names=names,
    )


def build(edges: Sequence[tuple[str, str]], cpds: Sequence[TabularCPD]) -> DiscreteBayesianNetwork:
    model = DiscreteBayesianNetwork(list(edges))
    model.add_nodes_from([c.variable for c in cpds])
    model.add_cpds(*cpds)
    assert model.check_model()
    return model


def random_network(seed: int, max_nodes: int = 30) -> DiscreteBayesianNetwork:
    """Random DAG (<= 3 parents), cardinalities 2-4, Dirichlet CPTs (no zeros)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, max_nodes + 1))
    names = [f"v{i}" for i in range(n)]
    order = rng.permutation(n)
    card = {v: int(rng.integers(2, 5)) for v in names}
    edges = []
    cpds = []
    for rank, i in enumerate(order):
        v = names[i]
        earlier = [names[j] for j in order[:rank]]
        k = int(rng.integers(0, min(3, len(earlier)) + 1))
        parents = list(rng.choice(earlier, size=k, replace=False)) if k else []
        edges += [(p, v) for p in parents]
        columns = math.prod(card[p] for p in parents)
        values = rng.dirichlet(np.full(card[v], 0.7), size=columns).T
        cpds.append(make_cpd(v, values, parents, **{p: card[p] for p in parents}))
    return build(edges, cpds)


def sample(
    model: DiscreteBayesianNetwork, n: int, rng: np.random.Generator
) -> list[dict[str, str]]:
    """Forward-sample complete cases, so evidence taken from them is always possible."""
    order = list(nx.topological_sort(model))
    cases: list[dict[str, str]] = [{} for _ in range(n)]
    for v in order:
        cpd = model.get_cpds(v)
        for case in cases:
            index = tuple(cpd.state_names[p].index(case[p]) for p in cpd.variables[1:])
            column = np.asarray(cpd.values)[(slice(None), *index)]
            state = rng.choice(len(column), p=column / column.sum())
            case[v] = cpd.state_names[v][state]
    return cases


def ve_marginal(
    model: DiscreteBayesianNetwork,
    target: str,
    hard: Mapping[str, str],
    soft: Mapping[str, np.ndarray] | None = None,
    states: Sequence[str] = (),
) -> np.ndarray:
    """pgmpy's posterior of one node, in the engine's state order."""
    if target in hard:
        return np.array([1.0 if s == hard[target] else 0.0 for s in states])
    infer = VariableElimination(model)  # virtual evidence mutates the model: fresh each time
    virtual = None
    if soft:
        virtual = [
            DiscreteFactor(
                [v],
                [len(lik)],
                np.asarray(lik) / np.max(lik),
                state_names={v: list(model.get_cpds(v).state_names[v])},
            )
            for v, lik in soft.items()
        ]
    factor = infer.query(
        [target], evidence=dict(hard), virtual_evidence=virtual, show_progress=False
    )
    names = [str(s) for s in factor.state_names[target]]
    return np.array([factor.values[names.index(s)] for s in states])


def ve_prob(
    model: DiscreteBayesianNetwork, event: Mapping[str, str], evidence: Mapping[str, str]
) -> float:
    """P(event | evidence) from a pgmpy joint query over the event's nodes."""
    infer = VariableElimination(model)
    factor = infer.query(list(event), evidence=dict(evidence), joint=True, show_progress=False)
    return float(factor.get_value(**event))


def ve_log_evidence(model: DiscreteBayesianNetwork, evidence: Mapping[str, str]) -> float:
    """log P(e) by the chain rule over pgmpy single-node queries."""
    infer = VariableElimination(model)
    total = 0.0
    seen: dict[str, str] = {}
    for node, state in evidence.items():
        factor = infer.query([node], evidence=dict(seen), show_progress=False)
        total += math.log(factor.get_value(**{node: state}))
        seen[node] = state
    return total


def compare_cases(
    model: DiscreteBayesianNetwork,
    net: CompiledNetwork,
    cases: list[dict[str, Any]],
    rng: np.random.Generator,
    max_targets: int | None = None,
) -> None:
    posterior = net.query(net.encode(cases))
    assert posterior.possible.all()
    for i, case in enumerate(cases):
        hard = {k: v for k, v in case.items() if isinstance(v, str)}
        soft = {k: np.asarray(v, dtype=float) for k, v in case.items() if not isinstance(v, str)}
        nodes = list(net.variables)
        if max_targets is not None and len(nodes) > max_targets:
            nodes = list(rng.choice(nodes, size=max_targets, replace=False))
        for node in nodes:
            expected = ve_marginal(model, node, hard, soft, net.states[node])
            got = posterior.marginals[node][i]
            np.testing.assert_allclose(got, expected, atol=TOL, rtol=0, err_msg=f"{node} {case}")


# ------------------------------------------------------------- small networks


def chain() -> DiscreteBayesianNetwork:
    return build(
        [("a", "b"), ("b", "c")],
        [
            make_cpd("a", [[0.3], [0.7]]),
            make_cpd("b", [[0.9, 0.2], [0.1, 0.8]], ["a"], a=2),
            make_cpd("c", [[0.6, 0.05], [0.4, 0.95]], ["b"], b=2),
        ],
    )


def v_structure() -> DiscreteBayesianNetwork:
    """Burglary and earthquake both cause the alarm: explaining away."""
    return build(
        [("burglary", "alarm"), ("quake", "alarm"), ("alarm", "call")],
        [
            make_cpd("burglary", [[0.01], [0.99]]),
            make_cpd("quake", [[0.02], [0.98]]),
            make_cpd(
                "alarm",
                [[0.95, 0.94, 0.29, 0.001], [0.05, 0.06, 0.71, 0.999]],
                ["burglary", "quake"],
                burglary=2,
                quake=2,
            ),
            make_cpd("call", [[0.9, 0.05], [0.1, 0.95]], ["alarm"], alarm=2),
        ],
    )


def diamond() -> DiscreteBayesianNetwork:
    return build(
        [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")],
        [
            make_cpd("a", [[0.4], [0.6]]),
            make_cpd("b", [[0.7, 0.1], [0.3, 0.9]], ["a"], a=2),
            make_cpd("c", [[0.2, 0.5], [0.8, 0.5]], ["a"], a=2),
            make_cpd("d", [[0.99, 0.6, 0.3, 0.05], [0.01, 0.4, 0.7, 0.95]], ["b", "c"], b=2, c=2),
        ],
    )


YES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.01]


def multi_state() -> DiscreteBayesianNetwork:
    """A four-state root with a three-state child and a binary grandchild."""
    return build(
        [("m", "t"), ("t", "y"), ("m", "y")],
        [
            make_cpd("m", [[0.1], [0.2], [0.3], [0.4]]),
            make_cpd(
                "t",
                [[0.5, 0.2, 0.1, 0.3], [0.25, 0.5, 0.3, 0.3], [0.25, 0.3, 0.6, 0.4]],
                ["m"],
                m=4,
            ),
            make_cpd("y", [YES, [1 - p for p in YES]], ["m", "t"], m=4, t=3),
        ],
    )


SMALL = {
    "chain": chain,
    "v_structure": v_structure,
    "diamond": diamond,
    "multi_state": multi_state,
}


@pytest.mark.parametrize("name", list(SMALL))
def test_small_network_every_hard_evidence_pattern(name: str) -> None:
    model = SMALL[name]()
    net = CompiledNetwork.from_model(model)
    nodes = list(net.variables)
    options = [[None, *net.states[v]] for v in nodes]
    cases = [
        {v: s for v, s in zip(nodes, combo, strict=True) if s is not None}
        for combo in itertools.product(*options)
    ]
    posterior = net.query(net.encode(cases))
    assert posterior.possible.all()
    for i, case in enumerate(cases):
        for node in nodes:
            expected = ve_marginal(model, node, case, None, net.states[node])
            np.testing.assert_allclose(posterior.marginals[node][i], expected, atol=TOL, rtol=0)
        if case:
            # pgmpy's joint over the evidence nodes gives P(e) directly.
            joint = VariableElimination(model).query(list(case), joint=True, show_progress=False)
            assert posterior.log_evidence[i] == pytest.approx(
                math.log(joint.get_value(**case)), abs=TOL
            )
        else:
            assert posterior.log_evidence[i] == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize("name", list(SMALL))
def test_small_network_soft_evidence(name: str) -> None:
    model = SMALL[name]()
    net = CompiledNetwork.from_model(model)
    rng = np.random.default_rng(7)
    cases: list[dict[str, Any]] = []
    nodes = list(net.variables)
    for _ in range(12):
        case: dict[str, Any] = {}
        for v in rng.permutation(nodes)[: int(rng.integers(1, len(nodes)))]:
            if rng.random() < 0.6:
                case[v] = list(rng.uniform(0.05, 1.0, len(net.states[v])))
            else:
                case[v] = str(rng.choice(net.states[v]))
        cases.append(case)
    compare_cases(model, net, cases, rng)


def test_explaining_away_direction() -> None:
    net = CompiledNetwork.from_model(v_structure())
    alarm_only = net.query_one({"alarm": "s0"}, targets=["burglary"])["burglary"]["s0"]
    with_quake = net.query_one({"alarm": "s0", "quake": "s0"}, targets=["burglary"])
    assert with_quake["burglary"]["s0"] < alarm_only


@pytest.mark.parametrize("name", list(SMALL))
def test_small_network_prob_conjunction(name: str) -> None:
    model = SMALL[name]()
    net = CompiledNetwork.from_model(model)
    nodes = list(net.variables)
    rng = np.random.default_rng(3)
    for _ in range(10):
        picked = list(rng.permutation(nodes))
        event_nodes, evidence_nodes = picked[:2], picked[2:3]
        event = {v: str(rng.choice(net.states[v])) for v in event_nodes}
        evidence = {v: str(rng.choice(net.states[v])) for v in evidence_nodes}
        got = net.prob_conjunction(net.encode([evidence]), event)[0]
        assert got == pytest.approx(ve_prob(model, event, evidence), abs=TOL)


# ------------------------------------------------------------ classic networks


@functools.cache
def classic(name: str) -> tuple[DiscreteBayesianNetwork, CompiledNetwork]:
    model = normalised(load_example(name))
    return model, CompiledNetwork.from_model(model)


@pytest.mark.parametrize("name", CLASSIC)
def test_classic_network_hard_evidence(name: str) -> None:
    model, net = classic(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    full = sample(model, 5, rng)
    cases = []
    for complete in full:
        keep = rng.random(len(complete)) < 0.3
        cases.append({k: v for (k, v), m in zip(complete.items(), keep, strict=True) if m})
    compare_cases(model, net, cases, rng, max_targets=10)


@pytest.mark.parametrize("name", CLASSIC)
def test_classic_network_soft_evidence(name: str) -> None:
    model, net = classic(name)
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    cases: list[dict[str, Any]] = []
    for complete in sample(model, 3, rng):
        case: dict[str, Any] = {}
        for k, v in complete.items():
            u = rng.random()
            if u < 0.15:
                case[k] = v
            elif u < 0.3:
                case[k] = list(rng.uniform(0.1, 1.0, len(net.states[k])))
        cases.append(case)
    compare_cases(model, net, cases, rng, max_targets=6)


@pytest.mark.parametrize("name", CLASSIC)
def test_classic_network_log_evidence(name: str) -> None:
    model, net = classic(name)
    rng = np.random.default_rng(sum(map(ord, name)) + 2)
    for complete in sample(model, 2, rng):
        chosen = rng.choice(list(complete), size=4, replace=False)
        evidence = {k: complete[k] for k in chosen}
        got = net.log_evidence(net.encode([evidence]))[0]
        assert got == pytest.approx(ve_log_evidence(model, evidence), abs=TOL)


@pytest.mark.parametrize("name", CLASSIC)
def test_classic_network_no_evidence(name: str) -> None:
    model, net = classic(name)
    rng = np.random.default_rng(5)
    posterior = net.query({})
    assert posterior.log_evidence[0] == pytest.approx(0.0, abs=TOL)
    for node in rng.choice(list(net.variables), size=5, replace=False):
        expected = ve_marginal(model, node, {}, None, net.states[node])
        np.testing.assert_allclose(posterior.marginals[node][0], expected, atol=TOL, rtol=0)


# ------------------------------------------------------------- random networks


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_network(seed: int) -> None:
    model = random_network(seed)
    net = CompiledNetwork.from_model(model)
    rng = np.random.default_rng(1000 + seed)
    nodes = list(net.variables)
    cases: list[dict[str, Any]] = []
    for i in range(6):
        case: dict[str, Any] = {}
        for v in nodes:
            u = rng.random()
            if u < 0.3:
                case[v] = str(rng.choice(net.states[v]))
            elif u < 0.45 and i >= 3:
                case[v] = list(rng.uniform(0.0, 1.0, len(net.states[v])) + 0.01)
        cases.append(case)
    compare_cases(model, net, cases, rng, max_targets=8)
    hard = [{k: v for k, v in c.items() if isinstance(v, str)} for c in cases[:2]]
    got = net.log_evidence(net.encode(hard))
    for value, evidence in zip(got, hard, strict=True):
        assert value == pytest.approx(ve_log_evidence(model, evidence), abs=TOL)


@pytest.mark.parametrize("seed", RANDOM_SEEDS[:8])
def test_random_network_prob_conjunction(seed: int) -> None:
    model = random_network(seed, max_nodes=10)
    net = CompiledNetwork.from_model(model)
    rng = np.random.default_rng(2000 + seed)
    nodes = list(net.variables)
    for _ in range(3):
        picked = list(rng.permutation(nodes))
        event = {v: str(rng.choice(net.states[v])) for v in picked[:2]}
        evidence = {v: str(rng.choice(net.states[v])) for v in picked[2:4]}
        got = net.prob_conjunction(net.encode([evidence]), event)[0]
        assert got == pytest.approx(ve_prob(model, event, evidence), abs=TOL)


# ------------------------------------------ noisy-OR networks (decomposed CPTs)


def noisy_or_network(seed: int) -> DiscreteBayesianNetwork:
    """Sixteen causes and ten noisy-OR findings with three to five causes each."""
    rng = np.random.default_rng(seed)
    causes = [f"c{i}" for i in range(16)]
    edges = []
    cpds = [
        make_cpd(c, [[1 - p], [p]])
        for c, p in zip(causes, rng.uniform(0.05, 0.3, 16), strict=True)
    ]
    for j in range(10):
        parents = sorted(rng.choice(causes, size=int(rng.integers(3, 6)), replace=False))
        leak, q = rng.uniform(0.01, 0.1), rng.uniform(0.05, 0.9, size=len(parents))
        p_no = [
            (1 - leak) * math.prod(qi for qi, on in zip(q, combo, strict=True) if on)
            for combo in itertools.product([0, 1], repeat=len(parents))
        ]
        edges += [(p, f"f{j}") for p in parents]
        cpds.append(
            make_cpd(f"f{j}", [p_no, [1 - x for x in p_no]], parents, **dict.fromkeys(parents, 2))
        )
    return build(edges, cpds)


@pytest.mark.parametrize("seed", range(4))
def test_noisy_or_network(seed: int) -> None:
    model = noisy_or_network(seed)
    net = CompiledNetwork.from_model(model)
    assert net._runner.full._signed, "expected the noisy-OR CPTs to be decomposed"
    rng = np.random.default_rng(3000 + seed)
    cases: list[dict[str, Any]] = []
    for complete in sample(model, 4, rng):
        case: dict[str, Any] = {}
        for k, v in complete.items():
            u = rng.random()
            if u < (0.6 if k.startswith("f") else 0.15):
                case[k] = v
            elif u < 0.7 and k.startswith("f"):
                case[k] = list(rng.uniform(0.1, 1.0, 2))
        cases.append(case)
    compare_cases(model, net, cases, rng, max_targets=8)
    hard = [{k: v for k, v in c.items() if isinstance(v, str)} for c in cases[:2]]
    for value, evidence in zip(net.log_evidence(net.encode(hard)), hard, strict=True):
        assert value == pytest.approx(ve_log_evidence(model, evidence), abs=TOL)


def many_children(children: int = 80) -> DiscreteBayesianNetwork:
    """A node with two parents and more children than numpy's einsum takes operands."""
    rng = np.random.default_rng(80)
    kids = [f"k{i}" for i in range(children)]
    cpds = [make_cpd("a", [[0.3], [0.7]]), make_cpd("b", [[0.6], [0.4]])]
    hub = rng.uniform(0.1, 0.9, 4)
    cpds.append(make_cpd("x", [hub, 1 - hub], ["a", "b"], a=2, b=2))
    for kid in kids:
        q = rng.uniform(0.1, 0.9, 2)
        cpds.append(make_cpd(kid, [q, 1 - q], ["x"], x=2))
    return build([("a", "x"), ("b", "x")] + [("x", k) for k in kids], cpds)


def test_a_node_with_more_children_than_einsum_takes_operands() -> None:
    # Every child's table or message meets in the hub's clique: numpy's einsum took
    # them in one call and refused ("too many operands", 64 at most in numpy 2).
    model = many_children()
    net = CompiledNetwork.from_model(model)
    rng = np.random.default_rng(81)
    cases: list[dict[str, Any]] = [
        {},
        {"k3": "s1"},
        {f"k{i}": "s1" for i in range(0, 80, 3)},
        {f"k{i}": list(rng.uniform(0.1, 1.0, 2)) for i in range(0, 80, 2)} | {"a": "s0"},
    ]
    compare_cases(model, net, cases, rng, max_targets=12)
    for case in cases:  # alone, each batch has its own plan
        compare_cases(model, net, [case], rng, max_targets=12)
    for node in ("a", "b", "x"):
        got = net.query(net.encode(cases), targets=[node]).marginals[node]
        for i, case in enumerate(cases):
            hard = {k: v for k, v in case.items() if isinstance(v, str)}
            soft = {k: np.asarray(v) for k, v in case.items() if not isinstance(v, str)}
            expected = ve_marginal(model, node, hard, soft, net.states[node])
            np.testing.assert_allclose(got[i], expected, atol=TOL, rtol=0)


def test_back_spasm_network() -> None:
    """The project's own network."""
    model = load_network().model
    net = CompiledNetwork.from_model(model)
    rng = np.random.default_rng(4000)
    cases = []
    for complete in sample(model, 4, rng):
        keep = rng.random(len(complete)) < 0.35
        cases.append({k: v for (k, v), m in zip(complete.items(), keep, strict=True) if m})
    compare_cases(model, net, cases, rng, max_targets=10)


# ------------------------------------------- the soft-evidence reference itself


def test_pgmpy_virtual_evidence_matches_explicit_child() -> None:
    """Check the reference: virtual evidence equals an observed binary child."""
    model = diamond()
    likelihood = np.array([0.3, 0.9])
    explicit = model.copy()
    explicit.add_edge("b", "__obs")
    explicit.add_cpds(
        TabularCPD(
            "__obs",
            2,
            np.vstack([1 - likelihood, likelihood]),
            evidence=["b"],
            evidence_card=[2],
            state_names={"__obs": ["off", "on"], "b": ["s0", "s1"]},
        )
    )
    for target in ["a", "c", "d", "b"]:
        reference = VariableElimination(explicit).query(
            [target], evidence={"__obs": "on"}, show_progress=False
        )
        virtual = ve_marginal(model, target, {}, {"b": likelihood}, ["s0", "s1"])
        np.testing.assert_allclose(virtual, reference.values, atol=TOL, rtol=0)
    net = CompiledNetwork.from_model(model)
    got = net.query({"b": likelihood[None, :]}).marginals
    for target in ["a", "c", "d", "b"]:
        reference = VariableElimination(explicit).query(
            [target], evidence={"__obs": "on"}, show_progress=False
        )
        np.testing.assert_allclose(got[target][0], reference.values, atol=TOL, rtol=0)


# ------------------------------------------- fast retraction (leave one answer out)


def retraction_expected(
    model: DiscreteBayesianNetwork,
    net: CompiledNetwork,
    evidence: Mapping[str, str],
    node: str,
    event: Mapping[str, str],
) -> np.ndarray:
    """pgmpy's P(node = x, event | evidence without node), per state x."""
    rest = {k: s for k, s in evidence.items() if k != node}
    out = []
    for x in net.states[node]:
        wanted = {**event, node: x} if node not in event else dict(event)
        if node in event and event[node] != x:
            out.append(0.0)
            continue
        if any(k in rest and rest[k] != s for k, s in wanted.items()):
            out.append(0.0)
            continue
        free = {k: s for k, s in wanted.items() if k not in rest}
        out.append(ve_prob(model, free, rest) if free else 1.0)
    return np.array(out)


@pytest.mark.parametrize("seed", RANDOM_SEEDS[:8])
def test_random_network_log_retracted(seed: int) -> None:
    """log P(v = x, event, e without v) equals pgmpy, with and without an event."""
    model = random_network(seed, max_nodes=12)
    net = CompiledNetwork.from_model(model)
    rng = np.random.default_rng(3000 + seed)
    cases = sample(model, 4, rng)
    nodes = list(net.variables)
    evidence = [
        {v: c[v] for v in nodes if rng.random() < 0.5} or {nodes[0]: c[nodes[0]]} for c in cases
    ]
    watched = sorted({v for e in evidence for v in e})
    picked = str(rng.choice(nodes))
    for event in ({}, {picked: str(rng.choice(net.states[picked]))}):
        got = net.log_retracted(net.encode(evidence), watched, event=event or None)
        for i, e in enumerate(evidence):
            for v in watched:
                rest = {k: s for k, s in e.items() if k != v}
                log_rest = ve_log_evidence(model, rest) if rest else 0.0
                want = retraction_expected(model, net, e, v, event)
                np.testing.assert_allclose(np.exp(got[v][i] - log_rest), want, atol=TOL)


def test_back_spasm_log_retracted_batch_equals_single_cases() -> None:
    """A batch big enough for the fused kernel gives each case's own retraction."""
    from backspasm.network import default_network

    network = default_network()
    net = network.engine
    rng = np.random.default_rng(11)
    n = 600
    nodes = [v for v in net.variables if v != "back_spasm"]
    watched = list(rng.choice(nodes, size=25, replace=False))
    batch = {v: rng.integers(-1, len(net.states[v]), n) for v in watched}
    batch["back_spasm"] = np.full(n, net.states["back_spasm"].index("yes"))
    event = dict.fromkeys(network.serious_causes, "no")
    for ev in (None, event):
        big = net.log_retracted(batch, watched, event=ev)
        rest = {v: np.logaddexp.reduce(big[v], axis=1) for v in watched}
        for i in rng.choice(n, size=6, replace=False):
            one = net.log_retracted({k: a[i : i + 1] for k, a in batch.items()}, watched, event=ev)
            for v in watched:
                # Compare conditionals: the joint itself may be 1e-30.
                scale = np.logaddexp.reduce(one[v][0])
                if not np.isfinite(scale):
                    assert not np.isfinite(rest[v][i]) or ev is not None
                    continue
                np.testing.assert_allclose(
                    np.exp(big[v][i] - scale), np.exp(one[v][0] - scale), atol=TOL
                )
    # And one case against pgmpy.
    case = {v: net.states[v][batch[v][0]] for v in watched if batch[v][0] >= 0}
    case["back_spasm"] = "yes"
    v = next(v for v in watched if v in case)
    got = net.log_retracted(net.encode([case]), [v])[v][0]
    rest = {k: s for k, s in case.items() if k != v}
    want = retraction_expected(network.model, net, case, v, {})
    np.testing.assert_allclose(np.exp(got - ve_log_evidence(network.model, rest)), want, atol=TOL)
