"""Conflict among a case's answers: the batch measure and the calibrated flag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backspasm.diagnosis import diagnose
from backspasm.explain import conflict_batch, conflict_threshold
from backspasm.learning import sample_cases
from backspasm.network import Network, default_network, load_network
from backspasm.scoring import score_cases
from helpers import BUNDLED_KNOWLEDGE, bundled_variant


def test_conflict_matches_diagnosis(batch):
    net, codes, post, _, singles = batch
    got = conflict_batch(net, codes, post.log_evidence)
    np.testing.assert_allclose(got, [d.conflict for d in singles], atol=1e-9)


def test_conflict_takes_hard_and_unsure_answers_in_one_function():
    # A likelihood (0, 1) is the same evidence as a hard "yes": the same conflict.
    net = default_network()
    engine = net.engine
    hard = {"fever": "yes", "spasm_location": "flank", "back_spasm": "yes", "age_group": "65+"}
    soft = {**hard, "fever": (0.0, 1.0)}
    unsure = {**hard, "fever": (0.3, 0.7)}
    for case in (hard, soft, unsure):
        assert engine.encode([case]).values  # each encodes on its own
    batch = dict(engine.encode([hard, soft, unsure]).values)
    assert batch["fever"].ndim == 2  # the whole batch becomes soft for that node
    got = conflict_batch(net, batch, engine.log_evidence(batch))
    assert got[0] == pytest.approx(got[1], abs=1e-12)
    assert got[2] != pytest.approx(got[0], abs=1e-3)
    one = diagnose({"fever": 0.7, "spasm_location": "flank", "age": 70})
    assert got[2] == pytest.approx(one.conflict, abs=1e-12)


@pytest.mark.parametrize("prior", ["1e-300", "1e-310"])  # 1e-310 is a denormal
def test_a_very_unlikely_answer_keeps_its_own_probability(tmp_path, prior):
    # Each answer's probability was floored at 1e-12, so a variant where one answer
    # has probability 1e-300 reported a conflict of 662 (flagged) for answers whose
    # conflict, computed with pgmpy, is 0.08; floored then at the smallest normal
    # float, 1e-310 gave 4.4 (flagged).
    from pgmpy.inference import VariableElimination

    folder = bundled_variant(
        tmp_path / "kb",
        "exposures.toml",
        r"(\[nodes\.significant_trauma\][^\[]*?prior = \{ p = )[^,]+",
        rf"\g<1>{prior}",
    )
    net = load_network(folder)
    answers = {"significant_trauma": "yes", "fever": "yes", "saddle_numbness": "yes"}
    got = diagnose(answers, network=net)
    infer = VariableElimination(net.model)
    seen = {"back_spasm": "yes"}
    singles = joint = 0.0
    for node, value in answers.items():
        one = infer.query([node], evidence={"back_spasm": "yes"}, show_progress=False)
        singles += np.log(one.get_value(**{node: value}))
        step = infer.query([node], evidence=seen, show_progress=False)
        joint += np.log(step.get_value(**{node: value}))
        seen[node] = value
    assert singles < -600  # the answer as unlikely as its prior
    assert got.conflict == pytest.approx(singles - joint, abs=1e-6)
    assert not got.conflicted


# ------------------------------------------------------------ calibrated conflict flag

DATA = Path(__file__).resolve().parents[2] / "data"

#: A known kidney stone with none of its signs, in a young person: the answers are
#: each ordinary, but jointly they contradict what a stone does.
SILENT_STONE = {
    "kidney_stones": "yes",
    "age": 22,
    "spasm_location": "lower_back",
    "blood_in_urine": "no",
    "painful_urination": "no",
    "pain_spreading_to_groin_in_waves": "no",
    "nausea_or_vomiting": "no",
}


def test_conflict_threshold_is_calibrated_on_the_networks_presenters():
    threshold = conflict_threshold()
    assert 0.5 < threshold < 5  # far above the old flag at 0
    assert conflict_threshold() == threshold  # cached, deterministic
    # An independent sample of presenters: about 1 in 100 is flagged, not half of them.
    cases = sample_cases(1000, seed=3)
    scored = score_cases(cases.drop(columns=[c for c in cases if c.startswith("true_")]))
    share = float((scored["conflict"] > threshold).mean())
    assert share < 0.04
    assert float((scored["conflict"] > 0).mean()) > 0.2  # what the old flag raised


def test_ordinary_and_textbook_presentations_do_not_raise_the_flag():
    assert not diagnose({"age": 45, "leg_or_buttock_pain": "yes"}).conflicted
    cases = pd.read_csv(DATA / "example_cases.csv", dtype=str, keep_default_na=False)
    textbook = cases[cases["case_id"].str.fullmatch(r"TB(0[1-9]|1[0-9])")]
    assert len(textbook) == 19
    scored = score_cases(textbook.drop(columns=["expected_cause", "note"]))
    worst = scored.loc[scored["conflict"].idxmax()]
    assert worst["conflict"] <= conflict_threshold(), worst["case_id"]


def test_contradictory_answers_raise_the_flag_and_say_why():
    d = diagnose(SILENT_STONE)
    assert d.conflicted
    assert d.conflict > d.conflict_threshold
    text = d.summary()
    assert "jointly surprising" in text
    assert f"{d.conflict_threshold:.2f}" in text
    assert d.to_dict()["conflicted"] is True
    # The same answers with the stone's signs present are coherent.
    told = {**SILENT_STONE, "blood_in_urine": "yes", "spasm_location": "flank"}
    assert diagnose(told).conflict < d.conflict


def test_the_shipped_threshold_of_the_bundled_network_is_the_computed_one(monkeypatch):
    # The bundled network's threshold ships precomputed (a one-off diagnose skipped
    # 0.8 s of sampling); when its numbers or questions change, this fails until it
    # is recomputed: the message is the new entry of _SHIPPED.
    from backspasm.explain import conflict as module
    from backspasm.network import default_network

    net = default_network()
    shipped = dict(module._SHIPPED)
    key = module._key(net)
    assert key in shipped, (
        f"update explain/conflict.py _SHIPPED: {key!r}: {conflict_threshold(net)!r}"
    )
    monkeypatch.setattr(module, "_SHIPPED", {})
    monkeypatch.setattr(module, "_THRESHOLDS", module.LruCache(4))
    # Equal to the last digits a library version may change (numpy sums, quantiles).
    assert conflict_threshold(net) == pytest.approx(shipped[key], rel=1e-12)


def _variant(folder: Path, file: str, pattern: str, replacement: str) -> Network:
    """Load a copy of the bundled knowledge base with one regex edit in ``file``."""
    return load_network(bundled_variant(folder, file, pattern, replacement))


@pytest.fixture
def computed(monkeypatch):
    """Record every threshold sampled, with an empty cache of computed ones."""
    from backspasm.explain import conflict as module

    calls: list[float] = []
    compute = module._compute

    def spy(net: Network) -> float:
        calls.append(compute(net))
        return calls[-1]

    monkeypatch.setattr(module, "_compute", spy)
    monkeypatch.setattr(module, "_THRESHOLDS", module.LruCache(4))
    return calls


def test_a_variant_with_other_question_sections_gets_its_own_threshold(tmp_path, computed):
    # Symptoms moved to "known cause" are no longer answered by the reference
    # presenters: the variant kept the bundled 1.918 instead of its own 1.118.
    variant = _variant(
        tmp_path / "kb", "findings.toml", r'section = "symptom"', 'section = "known_cause"'
    )
    bundled = load_network(BUNDLED_KNOWLEDGE)
    assert variant.numbers_fingerprint() == bundled.numbers_fingerprint()
    threshold = conflict_threshold(variant)
    assert computed == [threshold]  # sampled for this variant, not the bundled one's
    assert conflict_threshold(variant) == threshold  # cached: sampled once
    assert computed == [threshold]
    assert threshold != pytest.approx(conflict_threshold(bundled), abs=0.05)


def test_the_bundled_threshold_is_shipped_not_sampled(tmp_path, computed):
    # Loaded afresh, with its pgmpy model built or not, or with another triage policy
    # (the threshold does not depend on it), the bundled network's threshold is the
    # shipped one: no 20,000 presenters sampled for a one-off diagnose.
    from backspasm.explain import conflict as module

    fresh = load_network()
    built = load_network()
    built.model.check_model()
    policy = _variant(
        tmp_path / "kb", "triage.toml", r"(see_doctor_p_serious = \{ p = )[0-9.]+", r"\g<1>0.0123"
    )
    assert policy.fingerprint() != fresh.fingerprint()
    keys = {module._key(net) for net in (default_network(), fresh, built, policy)}
    assert len(keys) == 1
    (key,) = keys
    assert key in module._SHIPPED, "stale _SHIPPED: see the test above for the new entry"
    for net in (fresh, built, policy):
        assert conflict_threshold(net) == module._SHIPPED[key]
        d = diagnose({"age": 45, "fever": "yes"}, network=net)
        assert d.conflict_threshold == module._SHIPPED[key]
    assert computed == []
