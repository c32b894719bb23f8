"""Batch scoring of case tables and files: every row back, in order, exact, with errors."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backspasm.scoring.run as scoring_run
import backspasm.scoring.writers as scoring_writers
from backspasm._files import AtomicFile
from backspasm.diagnosis import diagnose
from backspasm.exceptions import CaseFileError
from backspasm.explain.odds import POINTING_FACTOR, pointed_causes
from backspasm.network import default_network, load_network
from backspasm.questionnaire import questions_for
from backspasm.scoring import (
    IMPOSSIBLE,
    ScoringWarning,
    output_columns,
    score_cases,
    score_file,
)
from helpers import NG65_REFERRAL

YES_NO = "yes/no, y/n, true/false or 1/0"
LOCATIONS = "lower_back, mid_back, upper_back, flank"

# A file mixing good rows with every kind of bad cell; `row` numbers the rows so that
# order can be checked after scoring.
MIXED = """\
case_id,row,age,sex,fever,spasm_location,spasm_duration_weeks,kidney_stones,back_spasm,note
a,0,70,male,yes,flank,2,,,007
b,1,35, Female ,N,LOWER_BACK,0.5,,,=cmd()
c,2,,,,,,,,
d,3,150,male,yes,,,,,age too high
e,4,45.5,,maybe,leg,-1,,,three bad cells
f,5,40,other,,,,perhaps,sometimes,
g,6,30,,{long},,,,,long cell
h,7,30,,no,,,,,,,too many fields
i,8,66,,yes
j,9,abc,female,1,upper_back,13,no,yes,"quoted, with comma"
"""
LONG = "x" * 100
EXPECTED_ERRORS = [
    "",
    "",
    "",
    "age: 150 is not allowed (whole years, 18 to 120, or a band: 18-39, 40-64, 65+)",
    "age: 45.5 is not allowed (whole years, 18 to 120, or a band: 18-39, 40-64, 65+); "
    f"fever: 'maybe' is not allowed ({YES_NO}); "
    f"spasm_location: 'leg' is not allowed ({LOCATIONS}); "
    "spasm_duration_weeks: -1 is not allowed (a number of weeks, 0 to 6262, or a band: acute, subacute, chronic)",
    "sex: 'other' is not allowed (female, male); "
    f"kidney_stones: 'perhaps' is not allowed ({YES_NO}); "
    f"back_spasm: 'sometimes' is not allowed ({YES_NO})",
    f"fever: '{'x' * 40}'... is not allowed ({YES_NO})",
    # the cells beyond the header are quoted, so that the row can be found and fixed
    "row has 12 fields, header has 10; the 2 beyond the header: '', 'too many fields'",
    "",
    "age: 'abc' is not allowed (whole years, 18 to 120, or a band: 18-39, 40-64, 65+)",
]
CONTRACT = {q.column for q in questions_for(default_network())}


def mixed_file(tmp_path: Path, text: str = MIXED, name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("{long}", LONG).encode())
    return path


def read_scored(path: Path | str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def assert_same_scores(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal text, and probabilities equal to 1e-12.

    Written losslessly, a probability shows the last bits of the engine's arithmetic,
    which depend on how many rows share a batch.
    """
    assert list(got.columns) == list(expected.columns)
    numeric = [c for c in got.columns if c.startswith("p_") or c == "conflict"]
    text = [c for c in got.columns if c not in numeric]
    pd.testing.assert_frame_equal(got[text], expected[text])
    as_float = lambda f: f[numeric].replace("", "nan").astype(float)  # noqa: E731
    pd.testing.assert_frame_equal(as_float(got), as_float(expected), rtol=1e-12, atol=1e-13)


def read_regular_rows(path: Path) -> pd.DataFrame:
    """The input rows whose width matches the header (the csv module reads ragged rows)."""
    header, *rows = csv.reader(io.StringIO(path.read_text(), newline=""))
    return pd.DataFrame([r for r in rows if len(r) == len(header)], columns=header)


@pytest.fixture(scope="module")
def net():
    return default_network()


@pytest.fixture(scope="module")
def mixed_result(tmp_path_factory, net):
    tmp = tmp_path_factory.mktemp("mixed")
    summary = score_file(mixed_file(tmp), tmp / "out.csv", network=net, progress=False)
    return summary, read_scored(tmp / "out.csv"), tmp


# ------------------------------------------------------------------ the mixed file


def test_every_row_back_in_order_with_exact_errors(mixed_result):
    summary, out, _ = mixed_result
    assert out["row"].tolist() == [str(i) for i in range(10)]
    assert out["error"].tolist() == EXPECTED_ERRORS
    assert summary.rows == 10
    assert summary.scored == 4
    assert summary.errors == 6
    assert summary.exit_code == 3


def test_errors_by_kind(mixed_result):
    summary, _, _ = mixed_result
    assert summary.errors_by_kind == {
        "invalid age": 3,
        "invalid back_spasm": 1,
        "invalid fever": 2,
        "invalid kidney_stones": 1,
        "invalid sex": 1,
        "invalid spasm_duration_weeks": 1,
        "invalid spasm_location": 1,
        "too many fields": 1,
    }
    # The console names the first row in trouble, counted from 1 after the header.
    row, message = summary.first_error
    assert row == 4  # d: age 150
    assert "age: 150 is not allowed" in message
    assert f"first, row 4: {message}" in summary.format()


def test_output_columns_follow_the_input(mixed_result, net):
    _, out, _ = mixed_result
    inputs = MIXED.splitlines()[0].split(",")
    assert list(out.columns) == [*inputs, *output_columns(net)]
    assert output_columns(net)[: len(net.causes)] == tuple(f"p_{c}" for c in net.causes)
    assert output_columns(net)[-1] == "error"


def test_bad_rows_have_empty_probabilities(mixed_result, net):
    _, out, _ = mixed_result
    bad = out["error"] != ""
    for name in [*(f"p_{c}" for c in net.causes), "p_serious", "top_cause"]:
        assert (out.loc[bad, name] == "").all(), name
        assert (out.loc[~bad, name] != "").all(), name


def synthetic_rows(n: int) -> pd.DataFrame:
    """The first ``n`` rows of the bundled synthetic cases, as text (blank = unanswered)."""
    path = Path(__file__).parents[2] / "data" / "synthetic_cases.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False, nrows=n)


def test_good_rows_equal_diagnose(mixed_result, net):
    _, out, _ = mixed_result
    for _, row in out[out["error"] == ""].iterrows():
        answers = {
            k: v for k, v in row.items() if k in CONTRACT and k != "case_id" and v.strip() != ""
        }
        expected = diagnose(answers, network=net)
        for cause in net.causes:
            # The file holds every digit (it held 6 significant digits before).
            assert float(row[f"p_{cause}"]) == pytest.approx(
                expected.posterior(cause), rel=1e-12, abs=1e-14
            )
        assert float(row["p_serious"]) == pytest.approx(expected.p_serious, rel=1e-12)
        assert row["top_cause"] == expected.top_cause
        assert int(row["screen_unanswered"]) == len(expected.unscreened)


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # true_*, notes
def test_screen_unanswered_counts_the_questions_diagnose_leaves_unscreened(net):
    # A scored self_care row read like a fully screened one; diagnose() says "no
    # warning sign yet (3 of 28 screening questions answered)". The column counts
    # the same open screen, row by row, over synthetic rows with a third blank.
    cases = synthetic_rows(120)
    scored = score_cases(cases, network=net)
    assert scored["screen_unanswered"].dtype.kind in "if"
    counts = []
    for i, row in cases.iterrows():
        answers = {k: v for k, v in row.items() if k in CONTRACT and v != ""}
        expected = len(diagnose(answers, network=net).unscreened)
        assert scored.loc[i, "screen_unanswered"] == expected, (i, answers)
        counts.append(expected)
    assert len(set(counts)) > 3  # the rows differ in what they answered


