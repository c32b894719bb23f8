"""What an analyst noticed in blind audit 19: rows that lost their answers without a
word, a repeated column read two ways, pipes, an open quote at the end, the progress
bar, encodings, the reasons' answers, timestamps, impossible answers, the BOM."""

from __future__ import annotations

import datetime
import json
import os
import threading
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from backspasm.exceptions import CaseFileError
from backspasm.network import default_network
from backspasm.scoring import IMPOSSIBLE, ScoringWarning, score_cases, score_file
from backspasm.scoring.cases import read_case_table


@pytest.fixture(scope="module")
def net():
    return default_network()


def scored(path: Path, sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)


# ------------------------------------------------------------------- short rows


def test_a_comma_row_in_a_semicolon_file_carries_an_error_not_a_self_care_triage(tmp_path, net):
    src = tmp_path / "mixed.csv"
    src.write_text("case_id;age;sex;fever;note\nA1;45;male;yes;a,b\nA2,50,female,no,c\nA3;60\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    out = scored(tmp_path / "o.csv", ";")
    assert out["case_id"].tolist() == ["A1", "A2,50,female,no,c", "A3"]  # kept, in place
    assert "separated by ','" in out.loc[1, "error"]
    assert out.loc[1, "triage"] == ""
    assert summary.exit_code == 3
    # a row cut short is still read with the missing cells blank, but counted and named
    assert out.loc[2, "error"] == ""
    assert out.loc[2, "triage"] != ""
    assert summary.short_rows == 1
    note = "1 row(s) have fewer fields than the header (first, row 3: 2 of 5)"
    assert any(note in w for w in summary.warnings)
    assert note in summary.format()
    meta = json.loads((tmp_path / "o.csv.meta.json").read_text())
    assert meta["short_rows"] == 1


def test_a_quoted_cell_holding_a_comma_in_a_short_row_is_no_separator_mistake(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_text('case_id;fever;note\n"A,1"\nB;yes;x\n')
    summary = score_file(src, tmp_path / "o.csv", network=net)
    out = scored(tmp_path / "o.csv", ";")
    assert out["error"].tolist() == ["", ""]
    assert summary.short_rows == 1


def test_excels_empty_rows_carry_an_error(tmp_path, net):
    src = tmp_path / "trailing.csv"
    src.write_text("case_id,age,fever\nA,45,yes\n,,\n , ,\n,\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    out = scored(tmp_path / "o.csv")
    assert len(out) == 4
    assert out.loc[0, "error"] == ""
    for row in (1, 2, 3):
        assert "holds no answer, only delimiters" in out.loc[row, "error"]
        assert out.loc[row, "triage"] == ""
    assert summary.errors_by_kind == {"empty row": 3}
    assert summary.short_rows == 0  # ',' is an empty row, not a short one


def test_read_case_table_warns_about_short_rows_and_refuses_a_lost_row(tmp_path):
    src = tmp_path / "short.csv"
    src.write_text("case_id,fever,expected_cause\nA,yes,muscle_strain\nB\n")
    with pytest.warns(ScoringWarning, match=r"1 row\(s\) have fewer fields"):
        frame, _ = read_case_table(str(src))
    assert frame["fever"].tolist() == ["yes", ""]
    src.write_text("case_id;fever\nA;yes\nB,no\n")
    with pytest.raises(CaseFileError, match=r"row 2: .*separated by ','"):
        read_case_table(str(src))


# ------------------------------------------------------------ a repeated column


def test_a_repeated_column_is_merged_and_its_clash_refused_by_file_and_table(tmp_path, net):
    # two ages in different bands: which one the row meant is not for us to pick
    src = tmp_path / "dup.csv"
    src.write_text("case_id,age,fever,age\nA,45,yes,70\nB,,yes,70\nC,45,yes,46\n")
    with pytest.warns(ScoringWarning, match=r"column 'age' appears 2 times; read as 'age\.1'"):
        frame, _ = read_case_table(str(src))
    assert list(frame.columns) == ["case_id", "age", "fever", "age.1"]
    assert frame.loc[0, "age"] == "45"
    summary = score_file(src, tmp_path / "o.csv", network=net)
    assert (
        "column 'age' appears 2 times; a blank cell takes the answer of another copy, and a "
        "row whose copies give different answers is not used (its error names them)."
    ) in summary.warnings
    out = pd.read_csv(tmp_path / "o.csv", keep_default_na=False)
    assert out["error"][0] == (
        "age: the column appears 2 times and its copies give different answers "
        "('45' and '70'); give one answer"
    )
    assert out["p_spinal_stenosis"][0] == ""
    # a blank first copy takes the second's answer; 45 and 46 are one age band
    alone = score_cases(pd.DataFrame({"age": ["70", "45"], "fever": ["yes", "yes"]}), network=net)
    assert out["p_spinal_stenosis"][1:].astype(float).tolist() == pytest.approx(
        alone["p_spinal_stenosis"].tolist(), abs=1e-12
    )
    assert out["error"][1:].tolist() == ["", ""]
    with pytest.warns(ScoringWarning, match="'age' appears 2 times; a blank cell"):
        again = score_cases(frame, network=net)  # the table read, scored: the same rows
    assert again["error"].tolist() == out["error"].tolist()
    assert again["p_spinal_stenosis"][1:].tolist() == pytest.approx(
        alone["p_spinal_stenosis"].tolist(), abs=1e-12
    )


# ---------------------------------------------------------------- named pipes


def feed(path: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(path, "wb") as fh:
            fh.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_read_as_a_stream(tmp_path, net):
    fifo = tmp_path / "cases.fifo"
    data = b"case_id,fever\nA,yes\nB,no\n"
    os.mkfifo(fifo)
    thread = feed(fifo, data)
    summary = score_file(fifo, tmp_path / "o.csv", network=net)
    thread.join(5)
    assert (summary.rows, summary.scored) == (2, 2)
    assert scored(tmp_path / "o.csv")["case_id"].tolist() == ["A", "B"]
    thread = feed(fifo, data)
    frame, _ = read_case_table(str(fifo))  # evaluate, figures --cases
    thread.join(5)
    assert frame["fever"].tolist() == ["yes", "no"]
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.table({"case_id": ["P"], "fever": ["yes"]}), buffer)
    thread = feed(fifo, buffer.getvalue().to_pybytes())
    summary = score_file(fifo, tmp_path / "p.csv", network=net)
    thread.join(5)
    assert (summary.input_format, summary.scored) == ("parquet", 1)


# ------------------------------------------------------ an open quote at the end


@pytest.mark.parametrize(
    "text",
    [
        'case_id,age,fever,note\nA,45,yes,ok\nB,30,"yes\n',  # a short last record
        'case_id,rowno,age,sex,note\nC0,0,45,male,\nX,1,45,"unclosed\n',  # a copy cut off
    ],
)
def test_an_open_quote_in_a_short_last_record_is_refused(tmp_path, net, text):
    src = tmp_path / "cut.csv"
    src.write_text(text)
    with pytest.raises(CaseFileError, match=r"last record \(row 2\) is never closed"):
        score_file(src, tmp_path / "o.csv", network=net)
    assert not (tmp_path / "o.csv").exists()


# ------------------------------------------------------------------- progress


class _Bar:
    """Stands for tqdm: records where the bar is each time the rows done are shown."""

    seen: ClassVar[list[tuple[int, int, int]]] = []

    def __init__(self, total=None, unit="", **_):
        self.total, self.unit, self.n, self.leave = total, unit, 0, True

    def update(self, k):
        self.n += k

    def set_postfix(self, rows, refresh=True):
        _Bar.seen.append((self.n, int(rows.replace(",", "")), self.total))

    def close(self):
        pass


def test_the_progress_bar_moves_with_the_rows_scored_not_read(tmp_path, net, monkeypatch):
    import tqdm

    src = tmp_path / "big.csv"
    rows = 40_000
    src.write_text(
        "case_id,age,fever\n"
        + "".join(f"r{i:07d},45,{'yes' if i % 3 else 'no'}\n" for i in range(rows))
    )
    monkeypatch.setattr(tqdm, "tqdm", _Bar)
    _Bar.seen = []
    score_file(
        src, tmp_path / "o.csv", network=net, chunksize=4_000, chunk_bytes=64 * 1024, progress=True
    )
    assert len(_Bar.seen) >= 10
    for at, done, total in _Bar.seen:
        # the share of the bytes shown is the share of the rows scored (the reader is
        # far ahead of the scorer, and the bar showed how far it had read)
        assert at / total == pytest.approx(done / rows, abs=0.01)


def test_explained_rows_move_the_bar_a_thousand_at_a_time(tmp_path, net, monkeypatch):
    import tqdm

    src = tmp_path / "few.csv"
    src.write_text("case_id,fever\n" + "".join(f"r{i},yes\n" for i in range(2_500)))
    monkeypatch.setattr(tqdm, "tqdm", _Bar)
    _Bar.seen = []
    score_file(src, tmp_path / "o.csv", network=net, explain=True, progress=True)
    assert [done for _, done, _ in _Bar.seen] == [1_000, 2_000, 2_500]


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        ("case_id,fever\nA,yes\n".encode("utf-16-le"), "UTF-16LE (without a byte-order mark)"),
        ("case_id,fever\nA,yes\n".encode("utf-16-be"), "iconv -f UTF-16BE -t utf-8"),
        ("case_id,fever\nA,yes\n".encode("utf-16"), "iconv -f UTF-16 -t utf-8"),
        ("case_id,note\nA,\u201cquoted\u201d\n".encode("cp1252"), "iconv -f cp1252 -t utf-8"),
    ],
)
def test_encodings_are_named_with_the_right_hint(tmp_path, net, data, hint):
    src = tmp_path / "enc.csv"
    src.write_bytes(data)
    with pytest.raises(CaseFileError) as info:
        score_file(src, tmp_path / "o.csv", network=net)
    assert hint in str(info.value)
    assert "latin1" not in str(info.value)
    assert "no column is a question" not in str(info.value)


# ------------------------------------------------------------ what a row says


def test_reasons_show_the_answer_as_red_flags_do(tmp_path, net):
    src = tmp_path / "rf.csv"
    src.write_text(
        "case_id,age,fever,iv_drug_use_or_immunosuppression,spasm_location\nA,70, Y ,TRUE,Mid_Back\n"
    )
    score_file(src, tmp_path / "o.csv", network=net, explain=True)
    row = scored(tmp_path / "o.csv").iloc[0]
    assert "fever=yes" in row["red_flags"]
    assert "fever=yes (" in row["reasons"]
    assert "iv_drug_use_or_immunosuppression=yes (" in row["reasons"]
    assert "=Y" not in row["reasons"]
    assert "TRUE" not in row["reasons"]
    assert "age=70 (" in row["reasons"]  # a number stays the number given


def test_a_parquet_timestamp_is_shown_plainly_in_the_error(tmp_path, net):
    src = tmp_path / "t.parquet"
    when = datetime.datetime(2020, 1, 1)
    pq.write_table(pa.table({"case_id": ["A"], "age": [when], "fever": ["yes"]}), src)
    score_file(src, tmp_path / "o.csv", network=net)
    error = scored(tmp_path / "o.csv").loc[0, "error"]
    assert error.startswith("age: 2020-01-01 00:00:00 is not allowed")
    assert "datetime" not in error


def test_impossible_answers_are_named(tmp_path, net):
    src = tmp_path / "imp.csv"
    src.write_text("case_id,sex,recent_pregnancy_or_childbirth,age,fever\nA,Male,Y,45,\n")
    score_file(src, tmp_path / "o.csv", network=net)
    error = scored(tmp_path / "o.csv").loc[0, "error"]
    assert error.startswith(IMPOSSIBLE)
    assert error.endswith("sex=male, recent_pregnancy_or_childbirth=yes, age=45")


def test_a_bom_is_kept_in_a_csv_output(tmp_path, net):
    src = tmp_path / "bom.csv"
    src.write_bytes("\ufeffcase_id,fever,note\nA,yes,caf\u00e9\n".encode())
    score_file(src, tmp_path / "o.csv", network=net)
    data = (tmp_path / "o.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfcase_id,fever,note,")
    assert scored(tmp_path / "o.csv").loc[0, "note"] == "caf\u00e9"  # pandas reads the BOM
    src.write_bytes(b"case_id,fever\nA,yes\n")
    score_file(src, tmp_path / "o.csv", network=net)
    assert (tmp_path / "o.csv").read_bytes().startswith(b"case_id,")
