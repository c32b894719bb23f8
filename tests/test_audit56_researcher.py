"""Researcher audit 56: what a Jupyter user met, each as the user meets it."""

from __future__ import annotations

import decimal
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from backspasm import diagnose, load_network, score_cases
from backspasm.exceptions import BackspasmError, EvidenceError
from backspasm.network import EditedNetworkWarning, default_network
from backspasm.scoring import ScoringWarning

STONE = {"spasm_location": "flank", "blood_in_urine": "yes"}

# -- a pandas row: a misspelt or node-named column is not lost without a word ----------


@pytest.mark.parametrize(
    ("label", "question"), [("fevers", "fever"), ("night_pains", "night_pain")]
)
def test_a_row_column_one_letter_off_a_question_is_refused(label: str, question: str) -> None:
    # 'fevers' contains 'fever', so it was taken for a deliberate extension
    # (as true_fever is) and dropped in silence: self_care, no answers. It then got a
    # did-you-mean and was still dropped; one letter off a question is now refused
    # (an analyst's audit: score exited 0 with every answer of 'fevr' lost).
    row = pd.Series({label: "yes", "spasm_location": "flank"})
    with pytest.raises(EvidenceError, match=f"'{label}' .for '{question}'. is one letter away"):
        diagnose(row)


def test_a_short_question_one_letter_off_still_gets_a_did_you_mean() -> None:
    # names under four letters are not compared (a column 'id' is not a typo of 'age')
    row = pd.Series({"agee": 70, "spasm_location": "flank"})
    with pytest.warns(ScoringWarning, match="'agee' is not a question; did you mean 'age'"):
        d = diagnose(row)
    assert "agee" not in d.answers


def test_a_file_column_one_letter_off_a_question_is_refused() -> None:
    with pytest.raises(BackspasmError, match=r"'fevers' \(for 'fever'\) is one letter away"):
        score_cases(pd.DataFrame({"fevers": ["yes"], "age": [40]}))


def test_columns_that_extend_a_question_by_a_word_are_still_deliberate() -> None:
    row = pd.Series({"fever": "yes", "true_fever": "yes", "fever_days": 3, "p_fever": 0.2})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScoringWarning)
        d = diagnose(row)
    assert dict(d.answers) == {"fever": "yes"}


def test_a_row_column_named_after_a_node_is_refused_as_in_a_mapping() -> None:
    # the age was dropped in silence: no "Age 65 or over" reason, tumour below its rule
    row = pd.Series({"age_group": "65+", "unexplained_weight_loss": "yes"})
    with pytest.raises(EvidenceError, match=r"'age_group' is a node .* question 'age'"):
        diagnose(row)
    with pytest.raises(EvidenceError, match=r"'age_group' is a node .* question 'age'"):
        diagnose(dict(row))
    with pytest.raises(EvidenceError, match="hidden node"):
        diagnose(pd.Series({"cauda_equina_compression": "yes"}))


# -- an edit to the shared default network is said --------------------------------------


@pytest.fixture
def edited_default() -> Iterator[None]:
    cpd = default_network().model.get_cpds("kidney_stones")
    before = cpd.values.copy()
    changed = before.copy()
    changed[1] *= 0.2
    changed[0] = 1.0 - changed[1]
    cpd.values = changed
    try:
        yield
    finally:
        cpd.values = before


def test_a_default_call_after_an_in_place_edit_says_the_numbers_are_edited(
    edited_default: None,
) -> None:
    with pytest.warns(EditedNetworkWarning, match="load_network") as said:
        d = diagnose(STONE)
    assert said[0].filename == __file__  # pointed at the user's line, not the package's
    with pytest.warns(EditedNetworkWarning):
        scored = score_cases(pd.DataFrame([STONE]))
    assert scored["p_kidney_stones"].iloc[0] == pytest.approx(d.posterior("kidney_stones"))
    with warnings.catch_warnings():  # a copy of one's own is the bundled numbers, unsaid
        warnings.simplefilter("error", EditedNetworkWarning)
        fresh = diagnose(STONE, network=load_network())
    assert fresh.posterior("kidney_stones") > d.posterior("kidney_stones")


def test_the_unedited_default_says_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", EditedNetworkWarning)
        diagnose(STONE)


def test_a_table_given_the_wrong_shape_is_refused_naming_the_node() -> None:
    net = load_network()
    cpd = net.model.get_cpds("kidney_stones")
    cpd.values = cpd.values.reshape(2, -1)
    with pytest.raises(BackspasmError, match=r"'kidney_stones' has shape \(2, 4\).*\(2, 2, 2\)"):
        diagnose(STONE, network=net)


# -- numbers of other types --------------------------------------------------------------


@pytest.mark.parametrize(
    "age", [decimal.Decimal("45"), np.array(45), np.array(45.0), np.float32(45), "45.0"]
)
def test_an_age_of_any_numeric_type_is_read(age: object) -> None:
    # Decimal('45') and np.array(45) were refused: "must be whole years ...; got 45"
    assert diagnose({"age": age}).p_serious == pytest.approx(diagnose({"age": 45}).p_serious)


# -- Diagnosis methods take what their siblings take -------------------------------------


def test_reasons_take_a_list_of_causes_as_next_questions_does() -> None:
    d = diagnose({**STONE, "fever": "yes"})
    both = d.reasons(["kidney_stones", "pyelonephritis"])
    assert set(both["cause"]) == {"kidney_stones", "pyelonephritis"}
    assert len(both) == len(d.reasons("kidney_stones")) + len(d.reasons("pyelonephritis"))
    with pytest.raises(KeyError, match="kidney_stone"):
        d.reasons(["kidney_stone"])


@pytest.mark.parametrize(("top", "error"), [(-1, ValueError), (0, ValueError), (2.5, TypeError)])
def test_summary_refuses_a_top_that_is_not_a_count(top: object, error: type) -> None:
    # -1 listed every cause but the last; 2.5 raised pandas' positional-indexing error
    with pytest.raises(error, match="top"):
        diagnose(STONE).summary(top=top)  # type: ignore[arg-type]
    assert diagnose(STONE).summary(top=1).count("%") >= 1
