"""Learning from data: sampling, fitting with an expert prior, evaluation, figures.

Run with ``--save-figures DIR`` to keep the calibration and ROC figures as PNGs.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pgmpy.factors.discrete import TabularCPD

from backspasm.cli import main as cli_main
from backspasm.exceptions import BackspasmError, CaseFileError, EvidenceError
from backspasm.figures import plot_calibration, plot_roc
from backspasm.learning import (
    Evaluation,
    evaluate,
    evaluate_by,
    evaluate_groups,
    fit_network,
    iter_sample_cases,
    sample_cases,
    write_cases,
    write_spec,
)
from backspasm.learning.grouped import groups_report
from backspasm.learning.metrics import auc_score, share_interval
from backspasm.learning.spec_writer import spec_to_toml
from backspasm.network import Network, default_network, load_network
from backspasm.questionnaire import get_question, parse_answer, questions_for
from backspasm.sampling import node_tables as tables
from backspasm.spec import load_spec

DATA = Path(__file__).resolve().parents[2] / "data"


# ------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def net() -> Network:
    return default_network()


@pytest.fixture
def toy(toy_spec_dir: Callable[..., Path]) -> Network:
    return load_network(toy_spec_dir())


def answer_columns(network: Network) -> list[str]:
    return [
        q.column
        for q in questions_for(network)
        if q.kind != "id" and q.section not in ("known_cause", "presentation")
    ]


def set_cpd(network: Network, node: str, values: list[list[float]] | np.ndarray) -> None:
    """Replace one CPD of the network's pgmpy model (same parents and states)."""
    model = network.model
    old = model.get_cpds(node)
    parents = list(old.variables[1:])
    new = TabularCPD(
        node,
        old.variable_card,
        np.asarray(values, dtype=float),
        evidence=parents or None,
        evidence_card=list(old.cardinality[1:]) or None,
        state_names=old.state_names,
    )
    model.remove_cpds(old)
    model.add_cpds(new)


def exact_given_spasm(network: Network, node: str) -> dict[str, float]:
    """P(node | back_spasm = yes), exact, from pgmpy's variable elimination."""
    from pgmpy.inference import VariableElimination

    factor = VariableElimination(network.model).query(
        [node], evidence={"back_spasm": "yes"}, show_progress=False
    )
    return dict(zip(factor.state_names[node], map(float, factor.values), strict=True))


def mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


# ------------------------------------------------------------------------ sampling


def test_sample_follows_the_case_file_contract(net: Network) -> None:
    cases = sample_cases(400, network=net, seed=1)
    truth = [f"true_{c}" for c in net.causes]
    assert list(cases.columns) == ["case_id", *answer_columns(net), *truth]
    assert cases["case_id"].is_unique
    assert cases["case_id"].notna().all()
    assert not set(cases.columns) & {*net.causes, "back_spasm", "true_cause"}
    for q in questions_for(net):
        if q.column not in cases or q.kind in ("id", "number"):
            continue
        values = set(cases[q.column].dropna())
        allowed = set(q.choices) if q.kind == "choice" else {"yes", "no"}
        assert values <= allowed, q.column
    ages = cases["age"].dropna().astype(int)
    assert ages.between(18, 120).all()
    age = get_question("age", questions_for(net))
    assert {parse_answer(age, a) for a in ages} == {"18-39", "40-64", "65+"}
    weeks = cases["spasm_duration_weeks"].dropna().astype(int)
    assert weeks.between(0, 52).all()
    duration = get_question("spasm_duration_weeks", questions_for(net))
    assert {parse_answer(duration, w) for w in weeks} == {"acute", "subacute", "chronic"}
    for column in truth:
        assert set(cases[column]) <= {"yes", "no"}


def test_number_ranges_fall_in_their_own_band(net: Network) -> None:
    for q in questions_for(net):
        if q.kind != "number":
            continue
        for band in q.states:
            low, high = q.number_range(band)
            assert low <= high
            assert parse_answer(q, low) == band, (q.column, band, low)
            assert parse_answer(q, high) == band, (q.column, band, high)


def test_missing_share_and_truth_never_blank(net: Network) -> None:
    cases = sample_cases(2000, network=net, seed=2, missing=0.3)
    answers = cases[answer_columns(net)]
    blank = float(answers.isna().to_numpy().mean())
    sd = math.sqrt(0.3 * 0.7 / answers.size)
    assert abs(blank - 0.3) < 5 * sd
    truth = cases[[c for c in cases if c.startswith("true_")]]
    assert truth.notna().all().all()
    complete = sample_cases(200, network=net, seed=2, missing=0.0)
    assert complete.notna().all().all()


def test_sampling_is_deterministic_for_a_seed(net: Network) -> None:
    a = sample_cases(300, network=net, seed=11)
    b = sample_cases(300, network=net, seed=11)
    pd.testing.assert_frame_equal(a, b)
    c = sample_cases(300, network=net, seed=12)
    assert not a.equals(c)
    # The first rows of a bigger sample are the smaller sample.
    d = sample_cases(700, network=net, seed=11)
    pd.testing.assert_frame_equal(a.drop(columns="case_id"), d.head(300).drop(columns="case_id"))


def test_sample_frequencies_match_exact_marginals(net: Network) -> None:
    n = 20_000
    cases = sample_cases(n, network=net, seed=5, missing=0.0)
    checks = [(f"true_{c}", c) for c in net.causes] + [
        ("spasm_location", "spasm_location"),
        ("fever", "fever"),
        ("recent_exertion", "recent_exertion"),
        ("leg_or_buttock_pain", "leg_or_buttock_pain"),
    ]
    for column, node in checks:
        exact = exact_given_spasm(net, node)
        observed = cases[column].value_counts(normalize=True)
        for state, p in exact.items():
            sd = math.sqrt(max(p * (1 - p), 1e-6) / n)
            assert abs(observed.get(state, 0.0) - p) < 4.5 * sd + 1e-4, (column, state)
    age = get_question("age", questions_for(net))
    groups = (
        cases["age"].astype(int).map(lambda a: parse_answer(age, a)).value_counts(normalize=True)
    )
    for state, p in exact_given_spasm(net, "age_group").items():
        assert abs(groups[state] - p) < 4.5 * math.sqrt(p * (1 - p) / n)


def test_node_columns_for_a_network_outside_the_contract(toy: Network) -> None:
    cases = sample_cases(3000, network=toy, seed=3, missing=0.0, columns="nodes")
    assert list(cases.columns) == [
        "case_id",
        "exertion",
        "duration",
        "location",
        "true_strain",
        "true_stone",
    ]
    exact = exact_given_spasm(toy, "stone")["yes"]
    seen = float((cases["true_stone"] == "yes").mean())
    assert abs(seen - exact) < 4.5 * math.sqrt(exact * (1 - exact) / 3000)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": -1}, "'n' parameter of sample_cases"),
        ({"n": 5, "missing": 1.5}, "'missing' parameter"),
        ({"n": 5, "columns": "answers"}, "'columns' parameter"),
        ({"n": 5, "chunk": 0}, "'chunk' parameter"),
    ],
)
def test_sample_rejects_bad_parameters(net: Network, kwargs: dict, message: str) -> None:
    with pytest.raises(BackspasmError, match=re.escape(message)):
        sample_cases(network=net, seed=0, **kwargs)


# ------------------------------------------------------------------------- fitting


def perturbed_toy(toy_spec_dir: Callable[..., Path]) -> Network:
    net = load_network(toy_spec_dir())
    set_cpd(net, "exertion", [[0.25], [0.75]])
    set_cpd(net, "stone", [[0.7], [0.3]])
    set_cpd(net, "location", [[0.4, 0.9], [0.6, 0.1]])
    set_cpd(net, "duration", [[0.2, 0.5], [0.3, 0.3], [0.5, 0.2]])
    return net


TOY_PERTURBED = ("exertion", "stone", "location", "duration")


def test_closed_form_fit_is_pgmpy_bayesian_estimate(toy: Network) -> None:
    cases = sample_cases(2000, network=toy, seed=4, missing=0.0, columns="nodes")
    fit = fit_network(cases, network=toy, prior_weight=20, presenting=False)
    # Every family is answered in every row: no EM, all closed form.
    assert fit.iterations == 0
    assert fit.converged
    assert set(fit.report["method"]) == {"bayesian"}
    assert set(fit.fitted) == {"exertion", "strain", "stone", "duration", "location"}
    expert = tables(toy)["location"].values
    counts = pd.crosstab(cases["location"], cases["true_stone"]).reindex(
        index=["lower_back", "flank"], columns=["no", "yes"], fill_value=0
    )
    manual = (counts.to_numpy() + 20 * expert) / (counts.to_numpy() + 20 * expert).sum(axis=0)
    np.testing.assert_allclose(tables(fit.network)["location"].values, manual, rtol=1e-6)