def test_self_care_rows_with_an_open_screen_are_counted_in_the_summary(net, tmp_path):
    every = diagnose({}, network=net).screen
    full = {q.column: "no" for q in every}
    full |= {"age": "30", "sex": "male", "spasm_location": "lower_back"}
    full["spasm_duration_weeks"] = "2"
    sparse = {"age": "30", "sex": "male", "spasm_location": "lower_back"}
    left = len(diagnose(sparse, network=net).unscreened)
    assert 0 < left < len(every)
    frame = pd.DataFrame([full, sparse, sparse])
    scored = score_cases(frame, network=net)  # no warning: an open screen is common
    assert scored["triage"].tolist() == ["self_care"] * 3
    assert scored["screen_unanswered"].tolist() == [0, left, left]
    src, out = tmp_path / "three.csv", tmp_path / "three_scored.csv"
    frame.to_csv(src, index=False)
    summary = score_file(src, out, network=net, progress=False)
    assert summary.self_care_unscreened == 2
    assert (
        "note: 2 rows triaged self_care leave screening questions unanswered "
        "(screen_unanswered above 0): for them self_care means only that no warning sign "
        "was found yet, as diagnose and ask say"
    ) in summary.format().splitlines()
    assert json.loads(Path(f"{out}.meta.json").read_text())["self_care_unscreened"] == 2
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["screen_unanswered"].tolist() == ["0", str(left), str(left)]
    # a fully screened file has no such line
    frame.iloc[[0]].to_csv(src, index=False)
    summary = score_file(src, out, network=net, progress=False)
    assert summary.self_care_unscreened == 0
    assert "screen_unanswered" not in summary.format()


def test_score_cases_equals_diagnose_to_1e9(net):
    frame = pd.DataFrame(
        {
            "age": ["70", "35", "", "22"],
            "fever": ["yes", "n", "", "true"],
            "spasm_location": ["flank", "lower_back", "", "upper_back"],
            "blood_in_urine": ["yes", "", "", "0"],
            "iv_drug_use_or_immunosuppression": ["", "", "", "yes"],
        }
    )
    scored = score_cases(frame, network=net)
    for i, row in frame.iterrows():
        expected = diagnose({k: v for k, v in row.items() if v}, network=net)
        for cause in net.causes:
            assert scored.loc[i, f"p_{cause}"] == pytest.approx(
                expected.posterior(cause), abs=1e-9
            )
        assert scored.loc[i, "p_serious"] == pytest.approx(expected.p_serious, abs=1e-9)
        assert scored.loc[i, "top_cause"] == expected.top_cause


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # true_*, notes
def test_engine_batches_scored_two_at_a_time_keep_every_row(net, monkeypatch):
    """Many small engine batches (two computed at once) give the rows of one batch."""
    import backspasm.scoring.kernel as scoring_kernel

    cases = synthetic_rows(600)
    whole = score_cases(cases, network=net)
    monkeypatch.setattr(scoring_kernel, "_ENGINE_BATCH", 37)
    batched = score_cases(cases, network=net)
    numbers = [c for c in whole if c.startswith("p_") or c == "conflict"]
    pd.testing.assert_frame_equal(batched.drop(columns=numbers), whole.drop(columns=numbers))
    np.testing.assert_allclose(
        batched[numbers].astype(float), whole[numbers].astype(float), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("rows", [0, 1, 36, 37, 38, 74, 75, 111, 600])
def test_engine_batches_split_a_chunk_evenly_for_two_workers(rows, monkeypatch):
    """Each row once, in order; past the batch size, an even number of equal batches.

    Two workers score a chunk's batches two at a time: a chunk of 53,000 rows is two
    batches of 26,500, not 25,000 + 25,000 + 3,000, whose last would run alone.
    """
    import backspasm.scoring.kernel as scoring_kernel

    monkeypatch.setattr(scoring_kernel, "_ENGINE_BATCH", 37)
    chunk = np.arange(rows, dtype=np.int64) * 3  # positions of the rows to score
    batches = scoring_kernel.engine_batches(chunk)
    assert np.array_equal(np.concatenate([chunk[:0], *batches]), chunk)
    sizes = [len(b) for b in batches]
    assert all(size > 0 for size in sizes)
    if rows <= 37:
        assert len(sizes) == (1 if rows else 0)
    else:
        assert len(sizes) % 2 == 0
        assert max(sizes) - min(sizes) <= 1
        assert all(37 / 2 <= size <= 37 * 1.5 for size in sizes)


def test_passthrough_is_unchanged(mixed_result):
    _, out, tmp = mixed_result
    given = read_regular_rows(mixed_file(tmp, name="again.csv"))
    assert out["note"].tolist()[:3] == ["007", "=cmd()", ""]
    # rows 7 (too many fields) and 8 (too few) are normalised to the header's width
    regular = out[given.columns].drop(index=[7, 8]).reset_index(drop=True)
    pd.testing.assert_frame_equal(regular, given)
    assert out.loc[8, ["case_id", "row", "age", "fever", "note"]].tolist() == [
        "i",
        "8",
        "66",
        "yes",
        "",
    ]


def test_passthrough_values_survive_quoting(tmp_path, net):
    # pyarrow quotes every text cell it writes; the values read back are the same.
    text = 'case_id,fever,note,code\n"a",yes,"quoted ""twice""", 007 \nb,no,caf\u00e9,1e3\n'
    src = mixed_file(tmp_path, text)
    score_file(src, tmp_path / "o.csv", network=net, progress=False)
    out = read_scored(tmp_path / "o.csv")
    assert out["case_id"].tolist() == ["a", "b"]
    assert out["note"].tolist() == ['quoted "twice"', "caf\u00e9"]
    assert out["code"].tolist() == [" 007 ", "1e3"]


# -------------------------------------------------------------- formats and streams


@pytest.mark.parametrize(
    ("delimiter", "bom"), [(";", False), ("\t", False), (",", True), (";", True)]
)
def test_bom_and_delimiters_give_the_same_scores(tmp_path, net, mixed_result, delimiter, bom):
    _, reference, _ = mixed_result
    frame = read_regular_rows(mixed_file(tmp_path, name="ref.csv"))
    text = frame.to_csv(sep=delimiter, index=False)
    src = tmp_path / "in.csv"
    src.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    score_file(src, tmp_path / "out.csv", network=net, progress=False)
    out = pd.read_csv(tmp_path / "out.csv", sep=delimiter, dtype=str, keep_default_na=False)
    assert out.columns[0] == "case_id"
    expected = reference.drop(index=[7, 8]).reset_index(drop=True)
    assert_same_scores(out, expected)


def test_stdin_to_stdout(monkeypatch, capsysbinary, net, tmp_path):
    data = mixed_file(tmp_path).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    summary = score_file("-", "-", network=net, progress=False)
    out = pd.read_csv(io.BytesIO(capsysbinary.readouterr().out), dtype=str, keep_default_na=False)
    assert out["error"].tolist() == EXPECTED_ERRORS
    assert summary.output is None
    assert summary.meta is None
    assert summary.input_sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("chunksize", [1, 2, 3, 7])
def test_chunking_gives_identical_output(tmp_path, net, mixed_result, chunksize):
    _, one, _ = mixed_result
    score_file(mixed_file(tmp_path), tmp_path / "o.csv", network=net, chunksize=chunksize)
    assert_same_scores(read_scored(tmp_path / "o.csv"), one)


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # true_*, notes
def test_parquet_round_trip(tmp_path, net, mixed_result):
    pytest.importorskip("pyarrow")
    _, csv_out, _ = mixed_result
    src = mixed_file(tmp_path)
    score_file(src, tmp_path / "o.parquet", network=net, progress=False)
    back = pd.read_parquet(tmp_path / "o.parquet")
    assert list(back.columns) == list(csv_out.columns)
    assert back["note"].tolist()[:2] == ["007", "=cmd()"]
    assert back["error"].tolist() == EXPECTED_ERRORS
    direct = score_cases(read_regular_rows(src).iloc[:7], network=net)
    # the file's chunked kernel and the direct call sum in different orders: equal to a
    # few ulps of P(no serious cause), so the tolerance is absolute as well as relative
    np.testing.assert_allclose(
        back["p_serious"].to_numpy()[:7],
        direct["p_serious"].to_numpy(dtype=float),
        rtol=1e-12,
        atol=1e-13,
    )
    # Parquet in, CSV and Parquet out: column types survive.
    typed = pd.DataFrame({"age": [70, 30], "fever": [True, False], "weight": [80.5, 60.0]})
    typed.to_parquet(tmp_path / "typed.parquet")
    score_file(tmp_path / "typed.parquet", tmp_path / "t.parquet", network=net)
    again = pd.read_parquet(tmp_path / "t.parquet")
    assert again["age"].dtype == np.int64
    assert again["weight"].tolist() == [80.5, 60.0]
    assert again["error"].tolist() == ["", ""]
    score_file(tmp_path / "typed.parquet", tmp_path / "t.csv", network=net)
    assert read_scored(tmp_path / "t.csv")["age"].tolist() == ["70", "30"]


def test_a_scored_file_is_not_scored_again_into_repeated_columns(tmp_path, net):
    # Re-scoring wrote every p_*, triage and error column twice; readers took the old
    # values (a changed answer's new triage landed in 'triage.1').
    src = mixed_file(tmp_path, "case_id,fever\na,no\n")
    score_file(src, tmp_path / "s1.csv", network=net)
    for out in ("s2.csv", "s2.parquet"):
        with pytest.raises(CaseFileError, match=r"s1\.csv': the cases already have .*'p_"):
            score_file(tmp_path / "s1.csv", tmp_path / out, network=net)
        assert not (tmp_path / out).exists()
    with pytest.raises(CaseFileError, match="named like the scores \\('error'\\)"):
        score_cases(pd.DataFrame({"fever": ["yes"], "error": ["x"]}), network=net)


def test_columns_named_differently_only_in_case_or_no_question_column_are_refused(tmp_path, net):
    # 'Fever', 'Saddle Numbness' were passed through unscored: every patient came out
    # self_care with exit code 0 while diagnose() said emergency.
    src = mixed_file(tmp_path, "case_id,age,Saddle Numbness,Fever\na,45,yes,no\n")
    with pytest.raises(CaseFileError, match="'Saddle Numbness' for 'saddle_numbness'"):
        score_file(src, tmp_path / "o.csv", network=net)
    assert not (tmp_path / "o.csv").exists()
    src = mixed_file(tmp_path, "id,temperature\na,39\n")
    with pytest.raises(CaseFileError, match="no column is a question"):
        score_file(src, tmp_path / "none.csv", network=net)
    # ids alone were still scored: every person self_care, exit code 0
    src = mixed_file(tmp_path, "case_id\nA\nB\n")
    with pytest.raises(CaseFileError, match="no column is a question"):
        score_file(src, tmp_path / "ids.csv", network=net)
    with pytest.raises(CaseFileError, match="no column is a question"):
        score_cases(pd.DataFrame({"case_id": ["a", "b"]}), network=net)
    with pytest.raises(CaseFileError, match="'AGE' for 'age'"):
        score_cases(pd.DataFrame({"AGE": [45]}), network=net)


# ---------------------------------------------------------------- atomic, provenance


def test_atomic_write_leaves_no_partial_file(tmp_path, net, monkeypatch):
    src = mixed_file(tmp_path)
    dest = tmp_path / "out.csv"
    dest.write_text("previous result\n")
    calls = []
    real = scoring_run.score_block

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring_run, "score_block", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        score_file(src, dest, network=net, chunksize=3)
    assert dest.read_text() == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "out.csv"]


