"""How much of a CSV file is held at a time: chunks cut by bytes, so a wide row makes
fewer rows per chunk, and a reader that keeps only a few blocks ahead of its parser
(pyarrow's own reads up to 32 blocks ahead: 256 MiB at the default chunk size)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from backspasm.questionnaire import default_questions
from backspasm.scoring import held, lines
from backspasm.scoring.readers import open_source

BLOCK = 64 * 1024  # the smallest chunk_bytes score_file takes
WAIT = 120  # seconds; generous bounds for a loaded machine, never slept through


def cases_file(path: Path, rows: int) -> Path:
    """About 100 bytes a row: ``rows`` of them fill rows / 650 blocks of BLOCK bytes."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("case_id,fever,note\n")
        for i in range(rows):
            fh.write(f"c{i:07d},{('yes', 'no', '')[i % 3]},{'free text ' * 8}\n")
    return path


def read_all(path: Path) -> list[str]:
    source = open_source(str(path), chunk_bytes=BLOCK)
    try:
        return [
            i for chunk in source.chunks(10**9) for i in chunk.table.column("case_id").to_pylist()
        ]
    finally:
        source.close()


def test_a_wide_row_makes_fewer_rows_per_chunk(tmp_path):
    questions = [q.column for q in default_questions() if q.kind != "id"]
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("case_id,fever\n" + "".join(f"c{i},yes\n" for i in range(20_000)))
    # Every question, mostly blank, and ten columns of free text passed through.
    wide = tmp_path / "wide.csv"
    header = ",".join(["case_id", *questions, *(f"note_{k}" for k in range(10))])
    rest = "," * len(questions) + ",some words of free text" * 10
    wide.write_text(header + "\n" + "".join(f"c{i}{rest}\n" for i in range(5_000)))
    first = {}
    for name, path in (("narrow", narrow), ("wide", wide)):
        source = open_source(str(path), chunk_bytes=BLOCK)
        try:
            chunk = next(source.chunks(100_000))
            first[name] = chunk.n
        finally:
            source.close()
    # One chunk is one block of input: a row 30 times as long, a chunk with 30 times
    # fewer rows (and the few answers of a narrow row make many rows per chunk).
    assert first["wide"] * 10 < first["narrow"] < 100_000
    assert first["wide"] * len(wide.read_bytes().splitlines()[1]) <= BLOCK


def test_the_reader_keeps_a_few_blocks_ahead_however_long_a_chunk_takes(tmp_path):
    path = cases_file(tmp_path / "in.csv", 40_000)  # about 60 blocks
    source = open_source(str(path), chunk_bytes=BLOCK)
    try:
        chunks = source.chunks(10**9)
        first = next(chunks)
        time.sleep(0.5)  # scoring the first chunk: pyarrow's thread would read on meanwhile
        held = source._in.held.count
        read = source.nbytes
        assert held <= lines._HELD_BLOCKS
        # The header's first read, the blocks held and the one being read; not 32 of them.
        assert read <= lines._HEADER_BYTES + (lines._HELD_BLOCKS + 2) * BLOCK, read
        ids = first.table.column("case_id").to_pylist()
        ids += [i for chunk in chunks for i in chunk.table.column("case_id").to_pylist()]
    finally:
        source.close()
    assert ids == [f"c{i:07d}" for i in range(40_000)]


def test_a_reader_that_needs_more_blocks_than_allowed_is_slowed_not_stuck(tmp_path, monkeypatch):
    # pyarrow's parser needs three blocks at once; allowed one, it waits for a stall
    # each time, then gets one more all the same.
    monkeypatch.setattr(lines, "_HELD_BLOCKS", 1)
    monkeypatch.setattr(held, "_STALL_SECONDS", 0.01)
    path = cases_file(tmp_path / "in.csv", 5_000)  # about 8 blocks
    assert read_all(path) == [f"c{i:07d}" for i in range(5_000)]


def test_closing_a_source_mid_file_lets_pyarrow_read_the_end(tmp_path):
    source = open_source(str(cases_file(tmp_path / "in.csv", 20_000)), chunk_bytes=BLOCK)
    chunks = source.chunks(10**9)
    next(chunks)
    held = source._in.held
    source.close()
    assert held.closed
    assert held._ended
    assert not held._reading


LEAVE = """
import sys
from backspasm.scoring.readers import open_source
source = open_source(sys.argv[1], chunk_bytes=64 * 1024)
chunks = source.chunks(10**9)
next(chunks), next(chunks)
if sys.argv[2] == "close":
    source.close()
elif sys.argv[2] == "raise":
    raise SystemExit(5)
print("done")
"""


@pytest.mark.parametrize(("how", "code"), [("close", 0), ("leave", 0), ("raise", 5)])
def test_a_process_that_stops_reading_mid_file_exits(tmp_path, how, code):
    # pyarrow's reading thread, waiting for its turn or woken as the interpreter shuts
    # down, must neither keep the process alive nor end it with a fatal error.
    path = cases_file(tmp_path / "in.csv", 40_000)
    done = subprocess.run(
        [sys.executable, "-c", LEAVE, str(path), how],
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert "Fatal Python error" not in done.stderr
