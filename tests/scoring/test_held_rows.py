"""Records pyarrow hands back wait in order, in bounded memory (a review of score's memory).

A file whose records are all shorter than its header (a form tool that leaves out
trailing empty cells) had every record handed back to backspasm before pyarrow
returned a first batch, each as a list as wide as the header: 6.4 GB for 3 million
two-cell records under a 70-column header. They now wait in memory up to a bound and
in a temporary file beyond it, and are put back in bounded chunks.
"""

from __future__ import annotations

import pandas as pd

from backspasm.network import default_network
from backspasm.scoring import records, score_file
from backspasm.scoring.records import BadRow, HeldRows


def test_held_rows_come_back_in_order_and_only_a_few_stay_in_memory(monkeypatch):
    monkeypatch.setattr(records, "HELD_ROWS", 5)
    held = HeldRows()
    odd = ['a "quoted" cell', "two\nlines", "naïve, with a comma", ""]
    rows = [BadRow(i, [f"C{i}", *odd[: i % 5]], "why" if i % 3 else "", "k") for i in range(60)]
    most = 0
    for row in rows:
        held.append(row)
        most = max(most, len(held._head))
    assert most <= 5
    assert len(held) == 60
    # A chunk takes the next records in file order, no more than it may hold.
    assert held.take(0, None, 7) == rows[:7]
    got = []
    while held:
        got.append(held.popleft())
        assert len(held._head) <= 5
    assert got == rows[7:]
    # Among a batch of 3 valid records, those placed before its end: records 0, 1,
    # 3 and 4 (the valid ones fill places 2, 5 and 6), not record 10.
    for index in (0, 1, 3, 4, 10):
        held.append(BadRow(index, [], "", ""))
    assert [row.index for row in held.take(0, 3, 100)] == [0, 1, 3, 4]
    assert [row.index for row in held.take(7, None, 5)] == [10]  # one at least
    held.close()


def test_a_file_of_short_records_scores_alike_whatever_waits_in_memory(tmp_path, monkeypatch):
    net = default_network()
    header = ["case_id", "age", "sex", "fever", "saddle_numbness", *(f"x{i}" for i in range(40))]
    lines = [",".join(header)]
    for i in range(3000):
        if i in (1000, 2999):  # two full records among the short ones
            lines.append(",".join([f"F{i}", "70", "male", "yes", "no", *("1" * 40)]))
        else:
            lines.append(f"S{i},{20 + i % 60}")
    src = tmp_path / "short.csv"
    src.write_text("\n".join(lines) + "\n")
    default = score_file(src, tmp_path / "default.csv", network=net, chunksize=500)
    assert any("2,998 row(s) have fewer fields than the header" in w for w in default.warnings)
    monkeypatch.setattr(records, "HELD_ROWS", 40)
    in_memory = []
    append = HeldRows.append

    def watched(self: HeldRows, row: BadRow) -> None:
        append(self, row)
        in_memory.append(len(self._head))

    monkeypatch.setattr(HeldRows, "append", watched)
    small = score_file(src, tmp_path / "small.csv", network=net, chunksize=500)
    assert small.warnings == default.warnings
    assert max(in_memory) <= 40
    assert len(in_memory) == 2998
    assert (tmp_path / "small.csv").read_bytes() == (tmp_path / "default.csv").read_bytes()
    out = pd.read_csv(tmp_path / "small.csv", dtype=str, keep_default_na=False)
    assert list(out["case_id"]) == [line.split(",")[0] for line in lines[1:]]
    assert out.loc[1000, "fever"] == "yes"
    assert out.loc[1000, "triage"] != ""
    assert out.loc[5, "age"] == "25"
    assert out.loc[5, "error"] == ""


def test_short_records_between_two_valid_ones_are_put_back_a_chunk_at_a_time(monkeypatch):
    # 1.5 million short records between two full ones in a 6 MB file were put back in
    # one merge (3 GB); now a chunk's rows at most at a time, in file order.
    import io

    from backspasm.scoring.readers import CsvSource

    header = ",".join(f"c{i}" for i in range(8))
    full = ",".join("y" for _ in range(8))
    text = "\n".join([header, full, *(f"s{i},x" for i in range(5000)), full]) + "\n"
    taken_sizes = []
    take = HeldRows.take

    def watched(self: HeldRows, done: int, end: int | None, most: int) -> list[BadRow]:
        got = take(self, done, end, most)
        taken_sizes.append(len(got))
        return got

    monkeypatch.setattr(HeldRows, "take", watched)
    source = CsvSource(io.BytesIO(text.encode()), "sandwich.csv", chunk_bytes=1 << 20)
    firsts = []
    for chunk in source.chunks(300):
        assert chunk.table.num_rows <= 300
        firsts += chunk.table.column("c0").to_pylist()
    source.close()
    assert max(taken_sizes) <= 300
    assert firsts == ["y", *(f"s{i}" for i in range(5000)), "y"]
