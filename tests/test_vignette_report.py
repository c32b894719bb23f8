"""The vignette report's near misses and triage disagreements (scripts/vignette_report.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pandas as pd

# The script's functions (scripts/ is not a package; run_path does not call main).
REPORT = runpy.run_path(
    str(Path(__file__).resolve().parent.parent / "scripts" / "vignette_report.py")
)


def test_triage_misses_put_the_least_cautious_first() -> None:
    cases = pd.DataFrame(
        {
            "case_id": ["A", "B", "C", "D", "E"],
            "expected_cause": ["strain", "abscess", "stone", "tumour", "strain"],
            "expected_triage": ["self_care", "emergency", "emergency", "see_doctor", ""],
        }
    )
    scored = pd.DataFrame(
        {
            "triage": ["see_doctor", "self_care", "emergency", "self_care", "emergency"],
            "p_serious": ["0.01", "0.02", "0.9", "0.03", "0.5"],
            "screen_unanswered": [20, 25, 3, 26, 0],
        }
    )
    misses = REPORT["_triage_misses"](cases, scored)
    # C agrees and E expects nothing: left out. An emergency sent home leads, then a
    # doctor's visit sent home, then the over-cautious.
    assert list(misses.index) == ["B", "D", "A"]
    assert misses.loc["B", ["expected", "given"]].tolist() == ["emergency", "self_care"]
    assert misses.loc["D", "p_serious"] == 0.03
    assert misses.loc["D", "screen_unanswered"] == 26


def test_near_misses_name_the_cause_ranked_first_and_the_gap() -> None:
    table = pd.DataFrame(
        {"cause": ["abscess", "stone"], "rank": [2, 3], "factor": [324.14, 2.04]},
        index=pd.Index(["S06", "S19"], name="case_id"),
    )
    probs = np.array([[0.5, 0.2, 0.1], [0.6, 0.3, 0.02]])
    own = np.array([0.2, 0.02])
    misses = REPORT["_near_misses"](table, probs, own, ["strain", "abscess", "stone"])
    assert misses["first"].tolist() == ["strain", "strain"]
    assert misses["behind"].tolist() == [2.5, 30.0]
    assert misses["factor"].tolist() == [324.1, 2.0]
    empty = REPORT["_near_misses"](table.iloc[:0], probs[:0], own[:0], ["strain"])
    assert empty.empty
    assert {"first", "behind"} <= set(empty.columns)
