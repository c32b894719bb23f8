"""How a Diagnosis reads: the text report, its HTML, a dictionary, sentences."""

from __future__ import annotations

import json

import pytest

from backspasm.diagnosis import diagnose


def test_display():
    d = diagnose({"spasm_location": "flank", "blood_in_urine": "yes"})
    text = str(d)
    assert "triage: emergency" in text
    assert "kidney_stones" in text
    assert "next questions worth asking" in text
    page = d._repr_html_()
    assert "<table>" in page
    assert "Kidney stones" in page
    assert "emergency" in page


def test_counterfactual_ranking_beside_the_posterior_ranking():
    d = diagnose(
        {"fever": "yes", "iv_drug_use_or_immunosuppression": "yes", "muscle_weakness": "yes"}
    )
    table = d.counterfactual_ranking()
    assert table["cause"].iloc[0] == "epidural_abscess"
    # every cause, as evaluate(rank="disablement") ranks them, with the same posteriors
    assert set(table["cause"]) == set(d.network.causes)
    posterior = d.causes.set_index("cause")["posterior"]
    for row in table.itertuples(index=False):
        assert row.posterior == pytest.approx(posterior[row.cause], abs=1e-9)
    text = d.summary(counterfactual=True)
    assert "counterfactual ranking" in text
    assert "counterfactual ranking" not in d.summary()


def test_to_dict_is_json_ready_and_says_what_the_diagnosis_says():
    d = diagnose({"spasm_location": "flank", "blood_in_urine": "yes", "fever": 0.7})
    again = json.loads(json.dumps(d.to_dict()))
    assert again["triage"] == d.triage
    assert again["p_serious"] == d.p_serious
    assert again["answers"]["fever"] == 0.7
    assert again["causes"][0]["cause"] == d.top_cause
    assert again["explanations"][d.top_cause] == d.explanation()
    assert [q["question"] for q in again["next_questions"]] == list(d.next_questions()["question"])


def test_explanation_names_the_answer_that_raised_the_cause():
    d = diagnose({"spasm_location": "flank", "blood_in_urine": "yes"})
    sentence = d.explanation("kidney_stones")
    assert sentence.startswith("Kidney stones: ")
    assert "raised most by blood_in_urine=yes" in sentence
    assert sentence.endswith(".")
