"""A row number that one part of the package prints addresses the same row in another.

``compare_networks`` and ``score``'s messages count rows from 1 (row 1 is the first case
after the header); ``Explorer.load_row`` counted from 0, so the row a comparison named
loaded the case after it (a researcher's audit).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from backspasm import EvidenceError, explore, load_network
from backspasm.exceptions import CaseFileError
from backspasm.learning import compare_networks
from backspasm.scoring import score_cases


def test_a_row_compare_networks_names_is_the_row_load_row_loads(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "age,fever,spasm_location,expected_cause\n"
        "34,no,lower_back,muscle_strain\n"
        "60,no,flank,kidney_stones\n"
        "45,yes,flank,pyelonephritis\n"
    )
    table = compare_networks(path, load_network()).cases
    assert table["row"].tolist() == [1, 2, 3]
    frame = pd.read_csv(path, dtype=str)
    ex = explore()
    for row in table["row"]:
        ex.load_row(path, int(row))
        case = frame.iloc[int(row) - 1]
        assert ex.answers["age"] == int(case["age"])
        assert ex.answers["spasm_location"] == case["spasm_location"]


def test_a_row_scores_error_names_is_the_row_load_row_refuses(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("age,fever\n40,no\nabc,yes\n")
    error = score_cases(pd.read_csv(path, dtype=str))["error"]
    assert error.iloc[0] == ""
    assert error.iloc[1].startswith("age: 'abc' is not allowed")  # the file's row 2
    ex = explore()
    with pytest.raises(EvidenceError, match=r"^row 2: age: 'abc' is not allowed"):
        ex.load_row(path, 2)
    ex.load_row(path, 1)
    assert ex.answers["age"] == 40


def test_row_zero_is_refused_saying_rows_count_from_1(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("age,fever\n40,no\n50,yes\n")
    with pytest.raises(CaseFileError, match=r"counted from 1, after the header: from 1 to 2"):
        explore().load_row(path, 0)
