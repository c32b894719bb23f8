"""Read case files in chunks bounded in bytes, from a file or standard input.

CSV goes through pyarrow's streaming reader, Parquet through
:meth:`pyarrow.parquet.ParquetFile.iter_batches`.

Every CSV column is read as text, so that pass-through values come back unchanged
(``007`` stays ``007``). The bytes reach pyarrow through
:class:`~backspasm.scoring.lines._Guard`, which hashes them, checks that they are
UTF-8 (naming the line of a bad byte) and keeps every line under a limit: a longer
line is dropped and its row carries an error, so memory stays bounded whatever the
file holds. Rows pyarrow cannot use as they are (too few or too many fields, a
dropped line, a line of spaces) come back through its ``invalid_row_handler`` and
are put back in their place. Every line between the header and the last record is a
row: a blank one (empty, or spaces only) carries the error of a row with no cell
filled; blank lines after the last record are no rows.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import weakref
from collections.abc import Generator, Iterator
from typing import Any, BinaryIO, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from backspasm._files import PARQUET_SUFFIXES
from backspasm.exceptions import CaseFileError
from backspasm.scoring.kernel import RowErrors
from backspasm.scoring.lines import (
    _DROPPED,
    _Feed,
    _Guard,
    _Handler,
)
from backspasm.scoring.parquet import ParquetSource, open_parquet_path, open_parquet_stream
from backspasm.scoring.records import (
    EMPTY_KIND,
    EMPTY_MESSAGE,
    SEPARATOR_KIND,
    BadRow,
    Chunk,
    HeldRows,
    ShortRows,
    _line_end,
    ends_inside_quotes,
    first_cells,
    first_record,
    in_file_terms,
    mark_blank,
    mark_empty,
    rows_table,
    short_row_problem,
    split,
    too_many_fields,
)
from backspasm.scoring.sniff import (
    MAGIC_BYTES,
    SNIFF_BYTES,
    _first_line,
    _Prefixed,
    packed,
    read_header,
    sniff_delimiter,
)

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "Chunk",
    "CsvSource",
    "ParquetSource",
    "open_source",
]

Source: TypeAlias = "CsvSource | ParquetSource"

#: Bytes pyarrow parses at a time (a chunk); a line may be up to half of it.
DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
# Excel's delimiter hint, a first line such as "sep=;" (quoted, or padded with the
# delimiter, when another program wrote it as a cell).
_SEP_HINT = re.compile(rb'(?i)"?sep=(?P<sep>[\t\x20\x21\x23-\x7e])"?(?P=sep)*')


# ------------------------------------------------------------------------------ CSV


class CsvSource:
    """Stream a CSV file as Arrow chunks of at most ``chunk_bytes`` of input."""

    #: A CSV file has no index column (a Parquet file's pandas metadata may name some).
    index: tuple[str, ...] = ()

    def __init__(self, stream: BinaryIO, name: str, *, chunk_bytes: int) -> None:
        self.name = name
        self.max_line = chunk_bytes // 2
        self._in = _Guard(stream, name, self.max_line)
        head = self._in.head()
        if not head.strip(b" \t\r\n"):
            raise CaseFileError(
                f"case file '{name}' is empty: expected a header row naming the columns."
            )
        end = _line_end(head, 0)
        hint = _SEP_HINT.fullmatch(head[:end]) if end >= 0 else None
        #: ``b"sep=;"`` when the file began with Excel's delimiter hint (in any of the
        #: forms read), else None: a CSV output keeps the delimiter, and this line.
        self.sep_hint: bytes | None = None if hint is None else b"sep=" + hint["sep"]
        if hint is not None:
            # Excel's first line "sep=;" names the delimiter; it is no header.
            self._in.skip(len(head) - len(head[end:].lstrip(b"\r\n")))
            head = self._in.head()
            self.delimiter = hint["sep"].decode()
            if not head.strip(b" \t\r\n"):
                raise CaseFileError(
                    f"case file '{name}' has no header row after its first line "
                    f"{hint[0].decode()!r} (Excel's delimiter hint)."
                )
        else:
            sample = head[:SNIFF_BYTES]
            sample = sample[: max(sample.rfind(b"\n"), sample.rfind(b"\r")) + 1] or sample
            self.delimiter = sniff_delimiter(sample.decode("utf-8", errors="replace"))
        self.header: list[str] = self._read_header(head)
        self._header_lines = self._in.leading + 1 + (hint is not None)
        self.width = len(self.header)
        self._in.configure(self.delimiter, self.width)
        self._bad = HeldRows()
        #: Rows with fewer fields than the header (read with the missing cells blank).
        self.short = ShortRows()
        # The last record pyarrow handed back, and whether it spans lines (an unclosed
        # quote swallows the rest of the file into one such record).
        self._last_bad: tuple[int, bool] = (-1, False)
        parse = pcsv.ParseOptions(
            delimiter=self.delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            # An empty line between records is a row (of empty cells); the guard
            # keeps back those after the last record.
            ignore_empty_lines=False,
            invalid_row_handler=_Handler(self._invalid, self._in.held),
        )
        convert = pcsv.ConvertOptions(
            column_types=dict.fromkeys(self.header, pa.string()),
            # With one column, an empty line reads as null, and "" (how pandas writes
            # a missing value there) as an empty cell: mark_blank tells them apart.
            strings_can_be_null=self.width == 1,
            null_values=[""],
            quoted_strings_can_be_null=False,
        )
        self._reader: pcsv.CSVStreamingReader | None = None
        self._chunks: weakref.ref[Generator[Chunk, None, None]] | None = None
        try:
            with self._in.held.wanted():  # the first blocks are parsed here
                self._reader = pcsv.open_csv(
                    _Feed(self._in),
                    read_options=pcsv.ReadOptions(block_size=chunk_bytes, use_threads=False),
                    parse_options=parse,
                    convert_options=convert,
                )
        except pa.ArrowInvalid as exc:
            self._in.held.close()
            said = in_file_terms(_first_line(exc), 0, 2 * self.max_line)
            raise CaseFileError(f"cannot read case file '{name}': {said}") from None
        except BaseException:
            self._in.held.close()
            raise

    def _read_header(self, head: bytes) -> list[str]:
        """Return the column names, read from the first lines (see :func:`read_header`)."""
        return read_header(head, self.delimiter, self.name)

    def _invalid(self, row: Any) -> str:
        index = -1 if row.number is None else int(row.number) - 2
        text: str = row.text
        if text.startswith(_DROPPED):
            line = text[len(_DROPPED) :].split(self.delimiter, 1)[0]
            kept = first_cells(self._in.starts.pop(int(line), b""), self.delimiter, self.width)
            said = f"only its first {len(kept)} cells were" if kept else "its cells were not"
            message = f"line {line} is longer than {self.max_line:,} bytes; {said} read"
            self._bad.append(BadRow(index, kept, message, "line too long"))
        else:
            # Only the last record can run out inside quotes (pyarrow reads on to the end).
            self._last_bad = (index, ends_inside_quotes(text, self.delimiter))
            # One record that pyarrow already split off: the stdlib reader gives its cells.
            fields = first_record(text, self.delimiter) or []
            count = int(row.actual_columns)
            message, kind = "", ""
            if count > self.width:
                message, kind = too_many_fields(count, self.width, fields), "too many fields"
            else:
                message = short_row_problem(text, fields, self.delimiter, self.width)
                kind = (
                    ""
                    if not message
                    else EMPTY_KIND
                    if message == EMPTY_MESSAGE
                    else SEPARATOR_KIND
                )
                if not message:
                    self.short.add(index, count)
            self._bad.append(BadRow(index, fields, message, kind))
        return "skip"

    def chunks(self, rows: int) -> Iterator[Chunk]:
        """Yield chunks of at most ``rows`` rows (and one parse block of bytes)."""
        chunks = self._read_chunks(rows)
        self._chunks = weakref.ref(chunks)  # closed by close(), with pyarrow's reader
        return chunks

    def _read_chunks(self, rows: int) -> Generator[Chunk, None, None]:
        done = 0
        last: pa.Table | None = None
        if self._reader is None:
            raise CaseFileError(f"case file '{self.name}' was closed.")
        batches = iter(self._reader)
        try:
            while True:
                with self._in.held.wanted():
                    batch = next(batches, None)
                if batch is None:
                    break
                valid = pa.Table.from_batches([batch])
                while True:
                    # Records handed back before the next valid one, then valid ones
                    # with those among them: at most a chunk's rows at a time.
                    while self._bad and self._bad.first().index == done:
                        table, done, _ = self._merge(None, done, rows)
                        last = table.table
                        yield table
                    if not valid.num_rows:
                        break
                    table, done, used = self._merge(valid, done, rows)
                    valid = valid.slice(used)
                    table = mark_blank(table) if self.width == 1 else mark_empty(table)
                    for chunk in split(table, rows):
                        last = chunk.table
                        yield chunk
            while self._bad:
                table, done, _ = self._merge(None, done, rows)
                last = table.table
                yield table
        except pa.ArrowInvalid as exc:
            said = in_file_terms(_first_line(exc), done, 2 * self.max_line)
            raise CaseFileError(f"cannot read case file '{self.name}': {said}") from None
        self._check_closed(last, done)

    def _check_closed(self, last: pa.Table | None, done: int) -> None:
        """Refuse an odd number of quotes with a last record over several lines."""
        index, unclosed = self._last_bad
        if index == done - 1 and unclosed:  # the last record, cut to the header's width
            raise CaseFileError(
                f"case file '{self.name}': a quoted field in the last record (row "
                f"{done:,}) is never closed."
            )
        if last is None or not self._in.quotes % 2 or not last.num_rows:
            return
        if self._in.tail == b'"':  # the file ends by closing a quoted cell
            return
        row = last.slice(last.num_rows - 1)
        for column in row.columns:
            value = column[0].as_py()
            if isinstance(value, str) and ("\n" in value or "\r" in value):
                raise CaseFileError(
                    f"case file '{self.name}': a quoted field in the last record (row "
                    f"{done:,}) is never closed."
                )

    def _merge(self, valid: pa.Table | None, done: int, most: int) -> tuple[Chunk, int, int]:
        """Put at most ``most`` rows pyarrow handed back into their places among ``valid``.

        Without ``valid``, the next ones in file order. Return the chunk, the records done
        after it and how many of ``valid`` it used (those before the first left waiting).
        """
        m = 0 if valid is None else valid.num_rows
        taken = self._bad.take(done, None if valid is None else done + m, most)
        if valid is not None and self._bad and (following := self._bad.first().index) >= 0:
            m = min(m, following - done - len(taken))
            valid = valid.slice(0, m)
        span = m + len(taken)
        if not taken:
            assert valid is not None
            return Chunk(valid, None), done + span, m
        invalid = np.zeros(span, dtype=bool)
        invalid[[b.index - done if b.index >= 0 else span - 1 for b in taken]] = True
        take = np.empty(span, dtype=np.int64)
        take[~invalid] = np.arange(m)
        take[invalid] = m + np.arange(len(taken))
        extra = rows_table(taken, self.header)
        tables = [extra] if valid is None else [valid, extra]
        table = pa.concat_tables(tables).take(pa.array(take))
        failed = [
            (int(i), b) for i, b in zip(np.flatnonzero(invalid), taken, strict=True) if b.message
        ]
        errors: RowErrors | None = None
        if failed:
            errors = (
                np.array([p for p, _ in failed], dtype=np.int64),
                np.array([b.message for _, b in failed], dtype=object),
                np.array([b.kind for _, b in failed], dtype=object),
            )
        return Chunk(table, errors), done + span, m

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes read so far."""
        return self._in.sha256.hexdigest()

    @property
    def nbytes(self) -> int:
        """Bytes read so far."""
        return self._in.nbytes

    @property
    def bom(self) -> bool:
        """Whether the file began with a UTF-8 byte-order mark."""
        return self._in.bom

    def position(self, rows: int) -> int:
        """Return about how many bytes of the input hold its header and first ``rows`` rows."""
        return self._in.position(rows + self._header_lines)

    def stop(self) -> None:
        """Let pyarrow's reading thread go: it reads the end of the input, at once."""
        self._in.held.close()

    def close(self) -> None:
        """Close the file (standard input stays open), once pyarrow has let go of it.

        pyarrow's reading thread reads the end, its reader is dropped here, and what
        its threads still hold of ours is let go of, a moment at most, while the
        interpreter is still running (see :mod:`backspasm.scoring.lines`).
        """
        held = self._in.held
        try:
            held.close()
            chunks = None if self._chunks is None else self._chunks()
            if chunks is not None:
                with contextlib.suppress(ValueError):  # still running in another thread
                    chunks.close()
            self._chunks = None
            self._reader = None
            held.settle()
        finally:
            self._bad.close()
            if self._in.raw is not getattr(sys.stdin, "buffer", None):
                self._in.raw.close()