def test_refuses_to_overwrite_the_input(tmp_path, net, monkeypatch):
    src = mixed_file(tmp_path)
    before = src.read_bytes()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CaseFileError, match=r"output '\./cases\.csv' is the input file"):
        score_file(src, "./cases.csv", network=net)
    assert src.read_bytes() == before


# ------------------------------------------------------------ nothing lost, no surprise


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if any row is scored or the network is loaded."""

    def forbidden(*args, **kwargs):
        raise AssertionError("work was done before the paths were checked")

    monkeypatch.setattr(scoring_run, "score_block", forbidden)
    monkeypatch.setattr(scoring_run, "network_or_default", forbidden)


def test_refuses_a_sidecar_that_is_the_input(tmp_path, net, no_work):
    src = tmp_path / "res.csv.meta.json"
    src.write_text('{"rows": 1}\n')
    with pytest.raises(CaseFileError) as info:
        score_file(src, tmp_path / "res.csv")
    message = str(info.value)
    assert "refusing to overwrite the input" in message
    assert f"sidecar '{src}'" in message
    assert f"output '{tmp_path / 'res.csv'}'" in message
    assert src.read_text() == '{"rows": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["res.csv.meta.json"]


@pytest.mark.parametrize("link", [os.link, os.symlink])
def test_refuses_an_output_linked_to_the_input(tmp_path, net, no_work, link):
    src = mixed_file(tmp_path)
    link(src, tmp_path / "alias.csv")
    with pytest.raises(CaseFileError, match=r"output '.*alias\.csv' is the input file '.*cases"):
        score_file(src, tmp_path / "alias.csv")
    link(src, tmp_path / "other.csv.meta.json")
    with pytest.raises(CaseFileError, match=r"sidecar '.*other\.csv\.meta\.json' of output"):
        score_file(src, tmp_path / "other.csv")
    assert src.read_text() == MIXED.replace("{long}", LONG)


@pytest.mark.parametrize(
    ("name", "output"), [("res.csv", "res.csv"), ("res.csv.meta.json", "res.csv")]
)
def test_refuses_an_output_that_standard_input_reads(
    tmp_path, net, no_work, monkeypatch, name, output
):
    src = mixed_file(tmp_path, name=name)
    with open(src, encoding="utf-8") as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        with pytest.raises(CaseFileError, match="is the file standard input reads"):
            score_file("-", tmp_path / output)
    assert src.read_text() == MIXED.replace("{long}", LONG)
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (".", "it is a folder"),
        ("missing/out.csv", "folder '.*missing' does not exist"),
        ("cases.csv/out.csv", "'.*cases.csv' is not a folder"),
        (
            "out.xlsx",
            r"extension '\.xlsx' is not a format backspasm writes; use one of "
            r"\.csv, \.tsv, \.txt, \.parquet, \.pq \(or - for CSV on standard output\)",
        ),
        ("out", "no extension is not a format backspasm writes"),
        ("out.csv.gz", r"extension '\.gz'"),
        (
            "sidecar.csv",
            "cannot write the provenance sidecar '.*sidecar.csv.meta.json': it is a folder",
        ),
    ],
)
def test_output_location_is_checked_before_any_work(tmp_path, net, no_work, output, message):
    src = mixed_file(tmp_path)
    (tmp_path / "sidecar.csv.meta.json").mkdir()
    with pytest.raises(CaseFileError, match=message):
        score_file(src, tmp_path / output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "sidecar.csv.meta.json"]


def test_unwritable_folder_fails_before_any_work(tmp_path, net, no_work, monkeypatch):
    src = mixed_file(tmp_path)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() == 0:  # root writes anywhere: pretend it cannot
        monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    try:
        with pytest.raises(CaseFileError, match=f"folder '{folder}' is not writable"):
            score_file(src, folder / "out.csv")
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_uncreatable_output_fails_before_scoring(tmp_path, net, monkeypatch):
    """When only creating the file shows the folder unwritable, no row is scored either."""
    src = mixed_file(tmp_path)

    def forbidden(*args, **kwargs):
        raise AssertionError("a row was scored")

    monkeypatch.setattr(scoring_run, "score_block", forbidden)
    monkeypatch.setattr(scoring_writers, "AtomicFile", _failing_atomic_file)
    with pytest.raises(CaseFileError, match=r"cannot write '.*out\.csv': Read-only file system"):
        score_file(src, tmp_path / "out.csv", network=net)
    assert [p.name for p in tmp_path.iterdir()] == ["cases.csv"]


def _failing_atomic_file(path):
    raise CaseFileError(f"cannot write '{path}': Read-only file system")


@pytest.mark.parametrize("name", ["o.CSV", "o.txt", "o.PQ"])
def test_writable_extensions(tmp_path, net, name):
    summary = score_file(mixed_file(tmp_path), tmp_path / name, network=net)
    assert summary.rows == 10
    assert (tmp_path / f"{name}.meta.json").exists()


def test_tsv_output_is_tab_separated(tmp_path, net):
    with pytest.raises(CaseFileError, match=r"a \.tsv file is tab-separated.*','.*\.csv"):
        score_file(mixed_file(tmp_path), tmp_path / "o.tsv", network=net)
    assert not (tmp_path / "o.tsv").exists()
    tabbed = mixed_file(tmp_path, "case_id\tfever\na\tyes\n", name="tabbed.tsv")
    score_file(tabbed, tmp_path / "t.tsv", network=net)
    assert (tmp_path / "t.tsv").read_text().startswith("case_id\tfever\tp_")
    pytest.importorskip("pyarrow")
    pd.DataFrame({"case_id": ["a"], "fever": ["yes"]}).to_parquet(tmp_path / "in.parquet")
    score_file(tmp_path / "in.parquet", tmp_path / "p.tsv", network=net)
    back = pd.read_csv(tmp_path / "p.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == ["case_id", "fever", *output_columns(net)]
    assert back.loc[0, "fever"] == "yes"


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_signal_removes_the_temporary_files(tmp_path, net, monkeypatch, signum):
    """In process: a signal while rows are scored leaves the old output as it was."""
    import signal

    sig = getattr(signal, signum)
    default = signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL
    if signal.getsignal(sig) is not default:
        pytest.skip(f"{signum} already has a handler in this process")
    src = mixed_file(tmp_path)
    dest = tmp_path / "out.csv"
    dest.write_text("previous result\n")
    calls = []
    real = scoring_run.score_block

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
            assert signal.getsignal(sig) is not default, "score_file did not guard the signal"
            signal.raise_signal(sig)
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring_run, "score_block", interrupted)
    with pytest.raises(KeyboardInterrupt) as info:
        score_file(src, dest, network=net, chunksize=3)
    assert str(info.value) == "interrupted; nothing written"
    assert info.value.exit_code == 128 + sig
    assert signal.getsignal(sig) is default
    assert dest.read_text() == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "out.csv"]


def test_a_signal_during_the_renames_waits_for_both(tmp_path, net, monkeypatch):
    import signal

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT already has a handler in this process")
    real = AtomicFile.replace

    def replace(self, *args):
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        signal.raise_signal(signal.SIGINT)
        real(self, *args)

    monkeypatch.setattr(AtomicFile, "replace", replace)
    dest = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt, match=r"out\.csv was written all the same"):
        score_file(mixed_file(tmp_path), dest, network=net)
    assert read_scored(dest)["error"].tolist() == EXPECTED_ERRORS
    assert json.loads((tmp_path / "out.csv.meta.json").read_text())["rows"] == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cases.csv",
        "out.csv",
        "out.csv.meta.json",
    ]


def test_meta_json(mixed_result, net):
    summary, _, tmp = mixed_result
    meta = json.loads((tmp / "out.csv.meta.json").read_text())
    from backspasm import __version__

    assert summary.meta == tmp / "out.csv.meta.json"
    assert meta["backspasm_version"] == __version__
    assert meta["network"]["fingerprint"] == net.fingerprint()
    assert meta["network"]["fingerprint_parts"] == net.fingerprint_parts()
    assert meta["network"]["origin"] == str(net.spec.origin)
    assert meta["input"]["sha256"] == hashlib.sha256((tmp / "cases.csv").read_bytes()).hexdigest()
    assert meta["input"]["path"] == os.path.abspath(tmp / "cases.csv")
    assert meta["input"]["delimiter"] == ","
    assert meta["options"] == {
        "chunksize": 100_000,
        "chunk_bytes": 8 * 1024 * 1024,
        "precision": None,
        "explain": False,
    }
    assert (meta["rows"], meta["scored"], meta["errors"]) == (10, 4, 6)
    assert meta["errors_by_kind"] == summary.errors_by_kind
    assert meta["created_utc"].endswith("+00:00")
    assert meta["seconds"] >= 0


KNOWLEDGE = Path(__file__).resolve().parents[2] / "model" / "backspasm" / "knowledge"


def test_a_variant_with_another_triage_threshold_records_another_provenance(tmp_path, net):
    # Only the triage policy differs: other triage levels, and the sidecars once
    # recorded the same fingerprint for both results (only the origin differed).
    variant = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE, variant)
    policy = variant / "triage.toml"
    text, count = re.subn(
        r"(see_doctor_p_serious = \{ p = )[0-9.]+", r"\g<1>0.0001", policy.read_text()
    )
    assert count == 1
    policy.write_text(text)
    cases = tmp_path / "cases.csv"
    cases.write_text("age,fever\n70,no\n30,no\n")
    score_file(cases, tmp_path / "a.csv", network=net, progress=False)
    other = load_network(variant)
    score_file(cases, tmp_path / "b.csv", network=other, progress=False)
    a, b = (json.loads((tmp_path / f"{n}.csv.meta.json").read_text())["network"] for n in "ab")
    assert read_scored(tmp_path / "a.csv")["triage"].tolist() != (
        read_scored(tmp_path / "b.csv")["triage"].tolist()
    )
    assert a["fingerprint"] == net.fingerprint() != b["fingerprint"] == other.fingerprint()
    assert a["fingerprint_parts"]["numbers"] == b["fingerprint_parts"]["numbers"]
    assert a["fingerprint_parts"]["questions"] == b["fingerprint_parts"]["questions"]
    assert a["fingerprint_parts"]["triage"] != b["fingerprint_parts"]["triage"]


def test_summary_format(mixed_result):
    summary, _, _ = mixed_result
    text = summary.format()
    assert text.startswith("scored 4 of 10 rows in ")
    assert "6 rows carry an error (see the 'error' column):" in text
    assert "  invalid age: 3" in text
    assert "provenance: " in text


def test_summary_says_one_row_in_the_singular(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("age,sex\n45,F\n30,male\n")
    summary = score_file(cases, tmp_path / "out.csv", progress=False)
    assert "1 row carries an error (see the 'error' column):" in summary.format()


def test_progress_bar_goes_to_stderr(tmp_path, net, capsys):
    score_file(mixed_file(tmp_path), tmp_path / "o.csv", network=net, progress=True)
    captured = capsys.readouterr()
    assert "scoring" in captured.err
    assert captured.out == ""


# ----------------------------------------------------------------------- warnings


def test_near_miss_column_names(tmp_path, net):
    header = "case_id,fevr,fever,true_fever,p_fever,other,Fever "
    src = mixed_file(tmp_path, header + "\n1,yes,no,no,0.5,x,yes\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    assert summary.warnings == (
        "column 'fevr' is not a question; did you mean 'fever'? It was passed through unscored.",
        "column 'Fever ' is not a question; did you mean 'fever'? It was passed through unscored.",
        # one line for the rest, which have no did-you-mean of their own (true_fever is
        # a label, read by evaluate and fit: not named)
        "columns passed through unscored (not questions of this network): 'p_fever', 'other'.",
    )
    assert summary.exit_code == 0


def test_score_cases_warns(net):
    frame = pd.DataFrame({"fevr": ["yes"], "fever": ["no"]})
    with pytest.warns(ScoringWarning, match="did you mean 'fever'"):
        scored = score_cases(frame, network=net)
    assert scored["fevr"].tolist() == ["yes"]


def test_duplicate_ids_are_scored_and_reported(tmp_path, net):
    src = mixed_file(tmp_path, "case_id,fever\nx,yes\ny,no\nx,yes\n,no\n,no\n")
    summary = score_file(src, tmp_path / "o.csv", network=net, chunksize=2)
    assert summary.scored == 5
    assert summary.warnings == (
        "case_id is not unique: 1 row(s) repeat an earlier id (for example 'x'); they were "
        "scored all the same.",
    )
    src = mixed_file(tmp_path, "case_id,fever\nx,yes\nx,yes\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    assert "(for example 'x')" in summary.warnings[0]
    with pytest.warns(ScoringWarning, match="case_id is not unique"):
        score_cases(pd.DataFrame({"case_id": ["a", "a"], "fever": ["", ""]}), network=net)


def test_repeated_ids_of_a_long_file_are_found_in_bounded_memory(tmp_path, net, monkeypatch):
    """Past a few million distinct ids, the hashes already seen go to a temporary file
    (searched through a memory map): a repeat far back in the file is still found,
    and what stays in memory is bounded by the cap, not by the file's length."""
    import backspasm.scoring.cases as cases

    monkeypatch.setattr(cases, "_RUN_IN_MEMORY", 64)
    rng = np.random.default_rng(4)
    ids = [f"p{i}" for i in range(3000)]
    back = rng.choice(3000, size=40, replace=False)
    ids += [f"p{i}" for i in back]  # repeats of ids seen long before
    tail = ids[1000:]
    rng.shuffle(tail)
    ids[1000:] = tail
    counter = cases.RepeatedIds()
    for start in range(0, len(ids), 97):
        counter.add(pd.Series(ids[start : start + 97]))
        held = sum(len(r) for r in counter.runs if not isinstance(r, np.memmap))
        assert held < 2 * 64 + 97
    expected = pd.Series(ids).duplicated()
    assert counter.repeated == int(expected.sum()) == 40
    assert counter.example == ids[int(np.argmax(expected.to_numpy()))]
    assert any(isinstance(r, np.memmap) for r in counter.runs)
    # The same through score_file: every row scored, the repeats counted.
    src = tmp_path / "long.csv"
    pd.DataFrame({"case_id": ids, "fever": "no"}).to_csv(src, index=False)
    summary = score_file(src, tmp_path / "o.csv", network=net, chunksize=500)
    assert summary.scored == len(ids)
    assert summary.warnings[0].startswith("case_id is not unique: 40 row(s)")


