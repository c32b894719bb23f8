"""The main job on the bundled example data (run by ``make demo``).

1. validate the knowledge base and report how much of it is sourced;
2. score ``data/example_cases.csv`` into ``out/scored.csv`` (summary on stderr);
3. print the rows as an analyst would look at them first (each top cause with its own
   probability, then P(any serious cause));
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
    print("\nout/scored.csv (selected columns):")
    print(summary(scored).to_string(index=False, justify="left"))
    # EX18 is the abscess triad: the lesson follows the abscess, not the top cause
    figures = ["figures", "--out", "out/figures", "--cases", str(CASES.relative_to(ROOT))]
    figures += ["--case-id", "EX18", "--cause", "epidural_abscess"]
    print("\n== backspasm " + " ".join(figures), flush=True)
    return cli([str(ROOT / a) if a.startswith(("out/", "data/")) else a for a in figures])


def summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Return the columns an analyst looks at first, each top cause with its own probability."""
    top = [
        float(row[f"p_{cause}"]) if cause else float("nan")
        for cause, (_, row) in zip(scored["top_cause"], scored.iterrows(), strict=True)
    ]
    view = pd.DataFrame(
        {
            "case_id": scored["case_id"],
            "top_cause": scored["top_cause"],
            "p_top_cause": pd.Series(top).map("{:.1%}".format),
            "triage": scored["triage"],
            "p_any_serious": pd.to_numeric(scored["p_serious"]).map("{:.1%}".format),
            # the first red flag only, so that the table fits a terminal
            "first_red_flag": scored["red_flags"].str.split("; ").str[0].map(_cut),
            "error": scored["error"],
        }
    ).replace("nan%", "")
    # left-aligned, as text reads
    return view.apply(lambda column: column.str.ljust(column.str.len().max()))


def _cut(text: str, width: int = 36) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


if __name__ == "__main__":
    sys.exit(run())
