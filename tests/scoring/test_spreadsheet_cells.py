"""A scored file opened in a spreadsheet: the user's cells come back exactly as given,
even those a spreadsheet would run as a formula, and backspasm's own cells never begin
like a formula (a negative number aside), so that nothing backspasm writes runs."""

from __future__ import annotations

import csv
from pathlib import Path

from backspasm.scoring import score_file

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROWS = [
    ["case_id", "age", "fever", "spasm_location", "note"],
    ["=1+1", "45", "yes", "lower_back", '=HYPERLINK("http://example.org")'],
    ["@SUM(A1)", "=cmd()", "-1", "+flank", "+1"],
    ["-3", "70", "no", "@x", "\tindented"],
]


def test_formula_like_cells_come_back_as_given_and_none_of_ours_begins_like_one(
    tmp_path: Path,
) -> None:
    source, out = tmp_path / "cases.csv", tmp_path / "scored.csv"
    with source.open("w", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    score_file(source, out, explain=True, progress=False)
    with out.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    given = ROWS[0]
    assert header[: len(given)] == given
    assert [row[: len(given)] for row in rows] == ROWS[1:]
    # Rows 2 and 3 carry errors that quote the user's values, after the column's name.
    assert rows[0][header.index("error")] == ""
    assert all(row[header.index("error")] for row in rows[1:])
    ours = [(name, row[i]) for row in rows for i, name in enumerate(header) if i >= len(given)]
    assert len(ours) == 3 * (len(header) - len(given))
    for name, cell in ours:
        if cell.startswith("-"):
            float(cell)  # a negative number, such as a conflict measure
        else:
            assert not cell.startswith(FORMULA_START), (name, cell)
