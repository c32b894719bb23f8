"""Two knowledge bases compared on the same cases (backspasm.learning.comparison)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backspasm.cli import main
from backspasm.exceptions import BackspasmError
from backspasm.learning import compare_networks, evaluate
from backspasm.learning.metrics import mcnemar_exact
from backspasm.network import Network, default_network, load_network
from backspasm.scoring import score_cases
from helpers import bundled_variant

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def vignettes() -> pd.DataFrame:
    """Published cases of three causes: curvature, strain and stones."""
    cases = pd.read_csv(DATA / "vignettes.csv", dtype=str, keep_default_na=False)
    keep = cases["expected_cause"].isin(["spinal_curvature", "muscle_strain", "kidney_stones"])
    return cases[keep].drop(columns=["source", "source_kind", "vignette"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def more_curvature(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled knowledge with a hundredfold curvature leak (5% of presenters, not 0.05%)."""
    return bundled_variant(
        tmp_path_factory.mktemp("kb") / "more_curvature",
        "causes.toml",
        r'(leak = \{ p = )0\.00052(, source = "Perennou94")',
        r"\g<1>0.052\g<2>",
    )


def _places(scored: pd.DataFrame, truth: pd.Series, net: Network) -> np.ndarray:
    """Each case's place of its expected cause, from the scored posteriors alone."""
    probs = scored[[f"p_{c}" for c in net.causes]].astype(float).to_numpy()
    own = probs[np.arange(len(probs)), [net.causes.index(c) for c in truth]]
    return 1 + (np.round(probs, 12) > np.round(own, 12)[:, None]).sum(axis=1)


def test_a_network_against_itself_changes_nothing(vignettes) -> None:
    net = default_network()
    result = compare_networks(vignettes, net, baseline=net)
    assert result.n_compared == len(vignettes)
    assert (result.top1_gained, result.top1_lost, result.top1_p) == (0, 0, 1.0)
    assert (result.top3_gained, result.top3_lost, result.top3_p) == (0, 0, 1.0)
    assert result.moved().empty
    summary = result.summary()
    assert summary["baseline"].tolist() == summary["candidate"].tolist()


def test_every_moved_case_and_count_is_what_the_two_scorings_say(
    vignettes, more_curvature
) -> None:
    variant = load_network(more_curvature)
    result = compare_networks(vignettes, variant)
    answers = vignettes.drop(columns=["expected_cause", "expected_triage"])
    truth = vignettes["expected_cause"]
    before = _places(score_cases(answers), truth, default_network())
    after = _places(score_cases(answers, network=variant), truth, variant)
    assert result.cases["rank_baseline"].tolist() == before.tolist()
    assert result.cases["rank_candidate"].tolist() == after.tolist()
    for k, counts in ((1, result.top1_gained), (3, result.top3_gained)):
        gained = int(((after <= k) & (before > k)).sum())
        lost = int(((before <= k) & (after > k)).sum())
        p = result.top1_p if k == 1 else result.top3_p
        assert counts == gained
        assert (result.top1_lost if k == 1 else result.top3_lost) == lost
        assert p == mcnemar_exact(gained, lost)
    # Six curvature cases reach the top three (none first: strain keeps it), none
    # leaves it: p = 2 / 2^6.
    assert (result.top3_gained, result.top3_lost) == (6, 0)
    assert result.top3_p == pytest.approx(2 / 2**6)
    # The two evaluations are evaluate's; their top-3 differ by the net gain.
    assert result.baseline.top3 == evaluate(vignettes).top3
    assert result.candidate.top3 == evaluate(vignettes, network=variant).top3
    assert result.candidate.top3 - result.baseline.top3 == pytest.approx(6 / result.n_compared)
    # Curvature cases rise, the others fall (explained away); the largest rise first.
    moved = result.moved()
    assert list(moved.index) == list(range(len(moved)))
    shift = moved["rank_baseline"] - moved["rank_candidate"]
    assert shift.is_monotonic_decreasing
    curve = moved["true_cause"] == "spinal_curvature"
    assert curve.sum() == 9
    assert (moved.loc[curve, "p_candidate"] > moved.loc[curve, "p_baseline"]).all()
    assert (moved.loc[~curve, "rank_candidate"] > moved.loc[~curve, "rank_baseline"]).all()
    assert set(moved["case_id"]) <= set(vignettes["case_id"])


