"""Parquet in and out: a damaged row group, the schema of an empty output, durations."""

from __future__ import annotations

import datetime
import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from backspasm.cli import main
from backspasm.exceptions import CaseFileError
from backspasm.network import default_network
from backspasm.scoring import score_file
from backspasm.scoring.cases import read_case_table


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