def test_repeated_question_column(tmp_path, net):
    # the second copy's answer is read too: a word it does not allow is the row's error
    src = mixed_file(tmp_path, "fever,fever\nyes,maybe\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    assert (
        "column 'fever' appears 2 times; a blank cell takes the answer of another copy, and "
        "a row whose copies give different answers is not used (its error names them)."
    ) in summary.warnings
    assert summary.scored == 0
    error = pd.read_csv(tmp_path / "o.csv", keep_default_na=False)["error"].tolist()
    assert error[0].startswith("fever: 'maybe' is not allowed")


# ------------------------------------------------------------------ unusable files


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\xef\xbb\xbf", "is empty"),
        (b"\n\n  \n", "is empty"),
        (b"case_id,note\na,caf\xe9\n", r"not UTF-8 text: byte 0xe9 on line 2"),
        (b"\xff\xfec\x00", "UTF-16"),
        (b'case_id,fever,note\na,yes,"never closed\nb,no,x\n', "never closed"),
        # The unclosed quote opens in a field beyond the header's: the rest of the
        # file is still one record, never closed (it was cut to a row of 'too many
        # fields' and the rows after it were silently lost).
        (b'case_id,age,note\nA,45,ok\nB,50,x,"oops\nC,60,x\nD,70,y\n', r"never closed"),
        # ... also when a stray quote in an unquoted cell makes the count of quotes even
        (b'case_id,age,note\nA,45,ok\nB,50,x"y,"z\nC,60,x\nD,70,y\n', r"never closed"),
        (b"\x1f\x8b\x08\x00rest", "it is gzip-compressed"),
        (b"PK\x03\x04rest", "zip archive"),
        (b"PAR1 not really parquet", "cannot read Parquet file"),
        # an image or a program renamed .csv was read as Windows text ("iconv -f cp1252")
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it is a PNG image, not a table"),
        (b"%PDF-1.7\n", "it is a PDF document"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "it is a program .ELF., not a table"),
    ],
)
def test_unusable_files_raise_case_file_error(tmp_path, net, content, message):
    pytest.importorskip("pyarrow")
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    with pytest.raises(CaseFileError, match=message) as info:
        score_file(src, tmp_path / "o.csv", network=net)
    assert "bad.csv" in str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "o.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.csv"]


