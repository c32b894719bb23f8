"""Write scored chunks through pyarrow, into an atomic file or standard output.

CSV goes through :class:`pyarrow.csv.CSVWriter`, Parquet through
:class:`pyarrow.parquet.ParquetWriter`.

Probabilities are written losslessly by default: pyarrow writes a double as its
shortest round-trip text, so ``float(cell)`` gives back the engine's value exactly.
``precision=N`` rounds them to N significant digits first.

A write that fails (a full disk, a quota) raises a :class:`CaseFileError` that names
what was being written: the output, its provenance sidecar or standard output
(:func:`naming`).

The output and its sidecar are renamed into place one after the other
(:meth:`Sink.replace`), the old sidecar moved out of the way first: a run killed
between the renames leaves an output without a sidecar, never one beside the old
sidecar, which describes another output.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from backspasm._files import AtomicFile
from backspasm.exceptions import CaseFileError
from backspasm.scoring.kernel import empty_output
from backspasm.scoring.plan import WHOLE_OUTPUTS

__all__ = [
    "CsvWriter",
    "ParquetWriter",
    "Sink",
    "duration_text",
    "naming",
    "nested_text",
    "round_significant",
]

_SPECIAL = ('"', "\n", "\r")


@contextlib.contextmanager
def naming(what: str, after: str) -> Iterator[None]:
    """Turn an error of writing into a :class:`CaseFileError` that names the file.

    Parameters
    ----------
    what : str
        What is written, e.g. ``"the output 'out.csv'"``.
    after : str
        What became of it, said after the reason (a sentence ending in a full stop).

    Raises
    ------
    CaseFileError
        For an :class:`OSError` in the block, but a broken pipe (the reader of
        standard output went away, which the command line takes as the end).
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise CaseFileError(f"cannot write {what}: {exc.strerror or exc}; {after}") from None


class Sink:
    """An output file written atomically (see :class:`AtomicFile`), or stdout."""

    def __init__(self, output: str) -> None:
        self.path: Path | None = None if output == "-" else Path(output)
        self.file: AtomicFile | None = None
        #: What a write that fails names, and what it says became of the output.
        self.what, self.after = (
            ("to standard output", "the output there is incomplete.")
            if self.path is None
            else (
                f"the output '{self.path}'",
                "nothing was written (a file of that name is left as it was).",
            )
        )
        if self.path is None:
            buffer = getattr(sys.stdout, "buffer", None)
            self.fh: BinaryIO | _TextToBytes = buffer if buffer is not None else _TextToBytes()
            return
        self.file = AtomicFile(self.path)
        self.fh = self.file.fh

    def naming(self) -> contextlib.AbstractContextManager[None]:
        """Return a block whose failed writes name this output (see :func:`naming`)."""
        return naming(self.what, self.after)

    def write(self, data: bytes) -> None:
        """Write ``data`` (the output's first bytes: a byte-order mark, ``sep=;``)."""
        with self.naming():
            self.fh.write(data)

    def finish(self) -> None:
        """Flush everything written (and sync a file to disk); rename nothing yet."""
        with self.naming():
            if self.file is None:
                self.fh.flush()
            else:
                self.file.finish()

    def replace(self, sidecar: AtomicFile) -> None:
        """Rename the output into place, then its ``sidecar`` (both finished).

        The old sidecar, if any, is first moved aside, to a hidden name that the next
        run removes as stale, and removed at the end. A run killed (SIGKILL, a power
        cut) at any point leaves the old output and its old sidecar, the old output
        without a sidecar (killed before the output's rename), the new output without
        a sidecar (killed between the renames), or the new pair: never an output beside
        a sidecar whose input hash, network and counts belong to another.

        Raises
        ------
        CaseFileError
            When a rename fails. Before the output's, the old output and sidecar are
            left as they were; after it, the output was written without its sidecar.
        """
        assert self.file is not None
        hidden = f".{sidecar.target.name}.{secrets.token_hex(4)}.tmp"  # as AtomicFile names
        aside = sidecar.target.with_name(hidden)
        try:
            os.replace(sidecar.target, aside)
            moved = True
        except FileNotFoundError:  # the first run: no old sidecar
            moved = False
        except OSError as exc:
            raise CaseFileError(
                f"cannot write '{sidecar.path}': {exc.strerror or exc} (the output and its "
                "sidecar were left as they were)"
            ) from None
        try:
            self.file.replace()
        except CaseFileError:
            if moved:
                with contextlib.suppress(OSError):  # else the next run removes it
                    os.replace(aside, sidecar.target)
            raise
        try:
            sidecar.replace(f"the output '{self.path}' was written without it")
        finally:
            if moved:
                with contextlib.suppress(OSError):  # else the next run removes it
                    aside.unlink()

    def abort(self) -> None:
        """Remove the temporary file, if any."""
        if self.file is not None:
            self.file.discard()


