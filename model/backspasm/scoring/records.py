"""The records of a CSV file that pyarrow cannot use as they are, and chunks cut to size.

A record with fewer fields than the header is read with the missing cells blank and
counted (:class:`ShortRows`), but two kinds of record lose every answer and carry an
error instead: one whose only field holds another delimiter (a comma-separated row
in a semicolon file) and one with no cell filled (the ``,,`` of an empty spreadsheet
row, or a blank line). :func:`mark_empty` finds the latter among the records pyarrow
read whole, :func:`mark_blank` the blank lines of a one-column file. A record with
more fields than the header keeps its first fields; its error quotes the others
(:func:`too_many_fields`). The records pyarrow hands back wait in order, in bounded
memory, until they are put back among the others (:class:`HeldRows`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from backspasm.scoring.kernel import Cells, RowErrors

__all__: list[str] = []

#: Delimiters a file may be separated by (see :mod:`backspasm.scoring.sniff`).
_DELIMITERS = ",;\t"
EMPTY_KIND = "empty row"
EMPTY_MESSAGE = (
    "the row holds no answer, only delimiters or spaces (an empty line or spreadsheet row?)"
)
# How much of the cells beyond the header a "too many fields" error quotes.
_EXTRA_SHOWN, _EXTRA_CHARS = 3, 200
SEPARATOR_KIND = "other delimiter"
_LINE_ENDS = re.compile(rb"[\r\n]")


@dataclass
class Chunk:
    """Rows of one chunk: every input column as Arrow, and rows that failed to read."""

    table: pa.Table
    row_errors: RowErrors | None

    @property
    def n(self) -> int:
        """Rows in the chunk."""
        return int(self.table.num_rows)

    def cells(self, position: int) -> Cells:
        """Return the column at ``position``, factorised (nulls -> -1)."""
        column = self.table.column(position)
        if pa.types.is_dictionary(column.type):  # a pandas category, in Parquet
            column = column.cast(column.type.value_type)
        uniques = pc.drop_null(pc.unique(column))
        index = pc.fill_null(pc.index_in(column, value_set=uniques, skip_nulls=True), -1)
        # Arrow's int32 indices as they are: an int64 copy of every column of a chunk
        # was the biggest array of a scoring run.
        codes = index.to_numpy(zero_copy_only=False)
        return codes, np.asarray([*uniques.to_pylist(), None], dtype=object)[:-1]


@dataclass(frozen=True, slots=True)
class BadRow:
    """A record pyarrow handed back: its place, its cells as read, and why ("" if read)."""

    index: int  # among the data records, from 0
    fields: list[str]  # as read: padded or cut to the header's width when merged
    message: str
    kind: str


#: How many handed-back records (and bytes of their cells) wait in memory; the rest wait
#: in a temporary file. pyarrow returns no batch for a block without a valid record,
#: so a file whose records are all shorter than its header (a form tool that leaves
#: out trailing empty cells) handed back every record before the first chunk: 6.4 GB
#: for 3 million two-cell records under a 70-column header.
HELD_ROWS = 10_000
HELD_BYTES = 16 << 20


def _size(row: BadRow) -> int:
    return 64 + sum(len(cell) for cell in row.fields) + len(row.message)


class HeldRows:
    """Records pyarrow handed back, first in first out, in bounded memory.

    Up to :data:`HELD_ROWS` records (or :data:`HELD_BYTES` of their cells) wait in
    memory; the later ones in an anonymous temporary file, one JSON line each (no
    pickle), and come back in their order.
    """

    def __init__(self) -> None:
        self._head: deque[BadRow] = deque()
        self._bytes = 0
        self._file: IO[bytes] | None = None
        self._waiting = 0  # records in the file not yet read back
        self._read_at = 0
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._head) + self._waiting

    def __bool__(self) -> bool:
        return bool(self._head) or self._waiting > 0

    def append(self, row: BadRow) -> None:
        """Add the next record handed back."""
        with self._lock:
            size = _size(row)
            if (
                self._file is None
                and len(self._head) < HELD_ROWS
                and self._bytes + size <= HELD_BYTES
            ):
                self._head.append(row)
                self._bytes += size
                return
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close/_refill)
                self._read_at = 0
            self._file.seek(0, 2)
            line = json.dumps([row.index, row.fields, row.message, row.kind])
            self._file.write(line.encode("utf-8") + b"\n")
            self._waiting += 1

    def first(self) -> BadRow:
        """Return the oldest record waiting (there must be one)."""
        with self._lock:
            if not self._head:
                self._refill()
            return self._head[0]

    def popleft(self) -> BadRow:
        """Take the oldest record waiting (there must be one)."""
        with self._lock:
            if not self._head:
                self._refill()
            row = self._head.popleft()
            self._bytes -= _size(row)
            return row

    def take(self, done: int, end: int | None, most: int) -> list[BadRow]:
        """Take the records of the next chunk, which starts at record ``done``.

        With ``end`` (a batch of valid records follows ``done``), those placed before
        ``end`` counting themselves; without, the next ones in file order, one at
        least; ``most`` at most either way. A record pyarrow gave no number (index -1)
        always goes.
        """
        taken: list[BadRow] = []
        with self._lock:
            while self:
                index = self.first().index
                if end is None:
                    fits = not taken or (len(taken) < most and index == done + len(taken))
                else:
                    fits = len(taken) < most and index < end + len(taken)
                if not (fits or index < 0):
                    break
                taken.append(self.popleft())
        return taken

    def close(self) -> None:
        """Drop what waits, and the temporary file."""
        with self._lock:
            self._head.clear()
            self._bytes = self._waiting = 0
            if self._file is not None:
                self._file.close()
                self._file = None

    def _refill(self) -> None:
        assert self._file is not None
        assert self._waiting
        self._file.seek(self._read_at)
        while self._waiting and len(self._head) < HELD_ROWS and self._bytes < HELD_BYTES:
            index, fields, message, kind = json.loads(self._file.readline())
            row = BadRow(index, fields, message, kind)
            self._head.append(row)
            self._bytes += _size(row)
            self._waiting -= 1
        self._read_at = self._file.tell()
        if not self._waiting:
            self._file.close()
            self._file = None


def rows_table(taken: list[BadRow], header: list[str]) -> pa.Table:
    """Return records handed back as a table of the header's columns (cells padded or cut)."""
    width = len(header)
    padded = [(b.fields + [""] * (width - len(b.fields)))[:width] for b in taken]
    columns = list(zip(*padded, strict=True))
    return pa.Table.from_arrays(
        [pa.array(list(c), type=pa.string()) for c in columns], names=header
    )


