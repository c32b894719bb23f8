"""Hostile case files: whatever bytes arrive, score_file returns every row in order or
raises CaseFileError for a file that cannot be used at all. Never another traceback."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backspasm import cli
from backspasm.cli import main
from backspasm.exceptions import CaseFileError
from backspasm.network import default_network
from backspasm.questionnaire import default_questions
from backspasm.scoring import output_columns, score_cases, score_file
from backspasm.scoring.cases import ScoringWarning

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMES = [
    "fever",
    "age",
    "sex",
    "spasm_location",
    "spasm_duration_weeks",
    "case_id",
    "kidney_stones",
    "back_spasm",
    "note",
    "fevr",
    "Fever ",
]
CELL = st.one_of(
    st.sampled_from(
        [
            "yes",
            "no",
            "Y",
            " n ",
            "maybe",
            "",
            "NA",
            "unknown",
            "NaN",
            "=cmd()",
            "+SUM(A1)",
            "007",
            "1.0",
            "70",
            "150",
            "-1",
            "flank",
            " LOWER_BACK ",
            "c1",
            "c1",
        ]
    ),
    st.text(max_size=12),
    st.text(alphabet="\",;\t\n\r '", max_size=6),
    st.integers(1_000, 150_000).map(lambda n: "h" * n),
)


@st.composite
def case_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A CSV as bytes, possibly ragged, badly encoded or with literal quotes."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    names = ["rowidx", *draw(st.lists(st.sampled_from(NAMES), max_size=5))]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(names)
    for i in range(draw(st.integers(0, 12))):
        cells = draw(st.lists(CELL, min_size=len(names) - 1, max_size=len(names) - 1))
        shape = draw(st.sampled_from(["ok", "ok", "ok", "short", "long", "blank", "literal"]))
        if shape == "short":
            cells = cells[: draw(st.integers(0, len(cells)))]
        elif shape == "long":
            cells = cells + draw(st.lists(CELL, min_size=1, max_size=3))
        if shape == "blank":
            buffer.write(draw(st.sampled_from(["", "  ", "\t"])) + terminator)
        if shape == "literal":
            # a quote inside an unquoted field (5'10"), written raw
            buffer.write(delimiter.join([f"r{i}", *(["5'10\""] * (len(names) - 1))]) + terminator)
            continue
        writer.writerow([f"r{i}", *cells])
    text = buffer.getvalue()
    if draw(st.booleans()):
        text = text.removesuffix(terminator)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data, delimiter


def expected_rows(data: bytes, delimiter: str) -> list[list[str]] | None:
    """Rows as the csv module reads them (None when the file is unusable)."""
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return None
    rows = read_rows(text, delimiter)
    # Blank lines before the header and after the last record are no rows; those
    # between records are (they carry an error).
    while rows and blank(rows[0]):
        rows.pop(0)
    while rows and blank(rows[-1]):
        rows.pop()
    return rows or None


def blank(row: list[str]) -> bool:
    """Whether a record is a blank line: empty, or spaces and tabs (a line ``""`` is not)."""
    return not row or (len(row) == 1 and row[0] != "" and not row[0].strip(" \t"))


def read_rows(text: str, delimiter: str) -> list[list[str]]:
    """Rows of CSV text (huge cells allowed), a blank line as ``[]`` or its spaces."""
    limit = csv.field_size_limit(2**31 - 1)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    finally:
        csv.field_size_limit(limit)


@pytest.fixture(scope="module")
def net():
    return default_network()


def run(data: bytes, chunksize: int, net) -> tuple[object, Path, str | None]:
    """Score ``data``; return the summary (or None), the output path's text and the error."""
    folder = Path(tempfile.mkdtemp())
    src, dest = folder / "in.csv", folder / "out.csv"
    src.write_bytes(data)
    try:
        return score_file(src, dest, network=net, chunksize=chunksize), dest, None
    except CaseFileError as exc:
        assert not dest.exists()
        assert [p.name for p in folder.iterdir()] == ["in.csv"]
        return None, dest, str(exc)


