"""Benchmark the compiled batch engine against pgmpy and pyAgrum.

For each network: synthetic cases are forward-sampled from the network (so every
case is possible), about half of the observable nodes are blanked, and the
posterior of every target is computed by

* the engine: one batch of ``--cases`` cases;
* pgmpy VariableElimination: one query per target per case, on a small sample;
* pyAgrum LazyPropagation: setEvidence + makeInference + posterior per case, on a
  sample, with the same targets declared.

Observable nodes are the leaves and targets the other nodes, except for
``random60`` (top 30 nodes targets, bottom 30 observable) and ``bs-scoring`` (the
back-spasm network as the case-file scorer uses it: questionnaire nodes observed,
the causes as targets) and ``bs-serious`` (the same plus the exact P(no serious
cause), a joint target for pyAgrum and pgmpy: the whole scoring workload). It prints
the engine's kernel (fused with numba, or numpy), then cases/s of each and the
ratios, all measured in the same run, and the largest absolute difference between
the three on a few cases.
The engine uses every core (up to 4 threads); pgmpy and pyAgrum run one case at a
time on one core.

Run: ``.venv/bin/python scripts/bench_engine.py`` (needs the ``bench`` extra). A quick
run: ``--networks bs-scoring,bs-serious --cases 5000 --pyagrum-cases 100
--pgmpy-cases 5``. ``BACKSPASM_ENGINE=numpy`` switches the fused kernel off.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx
import numpy as np
from pgmpy.factors.discrete import TabularCPD
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork

from backspasm.engine import CompiledNetwork

try:
    import pyagrum as gum
except ImportError:  # the bench extra is not installed
    gum = None


def normalised(model: DiscreteBayesianNetwork) -> DiscreteBayesianNetwork:
    """Copy with every CPD column summing to one (bnlearn tables are rounded)."""
    copy = model.copy()
    for cpd in copy.get_cpds():
        values = np.asarray(cpd.values, dtype=np.float64)
        cpd.values = values / values.sum(axis=0, keepdims=True)
    return copy


def load_example(name: str) -> DiscreteBayesianNetwork:
    """Load a classic network from pgmpy's bundled copy (no network access)."""
    from pgmpy.utils import get_example_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return get_example_model(name)


def random_network(n: int, seed: int) -> DiscreteBayesianNetwork:
    """Layered-ish random binary DAG: up to 4 parents among the 15 previous nodes.

    With 60 nodes this gives a treewidth of about 9-11.
    """
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(n)]
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(names)
    for i, node in enumerate(names):
        low = max(0, i - 15)
        k = int(rng.integers(0, min(4, i - low) + 1))
        parents = [names[j] for j in sorted(rng.choice(np.arange(low, i), k, replace=False))]
        model.add_edges_from((p, node) for p in parents)
        values = rng.dirichlet([1.0, 1.0], size=2 ** len(parents)).T
        model.add_cpds(
            TabularCPD(
                node,
                2,
                values,
                evidence=parents or None,
                evidence_card=[2] * len(parents) or None,
                state_names={v: ["s0", "s1"] for v in [node, *parents]},
            )
        )
    return model


