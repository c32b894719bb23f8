"""Case files and outputs from the hostile-file audit: wide headers, long records,
packed and spreadsheet files, Excel's ``sep=`` line, symbolic links and file modes,
leftovers of killed runs, pandas dtypes through Parquet, repeated ids across chunks."""

from __future__ import annotations

import bz2
import csv
import fcntl
import gzip
import io
import lzma
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from backspasm.cli import main
from backspasm.exceptions import CaseFileError
from backspasm.network import default_network
from backspasm.scoring import output_columns, score_file
from backspasm.scoring.cases import read_case_table

CASES = b"case_id,fever\nA1,yes\nA2,no\n"


@pytest.fixture(scope="module")
def net():
    return default_network()


def read_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --------------------------------------------------------------- headers and records


def test_a_header_longer_than_64_kib_is_read(tmp_path, net):
    # A lab-panel export: 2,200 extra columns with 33-character names, a 72 KB header
    # (refused with "cannot read the header row" and no reason).
    names = [f"lab_result_panel_component_{i:05d}" for i in range(2200)]
    src = tmp_path / "wide.csv"
    src.write_text(
        "case_id,age,fever," + ",".join(names) + "\nW1,45,yes," + ",".join(["1.0"] * 2200) + "\n"
    )
    summary = score_file(src, tmp_path / "o.csv", network=net)
    header, row = read_rows(tmp_path / "o.csv")
    assert header == ["case_id", "age", "fever", *names, *output_columns(net)]
    assert row[:4] == ["W1", "45", "yes", "1.0"]
    assert (summary.rows, summary.scored) == (1, 1)


def test_a_long_header_with_a_quoted_line_break_is_read(tmp_path, net):
    names = [f"c{i}" for i in range(16_000)]  # a header of 95 KB, under the column limit
    src = tmp_path / "in.csv"
    src.write_text('case_id,fever,"two\nlines",' + ",".join(names) + "\nA1,yes,x\n")
    score_file(src, tmp_path / "o.csv", network=net)
    header, row = read_rows(tmp_path / "o.csv")
    assert header[:4] == ["case_id", "fever", "two\nlines", "c0"]
    assert row[:3] == ["A1", "yes", "x"]


