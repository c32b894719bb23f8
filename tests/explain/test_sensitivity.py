"""One-way sensitivity equals recomputation with an edited table, exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.engine import CompiledNetwork
from backspasm.exceptions import BackspasmError
from backspasm.explain.sensitivity import SENSITIVITY_COLUMNS, parameter_label, sensitivity
from backspasm.network import Network, load_network

ANSWERS = {
    "age": 38,
    "sex": "male",
    "spasm_location": "flank",
    "blood_in_urine": "yes",
    "nausea_or_vomiting": "yes",
    "spasm_duration_weeks": 8,
    "fever": 0.3,  # unsure: soft evidence
}


@pytest.fixture(scope="module")
def net() -> Network:
    return load_network()


@pytest.fixture(scope="module")
def case(net: Network) -> Diagnosis:
    return diagnose(ANSWERS, network=net)


def recompute(net: Network, case: Diagnosis, row: object, odds: float, target: str) -> float:
    """Edit one table entry in a model copy, recompile, query."""
    model = net.model.copy()
    cpd = model.get_cpds(row.node)
    values = cpd.values.reshape(cpd.values.shape[0], -1).copy()
    parents = cpd.variables[1:]
    combos = list(itertools.product(*(cpd.state_names[p] for p in parents)))
    given = dict(item.split("=") for item in row.parents.split(", ")) if row.parents else {}
    j = combos.index(tuple(given[p] for p in parents))
    k = list(cpd.state_names[row.node]).index(row.state)
    theta = values[k, j]
    new = odds * theta / (1 - theta + odds * theta)
    values[:, j] *= (1 - new) / (1 - theta)
    values[k, j] = new
    cpd.values = values.reshape(cpd.values.shape)
    engine = CompiledNetwork.from_model(model)
    return engine.query_one(dict(case.evidence), targets=[target])[target]["yes"]


def test_sensitivity_equals_recomputation(net: Network, case: Diagnosis) -> None:
    table = sensitivity(case, "kidney_stones")
    rng = np.random.default_rng(7)
    rows = [*range(4), *rng.choice(np.arange(4, len(table)), 6, replace=False)]
    for i in rows:
        row = table.iloc[int(i)]
        assert recompute(net, case, row, 2.0, "kidney_stones") == pytest.approx(
            row["p_high"], abs=1e-9
        )
        assert recompute(net, case, row, 0.5, "kidney_stones") == pytest.approx(
            row["p_low"], abs=1e-9
        )


def test_derivative_matches_a_finite_difference(net: Network, case: Diagnosis) -> None:
    table = sensitivity(case, "pyelonephritis", factor=1.0001)
    for i in range(3):
        row = table.iloc[i]
        theta = row["value"]
        step_high = 1.0001 * theta / (1 - theta + 1.0001 * theta) - theta
        step_low = theta - theta / 1.0001 / (1 - theta + theta / 1.0001)
        slope = (row["p_high"] - row["p_low"]) / (step_high + step_low)
        assert slope == pytest.approx(row["derivative"], rel=1e-3)


def test_sensitivity_table_shape(net: Network, case: Diagnosis) -> None:
    table = sensitivity(case, "kidney_stones")
    assert tuple(table.columns) == SENSITIVITY_COLUMNS
    assert (np.diff(table["swing"].to_numpy()) <= 0).all()
    assert ((table["value"] > 0) & (table["value"] < 1)).all()
    binary = table[[net.states(n) == ("no", "yes") for n in table["node"]]]
    assert (binary["state"] == "yes").all()  # one row per binary column
    assert np.allclose(table["p_base"], case.posterior("kidney_stones"), rtol=0, atol=1e-12)
    assert (table["target_label"] == "Kidney stones").all()
    # a multi-state node lists every state of a column
    location = table[table["node"] == "spasm_location"]
    assert set(location["state"]) == set(net.states("spasm_location"))
    # the stone's own numbers, or the past stone that most current stones follow, move it most
    assert table.iloc[0]["node"] in {
        "kidney_stones",
        "previous_kidney_stone",
        "pyelonephritis",
        "blood_in_urine",
    }


def test_answers_and_diagnosis_give_the_same_table(net: Network, case: Diagnosis) -> None:
    from_case = sensitivity(case, "gallstones")
    from_answers = sensitivity(ANSWERS, "gallstones", network=net)
    assert from_case.equals(from_answers)


@pytest.mark.parametrize(("answer", "p"), [("yes", 1.0), ("no", 0.0)])
def test_an_answered_cause_reads_exactly_settled(net: Network, answer: str, p: float) -> None:
    # The stone answered: no number can move P(stone), and the table says so exactly,
    # not 1 - 5e-15 (the ratio's rounding noise), which the figure would draw as bars.
    answers = {"spasm_location": "flank", "blood_in_urine": "yes", "kidney_stones": answer}
    table = sensitivity(answers, "kidney_stones", network=net)
    assert len(table) > 100
    assert (table[["p_base", "p_low", "p_high"]] == p).all().all()
    assert (table["swing"] == 0.0).all()
    assert (table["derivative"] == 0.0).all()


def test_sensitivity_checks_its_arguments(case: Diagnosis) -> None:
    with pytest.raises(BackspasmError, match="Did you mean 'kidney_stones'"):
        sensitivity(case, "kidney_stone")
    with pytest.raises(BackspasmError, match="'factor'"):
        sensitivity(case, "kidney_stones", factor=1.0)
    with pytest.raises(BackspasmError, match="'factor'"):
        sensitivity(case, "kidney_stones", factor=True)
    with pytest.raises(BackspasmError, match="'state'"):
        sensitivity(case, "kidney_stones", state="maybe")
    with pytest.raises(BackspasmError, match="diagnosis_or_answers"):
        sensitivity(42, "kidney_stones")  # type: ignore[arg-type]


def test_parameter_labels_read_like_probabilities(net: Network) -> None:
    assert parameter_label(net, "kidney_stones", "yes", {"sex": "male"}) == (
        "P(Kidney stones = yes | Sex male)"
    )
    assert parameter_label(net, "recent_exertion", "yes", {}) == "P(Recent exertion = yes)"
    fever = parameter_label(net, "fever", "yes", {"systemic_infection": "no"})
    assert fever == "P(Fever = yes | none of its causes)"
    nausea = parameter_label(
        net,
        "nausea_or_vomiting",
        "yes",
        {"renal_pain": "yes", "gallstones": "no", "systemic_infection": "no"},
    )
    assert nausea == "P(Nausea or vomiting = yes | Kidney pain, no other cause)"
    # a cause's parents are its risk factors
    abscess = parameter_label(
        net,
        "epidural_abscess",
        "yes",
        {"sex": "male", "diabetes": "yes", "recent_spinal_procedure": "no"},
    )
    assert abscess == "P(Epidural abscess = yes | Sex male, Diabetes, no other risk factor)"
    assert "parent" not in parameter_label(net, "epidural_abscess", "yes", {"diabetes": "no"})