def test_mcnemar_s_exact_p_is_twice_the_smaller_binomial_tail() -> None:
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 0) == pytest.approx(2 / 32)
    assert mcnemar_exact(10, 2) == pytest.approx(2 * (1 + 12 + 66) / 4096)
    assert mcnemar_exact(2, 10) == mcnemar_exact(10, 2)
    assert mcnemar_exact(3, 3) == 1.0
    # Millions of cases do not overflow: about the normal approximation, z = 1.
    assert mcnemar_exact(500_000, 501_000) == pytest.approx(0.318, abs=0.002)


def test_a_scored_file_is_refused(vignettes) -> None:
    scored = score_cases(vignettes.drop(columns=["expected_cause", "expected_triage"]))
    scored["expected_cause"] = vignettes["expected_cause"]
    with pytest.raises(BackspasmError, match=r"scored file .* raw answers"):
        compare_networks(scored, default_network())


def test_the_command_prints_both_networks_the_paired_test_and_the_moved_cases(
    capsys, vignettes, more_curvature, tmp_path
) -> None:
    path = tmp_path / "cases.csv"
    vignettes.to_csv(path, index=False)
    assert main(["evaluate", str(path), "--compare", str(more_curvature)]) == 0
    out = capsys.readouterr().out
    assert "baseline: the bundled network; candidate: " in out
    assert "McNemar's exact test" in out
    assert "cases whose expected cause moved in the ranking" in out
    assert main(["evaluate", str(path), "--compare", str(more_curvature), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_compared"] == len(vignettes)
    assert data["top1"]["p"] == mcnemar_exact(data["top1"]["gained"], data["top1"]["lost"])
    assert {"baseline", "candidate", "moved"} <= set(data)
    assert main(["evaluate", str(path), "--compare", str(more_curvature), "--by", "sex"]) != 0
    assert "not both" in capsys.readouterr().err


def test_the_case_file_is_read_once_for_both_networks(
    vignettes, more_curvature, tmp_path, monkeypatch
) -> None:
    """Comparing two networks on a file reads it once, not once per network and again."""
    from backspasm.learning import cases as readers

    path = tmp_path / "cases.csv"
    vignettes.to_csv(path, index=False)
    reads = []
    real = readers.read_case_table
    monkeypatch.setattr(
        readers, "read_case_table", lambda *a, **k: reads.append(a) or real(*a, **k)
    )
    from_file = compare_networks(path, load_network(more_curvature))
    assert len(reads) == 1
    from_frame = compare_networks(vignettes, load_network(more_curvature))
    assert from_file.cases.equals(from_frame.cases)
    # a bad cell still names the file and the row, as evaluate's messages do
    bad = vignettes.copy()
    bad.loc[2, "expected_cause"] = "sciatica"
    bad.to_csv(path, index=False)
    with pytest.raises(BackspasmError, match=r"^cases\.csv: .*row 3.*sciatica"):
        compare_networks(path, load_network(more_curvature))


def test_two_prepared_scorings_compare_as_the_two_networks_do(vignettes, more_curvature) -> None:
    from backspasm.learning.comparison import compare_prepared
    from backspasm.learning.evaluation import prepare_frame

    candidate = load_network(more_curvature)
    base = prepare_frame(vignettes, network=default_network())
    direct = compare_networks(vignettes, candidate)
    prepared = compare_prepared(base, prepare_frame(vignettes, network=candidate))
    assert prepared.moved().equals(direct.moved())
    assert prepared.summary().equals(direct.summary())
    assert (prepared.top1_gained, prepared.top1_lost) == (direct.top1_gained, direct.top1_lost)
    # scorings of different cases, or ranked differently, are not compared
    with pytest.raises(BackspasmError, match="same cases ranked the same way"):
        compare_prepared(base, prepare_frame(vignettes.head(3), network=candidate))
    with pytest.raises(BackspasmError, match="same cases ranked the same way"):
        compare_prepared(base, prepare_frame(vignettes, network=candidate, rank="odds_factor"))


def test_rows_one_network_cannot_score_are_left_out_of_both_columns(
    vignettes, tmp_path, capsys
) -> None:
    # Under a variant where everyone has exerted themselves, 'recent_exertion = no' is
    # impossible: those rows counted in the baseline's column only, so the two columns
    # of the summary were different cases (the candidate looked worse on top-1 while
    # the paired test said it gained) and the text never named the rows.
    always = bundled_variant(
        tmp_path / "always_exerted",
        "exposures.toml",
        r'(prior = \{ p = )0\.20(, source = "Steffens15")',
        r"\g<1>1.0\g<2>",
    )
    cases = vignettes.copy()
    cases.loc[[0, 3], "recent_exertion"] = "no"
    result = compare_networks(cases, load_network(always))
    assert result.n_left_out == 2
    assert [(r["row"], r["network"]) for r in result.left_out] == [
        (1, "candidate"),
        (4, "candidate"),
    ]
    assert "impossible together" in result.left_out[0]["error"]
    kept = cases.drop(index=[0, 3])
    alone = evaluate(kept.drop(columns=["expected_triage"]), kept["expected_cause"])
    assert result.baseline.n_cases == result.candidate.n_cases == alone.n_cases
    assert result.baseline.top1 == alone.top1
    path = tmp_path / "cases.csv"
    cases.to_csv(path, index=False)
    assert main(["evaluate", str(path), "--compare", str(always)]) == 0
    out = capsys.readouterr().out
    assert "left out of both columns: 2 rows that a network could not score" in out
    assert f"  row 1 ({cases.loc[0, 'case_id']}), the candidate: answers are impossible" in out


def test_every_row_left_out_is_named(vignettes, tmp_path) -> None:
    # Only the first five were kept: 9 rows left out, 5 named, and the README says
    # "left out of both and named" (variant audit, session 58). The data names them
    # all; the text the first 20, then how many more.
    always = bundled_variant(
        tmp_path / "always_exerted",
        "exposures.toml",
        r'(prior = \{ p = )0\.20(, source = "Steffens15")',
        r"\g<1>1.0\g<2>",
    )
    cases = vignettes.head(25).copy()
    cases["recent_exertion"] = "no"
    result = compare_networks(cases, load_network(always))
    assert result.n_left_out == 25
    assert [r["row"] for r in result.left_out] == list(range(1, 26))
    assert len(result.to_dict()["left_out"]) == 25
    text = result.left_out_text()
    assert "row 20 (" in text
    assert "row 21 (" not in text
    assert text.endswith("and 5 more (to_dict() and --json list every one)")


def test_a_row_left_out_says_what_the_network_allows(vignettes, tmp_path) -> None:
    # Under a variant that renames mid_back, the text of a row left out was cut at 60
    # characters: "'mid_back' is not allowed (lower_back, mi..." (export and
    # what-if review, session 52); the values allowed end the message, now whole
    renamed = bundled_variant(
        tmp_path / "renamed", "findings.toml", r"\bmid_back\b", "middle_back"
    )
    for toml in renamed.glob("*.toml"):  # the triage rule that names it too
        toml.write_text(toml.read_text().replace("mid_back", "middle_back"))
    cases = vignettes[vignettes["spasm_location"] == "mid_back"].head(1)
    assert len(cases) == 1
    result = compare_networks(cases, load_network(renamed))
    assert result.n_left_out == 1
    error = result.left_out[0]["error"]
    assert "'mid_back'" in error
    assert "middle_back" in error
    assert error in result.left_out_text()


def test_print_of_an_evaluation_or_comparison_is_its_summary_table() -> None:
    # print(evaluate(...)) gave a dataclass's field dump; the CLI printed the table
    e = evaluate(DATA / "example_cases.csv")
    assert str(e) == e.summary().to_string(index=False)
    assert "top-1 accuracy" in str(e)
    c = compare_networks(DATA / "example_cases.csv", load_network())
    assert str(c) == c.summary().to_string(index=False)