@pytest.mark.parametrize("missing", [0.0, 0.3])
def test_fit_recovers_perturbed_toy_numbers(
    toy_spec_dir: Callable[..., Path], missing: float
) -> None:
    expert = load_network(toy_spec_dir())
    truth = perturbed_toy(toy_spec_dir)
    cases = sample_cases(10_000, network=truth, seed=6, missing=missing, columns="nodes")
    fit = fit_network(cases, network=expert, prior_weight=10, max_iter=100, tol=1e-6)
    assert fit.converged
    before, after, target = tables(expert), tables(fit.network), tables(truth)
    for node in TOY_PERTURBED:
        assert mean_abs(after[node].values, target[node].values) < 0.4 * mean_abs(
            before[node].values, target[node].values
        ), node
    # Selection on back spasm is corrected: the fitted prior of the root is the
    # population's, not the frequency among people who present with spasm.
    assert abs(after["exertion"].values[1] - 0.75) < 0.03


def test_fit_recovers_causes_left_latent(toy_spec_dir: Callable[..., Path]) -> None:
    # Without labels a cause is a latent class: its prior is recoverable when the
    # findings that mark it keep their meaning (here: flank pain marks a stone).
    expert = load_network(toy_spec_dir())
    truth = load_network(toy_spec_dir())
    set_cpd(truth, "exertion", [[0.25], [0.75]])
    set_cpd(truth, "stone", [[0.75], [0.25]])
    cases = sample_cases(10_000, network=truth, seed=8, missing=0.3, columns="nodes")
    fit = fit_network(cases, network=expert, use_truth=False, max_iter=200, tol=1e-5)
    assert set(fit.latent) == {"strain", "stone"}
    before, after, target = tables(expert), tables(fit.network), tables(truth)
    for node in ("exertion", "stone"):
        assert mean_abs(after[node].values, target[node].values) < mean_abs(
            before[node].values, target[node].values
        ), node


def test_em_never_lowers_the_likelihood(toy_spec_dir: Callable[..., Path]) -> None:
    truth = perturbed_toy(toy_spec_dir)
    cases = sample_cases(3000, network=truth, seed=9, missing=0.3, columns="nodes")
    fit = fit_network(
        cases, network=load_network(toy_spec_dir()), prior_weight=0, max_iter=25, tol=0
    )
    steps = np.diff(fit.log_likelihood)
    assert len(steps) == 24
    assert (steps > -1e-7).all()


def test_fit_recovers_perturbed_numbers_of_the_bundled_network(tmp_path: Path) -> None:
    expert = load_network()
    truth = load_network()
    set_cpd(truth, "recent_exertion", [[0.3], [0.7]])
    set_cpd(truth, "kidney_stones", [[0.92] * 4, [0.08] * 4])
    location = truth.model.get_cpds("spasm_location").get_values().copy()
    assert truth.model.get_cpds("spasm_location").variables[1:] == ["renal_pain", "gallstones"]
    location[:, 0] = [0.4, 0.3, 0.2, 0.1]  # no renal pain, no gallstones: the common column
    set_cpd(truth, "spasm_location", location)
    before, target = tables(expert), tables(truth)
    for missing in (0.0, 0.3):
        cases = sample_cases(5000, network=truth, seed=10, missing=missing)
        fit = fit_network(cases, network=expert, max_iter=3)
        after = tables(fit.network)
        for node in ("recent_exertion", "kidney_stones", "spasm_location"):
            assert mean_abs(after[node].values, target[node].values) < 0.5 * mean_abs(
                before[node].values, target[node].values
            ), (missing, node)
        # Mechanisms are never answered: they are fitted as latent nodes.
        assert set(expert.nodes_in("mechanism")) - {"visceral_referred_pain"} <= set(fit.latent)
    # The fitted knowledge base is a valid one: it validates, loads and keeps triage.
    path = write_spec(fit, tmp_path / "fitted.toml")
    spec = load_spec(path)
    assert spec.triage is not None
    assert expert.spec.triage is not None
    assert spec.triage.flags == expert.spec.triage.flags
    assert spec.triage.emergency_p_serious == expert.spec.triage.emergency_p_serious
    assert spec.nodes["spasm_location"].form == "table"
    # Complications lie below the data: they keep their declaration and sources.
    for name in expert.nodes_in("complication"):
        assert name not in fit.fitted
        kept, declared = spec.nodes[name], expert.spec.nodes[name]
        assert kept.form == declared.form
        assert list(kept.parameters()) == list(declared.parameters())
    assert cli_main(["check", str(path)]) == 0