class _TextToBytes:
    """Adapter for a text stdout without ``.buffer`` (some notebook or test consoles)."""

    closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        sys.stdout.write(bytes(data).decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        sys.stdout.flush()


def round_significant(values: npt.NDArray[np.float64], digits: int) -> npt.NDArray[np.float64]:
    """Round to ``digits`` significant digits: the double nearest ``"%.{digits}g" % v``.

    Parameters
    ----------
    values : numpy.ndarray of float
    digits : int
        Significant digits, >= 1.

    Returns
    -------
    numpy.ndarray of float
        Written by pyarrow with at most ``digits`` significant digits.
    """
    out = np.array(values, dtype=np.float64)
    finite = np.isfinite(out)
    if finite.any():
        out[finite] = np.char.mod(f"%.{digits}g", out[finite]).astype(np.float64)
    return out


def _output_arrays(
    columns: Mapping[str, npt.NDArray[Any]], names: Sequence[str], precision: int | None
) -> list[pa.Array]:
    arrays: list[pa.Array] = []
    for name in names:
        values = columns[name]
        if values.dtype.kind == "f" and name in WHOLE_OUTPUTS:
            # whole hours and counts as integers (Parquet kept them as 24.0), blank as null
            blank = np.isnan(values)
            whole = np.where(blank, 0.0, values).astype(np.int64)
            arrays.append(pa.array(whole, type=pa.int64(), mask=blank))
        elif values.dtype.kind == "f":
            if precision is not None:
                values = round_significant(values, precision)
            # NaN (a row that could not be scored) is written as an empty cell.
            arrays.append(pa.array(values, type=pa.float64(), from_pandas=True))
        else:
            arrays.append(pa.array(values, type=pa.string()))
    return arrays


class _TableWriter:
    """What both writers share: the output table of a chunk, and closing."""

    _writer: pcsv.CSVWriter | pq.ParquetWriter | None

    def __init__(self, sink: Sink, outputs: Sequence[str], precision: int | None) -> None:
        self.sink = sink
        self.outputs = list(outputs)
        self.precision = precision
        self._writer = None

    def write(self, table: pa.Table, columns: Mapping[str, npt.NDArray[Any]]) -> None:
        """Append the rows of ``table`` with their output ``columns``."""
        raise NotImplementedError

    def _joined(self, table: pa.Table, columns: Mapping[str, npt.NDArray[Any]]) -> pa.Table:
        """Return the input columns of ``table`` followed by the output columns."""
        arrays = [*table.columns, *_output_arrays(columns, self.outputs, self.precision)]
        return pa.Table.from_arrays(arrays, names=[*table.column_names, *self.outputs])

    def close(self, header: pa.Schema) -> None:
        """Write the header (CSV) or schema (Parquet) if no row came, then close the writer.

        Closing flushes pyarrow's buffers and, for Parquet, writes the file's footer.
        """
        if self._writer is None:
            empty = header.empty_table()
            self.write(empty, {name: empty_output(name, 0) for name in self.outputs})
        assert self._writer is not None
        with self.sink.naming():
            self._writer.close()

    def abandon(self) -> None:
        """Let go of pyarrow's writer on failure, before the sink is thrown away.

        Closing it while the sink is still open keeps its finaliser from writing a
        footer into a closed file later ("Exception ignored ... write to closed file").
        """
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):  # the output is discarded anyway
                writer.close()


class CsvWriter(_TableWriter):
    """Delimited text: the input's columns as read, then the output columns."""

    def __init__(
        self, sink: Sink, delimiter: str, outputs: Sequence[str], precision: int | None
    ) -> None:
        super().__init__(sink, outputs, precision)
        self.delimiter = delimiter

    def write(self, table: pa.Table, columns: Mapping[str, npt.NDArray[Any]]) -> None:
        """Append the rows of ``table`` with their output ``columns``."""
        out = _flat(self._joined(table, columns))
        if self._writer is None:
            names = out.column_names
            plain = not any(ch in n for n in names for ch in (*_SPECIAL, self.delimiter))
            options = pcsv.WriteOptions(
                delimiter=self.delimiter,
                quoting_header="none" if plain else "needed",
                quoting_style="needed",
            )
            with self.sink.naming():
                self._writer = pcsv.CSVWriter(self.sink.fh, out.schema, write_options=options)
        with self.sink.naming():
            self._writer.write_table(out)


