"""Columns that are not questions are named once, in one warning, when a table is scored.

A researcher who scores a variant's cases without ``--network`` loses the variant's
columns: they are passed through unscored, and before this warning nothing said so
unless a name happened to be close to a bundled question's.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from backspasm.cli import main
from backspasm.learning import evaluate
from backspasm.network import default_network, load_network
from backspasm.scoring import ScoringWarning, score_cases, score_file
from helpers import FLANK_TENDER

DATA = Path(__file__).resolve().parents[2] / "data"
PASSED = "columns passed through unscored (not questions of this network): "


@pytest.fixture(scope="module")
def net():
    return default_network()


def test_score_file_names_the_columns_that_are_not_questions(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_text("case_id,age,positive_slr,zzz_new,blood_urine\nA,40,yes,1,yes\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    assert summary.warnings == (
        "column 'blood_urine' is not a question; did you mean 'blood_in_urine'? It was passed "
        "through unscored.",
        PASSED + "'positive_slr', 'zzz_new'.",  # not case_id, not blood_urine a second time
    )
    assert summary.exit_code == 0


def test_a_file_of_questions_only_gets_no_such_warning(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_text("case_id,age,fever\nA,40,yes\n")
    assert score_file(src, tmp_path / "o.csv", network=net).warnings == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score_cases(pd.DataFrame({"case_id": ["a"], "fever": ["yes"]}), network=net)


def test_score_cases_warns_once_and_a_long_list_is_cut(net):
    extra = {f"x{i:02d}": ["1"] for i in range(13)}
    with pytest.warns(ScoringWarning) as caught:
        scored = score_cases(pd.DataFrame({"fever": ["yes"], **extra}), network=net)
    messages = [str(w.message) for w in caught]
    shown = ", ".join(f"'x{i:02d}'" for i in range(10))
    assert messages == [PASSED + shown + " and 3 more."]
    assert scored["x12"].tolist() == ["1"]  # still passed through


def test_the_cli_prints_the_line_for_the_example_file(tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert main(["score", str(DATA / "example_cases.csv"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    # the labels the package reads itself (expected_cause, true_<cause>) are not named:
    # a warning on every bundled file teaches users to ignore it
    assert f"warning: {PASSED}'note'." in err.splitlines()
    labelled = pd.DataFrame(
        {
            "fever": ["yes"],
            "true_kidney_stones": ["no"],
            "true_cause": ["x"],
            "expected_triage": [""],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score_cases(labelled.assign(expected_cause="gallstones"))


def test_a_variant_column_is_named_without_its_network_and_scored_with_it(
    tmp_path, toy_spec_dir, capsys
):
    toy = toy_spec_dir(extra=FLANK_TENDER)
    src = tmp_path / "in.csv"
    src.write_text("case_id,flank_tender,fever\nA,yes,no\n")
    assert main(["score", str(src), "-o", str(tmp_path / "a.csv")]) == 0
    err = capsys.readouterr().err
    assert f"warning: {PASSED}'flank_tender'." in err  # no --network: lost, but said
    assert main(["score", str(src), "-o", str(tmp_path / "b.csv"), "--network", str(toy)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {PASSED}'fever'." in err  # the toy asks no fever
    scored = pd.read_csv(tmp_path / "b.csv")
    plain = score_cases(pd.DataFrame({"flank_tender": ["no"]}), network=load_network(toy))
    assert scored.loc[0, "p_stone"] > plain.loc[0, "p_stone"]  # and used with it


def test_evaluation_keeps_its_other_columns_without_a_word(net):
    # An evaluation passes nothing through to a file; its sources and notes are kept
    # on purpose, so scoring them is not remarked on.
    cases = pd.DataFrame(
        {
            "spasm_location": ["flank", "lower_back"],
            "blood_in_urine": ["yes", "no"],
            "expected_cause": ["kidney_stones", "muscle_strain"],
            "source": ["a", "b"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = evaluate(cases, network=net)
    assert result.n_cases == 2
