"""Researcher audit 23 (F1, F4, F6, F7) and clinical audit 23 F12, as a user meets them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from pgmpy.factors.discrete import TabularCPD

from backspasm import diagnose, evaluate, load_network, score_cases
from backspasm.diagnosis.result import Diagnosis
from backspasm.exceptions import BackspasmError, EvidenceError
from backspasm.explain.counterfactual import counterfactual_ranking
from backspasm.model_checks import check_cpd_numbers
from backspasm.network import default_network
from backspasm.questionnaire import answers_to_evidence

# -- F1: an unsure answer of 0.5 says nothing: it counts as not answered ------------------


@pytest.mark.parametrize("unsure", [0.5, "0.5", "50%"])
def test_an_even_lean_leaves_the_warning_sign_unscreened_and_asked_next(unsure):
    base = diagnose({"age": 45})
    d = diagnose({"age": 45, "saddle_numbness": unsure})
    # it was counted as a completed screen and never offered again
    assert "saddle_numbness" in {q.column for q in d.unscreened}
    assert len(d.unscreened) == len(base.unscreened)  # "screen: k of N" does not rise
    assert d.advice == base.advice
    assert "saddle_numbness" in set(d.next_questions(order="interview")["question"])
    assert "saddle_numbness" in set(d.next_questions()["question"])
    assert "saddle_numbness" in d.to_dict()["unscreened"]
    assert "saddle_numbness" not in d.evidence
    assert "saddle_numbness" not in set(d.reasons()["question"])
    # 0.5/0.5 is uninformative: every number is the same as without it
    np.testing.assert_allclose(
        d.causes.set_index("cause")["posterior"],
        base.causes.set_index("cause")["posterior"],
        rtol=0,
        atol=1e-14,
    )
    assert d.triage == base.triage


def test_a_leaning_unsure_answer_still_counts_as_answered():
    d = diagnose({"age": 45, "saddle_numbness": 0.3})
    assert dict(d.evidence)["saddle_numbness"] == pytest.approx((0.7, 0.3))
    assert "saddle_numbness" not in {q.column for q in d.unscreened}


def test_answers_to_evidence_drops_an_even_lean_but_keeps_back_spasm_unassumed():
    assert "fever" not in answers_to_evidence({"fever": 0.5})
    # back spasm is taken as yes when not given: an even lean there says "not assumed"
    assert answers_to_evidence({"back_spasm": 0.5})["back_spasm"] == (0.5, 0.5)
    assert dict(diagnose({"back_spasm": 0.5}).evidence)["back_spasm"] == (0.5, 0.5)


def test_a_case_file_still_refuses_an_unsure_answer():
    scored = score_cases(pd.DataFrame({"age": [45], "saddle_numbness": [0.5]}))
    assert "an unsure answer is for one case at a time" in scored["error"].iloc[0]


# -- F4: the hidden-node message says what diagnose conditions on ---------------------------


def test_the_hidden_node_message_names_back_spasm_and_the_exact_route():
    with pytest.raises(EvidenceError) as info:
        diagnose({"nerve_root_compression": "yes", "age": 70})
    text = str(info.value)
    assert "back_spasm='yes'" in text
    assert "network.engine.query_one(" in text
    assert "VariableElimination" in text
    # the route it names works, and is what diagnose's frame is
    net = default_network()
    evidence = answers_to_evidence({"age": 70})
    assert evidence["back_spasm"] == "yes"
    got = net.engine.query_one({**evidence, "nerve_root_compression": "yes"}, ["muscle_strain"])
    assert 0.0 < got["muscle_strain"]["yes"] < 1.0


# -- F6: typical mistakes get the project's errors, with what to do -------------------------


def test_a_non_string_question_name_is_an_evidence_error_naming_it():
    with pytest.raises(EvidenceError, match=r"got 1 \(int\)"):
        diagnose({1: "yes"})


def test_a_one_row_dataframe_is_refused_with_how_to_pass_a_row():
    frame = pd.DataFrame({"age": [34], "fever": ["yes"]})
    with pytest.raises(TypeError, match=r"pass a row \(df\.iloc\[0\]\).*not a DataFrame"):
        diagnose(frame)
    assert diagnose(frame.iloc[0]).answers["age"] == 34


@pytest.mark.parametrize(
    ("question", "node"), [("age", "age_group"), ("spasm_duration_weeks", "spasm_duration")]
)
def test_posterior_of_a_question_name_points_to_its_node(question, node):
    d = diagnose({"age": 45})
    with pytest.raises(BackspasmError, match=f"'{question}' is a question.*'{node}'"):
        d.posterior(question)
    with pytest.raises(BackspasmError, match="Did you mean 'kidney_stones'"):
        d.posterior("kidney_stone")
    assert d.posterior("age_group", "40-64") == 1.0


def test_a_cpd_column_that_does_not_sum_to_one_is_named_by_its_parent_states():
    cpd = TabularCPD(
        "x",
        2,
        [[0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [0.1, 0.2, 0.3, 0.4, 0.5, 0.7]],
        evidence=["age_group", "sex"],
        evidence_card=[3, 2],
        state_names={
            "x": ["no", "yes"],
            "age_group": ["18-39", "40-64", "65+"],
            "sex": ["female", "male"],
        },
    )
    with pytest.raises(
        BackspasmError, match=r"the column for age_group=65\+, sex=male \(column 5\)"
    ):
        check_cpd_numbers(cpd)


def test_an_edited_network_names_the_bad_column_by_its_parents():
    net = load_network()
    cpd = net.model.get_cpds("gallstones")
    values = cpd.values.copy()
    values[(1, *([0] * (values.ndim - 1)))] += 0.2
    cpd.values = values
    first = ", ".join(f"{p}={cpd.state_names[p][0]}" for p in cpd.variables[1:])
    with pytest.raises(BackspasmError, match=re.escape(f"the column for {first} (column 0)")):
        diagnose({}, network=net)


def test_evaluate_names_a_bad_row_by_its_case_id_and_row_number():
    cases = pd.DataFrame(
        {
            "case_id": ["S1", "S2", "S3"],
            "age": [30, 40, 50],
            "expected_cause": ["muscle_strain", "muscle_strain", "kidney_stone"],
        }
    )
    with pytest.raises(EvidenceError, match=r"row 3: .*kidney_stones.* Row 3 is case_id S3\.$"):
        evaluate(cases)
    with pytest.raises(EvidenceError, match=r"row 3: .*kidney_stones'\?$"):
        evaluate(cases.drop(columns="case_id"))
    bad_level = cases.assign(
        expected_cause="muscle_strain", expected_triage=["self_care", "urgent", "self_care"]
    )
    with pytest.raises(EvidenceError, match=r"first in row 2: 'urgent'.* Row 2 is case_id S2\."):
        evaluate(bad_level)


def test_evaluate_lists_every_cell_that_names_no_cause():
    # Only the first unknown cause was reported: a file with several typos took as many
    # runs to fix.
    cases = pd.DataFrame(
        {
            "case_id": ["S1", "S2", "S3", "S4"],
            "age": [30, 40, 50, 60],
            "expected_cause": ["kidney_stone", "muscle_strain", "gallstone", "flu"],
        }
    )
    with pytest.raises(EvidenceError) as caught:
        evaluate(cases)
    assert str(caught.value) == (
        "Column 'expected_cause' has 3 cells that name no cause of the network (a label is "
        "a cause, several joined by ';', 'none' or blank): row 1: 'kidney_stone' (did you mean 'kidney_stones'?); "
        "row 3: 'gallstone' (did you mean 'gallstones'?); row 4: 'flu'. "
        "Their case_ids (by row) are 1: S1, 3: S3, 4: S4."
    )


def test_evaluate_names_its_rank_parameter():
    with pytest.raises(BackspasmError, match=r"'rank' parameter of evaluate \(--rank\) must be"):
        evaluate(pd.DataFrame({"age": [30], "expected_cause": ["muscle_strain"]}), rank="best")


# -- F7: the one-off compile of counterfactual_ranking is documented ----------------------


@pytest.mark.parametrize("function", [Diagnosis.counterfactual_ranking, counterfactual_ranking])
def test_counterfactual_ranking_says_its_first_call_takes_seconds(function):
    doc = " ".join((function.__doc__ or "").split())
    assert "first call on a network compiles its twin networks" in doc
    assert "a few seconds" in doc


# -- clinical F12: context is never a reason to go to the emergency department ------------

CONTEXT_WORDS = ("Sex:", "Care setting:", "Age group", "sex=", "care_setting=", "age_group=")


@pytest.mark.parametrize(
    "answers",
    [
        # T05/Q32: "go to an emergency department ... because: ... Care setting: emergency"
        {"care_setting": "emergency", "age": 50, "fever": "yes", "spine_tender_to_tapping": "yes"},
        # P14: "Sex: male" under kidney stones
        {
            "age": 35,
            "sex": "male",
            "spasm_location": "flank",
            "pain_spreading_to_groin_in_waves": "yes",
            "blood_in_urine": "yes",
            "nausea_or_vomiting": "yes",
            "fever": "yes",
        },
        # Q39
        {
            "age": 80,
            "sex": "male",
            "spasm_location": "flank",
            "spasm_duration_weeks": 0,
            "nausea_or_vomiting": "yes",
        },
    ],
)
def test_context_answers_are_not_named_as_reasons_for_an_emergency(answers):
    d = diagnose(answers)
    assert d.triage == "emergency"
    shown = [*d.triage_reasons, *d.red_flags]
    assert not [r for r in shown if any(w in r for w in CONTEXT_WORDS)], shown
    # the finding answers that drove it are still named
    assert any("=" in r and "%" not in r for r in d.red_flags), d.red_flags
    scored = score_cases(pd.DataFrame([answers]))
    assert scored["triage"].iloc[0] == "emergency"
    assert not any(w in scored["red_flags"].iloc[0] for w in CONTEXT_WORDS)


def test_a_blank_word_as_the_truth_is_truth_not_given():
    # expected_cause "NA" stopped evaluate and fit ("'NA' is not a cause of the
    # network") while truth_matrix, and the contract, read it as blank
    cases = pd.DataFrame(
        {
            "age": [30, 40, 50],
            "expected_cause": ["muscle_strain", "NA", "unknown"],
        }
    )
    result = evaluate(cases)
    assert (result.n_cases, result.n_no_truth) == (1, 2)
