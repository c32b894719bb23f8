"""Lines of a CSV case file: blank lines are rows in their place, lines are counted
at LF, CR and CRLF alike, and a row with too many fields quotes the extra cells."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm.exceptions import CaseFileError
from backspasm.network import default_network
from backspasm.scoring import lines, score_file

EMPTY = "the row holds no answer, only delimiters or spaces"


@pytest.fixture(scope="module")
def net():
    return default_network()


def scored(tmp_path: Path, data: bytes, net, **options) -> tuple[object, pd.DataFrame]:
    """Score ``data`` as a CSV file; return the summary and the output as text."""
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    summary = score_file(src, tmp_path / "out.csv", network=net, **options)
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    return summary, out


def is_empty_row(out: pd.DataFrame) -> list[bool]:
    return out["error"].str.startswith(EMPTY).tolist()


# ------------------------------------------------------------------ blank lines


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_an_empty_line_of_a_one_column_file_is_a_row_with_an_error(tmp_path, net, end):
    # Excel writes an unanswered cell of a one-column sheet as an empty line.
    data = end.join(["fever", "yes", "no", "", "yes", "  ", "no", ""]).encode()
    summary, out = scored(tmp_path, data, net)
    assert summary.rows == 6
    assert out["fever"].tolist() == ["yes", "no", "", "yes", "  ", "no"]
    assert is_empty_row(out) == [False, False, True, False, True, False]
    assert summary.errors_by_kind == {"empty row": 2}
    assert summary.exit_code == 3


def test_a_quoted_empty_cell_of_a_one_column_file_is_an_unanswered_row(tmp_path, net):
    # pandas writes a missing value of a one-column frame as "": no error there.
    summary, out = scored(tmp_path, b'fever\nyes\n""\nno\n', net)
    assert out["fever"].tolist() == ["yes", "", "no"]
    assert out["error"].tolist() == ["", "", ""]
    assert summary.exit_code == 0


@pytest.mark.parametrize("blank", ["", "  ", " \t "])
def test_a_blank_line_between_records_keeps_its_place(tmp_path, net, blank):
    data = f"case_id,fever\r\nA,yes\r\n{blank}\r\nB,no\r\n\r\nC,yes\r\n".encode()
    summary, out = scored(tmp_path, data, net)
    assert summary.rows == 5
    assert out["case_id"].tolist() == ["A", blank, "B", "", "C"]
    assert is_empty_row(out) == [False, True, False, True, False]
    assert summary.scored == 3


@pytest.mark.parametrize("width", [1, 2])
def test_blank_lines_after_the_last_record_are_no_rows(tmp_path, net, width):
    header = "fever" if width == 1 else "case_id,fever"
    row = "yes" if width == 1 else "A,yes"
    summary, out = scored(tmp_path, f"{header}\n{row}\n\n  \r\n\r\n\n".encode(), net)
    assert summary.rows == 1
    assert out["error"].tolist() == [""]
    summary, out = scored(tmp_path, f"\n\n{header}\n\n \n".encode(), net)
    assert summary.rows == 0


def test_a_blank_line_inside_a_quoted_cell_stays_in_the_cell(tmp_path, net):
    data = b'case_id,note,fever\nA,"one\n\n  \ntwo",yes\nB,x,no\n'
    summary, out = scored(tmp_path, data, net)
    assert out["note"].tolist() == ["one\n\n  \ntwo", "x"]
    assert summary.exit_code == 0


@pytest.mark.parametrize("width", [1, 3])
def test_long_runs_of_blank_lines_are_counted_not_held(tmp_path, net, monkeypatch, width):
    # Reads of 4 KiB: a run of blank lines longer than a read is held as a count.
    monkeypatch.setattr(lines, "_READ_BYTES", 4096)
    header, row = ("fever", "yes") if width == 1 else ("case_id,fever,note", "A,yes,x")
    run = "\n".join([" ", ""] * 3_000)
    data = f"{header}\n{row}\n{run}\n{row}\n{run}\n".encode()
    summary, out = scored(tmp_path, data, net, chunk_bytes=64 * 1024)
    assert summary.rows == 6_002
    assert is_empty_row(out) == [False, *[True] * 6_000, False]


LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])
LINE = st.one_of(st.sampled_from(["", " ", "  \t"]), st.integers(0, 99).map(lambda i: f"r{i}"))


def reference_rows(text: str) -> list[str]:
    """The lines of ``text`` between the header and the last line that is not blank."""
    found = re.split(r"\r\n|\r|\n", text)
    if text.endswith(("\n", "\r")):
        found.pop()
    while found and not found[0].strip(" \t"):
        found.pop(0)
    while found and not found[-1].strip(" \t"):
        found.pop()
    return found[1:]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    body=st.lists(st.tuples(LINE, LINE_ENDS), max_size=40),
    last=st.booleans(),
    width=st.sampled_from([1, 2]),
)
def test_every_line_between_header_and_last_record_is_a_row(
    tmp_path, net, monkeypatch, body, last, width
):
    monkeypatch.setattr(lines, "_READ_BYTES", 7)  # reads cut lines and CRLFs anywhere
    header = "fever" if width == 1 else "case_id,fever"  # r1 is no answer: an error
    text = header + "\n" + "".join(line + end for line, end in body)
    if not last and text.endswith(("\n", "\r")):
        text = text[:-1] if not text.endswith("\r\n") else text[:-2]
    if width == 2:  # a record is "r1,yes"; a blank line stays blank
        text = re.sub(r"(r\d+)", r"\1,yes", text)
    src = tmp_path / "in.csv"
    src.write_text(text, newline="")
    summary = score_file(src, tmp_path / "out.csv", network=net, chunk_bytes=64 * 1024)
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    expected = reference_rows(text)
    assert summary.rows == len(expected)
    # a blank line keeps its spaces, but a run of them longer than a read is counted
    # and comes back as empty lines
    first = [value if value.strip(" \t") else "" for value in out.iloc[:, 0]]
    assert first == [line.split(",")[0].strip(" \t") for line in expected]
    assert is_empty_row(out) == [not line.strip(" \t") for line in expected]


# ------------------------------------------------------------------ line numbers


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_a_bad_byte_names_its_line_whatever_ends_the_lines(tmp_path, net, end):
    data = end.join(["case_id,fever", "a,yes", "b,no", "c,\xe9"]).encode("latin-1") + b"\n"
    with pytest.raises(CaseFileError, match="byte 0xe9 on line 4 cannot be decoded"):
        scored(tmp_path, data, net)


@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_a_line_over_the_limit_names_its_line_in_a_cr_file(tmp_path, net, monkeypatch, end):
    monkeypatch.setattr(lines, "_READ_BYTES", 1000)  # CRLFs cut by reads, too
    limit = 32 * 1024
    rows = ["case_id,fever,note", "a,yes,x", "b,no," + "y" * (3 * limit), "c,yes,z", "d,no,w"]
    summary, out = scored(tmp_path, end.join(rows).encode(), net, chunk_bytes=2 * limit)
    assert out["case_id"].tolist() == ["a", "b", "c", "d"]  # the cells it begins with kept
    assert out.loc[1, "error"] == (
        f"line 3 is longer than {limit:,} bytes; only its first 2 cells were read"
    )
    assert out["error"].tolist()[2:] == ["", ""]
    assert summary.rows == 4


# ------------------------------------------------------------- too many fields


def test_a_row_with_too_many_fields_quotes_the_extra_cells(tmp_path, net):
    data = b"case_id,age,sex,fever,note\nR1,45,male,yes,a,EXTRA,MORE\nR2,50,male,no,b\n"
    _, out = scored(tmp_path, data, net)
    assert out.loc[0, "error"] == (
        "row has 7 fields, header has 5; the 2 beyond the header: 'EXTRA', 'MORE'"
    )
    assert out.loc[1, "error"] == ""


def test_many_or_long_extra_cells_are_quoted_in_part(tmp_path, net):
    extra = ",".join(f"x{i}" for i in range(10))
    long = "z" * 1000
    data = f"case_id,fever\nA,yes,{extra}\nB,no,{long},{long}\n".encode()
    _, out = scored(tmp_path, data, net)
    assert out.loc[0, "error"] == (
        "row has 12 fields, header has 2; the 10 beyond the header: 'x0', 'x1', 'x2' and 7 more"
    )
    message = out.loc[1, "error"]
    assert message.startswith("row has 4 fields, header has 2; the 2 beyond the header: 'zzz")
    assert message.endswith("...")
    assert len(message) < 300


@pytest.mark.parametrize("over", [0, 1, 700])
def test_the_line_limit_is_exact_however_the_reads_fall(tmp_path, net, monkeypatch, over):
    """A score review (session 52): a line of 4,500,000 bytes was read though the limit
    said 4,194,304 (a line grows a read at a time, and one that ended within the read
    that took it past the limit was passed on), and a line over it lost every cell,
    its case_id too."""
    monkeypatch.setattr(lines, "_READ_BYTES", 1000)
    limit = 32 * 1024
    long = "b,no," + "y" * (limit - 5 + over)  # limit + over bytes
    rows = ["case_id,fever,note", "a,yes,x", long, "c,yes,z"]
    summary, out = scored(tmp_path, "\n".join(rows).encode() + b"\n", net, chunk_bytes=2 * limit)
    assert out["case_id"].tolist() == ["a", "b", "c"]
    if over:
        assert out.loc[1, "error"] == (
            f"line 3 is longer than {limit:,} bytes; only its first 2 cells were read"
        )
        assert out.loc[1, "note"] == ""
        assert summary.errors_by_kind == {"line too long": 1}
    else:
        assert out.loc[1, "error"] == ""
        assert len(out.loc[1, "note"]) == limit - 5
