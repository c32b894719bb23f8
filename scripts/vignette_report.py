"""Per-cause report on the published vignettes: ranks and the range of each posterior.

Run: ``python scripts/vignette_report.py [data/vignettes.csv]``. Prints, per expected
cause, how often it ranks first and in the top three, and, per cause, the smallest,
median and largest posterior across the whole file (a cause that never moves far
from one value would hold a floor).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import backspasm


def main(path: str) -> None:
    """Score the vignettes and print the two per-cause tables."""
    net = backspasm.load_network()
    cases = pd.read_csv(path, dtype=str, keep_default_na=False)
    scored = backspasm.score_cases(cases.drop(columns=["expected_triage"]), network=net)
    causes = list(net.causes)
    probs = scored[[f"p_{c}" for c in causes]].astype(float).to_numpy()
    order = np.argsort(-probs, axis=1)
    rank = {
        i: 1 + int(np.where(order[i] == causes.index(c))[0][0])
        for i, c in enumerate(cases["expected_cause"])
    }
    per_cause = (
        pd.DataFrame({"cause": cases["expected_cause"], "rank": pd.Series(rank)})
        .groupby("cause")["rank"]
        .agg(n="size", top1=lambda r: int((r == 1).sum()), top3=lambda r: int((r <= 3).sum()))
    )
    ranges = pd.DataFrame(
        {
            "min": probs.min(axis=0),
            "median": np.median(probs, axis=0),
            "max": probs.max(axis=0),
        },
        index=causes,
    )
    ranks = pd.Series(rank)
    top1, top3 = np.mean(ranks == 1), np.mean(ranks <= 3)
    print(f"{len(cases)} vignettes: top-1 {top1:.3f}, top-3 {top3:.3f}")
    print(per_cause.to_string())
    print("\nposterior of each cause across the file")
    print(ranges.round(4).to_string())


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "data" / "vignettes.csv"
    main(sys.argv[1] if len(sys.argv) > 1 else str(default))