def test_fitted_spec_records_the_fit_and_loads(
    toy: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = sample_cases(1500, network=toy, seed=12, missing=0.3, columns="nodes")
    csv = tmp_path / "cases.csv"
    cases.to_csv(csv, index=False)
    fit = fit_network(csv, network=toy, prior_weight=25, max_iter=5)
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert fit.data_sha256 == digest
    assert fit.source_key == f"fit_{digest[:8]}"
    path = write_spec(fit, tmp_path)
    assert path == tmp_path / "fitted.toml"
    spec = load_spec(path)
    source = spec.sources[fit.source_key]
    assert f"data file sha256 {digest};" in (source.note or "")
    # the knowledge base's two hashes, each named for what it hashes
    assert f"(sha256 of its TOML files {toy.spec.digest[:16]}; " in (source.note or "")
    assert f"network fingerprint {toy.fingerprint()[:16]})" in (source.note or "")
    assert "1500 rows" in (source.note or "")
    assert "prior weight 25" in (source.note or "")
    assert source.tag == "fitted"
    for name in fit.fitted:
        node = spec.nodes[name]
        assert node.form in ("prior", "table"), name  # noisy-OR became a table
        for _, param in node.parameters():
            assert param.source == fit.source_key
            assert param.why == "fitted: expert prior weight 25 + 1500 rows"
    # The frozen presentation node keeps its noisy-OR declaration and sources.
    assert spec.nodes["back_spasm"].form == "noisy_or"
    assert spec.nodes["back_spasm"].leak == toy.spec.nodes["back_spasm"].leak
    reloaded = load_network(path)
    np.testing.assert_allclose(
        tables(reloaded)["strain"].values, tables(fit.network)["strain"].values
    )
    np.testing.assert_allclose(
        tables(reloaded)["strain"].values.sum(axis=0), 1.0, rtol=0, atol=1e-12
    )
    assert cli_main(["check", str(path)]) == 0
    assert "(valid)" in capsys.readouterr().out
    changes = fit.changes(3)
    assert len(changes) == 3
    assert changes["change"].abs().is_monotonic_decreasing
    assert "FitResult" in repr(fit)
    assert "<table" in fit._repr_html_()


def test_fit_result_counts_one_em_iteration_in_the_singular(toy: Network) -> None:
    cases = sample_cases(300, network=toy, seed=3, missing=0.3, columns="nodes")
    fit = fit_network(cases, network=toy, max_iter=1)
    assert fit.iterations == 1
    # was "1 EM iterations (not converged)"
    assert "prior weight 50, 1 EM iteration (" in str(fit)
    assert "1 EM iteration (" in repr(fit)


def test_streamed_samples_equal_the_whole_and_write_in_any_format(
    net: Network, tmp_path: Path
) -> None:
    # `backspasm sample` writes chunk by chunk (it held every row, about 6.6 KB each);
    # the file must be the one sample_cases gives, whatever the chunking.
    whole = sample_cases(900, network=net, seed=5, chunk=1000)
    parts = list(iter_sample_cases(900, network=net, seed=5, chunk=1000))
    assert len(parts) > 1
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    assert parts[1]["case_id"].iloc[0] == f"S{len(parts[0]) + 1:06d}"
    csv = tmp_path / "s.csv"
    assert write_cases(iter_sample_cases(900, network=net, seed=5, chunk=1000), str(csv)) == 900
    assert csv.read_text() == whole.to_csv(index=False, lineterminator="\n")
    pq = tmp_path / "s.parquet"
    write_cases(iter_sample_cases(900, network=net, seed=5, chunk=1000), str(pq))
    pd.testing.assert_frame_equal(pd.read_parquet(pq), pd.read_parquet(_parquet(whole, tmp_path)))
    blank = tmp_path / "blank.parquet"
    write_cases(iter_sample_cases(3, network=net, seed=5, missing=1.0), str(blank))
    assert str(pd.read_parquet(blank)["sex"].dtype) in ("object", "str", "string")
    assert sample_cases(0, network=net, seed=5).shape == (0, whole.shape[1])


def _parquet(frame: pd.DataFrame, folder: Path) -> Path:
    path = folder / "whole.parquet"
    frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_a_signal_while_sampling_leaves_no_file(tmp_path, monkeypatch, capsys, signum):
    # score removed its temporary file on SIGTERM; sample died at once (exit -15, no
    # word) and left a hidden .tmp of tens of megabytes beside its output
    import signal

    import backspasm.learning

    sig = getattr(signal, signum)
    if signal.getsignal(sig) is not signal.SIG_DFL:
        pytest.skip(f"{signum} already has a handler in this process")
    real = backspasm.learning.iter_sample_cases

    def cut_short(*args, **kwargs):
        for k, frame in enumerate(real(*args, **kwargs)):
            if k == 1:
                assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
                signal.raise_signal(sig)
            yield frame

    monkeypatch.setattr(backspasm.learning, "iter_sample_cases", cut_short)
    dest = tmp_path / "cases.csv"
    dest.write_text("previous\n")
    assert cli_main(["sample", "-n", "30000", "--seed", "1", "-o", str(dest)]) == 128 + sig
    assert "backspasm sample: interrupted; nothing written" in capsys.readouterr().err
    assert dest.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cases.csv"]
    assert signal.getsignal(sig) is signal.SIG_DFL


def test_sampled_durations_stay_in_their_band(net: Network) -> None:
    # The duration question's maximum (6262 weeks, a lifetime) is what an answer may be,
    # not where the open chronic band is drawn up to.
    weeks = sample_cases(3000, network=net, seed=2, missing=0)["spasm_duration_weeks"]
    assert weeks.max() <= 48


def test_fit_with_no_prior_keeps_the_expert_numbers_where_no_row_tells(
    net: Network, tmp_path: Path
) -> None:
    # Weight 0 divided 0 by 0 for parent configurations no row has, and the NaN tables
    # failed as "probability zero under the network's structure".
    cases = sample_cases(60, network=net, seed=4, missing=0)
    with pytest.warns(UserWarning, match="to exactly 0 or 1 where the expert's were not"):
        fit = fit_network(cases, network=net, prior_weight=0, max_iter=2)
    for cpd in fit.network.model.get_cpds():
        assert np.isfinite(cpd.get_values()).all(), cpd.variable
    with pytest.raises(BackspasmError, match=r"a \.toml file"):
        write_spec(fit, tmp_path / "fitted.csv")


def test_fit_rejects_bad_input(toy: Network, net: Network) -> None:
    cases = sample_cases(50, network=toy, seed=1, columns="nodes")
    with pytest.raises(BackspasmError, match="'prior_weight' parameter of fit_network"):
        fit_network(cases, network=toy, prior_weight=-1)
    with pytest.raises(BackspasmError, match="Did you mean 'stone'"):
        fit_network(cases, network=toy, freeze=["stnoe"])
    # one name, not a list: it was read letter by letter ("Unknown node 't'")
    with pytest.raises(BackspasmError) as info:
        fit_network(cases, network=toy, freeze="stone")
    assert str(info.value) == (
        "The 'freeze' parameter of fit_network must be a list of node names; got the string "
        "'stone' instead: write freeze=['back_spasm', 'stone']."
    )
    bad = cases.assign(location=["sideways"] * 50)
    with pytest.raises(EvidenceError, match=r"Column 'location'.*'sideways'"):
        fit_network(bad, network=toy)
    with pytest.raises(EvidenceError, match="back_spasm is not 'yes'"):
        fit_network(cases.assign(back_spasm="no"), network=toy)
    with pytest.raises(EvidenceError, match="'fever'"):
        fit_network(pd.DataFrame({"fever": ["maybe"]}), network=net)


def test_fit_holds_column_names_to_the_contract(net: Network, tmp_path: Path) -> None:
    # fit used neither a misnamed question (Fever) nor a near miss (fevr) nor a truth
    # column naming no cause (true_kidney_stone), and said nothing: exit 0, their
    # answers silently not counted, where score refuses and evaluate warns.
    cases = sample_cases(60, network=net, seed=5, missing=0.0)
    with pytest.raises(CaseFileError, match="'Fever' for 'fever' differ from a question"):
        fit_network(cases.rename(columns={"fever": "Fever"}), network=net, max_iter=1)
    # a column one letter from a question is a typo, refused as score refuses it
    with pytest.raises(CaseFileError, match=r"'fevr' \(for 'fever'\) is one letter away"):
        fit_network(cases.rename(columns={"fever": "fevr"}), network=net, max_iter=1)
    typos = cases.rename(
        columns={"blood_in_urine": "blood_urine", "true_kidney_stones": "true_kidney_stone"}
    )
    with pytest.warns(UserWarning, match="not a question|names no cause") as caught:
        fit_network(typos, network=net, max_iter=1)
    said = [str(w.message) for w in caught]
    assert any(
        "'blood_urine' is not a question; did you mean 'blood_in_urine'? It was not used" in m
        for m in said
    )
    assert any("'true_kidney_stone' names no cause" in m for m in said)
    assert any("Did you mean 'true_kidney_stones'?" in m for m in said)
    path = tmp_path / "bad_age.csv"
    cases.assign(age="abc").to_csv(path, index=False)
    with pytest.raises(EvidenceError, match=r"^bad_age.csv: Column 'age'") as info:
        fit_network(path, network=net, max_iter=1)
    # the case too, as evaluate names it (fit named only the row)
    assert str(info.value).endswith(f"Row 1 is case_id {cases['case_id'].iloc[0]}.")


def test_fit_refuses_to_write_into_a_knowledge_base_folder(tmp_path: Path, capsys) -> None:
    # `fit --network myvar -o myvar` wrote myvar/fitted.toml beside the files it was
    # fitted from: the folder then declared every node twice and no longer loaded.
    from helpers import BUNDLED_KNOWLEDGE

    folder = tmp_path / "myvar"
    shutil.copytree(BUNDLED_KNOWLEDGE, folder)
    cases = tmp_path / "cases.csv"
    sample_cases(20, seed=3).to_csv(cases, index=False)
    argv = ["fit", str(cases), "--network", str(folder), "-o", str(folder), "--max-iter", "1"]
    assert cli_main(argv) == 2
    assert f"cannot write into '{folder}': it holds a knowledge base (causes.toml" in (
        capsys.readouterr().err
    )
    assert not (folder / "fitted.toml").exists()
    load_network(folder)  # still loads
    empty = tmp_path / "out"
    empty.mkdir()
    assert cli_main([*argv[:-3], str(empty), "--max-iter", "1"]) == 0
    assert (empty / "fitted.toml").exists()


def test_fit_refuses_to_write_over_or_beside_the_knowledge_base_it_fits(
    tmp_path: Path, capsys
) -> None:
    # `-o myvar/fitted.toml` (the file, not the folder) broke the variant without a
    # word, and `--network kb1.toml -o kb1.toml` replaced the numbers it started from
    from helpers import BUNDLED_KNOWLEDGE

    folder = tmp_path / "myvar"
    shutil.copytree(BUNDLED_KNOWLEDGE, folder)
    cases = tmp_path / "cases.csv"
    sample_cases(20, seed=3).to_csv(cases, index=False)
    fit = ["fit", str(cases), "--max-iter", "1"]
    assert cli_main([*fit, "--network", str(folder), "-o", str(folder / "fitted.toml")]) == 2
    assert "would join the knowledge base it was fitted from" in capsys.readouterr().err
    assert not (folder / "fitted.toml").exists()
    single = tmp_path / "kb1.toml"
    assert cli_main([*fit, "-o", str(single)]) == 0
    before = single.read_bytes()
    assert cli_main([*fit, "--network", str(single), "-o", str(single)]) == 2
    assert "would overwrite the knowledge base it was fitted from" in capsys.readouterr().err
    assert single.read_bytes() == before
    # the Python API refuses it too
    result = fit_network(cases, network=load_network(single), max_iter=1)
    with pytest.raises(CaseFileError, match="would overwrite"):
        write_spec(result, single)


def test_evaluate_without_truth_names_the_file_and_the_misspelt_column(tmp_path: Path) -> None:
    cases = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False).head(3)
    path = tmp_path / "typo.csv"
    cases.rename(columns={"expected_cause": "expected_cuase"}).to_csv(path, index=False)
    with pytest.raises(BackspasmError, match=r"^typo.csv: evaluate needs the truth") as info:
        evaluate(path)
    assert str(info.value).endswith("Is 'expected_cuase' meant to be 'expected_cause'?")
    # neither the expected triage nor a column scoring added is taken for a truth
    cases.drop(columns="expected_cause").to_csv(path, index=False)
    with pytest.raises(BackspasmError, match=r"found none\.$"):
        evaluate(path)


def test_fit_warns_of_numbers_it_made_exactly_0_or_1() -> None:
    # `fit --prior-weight 0` wrote table rows of exactly 1.0 where the data had no case
    # against them, without a word; diagnose then refused such answers as impossible.
    # The expert's own zeros (men are never pregnant) are no news and are not counted.
    cases = sample_cases(200, seed=4)
    with pytest.warns(UserWarning, match="the fit set numbers of 11 node") as caught:
        fit_network(cases, prior_weight=0, max_iter=1)
    said = str(caught[0].message)
    assert "muscle_strain (2)" in said
    assert "and 6 more. " in said
    assert "recent_pregnancy_or_childbirth" not in said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_network(cases, prior_weight=50, max_iter=1)


