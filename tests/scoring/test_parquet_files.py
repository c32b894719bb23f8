"""Parquet in and out: a damaged row group, the schema of an empty output, durations, dtypes."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import io
import os
import threading
import tracemalloc
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from backspasm.cli import main
from backspasm.exceptions import CaseFileError
from backspasm.network import default_network
from backspasm.scoring import score_cases, score_file
from backspasm.scoring.cases import read_case_table
from backspasm.scoring.readers import open_source
from backspasm.scoring.writers import check_unique


@pytest.fixture(scope="module")
def net():
    return default_network()


@pytest.fixture
def damaged(tmp_path):
    """A Parquet file whose footer reads but whose later row groups are overwritten."""
    n = 100_000
    table = pa.table(
        {
            "case_id": np.arange(n).astype(str),
            "fever": np.where(np.arange(n) % 2, "yes", "no"),
        }
    )
    path = tmp_path / "damaged.parquet"
    pq.write_table(table, path, row_group_size=10_000, compression="none")
    data = bytearray(path.read_bytes())
    at = int(len(data) * 0.8)
    data[at : at + 4000] = b"\xab" * 4000
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_row_group_names_the_file(tmp_path, net, damaged):
    # pyarrow raises a plain OSError here; it came out bare, naming no file.
    with pytest.raises(CaseFileError, match=r"cannot read Parquet file '.*damaged\.parquet': "):
        score_file(damaged, tmp_path / "o.csv", network=net, progress=False)
    assert not (tmp_path / "o.csv").exists()
    with pytest.raises(CaseFileError, match=r"cannot read Parquet file '.*damaged\.parquet': "):
        read_case_table(str(damaged))


def test_the_cli_names_the_damaged_file(tmp_path, damaged, capsys):
    code = main(["score", str(damaged), "-o", str(tmp_path / "o.csv"), "--no-progress"])
    assert code != 0
    err = capsys.readouterr().err
    assert "cannot read Parquet file" in err
    assert "damaged.parquet" in err


@pytest.mark.parametrize("explain", [False, True])
def test_an_empty_output_has_the_schema_of_any_other(tmp_path, net, explain):
    # The whole numbers (triage_within_hours, screen_unanswered) and
    # pointed_odds_factor were text when no row came, numbers otherwise.
    (tmp_path / "empty.csv").write_text("case_id,fever\n")
    (tmp_path / "one.csv").write_text("case_id,fever\nA,yes\n")
    for name in ("empty", "one"):
        score_file(
            tmp_path / f"{name}.csv",
            tmp_path / f"{name}.parquet",
            network=net,
            explain=explain,
            progress=False,
        )
    empty = pq.read_schema(tmp_path / "empty.parquet")
    one = pq.read_schema(tmp_path / "one.parquet")
    assert empty.equals(one), (empty, one)
    # so that a folder of outputs reads as one table
    tables = [pq.read_table(tmp_path / f"{name}.parquet") for name in ("one", "empty")]
    assert pa.concat_tables(tables).num_rows == 1


def test_a_duration_reaches_csv_as_pandas_writes_it_whatever_its_unit(tmp_path, net):
    # pyarrow wrote the bare count of the stored unit: 1 hour in microseconds read
    # 3600000000, 90 seconds read 90.
    hour, ninety = datetime.timedelta(hours=1), datetime.timedelta(seconds=90)
    longer = datetime.timedelta(days=2, minutes=30)
    columns = {
        "fever": ["yes", "no", "no"],
        "clock": pa.array([datetime.time(8, 30), None, None], type=pa.time64("us")),
        "amount": pa.array([decimal.Decimal("1.50"), None, None], type=pa.decimal128(5, 2)),
    }
    for unit in ("s", "ms", "us", "ns"):
        columns[f"wait_{unit}"] = pa.array([hour, ninety, None], type=pa.duration(unit))
    columns["longer"] = pa.array([longer, None, -hour], type=pa.duration("us"))
    pq.write_table(pa.table(columns), tmp_path / "d.parquet")
    score_file(tmp_path / "d.parquet", tmp_path / "o.csv", network=net, progress=False)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    for unit in ("s", "ms", "us", "ns"):
        assert out[f"wait_{unit}"].tolist() == ["0 days 01:00:00", "0 days 00:01:30", ""]
    assert out["longer"].tolist() == [str(pd.Timedelta(longer)), "", str(pd.Timedelta(-hour))]
    # other types as before
    assert out["clock"].tolist() == ["08:30:00.000000", "", ""]
    assert out["amount"].tolist() == ["1.50", "", ""]
    # evaluate, figures and the widget read a table whole: the same text there
    table = read_case_table(str(tmp_path / "d.parquet"))[0]
    for unit in ("s", "ms", "us", "ns"):
        assert table[f"wait_{unit}"].tolist() == ["0 days 01:00:00", "0 days 00:01:30", ""]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_parquet_stream_is_copied_to_disk_not_held_in_memory(tmp_path, net):
    # Parquet's index is at its end, so a stream must be kept somewhere before it is
    # read: 24 MB of notes through a pipe once took 24 MB of memory (twice, with the
    # copy pyarrow read from); they now go to a temporary file a block at a time.
    rng = np.random.default_rng(7)
    notes = [rng.bytes(6_000).hex() for _ in range(2_000)]
    table = pa.table(
        {
            "case_id": [f"c{i}" for i in range(2_000)],
            "fever": ["yes", "no"] * 1_000,
            "note": notes,
        }
    )
    path = tmp_path / "wide.parquet"
    pq.write_table(table, path, row_group_size=100, compression="none")
    data = path.read_bytes()
    fifo = tmp_path / "cases.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as fh:
            fh.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    tracemalloc.start()
    try:
        source = open_source(str(fifo), chunk_bytes=1 << 20)
        try:
            ids = [i for chunk in source.chunks(500) for i in chunk.table["case_id"].to_pylist()]
        finally:
            source.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    thread.join(5)
    assert ids == table["case_id"].to_pylist()
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.nbytes == len(data)
    assert peak < len(data) / 4, f"{peak:,} bytes traced for a {len(data):,}-byte stream"
    # ... and it is scored as the file itself is
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    from_pipe = score_file(fifo, tmp_path / "pipe.csv", network=net)
    thread.join(5)
    score_file(path, tmp_path / "file.csv", network=net)
    assert from_pipe.input_format == "parquet"
    assert (tmp_path / "pipe.csv").read_bytes() == (tmp_path / "file.csv").read_bytes()


@pytest.mark.parametrize("fails", ["opening", "writing"])
def test_a_parquet_stream_that_cannot_be_copied_says_to_give_the_path(monkeypatch, fails):
    import errno
    import tempfile

    from backspasm.scoring import parquet

    class Full:
        def write(self, block):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            self.closed = True

    full = Full()

    def temporary_file():
        if fails == "opening":
            raise OSError(errno.EACCES, "Permission denied")
        return full

    monkeypatch.setattr(tempfile, "TemporaryFile", temporary_file)
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.table({"case_id": ["P"], "fever": ["yes"]}), buffer)
    stream = io.BytesIO(buffer.getvalue().to_pybytes())
    with pytest.raises(CaseFileError) as info:
        parquet.open_parquet_stream(stream, "<stdin>", chunk_bytes=1 << 20)
    said = str(info.value)
    assert said.startswith("cannot copy the Parquet stream '<stdin>' to a temporary file")
    assert ("No space left" if fails == "writing" else "Permission denied") in said
    assert "give the file by its path" in said
    assert fails == "opening" or full.closed


def test_pandas_reads_a_scored_parquet_as_score_cases_types_it(tmp_path, net):
    # The pandas metadata listed the whole numbers as text: pandas read
    # triage_within_hours and screen_unanswered back as float64 (24.0 hours), where
    # score_cases gives nullable Int64.
    typed = pd.DataFrame(
        {
            "case_id": ["P1", "P2", "P3"],
            "age": pd.array([45, 70, None], dtype="Int64"),
            "fever": pd.array([True, None, False], dtype="boolean"),
            "history_of_cancer": ["no", "yes", ""],  # see a doctor within 24 hours
            "spasm_location": ["flank", "", "lower_back"],
        },
        index=pd.Index(["r1", "r2", "r3"], name="record"),
    )
    typed.to_parquet(tmp_path / "typed.parquet")
    score_file(tmp_path / "typed.parquet", tmp_path / "o.parquet", network=net, progress=False)
    after = pd.read_parquet(tmp_path / "o.parquet")
    expected = score_cases(pd.read_parquet(tmp_path / "typed.parquet"), network=net)
    pd.testing.assert_series_equal(after.dtypes, expected.dtypes)
    pd.testing.assert_frame_equal(after, expected, check_exact=False, rtol=1e-12)
    assert after["triage_within_hours"].tolist() == [pd.NA, 24, pd.NA]


class _CountedNames(Sequence[str]):
    """A header that counts how many names were read from it."""

    def __init__(self, names: list[str]) -> None:
        self.names, self.read = names, 0

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        self.read += 1
        return self.names[i]

    def __iter__(self) -> Iterator[str]:
        for name in self.names:
            self.read += 1
            yield name


def test_the_check_of_repeated_names_reads_a_wide_header_once(tmp_path):
    # Each name was counted through the whole list: 16,384 columns (the most read)
    # took 5 s before a Parquet output was begun, growing as the square.
    names = _CountedNames([f"x{i}" for i in range(2_000)])
    check_unique(names, "o.parquet")
    assert names.read <= 2 * len(names)
    with pytest.raises(CaseFileError, match=r"repeated: 'x1', 'x7'\.$"):
        check_unique([*names.names, "x7", "x1"], "o.parquet")


def test_a_folder_of_parquet_files_says_how_to_score_it(tmp_path, net):
    # A folder as Dask's to_parquet writes it was refused as "it is a folder", no more.
    folder = tmp_path / "scored"
    folder.mkdir()
    for i in range(3):
        pq.write_table(pa.table({"fever": ["yes", "no"]}), folder / f"part.{i}.parquet")
    with pytest.raises(CaseFileError) as caught:
        score_file(folder, tmp_path / "o.csv", network=net, progress=False)
    assert str(caught.value) == (
        f"cannot read case file '{folder}': it is a folder of 3 Parquet files (a table as "
        "Dask writes one); score each file, or the whole table in Python: "
        f"backspasm.score_cases(dask.dataframe.read_parquet('{folder}'))."
    )
    (tmp_path / "empty").mkdir()
    with pytest.raises(CaseFileError, match=r"it is a folder\.$"):
        score_file(tmp_path / "empty", tmp_path / "o.csv", network=net, progress=False)


@pytest.mark.parametrize("name", [None, "patient"])
def test_the_index_pandas_wrote_is_kept_as_the_index_not_named_as_a_column(tmp_path, net, name):
    # to_parquet stores an index that is not a plain range as a column
    # ('__index_level_0__', or the index's name): it was named in the warning of
    # columns passed through unscored, as if it were one of the user's.
    cases = pd.DataFrame(
        {"case_id": ["a", "b"], "fever": ["yes", "no"], "notes": ["x", "y"]},
        index=pd.Index([10, 20], name=name),
    )
    cases.to_parquet(tmp_path / "in.parquet")
    summary = score_file(tmp_path / "in.parquet", tmp_path / "o.parquet", network=net)
    passed = [w for w in summary.warnings if "passed through unscored" in w]
    assert passed == ["columns passed through unscored (not questions of this network): 'notes'."]
    after = pd.read_parquet(tmp_path / "o.parquet")
    pd.testing.assert_index_equal(after.index, cases.index)
    assert list(after.columns[:3]) == ["case_id", "fever", "notes"]


@pytest.mark.parametrize("name", [None, "patient"])
def test_a_case_table_read_whole_keeps_the_pandas_index_as_its_index(tmp_path, net, name):
    # evaluate, the widget and the figures read a file whole: the index came back as a
    # column '__index_level_0__' (or 'patient'), which scoring then warned about.
    cases = pd.DataFrame(
        {"case_id": ["a", "b"], "fever": ["yes", "no"]}, index=pd.Index([10, 20], name=name)
    )
    cases.to_parquet(tmp_path / "in.parquet")
    frame, _ = read_case_table(str(tmp_path / "in.parquet"))
    assert list(frame.columns) == ["case_id", "fever"]
    assert list(frame.index) == ["10", "20"]
    assert frame.index.name == name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scored = score_cases(frame, network=net)
    assert list(scored.index) == ["10", "20"]
