"""The yes/no columns of a chunk are encoded in one call, with the codes of one by one."""

from __future__ import annotations

import numpy as np
import pandas as pd

import backspasm.columns as columns
import backspasm.scoring.kernel as scoring_kernel
from backspasm.network import default_network
from backspasm.scoring import score_cases
from backspasm.scoring.kernel import factorize
from backspasm.scoring.plan import make_plan
from backspasm.scoring.yes_no import encode_yes_no

ANSWERS = ["yes", "no", "", "Y", "0", 1, 1.0, True, "100%", "0.7", "maybe", " NO ", 0.0]


def test_shared_codes_are_each_columns_own():
    net = default_network()
    header = ["case_id", "fever", "night_pain", "blood_in_urine", "age", "sex"]
    plan = make_plan(header, net, explain=False)
    cells = {
        c.position: factorize(pd.Series(ANSWERS[i:] + ANSWERS[:i], dtype=object))
        for i, c in enumerate(plan.columns)
    }
    memo: dict = {}
    calls: list[int] = []

    def counted(q, values, states):
        calls.append(len(values))
        return columns.encode_column(q, values, states)

    spec = [(c.position, c.question, c.states) for c in plan.columns]
    encode_yes_no(spec, cells, memo, counted, keep=1_000)
    yes_no = [c for c in plan.columns if c.question.kind == "yes_no"]
    assert len(yes_no) == 3
    assert len(calls) == len({c.states for c in yes_no})
    for c in yes_no:
        values = cells[c.position][1]
        codes, invalid = columns.encode_column(c.question, pd.Series(values), c.states)
        got = [memo[(c.position, type(u), u)] for u in values.tolist()]
        assert got == [(int(a), bool(b)) for a, b in zip(codes, invalid, strict=True)]
    # Other kinds are left to the column's own call; a full memo takes nothing more.
    assert all(key[0] in {c.position for c in yes_no} for key in memo)
    full = {("x", int, i): (0, False) for i in range(5)}
    encode_yes_no(spec, cells, full, counted, keep=5)
    assert len(full) == 5


def test_a_file_scores_as_before(monkeypatch):
    net = default_network()
    n = 40
    rng = np.random.default_rng(3)
    cases = pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n)],
            "fever": rng.choice(np.array(ANSWERS, dtype=object), n),
            "night_pain": rng.choice(np.array(["yes", "no", "", "TRUE"], dtype=object), n),
            "age": rng.choice(np.array(["40", "70", ""], dtype=object), n),
        }
    )
    calls: list[int] = []
    encode = columns.encode_column

    def counted(q, values, states):
        calls.append(len(values))
        return encode(q, values, states)

    monkeypatch.setattr(scoring_kernel, "encode_column", counted)
    got = score_cases(cases, network=net)
    # the two yes/no columns in one call, age in its own
    assert len(calls) == 2
    monkeypatch.setattr(scoring_kernel, "encode_yes_no", lambda *args: None)
    expected = score_cases(cases, network=net)
    pd.testing.assert_frame_equal(got, expected)
