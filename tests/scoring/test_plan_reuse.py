"""A plan is cheap to make again, and the partitions of a Dask frame share one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import backspasm.columns as columns
import backspasm.scoring.kernel as scoring_kernel
import backspasm.scoring.plan as scoring_plan
from backspasm.network import default_network, load_network
from backspasm.scoring import score_cases
from backspasm.scoring.plan import make_plan
from backspasm.spec import TriageFlag
from backspasm.triage import closed_screen
from backspasm.triage.policy import policy_of


def counting(monkeypatch, *modules) -> list[int]:
    """Count the calls of ``encode_column`` through ``modules``, with the values each time.

    A module that does not import it by name is left alone.
    """
    calls: list[int] = []
    encode = columns.encode_column

    def counted(q, values, states):
        calls.append(len(values))
        return encode(q, values, states)

    for module in modules:
        if hasattr(module, "encode_column"):
            monkeypatch.setattr(module, "encode_column", counted)
    return calls


def test_a_plan_made_again_encodes_nothing(monkeypatch):
    # Each question's states were checked by encoding an empty column, every time a
    # plan was made: about 0.3 s for the 96 columns of a sampled file, paid by every
    # score_cases call and every Dask partition.
    net = default_network()
    header = ["case_id", "age", "sex", "fever", "spasm_location", "blood_in_urine"]
    make_plan(header, net, explain=False)
    calls = counting(monkeypatch, columns, scoring_plan)
    plan = make_plan(header, net, explain=False)
    assert calls == []
    assert [c.question.column for c in plan.columns][:2] == ["age", "sex"]


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n)],
            "age": ["40", "70", "", "150"] * (n // 4),
            "night_pain": ["yes", "no", "", "no"] * (n // 4),
            "blood_in_urine": ["no", "", "yes", "maybe"] * (n // 4),
        }
    )


@pytest.mark.parametrize("bundled", [True, False])
def test_dask_partitions_encode_each_answer_once(monkeypatch, bundled):
    # Each partition made its own plan and so encoded its answers anew: 20,000 rows
    # of 96 columns in 40 partitions took about 1.7 times as long.
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    net = default_network() if bundled else load_network()
    cases = frame(48)
    expected = score_cases(cases, network=net)
    lazy = score_cases(dd.from_pandas(cases, npartitions=6, sort=False), network=net)
    calls = counting(monkeypatch, scoring_kernel)
    with dask.config.set(scheduler="sync"):
        got = lazy.compute()
    # one call per question column, in the first partition; none after it
    assert 0 < len(calls) <= 3, calls
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12)


def test_each_batch_reads_each_flags_answers_once(monkeypatch):
    # closed_screen, run for every batch and Dask partition, built each flag's answers
    # (a new dict) once per screening node and flag: 1,400 times a batch, 4 ms of
    # the 30 a small Dask partition takes with the engine warm.
    net = default_network()
    flags = policy_of(net).flags
    built = []
    holds_on = TriageFlag.holds_on

    def counted(flag):
        built.append(flag.name)
        return holds_on.fget(flag)

    monkeypatch.setattr(TriageFlag, "holds_on", property(counted))
    codes = np.array([0, 1, -1, 1])
    shut = closed_screen(net, {"fever": codes, "neck_or_thyroid_surgery": codes}, 4)
    assert len(built) <= 5 * len(flags)  # a few passes over the flags, not one per node
    # a person without fever: the question of pain under the right ribs leaves the screen
    assert {k: v.tolist() for k, v in shut.items()} == {
        "right_upper_abdominal_pain": [True, False, False, False]
    }