def open_source(path: str, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> CsvSource | ParquetSource:
    """Open a case file (``"-"``: standard input) as CSV or Parquet, by its first bytes.

    Parameters
    ----------
    path : str
        The file, or ``"-"``.
    chunk_bytes : int
        Bytes of input per chunk; a CSV line may be up to half of it.

    Returns
    -------
    CsvSource or ParquetSource

    Raises
    ------
    CaseFileError
        When the file is missing, a folder, empty, not UTF-8 or not Parquet after all.
    """
    name = "<stdin>" if path == "-" else path
    if path == "-":
        stdin = sys.stdin.buffer
        magic = stdin.peek(MAGIC_BYTES)[:MAGIC_BYTES] if hasattr(stdin, "peek") else b""
        return _open_stream(stdin, name, magic, path, chunk_bytes)
    if os.path.isdir(path):
        raise CaseFileError(f"cannot read case file '{path}': it is a folder{_parts(path)}.")
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the source
    except FileNotFoundError:
        raise CaseFileError(f"cannot read case file '{path}': no such file.") from None
    except OSError as exc:
        raise CaseFileError(f"cannot read case file '{path}': {exc.strerror or exc}") from None
    if not fh.seekable():
        # A named pipe or a process substitution, <(zcat cases.csv.gz): read as a stream.
        magic = b""
        while len(magic) < MAGIC_BYTES and (more := fh.read(MAGIC_BYTES - len(magic))):
            magic += more
        stream = io.BufferedReader(_Prefixed(magic, fh))
        try:
            return _open_stream(stream, name, magic, path, chunk_bytes)
        except BaseException:
            stream.close()
            raise
    magic = fh.read(MAGIC_BYTES)
    fh.seek(0)
    found = packed(magic, path)
    if found:
        fh.close()
        raise CaseFileError(f"cannot read case file '{path}': {found}")
    if magic[:4] == b"PAR1" or path.lower().endswith(PARQUET_SUFFIXES):
        fh.close()
        return open_parquet_path(path, chunk_bytes=chunk_bytes)
    try:
        return CsvSource(fh, name, chunk_bytes=chunk_bytes)
    except BaseException:
        fh.close()
        raise


def _parts(folder: str) -> str:
    """Say what to do with a folder of Parquet files, as Dask and Spark write them ("" if none)."""
    try:
        count = sum(e.name.lower().endswith(PARQUET_SUFFIXES) for e in os.scandir(folder))
    except OSError:
        return ""
    if not count:
        return ""
    files = "a Parquet file" if count == 1 else f"{count:,} Parquet files"
    return (
        f" of {files} (a table as Dask writes one); score each file, or the whole table "
        f"in Python: backspasm.score_cases(dask.dataframe.read_parquet({folder!r}))"
    )


def _open_stream(
    stream: BinaryIO, name: str, magic: bytes, path: str, chunk_bytes: int
) -> CsvSource | ParquetSource:
    """Open standard input or a pipe, whose first bytes ``magic`` are still to be read."""
    found = packed(magic, path)
    if found:
        raise CaseFileError(f"cannot read case file '{name}': {found}")
    if magic[:4] == b"PAR1":
        return open_parquet_stream(stream, name, chunk_bytes=chunk_bytes)
    return CsvSource(stream, name, chunk_bytes=chunk_bytes)
