"""Benchmark one diagnose() call against pgmpy and pyAgrum on the same case.

``diagnose`` answers far more than the cause posteriors (triage, reasons, next
questions, the most probable explanation), so the comparison is made on the part all
three can do: the 18 cause posteriors plus P(at least one serious cause). The full
``diagnose`` time is printed beside it (target: under 50 ms), and then the time of
the counterfactual ranking (:func:`~backspasm.explain.counterfactual.expected_disablement`,
one twin network per cause) with the size of each twin.

Run with ``make bench`` or ``python scripts/bench_diagnose.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import to_pyagrum
from pgmpy.inference import VariableElimination

from backspasm.diagnosis import diagnose
from backspasm.explain.counterfactual import expected_disablement
from backspasm.explain.twin import twin_network
from backspasm.network import default_network
from backspasm.questionnaire import answers_to_evidence

CASES = [
    {"spasm_location": "flank", "blood_in_urine": "yes", "nausea_or_vomiting": "yes", "age": 45},
    {"fever": "yes", "iv_drug_use_or_immunosuppression": "yes", "muscle_weakness": "yes"},
    {
        "age": 74,
        "spasm_duration_weeks": 30,
        "leg_or_buttock_pain": "yes",
        "balance_problems": "yes",
    },
    {
        "age": 35,
        "recent_exertion": "yes",
        "fever": "no",
        "saddle_numbness": "no",
        "bowel_or_bladder_loss": "no",
        "night_pain": "no",
    },
    {"age": 28, "spine_stiffness": "yes", "night_pain": "yes", "spasm_duration_weeks": 20},
]


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    warnings.filterwarnings("ignore", category=FutureWarning)
    net = default_network()
    engine = net.engine
    causes = list(net.causes)
    serious = list(net.serious_causes)
    ve = VariableElimination(net.model)
    try:
        import pyagrum as gum

        bn = to_pyagrum(net.model, engine)
    except ImportError:
        gum = None
    rows = []
    for answers in CASES:
        evidence = answers_to_evidence(answers)
        diagnose(answers)  # warm caches (baseline, compiled plans)

        def ours(evidence: dict = evidence) -> None:  # type: ignore[type-arg]
            batch = engine.encode([evidence])
            engine.query(batch, targets=causes)
            engine.prob_conjunction(batch, dict.fromkeys(serious, "no"))

        def pgmpy_ve(evidence: dict = evidence) -> None:  # type: ignore[type-arg]
            for cause in causes:
                ve.query([cause], evidence=evidence, show_progress=False)
            ve.query(serious, evidence=evidence, show_progress=False)

        full = median_ms(lambda a=answers: diagnose(a), 15)
        mine = median_ms(ours, 30)
        ref = median_ms(pgmpy_ve, 3)
        agrum = float("nan")
        if gum is not None:

            def lazy(evidence: dict = evidence) -> None:  # type: ignore[type-arg]
                ie = gum.LazyPropagation(bn)
                ie.setEvidence(dict(evidence))
                ie.addJointTarget(set(serious))
                for cause in causes:
                    ie.addTarget(cause)
                ie.makeInference()
                for cause in causes:
                    ie.posterior(cause)
                ie.jointPosterior(set(serious))

            agrum = median_ms(lazy, 10)
        rows.append((full, mine, ref, agrum))
        print(
            f"case {len(rows)}: diagnose() {full:6.1f} ms | posteriors+p_serious: backspasm "
            f"{mine:6.2f} ms, pgmpy VE {ref:8.1f} ms ({ref / mine:6.0f}x), pyAgrum "
            f"{agrum:6.2f} ms ({agrum / mine:5.1f}x)"
        )
    full = statistics.median(r[0] for r in rows)
    ratio_ve = statistics.median(r[2] / r[1] for r in rows)
    ratio_agrum = statistics.median(r[3] / r[1] for r in rows)
    verdict = "PASS" if full < 50 else "MISS"
    print(
        f"\nmedian diagnose() with reasons, next questions and MAP: {full:.1f} ms "
        f"(target < 50 ms: {verdict})"
    )
    print(
        f"median speed-up on posteriors + p_serious: {ratio_ve:.0f}x pgmpy VE, "
        f"{ratio_agrum:.1f}x pyAgrum LazyPropagation (same run)"
    )
    counterfactual_report()
    return 0


def counterfactual_report() -> None:
    """Print each cause's twin network and the counterfactual ranking's time per case."""
    net = default_network()
    twins = {c: twin_network(c, net) for c in net.causes}
    cases = [answers_to_evidence(a) for a in CASES[:2]]  # the kidney stone, the abscess
    expected_disablement(cases[0])  # warm the twins' plans
    per_case = statistics.median(
        median_ms(lambda e=evidence: expected_disablement(e), 5) for evidence in cases
    )
    print(f"\n{'twin network of':<36} nodes edges copies width compile_s")
    for cause, twin in twins.items():
        print(
            f"{cause:<36} {twin.n_nodes:5d} {twin.n_edges:5d} {len(twin.copies):6d} "
            f"{twin.treewidth:5d} {twin.compile_seconds:9.3f}"
        )
    print(f"counterfactual ranking, all {len(twins)} causes: {per_case:.1f} ms per case")


if __name__ == "__main__":
    sys.exit(main())