def test_a_header_over_the_line_limit_names_the_limit(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_text("case_id,fever," + "h" * (5 * 1024 * 1024) + "\nA1,yes,x\n")
    with pytest.raises(CaseFileError, match="the header line is longer than 4,194,304 bytes"):
        score_file(src, tmp_path / "o.csv", network=net)
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


def test_a_record_longer_than_is_read_at_a_time_is_refused_naming_the_limit(tmp_path, net):
    """As data/README.md says: a record up to the read size is read, a longer one refuses
    the file (its lines cannot be set aside without holding them whole)."""
    limit = 128 * 1024
    src = tmp_path / "in.csv"

    def write(cell_lines: int) -> None:
        cell = ("y" * 999 + "\n") * cell_lines
        src.write_text(f'case_id,fever,note\nA1,yes,ok\nA2,no,"{cell}"\nA3,no,ok3\n')

    write(limit // 1000 - 2)
    summary = score_file(src, tmp_path / "o.csv", network=net, chunk_bytes=limit)
    assert (summary.rows, summary.scored) == (3, 3)
    assert pd.read_csv(tmp_path / "o.csv")["note"].str.len().tolist()[1] == 1000 * (
        limit // 1000 - 2
    )
    (tmp_path / "o.csv").unlink()
    (tmp_path / "o.csv.meta.json").unlink()
    write(2 * limit // 1000 + 10)
    message = (
        "a record after row 1 is longer than 131,072 bytes, more than is read at a time; "
        "a quoted cell may span lines, but its whole record must fit"
    )
    with pytest.raises(CaseFileError, match=message):
        score_file(src, tmp_path / "o.csv", network=net, chunk_bytes=limit)
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]
    # the same with the long record first: a stray quote in row 1 of a file larger
    # than a read gave pyarrow's "straddling object straddles two block boundaries
    # (try to increase block size?)" (session 52 review)
    rows = "".join(f"B{i},no,ok\n" for i in range(2 * limit // 8))
    src.write_text(f'case_id,fever,note\nA1,yes,"oops\n{rows}')
    with pytest.raises(CaseFileError) as refused:
        score_file(src, tmp_path / "o.csv", network=net, chunk_bytes=limit)
    assert "the first record is longer than 131,072 bytes" in str(refused.value)
    assert "are its quotes balanced?" in str(refused.value)
    assert "straddl" not in str(refused.value)
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


# ---------------------------------------------------------- packed and spreadsheets


def _zstd(data: bytes) -> bytes:
    tool = shutil.which("zstd")
    if tool is None:
        pytest.skip("zstd is not installed")
    return subprocess.run([tool, "-c"], input=data, capture_output=True, check=True).stdout


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("cases.csv", data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "pack", "tool"),
    [
        ("cases.csv.gz", gzip.compress, "gzip -dc"),
        ("cases.csv.bz2", bz2.compress, "bzip2 -dc"),
        ("cases.csv.xz", lzma.compress, "xz -dc"),
        ("cases.csv.zst", _zstd, "zstd -dc"),
        ("cases.zip", _zip, "unzip -p"),
    ],
)
def test_a_packed_file_is_refused_with_the_tool_that_unpacks_it(tmp_path, net, name, pack, tool):
    src = tmp_path / name
    src.write_bytes(pack(CASES))
    with pytest.raises(CaseFileError) as caught:
        score_file(src, tmp_path / "o.csv", network=net)
    advice = f"{tool} {src} | backspasm score - -o OUT."
    assert str(caught.value).endswith(f"stream it in: {advice}")
    # The advice works: the tool gives back the text of the file.
    command = [*tool.split(), str(src)]
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    assert subprocess.run(command, capture_output=True, check=True).stdout == CASES


def test_a_packed_standard_input_is_refused_with_its_tool(tmp_path, net, monkeypatch, capsys):
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(bz2.compress(CASES))))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["score", "-", "-o", str(tmp_path / "o.csv"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "it is bzip2-compressed" in err
    assert "bzip2 -dc FILE | backspasm score - -o OUT." in err
    assert "gzip" not in err


def _workbook(first_member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(first_member, "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cases.xlsx", _workbook("[Content_Types].xml")),
        ("export.bin", _workbook("docProps/app.xml")),  # no telling name
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
    ],
)
def test_a_spreadsheet_is_refused_with_save_as_csv_utf8(tmp_path, net, name, data):
    src = tmp_path / name
    src.write_bytes(data)
    with pytest.raises(CaseFileError) as caught:
        score_file(src, tmp_path / "o.csv", network=net)
    message = str(caught.value)
    assert "spreadsheet workbook (Excel)" in message
    assert "Save the sheet as CSV UTF-8" in message
    assert "-dc" not in message
    assert "unzip" not in message


# ----------------------------------------------------------------- Excel's sep= line


@pytest.mark.parametrize(
    ("first", "delimiter"), [(b"sep=;", ";"), (b"SEP=|", "|"), (b'"sep=;";;', ";")]
)
def test_excels_sep_line_names_the_delimiter_and_is_no_header(tmp_path, net, first, delimiter):
    d = delimiter.encode()
    body = d.join([b"case_id", b"age", b"fever"]) + b"\r\n"
    body += d.join([b"S1", b"45", b"yes"]) + b"\r\n" + d.join([b"S2", b"30", b"no"]) + b"\r\n"
    src = tmp_path / "in.csv"
    src.write_bytes(b"\xef\xbb\xbf" + first + b"\r\n" + body)
    summary = score_file(src, tmp_path / "o.csv", network=net)
    assert (summary.rows, summary.scored, summary.delimiter) == (2, 2, delimiter)
    # the output keeps the delimiter, so it keeps Excel's line naming it (it was left out),
    # after the input's byte-order mark (which was dropped)
    assert (tmp_path / "o.csv").read_bytes().startswith(b"\xef\xbb\xbfsep=" + d + b"\n")
    rows = read_rows(tmp_path / "o.csv", delimiter)[1:]
    assert rows[0] == ["case_id", "age", "fever", *output_columns(net)]
    assert [r[:3] for r in rows[1:]] == [["S1", "45", "yes"], ["S2", "30", "no"]]
    assert [r[-1] for r in rows[1:]] == ["", ""]
    again = read_case_table(str(tmp_path / "o.csv"))[0]  # and reads back as it was written
    assert again["case_id"].tolist() == ["S1", "S2"]
    score_file(src, tmp_path / "o.parquet", network=net)  # Parquet has no line for it
    assert pd.read_parquet(tmp_path / "o.parquet")["case_id"].tolist() == ["S1", "S2"]
    plain = tmp_path / "plain.csv"
    plain.write_bytes(CASES)
    score_file(plain, tmp_path / "p.csv", network=net)
    assert (tmp_path / "p.csv").read_bytes().startswith(b"case_id")


def test_a_sep_line_alone_is_refused(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_text("sep=;\n\n")
    with pytest.raises(CaseFileError, match="no header row after its first line 'sep=;'"):
        score_file(src, tmp_path / "o.csv", network=net)


# --------------------------------------------------- links, modes, killed runs' files


def test_an_output_that_is_a_symlink_stays_one_and_its_file_keeps_its_mode(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_bytes(CASES)
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "scored.csv"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    score_file(src, link, network=net)
    assert link.is_symlink()
    assert link.resolve() == target
    assert [r[:2] for r in read_rows(target)] == [
        ["case_id", "fever"],
        ["A1", "yes"],
        ["A2", "no"],
    ]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path / "real") == []
    # A plain output keeps its mode as well.
    plain = tmp_path / "plain.csv"
    plain.write_text("old")
    plain.chmod(0o600)
    score_file(src, plain, network=net)
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600
    assert read_rows(plain)[1][:2] == ["A1", "yes"]


def test_a_read_only_file_is_replaced_by_a_writer_that_reopens_its_temporary_file(tmp_path, net):
    """An export review (session 52): `backspasm export -o mine.bif` over a read-only
    mine.bif failed with 'Permission denied: .mine.bif.<hex>.tmp' for a user other
    than root: the temporary file took the target's mode (0444) before pgmpy's writer
    reopened it by name. The mode is now given once the file is written."""
    from backspasm._files import atomic_path

    target = tmp_path / "mine.bif"
    target.write_text("old")
    target.chmod(0o444)
    with atomic_path(target) as tmp:
        assert stat.S_IMODE(tmp.stat().st_mode) & stat.S_IWUSR  # the writer may open it
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert leftovers(tmp_path) == []
    with pytest.warns(UserWarning, match="renames 3 state name"):  # '18-39' as '18_39'
        net.export(target)  # the whole export, as the command runs it
    assert target.read_text().startswith("network")
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_a_full_disk_keeps_the_error_that_names_the_output(tmp_path) -> None:
    """A score review (session 52): on a full disk, `backspasm score` said only
    "[Errno 28] No space left on device": throwing the temporary file away closed it,
    the close flushed its buffer onto the full disk again, and that error replaced
    the one naming the output."""
    import errno

    from backspasm._files import AtomicFile

    target = AtomicFile(tmp_path / "o.csv")
    real = target.fh

    class Full:
        def close(self) -> None:
            real.close()
            raise OSError(errno.ENOSPC, "No space left on device")

    target.fh = Full()  # type: ignore[assignment]
    target.discard()  # the caller's own error stays the one raised
    assert leftovers(tmp_path) == []


def test_temporary_files_of_killed_runs_are_removed_by_the_next(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_bytes(CASES)
    out = tmp_path / "out.csv"
    stale = tmp_path / ".out.csv.0badf00d.tmp"  # a run killed with SIGKILL an hour ago
    stale.write_bytes(b"x" * 1000)
    os.utime(stale, (stale.stat().st_mtime - 3600,) * 2)
    busy = tmp_path / ".out.csv.12345678.tmp"  # another run still writing
    busy.write_bytes(b"y")
    os.utime(busy, (busy.stat().st_mtime - 3600,) * 2)
    fresh = tmp_path / ".out.csv.abcdef01.tmp"  # created a moment ago
    fresh.write_bytes(b"z")
    other = tmp_path / ".other.csv.0badf00d.tmp"  # another output's
    other.write_bytes(b"w")
    os.utime(other, (other.stat().st_mtime - 3600,) * 2)
    with busy.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        score_file(src, out, network=net)
    assert leftovers(tmp_path) == sorted([busy.name, fresh.name, other.name])
    assert read_rows(out)[1][:2] == ["A1", "yes"]


# ----------------------------------------------------------- pandas through Parquet


def test_pandas_dtypes_and_index_survive_scoring_to_parquet(tmp_path, net):
    typed = pd.DataFrame(
        {
            "case_id": ["P1", "P2"],
            "age": pd.array([45, None], dtype="Int64"),
            "fever": pd.array([True, None], dtype="boolean"),
            "weight": [80.5, 61.0],
        },
        index=pd.Index(["r1", "r2"], name="record"),
    )
    typed.to_parquet(tmp_path / "typed.parquet")
    before = pd.read_parquet(tmp_path / "typed.parquet")
    score_file(tmp_path / "typed.parquet", tmp_path / "o.parquet", network=net)
    after = pd.read_parquet(tmp_path / "o.parquet")
    pd.testing.assert_frame_equal(after[list(before.columns)], before)
    assert list(after.columns) == [*before.columns, *output_columns(net)]
    assert after["p_serious"].dtype == "float64"
    assert after["error"].tolist() == ["", ""]


# ------------------------------------------------------------------ repeated ids


@pytest.mark.parametrize("chunksize", [1, 2, 100_000])
def test_the_repeated_id_warning_names_the_first_repeat_whatever_the_chunks(
    tmp_path, net, chunksize
):
    src = tmp_path / "in.csv"
    src.write_text("case_id,fever\nX,yes\nY,no\n,no\nZ,yes\nX,no\nY,yes\nX,no\n")
    summary = score_file(src, tmp_path / "o.csv", network=net, chunksize=chunksize)
    assert summary.warnings == (
        "case_id is not unique: 3 row(s) repeat an earlier id (for example 'X'); "
        "they were scored all the same.",
    )