# ---------------------------------------------------------------------- evaluation


def scored_toy(p_strain: list[float], p_stone: list[float], **truth: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"p_strain": p_strain, "p_stone": p_stone, **truth})


def test_perfect_ranker(toy: Network) -> None:
    frame = scored_toy(
        [0.9, 0.8, 0.1, 0.2],
        [0.1, 0.3, 0.7, 0.95],
        true_strain=["yes", "yes", "no", "no"],
        true_stone=["no", "no", "yes", "yes"],
    )
    ev = evaluate(frame, network=toy)
    assert ev.top1 == 1.0
    assert ev.top3 == 1.0
    assert ev.per_cause["auc"].tolist() == [1.0, 1.0]
    assert ev.mean_auc == 1.0
    assert ev.confusions.empty
    roc = ev.roc[ev.roc["cause"] == "strain"]
    assert roc[["fpr", "tpr"]].iloc[0].tolist() == [0.0, 0.0]
    assert roc[["fpr", "tpr"]].iloc[-1].tolist() == [1.0, 1.0]
    # A terminal or IPython shows one line (the dataclass repr printed every table).
    assert repr(ev) == "<Evaluation: 4 cases, top-1 1.000 (95% CI 0.510-1.000), top-3 1.000>"


def test_brier_log_loss_and_auc_of_simple_forecasts(toy: Network) -> None:
    frame = scored_toy(
        [0.5] * 4,
        [0.5] * 4,
        true_strain=["yes", "no", "yes", "no"],
        true_stone=["no", "no", "yes", "yes"],
    )
    ev = evaluate(frame, network=toy)
    assert ev.brier == pytest.approx(0.25)
    assert ev.log_loss == pytest.approx(math.log(2))
    assert ev.per_cause["auc"].tolist() == [0.5, 0.5]  # ties count half
    # Ties are ranked in the network's cause order: strain first.
    assert ev.top1 == pytest.approx(2 / 3)
    assert auc_score([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert math.isnan(auc_score([1, 1], [0.2, 0.3]))
    cal = ev.calibration
    assert cal[cal["cause"] == "all"][["bin", "count"]].values.tolist() == [[5, 8]]


def test_auc_is_the_area_under_the_roc_points(net: Network) -> None:
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.3
    p = np.round(np.clip(0.3 + 0.3 * y + rng.normal(0, 0.25, 500), 0, 1), 2)
    from sklearn.metrics import roc_auc_score

    assert auc_score(y, p) == pytest.approx(roc_auc_score(y, p))
    frame = pd.DataFrame({f"p_{c}": 0.01 for c in net.causes}, index=range(500))
    frame["p_kidney_stones"] = p
    frame["true_kidney_stones"] = np.where(y, "yes", "no")
    with pytest.warns(UserWarning, match="counted absent in every case"):
        ev = evaluate(frame, network=net)
    curve = ev.roc[ev.roc["cause"] == "kidney_stones"]
    area = float(np.trapezoid(curve["tpr"], curve["fpr"]))
    assert area == pytest.approx(auc_score(y, p))
    assert list(ev.roc["cause"].unique()) == ["kidney_stones"]


def test_truth_as_flags_labels_or_a_separate_frame(toy: Network) -> None:
    p = {"p_strain": [0.7, 0.2, 0.6], "p_stone": [0.1, 0.9, 0.5]}
    flags = evaluate(
        pd.DataFrame(
            {**p, "true_strain": ["yes", "no", "no"], "true_stone": ["no", "yes", "yes"]}
        ),
        network=toy,
    )
    labels = evaluate(pd.DataFrame({**p, "true_cause": ["strain", "stone", "stone"]}), network=toy)
    expected = evaluate(
        pd.DataFrame({**p, "expected_cause": ["strain", "stone", "stone"]}), network=toy
    )
    series = evaluate(pd.DataFrame(p), pd.Series(["strain", "stone", "stone"]), network=toy)
    for other in (labels, expected, series):
        assert other.top1 == flags.top1 == pytest.approx(2 / 3)
        pd.testing.assert_frame_equal(other.per_cause, flags.per_cause)
    confusions = flags.confusions
    assert confusions.to_dict(orient="records") == [
        {"true_cause": "stone", "ranked_first": "strain", "count": 1, "share": 0.5}
    ]
    with pytest.raises(EvidenceError, match="Did you mean 'stone'"):
        evaluate(pd.DataFrame({**p, "true_cause": ["strain", "stnoe", ""]}), network=toy)
    with pytest.raises(BackspasmError, match="needs the truth"):
        evaluate(pd.DataFrame(p), network=toy)


def test_cases_without_a_cause_and_scoring_errors(toy: Network) -> None:
    frame = pd.DataFrame(
        {
            "p_strain": [0.7, 0.2, np.nan, 0.1],
            "p_stone": [0.1, 0.9, np.nan, 0.3],
            "true_cause": ["strain", "stone", "stone", "none"],
            "error": ["", "", "fever: 'maybe' is not allowed", ""],
        }
    )
    ev = evaluate(frame, network=toy)
    assert (ev.n_cases, ev.n_excluded, ev.n_with_cause) == (3, 1, 2)
    assert ev.top1 == 1.0


def test_a_blank_truth_is_left_out_not_counted_as_no_cause(toy: Network) -> None:
    # A blank label or true_<cause> cell once counted as "no cause": the rows stayed in
    # the AUC, Brier and calibration as all-negative, and expected self_care in triage.
    p = {"p_strain": [0.7, 0.2, 0.6, 0.4], "p_stone": [0.1, 0.9, 0.5, 0.3]}
    known = evaluate(
        pd.DataFrame({**p, "true_cause": ["strain", "stone", "none", "none"]})[:3], network=toy
    )
    blank = evaluate(
        pd.DataFrame({**p, "true_cause": ["strain", "stone", "none", ""]}), network=toy
    )
    assert (blank.n_cases, blank.n_no_truth, blank.n_excluded) == (3, 1, 0)
    assert (blank.brier, blank.ece) == (known.brier, known.ece)
    assert "rows excluded (truth not given)" in set(blank.summary()["metric"])
    assert blank.to_dict()["n_no_truth"] == 1
    flags = pd.DataFrame(
        {**p, "true_strain": ["yes", "no", "no", ""], "true_stone": ["no", "yes", "no", "yes"]}
    )
    assert evaluate(flags, network=toy).n_no_truth == 1
    with pytest.warns(UserWarning, match="no true_stone column"):
        partial = evaluate(flags.drop(columns="true_stone"), network=toy)
    assert partial.n_cases == 3


def test_probabilities_outside_0_to_1_are_refused(toy: Network) -> None:
    frame = scored_toy([0.7, -0.2], [0.1, 0.9], true_cause=["strain", "stone"])
    with pytest.raises(EvidenceError, match=r"'p_strain'.*row 2: -0\.2.*probability from 0 to 1"):
        evaluate(frame, network=toy)
    frame = scored_toy([0.7, 0.2], [1.7, 0.9], true_cause=["strain", "stone"])
    with pytest.raises(EvidenceError, match=r"'p_stone'.*row 1: 1\.7"):
        evaluate(frame, network=toy)


def test_evaluate_by_reads_any_column_type_and_refuses_a_group_named_all(toy: Network) -> None:
    frame = scored_toy(
        [0.7, 0.2, 0.6, 0.4], [0.1, 0.9, 0.5, 0.3], true_cause=["strain", "stone", "stone", "none"]
    )
    frame["age"] = pd.array([30, None, 30, 45], dtype="Int64")
    frame["kind"] = pd.Categorical(["a", None, "b", "a"])
    for column in ("age", "kind"):
        table = evaluate_by(frame, column, network=toy)
        assert table["n_cases"].iloc[:-1].sum() == table["n_cases"].iloc[-1] == 4
        # the blank cells are a group with a name a reader can see, before "all"
        assert list(table["group"].iloc[-2:]) == ["(blank)", "all"]
        assert "" not in set(table["group"])
    frame["site"] = ["all", "clinic", "clinic", "all"]
    with pytest.raises(BackspasmError, match="group named 'all'"):
        evaluate_by(frame, "site", network=toy)
    frame["site"] = ["(blank)", "clinic", "", "clinic"]
    with pytest.raises(BackspasmError, match=r"group named '\(blank\)'"):
        evaluate_by(frame, "site", network=toy)
    frame["site"] = ["(blank)", "clinic", "clinic", "clinic"]  # no blank cell: a name like any
    assert "(blank)" in set(evaluate_by(frame, "site", network=toy)["group"])


def test_triage_confusion_calls_out_serious_cases_sent_home(toy: Network) -> None:
    frame = pd.DataFrame(
        {
            "p_strain": [0.8, 0.1, 0.3, 0.6],
            "p_stone": [0.1, 0.8, 0.6, 0.3],
            "true_strain": ["yes", "no", "no", "no"],
            "true_stone": ["no", "yes", "yes", "yes"],
            "triage": ["self_care", "emergency", "see_doctor", "self_care"],
        }
    )
    ev = evaluate(frame, network=toy)
    # Without expected levels, none is made up from the cause (the triage policy sends
    # some serious causes to a doctor): no matrix, no emergency counts, and the
    # summary says why; the serious causes sent home are still counted.
    assert ev.triage is None
    assert (ev.emergency_self_care, ev.n_emergency) == (None, None)
    assert (ev.serious_self_care, ev.n_serious) == (1, 3)
    summary = dict(zip(ev.summary()["metric"], ev.summary()["value"], strict=True))
    assert summary["triage"] == "no expected_triage column, not compared"
    assert summary["serious-cause cases triaged self_care"] == 1
    assert "emergency cases" not in summary
    assert "emergency cases triaged self_care" not in summary
    blank = evaluate(frame.assign(expected_triage=""), network=toy)
    assert blank.triage is None
    assert blank.triage_note == "expected_triage blank in every case evaluated, not compared"
    # a scored file whose triage column was dropped said nothing at all about triage
    levels = ["self_care", "emergency", "see_doctor", "see_doctor"]
    dropped = evaluate(frame.drop(columns="triage").assign(expected_triage=levels), network=toy)
    assert dropped.triage is None
    assert dropped.triage_note.startswith("the scored file has no triage column")
    given = evaluate(
        frame.assign(expected_triage=["self_care", "emergency", "see_doctor", "see_doctor"]),
        network=toy,
    )
    assert given.triage is not None
    assert given.triage.loc["see_doctor"].tolist() == [0, 1, 1]
    # Given levels change what counts as an emergency, not which causes are serious:
    # the last stone was sent home though only a doctor's visit was expected.
    assert (given.serious_self_care, given.n_serious) == (1, 3)
    assert (given.emergency_self_care, given.n_emergency) == (0, 1)
    assert "emergency cases triaged self_care" in set(given.summary()["metric"])
    assert given.triage_note is None
    assert given.triage_agreement == pytest.approx(3 / 4)  # the last stone disagrees
    assert np.isnan(ev.triage_agreement)  # not compared: no agreement, not 0
    # The cases behind the dangerous counts are named, by the file's row from 1.
    assert given.sent_home.to_dict("list") == {
        "row": [4],
        "true_cause": ["stone"],
        "expected_triage": ["see_doctor"],
    }
    # An expected emergency sent home is named too, whatever its cause.
    urgent = evaluate(
        frame.assign(
            case_id=[" a1", "a2", "a3", "a4"],
            expected_triage=["emergency", "emergency", "see_doctor", "see_doctor"],
        ),
        network=toy,
    )
    assert urgent.emergency_self_care == 1
    assert urgent.sent_home[["row", "case_id", "true_cause"]].to_dict("list") == {
        "row": [1, 4],
        "case_id": ["a1", "a4"],
        "true_cause": ["strain", "stone"],
    }
    assert urgent.to_dict()["sent_home"][0]["case_id"] == "a1"
    assert "Triaged self_care with a serious cause" in urgent._repr_html_()
    assert ev.sent_home["row"].tolist() == [4]  # without expected levels: the serious cause
    assert "triage agreement" not in summary
    with pytest.raises(EvidenceError, match="expected_triage"):
        evaluate(frame.assign(expected_triage="urgent"), network=toy)


def _two_sites() -> pd.DataFrame:
    """Four scored cases at two sites, one without an expected triage level."""
    return pd.DataFrame(
        {
            "p_strain": [0.8, 0.1, 0.3, 0.6],
            "p_stone": [0.1, 0.8, 0.6, 0.3],
            "true_cause": ["strain", "stone", "stone", "stone"],
            "triage": ["self_care", "emergency", "see_doctor", "self_care"],
            "expected_triage": ["self_care", "", "see_doctor", "emergency"],
            "site": ["a", "a", "b", "b"],
        }
    )


def test_triage_is_compared_only_on_the_cases_that_expect_a_level(toy: Network) -> None:
    frame = _two_sites()
    ev = evaluate(frame, network=toy)
    assert ev.triage is not None
    assert int(ev.triage.to_numpy().sum()) == ev.n_triage == 3  # the blank row is left out
    assert (ev.emergency_self_care, ev.n_emergency) == (1, 1)
    assert (ev.serious_self_care, ev.n_serious) == (1, 3)  # every row: from the cause
    summary = dict(zip(ev.summary()["metric"], ev.summary()["value"], strict=True))
    assert summary["triage"] == "compared on the 3 of 4 cases with an expected_triage"
    assert summary["emergency cases"] == 1
    data = json.loads(json.dumps(ev.to_dict()))
    assert (data["n_triage"], data["n_emergency"]) == (3, 1)
    # The agreement is printed, not left to be summed from the matrix: 2 of the 3.
    assert ev.triage_agreement == pytest.approx(2 / 3)
    assert summary["triage agreement"] == pytest.approx(2 / 3)
    assert summary["cases with an expected triage"] == 3
    assert data["triage_agreement"] == pytest.approx(2 / 3)
    table = evaluate_by(frame, "site", network=toy).set_index("group")
    assert table.loc["a", "triage_agreement"] == 1.0  # one case compared, and it agrees
    assert table.loc["b", "triage_agreement"] == 0.5
    assert table.loc["all", "triage_agreement"] == pytest.approx(2 / 3)
    assert table.loc["a", "n_emergency"] == 0
    alone = evaluate_by(frame.drop(columns="expected_triage"), "site", network=toy)
    assert alone["triage_agreement"].isna().all()
    assert alone["n_emergency"].isna().all()
    assert list(alone["serious_self_care"]) == [0, 1, 1]


def test_a_share_s_interval_is_wilson_s() -> None:
    # Textbook values (Newcombe 1998, Stat Med 17:857, table I): 0 of 10 reads 0-0.278,
    # and a share of 1 keeps a lower bound below 1, unlike share +- 1.96 SE.
    assert share_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert share_interval(8, 8) == pytest.approx((0.6756, 1.0), abs=1e-4)
    assert share_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    low, high = share_interval(50, 100)
    assert (low + high) / 2 == pytest.approx(0.5)
    assert high - low < 2 * 1.96 * 0.05  # a little narrower than the Wald interval
    assert all(math.isnan(x) for x in share_interval(0, 0))


def test_accuracies_and_agreement_come_with_their_intervals(toy: Network) -> None:
    frame = _two_sites()
    ev = evaluate(frame, network=toy)
    assert ev.top1 == 0.75  # the last stone ranks second
    assert ev.top1_interval == pytest.approx(share_interval(3, 4))
    assert ev.top1_interval[0] < 0.75 < ev.top1_interval[1]
    assert ev.top3_interval == pytest.approx(share_interval(4, 4))
    assert ev.triage_interval == pytest.approx(share_interval(2, 3))  # the blank row is out
    summary = dict(zip(ev.summary()["metric"], ev.summary()["value"], strict=True))
    low, high = share_interval(3, 4)
    assert summary["top-1 accuracy, 95% CI"] == f"{low:.3f}-{high:.3f}"
    assert "triage agreement, 95% CI" in summary
    data = json.loads(json.dumps(ev.to_dict()))
    assert data["top1_interval"] == pytest.approx([low, high])
    assert data["triage_interval"] == pytest.approx(list(share_interval(2, 3)))
    table = evaluate_by(frame, "site", network=toy).set_index("group")
    assert table.loc["b", ["top1_low", "top1_high"]].tolist() == pytest.approx(
        list(share_interval(1, 2))
    )
    assert table.loc["all", "top3_low"] == pytest.approx(ev.top3_interval[0])
    # Without cases with a cause there is no share and no interval line.
    none = evaluate(frame.assign(true_cause="none"), network=toy)
    assert all(math.isnan(x) for x in none.top1_interval)
    assert "top-1 accuracy, 95% CI" not in set(none.summary()["metric"])


def test_to_dict_is_json_and_html_renders(toy: Network) -> None:
    frame = scored_toy(
        [0.9, 0.2, 0.4],
        [0.1, 0.7, 0.5],
        true_strain=["yes", "no", "no"],
        true_stone=["no", "no", "no"],
        triage=["self_care", "see_doctor", "self_care"],
        expected_triage=["self_care", "self_care", "self_care"],
    )
    ev = evaluate(frame, network=toy)
    data = json.loads(json.dumps(ev.to_dict(), allow_nan=False))
    assert data["per_cause"][1]["auc"] is None  # no stone anywhere: undefined
    assert data["triage"]["levels"] == ["emergency", "see_doctor", "self_care"]
    html = ev._repr_html_()
    assert "Per cause" in html
    assert "Triage" in html
    unexpected = evaluate(frame.drop(columns="expected_triage"), network=toy)
    data = json.loads(json.dumps(unexpected.to_dict(), allow_nan=False))
    assert (data["triage"], data["n_emergency"]) == (None, None)
    assert data["triage_note"] == "no expected_triage column, not compared"
    html = unexpected._repr_html_()
    assert "Triage (rows expected" not in html
    assert "triage: no expected_triage column, not compared" in html


# ------------------------------------------------------------------ the data files


@pytest.fixture(scope="module")
def vignettes() -> pd.DataFrame:
    return pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)


def test_vignettes_cover_every_cause_in_the_contract(
    vignettes: pd.DataFrame, net: Network
) -> None:
    assert len(vignettes) >= 60
    assert vignettes["case_id"].is_unique
    contract = {q.column for q in questions_for(net)}
    extra = set(vignettes.columns) - contract
    assert extra == {"source", "source_kind", "expected_cause", "expected_triage", "vignette"}
    assert (vignettes["source"].str.len() > 20).all()  # every case is cited
    # written to teach or test, or a real patient reported because unusual
    assert set(vignettes["source_kind"]) == {"teaching", "case_report"}
    assert set(vignettes["expected_cause"]) == set(net.causes)
    assert set(vignettes["expected_triage"]) == {"emergency", "see_doctor", "self_care"}
    assert (vignettes["vignette"].str.len() > 30).all()
    assert not set(vignettes.columns) & set(net.causes)  # no cause given away


def test_evaluate_scores_the_vignettes(vignettes: pd.DataFrame, net: Network) -> None:
    ev = evaluate(vignettes, network=net)
    assert isinstance(ev, Evaluation)
    assert ev.n_cases == len(vignettes)
    assert ev.n_excluded == 0
    assert ev.triage is not None
    assert int(ev.triage.to_numpy().sum()) == len(vignettes)
    assert ev.serious_self_care is not None
    # Guard rails at the measured level, not the targets (top-1 0.80, top-3 0.95):
    # published case reports are sparse and often atypical, so the network, calibrated
    # to primary care, ranks non-specific strain first for many of them.
    # Measured after the thirteenth pass (W01-W14, mostly gallstones and spinal
    # infections; X01-X13 less two, mostly back-muscle pain seen by physiotherapists;
    # Y01-Y29, teaching cases; all collected without running the model) and three
    # blind audits of the cells: 45 of 150 first, 75 in the top three; 46 first once
    # pyelonephritis took the emergency setting as a parent (Nagayama14). Z01-Z06 less
    # Z02 (arthritis, curvature, core weakness; sparse abstracts): 46 and 77 of 155;
    # 45 and 78 once not improving after a month depends on the duration (Dunn06);
    # 44 and 76 once the durations of first-contact consulters came from cohorts that
    # did not select acute pain (MATCH18, IMPaCT14): chronic pain now points to
    # stenosis less (P12 and P14 second, Y03 and Y07 fourth) and acute pain to a disc
    # more (X12 first); 45 once unexplained weight loss got a leak inside the range of
    # the primary-care sources (Henschke09, Nicholson18; V01, a tumour, first); 46 once
    # a spinal infection explained cauda equina signs at its first-presentation rate
    # (Bart16, Davis04; F06, low potassium after a spinal injection, first again).
    # 44 and 78 once the inflammatory-back-pain items took Braun11's axial SpA column,
    # the disease the node stands for, not its radiographic-AS one (S03 and Y13,
    # spondylitis, second; S31, Y03 and Z01 into the top three). 43 once weakness
    # from low potassium took the severity mix of the literature (most low potassium
    # is mild and never weakens, Marti14, Krogager20, Paice86): F04 and F06, severe
    # low potassium with weakness of both legs, second and third behind strain.
    # 77 in the top three once a slipped vertebra took the hamstring tightness a
    # review gives it (80%, Perrin20): X09, myofascial back pain in a young man who
    # cannot touch his toes, fourth behind spondylolisthesis. 76 once stiffness of any
    # kind took the share read among other chronic back pain (79% reported morning
    # stiffness, Arnbak16), under which it no longer points to spinal inflammation:
    # S06, an abscess whose stiff neck was meningism, sixth. 75 once the
    # anti-inflammatory question took Braun11's figures (no response: likelihood
    # ratio 0.13 for spondylitis): Y13, a spondylitis whose source says full-dose
    # anti-inflammatories did not help, ninth. Both unchanged when the young rows of
    # spondylitis took the 5% of chronic back pain begun before 45 (Rudwaleit04,
    # vanHoeven15): eight of its cases climbed one to three places and S03 stays
    # second, strain's posterior only 1.03 times its own; none became first. 74 once
    # a fourth blind audit of the encodings answered W07's weight training as a sport
    # that arches the back (W07, tight back muscles, fourth behind spondylolysis).
    # 42 once cramps elsewhere took the rise of rest cramps with age (Naylor94: 37% of
    # people 50 and over, 54% at 80): F09, hypoparathyroidism with hand spasms and
    # cramps at 48, second behind strain (its posterior 1.03 times her calcium's).
    # 41 of 154 and 74 once a fifth blind audit took out S24, a kidney infection
    # ranked first whose source gives no back or flank pain at all (cases without
    # back pain were always left out), and corrected eight cells of five cases. 40
    # of 153 and 73 once a seventh took out S20, a stone first, whose source gives no
    # back or flank pain either.
    assert ev.top1 >= 40 / 153 - 1e-9
    assert ev.top3 >= 73 / 153 - 1e-9
    # One case that needed the emergency department is sent home: W13, a spinal
    # infection whose source states only four days of low back pain in a 47-year-old
    # man, an answer set the network cannot tell from everyday back pain.
    assert (ev.emergency_self_care, ev.n_emergency) == (1, 40)
    # Eight of the 68 cases with a serious cause are (S02, Y11 and Y15 spondylitis,
    # S18 a stone, S27 and S29 tumours, V11 a kidney infection, W13 above): their
    # answers are age, sex, where it hurts and at most a risk factor, or a finding
    # that weighs little: leg pain (S27), which a tumour explains only through a
    # pinched nerve root, as a disc does far more often; pain easing with exercise
    # (Y15), which most back pain in primary care does too (Braun11). Without a
    # duration neither spondylitis case meets NICE NG65's referral criteria. A guard
    # rail, not the target (none).
    assert ev.n_serious == 68
    assert ev.serious_self_care <= 8
    assert ev.mean_auc > 0.75
    from_file = evaluate(DATA / "vignettes.csv", network=net)
    assert from_file.top1 == ev.top1


def test_vignettes_written_to_teach_are_ranked_better_than_case_reports(
    vignettes: pd.DataFrame, net: Network
) -> None:
    # The kind of source was assigned from the citation alone, without the model's
    # output. Teaching cases (question banks, textbook and review vignettes) carry the
    # typical features; case reports are published because a patient was unusual.
    # Measured: teaching 34 of 73 first (V14 rose when the care setting became an odds
    # ratio), 45 in the top three, triage 62 of 73 (61 until a Murphy's sign sent
    # gallstones to the emergency department, as W01 expects; 62 before the disc left
    # the duration's parents, when P07 passed the 50% structural cut-off); case reports
    # 11 of 82 (F06 fell behind strain) and 31 of 82. Teaching 32 and 47 once the
    # inflammatory-back-pain items took Braun11's axial SpA column (S03 and Y13 second);
    # 46 once the anti-inflammatory question did too (Y13, which full-dose
    # anti-inflammatories did not help, ninth). 72 teaching cases once S24, which has no
    # back pain, left the file (32, 46 and 63 unchanged); 71 once S20, a stone first
    # without back pain, left it too (31, 45; triage 61 once X03's weakness of both
    # legs on examination met the emergency flag and F19's weakness the see-a-doctor
    # one, where their physiotherapy sources expect self-care). Guard rails at the
    # measured level.
    teaching = evaluate(vignettes[vignettes["source_kind"] == "teaching"], network=net)
    reports = evaluate(vignettes[vignettes["source_kind"] == "case_report"], network=net)
    assert (teaching.n_cases, reports.n_cases) == (71, 82)
    assert teaching.top1 >= 31 / 71 - 1e-9
    assert teaching.top3 >= 45 / 71 - 1e-9
    assert teaching.triage is not None
    assert int(teaching.triage.to_numpy().trace()) >= 61
    assert teaching.top1 > reports.top1


def test_evaluate_by_gives_each_group_its_own_evaluation(
    vignettes: pd.DataFrame, net: Network
) -> None:
    table = evaluate_by(vignettes, "source_kind", network=net)
    assert list(table["group"]) == ["case_report", "teaching", "all"]
    whole = evaluate(vignettes, network=net)
    alone = evaluate(vignettes[vignettes["source_kind"] == "teaching"], network=net)
    rows = table.set_index("group")
    assert rows.loc["all", "n_cases"] == whole.n_cases == len(vignettes)
    assert rows.loc["all", "top1"] == pytest.approx(whole.top1)
    assert rows.loc["teaching", "top3"] == pytest.approx(alone.top3)
    assert rows.loc["teaching", "mean_auc"] == pytest.approx(alone.mean_auc)
    assert alone.triage is not None
    agree = alone.triage.to_numpy().trace() / alone.n_cases
    assert rows.loc["teaching", "triage_agreement"] == pytest.approx(agree)
    assert rows["n_cases"].iloc[:-1].sum() == len(vignettes)
    with pytest.raises(BackspasmError, match="Did you mean 'source_kind'"):
        evaluate_by(vignettes, "source_knd", network=net)


def test_evaluate_groups_scores_the_file_once_for_the_whole_and_its_groups(
    vignettes: pd.DataFrame, net: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `backspasm evaluate FILE --by COLUMN` prints both; the disablement (one exact
    # query per cause on its twin network) used to be computed three times.
    import backspasm.learning.evaluation as evaluation

    calls: list[int] = []
    real = evaluation._disablement

    def counted(frame, ok, causes, network):  # type: ignore[no-untyped-def]
        calls.append(int(ok.sum()))
        return real(frame, ok, causes, network)

    monkeypatch.setattr(evaluation, "_disablement", counted)
    some = vignettes.iloc[::10].reset_index(drop=True)
    whole, table = evaluate_groups(some, "source_kind", network=net, rank="disablement")
    assert calls == [len(some)]
    assert table is not None
    rows = table.set_index("group")
    assert rows.loc["all", "top1"] == whole.top1
    alone = evaluate(some[some["source_kind"] == "teaching"], network=net, rank="disablement")
    assert rows.loc["teaching", "top1"] == pytest.approx(alone.top1)
    plain, none = evaluate_groups(some, None, network=net)
    assert none is None
    assert plain.top1 == evaluate(some, network=net).top1


def test_vignettes_ranked_by_expected_disablement(vignettes: pd.DataFrame, net: Network) -> None:
    # Richens et al. (2020) rank causes by how much of the presentation they explain.
    # Measured: 51 of 155 first and 94 in the top three (posterior: 46 and 76); 53 and
    # 92 once stiffness of any kind took the 79% read among other chronic back pain
    # (Arnbak16) and stopped pointing to spinal inflammation (posterior: 44 and 76);
    # 52 and 92 once Y13, a spondylitis that anti-inflammatories did not help, lost
    # its first place to the anti-inflammatory question (posterior: 44 and 75); 51 of
    # 154 and 93 once S24, a kidney infection without back pain, left the file; 50 of
    # 153 and 92 once S20, a stone without back pain, did too.
    by_posterior = evaluate(vignettes, network=net)
    ev = evaluate(vignettes, network=net, rank="disablement")
    assert ev.rank == "disablement"
    assert ev.summary()["value"].iloc[0] == "expected disablement"
    assert ev.top1 >= 50 / 153 - 1e-9
    assert ev.top3 >= 92 / 153 - 1e-9
    # Only the ranking changes: the probabilistic scores are the posteriors'.
    assert ev.mean_auc == by_posterior.mean_auc
    assert ev.brier == by_posterior.brier
    assert json.loads(json.dumps(ev.to_dict()))["rank"] == "disablement"
    with pytest.raises(BackspasmError, match="posterior, disablement"):
        evaluate(vignettes, network=net, rank="odds")


def test_synthetic_cases_file_is_reproducible(net: Network) -> None:
    shipped = pd.read_csv(DATA / "synthetic_cases.csv", dtype=str, keep_default_na=False)
    assert len(shipped) == 5000
    fresh = sample_cases(5000, network=net, seed=2026, missing=0.3)
    text = fresh.to_csv(index=False, lineterminator="\n")
    assert (
        hashlib.sha256(text.encode()).hexdigest()
        == hashlib.sha256((DATA / "synthetic_cases.csv").read_bytes()).hexdigest()
    ), "stale: rerun `python scripts/make_synthetic_cases.py`"


# ------------------------------------------------------------------------- figures


@pytest.fixture(scope="module")
def synthetic_evaluation(net: Network) -> Evaluation:
    return evaluate(sample_cases(1500, network=net, seed=21), network=net)


@pytest.mark.usefixtures("figures_closed")
def test_plot_calibration_draws_the_table(synthetic_evaluation: Evaluation) -> None:
    ev = synthetic_evaluation
    ax = plot_calibration(ev)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"perfect calibration", "all causes"}
    table = ev.calibration[ev.calibration["cause"] == "all"]
    np.testing.assert_allclose(lines["all causes"].get_xdata(), table["mean_predicted"])
    np.testing.assert_allclose(lines["all causes"].get_ydata(), table["observed_rate"])
    assert ax.get_title(loc="left").startswith("Calibration: all causes")
    assert ax.get_xlabel()
    assert ax.get_ylabel()
    assert ax.get_legend() is not None
    _fig, axes = plt.subplots(1, 2)
    drawn = plot_calibration(ev, ax=axes[1], cause="spinal_arthritis")
    assert drawn is axes[1]
    assert "spinal_arthritis" in [line.get_label() for line in drawn.get_lines()]
    with pytest.raises(BackspasmError, match="Did you mean 'spinal_arthritis'"):
        plot_calibration(ev, cause="spinal_arthritus")


@pytest.mark.usefixtures("figures_closed")
def test_plot_roc_draws_one_curve_per_cause(synthetic_evaluation: Evaluation) -> None:
    ev = synthetic_evaluation
    ax = plot_roc(ev, min_cases=1)
    labels = [line.get_label() for line in ax.get_lines()]
    with_curve = list(dict.fromkeys(ev.roc["cause"]))
    assert labels[0] == "chance"
    assert len(labels) == len(with_curve) + 1
    auc = ev.per_cause.set_index("cause")["auc"]
    for cause, label in zip(with_curve, labels[1:], strict=True):
        assert label == f"{cause} (AUC {auc[cause]:.2f})"
    assert ax.get_title(loc="left").startswith("ROC per cause")
    assert ax.get_legend() is not None
    two = plot_roc(ev, causes=["kidney_stones", "herniated_disc"])
    assert len(two.get_lines()) == 3
    curve = ev.roc[ev.roc["cause"] == "herniated_disc"]
    np.testing.assert_allclose(two.get_lines()[2].get_xdata(), curve["fpr"])
    with pytest.raises(BackspasmError, match="Did you mean 'kidney_stones'"):
        plot_roc(ev, causes=["kidney_stone"])


def test_toml_writer_round_trips_every_declaration(net: Network, tmp_path: Path) -> None:
    text = spec_to_toml(
        net.spec, {}, key="fit_test", citation="a test", note="nothing fitted", why="", header="x"
    )
    path = tmp_path / "same.toml"
    path.write_text(text, encoding="utf-8")
    again = load_network(path)
    assert again.fingerprint() == net.fingerprint()
    for name, node in net.spec.nodes.items():
        assert list(again.spec.nodes[name].parameters()) == list(node.parameters()), name
        assert again.label(name) == net.label(name)
        assert again.label_no(name) == net.label_no(name), name  # "Can touch toes"
    assert again.label_no("cannot_touch_toes") == "Can touch toes"
    assert set(again.spec.sources) == {*net.spec.sources, "fit_test"}
    # the triage policy too, its timeframes included (fit dropped within_hours)
    assert again.spec.triage is not None
    assert net.spec.triage is not None
    assert again.spec.triage.causes == net.spec.triage.causes
    assert again.spec.triage.flags == net.spec.triage.flags
    assert any(rule.within_hours for rule in again.spec.triage.causes)


def test_a_small_chunk_that_accepts_nobody_by_chance_is_no_error(net: Network) -> None:
    # With 20 draws a chunk, about 6% of chunks hold no presenter (P = 0.13 each);
    # sampling gave up on the first one, for 14 of 20 seeds.
    for seed in range(20):
        assert len(sample_cases(50, network=net, seed=seed, chunk=20)) == 50


def test_fit_reads_a_cause_label_column_as_evaluate_does():
    # fit ignored expected_cause / true_cause, which evaluate reads as the truth: on the
    # vignettes every cause was fitted as unobserved, without a word.
    from backspasm.learning.cases import case_evidence
    from backspasm.network import default_network

    net = default_network()
    cases = pd.DataFrame(
        {"fever": ["yes", "no", "no", ""], "expected_cause": ["pyelonephritis", "none", "", "x"]}
    )
    with pytest.raises(EvidenceError, match="'x' is not a cause"):
        case_evidence(cases, net, use_truth=True)
    cases.loc[3, "expected_cause"] = "kidney_stones; gallstones"
    codes = case_evidence(cases, net, use_truth=True)
    yes = {c: net.states(c).index("yes") for c in net.causes}
    no = {c: net.states(c).index("no") for c in net.causes}
    assert codes["pyelonephritis"].tolist() == [
        yes["pyelonephritis"],
        no["pyelonephritis"],
        -1,
        -1,
    ]
    assert codes["kidney_stones"].tolist() == [-1, no["kidney_stones"], -1, yes["kidney_stones"]]
    assert codes["gallstones"][3] == yes["gallstones"]
    assert "pyelonephritis" not in case_evidence(cases, net, use_truth=False)


def test_fit_keeps_the_edits_of_tables_it_does_not_fit() -> None:
    # The fitted knowledge base wrote every unfitted table from its declaration, so an
    # edited complication (or the frozen back_spasm) silently went back to the
    # bundled numbers; the fit must start from, and keep, the network it is given.
    edited = load_network()
    for node in ("back_spasm", "sepsis"):
        values = edited.model.get_cpds(node).values
        values[1] *= 0.5
        values[0] = 1 - values[1]
    cases = sample_cases(120, network=edited, seed=1, missing=0.3)
    fit = fit_network(cases, network=edited, max_iter=1)
    assert "back_spasm" not in fit.fitted
    assert "sepsis" not in fit.fitted
    for node in ("back_spasm", "sepsis"):
        kept = fit.network.model.get_cpds(node).get_values()
        assert np.allclose(kept, edited.model.get_cpds(node).get_values(), atol=1e-9), node
    assert "edited in network.model before the fit" in fit.spec_toml
    untouched = fit_network(cases, network=load_network(), max_iter=1)
    assert "edited in network.model" not in untouched.spec_toml


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ([-0.2, 1.2], "the table of node 'sex' holds -0.2; every probability"),
        ([0.3, 0.3], "the column of the table of node 'sex' sums to 0.6, not 1"),
    ],
)
def test_sampling_and_fitting_refuse_an_edited_table_diagnose_refuses(values, said) -> None:
    # diagnose refused these tables; sample_cases drew from them without a word (a
    # negative P(female) gave 138 men of 138) and fit_network took them as its prior.
    edited = load_network()
    edited.model.get_cpds("sex").values = np.array(values)
    with pytest.raises(BackspasmError, match=re.escape(said)):
        sample_cases(20, network=edited, seed=1)
    with pytest.raises(BackspasmError, match=re.escape(said)):
        fit_network(sample_cases(20, seed=1), network=edited, max_iter=1)


