"""What explore() opens on: the answers diagnose() takes, a case-file row among them."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from backspasm import diagnose, explore

VIGNETTES = Path(__file__).resolve().parents[2] / "data" / "vignettes.csv"


def test_explore_opens_on_a_case_file_row_as_diagnose_reads_it() -> None:
    # explore's answers are "as for diagnose", which takes a row (df.iloc[0]); explore
    # failed on it with pandas' "The truth value of a Series is ambiguous"
    cases = pd.read_csv(VIGNETTES, dtype=str, keep_default_na=False)
    row = cases.iloc[0]  # with source, vignette, expected_cause: not questions
    ex = explore(row)
    assert ex.case_id == row["case_id"]
    expected = diagnose(row)
    assert ex.diagnosis.evidence == expected.evidence
    assert ex.diagnosis.posterior("muscle_strain") == pytest.approx(
        expected.posterior("muscle_strain"), abs=1e-12
    )
    assert "vignette" not in ex.answers
    assert "expected_cause" not in ex.answers


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (pd.DataFrame({"fever": ["yes"]}), "explore opens one case: pass a row (df.iloc[0])"),
        ("fever=yes", "answers must be a mapping of question to answer"),
        ([("fever", "yes")], "answers must be a mapping of question to answer"),
    ],
)
def test_explore_refuses_what_is_not_one_case_clearly(given: object, said: str) -> None:
    # a DataFrame gave "truth value of a DataFrame is ambiguous", a string
    # "'str' object has no attribute 'items'"
    with pytest.raises(TypeError, match=re.escape(said)):
        explore(given)  # type: ignore[arg-type]
