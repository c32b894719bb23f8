"""A Diagnosis' beliefs are read-only, as its answers, evidence and tables are."""

from __future__ import annotations

import pickle

import pytest

from backspasm import diagnose


def test_a_node_belief_cannot_be_overwritten_behind_the_diagnosis() -> None:
    # d.beliefs was read-only, but each node's distribution was a plain dict:
    # d.beliefs["kidney_stones"]["yes"] = 0.01 changed d.posterior("kidney_stones")
    # while d.causes, the text and the widget kept 73.2%
    d = diagnose({"age": 45, "spasm_location": "flank", "blood_in_urine": "yes"})
    before = d.posterior("kidney_stones")
    with pytest.raises(TypeError):
        d.beliefs["kidney_stones"]["yes"] = 0.01  # type: ignore[index]
    assert d.posterior("kidney_stones") == before
    causes = d.causes.set_index("cause")["posterior"]
    assert causes["kidney_stones"] == pytest.approx(before, abs=1e-15)
    assert dict(d.beliefs["age_group"]) == {"18-39": 0.0, "40-64": 1.0, "65+": 0.0}
    again = pickle.loads(pickle.dumps(d))
    assert again.posterior("kidney_stones") == before