@dataclass
class ShortRows:
    """Rows with fewer fields than the header, read with the missing cells blank."""

    count: int = 0
    first: tuple[int, int] | None = None  # (row, counted from 1; its fields)

    def add(self, index: int, fields: int) -> None:
        self.count += 1
        if self.first is None or index + 1 < self.first[0]:
            self.first = (index + 1, fields)

    def note(self, width: int) -> str | None:
        """Return the warning about them (None when there are none)."""
        if not self.count or self.first is None:
            return None
        row, fields = self.first
        return (
            f"{self.count:,} row(s) have fewer fields than the header (first, row {row:,}: "
            f"{fields} of {width}); their missing cells were read as blank."
        )


def short_row_problem(text: str, fields: list[str], delimiter: str, width: int) -> str:
    """Why a record with fewer fields than the header cannot be read ("" if it can)."""
    if width > 1 and all(not f.strip(" \t") for f in fields):
        return EMPTY_MESSAGE
    if len(fields) == 1 and not text.lstrip(" \t").startswith('"'):
        other = next((d for d in _DELIMITERS if d != delimiter and d in fields[0]), None)
        if other is not None:
            return (
                f"the row has 1 field, the header {width}, and it holds {other!r}: is it "
                f"separated by {other!r} instead of {delimiter!r}? Its answers were not read"
            )
    return ""


def too_many_fields(count: int, width: int, fields: list[str]) -> str:
    """Return the error of a record with ``count`` fields, more than the header's ``width``.

    It quotes the first few fields beyond the header (``fields`` as read, all of them),
    cut to a couple of hundred characters, so that the row can be found and fixed.
    """
    message = f"row has {count} fields, header has {width}"
    extra = fields[width:]
    if not extra:
        return message
    shown = ", ".join(repr(value) for value in extra[:_EXTRA_SHOWN])
    if len(shown) > _EXTRA_CHARS:
        shown = shown[: _EXTRA_CHARS - 3] + "..."
    more = len(extra) - _EXTRA_SHOWN
    return f"{message}; the {len(extra):,} beyond the header: {shown}" + (
        f" and {more:,} more" if more > 0 else ""
    )


def _with_errors(chunk: Chunk, table: pa.Table, mask: np.ndarray) -> Chunk:
    """Give the rows in ``mask`` that carry no error yet the error of a row with no cell."""
    errors = chunk.row_errors
    if errors is not None:
        mask[errors[0]] = False
    at = np.flatnonzero(mask)
    if not len(at):
        return chunk if table is chunk.table else Chunk(table, errors)
    messages = np.full(len(at), EMPTY_MESSAGE, dtype=object)
    kinds = np.full(len(at), EMPTY_KIND, dtype=object)
    if errors is None:
        return Chunk(table, (at.astype(np.int64), messages, kinds))
    return Chunk(
        table,
        (
            np.concatenate([errors[0], at]).astype(np.int64),
            np.concatenate([errors[1], messages]),
            np.concatenate([errors[2], kinds]),
        ),
    )


