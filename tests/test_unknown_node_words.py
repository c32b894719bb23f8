"""A question's name given where a node is wanted is told its node, in every view."""

from __future__ import annotations

import pytest

import backspasm
from backspasm.exceptions import BackspasmError, UnknownNodeError
from backspasm.explain.sensitivity import sensitivity


def test_a_question_name_is_told_its_node_by_the_network_and_by_sensitivity() -> None:
    net = backspasm.load_network()
    d = backspasm.diagnose({"age": 40, "fever": "yes"}, network=net)
    said = r"'age' is a question, whose answer sets node 'age_group' \(states: 18-39"
    with pytest.raises(UnknownNodeError, match=said):
        net.states("age")
    with pytest.raises(UnknownNodeError, match=said):
        sensitivity(d, "age")


def test_a_slip_still_gets_the_closest_node() -> None:
    with pytest.raises(UnknownNodeError, match=r"Unknown node 'fevr'\. Did you mean 'fever'"):
        backspasm.load_network().states("fevr")


def test_diagnosis_posterior_tells_a_question_its_node_in_its_own_words() -> None:
    # Diagnosis.posterior's sentence (before the network's), pinned word for word: it
    # and the network's now find the question's node in one place.
    d = backspasm.diagnose({"age": 40})
    states = ", ".join(d.network.states("age_group"))
    with pytest.raises(BackspasmError) as info:
        d.posterior("age")
    assert str(info.value) == (
        "'age' is a question, not a node of the network: its answer sets node 'age_group' "
        f"(states: {states}), so ask posterior('age_group', state)."
    )
    # a question that is its own node's name is a node: its posterior is answered
    assert d.posterior("fever") == pytest.approx(d.beliefs["fever"]["yes"])
    with pytest.raises(UnknownNodeError, match=r"Did you mean 'fever'"):
        d.posterior("fevr")