def test_missing_input_and_folder(tmp_path, net):
    with pytest.raises(CaseFileError, match=r"'.*nope\.csv': no such file"):
        score_file(tmp_path / "nope.csv", tmp_path / "o.csv", network=net)
    with pytest.raises(CaseFileError, match="it is a folder"):
        score_file(tmp_path, tmp_path / "o.csv", network=net)


def test_bad_chunksize(tmp_path, net):
    with pytest.raises(ValueError, match="The 'chunksize' parameter of score_file"):
        score_file(mixed_file(tmp_path), tmp_path / "o.csv", network=net, chunksize=0)


def test_header_only(tmp_path, net):
    src = mixed_file(tmp_path, "case_id,fever\r\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    assert (summary.rows, summary.exit_code) == (0, 0)
    out = read_scored(tmp_path / "o.csv")
    assert list(out.columns) == ["case_id", "fever", *output_columns(net)]
    assert len(out) == 0


def test_header_only_parquet_with_explain_keeps_the_number_types(tmp_path, net):
    # The risk_<complication> columns of an empty output were written as text, so a
    # folder of outputs read back as text.
    import pyarrow.parquet as pq

    src = mixed_file(tmp_path, "case_id,fever\n")
    score_file(src, tmp_path / "o.parquet", network=net, explain=True)
    schema = pq.read_schema(tmp_path / "o.parquet")
    for name in output_columns(net, explain=True):
        if name.startswith(("p_", "risk_")) or name == "conflict":
            assert str(schema.field(name).type) == "double", name


def test_a_list_or_dict_in_an_answer_is_a_row_error_not_a_crash(net):
    scored = score_cases(
        pd.DataFrame({"fever": ["yes", ["yes", "no"], "no"], "age": [40, 50, {"a": 1}]}),
        network=net,
    )
    assert scored["error"].tolist()[0] == ""
    assert "fever:" in scored.loc[1, "error"]
    assert "age:" in scored.loc[2, "error"]
    assert np.isnan(scored.loc[1, "p_serious"])
    assert scored.loc[0, "p_serious"] == pytest.approx(
        diagnose({"fever": "yes", "age": 40}, network=net).p_serious, abs=1e-12
    )


# --------------------------------------------------------------------- odd content


def test_crlf_blank_lines_and_literal_quotes(tmp_path, net):
    # 5'10" is a literal quote inside an unquoted field: the exact parser takes over.
    text = 'case_id,height,fever\r\n\r\na,5\'10",yes\r\n  \r\nb,"6\'1""",no\r\nc,x"y,1\r\n'
    src = mixed_file(tmp_path, text)
    summary = score_file(src, tmp_path / "o.csv", network=net)
    out = read_scored(tmp_path / "o.csv")
    # the blank lines are rows, in their places, with an error
    blank = out["error"].str.startswith("the row holds no answer")
    assert blank.tolist() == [True, False, True, False, False]
    out = out[~blank]
    assert out["case_id"].tolist() == ["a", "b", "c"]
    assert out["height"].tolist() == ["5'10\"", "6'1\"", 'x"y']
    assert summary.scored == 3
    clean = score_cases(pd.DataFrame({"fever": ["yes", "no", "1"]}), network=net)
    assert out["p_serious"].astype(float).tolist() == pytest.approx(
        clean["p_serious"].tolist(), rel=1e-5
    )


def test_embedded_newlines_and_huge_cells(tmp_path, net):
    huge = "z" * 300_000
    text = f'case_id,note,fever\na,"line one\nline two",yes\nb,{huge},no\n'
    src = mixed_file(tmp_path, text)
    summary = score_file(src, tmp_path / "o.csv", network=net, chunksize=1)
    out = read_scored(tmp_path / "o.csv")
    assert out["note"].tolist() == ["line one\nline two", huge]
    assert summary.scored == 2


def test_numeric_and_boolean_frames(net):
    frame = pd.DataFrame(
        {"age": [70, 30, np.nan], "fever": [True, False, None], "kidney_stones": [1, 0, 2]},
        index=["x", "y", "z"],
    )
    scored = score_cases(frame, network=net)
    assert list(scored.index) == ["x", "y", "z"]
    assert scored["age"].tolist()[:2] == [70.0, 30.0]
    assert scored.loc["z", "error"] == f"kidney_stones: 2 is not allowed ({YES_NO})"
    assert scored.loc["x", "p_kidney_stones"] == 1.0
    expected = diagnose({"age": 30, "fever": False, "kidney_stones": 0}, network=net)
    assert scored.loc["y", "p_serious"] == pytest.approx(expected.p_serious, abs=1e-9)


def test_score_cases_rejects_other_types(net):
    with pytest.raises(TypeError, match="The 'cases' parameter of score_cases"):
        score_cases([{"fever": "yes"}], network=net)


def test_impossible_answers(toy_spec_dir, tmp_path):
    toy = load_network(
        toy_spec_dir({"strength.strain = { p = 0.8": "strength.strain = { p = 1.0"})
    )
    src = mixed_file(tmp_path, "case_id,strain,back_spasm,stone\na,yes,no,\nb,no,no,\nc,,,yes\n")
    summary = score_file(src, tmp_path / "o.csv", network=toy)
    out = read_scored(tmp_path / "o.csv")
    # the error names the answers, as diagnose does (a blank cell is no answer)
    assert out["error"].tolist() == [
        f"{IMPOSSIBLE} (probability zero): strain=yes, back_spasm=no",
        "",
        "",
    ]
    assert summary.errors_by_kind == {"impossible answers": 1}
    assert out.loc[2, "p_serious"] == "1"
    assert out.loc[2, "p_stone"] == "1"
    assert summary.exit_code == 3


def test_questions_the_network_lacks_are_checked_not_used(toy_spec_dir):
    # The toy knowledge base declares no `fever` question: the column is passed
    # through untouched and does not change the scores.
    toy = load_network(toy_spec_dir())
    frame = pd.DataFrame({"fever": ["yes", "maybe"], "stone": ["", ""]})
    with pytest.warns(ScoringWarning, match=r"passed through unscored .*: 'fever'\."):
        scored = score_cases(frame, network=toy)
    assert scored["error"].tolist() == ["", ""]
    assert scored["fever"].tolist() == ["yes", "maybe"]
    plain = score_cases(frame[["stone"]], network=toy)
    assert scored.loc[0, "p_stone"] == plain.loc[0, "p_stone"]


# ------------------------------------------------------------------- explain, format


def test_explain_names_the_cause_below_the_top_that_the_answers_point_to(net):
    path = Path(__file__).parents[2] / "data" / "example_cases.csv"
    cases = pd.read_csv(path, dtype=str, keep_default_na=False)
    cases = cases.drop(columns=["case_id", "expected_cause", "note"])
    scored = score_cases(cases, network=net, explain=True)
    named = 0
    for i, row in cases.iterrows():
        d = diagnose({k: v for k, v in row.items() if v != ""}, network=net)
        table = d.causes.set_index("cause")
        picks = pointed_causes(d.causes, shown=1, most=1)
        if not picks:
            assert scored.loc[i, "pointed_cause"] == ""
            assert np.isnan(scored.loc[i, "pointed_odds_factor"])
            continue
        named += 1
        assert scored.loc[i, "pointed_cause"] == picks[0] != scored.loc[i, "top_cause"]
        factor = table.loc[picks[0], "odds_factor"]
        assert scored.loc[i, "pointed_odds_factor"] == pytest.approx(factor, rel=1e-9)
        assert factor >= POINTING_FACTOR
        # the largest factor below the top cause
        assert factor == table["odds_factor"].iloc[1:].max()
    assert named >= 10


def test_explain_says_what_set_each_level_as_diagnose_says_it(net):
    # A clinic scoring a file can pick out, say, the rheumatology referrals: the
    # reasons a row's level was set, in the words diagnose gives them.
    path = Path(__file__).parents[2] / "data" / "example_cases.csv"
    cases = pd.read_csv(path, dtype=str, keep_default_na=False)
    cases = cases.drop(columns=["case_id", "expected_cause", "note"])
    young = dict.fromkeys(cases.columns, "")
    young.update({k: str(v) for k, v in NG65_REFERRAL.items()})
    cases = pd.concat([cases, pd.DataFrame([young])], ignore_index=True)
    scored = score_cases(cases, network=net, explain=True)
    names = list(scored.columns)
    assert names.index("triage_reasons") == names.index("red_flags") + 1
    levels = set()
    for i, row in cases.iterrows():
        d = diagnose({k: v for k, v in row.items() if v != ""}, network=net)
        assert scored.loc[i, "triage_reasons"] == "; ".join(d.triage_reasons)
        assert (scored.loc[i, "triage_reasons"] == "") == (d.triage == "self_care")
        levels.add(d.triage)
    assert levels == {"emergency", "see_doctor", "self_care"}
    assert "rheumatologist" in scored["triage_reasons"].iloc[-1]
    assert "triage_reasons" not in score_cases(cases.head(2), network=net).columns


def test_explain_points_to_no_cause_the_row_answered_as_known(net):
    # the second known cause has an infinite factor below the top cause; pointing
    # to it would repeat the answer (and write inf into the file)
    frame = pd.DataFrame(
        {"muscle_strain": ["yes", "yes"], "herniated_disc": ["yes", ""], "age": ["30", "30"]}
    )
    scored = score_cases(frame, network=net, explain=True)
    assert scored["top_cause"].tolist() == ["muscle_strain", "muscle_strain"]
    assert scored["pointed_cause"].tolist() == ["", ""]
    assert np.isnan(scored["pointed_odds_factor"]).all()


def test_explain_names_the_answers_that_moved_the_top_cause(net):
    frame = pd.DataFrame(
        {"spasm_location": ["flank"], "blood_in_urine": ["yes"], "sex": ["female"]}
    )
    scored = score_cases(frame, network=net, explain=True)
    names = list(scored.columns)
    assert names[names.index("top_cause") + 1 :][:5] == [
        "reasons",
        "pointed_cause",
        "pointed_odds_factor",
        "next_question",
        "conflict",
    ]
    top = scored.loc[0, "top_cause"]
    # an emergency (a likely stone): no question comes before going, in every view
    assert scored.loc[0, "triage"] == "emergency"
    assert scored.loc[0, "next_question"] == ""
    assert diagnose(frame.iloc[0].to_dict(), network=net).next_questions(order="interview").empty
    calm = frame.assign(blood_in_urine="no", spasm_location="lower_back")
    asked = score_cases(calm, network=net, explain=True).loc[0, "next_question"]
    expected = diagnose(calm.iloc[0].to_dict(), network=net).next_questions(order="interview")
    assert asked == expected["question"].iloc[0] != ""
    text = scored.loc[0, "reasons"]
    parts = text.split("; ")
    assert parts[0].startswith(("blood_in_urine=yes (x", "spasm_location=flank (x"))
    assert all(" (x" in p or " (/" in p for p in parts)
    # each factor is the odds ratio against the same case without that answer
    first = parts[0].split("=")[0]
    rest = {k: v[0] for k, v in frame.items() if k != first}
    with_all = diagnose(frame.iloc[0].to_dict(), network=net).posterior(top)
    without = diagnose(rest, network=net).posterior(top)
    odds = (with_all / (1 - with_all)) / (without / (1 - without))
    assert parts[0].endswith(f"(x{odds:.1f})")


@pytest.mark.filterwarnings("ignore:columns passed through unscored")  # true_*, notes
def test_probabilities_are_written_losslessly(tmp_path, net):
    good = "\n".join(MIXED.splitlines()[i] for i in (0, 1, 2, 3)) + "\n"
    src = mixed_file(tmp_path, good)
    direct = score_cases(read_regular_rows(src), network=net)
    score_file(src, tmp_path / "o.csv", network=net)
    out = read_scored(tmp_path / "o.csv")
    names = [f"p_{c}" for c in net.causes] + ["p_serious", "conflict"]
    for name in names:
        text = out.loc[out["error"] == "", name]
        expected = direct.loc[direct["error"] == "", name]
        # float(text) is the engine's double, bit for bit.
        assert [float(t) for t in text] == expected.tolist(), name


@pytest.mark.parametrize("digits", [1, 3, 6])
def test_precision_rounds_to_significant_digits(tmp_path, net, digits):
    lossless = tmp_path / "full.csv"
    score_file(mixed_file(tmp_path), lossless, network=net)
    summary = score_file(mixed_file(tmp_path), tmp_path / "o.csv", network=net, precision=digits)
    full = read_scored(lossless)
    out = read_scored(tmp_path / "o.csv")
    good = full["error"] == ""
    for name in ["p_serious", *(f"p_{c}" for c in net.causes)]:
        expected = [f"{float(v):.{digits}g}" for v in full.loc[good, name]]
        assert [f"{float(v):.{digits}g}" for v in out.loc[good, name]] == expected
        assert [float(v) for v in out.loc[good, name]] == [float(e) for e in expected]
    meta = json.loads((tmp_path / "o.csv.meta.json").read_text())
    assert meta["options"]["precision"] == digits
    assert summary.rows == 10


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_precision_leaves_hours_and_counts_whole(tmp_path, net, fmt):
    # --precision 1 wrote 24 hours as 20, and 25 unanswered questions as 20.
    src = tmp_path / "cancer.csv"
    src.write_text("age,history_of_cancer,spasm_location\n70,yes,lower_back\n")
    whole, rounded = tmp_path / f"whole.{fmt}", tmp_path / f"rounded.{fmt}"
    score_file(src, whole, network=net, progress=False)
    score_file(src, rounded, network=net, progress=False, precision=1)
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    full, short = read(whole), read(rounded)
    assert full.loc[0, "triage_within_hours"] == 24
    assert full.loc[0, "screen_unanswered"] > 9  # two digits, which one digit would lose
    for name in ["triage_within_hours", "screen_unanswered"]:
        assert short.loc[0, name] == full.loc[0, name], name
    assert short.loc[0, "p_serious"] == float(f"{full.loc[0, 'p_serious']:.1g}")


def test_bad_precision_and_chunk_bytes(tmp_path, net):
    with pytest.raises(ValueError, match="The 'precision' parameter of score_file"):
        score_file(mixed_file(tmp_path), tmp_path / "o.csv", network=net, precision=0)
    with pytest.raises(ValueError, match="The 'chunk_bytes' parameter of score_file"):
        score_file(mixed_file(tmp_path), tmp_path / "o.csv", network=net, chunk_bytes=10)


def test_triage_columns_sit_before_error(net):
    scored = score_cases(
        pd.DataFrame({"saddle_numbness": ["yes", "no"], "fever": ["no", "maybe"]}), network=net
    )
    assert list(scored.columns[-5:]) == [
        "triage",
        "triage_within_hours",
        "red_flags",
        "screen_unanswered",
        "error",
    ]
    assert scored.loc[0, "triage"] == "emergency"
    assert scored.loc[1, "triage"] == ""
    assert scored.loc[1, "screen_unanswered"] is pd.NA  # not scored: no count either
    # hours and counts are whole numbers, as the command line writes them to Parquet
    assert str(scored["screen_unanswered"].dtype) == "Int64"
    assert str(scored["triage_within_hours"].dtype) == "Int64"


@pytest.mark.parametrize(
    "data",
    [
        b"case_id,fever\rr0,yes\rr1,no\r",  # classic Mac line ends
        b"case_id,fever\nr0,yes\rr1,no\n",  # a lone CR ends a record too
        b'case_id,fever\r\n"r0",yes\r\nr1,"no"',
    ],
)
def test_carriage_returns(tmp_path, net, data):
    src = tmp_path / "cr.csv"
    src.write_bytes(data)
    summary = score_file(src, tmp_path / "o.csv", network=net)
    out = read_scored(tmp_path / "o.csv")
    assert out["case_id"].tolist() == ["r0", "r1"]
    assert summary.scored == 2


def test_quoted_carriage_return_stays_quoted(tmp_path, net):
    src = mixed_file(tmp_path, 'case_id,fever,note\r\nr0,no,"a\rb"\r\nr1,no,x\r\n')
    score_file(src, tmp_path / "o.csv", network=net)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out["note"].tolist() == ["a\rb", "x"]


def test_the_same_values_in_two_columns_are_encoded_per_column_in_every_chunk(tmp_path, net):
    # Encodings are reused across the chunks of a file: the same distinct values in
    # another column (or as other types) must still be judged by their own question.
    path = tmp_path / "same.csv"
    path.write_text("case_id,age,fever\na,70,1\nb,1,70\nc,70,1\nd,1,70\n", encoding="utf-8")
    score_file(path, tmp_path / "o.csv", network=net, chunksize=1)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out["error"].tolist()[0] == out["error"].tolist()[2] == ""
    assert out["error"].tolist()[1].startswith("age: 1 is not allowed")
    assert "fever: 70 is not allowed" in out["error"].tolist()[3]
    frame = pd.DataFrame({"fever": [True, 1, "1", 1.0]})
    scored = score_cases(frame, network=net)
    assert scored["error"].tolist() == ["", "", "", ""]
    assert scored["p_serious"].nunique() == 1


def _scored_text(tmp_path, text, net):
    """Score CSV text written to a file; return the summary and the output as text."""
    src = tmp_path / "in.csv"
    src.write_text(text)
    summary = score_file(src, tmp_path / "o.csv", network=net)
    return summary, pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)


