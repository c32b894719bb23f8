"""A refused cell in a case file gets the same hint as the answer would in diagnose."""

from __future__ import annotations

import pandas as pd

from backspasm.scoring import score_cases


def test_a_near_miss_in_a_case_file_gets_a_did_you_mean() -> None:
    cases = pd.DataFrame(
        {
            "fever": ["yess", "yes", "0.7"],
            "sex": ["M", "male", "female"],
            "age": ["40", "15", "40"],
        }
    )
    errors = score_cases(cases)["error"].tolist()
    assert errors[0] == (
        "fever: 'yess' is not allowed (yes/no, y/n, true/false or 1/0); did you mean "
        "'yes'?; sex: 'M' is not allowed (female, male); did you mean 'male'?"
    )
    assert errors[1].endswith("; the model is for adults (18 to 120 years)")
    # an unsure number keeps its own explanation and gets no did-you-mean
    assert "an unsure answer is for one case at a time" in errors[2]
    assert "did you mean" not in errors[2]


def test_a_decimal_comma_is_refused_saying_to_write_a_point() -> None:
    # '45,0' from a European spreadsheet was refused with no word on why, while 45.0 is read
    cases = pd.DataFrame({"age": ["45,0"], "spasm_duration_weeks": ["2,5"], "fever": ["1,0"]})
    error = score_cases(cases)["error"].iloc[0]
    assert error == (
        "age: '45,0' is not allowed (whole years, 18 to 120, or a band: 18-39, 40-64, 65+); "
        "write a decimal with a point (45.0), not a comma; spasm_duration_weeks: '2,5' is "
        "not allowed (a number of weeks, 0 to 6262, or a band: acute, subacute, chronic); "
        "write a decimal with a point (2.5), not a comma; fever: '1,0' is not allowed "
        "(yes/no, y/n, true/false or 1/0); write a decimal with a point (1.0), not a comma"
    )


def test_a_missing_value_word_of_another_program_is_not_nudged_to_no() -> None:
    # 'None' got "did you mean 'no'?", a nudge from a missing answer to an answer of no
    error = score_cases(pd.DataFrame({"fever": ["None"]}))["error"].iloc[0]
    assert "did you mean" not in error
    assert error.endswith("if it was not answered, leave it blank (or write NA)")
