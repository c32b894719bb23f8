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
        "fever: 'yess' is not allowed (yes/no (also y/n, true/false, 1/0)); did you mean "
        "'yes'?; sex: 'M' is not allowed (female, male); did you mean 'male'?"
    )
    assert errors[1].endswith("; the model is for adults (18 to 120 years).")
    # an unsure number keeps its own explanation and gets no did-you-mean
    assert "an unsure answer is for one case at a time" in errors[2]
    assert "did you mean" not in errors[2]