def test_a_one_column_file_keeps_a_quoted_empty_cell_as_a_row(tmp_path, net):
    # pandas writes a missing value of a one-column frame as "" so that the line is
    # not blank: a row with no answer. A blank line is a row too, with an error.
    summary, out = _scored_text(tmp_path, 'age\n45.0\n""\n50.0\n  \n60\n\n', net)
    assert summary.rows == 5
    assert out["age"].tolist() == ["45.0", "", "50.0", "  ", "60"]
    assert out["error"].str.startswith("the row holds no answer").tolist() == [
        False,
        False,
        False,
        True,
        False,
    ]


def test_parquet_category_columns_are_read_and_nested_ones_refused(tmp_path, net):
    plain = pd.DataFrame({"sex": ["male", "female"], "age": [40, 50], "tags": [[1], [2, 3]]})
    coded = plain.assign(sex=pd.Categorical(plain["sex"]))
    coded.to_parquet(tmp_path / "cat.parquet")
    score_file(tmp_path / "cat.parquet", tmp_path / "o.parquet", network=net)
    got = pd.read_parquet(tmp_path / "o.parquet")
    expected = score_cases(plain.drop(columns=["tags"]), network=net)
    np.testing.assert_allclose(got["p_serious"], expected["p_serious"], rtol=1e-12)
    assert got["tags"].map(list).tolist() == [[1], [2, 3]]  # passed through
    plain.assign(sex=[["male"], ["female"]]).to_parquet(tmp_path / "list.parquet")
    with pytest.raises(CaseFileError, match="column 'sex' holds list"):
        score_file(tmp_path / "list.parquet", tmp_path / "o2.parquet", network=net)
    assert not (tmp_path / "o2.parquet").exists()


