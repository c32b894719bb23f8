"""The records of a CSV file that pyarrow cannot use as they are, and chunks cut to size.

A record with fewer fields than the header is read with the missing cells blank and
counted (:class:`ShortRows`), but two kinds of record lose every answer and carry an
error instead: one whose only field holds another delimiter (a comma-separated row
in a semicolon file) and one with no cell filled (the ``,,`` of an empty spreadsheet
row). :func:`mark_empty` finds the latter among the records pyarrow read whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from backspasm.scoring.kernel import Cells, RowErrors

__all__: list[str] = []

#: Delimiters a file may be separated by (see :mod:`backspasm.scoring.sniff`).
_DELIMITERS = ",;\t"
EMPTY_KIND = "empty row"
EMPTY_MESSAGE = "the row holds no answer, only delimiters (an empty spreadsheet row?)"
SEPARATOR_KIND = "other delimiter"


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
        codes = np.asarray(index.to_numpy(zero_copy_only=False), dtype=np.int64)
        return codes, np.asarray([*uniques.to_pylist(), None], dtype=object)[:-1]


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
    errors = chunk.row_errors
    if errors is not None:
        mask[errors[0]] = False
    at = np.flatnonzero(mask)
    if not len(at):
        return chunk
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


def ends_inside_quotes(text: str, delimiter: str) -> bool:
    """Whether a record, read strictly, runs out inside a quoted field (never closed)."""
    if '"' not in text:
        return False
    limit = csv.field_size_limit(2**31 - 1)
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    finally:
        csv.field_size_limit(limit)
    return False


def drop_blank(chunk: Chunk) -> Chunk:
    """Drop lines of spaces: with one column, such a line is no record.

    An empty cell written as ``""`` (how pandas writes a missing value in a
    one-column file) is a record and stays; empty lines never reach here.
    """
    column = chunk.table.column(0)
    blank = pc.and_(pc.equal(pc.utf8_trim(column, " \t"), ""), pc.not_equal(column, ""))
    keep = ~np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
    errors = chunk.row_errors
    if errors is not None:
        keep[errors[0]] = True
        errors = (np.cumsum(keep)[errors[0]] - 1, errors[1], errors[2])
    if keep.all():
        return chunk
    return Chunk(chunk.table.filter(pa.array(keep)), errors)


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
