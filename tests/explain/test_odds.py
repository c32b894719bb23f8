"""The odds factor: what the answers say about a cause beyond age, sex and setting."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pgmpy.inference import VariableElimination

from backspasm.diagnosis import diagnose
from backspasm.diagnosis.words import POINTED_HEADING
from backspasm.explain.odds import (
    POINTING_FACTOR,
    context_beliefs,
    context_columns,
    context_probabilities,
    explained,
    explained_causes,
    odds_factor,
    pointed_causes,
)
from backspasm.learning import evaluate
from backspasm.learning.metrics import named_hits
from backspasm.network import default_network
from helpers import SPONDYLITIS


def _odds(p: np.ndarray) -> np.ndarray:
    return p / (1 - p)


def test_given_context_is_the_exact_posterior_on_the_context_answers() -> None:
    net = default_network()
    d = diagnose({**SPONDYLITIS, "care_setting": "emergency"})
    ve = VariableElimination(net.model)
    evidence = {
        "age_group": "40-64",
        "sex": "male",
        "care_setting": "emergency",
        "back_spasm": "yes",
    }
    table = d.causes.set_index("cause")
    for cause in net.causes:
        expected = ve.query([cause], evidence=evidence, show_progress=False).values[1]
        assert table.loc[cause, "given_context"] == pytest.approx(expected, abs=1e-9)
    factor = _odds(table["posterior"].to_numpy()) / _odds(table["given_context"].to_numpy())
    np.testing.assert_allclose(table["odds_factor"].to_numpy(), factor, rtol=1e-12)


def test_context_answers_alone_say_nothing_about_any_cause() -> None:
    none = diagnose({}).causes
    np.testing.assert_allclose(none["given_context"], none["prior"], rtol=1e-12)
    np.testing.assert_allclose(none["odds_factor"], 1.0, rtol=1e-9)
    old = diagnose({"age": 81, "sex": "female", "care_setting": "emergency"}).causes
    # age moves the posteriors (stenosis, fracture), but not the factor
    assert (old["posterior"] - old["prior"]).abs().max() > 0.05
    np.testing.assert_allclose(old["odds_factor"], 1.0, rtol=1e-9)


def test_a_rare_cause_the_answers_point_to_is_named_under_why() -> None:
    d = diagnose(SPONDYLITIS)
    table = d.causes.set_index("cause")
    rank = list(table.index).index("ankylosing_spondylitis")
    assert rank >= 3  # hidden below the three causes the report explains first
    assert table.loc["ankylosing_spondylitis", "odds_factor"] > POINTING_FACTOR
    assert pointed_causes(d.causes) == ["ankylosing_spondylitis"]
    text = d.summary()
    why = text[text.index("why:") : text.index("most probable explanation")]
    assert POINTED_HEADING in why
    factor = table.loc["ankylosing_spondylitis", "odds_factor"]
    assert f"x{factor:.1f} Ankylosing spondylitis: 1.5% before any answer" in why
    assert "Ankylosing spondylitis" in d._repr_html_().split(POINTED_HEADING.split("(")[0])[1]
    assert "ankylosing_spondylitis" in d.to_dict()["explanations"]
    json.dumps(d.to_dict(), allow_nan=False)


def test_a_known_cause_has_an_infinite_factor_and_json_says_null() -> None:
    d = diagnose({"muscle_strain": "yes", "age": 30})
    table = d.causes.set_index("cause")
    assert table.loc["muscle_strain", "posterior"] == 1.0
    assert table.loc["muscle_strain", "odds_factor"] == np.inf
    rows = {r["cause"]: r for r in d.to_dict()["causes"]}
    assert rows["muscle_strain"]["odds_factor"] is None
    assert rows["spinal_tumor"]["odds_factor"] == pytest.approx(
        table.loc["spinal_tumor", "odds_factor"]
    )
    json.dumps(d.to_dict(), allow_nan=False)  # strict JSON: no Infinity or NaN


def test_a_cause_answered_as_known_is_never_pointed_to() -> None:
    # four causes already known: the fourth sits below the three explained first,
    # with an infinite factor, yet the person said so; no answer pointed to it
    known = ["muscle_strain", "herniated_disc", "spinal_stenosis", "ankylosing_spondylitis"]
    d = diagnose({**dict.fromkeys(known, "yes"), "age": 30})
    table = d.causes.set_index("cause")
    assert list(table.index[:4]) == known
    assert (table.loc[known, "odds_factor"] == np.inf).all()
    assert pointed_causes(d.causes) == []
    assert POINTED_HEADING not in d.summary()
    assert "xinf" not in d.summary() + d._repr_html_()


def test_no_pointed_heading_when_the_answers_raise_nothing_lower_down() -> None:
    d = diagnose({"age": 40, "recent_exertion": "yes"})
    assert pointed_causes(d.causes) == []
    assert POINTED_HEADING not in d.summary()
    assert len(d.to_dict()["explanations"]) == 3


def test_batch_context_probabilities_equal_each_diagnosis() -> None:
    net = default_network()
    frame = pd.DataFrame(
        {
            "age": ["70", "", "25", "70", "44"],
            "sex": ["female", "male", "", "female", "male"],
            "care_setting": ["", "emergency", "", "", "primary_care"],
            "fever": ["yes", "", "no", "no", ""],  # not context: not read
        }
    )
    found = context_probabilities(frame, net)
    assert found.shape == (5, len(net.causes))
    for i, row in enumerate(frame.to_dict("records")):
        answers = {k: v for k, v in row.items() if v != ""}
        single = diagnose(answers).causes.set_index("cause")["given_context"]
        np.testing.assert_allclose(found[i], single[list(net.causes)], rtol=1e-12)
    context = {"age", "sex", "care_setting", "flu_or_stomach_bug", "back_spasm"}
    assert set(context_columns(net)) == context
    none = context_probabilities(frame[["fever"]], net)
    np.testing.assert_allclose(none, np.tile(context_beliefs(net, {}), (5, 1)), rtol=1e-12)


def test_odds_factor_at_the_edges() -> None:
    factor = odds_factor([1.0, 0.0, 0.5, 0.5, 0.2], [0.5, 0.5, 0.0, 1.0, 0.2])
    assert factor[0] == np.inf
    assert factor[1] == 0.0
    assert np.isnan(factor[2])  # a cause the context settles
    assert np.isnan(factor[3])
    assert factor[4] == pytest.approx(1.0)


def test_evaluate_ranks_by_odds_factor_as_diagnose_computes_it() -> None:
    cases = [
        {**SPONDYLITIS, "expected_cause": "ankylosing_spondylitis"},
        {"age": 40, "recent_exertion": "yes", "expected_cause": "muscle_strain"},
        {
            "age": 75,
            "sex": "female",
            "leg_pain_on_walking_eased_by_sitting": "yes",
            "expected_cause": "spinal_stenosis",
        },
    ]
    frame = pd.DataFrame(cases).astype(str).replace("nan", "")
    by_posterior = evaluate(frame, rank="posterior")
    by_factor = evaluate(frame, rank="odds_factor")
    firsts = []
    for case in cases:
        answers = {k: v for k, v in case.items() if k != "expected_cause"}
        table = diagnose(answers).causes
        firsts.append(table.sort_values("odds_factor", ascending=False)["cause"].iloc[0])
    expected = np.mean([f == c["expected_cause"] for f, c in zip(firsts, cases, strict=True)])
    assert by_factor.top1 == pytest.approx(expected)
    # the spondylitis the posterior hides ranks first on what the answers say
    assert firsts[0] == "ankylosing_spondylitis"
    assert by_factor.top1 > by_posterior.top1
    assert "odds factor" in by_factor.summary().to_string()


def test_evaluate_counts_the_cases_whose_cause_diagnose_names_under_why() -> None:
    cases = [
        # hidden fifth behind strain, named as pointed to
        {**SPONDYLITIS, "expected_cause": "ankylosing_spondylitis"},
        # first by posterior
        {"age": 40, "recent_exertion": "yes", "expected_cause": "muscle_strain"},
        # nothing said about it: neither shown nor pointed to
        {"age": 30, "sex": "female", "expected_cause": "spinal_curvature"},
        {"age": 70, "sex": "female", "height_loss": "yes", "expected_cause": "pyelonephritis"},
    ]
    frame = pd.DataFrame(cases).astype(str).replace("nan", "")
    named = []
    for case in cases:
        answers = {k: v for k, v in case.items() if k != "expected_cause"}
        named.append(case["expected_cause"] in explained_causes(diagnose(answers).causes))
    assert named == [True, True, False, False]
    for rank in ("posterior", "odds_factor"):  # the count does not depend on the ranking
        result = evaluate(frame, rank=rank)
        assert result.named_under_why == pytest.approx(np.mean(named))
    per_cause = result.per_cause.set_index("cause")["named_recall"]
    assert per_cause["ankylosing_spondylitis"] == 1.0
    assert per_cause["spinal_curvature"] == 0.0
    assert np.isnan(per_cause["gallstones"])  # no case has it
    assert json.loads(json.dumps(result.to_dict()))["named_under_why"] == pytest.approx(0.5)
    assert "named under diagnose's why" in result.summary()["metric"].tolist()


def test_explained_takes_the_top_three_and_the_pointed_causes() -> None:
    probs = np.array([[0.6, 0.2, 0.15, 0.1, 0.05], [0.6, 0.2, 0.15, 0.1, 0.05]])
    factors = np.array([[1.0, 1.0, 1.0, 1.2, 9.0], [1.0, 1.0, 1.0, 1.2, 2.9]])
    # the fifth cause is below the three shown: named only where the answers point to it
    assert explained(probs, factors).tolist() == [[0, 1, 2, 4, -1], [0, 1, 2, -1, -1]]
    truth = np.zeros((2, 5), dtype=bool)
    truth[0, 4] = truth[1, 4] = True
    assert named_hits(explained(probs, factors), truth).any(axis=1).tolist() == [True, False]
