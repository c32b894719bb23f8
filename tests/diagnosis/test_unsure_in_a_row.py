"""An unsure answer in a row: diagnose() takes it, a case file refuses it (documented).

A researcher's audit read ``diagnose(pd.Series({"fever": "0.7"}))`` taking an answer
that ``backspasm score`` and ``Explorer.load_row`` refuse as a disagreement. It is the
documented design (``diagnose``'s docstring, data/README.md, README): an unsure answer
is for one case at a time, a case file holds yes or no, and the file's refusal names the
column, the value, what a file allows and where an unsure answer goes. Every answer a
file allows reads the same in both.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from backspasm import EvidenceError, diagnose, explore
from backspasm.scoring import score_cases


@pytest.mark.parametrize("unsure", ["0.7", 0.7, "70%"])
def test_a_row_s_unsure_answer_is_soft_evidence_as_in_a_mapping(unsure: object) -> None:
    from_row = diagnose(pd.Series({"age": "45", "fever": unsure}))
    from_mapping = diagnose({"age": 45, "fever": 0.7})
    assert dict(from_row.evidence)["fever"] == pytest.approx((0.3, 0.7))
    pd.testing.assert_series_equal(
        from_row.causes.set_index("cause")["posterior"],
        from_mapping.causes.set_index("cause")["posterior"],
    )


def test_a_case_file_refuses_it_naming_column_value_and_what_is_allowed(tmp_path: Path) -> None:
    error = score_cases(pd.DataFrame({"age": ["45"], "fever": ["0.7"]}))["error"].iloc[0]
    assert error == (
        "fever: 0.7 is not allowed (yes/no, y/n, true/false or 1/0); an unsure answer "
        "is for one case at a time (backspasm diagnose or ask), a case file holds yes or no"
    )
    path = tmp_path / "cases.csv"
    path.write_text("age,fever\n45,0.7\n")
    with pytest.raises(EvidenceError, match=r"^row 1: fever: 0\.7 is not allowed .* yes or no"):
        explore().load_row(path, 1)


@pytest.mark.parametrize(
    "cell", ["yes", " Y ", "TRUE", "1", "1.0", "100%", "0%", "n", "0.0e0", "NA", "", "unknown"]
)
def test_every_answer_a_file_allows_reads_the_same_in_diagnose(cell: str) -> None:
    cases = pd.DataFrame({"age": ["45"], "fever": [cell]})
    scored = score_cases(cases)
    assert scored["error"].iloc[0] == ""
    d = diagnose(cases.iloc[0])
    for cause, p in d.causes.set_index("cause")["posterior"].items():
        assert scored[f"p_{cause}"].iloc[0] == pytest.approx(p, rel=1e-9)