def mark_blank(chunk: Chunk) -> Chunk:
    """Give the blank lines of a one-column file (no cell filled) an error.

    An empty line reads as null (written back as an empty cell), a line of spaces as
    its spaces. A cell written ``""`` (how pandas writes a missing value in a
    one-column file) is a row with no answer, scored like any other.
    """
    table = chunk.table
    column = table.column(0)
    if not table.num_rows or not pa.types.is_string(column.type):
        return chunk
    spaces = pc.and_(pc.equal(pc.utf8_trim(column, " \t"), ""), pc.not_equal(column, ""))
    if column.null_count:
        spaces = pc.or_(pc.is_null(column), pc.fill_null(spaces, False))
        table = table.set_column(0, table.field(0), pc.fill_null(column, ""))
    elif not pc.any(spaces).as_py():
        return chunk
    mask = np.asarray(spaces.to_numpy(zero_copy_only=False), dtype=bool)
    return _with_errors(chunk, table, mask)


def mark_empty(chunk: Chunk) -> Chunk:
    """Give the rows with no cell filled (``,,``) an error, unless they carry one."""
    table = chunk.table
    if table.num_columns < 2 or not table.num_rows:
        return chunk
    empty: pa.Array | None = None
    for column in table.columns:  # the first column (an id) rules most rows out
        if not pa.types.is_string(column.type):
            return chunk
        blank = pc.equal(pc.utf8_trim(column, " \t"), "")
        empty = blank if empty is None else pc.and_(empty, blank)
        if not pc.any(empty).as_py():
            return chunk
    assert empty is not None
    mask = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    return _with_errors(chunk, table, mask)


def first_record(text: str, delimiter: str, *, strict: bool = False) -> list[str] | None:
    """Read the first record of ``text`` with the csv module, however long its cells.

    Huge cells are data, so the module's field size limit is lifted for the read and
    restored after it. Returns None for empty text; raises :class:`csv.Error` for a
    record the module refuses (with ``strict``, also a quote that is never closed).
    """
    limit = csv.field_size_limit(2**31 - 1)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
        row = next(reader, None)
        if strict:
            for _ in reader:  # a strict read finds an unclosed quote only at the end
                pass
        return row
    finally:
        csv.field_size_limit(limit)


def first_cells(start: bytes, delimiter: str, width: int) -> list[str]:
    """Return the whole cells a dropped line begins with (its case_id, say), if unquoted.

    ``start`` is the line's first bytes (see :mod:`backspasm.scoring.lines`); its
    last cell is cut, and a quote could open a cell that runs on past it: none then.
    """
    text = start.decode("utf-8", errors="ignore")
    if '"' in text or delimiter not in text:
        return []
    return (first_record(text, delimiter) or [])[:-1][:width]


def in_file_terms(message: str, done: int, most: int) -> str:
    """Say pyarrow's refusal to read on after ``done`` rows in the file's terms.

    Its "straddling object straddles two block boundaries (try to increase block
    size?)" offers a setting no one can change: a record over ``most`` bytes.
    """
    if "straddl" not in message:
        return message
    where = f"a record after row {done:,}" if done else "the first record"
    return (
        f"{where} is longer than {most:,} bytes, more than is read at a time; a quoted "
        "cell may span lines, but its whole record must fit (are its quotes balanced?)"
    )


def ends_inside_quotes(text: str, delimiter: str) -> bool:
    """Whether a record, read strictly, runs out inside a quoted field (never closed)."""
    if '"' not in text:
        return False
    try:
        first_record(text, delimiter, strict=True)
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def split(chunk: Chunk, rows: int) -> Iterator[Chunk]:
    """Cut a chunk into pieces of at most ``rows`` rows."""
    if chunk.n <= rows:
        if chunk.n:
            yield chunk
        return
    for start in range(0, chunk.n, rows):
        errors = None
        if chunk.row_errors is not None:
            at, messages, kinds = chunk.row_errors
            inside = (at >= start) & (at < start + rows)
            if inside.any():
                errors = (at[inside] - start, messages[inside], kinds[inside])
        yield Chunk(chunk.table.slice(start, rows), errors)


def _count_lines(data: bytes | bytearray) -> int:
    """Count the lines ``data`` ends: at LF, CR or CRLF (one line, not two)."""
    lines = data.count(b"\n")
    if b"\r" in data:  # a quick look: most files end their lines with LF alone
        lines += data.count(b"\r") - data.count(b"\r\n")
    return lines


def _record_end(data: bytes | bytearray) -> int:
    """Return where the first record ends: a line end with the quotes before it balanced."""
    quotes = start = 0
    for match in _LINE_ENDS.finditer(data):
        quotes += data.count(b'"', start, match.start())
        if quotes % 2 == 0:
            return match.start()
        start = match.start()
    return -1


def _line_end(data: bytes | bytearray, start: int) -> int:
    ends = [i for i in (data.find(b"\n", start), data.find(b"\r", start)) if i >= 0]
    return min(ends) if ends else -1