# Huge cells make hypothesis' repr of an example large; that is expected here.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@SETTINGS
@given(case=case_files(), chunksize=st.sampled_from([1, 3, 100_000]))
def test_hostile_files_keep_every_row_in_order(net, case, chunksize):
    data, delimiter = case
    summary, dest, error = run(data, chunksize, net)
    if error is not None:
        assert "in.csv" in error
        assert "\n" not in error
        # only unusable files may raise: empty, not UTF-8, a quote never closed, no
        # column that is a question (every row would be scored on the prior alone),
        # or a question's name spelt otherwise ('Fever ': its answers would be lost)
        assert (
            expected_rows(data, delimiter) is None
            or "never closed" in error
            or "no column is a question" in error
            or "differ from a question only in case" in error
            or "one letter away from a question's name" in error  # 'fevr': a typo
        )
        return
    used = summary.delimiter
    rows = expected_rows(data, used)
    assert rows is not None
    header, *body = rows
    if len(header) > 1:
        assert used == delimiter
    written_bytes = dest.read_bytes()
    # a byte-order mark is kept (Excel reads the passed-through text as UTF-8 by it)
    bom = b"\xef\xbb\xbf"
    assert written_bytes.startswith(bom) == data.startswith(bom)
    out = read_rows(written_bytes.removeprefix(bom).decode("utf-8"), used)
    assert out[0] == [*header, *output_columns(net)]
    assert summary.rows == len(body) == len(out) - 1
    assert [r[0] for r in out[1:]] == [(r or [""])[0] for r in body]
    width = len(header)
    for given_row, written in zip(body, out[1:], strict=True):
        assert len(written) == width + len(output_columns(net))
        kept = (given_row + [""] * width)[:width]
        assert written[:width] == kept
        if len(given_row) > width:
            assert written[-1].startswith(f"row has {len(given_row)} fields, header has {width}")
        if blank(given_row):
            assert written[-1].startswith("the row holds no answer")
    assert summary.exit_code == (0 if summary.errors == 0 else 3)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes_never_crash(net, data):
    summary, dest, error = run(data, 100_000, net)
    if error is not None:
        assert "in.csv" in error
        assert "\n" not in error
        return
    assert dest.exists()
    assert summary.rows >= 0


# ------------------------------------------------- the command line: unsafe outputs


@pytest.mark.parametrize(
    ("input", "output", "message"),
    [
        (
            "res.csv.meta.json",
            "res.csv",
            "the provenance sidecar '{d}/res.csv.meta.json' of output '{d}/res.csv' is the input file '{d}/res.csv.meta.json'",
        ),
        ("cases.csv", "cases.csv", "output '{d}/cases.csv' is the input file '{d}/cases.csv'"),
        ("cases.csv", "out.xlsx", "use one of .csv, .tsv, .txt, .parquet, .pq"),
        ("cases.csv", "nope/out.csv", "folder '{d}/nope' does not exist"),
        ("cases.csv", ".", "it is a folder"),
    ],
)
def test_cli_refuses_at_once_in_one_line(tmp_path, capsys, monkeypatch, input, output, message):
    def too_late(path):
        raise AssertionError("the network was loaded before the paths were checked")

    monkeypatch.setattr(cli, "_network", too_late)
    src = tmp_path / input
    src.write_text("case_id,fever\na,yes\n")
    code = main(["score", str(src), "-o", str(tmp_path / output), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("backspasm score: error: ")
    assert message.format(d=tmp_path) in err
    assert src.read_text() == "case_id,fever\na,yes\n"
    assert [p.name for p in tmp_path.iterdir()] == [input]


# ------------------------------------ the command line: SIGINT, SIGTERM and SIGHUP

# Python ignores SIGINT in a child when its parent's shell did (a background job):
# give the child the Ctrl-C handler an interactive shell would.
CHILD = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from backspasm.cli import main; sys.exit(main(sys.argv[1:]))"
)
WAIT = 120  # seconds; generous bounds for a loaded machine, never slept through


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """40,000 cases with random answers to every question: many seconds of scoring."""
    n = 40_000
    rng = np.random.default_rng(10)
    columns: dict[str, object] = {}
    for q in default_questions():
        if q.kind == "id":
            columns[q.column] = [f"c{i}" for i in range(n)]
        elif q.kind == "age":
            columns[q.column] = rng.integers(18, 90, n)
        elif q.kind == "weeks":
            columns[q.column] = rng.integers(0, 30, n)
        elif q.kind == "choice":
            columns[q.column] = rng.choice([*q.choices, ""], n)
        else:
            columns[q.column] = rng.choice(["yes", "no", ""], n)
    path = tmp_path_factory.mktemp("big") / "big.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
)
def test_a_signal_ends_scoring_in_one_line_and_leaves_nothing(tmp_path, big_file, signum, code):
    folder = tmp_path / "out"
    folder.mkdir()
    command = [sys.executable, "-c", CHILD, "score", str(big_file), "-o", str(folder / "s.csv")]
    command += ["--no-progress", "--chunksize", "500"]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + WAIT
        # Scoring has started once the atomic writer's temporary file exists.
        while not any(folder.iterdir()):
            assert child.poll() is None, "scoring ended before it could be interrupted"
            assert time.monotonic() < deadline, "scoring never started"
            time.sleep(0.02)
        assert [p.name.startswith(".s.csv.") for p in folder.iterdir()] == [True]
        child.send_signal(signum)
        _, err = child.communicate(timeout=WAIT)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == code
    assert err.decode() == "backspasm score: interrupted; nothing written\n"
    assert list(folder.iterdir()) == []


