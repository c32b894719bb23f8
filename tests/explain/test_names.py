"""The names earlier versions exported still lead to the same functions."""

from __future__ import annotations

import backspasm.counterfactual
import backspasm.diagnosis
import backspasm.explain
import backspasm.sensitivity
from backspasm.explain import conflict, counterfactual, sensitivity, twin


def test_counterfactual_names_are_the_explain_functions():
    assert backspasm.counterfactual.expected_disablement is counterfactual.expected_disablement
    assert backspasm.counterfactual.counterfactual_ranking is counterfactual.counterfactual_ranking
    assert backspasm.counterfactual.disablement_by_finding is counterfactual.disablement_by_finding
    assert backspasm.counterfactual.twin_network is twin.twin_network
    assert backspasm.counterfactual.TwinNetwork is twin.TwinNetwork
    assert backspasm.counterfactual.COUNTERFACTUAL_SUFFIX == "*"
    for name in backspasm.counterfactual.__all__:
        assert getattr(backspasm.counterfactual, name) is not None


def test_sensitivity_and_conflict_names_are_the_explain_functions():
    assert backspasm.sensitivity.sensitivity is sensitivity.sensitivity
    assert backspasm.sensitivity.parameter_label is sensitivity.parameter_label
    assert backspasm.sensitivity.SENSITIVITY_COLUMNS is sensitivity.SENSITIVITY_COLUMNS
    assert backspasm.diagnosis.conflict_threshold is conflict.conflict_threshold
    assert backspasm.explain.conflict_batch is conflict.conflict_batch
