"""Per-cause report on the published vignettes: ranks, evidence and posterior ranges.

Run: ``python scripts/vignette_report.py [data/vignettes.csv]``. Prints

1. per expected cause, how often it ranks first and in the top three;
2. how much each vignette's answers say about its own cause: the odds factor
   (posterior odds over the odds given the context answers alone: age, sex, care
   setting; :mod:`backspasm.explain.odds`), with top-1 and top-3 for
   vignettes whose answers point to their cause (factor >= 2), say little
   (1/2 to 2) or point away (< 1/2). A network that fails on the first group is
   wrong; on the second, the report gives it nothing to go on. It also prints the
   top-1 a network would reach if every vignette of the first group ranked its cause
   first and the others stayed as they are: a ceiling set by the file, not the network.
   The vignettes of the first group that miss are listed with the cause ranked first and
   how many times likelier it is than theirs (``behind``), the near misses counted;
3. per cause, the smallest, median and largest posterior across the whole file (a
   cause that never moves far from one value would hold a floor);
4. top-1 and top-3 when the causes are ranked by their odds factor instead of their
   posterior (``backspasm evaluate --rank odds_factor``), and how many expected causes
   ``diagnose`` explains under "why" (the top three, or pointed to below them by their
   odds factor): how well the answers alone
   separate the causes, apart from the primary-care base rates. The vignette file
   holds 1 to 17 cases of each cause (8 on average), far from the primary-care mix
   (strain about 60% of presenters), so this is the ranking a reader of a
   cause-balanced file would get from the same network;
5. top-1 and top-3, and per cause how often it ranks first, when the causes are
   ranked by expected disablement (Richens, Lee and Johri 2020: how many of the
   case's positive findings curing the cause would switch off), as
   ``backspasm evaluate --rank disablement`` does;
6. top-1, top-3 and triage agreement by kind of source (``source_kind``):
   ``teaching`` cases, written to teach or test (question banks, textbook and review
   vignettes), against ``case_report`` ones, published because a real patient was
   unusual. Symptom-checker studies (Semigran et al. 2015) use the first kind;
7. every case whose triage level differs from its ``expected_triage``, the less
   cautious first (an expected emergency sent home leads), with P(serious) and the
   number of screening questions the case left unanswered.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import backspasm
from backspasm.explain.odds import context_probabilities, odds_factor
from backspasm.learning import evaluate, evaluate_by

#: Columns of the vignette file that are not answers.
META = ("case_id", "source", "source_kind", "expected_cause", "expected_triage", "vignette")


def _scored(cases: pd.DataFrame, net: backspasm.Network) -> tuple[np.ndarray, pd.DataFrame]:
    """Each case's cause posteriors (cases x causes) and its scored row."""
    scored = backspasm.score_cases(cases, network=net)
    return scored[[f"p_{c}" for c in net.causes]].astype(float).to_numpy(), scored


