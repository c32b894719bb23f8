"""Diagnosis.next_questions(causes=...): the information gain over chosen causes only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pgmpy.inference import VariableElimination

from backspasm.diagnosis import diagnose
from backspasm.exceptions import BackspasmError
from backspasm.network import NotACauseError
from helpers import KIDNEY_STONE_EMERGENCY

FITNESS_QUESTIONS = {"cannot_touch_toes", "cannot_hold_plank_or_situp", "back_tires_quickly"}


@pytest.fixture(scope="module")
def stones():
    return diagnose(KIDNEY_STONE_EMERGENCY)


def _bits(p: float) -> float:
    return 0.0 if p <= 0.0 or p >= 1.0 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def test_no_causes_is_the_table_computed_with_the_diagnosis(stones):
    pd.testing.assert_frame_equal(stones.next_questions(causes=None), stones.next_questions())
    table = stones.next_questions()
    assert table.drop(columns=["red_flag", "examination", "screen"]).equals(stones._next)
    pd.testing.assert_frame_equal(
        stones.next_questions("interview", causes=None), stones.next_questions("interview")
    )


def test_serious_causes_do_not_lead_with_fitness_questions(stones):
    # all causes: the fitness tests lead the list of a kidney-stone emergency
    assert stones.next_questions()["question"].iloc[0] in FITNESS_QUESTIONS
    serious = stones.next_questions(causes="serious")
    assert serious["question"].iloc[0] not in FITNESS_QUESTIONS
    # the same questions, columns and order of columns, ranked by the narrower gain
    assert list(serious.columns) == list(stones.next_questions().columns)
    assert set(serious["question"]) == set(stones.next_questions()["question"])
    gain = serious["expected_information_gain"].to_numpy()
    assert np.all(np.diff(gain) <= 0)
    assert np.all(gain >= 0)


def test_gain_over_every_cause_is_the_default(stones):
    default = stones.next_questions().set_index("question")["expected_information_gain"]
    names = list(reversed(stones.network.causes))  # the order given does not matter
    every = stones.next_questions(causes=names).set_index("question")
    every = every["expected_information_gain"].reindex(default.index)
    np.testing.assert_allclose(every.to_numpy(), default.to_numpy(), rtol=0, atol=1e-12)
    # and a group is its causes, named as the tables name it or as the network does
    pd.testing.assert_frame_equal(
        stones.next_questions(causes="serious"),
        stones.next_questions(causes=list(stones.network.serious_causes)),
    )
    network_name = stones.network.group_of("kidney_stones")
    assert network_name == "cause_serious"
    pd.testing.assert_frame_equal(
        stones.next_questions(causes=network_name), stones.next_questions(causes="serious")
    )


@pytest.mark.parametrize(
    ("cause", "questions"),
    [
        ("kidney_stones", ("previous_kidney_stone", "blood_in_urine", "care_setting")),
        ("pyelonephritis", ("painful_urination", "sex")),
    ],
)
def test_gain_of_one_cause_is_the_brute_force_one(cause, questions):
    # an uncertain flank pain with fever, where these questions tell a lot (0.01-0.13 bits)
    d = diagnose({"spasm_location": "flank", "fever": "yes", "age": 45})
    infer = VariableElimination(d.network.model)
    evidence = dict(d.evidence)
    table = d.next_questions(causes=[cause]).set_index("question")

    def entropy(given: dict[str, str]) -> float:
        q = infer.query([cause], evidence=given, show_progress=False)
        return _bits(float(q.values[q.state_names[cause].index("yes")]))

    before = entropy(evidence)
    for question in questions:
        node = str(table.loc[question, "node"])
        answer = infer.query([node], evidence=evidence, show_progress=False)
        after = 0.0
        for state, p in zip(answer.state_names[node], answer.values, strict=True):
            if p > 1e-12:
                after += float(p) * entropy({**evidence, node: state})
        brute = max(before - after, 0.0)
        assert brute > 1e-3
        assert table.loc[question, "expected_information_gain"] == pytest.approx(brute, abs=1e-9)


def test_interview_keeps_the_screen_first():
    d = diagnose({"age": 40, "spasm_location": "lower_back"})
    assert d.triage != "emergency"
    table = d.next_questions("interview", causes="pathologic")
    screen = table["screen"].to_numpy()
    assert screen[0]
    assert not np.any(np.diff(screen.astype(int)) > 0)
    rest = table[~table["screen"]]["expected_information_gain"].to_numpy()
    assert np.all(np.diff(rest) <= 0)  # the rest by the chosen gain
    by_gain = d.next_questions(causes="pathologic")
    assert set(table["question"]) == set(by_gain["question"])
    assert d.next_questions("interview", causes="serious").empty is False
    stones = diagnose(KIDNEY_STONE_EMERGENCY)
    assert stones.next_questions("interview", causes="serious").empty  # none before going


def test_unknown_causes_are_refused_with_the_allowed_names(stones):
    with pytest.raises(NotACauseError, match="fitness, pathologic, serious") as err:
        stones.next_questions(causes="serius")
    assert isinstance(err.value, BackspasmError)
    assert isinstance(err.value, KeyError)
    assert "kidney_stones" in str(err.value)
    with pytest.raises(NotACauseError, match="finding node"):
        stones.next_questions(causes=["kidney_stones", "fever"])
    with pytest.raises(ValueError, match="at least one"):
        stones.next_questions(causes=[])
    with pytest.raises(ValueError, match="order"):
        stones.next_questions("best", causes="serious")
    assert stones.cause_groups()["serious"] == stones.network.serious_causes