# ------------------------------------------------------- lines over the limit, memory


def test_a_line_over_the_limit_is_that_rows_error(tmp_path, net):
    limit = 64 * 1024
    text = "case_id,fever,note\na,yes,x\nb,no," + "y" * (3 * limit) + "\nc,maybe,z\n"
    src = tmp_path / "in.csv"
    src.write_text(text)
    summary = score_file(src, tmp_path / "o.csv", network=net, chunk_bytes=2 * limit)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out["case_id"].tolist() == ["a", "b", "c"]  # the cells it begins with kept
    assert out.loc[1, "fever"] == "no"
    assert out.loc[1, "error"] == (
        f"line 3 is longer than {limit:,} bytes; only its first 2 cells were read"
    )
    assert out.loc[2, "error"].startswith("fever: 'maybe' is not allowed")
    assert summary.errors_by_kind == {"invalid fever": 1, "line too long": 1}
    assert summary.scored == 1


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_a_line_over_the_limit_while_the_header_is_read_is_that_rows_error(tmp_path, net, sep):
    # Dropped before the delimiter and width were known, the line's marker was
    # "<NUL>backspasm: dropped line 3,": in a two-column comma file a row of data (the
    # row scored on answers never read, the marker in its note cell, exit 0); with
    # another delimiter its error read "line 3," with a stray comma.
    limit = 64 * 1024
    rows = [
        "note" + sep + "fever",
        "1" + sep + "yes",
        "y" * (3 * limit) + sep + "no",
        "3" + sep + "yes",
    ]
    src = tmp_path / "in.csv"
    src.write_text("\n".join(rows) + "\n")
    summary = score_file(src, tmp_path / "o.csv", network=net, chunk_bytes=2 * limit)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False, sep=sep)
    assert out["note"].tolist() == ["1", "", "3"]
    assert out["fever"].tolist() == ["yes", "", "yes"]
    assert out.loc[1, "error"] == f"line 3 is longer than {limit:,} bytes; its cells were not read"
    assert out.loc[1, "p_muscle_strain"] == ""
    assert summary.errors_by_kind == {"line too long": 1}
    assert summary.scored == 2


