"""Benchmark case-file scoring against pgmpy and pyAgrum, and `backspasm score` end to end.

Measured in one run, on synthetic cases forward-sampled from the bundled network
(:func:`backspasm.learning.sample_cases`, about half of the answers blank):

1. the scoring workload per case (every cause's posterior and the exact
   P(at least one serious cause)) by the compiled engine on a batch, by pgmpy
   VariableElimination on a small sample and by pyAgrum LazyPropagation on a larger
   sample, with the largest disagreement between them (the engine and pyAgrum run
   seven times each, in turn, and their medians make the ratio);
2. the engine against pyAgrum (and pgmpy) on the classic alarm and hepar2 networks,
   with the functions of ``scripts/bench_engine.py``, for comparison with published
   engines (the targets are set on the bundled network's scoring workload);
3. ``backspasm score`` on a 1,000,000-row file in a subprocess: wall time, rows/s
   and the subprocess's peak resident memory; then on a hard file (random answers to
   every question, some known causes, many emergencies and distinct patterns);
4. ``backspasm score --explain`` on a sampled file of 5,000 rows (``--explain-rows``):
   rows/s with every explanation column.

It ends with a table of targets and PASS/MISS. Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from backspasm.columns import encode_column
from backspasm.learning import sample_cases
from backspasm.network import Network, default_network
from backspasm.questionnaire import questions_for

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "x_pyagrum": 300.0,
    "x_pgmpy": 500.0,
    "rows_per_s": 20_000.0,
    "hard_rows_per_s": 10_000.0,
    "wall_1m_s": 60.0,
    "rss_gib": 1.0,
    "explain_rows_per_s": 1_000.0,
}
#: Timed runs of the engine and of pyAgrum on the scoring workload, taken in turn.
RUNS = 7


def bench_engine_module() -> ModuleType:
    """Import ``scripts/bench_engine.py`` (scripts/ is not a package)."""
    path = Path(__file__).resolve().parent / "bench_engine.py"
    spec = importlib.util.spec_from_file_location("bench_engine", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evidence_of(frame: pd.DataFrame, net: Network) -> dict[str, np.ndarray]:
    """Encode a case table as the engine's evidence, as scoring does."""
    nodes = set(net.model.nodes())
    evidence = {}
    for q in questions_for(net):
        if q.column in frame and q.node in nodes:
            codes, invalid = encode_column(q, frame[q.column], net.states(q.node))
            assert not invalid.any(), q.column
            evidence[q.node] = codes
    n = len(frame)
    evidence["back_spasm"] = np.full(n, net.states("back_spasm").index("yes"))
    return evidence


