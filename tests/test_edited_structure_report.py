"""What ``Network.report()`` says of a structure changed in place, against what diagnose does."""

from __future__ import annotations

import numpy as np
import pytest
from pgmpy.factors.discrete import TabularCPD

from backspasm import BackspasmError, diagnose, load_network


def _edge_line(report: str) -> str:
    (line,) = [x for x in report.splitlines() if x.startswith("edges changed in place: ")]
    return line


def test_an_edge_added_with_its_table_is_not_said_to_be_refused() -> None:
    # report() said "diagnose refuses such a model" of every edge changed in place, yet
    # an edge added together with a table that lists the new parent is accepted, and
    # diagnose gave its numbers
    net = load_network()
    old = net.model.get_cpds("kidney_stones")
    net.model.add_edge("diabetes", "kidney_stones")
    line = _edge_line(net.report())
    assert "diagnose refuses such a model" in line  # the table does not list it yet
    with pytest.raises(BackspasmError):
        diagnose({"spasm_location": "flank"}, network=net)
    states = dict(old.state_names)
    states["diabetes"] = ["no", "yes"]
    new = TabularCPD(
        "kidney_stones",
        2,
        np.repeat(old.get_values(), 2, axis=1),
        evidence=[*old.variables[1:], "diabetes"],
        evidence_card=[*old.cardinality[1:], 2],
        state_names=states,
    )
    net.model.remove_cpds(old)
    net.model.add_cpds(new)
    d = diagnose({"spasm_location": "flank"}, network=net)  # accepted
    assert 0 < d.posterior("kidney_stones") < 1
    line = _edge_line(net.report())
    assert "added diabetes -> kidney_stones" in line
    assert "refuses" not in line
    assert "diagnose uses the model as edited" in line
