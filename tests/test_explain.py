"""Batch explanations equal the one-case Diagnosis quantities."""

from __future__ import annotations

import numpy as np
import pytest

from backspasm.diagnosis import diagnose
from backspasm.explain import conflict_batch, next_question_batch
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
