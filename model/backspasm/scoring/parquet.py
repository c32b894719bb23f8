"""Read a Parquet case file in record batches, from a path or a stream.

Parquet keeps its index (the footer) at the end of the file, so a stream (standard
input, a pipe) is first copied to an anonymous temporary file: on disk, not in
memory, whatever its size. Row groups are read one batch at a time with
``pre_buffer=False``, so that the file object does not keep what it has read
(apache/arrow#39808).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from backspasm.exceptions import CaseFileError
from backspasm.scoring.lines import _READ_BYTES
from backspasm.scoring.records import Chunk
from backspasm.scoring.sniff import _first_line, check_width

__all__ = ["ParquetSource", "open_parquet_path", "open_parquet_stream"]


class ParquetSource:
    """Stream a Parquet file in record batches (its column types are kept)."""

    delimiter = ","

    def __init__(
        self, source: str | BinaryIO, name: str, sha256: str, nbytes: int, *, chunk_bytes: int
    ) -> None:
        self.name = name
        self.sha256 = sha256
        self.nbytes = nbytes
        self._owned = None if isinstance(source, str) else source  # closed with the source
        try:
            self._file = pq.ParquetFile(source, pre_buffer=False)  # else it keeps what it read
        except (pa.ArrowException, OSError) as exc:
            self._close_owned()
            raise CaseFileError(f"cannot read Parquet file '{name}': {_first_line(exc)}") from None
        self.schema: pa.Schema = self._file.schema_arrow
        check_width(len(self.schema.names), name)
        self.header: list[str] = list(self.schema.names)
        #: The columns that hold the index pandas wrote (passed through without a remark).
        self.index: tuple[str, ...] = _index_columns(self.schema)
        meta = self._file.metadata
        self.rows = int(meta.num_rows)
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        # Rows per batch so that a batch holds about chunk_bytes of (uncompressed) data.
        self._rows_per_batch = max(1, chunk_bytes * max(self.rows, 1) // max(size, 1))

    def close(self) -> None:
        """Close the file (and the temporary copy of a stream)."""
        self._file.close()
        self._close_owned()

    def _close_owned(self) -> None:
        if self._owned is not None:
            self._owned.close()

    def check_question_types(self, positions: list[int]) -> None:
        """Refuse a question column that holds lists, structs or maps (one answer per cell).

        Dictionary-encoded columns (a pandas ``category``) are fine: they are decoded.
        """
        for position in positions:
            field = self.schema.field(position)
            kind = field.type
            if pa.types.is_dictionary(kind):
                kind = kind.value_type
            if pa.types.is_nested(kind):
                raise CaseFileError(
                    f"Parquet file '{self.name}': column '{field.name}' holds {kind}; a "
                    "question column holds one answer per cell (text, a number or a boolean)."
                )

    def chunks(self, rows: int) -> Iterator[Chunk]:
        """Yield chunks of at most ``rows`` rows and about ``chunk_bytes`` bytes.

        A damaged row group raises a :class:`CaseFileError` that names the file, as a
        damaged footer does when the file is opened (pyarrow raises an Arrow error
        for some damage, a plain :class:`OSError` for other).
        """
        try:
            for batch in self._file.iter_batches(batch_size=min(rows, self._rows_per_batch)):
                yield Chunk(pa.Table.from_batches([batch]), None)
        except (pa.ArrowException, OSError) as exc:
            raise CaseFileError(
                f"cannot read Parquet file '{self.name}': {_first_line(exc)}"
            ) from None


def _index_columns(schema: pa.Schema) -> tuple[str, ...]:
    """Return the columns that pandas metadata names as the index (a range index has none).

    :meth:`pandas.DataFrame.to_parquet` stores an index that is not a plain range as
    columns (``__index_level_0__``, or the index's name); the output keeps them, and
    the metadata, so that :func:`pandas.read_parquet` gives the index back.
    """
    try:
        described = schema.pandas_metadata
        names = described.get("index_columns", []) if isinstance(described, dict) else []
    except (ValueError, TypeError):  # metadata that is not JSON
        return ()
    if not isinstance(names, list):
        return ()
    return tuple(n for n in names if isinstance(n, str) and n in schema.names)


def _hashed_copy(src: BinaryIO, dst: BinaryIO | None) -> tuple[str, int]:
    """Read ``src`` to its end a block at a time: its SHA-256 and size (copied to ``dst``)."""
    digest, size = hashlib.sha256(), 0
    while block := src.read(_READ_BYTES):
        digest.update(block)
        size += len(block)
        if dst is not None:
            dst.write(block)
    return digest.hexdigest(), size


def open_parquet_path(path: str, *, chunk_bytes: int) -> ParquetSource:
    """Open the Parquet file at ``path``, hashed first (the hash names the input)."""
    with open(path, "rb") as fh:
        digest, size = _hashed_copy(fh, None)
    return ParquetSource(path, path, digest, size, chunk_bytes=chunk_bytes)


def open_parquet_stream(stream: BinaryIO, name: str, *, chunk_bytes: int) -> ParquetSource:
    """Open a Parquet stream, first copied to an anonymous temporary file.

    Memory stays bounded whatever the stream's size; the copy takes as much room in
    the temporary folder (``TMPDIR``) as the stream and goes when the source closes.
    """

    def refused(exc: OSError) -> CaseFileError:
        return CaseFileError(
            f"cannot copy the Parquet stream '{name}' to a temporary file "
            f"({exc.strerror or exc}); give the file by its path instead."
        )

    try:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - owned and closed by the source
    except OSError as exc:  # no temporary folder Python can write (it tries several)
        raise refused(exc) from None
    try:
        digest, size = _hashed_copy(stream, spool)
        spool.seek(0)
    except OSError as exc:  # the disk filled
        spool.close()
        raise refused(exc) from None
    return ParquetSource(spool, name, digest, size, chunk_bytes=chunk_bytes)