def test_a_failed_parquet_output_leaves_no_warning_behind(tmp_path, net, monkeypatch):
    import gc
    import warnings

    real, calls = scoring_run.score_block, []

    def interrupted_on_the_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # pyarrow's Parquet writer is open by then
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(scoring_run, "score_block", interrupted_on_the_third_chunk)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            score_file(mixed_file(tmp_path), tmp_path / "o.parquet", network=net, chunksize=1)
        gc.collect()
    assert len(calls) == 3
    assert not (tmp_path / "o.parquet").exists()
    assert unraisable == []  # no "Exception ignored ... write to closed file"
    assert [w for w in caught if "closed file" in str(w.message)] == []


def test_a_closed_multi_line_last_cell_is_read_with_odd_quotes_elsewhere(tmp_path, net):
    # Heights like 5'10" put an odd number of quotes in unquoted cells; the last
    # row's quoted two-line note is closed all the same (it was refused).
    text = 'case_id,age,height,note\nA,45,5\'10",ok\nC,60,5\'2","line1\nline2"\n'
    summary, out = _scored_text(tmp_path, text, net)
    assert summary.rows == 2
    assert out["note"].tolist() == ["ok", "line1\nline2"]


def test_nested_parquet_cells_pass_through_to_csv_as_json(tmp_path, net):
    frame = pd.DataFrame({"age": [45, 50], "tags": [["a", "b"], []]})
    frame.to_parquet(tmp_path / "t.parquet")
    score_file(tmp_path / "t.parquet", tmp_path / "o.csv", network=net)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert [json.loads(v) for v in out["tags"]] == [["a", "b"], []]