def engine_scores(net: Network, evidence: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Cause posteriors and P(serious) for a batch: one propagation with the event."""
    engine = net.engine
    causes = list(net.causes)
    none = dict.fromkeys(net.serious_causes, "no")
    post = engine.query(evidence, targets=causes, events={"none": none})
    probs = np.column_stack([post.marginals[c][:, net.states(c).index("yes")] for c in causes])
    return probs, 1.0 - post.events["none"]


def case(net: Network, evidence: dict[str, np.ndarray], i: int) -> dict[str, str]:
    return {k: net.states(k)[int(v[i])] for k, v in evidence.items() if v[i] >= 0}


def pgmpy_scores(net: Network, evidence: dict[str, np.ndarray], n: int) -> list[np.ndarray]:
    from pgmpy.inference import VariableElimination

    infer = VariableElimination(net.model)
    serious = list(net.serious_causes)
    out = []
    for i in range(n):
        given = case(net, evidence, i)
        row = []
        for cause in net.causes:
            factor = infer.query([cause], evidence=given, show_progress=False)
            row.append(factor.get_value(**{cause: "yes"}))
        joint = infer.query(serious, evidence=given, joint=True, show_progress=False)
        row.append(1.0 - joint.get_value(**dict.fromkeys(serious, "no")))
        out.append(np.array(row))
    return out


def pyagrum_scores(bn: Any, net: Network, evidence: dict[str, np.ndarray], n: int) -> list:
    import pyagrum as gum

    serious = set(net.serious_causes)
    lazy = gum.LazyPropagation(bn)
    lazy.setTargets(set(net.causes))
    lazy.addJointTarget(serious)
    none = {s: net.states(s).index("no") for s in serious}
    out = []
    for i in range(n):
        lazy.eraseAllEvidence()
        lazy.setEvidence(case(net, evidence, i))
        lazy.makeInference()
        row = [lazy.posterior(c)[{c: net.states(c).index("yes")}] for c in net.causes]
        row.append(1.0 - lazy.jointPosterior(serious)[none])
        out.append(np.array(row))
    return out


def timed(run: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def scoring_workload(args: argparse.Namespace, bench_engine: ModuleType) -> dict[str, float]:
    net = default_network()
    frame = sample_cases(args.cases, network=net, seed=args.seed, missing=0.5)
    evidence = evidence_of(frame, net)
    # The first big batch compiles its trees (pruned of barren nodes, conditioned on the
    # age group and other answers): a one-off cost, as pyAgrum's junction tree is built
    # outside its loop. Then RUNS runs of each engine, taken in turn so that a busy
    # spell of the shared machine slows both, and the median of each: the ratio of one
    # run each moved by a sixth between runs of this script, and the engine's first two
    # or three runs of a process are often the slowest (39k-45k cases/s against
    # 50k-57k after, on this machine), so a median of three leaned on them.
    engine_scores(net, evidence)
    bn = None if bench_engine.gum is None else bench_engine.to_pyagrum(net.model, net.engine)
    runs, agrum_runs = [], []
    for _ in range(RUNS):
        runs.append(timed(lambda: engine_scores(net, evidence)))
        if bn is not None:
            agrum_runs.append(timed(lambda: pyagrum_scores(bn, net, evidence, args.pyagrum_cases)))
    probs, p_serious = runs[0][0]
    engine_rate = args.cases / float(np.median([seconds for _, seconds in runs]))
    ours = np.column_stack([probs, p_serious])

    reference, seconds = timed(lambda: pgmpy_scores(net, evidence, args.pgmpy_cases))
    pgmpy_rate = args.pgmpy_cases / seconds
    diff_pgmpy = max(float(np.abs(ours[i] - r).max()) for i, r in enumerate(reference))

    agrum_rate = diff_agrum = math.nan
    if agrum_runs:
        agrum_rate = args.pyagrum_cases / float(np.median([seconds for _, seconds in agrum_runs]))
        agrum = agrum_runs[0][0]
        diff_agrum = max(float(np.abs(ours[i] - r).max()) for i, r in enumerate(agrum))
    return {
        "engine": engine_rate,
        "pgmpy": pgmpy_rate,
        "pyagrum": agrum_rate,
        "diff_pgmpy": diff_pgmpy,
        "diff_pyagrum": diff_agrum,
    }


def classic_networks(args: argparse.Namespace, bench_engine: ModuleType) -> list[dict[str, Any]]:
    options = argparse.Namespace(
        cases=args.cases, pgmpy_cases=10, pyagrum_cases=args.pyagrum_cases, seed=args.seed
    )
    rows = []
    for name in ("alarm", "hepar2"):
        model = bench_engine.normalised(bench_engine.load_example(name))
        leaves = [v for v in model.nodes() if model.out_degree(v) == 0]
        targets = [v for v in model.nodes() if v not in leaves]
        rows.append(bench_engine.bench(name, model, leaves, targets, options))
    return rows


def case_file(rows: int, seed: int, folder: Path) -> Path:
    """Write (or reuse) a synthetic case file of ``rows`` rows."""
    path = folder / f"cases_{rows}_{seed}.csv"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    chunk = 100_000
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        for k, start in enumerate(range(0, rows, chunk)):
            size = min(chunk, rows - start)
            frame = sample_cases(size, seed=seed + k, missing=0.5)
            frame = frame[[c for c in frame.columns if not c.startswith("true_")]]
            frame["case_id"] = [f"c{start + i}" for i in range(size)]
            frame.to_csv(fh, index=False, header=k == 0, lineterminator="\n")
    tmp.replace(path)
    return path


def hard_case_file(rows: int, seed: int, folder: Path) -> Path:
    """Write (or reuse) a hard file: random answers to every question, some known causes.

    Every yes/no question is answered (a third yes), choices and numbers are drawn
    uniformly over what is allowed, and each cause column is "yes" in 2% of rows: many
    distinct answer patterns, many emergencies. A yes the network rules out for the
    row's sex and age (a pregnancy in a man or after 65) becomes a no, so that every
    row is possible and scored rather than refused.
    """
    import numpy as np
    import pandas as pd

    from backspasm.network import default_network
    from backspasm.questionnaire import questions_for

    path = folder / f"hard_{rows}_{seed}.csv"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    questions = [
        q for q in questions_for(default_network()) if q.node and q.column != "back_spasm"
    ]
    tmp = path.with_suffix(".tmp")
    chunk = 100_000
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        for k, start in enumerate(range(0, rows, chunk)):
            size = min(chunk, rows - start)
            rng = np.random.default_rng([seed, k])
            data: dict[str, Any] = {"case_id": [f"h{start + i}" for i in range(size)]}
            for q in questions:
                if q.section == "known_cause":
                    data[q.column] = np.where(rng.random(size) < 0.02, "yes", "")
                elif q.kind == "yes_no":
                    data[q.column] = np.where(rng.random(size) < 1 / 3, "yes", "no")
                elif q.kind == "choice":
                    data[q.column] = rng.choice(list(q.choices), size)
                else:
                    low, high = q.number_range(q.states[0])[0], q.number_range(q.states[-1])[1]
                    data[q.column] = rng.integers(int(low), int(high) + 1, size)
            for column, ruled_out in impossible_yes(questions, data).items():
                data[column] = np.where(ruled_out, "no", data[column])
            pd.DataFrame(data).to_csv(fh, index=False, header=k == 0, lineterminator="\n")
    tmp.replace(path)
    return path


def impossible_yes(questions: list[Any], data: dict[str, Any]) -> dict[str, Any]:
    """Per yes/no question of a context-only node: the rows whose yes has probability 0.

    Such a node's parents are all answered context questions (sex, age, a flu or stomach
    bug), so its conditional table says directly whether a yes is possible for each row.
    """
    import numpy as np

    from backspasm.network import default_network

    net = default_network()
    by_node = {q.node: q for q in questions}
    found = {}
    for q in questions:
        if q.kind != "yes_no" or q.section == "known_cause":
            continue
        cpd = net.model.get_cpds(q.node)
        parents = list(cpd.variables[1:])
        if not parents or not all(
            p in by_node and by_node[p].section == "context" for p in parents
        ):
            continue
        codes = []
        for p in parents:
            pq = by_node[p]
            if pq.kind in ("choice", "yes_no"):  # a state named (a flu or stomach bug: yes/no)
                states = list(net.states(p))
                codes.append(np.array([states.index(v) for v in data[pq.column]]))
            else:  # a number binned into the parent's states
                codes.append(pq.bin_index(np.asarray(data[pq.column], dtype=np.float64)))
        yes = cpd.values[list(net.states(q.node)).index("yes")]
        found[q.column] = yes[tuple(codes)] == 0.0
    return found


# Appended to the measured subprocess: report its own peak resident memory. VmHWM is
# per address space, so unlike RUSAGE_CHILDREN it does not count the image of this
# (large) benchmark process that the child inherits until it execs.
PEAK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    try:\n"
    "        lines = open('/proc/self/status').read().splitlines()\n"
    "    except OSError:\n"
    "        return\n"
    "    for line in lines:\n"
    "        if line.startswith('VmHWM'):\n"
    "            print('PEAK_KIB', line.split()[1], file=sys.stderr)\n"
    "atexit.register(_peak)\n"
)


def score_command(source: Path, output: Path, explain: bool = False) -> tuple[list[str], str]:
    """``backspasm score`` if the CLI has it yet, else score_file, in a subprocess."""
    probe = subprocess.run(
        [sys.executable, "-m", "backspasm.cli", "score", "--help"],
        capture_output=True,
        check=False,
    )
    if probe.returncode == 0:
        code = PEAK + (
            "import runpy; sys.argv = ['backspasm', *sys.argv[1:]]; "
            "runpy.run_module('backspasm.cli', run_name='__main__')"
        )
        args = ["score", str(source), "-o", str(output), "--no-progress"]
        args += ["--explain"] if explain else []
        return [sys.executable, "-c", code, *args], "backspasm score"
    code = PEAK + (
        "from backspasm.scoring import score_file; "
        f"s = score_file(sys.argv[1], sys.argv[2], progress=False, explain={explain}); "
        "print(s.format(), file=sys.stderr); sys.exit(s.exit_code)"
    )
    return [sys.executable, "-c", code, str(source), str(output)], "score_file (no CLI yet)"


def end_to_end(
    args: argparse.Namespace, *, hard: bool = False, explain: bool = False
) -> dict[str, Any]:
    folder = Path(args.out_dir)
    make = hard_case_file if hard else case_file
    source = make(args.rows, args.seed, folder)
    print(f"  input {source} ({source.stat().st_size / 1024**2:,.1f} MiB)", flush=True)
    output = folder / ("explained.csv" if explain else "scored.csv")
    command, via = score_command(source, output, explain)
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - before
    if done.returncode not in (0, 3):
        raise SystemExit(f"scoring failed ({done.returncode}):\n{done.stderr}")
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KIB ")]
    if peak:
        peak_kib = int(peak[-1].split()[1])
    else:  # no /proc: an upper bound that also counts the inherited image
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("\n".join(line for line in done.stderr.splitlines() if line not in peak))
    return {
        "rows": args.rows,
        "wall": wall,
        "rows_per_s": args.rows / wall,
        "rss_gib": peak_kib / 1024**2,
        "via": via,
        "cpu": cpu,
        "cpu_us_per_row": cpu / args.rows * 1e6,
        "cores_busy": cpu / wall,
    }


def explain_run(args: argparse.Namespace) -> dict[str, Any]:
    """``backspasm score --explain`` on a sampled file of ``--explain-rows`` rows."""
    small = argparse.Namespace(**{**vars(args), "rows": args.explain_rows})
    return end_to_end(small, explain=True)


def _children_cpu() -> float:
    """User plus system CPU seconds of the waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_note(e2e: dict[str, Any]) -> str:
    """How much CPU a run used: per row, and how many cores it kept busy on average.

    On a shared machine the wall time moves with the neighbours' load; the CPU time
    per row moves far less, and few cores busy says the run waited for the machine
    (or on itself), not that the code got slower.
    """
    return (
        f"  CPU {e2e['cpu']:,.1f} s = {e2e['cpu_us_per_row']:,.0f} us/row; "
        f"{e2e['cores_busy']:.2f} of {os.cpu_count() or 1} cores busy on average"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="engine batch size")
    parser.add_argument("--pgmpy-cases", type=int, default=30, help="pgmpy sample size")
    parser.add_argument("--pyagrum-cases", type=int, default=200, help="pyAgrum sample size")
    parser.add_argument("--rows", type=int, default=None, help="rows of the end-to-end file")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only `backspasm score` end to end (100,000 rows unless --rows): rows/s, peak RSS",
    )
    parser.add_argument(
        "--explain-rows", type=int, default=5_000, help="rows scored with --explain (5,000)"
    )
    parser.add_argument("--out-dir", default=str(ROOT / "out" / "bench"), help="work folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 100_000 if args.quick else 1_000_000
    if args.quick:
        for hard in (False, True):
            e2e = end_to_end(args, hard=hard)
            kind = "hard file" if hard else "sampled presenters"
            print(
                f"End to end ({e2e['via']}, {kind}): {e2e['rows']:,} rows in "
                f"{e2e['wall']:.1f} s = {e2e['rows_per_s']:,.0f} rows/s, "
                f"peak RSS {e2e['rss_gib'] * 1024:,.0f} MiB"
            )
            print(cpu_note(e2e))
        explained = explain_run(args)
        print(
            f"End to end --explain: {explained['rows']:,} rows in {explained['wall']:.1f} s "
            f"= {explained['rows_per_s']:,.0f} rows/s"
        )
        return
    bench_engine = bench_engine_module()
    if bench_engine.gum is None:
        print("pyagrum is not installed (pip install -e '.[bench]'): its ratios are NaN")

    print(f"scoring workload, bundled network, {args.cases:,} cases ...", flush=True)
    work = scoring_workload(args, bench_engine)
    print("alarm and hepar2 ...", flush=True)
    classic = classic_networks(args, bench_engine)
    print(f"backspasm score, {args.rows:,} rows ...", flush=True)
    e2e = end_to_end(args)
    hard_args = argparse.Namespace(**{**vars(args), "rows": min(args.rows, 200_000)})
    print(f"backspasm score, hard file, {hard_args.rows:,} rows ...", flush=True)
    hard = end_to_end(hard_args, hard=True)
    print(f"backspasm score --explain, {args.explain_rows:,} rows ...", flush=True)
    explained = explain_run(args)

    x_agrum = work["engine"] / work["pyagrum"]
    x_pgmpy = work["engine"] / work["pgmpy"]
    print()
    print("Per case: every cause's posterior + exact P(serious), bundled network")
    print(
        f"  engine   {work['engine']:>12,.0f} cases/s  (batch of {args.cases:,}; median of {RUNS})"
    )
    print(
        f"  pyAgrum  {work['pyagrum']:>12,.1f} cases/s  "
        f"({args.pyagrum_cases} cases, median of {RUNS}; max |diff| {work['diff_pyagrum']:.1e})"
    )
    print(
        f"  pgmpy    {work['pgmpy']:>12,.1f} cases/s  ({args.pgmpy_cases} cases; "
        f"max |diff| {work['diff_pgmpy']:.1e})"
    )
    print()
    print(
        "Classic networks (marginals of every non-leaf node, leaves half observed; "
        "reported for comparison with published engines, not a target)"
    )
    for r in classic:
        print(
            f"  {r['network']:<7} engine {r['engine']:>10,.0f}/s  pyAgrum {r['pyagrum']:>9,.0f}/s"
            f"  x{r['engine'] / r['pyagrum']:>7,.1f}   pgmpy {r['pgmpy']:>7,.1f}/s"
            f"  x{r['engine'] / r['pgmpy']:>9,.0f}"
        )
    print()
    print(f"End to end ({e2e['via']}): {e2e['rows']:,} rows")
    print(cpu_note(e2e))
    print(f"Hard file: {hard['rows']:,} rows")
    print(cpu_note(hard))
    print(f"End to end --explain: {explained['rows']:,} rows")
    print(cpu_note(explained))
    table = [
        (
            "engine / pyAgrum, scoring",
            f"x{x_agrum:,.0f}",
            ">= x300",
            x_agrum >= TARGETS["x_pyagrum"],
        ),
        ("engine / pgmpy, scoring", f"x{x_pgmpy:,.0f}", ">= x500", x_pgmpy >= TARGETS["x_pgmpy"]),
        (
            "end to end rows/s",
            f"{e2e['rows_per_s']:,.0f}",
            ">= 20,000",
            e2e["rows_per_s"] >= TARGETS["rows_per_s"],
        ),
        (
            "end to end rows/s, hard file",
            f"{hard['rows_per_s']:,.0f}",
            ">= 10,000",
            hard["rows_per_s"] >= TARGETS["hard_rows_per_s"],
        ),
        (
            f"wall time, {e2e['rows']:,} rows",
            f"{e2e['wall']:.1f} s",
            "< 60 s (1M rows)",
            e2e["wall"] * 1_000_000 / e2e["rows"] < TARGETS["wall_1m_s"],
        ),
        ("peak RSS", f"{e2e['rss_gib']:.2f} GiB", "< 1 GiB", e2e["rss_gib"] < TARGETS["rss_gib"]),
        (
            f"--explain rows/s, {explained['rows']:,} rows",
            f"{explained['rows_per_s']:,.0f}",
            ">= 1,000",
            explained["rows_per_s"] >= TARGETS["explain_rows_per_s"],
        ),
    ]
    width = max(len(t[0]) for t in table)
    print()
    print(f"{'measure':<{width}}  {'value':>12}  {'target':<17} result")
    print("-" * (width + 40))
    for name, value, target, ok in table:
        print(f"{name:<{width}}  {value:>12}  {target:<17} {verdict(ok)}")


if __name__ == "__main__":
    main()
