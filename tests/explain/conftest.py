"""The batch of cases that the explanation tests compare with one-case diagnoses."""

from __future__ import annotations

import numpy as np
import pytest

from backspasm.diagnosis import diagnose
from backspasm.network import default_network
from backspasm.questionnaire import answers_to_evidence

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
