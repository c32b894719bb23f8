"""Batch explanations equal the one-case Diagnosis quantities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backspasm.diagnosis import diagnose
from backspasm.explain import conflict_batch, mpe_text, next_question_batch, reasons_text
from backspasm.network import default_network
from backspasm.questionnaire import answers_to_evidence, default_questions

CASES = [
    {"spasm_location": "flank", "blood_in_urine": "yes", "nausea_or_vomiting": "yes"},
    {"age": 25, "spinal_stenosis": "yes"},
    {"fever": "yes", "iv_drug_use_or_immunosuppression": "yes", "muscle_weakness": "yes"},
    {"age": 74, "spasm_duration_weeks": 30, "leg_or_buttock_pain": "yes"},
    {},
]


@pytest.fixture(scope="module")
def batch():
    net = default_network()
    engine = net.engine
    codes = dict(engine.encode([answers_to_evidence(c) for c in CASES]).values)
    post = engine.query(codes)
    matrix = np.column_stack([post.marginals[c][:, 1] for c in net.causes])
    singles = [diagnose(c) for c in CASES]
    return net, codes, post, matrix, singles


def test_conflict_matches_diagnosis(batch):
    net, codes, post, _, singles = batch
    got = conflict_batch(net, codes, post.log_evidence)
    np.testing.assert_allclose(got, [d.conflict for d in singles], atol=1e-9)


def test_next_question_matches_diagnosis(batch):
    net, codes, post, matrix, singles = batch
    candidates = {
        q.node: q.column
        for q in default_questions()
        if q.section in ("context", "symptom", "exposure")
    }
    got = next_question_batch(net, codes, candidates, matrix, post.marginals)
    assert list(got) == [d.next_questions()["question"].iloc[0] for d in singles]


def test_conflict_takes_hard_and_unsure_answers_in_one_function():
    # A likelihood (0, 1) is the same evidence as a hard "yes": the same conflict.
    net = default_network()
    engine = net.engine
    hard = {"fever": "yes", "spasm_location": "flank", "back_spasm": "yes", "age_group": "65+"}
    soft = {**hard, "fever": (0.0, 1.0)}
    unsure = {**hard, "fever": (0.3, 0.7)}
    for case in (hard, soft, unsure):
        assert engine.encode([case]).values  # each encodes on its own
    batch = dict(engine.encode([hard, soft, unsure]).values)
    assert batch["fever"].ndim == 2  # the whole batch becomes soft for that node
    got = conflict_batch(net, batch, engine.log_evidence(batch))
    assert got[0] == pytest.approx(got[1], abs=1e-12)
    assert got[2] != pytest.approx(got[0], abs=1e-3)
    one = diagnose({"fever": 0.7, "spasm_location": "flank", "age": 70})
    assert got[2] == pytest.approx(one.conflict, abs=1e-12)


def test_reasons_text_names_the_strongest_answers_with_their_factor():
    change = np.array([[math.log(2.5), -math.log(1.3), math.log(1.05), np.nan]])
    cells = np.array([["a=yes", "b=no", "c=yes", "d=yes"]], dtype=object)
    assert reasons_text(change, cells)[0] == "a=yes (x2.5); b=no (/1.3)"
    # 31/4 prints the same whatever its last floating-point bits
    near = np.array([[math.log(7.75) + 1e-15], [math.log(7.75) - 1e-15]])
    texts = reasons_text(near, np.array([["q=yes"], ["q=yes"]], dtype=object))
    assert texts[0] == texts[1] == "q=yes (x7.8)"
    huge = reasons_text(np.array([[40.0]]), np.array([["k=yes"]], dtype=object))
    assert huge[0] == "k=yes (x>999)"


def test_mpe_text_lists_the_causes_present():
    net = default_network()
    states = np.zeros((3, len(net.causes)), dtype=np.int64)
    states[0, net.causes.index("kidney_stones")] = 1
    states[2] = -1
    assert list(mpe_text(net, states)) == ["kidney_stones", "none", ""]
