"""Memory of a wide case file: what each column costs, whatever the rows (audit 22).

Scoring a file of 100,000 columns and 200 rows peaked at 2 to 2.5 GB, about 20 KB a
column, and ``--chunksize`` changed nothing: the cost is per column, not per row.
About 8 KB of it is reading the header row with ``pyarrow.csv.read_csv``, which
builds a parser and a converter per column for one line and leaves the memory with
the C allocator (the header is now read with the csv module); most of the rest is
the per-column state of pyarrow's streaming reader, which lives as long as the file
is read, so a file wider than ``MAX_COLUMNS`` (Excel's widest sheet) is refused
before it is read. Each measurement runs in a fresh interpreter, so that one test's
high-water mark is not another's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

COLUMNS = 16_000


def _wide_file(path: Path, columns: int, rows: int) -> Path:
    names = ["case_id", "age", "fever", *(f"c{i}" for i in range(columns - 3))]
    lines = [",".join(names)]
    lines += [",".join([f"W{r}", "45", "yes", *("1" * (columns - 3))]) for r in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _measure(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints a JSON object of MB figures."""
    prelude = textwrap.dedent(
        """
        import json, resource

        def rss():
            with open("/proc/self/status") as f:
                return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    return _wide_file(tmp_path_factory.mktemp("wide") / "wide.csv", COLUMNS, 20)


@pytest.fixture(scope="module")
def narrow(tmp_path_factory):
    return _wide_file(tmp_path_factory.mktemp("narrow") / "narrow.csv", 4, 20)


def test_a_wide_file_costs_no_more_than_it_did_per_column(wide, narrow, tmp_path):
    """A guard against growth: about 12 KB a column measured, 40 KB allowed."""
    figures = _measure(
        f"""
        from backspasm.scoring import score_file
        score_file({str(narrow)!r}, {str(tmp_path / "n.csv")!r}, progress=False)
        before = peak()
        score_file({str(wide)!r}, {str(tmp_path / "w.csv")!r}, progress=False)
        print(json.dumps({{"extra": peak() - before}}))
        """
    )
    per_column_kb = figures["extra"] * 1024 / COLUMNS
    assert per_column_kb < 40, f"{per_column_kb:.1f} KB a column"


def test_reading_the_header_row_costs_little_per_column(wide):
    # pyarrow.csv.read_csv of the header line alone left about 8 KB a column.
    figures = _measure(
        f"""
        from backspasm.scoring.sniff import read_header

        with open({str(wide)!r}, "rb") as f:
            head = f.read(8 * 1024 * 1024)
        before = rss()
        names = read_header(head, ",", "w")
        assert len(names) == {COLUMNS}
        print(json.dumps({{"extra": rss() - before}}))
        """
    )
    per_column_kb = figures["extra"] * 1024 / COLUMNS
    assert per_column_kb < 1, f"{per_column_kb:.1f} KB a column"


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_file_wider_than_the_limit_is_refused_before_it_is_read(tmp_path, capsys, kind):
    # 400,003 columns of 20 rows took 8.1 GB and 79 s to score.
    import pandas as pd

    from backspasm.cli import main
    from backspasm.scoring.sniff import MAX_COLUMNS

    columns = MAX_COLUMNS + 1
    path = _wide_file(tmp_path / "too_wide.csv", columns, 2)
    if kind == "parquet":
        frame = pd.read_csv(path, dtype=str)
        path = tmp_path / "too_wide.parquet"
        frame.to_parquet(path)
    assert main(["score", str(path), "-o", str(tmp_path / "out.csv"), "--no-progress"]) == 2
    said = capsys.readouterr().err
    assert f"has {columns:,} columns; backspasm reads at most {MAX_COLUMNS:,}" in said
    assert not (tmp_path / "out.csv").exists()
