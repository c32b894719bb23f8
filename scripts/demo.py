"""The main job on the bundled example data (run by ``make demo``).

1. validate the knowledge base and report how much of it is sourced;
2. score ``data/example_cases.csv`` into ``out/scored.csv`` (summary on stderr);
3. print the first rows as an analyst would look at them;
4. write the teaching figures into ``out/figures/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from backspasm.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "data" / "example_cases.csv"
OUT = ROOT / "out"


def run() -> int:
    print("== backspasm check", flush=True)
    if cli(["check"]) != 0:
        return 1
    print(f"\n== backspasm score {CASES.relative_to(ROOT)} -o out/scored.csv", flush=True)
    OUT.mkdir(exist_ok=True)
    code = cli(["score", str(CASES), "-o", str(OUT / "scored.csv"), "--no-progress"])
    if code not in (0, 3):
        return code
    scored = pd.read_csv(OUT / "scored.csv", dtype=str, keep_default_na=False)
    view = scored[["case_id", "top_cause", "p_serious", "triage", "red_flags", "error"]].copy()
    view["p_serious"] = pd.to_numeric(view["p_serious"]).map("{:.1%}".format)
    print("\nout/scored.csv (selected columns):")
    print(view.to_string(index=False))
    print("\n== backspasm figures --out out/figures", flush=True)
    # EX18 is the abscess triad: the lesson follows the abscess, not the top cause
    return cli(
        [
            "figures",
            "--out",
            str(OUT / "figures"),
            "--cases",
            str(CASES),
            "--case-id",
            "EX18",
            "--cause",
            "epidural_abscess",
        ]
    )


if __name__ == "__main__":
    sys.exit(run())
