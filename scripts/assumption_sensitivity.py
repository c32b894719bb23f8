"""Which of the knowledge base's assumptions move the results on published cases.

Run: ``python scripts/assumption_sensitivity.py [data/vignettes.csv] [--factor 4]``.

Every declared number whose source is ``assumption`` (a number no paper gives, with a
one-line reason) and whose value is one probability strictly between 0 and 1 is
moved, one at a time, to ``factor`` times its odds and to ``1 / factor`` times them,
in a copy of the knowledge base. Each copy is compared with the unchanged network on
the case file, case by case (:func:`backspasm.learning.comparison.compare_prepared`,
the baseline scored once): the cases
that gain or lose their expected cause at first place or in the top three, the cases
whose expected cause moved at all, and the serious-cause cases triaged ``self_care``
and the triage agreement under the copy. The table printed puts the numbers that move
the most cases first: where a literature search would change the results, and how far
an assumption alone could take them. Numbers given per state (``p = { ... }``) are not
moved.

The unchanged network is scored once per copy (about one second each on the 154
vignettes; the whole run takes a few minutes). ``--network`` takes a variant folder;
``--limit N`` moves only the first N assumptions (a quick look).
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import backspasm
from backspasm.learning.comparison import Comparison, compare_prepared
from backspasm.learning.evaluation import PreparedCases, prepare_frame
from backspasm.network import Network

#: One assumption's probability on a line of a knowledge-base TOML file.
ASSUMED = re.compile(r'(\bp = )([0-9][0-9.eE+-]*)(, source = "assumption")')
#: Columns of a vignette file that are neither answers nor truth.
TEXT = ("source", "source_kind", "vignette")


@dataclass(frozen=True)
class Assumption:
    """One assumed probability: where it is declared and its value."""

    file: str
    line: int
    p: float
    text: str


def assumptions(folder: Path) -> Iterator[Assumption]:
    """Yield the folder's assumed probabilities strictly between 0 and 1, file by file."""
    for path in sorted(folder.glob("*.toml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = ASSUMED.search(line)
            if match and 0.0 < float(match.group(2)) < 1.0:
                yield Assumption(path.name, number, float(match.group(2)), line.strip())


def moved(p: float, factor: float) -> float:
    """Return ``p`` with its odds multiplied by ``factor``."""
    odds = p / (1.0 - p) * factor
    return odds / (1.0 + odds)


def variant(folder: Path, into: Path, where: Assumption, value: float) -> Path:
    """Copy the knowledge base ``folder`` to ``into`` with one assumption set to ``value``."""
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(folder, into)
    path = into / where.file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = lines[where.line - 1]
    match = ASSUMED.search(line)
    assert match is not None, where
    lines[where.line - 1] = f"{line[: match.start(2)]}{value:.6g}{line[match.end(2) :]}"
    path.write_text("".join(lines), encoding="utf-8")
    return into


def sensitivity(
    cases: pd.DataFrame, folder: Path, factor: float = 4.0, limit: int | None = None
) -> pd.DataFrame:
    """One row per assumption and direction: what the moved number did to the cases."""
    base = prepare_frame(cases, network=backspasm.load_network(folder))
    return sweep(cases, base, folder, factor, limit)


def sweep(
    cases: pd.DataFrame,
    base: PreparedCases,
    folder: Path,
    factor: float = 4.0,
    limit: int | None = None,
) -> pd.DataFrame:
    """As :func:`sensitivity`, against a baseline already scored."""
    rows = []
    found = list(assumptions(folder))[:limit]
    with tempfile.TemporaryDirectory() as work:
        for where in found:
            for scale in (factor, 1.0 / factor):
                value = moved(where.p, scale)
                net: Network = backspasm.load_network(
                    variant(folder, Path(work) / "kb", where, value)
                )
                result: Comparison = compare_prepared(base, prepare_frame(cases, network=net))
                rows.append(
                    {
                        "file": where.file,
                        "line": where.line,
                        "p": where.p,
                        "moved_to": round(value, 6),
                        "top1_gained": result.top1_gained,
                        "top1_lost": result.top1_lost,
                        "top3_gained": result.top3_gained,
                        "top3_lost": result.top3_lost,
                        "cases_moved": len(result.moved()),
                        "serious_self_care": result.candidate.serious_self_care,
                        "triage_agreement": result.candidate.triage_agreement,
                        "number": where.text[:60],
                    }
                )
    return pd.DataFrame(rows)


def ranked(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table's assumptions, those whose moves change the most cases first."""
    changes = table.assign(
        top1_changes=table["top1_gained"] + table["top1_lost"],
        top3_changes=table["top3_gained"] + table["top3_lost"],
        top1_net=table["top1_gained"] - table["top1_lost"],
    )
    per = changes.groupby(["file", "line"], sort=False).agg(
        p=("p", "first"),
        top1_changes=("top1_changes", "sum"),
        top3_changes=("top3_changes", "sum"),
        best_top1_net=("top1_net", "max"),
        cases_moved=("cases_moved", "max"),
        number=("number", "first"),
    )
    return per.sort_values(["top1_changes", "top3_changes"], ascending=False).reset_index()


def main(path: str, folder: Path, factor: float, limit: int | None) -> None:
    cases = pd.read_csv(path, dtype=str, keep_default_na=False)
    cases = cases.drop(columns=[c for c in TEXT if c in cases])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pgmpy's notices; unscored columns are dropped
        base = prepare_frame(cases, network=backspasm.load_network(folder))
        table = sweep(cases, base, folder, factor, limit)
        whole = base.evaluate()
    per = ranked(table)
    n = whole.n_with_cause
    print(
        f"{len(per)} assumptions, each moved to {factor:g} and 1/{factor:g} times its odds, "
        f"on {n} cases of {path} (top-1 {whole.top1:.3f}, top-3 {whole.top3:.3f}, "
        f"{whole.serious_self_care} serious-cause cases at self_care)"
    )
    best = int(per["best_top1_net"].max()) if len(per) else 0
    print(
        f"the largest net top-1 gain from one assumption: {best:+d} case{'s' * (abs(best) != 1)} "
        f"(top-1 {(whole.top1 * n + best) / n:.3f} at most); serious-cause cases at "
        f"self_care under any one move: {table['serious_self_care'].min()} to "
        f"{table['serious_self_care'].max()}; triage agreement "
        f"{table['triage_agreement'].min():.3f} to {table['triage_agreement'].max():.3f}\n"
    )
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(per.head(25).to_string(index=False))


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "data" / "vignettes.csv"
    bundled = Path(backspasm.__file__).resolve().parent / "knowledge"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(default), help="case file with truth")
    parser.add_argument("--factor", type=float, default=4.0, help="odds factor (default 4)")
    parser.add_argument("--network", type=Path, default=bundled, help="knowledge-base folder")
    parser.add_argument("--limit", type=int, default=None, help="move only the first N")
    args = parser.parse_args()
    if not Path(args.path).is_file():
        parser.error(f"no such file: {args.path}")
    if args.factor <= 1:
        parser.error("--factor must be above 1 (the number is moved both ways)")
    main(args.path, args.network, args.factor, args.limit)