def test_a_header_over_the_limit_is_refused(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_text("case_id," + "h" * 200_000 + "\na,b\n")
    with pytest.raises(CaseFileError, match="the header line is longer than 65,536 bytes"):
        score_file(src, tmp_path / "o.csv", network=net, chunk_bytes=128 * 1024)
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


# The peak resident set of this process alone: ru_maxrss would also count the parent's
# peak at fork time (Linux keeps it across exec), which under pytest is large.
PEAK_RSS = """
import sys
from backspasm.scoring import score_file
summary = score_file(sys.argv[1], sys.argv[2], progress=False)
print(summary.rows, summary.errors_by_kind.get("line too long", 0))
with open("/proc/self/status") as fh:
    print(next(line.split()[1] for line in fh if line.startswith("VmHWM:")))
"""


@pytest.mark.slow
def test_300_mb_without_a_newline_stays_in_bounded_memory(tmp_path):
    """Old scoring buffered such a line whole; now it is dropped as it streams past."""
    src = tmp_path / "huge.csv"
    block = b"x" * (1024 * 1024)
    with src.open("wb") as fh:
        fh.write(b"case_id,fever,note\na,yes,short\nb,no,")
        for _ in range(300):
            fh.write(block)
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(src), str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows, dropped, peak_kib = done.stdout.split()
    assert (int(rows), int(dropped)) == (2, 1)
    # The interpreter, pgmpy and the network take about 200 MiB; the line adds ~nothing.
    assert int(peak_kib) < 450 * 1024, f"peak RSS {int(peak_kib) / 1024:.0f} MiB"


def test_a_line_of_tabs_in_a_tab_separated_file_is_a_row_of_empty_cells(tmp_path, net):
    # It was dropped when it had fewer fields than the header (a row lost), and kept
    # when it had as many: a line holding the delimiter is a record, as ",," is.
    for header in ("case_id\tfever\n", "case_id\tfever\tage\tsex\n"):
        src = tmp_path / "tabs.tsv"
        src.write_bytes((header + "\t\nr0\tyes\n").encode())
        summary = score_file(src, tmp_path / "out.csv", network=net)
        assert summary.rows == 2
        out = pd.read_csv(tmp_path / "out.csv", sep="\t", dtype=str, keep_default_na=False)
        assert out["case_id"].tolist() == ["", "r0"]


def test_an_unsure_answer_in_a_file_is_refused_with_the_reason(tmp_path, net):
    # diagnose() takes 0.7 or 70% as an unsure answer; a file holds yes or no, and
    # the row's error said only "not allowed".
    src = tmp_path / "in.csv"
    src.write_text("case_id,fever\na,0.7\nb,70%\nc,maybe\nd,1\n")
    score_file(src, tmp_path / "o.csv", network=net)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    for row in (0, 1):
        assert out.loc[row, "error"].endswith(
            "an unsure answer is for one case at a time (backspasm diagnose or ask), "
            "a case file holds yes or no"
        )
    assert "unsure" not in out.loc[2, "error"]
    assert out.loc[3, "error"] == ""


def test_a_scored_row_says_how_soon_and_asks_nothing_before_an_emergency(tmp_path, net):
    src = tmp_path / "in.csv"
    src.write_text(
        "case_id,age,history_of_cancer,unexplained_weight_loss,night_pain,spasm_location,"
        "spine_tender_to_tapping,not_improving_after_a_month,saddle_numbness\n"
        "A,66,yes,yes,yes,mid_back,yes,yes,\n"
        "B,66,no,yes,yes,mid_back,yes,yes,\n"
        "C,40,,,,lower_back,,,yes\n"
    )
    score_file(src, tmp_path / "o.csv", network=net, explain=True)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out["triage"].tolist() == ["see_doctor", "see_doctor", "emergency"]
    assert out["triage_within_hours"].tolist() == ["24", "168", ""]
    assert out.loc[2, "next_question"] == ""  # ask asks nothing before going
    assert out.loc[0, "next_question"] != ""


def test_a_blank_back_spasm_cell_is_no_reason(tmp_path, net):
    # The presentation defaults to yes in a blank cell; the reasons named it as an
    # answer (back_spasm= x3.4) and pushed a real answer out of the top three.
    row = "70,no,yes,yes,yes"
    with_column = tmp_path / "a.csv"
    with_column.write_text(
        "age,history_of_cancer,night_pain,unexplained_weight_loss,spine_tender_to_tapping,"
        f"back_spasm\n{row},\n"
    )
    without = tmp_path / "b.csv"
    without.write_text(
        "age,history_of_cancer,night_pain,unexplained_weight_loss,spine_tender_to_tapping\n"
        f"{row}\n"
    )
    reasons = []
    for src in (with_column, without):
        score_file(src, tmp_path / "o.csv", network=net, explain=True)
        reasons.append(pd.read_csv(tmp_path / "o.csv", dtype=str)["reasons"][0])
    assert reasons[0] == reasons[1]
    assert "back_spasm" not in reasons[0]


def test_rows_answering_no_back_spasm_are_named_in_a_warning(tmp_path, net):
    # A case saying back_spasm = no is scored as a person without it (the contract
    # allows it); the run said nothing about what those rows' numbers mean.
    src = tmp_path / "in.csv"
    src.write_text("case_id,back_spasm,age\n1,no,40\n2,yes,40\n3,,40\n4,no,40\n")
    summary = score_file(src, tmp_path / "o.csv", network=net)
    (said,) = [w for w in summary.warnings if "back_spasm = no" in w]
    assert said.startswith("2 rows answer back_spasm = no: their chances are for someone")
    frame = pd.DataFrame({"back_spasm": ["no", "yes"], "age": [40, 40]})
    with pytest.warns(ScoringWarning, match="1 row answers back_spasm = no"):
        score_cases(frame, network=net)