def _triage_misses(cases: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Return the cases triaged otherwise than expected, the least cautious first."""
    order = {"self_care": 0, "see_doctor": 1, "emergency": 2}
    table = pd.DataFrame(
        {
            "cause": cases["expected_cause"].to_numpy(),
            "expected": cases["expected_triage"].to_numpy(),
            "given": scored["triage"].to_numpy(),
            "p_serious": scored["p_serious"].astype(float).round(3).to_numpy(),
            "screen_unanswered": scored["screen_unanswered"].astype("Int64").to_numpy(),
        },
        index=cases["case_id"],
    )
    table = table[(table["expected"] != "") & (table["expected"] != table["given"])]
    short = table["given"].map(order) - table["expected"].map(order)
    return (
        table.assign(short=short)
        .sort_values(["short", "expected"], kind="stable")
        .drop(columns="short")
    )


def _near_misses(
    table: pd.DataFrame, probs: np.ndarray, own: np.ndarray, causes: list[str]
) -> pd.DataFrame:
    """Add to each missed case the cause ranked first and how far its cause is behind it."""
    top = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=int)
    return table.assign(
        factor=table["factor"].round(1),
        first=[causes[i] for i in top],
        behind=(probs.max(axis=1, initial=0.0) / own).round(2) if len(probs) else [],
    )


def main(path: str) -> None:
    """Score the vignettes and print the seven sections listed in the module docstring."""
    net = backspasm.load_network()
    cases = pd.read_csv(path, dtype=str, keep_default_na=False)
    causes = list(net.causes)
    answers = cases.drop(columns=[c for c in META if c != "case_id"])
    probs, scored = _scored(answers, net)
    context = context_probabilities(answers, net)
    column = np.array([causes.index(c) for c in cases["expected_cause"]])
    rows = np.arange(len(cases))
    own = probs[rows, column]
    # as `backspasm evaluate` ranks: causes that share their numbers keep their order
    ranked = np.argsort(-np.round(probs, 12), axis=1, kind="stable")
    rank = 1 + np.argmax(ranked == column[:, None], axis=1)
    prior = context[rows, column]
    factor = odds_factor(own, prior)
    # as `backspasm evaluate --rank odds_factor` ranks them
    by_factor = evaluate(cases, network=net, rank="odds_factor")
    table = pd.DataFrame(
        {"cause": cases["expected_cause"].to_numpy(), "rank": rank, "factor": factor},
        index=cases["case_id"],
    )
    per_cause = table.groupby("cause")["rank"].agg(
        n="size", top1=lambda r: int((r == 1).sum()), top3=lambda r: int((r <= 3).sum())
    )
    evidence = pd.cut(
        table["factor"],
        [0, 0.5, 2, np.inf],
        labels=["point away (< 1/2)", "say little (1/2 to 2)", "point to it (>= 2)"],
        right=False,
    )
    by_evidence = table.groupby(evidence, observed=False)["rank"].agg(
        n="size",
        top1=lambda r: float(np.mean(r == 1)) if len(r) else np.nan,
        top3=lambda r: float(np.mean(r <= 3)) if len(r) else np.nan,
    )
    ranges = pd.DataFrame(
        {
            "min": probs.min(axis=0),
            "median": np.median(probs, axis=0),
            "max": probs.max(axis=0),
        },
        index=causes,
    )
    print(
        f"{len(cases)} vignettes: top-1 {np.mean(rank == 1):.3f}, top-3 {np.mean(rank <= 3):.3f}"
    )
    print(per_cause.to_string())
    print("\nwhat the answers say about the expected cause (odds factor over the context answers)")
    print(by_evidence.round(3).to_string())
    pointing = table["factor"] >= 2
    reachable = float(np.mean(pointing | (table["rank"] == 1)))
    print(
        "if every case whose answers point to its cause ranked it first (the rest as "
        f"now): top-1 {reachable:.3f}"
    )
    misses = _near_misses(
        table[pointing & (table["rank"] > 1)],
        probs[pointing & (rank > 1)],
        own[pointing & (rank > 1)],
        causes,
    )
    if len(misses):
        print("\nanswers point to the cause, yet it is not first:")
        print(misses.to_string())
        close = int((misses["behind"] < 2).sum())
        print(
            f"{close} of {len(misses)} within a factor of 2 of the cause ranked first "
            "(behind: its posterior over the expected cause's)"
        )
    print("\nposterior of each cause across the file")
    print(ranges.round(4).to_string())
    print(
        "\nranked by odds factor (the answers alone, without the base rates): "
        f"top-1 {by_factor.top1:.3f}, top-3 {by_factor.top3:.3f}"
    )
    print(
        f"named under diagnose's 'why' (in the top three, or pointed to below them): "
        f"{by_factor.named_under_why:.3f}"
    )
    counterfactual = evaluate(cases, network=net, rank="disablement")
    print(
        "\nranked by expected disablement (Richens et al. 2020): "
        f"top-1 {counterfactual.top1:.3f}, top-3 {counterfactual.top3:.3f}"
    )
    first = counterfactual.per_cause.set_index("cause")["top1_recall"]
    per_cause["top1_disablement"] = (first * per_cause["n"]).round().astype(int)
    print(per_cause.to_string())
    if "source_kind" in cases.columns:
        print("\nby kind of source: top-1, top-3 and triage agreement")
        kinds = evaluate_by(cases, "source_kind", network=net)
        by_disablement = evaluate_by(cases, "source_kind", network=net, rank="disablement")
        kinds["top1_disablement"] = by_disablement["top1"]
        kinds["top3_disablement"] = by_disablement["top3"]
        columns = ["group", "n_cases", "top1", "top3", "top1_disablement"]
        columns += ["top3_disablement", "triage_agreement"]
        print(kinds[columns].round(3).to_string(index=False))
    if "expected_triage" in cases.columns:
        misses = _triage_misses(cases, scored)
        compared = int((cases["expected_triage"] != "").sum())
        print(
            f"\ntriage otherwise than expected ({len(misses)} of {compared}), least cautious first"
        )
        print(misses.to_string())


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "data" / "vignettes.csv"
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="The seven sections printed are described in this script's module docstring.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        default=str(default),
        help="a vignette file with expected_cause (default: data/vignettes.csv)",
    )
    path = parser.parse_args().path
    if not Path(path).is_file():
        parser.error(f"no such file: {path}")
    main(path)