class ParquetWriter(_TableWriter):
    """Parquet: the input's columns with their types, then the output columns.

    The input's schema metadata is kept, its pandas part (written by
    :meth:`pandas.DataFrame.to_parquet`) extended by the output columns, so that
    :func:`pandas.read_parquet` gives the input's columns back with their pandas
    dtypes (nullable ``Int64`` and ``boolean``, the index) as it did from the input.
    """

    def __init__(self, sink: Sink, outputs: Sequence[str], precision: int | None) -> None:
        super().__init__(sink, outputs, precision)
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table, columns: Mapping[str, npt.NDArray[Any]]) -> None:
        """Append the rows of ``table`` with their output ``columns``."""
        out = self._joined(table, columns)
        if self._writer is None:
            self._schema = out.schema.with_metadata(
                _metadata(table.schema, out.schema, self.outputs)
            )
            with self.sink.naming():
                self._writer = pq.ParquetWriter(self.sink.fh, self._schema)
        elif not out.schema.equals(self._schema):
            out = out.cast(self._schema)
        with self.sink.naming():
            self._writer.write_table(out)


def _metadata(schema: pa.Schema, joined: pa.Schema, outputs: Sequence[str]) -> dict[bytes, bytes]:
    """Return the input's schema metadata, its pandas columns extended by ``outputs``.

    pandas reads the whole numbers back as ``Int64``, as
    :func:`~backspasm.scoring.score_cases` types them (listed as text, they read as
    ``float64``: 24.0 hours).
    """
    metadata = dict(schema.metadata or {})
    if b"pandas" not in metadata:
        return metadata
    try:
        described = json.loads(metadata[b"pandas"])
        columns = described["columns"]
    except (ValueError, KeyError, TypeError):
        columns = None
    if not isinstance(columns, list):
        # Unreadable pandas metadata would make pandas fail on the output: leave it out.
        del metadata[b"pandas"]
        return metadata
    for name in outputs:
        kind = joined.field(name).type
        pandas_type, numpy_type = "unicode", "object"
        if pa.types.is_floating(kind):
            pandas_type, numpy_type = "float64", "float64"
        elif pa.types.is_integer(kind):  # hours and counts, blank as null
            pandas_type, numpy_type = "int64", "Int64"
        columns.append(
            {
                "name": name,
                "field_name": name,
                "pandas_type": pandas_type,
                "numpy_type": numpy_type,
                "metadata": None,
            }
        )
    metadata[b"pandas"] = json.dumps(described).encode("utf-8")
    return metadata


def _flat(table: pa.Table) -> pa.Table:
    """Write Parquet cells that have no text form into CSV as text.

    A list, struct or map cell becomes its JSON text; a binary cell its bytes in
    hexadecimal (``fffe``): raw bytes are not text (a NUL, or bytes that are not
    UTF-8, would break the file or its readers). A duration becomes its text as a
    pandas ``Timedelta`` (``0 days 01:00:00``), whatever unit it is stored in
    (pyarrow would write the bare count of that unit).
    """
    for i, field in enumerate(table.schema):
        if pa.types.is_nested(field.type):
            values = nested_text(table[i])
        elif _is_binary(field.type):
            values = [None if v is None else v.hex() for v in table[i].to_pylist()]
        elif pa.types.is_duration(field.type):
            values = duration_text(table[i])
        else:
            continue
        table = table.set_column(i, field.name, pa.array(values, type=pa.string()))
    return table


def nested_text(column: pa.Array | pa.ChunkedArray) -> list[str | None]:
    """Return a list, struct or map column's cells as JSON text, nulls as None."""
    return [None if v is None else json.dumps(v, default=str) for v in column.to_pylist()]


def duration_text(column: pa.Array | pa.ChunkedArray) -> list[str | None]:
    """Return a duration column's cells as pandas writes a ``Timedelta``, nulls as None.

    ``0 days 01:00:00`` whatever unit the column is stored in; pyarrow's cast to
    text would give the bare count of that unit (``3600000000`` in microseconds).
    """
    return [None if pd.isna(v) else str(v) for v in column.to_pandas()]


def _is_binary(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
        or (hasattr(pa.types, "is_binary_view") and pa.types.is_binary_view(kind))
    )


def check_unique(names: Sequence[str], dst_path: str) -> None:
    """Refuse a Parquet output whose column names repeat (counted once, not name by name)."""
    dupes = sorted(name for name, count in Counter(names).items() if count > 1)
    if dupes:
        raise CaseFileError(
            f"cannot write Parquet '{dst_path}': column names must be unique; repeated: "
            f"{', '.join(repr(d) for d in dupes)}."
        )
