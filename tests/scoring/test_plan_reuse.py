"""A plan is cheap to make again."""

from __future__ import annotations

import backspasm.columns as columns
import backspasm.scoring.plan as scoring_plan
from backspasm.network import default_network
from backspasm.scoring.plan import make_plan


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