def sample(
    model: DiscreteBayesianNetwork, net: CompiledNetwork, n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Forward-sample ``n`` complete cases as state codes in the engine's state order."""
    codes: dict[str, np.ndarray] = {}
    for node in nx.topological_sort(model):
        cpd = model.get_cpds(node)
        table = np.asarray(cpd.values, dtype=np.float64)
        picks = []
        for parent in cpd.variables[1:]:
            own = [str(s) for s in cpd.state_names[parent]]
            engine_to_cpd = np.array([own.index(s) for s in net.states[parent]])
            picks.append(engine_to_cpd[codes[parent]])
        columns = table[(slice(None), *picks)] if picks else np.repeat(table[:, None], n, axis=1)
        cumulative = np.cumsum(columns, axis=0) / columns.sum(axis=0)
        drawn = (rng.random(n)[None, :] > cumulative).sum(axis=0)
        own = [str(s) for s in cpd.state_names[node]]
        to_engine = np.array([net.states[node].index(s) for s in own])
        codes[node] = to_engine[np.minimum(drawn, table.shape[0] - 1)]
    return codes


def to_pyagrum(model: DiscreteBayesianNetwork, net: CompiledNetwork) -> Any:
    """Build the same network in pyAgrum, filling each CPT column by parent labels."""
    bn = gum.BayesNet("bench")
    for node in net.variables:
        bn.add(gum.LabelizedVariable(node, node, list(net.states[node])))
    for parent, child in model.edges():
        bn.addArc(parent, child)
    for node in net.variables:
        cpd = model.get_cpds(node)
        table = np.asarray(cpd.values, dtype=np.float64)
        parents = list(cpd.variables[1:])
        own = {v: [str(s) for s in cpd.state_names[v]] for v in cpd.variables}
        child_order = [own[node].index(s) for s in net.states[node]]
        cpt = bn.cpt(node)
        for combo in itertools.product(*(range(len(own[p])) for p in parents)):
            column = table[(slice(None), *combo)][child_order]
            labels = {p: own[p][i] for p, i in zip(parents, combo, strict=True)}
            cpt[labels] = column.tolist()
    return bn


def rate(run: Callable[[], object], n_cases: int, repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return n_cases / best


def case_evidence(net: CompiledNetwork, batch: dict[str, np.ndarray], i: int) -> dict[str, str]:
    return {k: net.states[k][int(v[i])] for k, v in batch.items() if v[i] >= 0}


def bench(
    name: str,
    model: DiscreteBayesianNetwork,
    observable: Sequence[str],
    targets: Sequence[str],
    args: argparse.Namespace,
    joint: Sequence[str] = (),
) -> dict[str, Any]:
    """Time one workload: every target's posterior, and P(every ``joint`` node "no")."""
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    net = CompiledNetwork.from_model(model)
    compile_s = time.perf_counter() - start
    full = sample(model, net, args.cases, rng)
    batch = {}
    for node in observable:
        codes = full[node].copy()
        codes[rng.random(args.cases) < 0.5] = -1
        batch[node] = codes
    event = {v: "no" if "no" in net.states[v] else net.states[v][0] for v in joint}

    def run_engine(evidence: dict[str, np.ndarray]) -> None:
        # The event in the marginals' propagation, as scoring asks for P(serious).
        net.query(evidence, targets=targets, events={"none": event} if event else None)

    run_engine({k: v[:100] for k, v in batch.items()})  # plan warm-up
    run_engine(batch)  # the pruned tree of a big batch
    engine_rate = rate(lambda: run_engine(batch), args.cases, repeat=3)

    infer = VariableElimination(model)
    n_ve = min(args.pgmpy_cases, args.cases)

    def run_pgmpy() -> None:
        for i in range(n_ve):
            evidence = case_evidence(net, batch, i)
            for t in targets:
                if t not in evidence:
                    infer.query([t], evidence=evidence, show_progress=False)
            free = [v for v in joint if v not in evidence]
            if free:
                infer.query(free, evidence=evidence, joint=True, show_progress=False)

    pgmpy_rate = rate(run_pgmpy, n_ve)

    agrum_rate = math.nan
    bn = None
    n_ag = min(args.pyagrum_cases, args.cases)
    if gum is not None:
        bn = to_pyagrum(model, net)
        lazy = gum.LazyPropagation(bn)
        lazy.setTargets(set(targets))
        if event:
            lazy.addJointTarget(set(joint))  # observed members are fixed by the evidence

        def run_agrum() -> None:
            for i in range(n_ag):
                lazy.eraseAllEvidence()
                lazy.setEvidence(case_evidence(net, batch, i))
                lazy.makeInference()
                for t in targets:
                    lazy.posterior(t)
                if event:
                    lazy.jointPosterior(set(joint))

        agrum_rate = rate(run_agrum, n_ag)

    # Agreement on a few cases.
    check = range(min(5, args.cases))
    post = net.query({k: v[: len(check)] for k, v in batch.items()}, targets=targets)
    diff_pgmpy = 0.0
    diff_agrum = math.nan if bn is None else 0.0
    for i in check:
        evidence = case_evidence(net, batch, i)
        if bn is not None:
            lazy = gum.LazyPropagation(bn)
            lazy.setEvidence(evidence)
            lazy.makeInference()
        for t in targets:
            got = post.marginals[t][i]
            if t in evidence:
                ref = np.array([s == evidence[t] for s in net.states[t]], dtype=float)
            else:
                factor = infer.query([t], evidence=evidence, show_progress=False)
                names = [str(s) for s in factor.state_names[t]]
                ref = np.array([factor.values[names.index(s)] for s in net.states[t]])
            diff_pgmpy = max(diff_pgmpy, float(np.abs(got - ref).max()))
            if bn is not None:
                agrum = lazy.posterior(t).toarray()
                diff_agrum = max(diff_agrum, float(np.abs(got - agrum).max()))
    return {
        "network": name,
        "nodes": len(net.variables),
        "tw": net.treewidth,
        "largest": max(net.clique_sizes),
        "targets": len(targets),
        "observed": len(observable),
        "compile_s": compile_s,
        "engine": engine_rate,
        "pgmpy": pgmpy_rate,
        "pyagrum": agrum_rate,
        "diff_pgmpy": diff_pgmpy,
        "diff_pyagrum": diff_agrum,
    }


def networks() -> list[tuple[str, DiscreteBayesianNetwork, list[str], list[str], list[str]]]:
    found = []
    for name in ("alarm", "hepar2"):
        model = normalised(load_example(name))
        leaves = [v for v in model.nodes() if model.out_degree(v) == 0]
        found.append((name, model, leaves, [v for v in model.nodes() if v not in leaves], []))
    model = random_network(60, seed=0)
    names = list(model.nodes())
    found.append(("random60", model, names[30:], names[:30], []))
    try:
        from backspasm.network import load_network  # type: ignore[attr-defined]
    except ImportError:
        print("(backspasm.network.load_network not available yet: skipping the back-spasm net)")
    else:
        loaded = load_network()
        spasm = loaded if isinstance(loaded, DiscreteBayesianNetwork) else loaded.model
        leaves = [v for v in spasm.nodes() if spasm.out_degree(v) == 0]
        others = [v for v in spasm.nodes() if v not in leaves]
        found.append(("back-spasm", spasm, leaves, others, []))
        try:
            from backspasm.questionnaire import questions_for

            causes = list(loaded.causes)
            asked = sorted({q.node for q in questions_for(loaded)} & set(spasm.nodes()))
        except (ImportError, AttributeError):
            pass
        else:
            # What scoring a case file does: questionnaire answers in, causes out.
            found.append(("bs-scoring", spasm, asked, causes, []))
            # ... and the exact P(no serious cause), as a scored row has it.
            serious = list(loaded.serious_causes)
            found.append(("bs-serious", spasm, asked, causes, serious))
    return found


def engine_kernel() -> str:
    """Name the kernel the engine runs: fused (numba) or numpy."""
    from backspasm.engine.fused import _kernel

    if _kernel() is None:
        return "numpy (install numba, the fast extra, for the fused kernel)"
    import numba

    return f"fused (numba {numba.__version__})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="engine batch size")
    parser.add_argument("--pgmpy-cases", type=int, default=20, help="pgmpy sample size")
    parser.add_argument("--pyagrum-cases", type=int, default=300, help="pyAgrum sample size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--networks",
        default="",
        help="comma-separated subset of alarm,hepar2,random60,back-spasm,bs-scoring,bs-serious "
        "(default all)",
    )
    args = parser.parse_args()
    if gum is None:
        print("pyagrum is not installed (pip install -e '.[bench]'): its column is NaN")
    chosen = {n for n in args.networks.split(",") if n}
    print(f"engine kernel: {engine_kernel()}")
    rows = [
        bench(name, model, obs, tg, args, joint)
        for name, model, obs, tg, joint in networks()
        if not chosen or name in chosen
    ]
    header = (
        f"{'network':<11}{'nodes':>6}{'tw':>4}{'clique':>7}{'tgt':>5}{'obs':>5}{'compile':>9}"
        f"{'engine/s':>11}{'pgmpy/s':>10}{'pyAgrum/s':>11}{'x pgmpy':>9}{'x pyAgrum':>11}"
        f"{'|d| pgmpy':>11}{'|d| agrum':>11}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['network']:<11}{r['nodes']:>6}{r['tw']:>4}{r['largest']:>7}{r['targets']:>5}{r['observed']:>5}"
            f"{r['compile_s']:>8.2f}s{r['engine']:>11,.0f}{r['pgmpy']:>10,.1f}"
            f"{r['pyagrum']:>11,.0f}{r['engine'] / r['pgmpy']:>9,.0f}"
            f"{r['engine'] / r['pyagrum']:>11,.1f}"
            f"{r['diff_pgmpy']:>11.1e}{r['diff_pyagrum']:>11.1e}"
        )


if __name__ == "__main__":
    main()
