"""The main job on the bundled example data: diagnose every example case.

Run with ``make demo``. Prints the knowledge-base check and, for each case of
``data/example_cases.csv``, its three most probable causes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from backspasm.cli import main as cli_main
from backspasm.diagnosis import diagnose
from backspasm.questionnaire import default_questions

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "data" / "example_cases.csv"


def run() -> int:
    print("== backspasm check (the bundled knowledge base)")
    cli_main(["check"])
    print(f"\n== top causes for {CASES.relative_to(ROOT)}")
    columns = {q.column for q in default_questions()}
    cases = pd.read_csv(CASES, dtype=str, keep_default_na=False)
    for record in cases.to_dict(orient="records"):
        answers = {k: v for k, v in record.items() if k in columns}
        d = diagnose(answers)
        top = ", ".join(
            f"{r.cause} {r.posterior:.0%}" for r in d.causes.head(3).itertuples(index=False)
        )
        print(f"{record['case_id']:>5}  P(serious) {d.p_serious:5.1%}  {top}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
