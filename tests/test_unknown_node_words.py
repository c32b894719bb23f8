"""A question's name given where a node is wanted is told its node, in every view."""

from __future__ import annotations

import pytest

import backspasm
from backspasm.exceptions import UnknownNodeError
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