def test_binary_parquet_cells_reach_csv_as_hexadecimal_text(tmp_path, net):
    # Bytes that are not UTF-8 crashed the CSV writer; valid ones put NULs in the file.
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"fever": ["yes", "no", "no"], "blob": [b"\xff\xfe", b"\x00\x01", None]})
    pq.write_table(table, tmp_path / "b.parquet")
    summary = score_file(tmp_path / "b.parquet", tmp_path / "o.csv", network=net, progress=False)
    assert summary.scored == 3
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out["blob"].tolist() == ["fffe", "0001", ""]
    assert b"\x00" not in (tmp_path / "o.csv").read_bytes()
    # Parquet output keeps the bytes as they were
    score_file(tmp_path / "b.parquet", tmp_path / "o.parquet", network=net, progress=False)
    assert pq.read_table(tmp_path / "o.parquet")["blob"].to_pylist() == table["blob"].to_pylist()


def test_a_folder_is_no_output_name(tmp_path, net):
    with pytest.raises(CaseFileError, match="it is a folder"):
        score_file(mixed_file(tmp_path), tmp_path, network=net)


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_output_name_is_said_to_be_empty(tmp_path, net, name):
    # -o "" was refused as "it is a folder" (Path("") is the current folder)
    with pytest.raises(CaseFileError, match="empty name"):
        score_file(mixed_file(tmp_path), name, network=net)


def test_a_parquet_input_records_no_delimiter(tmp_path, net):
    # the sidecar of a Parquet input said "delimiter": ","
    pd.DataFrame({"age": [45], "fever": ["yes"]}).to_parquet(tmp_path / "in.parquet")
    score_file(tmp_path / "in.parquet", tmp_path / "o.parquet", network=net, progress=False)
    meta = json.loads((tmp_path / "o.parquet.meta.json").read_text())
    assert meta["input"]["format"] == "parquet"
    assert meta["input"]["delimiter"] is None


def test_score_file_given_a_dataframe_points_to_score_cases(tmp_path, net):
    with pytest.raises(TypeError, match="score a DataFrame with score_cases"):
        score_file(pd.DataFrame({"fever": ["yes"]}), tmp_path / "o.csv", network=net)


def test_a_whole_number_reads_the_same_in_an_error_whichever_reader_typed_it(tmp_path, net):
    # A CSV gives the text '17'; pandas makes the column float (17.0) when another row
    # is blank. The error a user compares across the two shows the value once: 17.
    path = tmp_path / "ages.csv"
    path.write_text("case_id,age\na,17\nb,\n")
    score_file(path, tmp_path / "o.csv", network=net, progress=False)
    from_file = read_scored(tmp_path / "o.csv").loc[0, "error"]
    typed = score_cases(pd.read_csv(path), network=net).loc[0, "error"]
    assert from_file == typed
    assert from_file.startswith("age: 17 is not allowed")
    # text that is not a plain number stays quoted, so its spaces show
    spaced = score_cases(pd.DataFrame({"age": [" 17 "]}), network=net).loc[0, "error"]
    assert spaced.startswith("age: ' 17 ' is not allowed")