def test_evaluate_names_the_rows_left_out_for_a_scoring_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only "rows excluded (scoring error) 1" was said: not which row, nor why.
    cases = tmp_path / "labels.csv"
    cases.write_text(
        "case_id,age,fever,expected_cause\nA,45,yes,muscle_strain\nB,30,no,muscle_strain\n"
        "D,50,maybe,kidney_stones\n"
    )
    ev = evaluate(cases)
    assert ev.n_excluded == 1
    error = "fever: 'maybe' is not allowed (yes/no, y/n, true/false or 1/0)"
    assert ev.excluded == ({"row": 3, "case_id": "D", "error": error},)
    assert ev.to_dict()["excluded"] == [{"row": 3, "case_id": "D", "error": error}]
    summary = dict(zip(ev.summary()["metric"], ev.summary()["value"], strict=True))
    assert summary["  row 3 (D)"].startswith("fever: 'maybe' is not allowed")
    assert cli_main(["evaluate", str(cases)]) == 0
    assert re.search(r"row 3 \(D\)\s+fever: 'maybe' is not allowed", capsys.readouterr().out)


def test_evaluate_by_leaves_out_a_blank_group_with_no_case_evaluated(toy: Network) -> None:
    # It printed a group with an empty label and n_cases 0 (the rows without truth).
    frame = scored_toy(
        [0.7, 0.2, 0.6, 0.4], [0.1, 0.9, 0.5, 0.3], true_cause=["strain", "stone", "", ""]
    )
    frame["sex"] = ["female", "male", "", ""]
    table = evaluate_by(frame, "sex", network=toy)
    assert list(table["group"]) == ["female", "male", "all"]
    assert table["n_cases"].tolist() == [1, 1, 2]


