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


def _shown_posterior(ex: object, cause: str) -> float:
    bars = ex.views["bars"].value  # type: ignore[attr-defined]
    found = re.search(rf"data-cause='{cause}' data-prior='[^']+' data-posterior='([^']+)'", bars)
    assert found is not None
    return float(found.group(1))


def _double_stones(ex: object) -> None:
    cpd = ex.network.model.get_cpds("kidney_stones")  # type: ignore[attr-defined]
    values = cpd.get_values().copy()
    values[1] *= 2
    values[0] = 1 - values[1]
    cpd.values = values.reshape(cpd.values.shape)


@pytest.mark.parametrize("how", ["_repr_mimebundle_", "_ipython_display_"])
def test_displaying_the_explorer_after_an_edit_shows_the_edited_numbers(how: str) -> None:
    # `ex` as a cell's last line, after editing ex.network.model, drew the bars of the
    # numbers before the edit (73.1% for a stone) while repr(ex) and ex.diagnosis said 84.5%
    ex = explore({"spasm_location": "flank", "blood_in_urine": "yes"})
    before = _shown_posterior(ex, "kidney_stones")
    _double_stones(ex)
    if how == "_ipython_display_":
        pytest.importorskip("IPython")
    getattr(ex, how)()
    expected = diagnose(dict(ex.answers), network=ex.network).posterior("kidney_stones")
    assert expected > before + 0.05
    assert _shown_posterior(ex, "kidney_stones") == pytest.approx(expected, abs=1e-12)


def test_displaying_the_explorer_after_a_refused_edit_says_why_and_does_not_raise() -> None:
    ex = explore({"spasm_location": "flank"})
    cpd = ex.network.model.get_cpds("kidney_stones")
    cpd.values = cpd.values * 2  # columns sum to 2: refused
    ex._repr_mimebundle_()  # a display never raises
    assert "the edited network" in ex.views["message"].value


def test_reasons_picked_after_an_edit_are_those_of_the_edited_numbers() -> None:
    # show_reasons after an edit of network.model drew the reasons of the numbers before
    # it, beside ex.diagnosis.reasons() of the edited ones
    ex = explore({"spasm_location": "flank", "blood_in_urine": "yes"})
    _double_stones(ex)
    ex.show_reasons("kidney_stones")
    shown = ex.views["reasons"].value
    assert ex.diagnosis.explanation("kidney_stones") in shown.replace("&#x27;", "'")
    assert _shown_posterior(ex, "kidney_stones") == pytest.approx(
        ex.diagnosis.posterior("kidney_stones"), abs=1e-12
    )


def test_a_cause_picked_in_the_list_after_an_edit_shows_the_edited_numbers() -> None:
    ex = explore({"spasm_location": "flank", "blood_in_urine": "yes"})
    _double_stones(ex)
    ex._cause_picker.value = "kidney_stones"  # as a person picks it in the "Why" list
    shown = ex.views["reasons"].value
    assert ex.diagnosis.explanation("kidney_stones") in shown.replace("&#x27;", "'")
