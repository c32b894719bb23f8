"""The research functions refuse a wrong argument by saying what they take.

From a review that used them as a researcher would (session 52): a knowledge base's
path passed as ``network=``, a NumPy integer as sensitivity's factor, one cause's
name where a list is wanted, one case where a list of cases is wanted, and
``twin_network``'s arguments swapped each gave an AttributeError, a contradictory
message or a wrong answer.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import backspasm
from backspasm.exceptions import BackspasmError, EvidenceError
from backspasm.explain.counterfactual import disablement_matrix, expected_disablement
from backspasm.explain.sensitivity import sensitivity
from backspasm.explain.twin import twin_network
from backspasm.learning import compare_networks, evaluate

NOT_A_NETWORK = r"network must be a Network, got str: load a knowledge base once"


@pytest.mark.parametrize(
    "call",
    [
        lambda: sensitivity({"age": 45}, "kidney_stones", network="my_variant"),
        lambda: sensitivity(backspasm.diagnose({"age": 45}), "kidney_stones", network="kb"),
        lambda: expected_disablement({"back_spasm": "yes"}, network="my_variant"),
        lambda: disablement_matrix([{"back_spasm": "yes"}], network="my_variant"),
        lambda: evaluate("data/vignettes.csv", network="my_variant"),
        lambda: compare_networks("data/vignettes.csv", "my_variant"),
        lambda: twin_network("kidney_stones", "my_variant"),
    ],
    ids=[
        "sensitivity",
        "sensitivity-diagnosis",
        "disablement",
        "matrix",
        "evaluate",
        "compare",
        "twin",
    ],
)
def test_a_path_given_as_the_network_is_refused_as_diagnose_refuses_it(call) -> None:
    with pytest.raises(
        TypeError, match=NOT_A_NETWORK.replace("network must", "(network|candidate) must")
    ):
        call()


@pytest.mark.parametrize("factor", [np.int64(3), np.float32(3.0), Fraction(3)])
def test_sensitivity_takes_any_real_number_above_one(factor) -> None:
    d = backspasm.diagnose({"age": 45})
    table = sensitivity(d, "kidney_stones", factor=factor)
    expected = sensitivity(d, "kidney_stones", factor=3.0)
    np.testing.assert_allclose(table["swing"], expected["swing"], rtol=1e-9, atol=1e-15)
    for bad in (np.int64(1), np.bool_(True), "3"):
        with pytest.raises(BackspasmError, match="must be a number > 1"):
            sensitivity(d, "kidney_stones", factor=bad)


def test_counterfactual_arguments_given_in_the_wrong_shape_are_named() -> None:
    d = backspasm.diagnose({"age": 45})
    with pytest.raises(
        EvidenceError, match=r"causes must be a list of cause names.*\['kidney_stones'\]"
    ):
        expected_disablement(d, causes="kidney_stones")
    with pytest.raises(EvidenceError, match="takes a list of cases"):
        disablement_matrix({"back_spasm": "yes"})
    with pytest.raises(BackspasmError, match="takes the cause first"):
        twin_network(backspasm.load_network(), "kidney_stones")
    one = expected_disablement(d, causes=["kidney_stones"])
    assert list(one["cause"]) == ["kidney_stones"]