def test_evaluate_by_names_the_file_and_row_of_a_bad_cell(
    vignettes: pd.DataFrame, tmp_path: Path
) -> None:
    # evaluate said "vignettes.csv: ... row 4"; grouped by a column, the same cell was
    # reported without the file's name (the file was read, then passed on as a frame).
    bad = vignettes.copy()
    bad.loc[3, "expected_cause"] = "sciatica"
    path = tmp_path / "vignettes.csv"
    bad.to_csv(path, index=False)
    for call in (lambda: evaluate(path), lambda: evaluate_by(path, "source_kind")):
        with pytest.raises(EvidenceError, match=r"^vignettes\.csv: .*row 4.*sciatica"):
            call()


def test_evaluating_a_frame_does_not_write_it_out_as_text(
    vignettes: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A frame was hashed through its whole CSV text, thrown away at once: a frame of
    # a million rows held a second time, as one string, only to be evaluated.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the frame was written out as CSV text")

    expected = evaluate(vignettes)
    monkeypatch.setattr(pd.DataFrame, "to_csv", refuse)
    assert evaluate(vignettes).top1 == expected.top1
    assert evaluate_by(vignettes, "source_kind")["n_cases"].iloc[-1] == len(vignettes)


def test_fit_names_the_file_case_and_answers_of_an_impossible_row(tmp_path: Path) -> None:
    # "Row 7 has probability zero under the network's structure" named neither the
    # file, nor the case, nor the answers that cannot go together
    cases = sample_cases(20, seed=3)
    cases.loc[6, ["sex", "recent_pregnancy_or_childbirth"]] = ["male", "yes"]
    path = tmp_path / "impossible.csv"
    cases.to_csv(path, index=False)
    with pytest.raises(EvidenceError) as info:
        fit_network(path, max_iter=1)
    said = str(info.value)
    assert said.startswith("impossible.csv: Row 7 has probability zero")
    assert f"case_id={cases.loc[6, 'case_id']}" in said
    assert "sex=male" in said
    assert "recent_pregnancy_or_childbirth=yes" in said


def test_fit_merges_a_repeated_column_as_score_does_and_refuses_a_clash(tmp_path: Path) -> None:
    # Fit read only the first of two 'fever' columns: the second's answers were lost.
    from backspasm.scoring import ScoringWarning

    net = default_network()
    cases = sample_cases(300, network=net, seed=5)[["case_id", "age", "fever", "sex"]]
    fever = cases["fever"].astype(str)
    blank_first = fever.where(cases.index % 2 == 0, "")  # half the answers in each copy
    blank_second = fever.where(cases.index % 2 == 1, "")
    split = pd.DataFrame(
        {"case_id": cases["case_id"], "age": cases["age"], "fever": blank_first}
    ).assign(sex=cases["sex"])
    split.insert(3, "fever.1", blank_second)  # as pandas' read_csv names a second 'fever'
    whole = fit_network(cases, network=net, max_iter=2)
    with pytest.warns(ScoringWarning, match="'fever' appears 2 times; a blank cell takes"):
        merged = fit_network(split, network=net, max_iter=2)
    got = {names[0]: table for names, table in merged.network.spec_tables()}
    for names, table in whole.network.spec_tables():
        assert np.allclose(got[names[0]], table, atol=1e-12)
    clash = split.copy()
    clash.loc[0, "fever.1"] = "no" if clash.loc[0, "fever"] == "yes" else "yes"
    clash.loc[0, "fever"] = "no" if clash.loc[0, "fever.1"] == "yes" else "yes"
    with (
        pytest.warns(ScoringWarning),
        pytest.raises(EvidenceError, match=r"row 1: fever: the column appears 2 times"),
    ):
        fit_network(clash, network=net, max_iter=2)


def test_evaluate_prints_the_library_report(capsys: pytest.CaptureFixture[str]) -> None:
    # The command only prints: the text is groups_report's, the whole file's part
    # Evaluation.report's, so a notebook gets what `backspasm evaluate` says.
    path = str(DATA / "vignettes.csv")
    whole, table = evaluate_groups(path, "source_kind")
    assert cli_main(["evaluate", path, "--by", "source_kind"]) == 0
    assert capsys.readouterr().out == groups_report(whole, table, "source_kind") + "\n"
    assert groups_report(whole, None, None) == whole.report()
    assert "\nby source_kind\n" in groups_report(whole, table, "source_kind")
