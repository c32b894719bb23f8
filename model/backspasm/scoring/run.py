"""Score a case file of any size: :func:`score_file` and its :class:`ScoringSummary`."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from backspasm._files import META_SUFFIX, AtomicFile, check_paths
from backspasm._memory import release_free_memory
from backspasm._signals import SignalGuard
from backspasm._text import rate
from backspasm._version import __version__
from backspasm.diagnosis.words import not_presenting_rows, unscreened_self_care_rows
from backspasm.exceptions import CaseFileError
from backspasm.network import Network, network_or_default
from backspasm.scoring.cases import RepeatedIds
from backspasm.scoring.kernel import Cells, score_block
from backspasm.scoring.overlap import Overlap, warm_engine
from backspasm.scoring.plan import Plan, make_plan
from backspasm.scoring.readers import (
    DEFAULT_CHUNK_BYTES,
    Chunk,
    CsvSource,
    ParquetSource,
    open_source,
)
from backspasm.scoring.writers import CsvWriter, ParquetWriter, Sink, check_unique, naming

__all__ = ["EXIT_OK", "EXIT_ROW_ERRORS", "ScoringSummary", "score_file"]

#: ``ScoringSummary.exit_code`` values (the command line exits with them).
EXIT_OK, EXIT_ROW_ERRORS = 0, 3
_Read = tuple[Chunk, dict[int, Cells]]  # a chunk and its question columns, factorised
_MIN_CHUNK_BYTES = 64 * 1024
# Rows explained at a time: the cost per row is the same in any batch; the bar moves.
_EXPLAIN_ROWS = 1_000


@dataclass(frozen=True)
class ScoringSummary:
    """What :func:`score_file` did.

    Parameters
    ----------
    rows : int
        Rows read (and written).
    scored : int
        Rows with probabilities.
    errors_by_kind : dict of str to int
        Rows per problem (``invalid <column>``, ``too many fields``, ``line too
        long``, ``empty row``, ``other delimiter``, ``impossible answers``); a row
        may count under several kinds.
    warnings : tuple of str
        File-level remarks: near-miss column names, repeated ids, ...
    seconds : float
        Wall time.
    rows_per_second : float
        ``rows / seconds``.
    input_sha256 : str
        SHA-256 of the input bytes, as read.
    output : Path or None
        The written file (None for stdout).
    meta : Path or None
        The provenance sidecar (None for stdout).
    input_format : {"csv", "parquet"}
        How the input was read.
    delimiter : str
        The CSV delimiter found (and used for CSV output).
    input_bytes : int
        Size of the input.
    first_error : (int, str) or None
        The first row that carries an error (counted from 1, after the header) and
        its message.
    short_rows : int
        CSV rows with fewer fields than the header, read with the missing cells
        blank (also named in a warning).
    self_care_unscreened : int
        Rows triaged ``self_care`` that left screening questions unanswered
        (``screen_unanswered`` above 0): for them ``self_care`` means only that no
        warning sign was found yet, as ``diagnose`` says.
    """

    rows: int
    scored: int
    errors_by_kind: dict[str, int]
    warnings: tuple[str, ...]
    seconds: float
    rows_per_second: float
    input_sha256: str
    output: Path | None
    meta: Path | None
    input_format: str = "csv"
    delimiter: str = ","
    input_bytes: int = 0
    first_error: tuple[int, str] | None = None
    short_rows: int = 0
    self_care_unscreened: int = 0

    @property
    def errors(self) -> int:
        """Rows that carry an error."""
        return self.rows - self.scored

    @property
    def exit_code(self) -> int:
        """0 when every row was scored, 3 when some rows carry an error."""
        return EXIT_OK if self.errors == 0 else EXIT_ROW_ERRORS

    def format(self) -> str:
        """Return a short multi-line report for stderr.

        Returns
        -------
        str
            Counts and speed, errors by kind, warnings and the provenance file.
        """
        where = str(self.output) if self.output is not None else "stdout"
        lines = [
            f"scored {self.scored:,} of {self.rows:,} rows in {self.seconds:.1f} s "
            f"({rate(self.rows_per_second)} rows/s) -> {where}"
        ]
        if self.errors:
            carry = "row carries" if self.errors == 1 else "rows carry"
            lines.append(f"{self.errors:,} {carry} an error (see the 'error' column):")
            for kind, count in sorted(self.errors_by_kind.items(), key=lambda kv: -kv[1]):
                lines.append(f"  {kind}: {count:,}")
            if self.first_error is not None:
                row, message = self.first_error
                lines.append(f"  first, row {row:,}: {message}")
        if self.self_care_unscreened:
            lines.append(f"note: {unscreened_self_care_rows(self.self_care_unscreened)}")
        lines += [f"warning: {w}" for w in self.warnings]
        if self.meta is not None:
            lines.append(f"provenance: {self.meta}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Options:
    chunksize: int
    chunk_bytes: int
    precision: int | None
    explain: bool
    progress: bool | None


def _check_int(name: str, value: object, low: int, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(
            f"The '{name}' parameter of score_file must be an int >= {low:,}"
            f"{' or None' if optional else ''}; got {value!r} instead."
        )


def score_file(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    network: Network | None = None,
    chunksize: int = 100_000,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    precision: int | None = None,
    progress: bool | None = None,
    explain: bool = False,
) -> ScoringSummary:
    """Score a case file of any size, chunk by chunk, and write the result atomically.

    Parameters
    ----------
    input : path-like or "-"
        A CSV file (UTF-8, with or without BOM; comma, semicolon or tab, detected) or a
        Parquet file. ``"-"`` reads standard input. Every CSV cell is read as text, so
        the input's columns are written back with the same values.
    output : path-like or "-"
        ``.parquet``/``.pq`` writes Parquet; ``.csv``, ``.txt`` and ``.tsv`` write
        delimited text with the input's delimiter (``.tsv`` only for a tab-separated
        or Parquet input), first Excel's ``sep=;`` line if the input had one; any
        other extension is refused. Written to a temporary file in the same folder,
        then renamed, so a failed or interrupted run leaves no file behind (killed
        between two renames, the output is left without a sidecar, not the old one). ``"-"``
        writes CSV to standard output. Neither the output nor its sidecar may be the
        input (by name, link or standard input), and the output's folder must exist
        and be writable: all this is checked first.
    network : Network, optional
        Defaults to the bundled network.
    chunksize : int, default 100000
        At most this many rows are scored at a time (with ``explain``, at most 1,000).
    chunk_bytes : int, default 8 MiB
        Bytes of input read and parsed at a time; memory is bounded by it. A CSV line
        over half of it keeps only the cells of its first 4 KiB, and an error. A Parquet file
        is read a row group at a time, so its memory grows with the size of its row
        groups (as pyarrow reads them), whatever ``chunk_bytes`` is.
    precision : int, optional
        Round probabilities and ``conflict`` to this many significant digits (hours
        and counts stay whole). By default they are written losslessly:
        ``float(cell)`` is the engine's value. It depends on the rows scored with it
        in the last digits: a row agrees to about 1e-11 whatever the ``chunksize``,
        the Dask partitions or the kernel (numba's takes over from numpy's once a
        process has scored 2,000 cases; a batch under 2,000 rows after a larger one
        reuses its tree, whose noisy-OR tables are differences: up to 6e-12, against
        1e-14 otherwise). The same file scored again with the same ``chunksize`` in
        a new process gives the same bytes; ``precision=10`` rounds the differences
        away (but for a value on a rounding boundary).
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.
    explain : bool, default False
        Add the columns that make a row say what a diagnosis says: ``p_pathologic``,
        ``risk_<complication>``, ``reasons``, ``pointed_cause``, ``pointed_odds_factor``,
        ``next_question``, ``triage_reasons``, ``mpe`` and ``p_mpe``
        (see :func:`~backspasm.scoring.output_columns`).

    Returns
    -------
    ScoringSummary
        Counts, errors by kind, warnings, timing, the input's SHA-256 and the paths of
        the output and of its ``.meta.json`` provenance sidecar. ``exit_code`` is 0
        when every row was scored and 3 when some rows carry an error.

    Raises
    ------
    CaseFileError
        When the file cannot be used at all (missing, empty, not UTF-8, a quoted field
        never closed, a header line over the limit, output or sidecar equal to the
        input, an output folder that is missing or not writable, an unknown output
        extension, no question column, a column named like a question but for its
        case, spaces or hyphens, a column named like an output column, a write that
        fails, such as on a full disk, naming the output, its sidecar or standard
        output, ...). Problems with single rows never raise: they go to the row's
        ``error`` cell.
    ValueError
        For a ``chunksize``, ``chunk_bytes`` or ``precision`` out of range.
    backspasm._signals.Interrupted
        (a :class:`KeyboardInterrupt`) on SIGINT or SIGTERM in the main thread, after
        the temporary files were removed; its ``exit_code`` is 130 or 143.
    """
    _check_int("chunksize", chunksize, 1)
    _check_int("chunk_bytes", chunk_bytes, _MIN_CHUNK_BYTES)
    _check_int("precision", precision, 1, optional=True)
    options = _Options(chunksize, chunk_bytes, precision, explain, progress)
    started = time.perf_counter()
    _check_path("input", input)
    _check_path("output", output)
    src_path, dst_path = os.fspath(input), os.fspath(output)
    fmt = check_paths(src_path, dst_path)
    lost = "nothing written" if dst_path != "-" else "the output on standard output is incomplete"
    with SignalGuard(f"interrupted; {lost}") as guard, warm_engine(src_path):
        net = network_or_default(network)
        done: str | None = None  # what a signal during the closing says, once written
        source = open_source(src_path, chunk_bytes=chunk_bytes)
        try:
            try:
                plan = make_plan(source.header, net, explain=explain, index=source.index)
            except CaseFileError as exc:
                raise CaseFileError(f"case file '{src_path}': {exc}") from None
            if isinstance(source, ParquetSource):
                source.check_question_types(list(plan.positions))
            summary = _run(source, plan, src_path, dst_path, fmt, options, started, guard)
            written = "standard output" if dst_path == "-" else dst_path
            done = f"interrupted; {written} was written all the same"
            return summary
        finally:
            # pyarrow lets go of the input before the process may end (a signal waits).
            with guard.deferred(done):
                source.close()


def _check_path(name: str, value: object) -> None:
    """Refuse a parameter of score_file that is not a path (a DataFrame, say)."""
    if not isinstance(value, str | os.PathLike):
        hint = " (score a DataFrame with score_cases)" if name == "input" else ""
        raise TypeError(
            f"The '{name}' parameter of score_file must be a path or '-'; got "
            f"{type(value).__name__} instead{hint}."
        )


def _output_delimiter(source: CsvSource | ParquetSource, dst_path: str) -> str:
    """Return the input's delimiter, or a tab for a ``.tsv`` output (refused if it cannot be)."""
    if not Path(dst_path).name.lower().endswith(".tsv"):
        return source.delimiter
    if isinstance(source, CsvSource) and source.delimiter != "\t":
        raise CaseFileError(
            f"cannot write '{dst_path}': a .tsv file is tab-separated, but the input is "
            f"separated by {source.delimiter!r}; name the output .csv."
        )
    return "\t"


def _run(
    source: CsvSource | ParquetSource,
    plan: Plan,
    src_path: str,
    dst_path: str,
    fmt: str,
    options: _Options,
    started: float,
    guard: SignalGuard,
) -> ScoringSummary:
    header = source.header
    schema = (
        source.schema
        if isinstance(source, ParquetSource)
        else pa.schema([(h, pa.string()) for h in header])
    )
    if fmt == "parquet":
        check_unique([*header, *plan.outputs], dst_path)
    else:
        delimiter = _output_delimiter(source, dst_path)
    engine = plan.network.engine
    bar = _progress_bar(options.progress, source, src_path)
    sink: Sink | None = None
    meta: AtomicFile | None = None
    overlap: Overlap | None = None
    writer: ParquetWriter | CsvWriter | None = None
    rows = scored = 0
    first_error: tuple[int, str] | None = None
    kinds: Counter[str] = Counter()
    not_presenting = unscreened = 0
    ids = RepeatedIds()
    try:
        # Created, renamed and removed with signals held back, so that no temporary
        # file can escape the clean-up.
        with guard.deferred():
            sink = Sink(dst_path)
        writer = (
            ParquetWriter(sink, plan.outputs, options.precision)
            if fmt == "parquet"
            else CsvWriter(sink, delimiter, plan.outputs, options.precision)
        )
        if isinstance(source, CsvSource) and fmt != "parquet":
            if source.bom:  # Excel reads a file as UTF-8 by its BOM
                sink.write(b"\xef\xbb\xbf")
            if source.sep_hint is not None:
                sink.write(source.sep_hint + b"\n")  # the user's "sep=;", for Excel
        overlap = Overlap(writer.write)
        most = min(options.chunksize, _EXPLAIN_ROWS) if options.explain else options.chunksize
        for chunk, cells in overlap.ahead(_read(source, plan, most)):
            block = score_block(cells, chunk.n, plan, engine=engine, row_errors=chunk.row_errors)
            overlap.write(chunk.table, block.columns)
            release_free_memory()
            if first_error is None and block.scored < chunk.n:
                at = int(np.flatnonzero(block.columns["error"] != "")[0])
                first_error = (rows + at + 1, str(block.columns["error"][at]))
            rows += chunk.n
            scored += block.scored
            kinds.update(block.kinds)
            not_presenting += block.not_presenting
            unscreened += block.unscreened_self_care
            if plan.id_position is not None:
                ids.add(chunk.table.column(plan.id_position).to_pandas())
            if bar is not None:  # where the rows scored end, not how far the reader got
                done = source.position(rows) if isinstance(source, CsvSource) else rows
                bar.update(min(done, bar.total or done) - bar.n)
                bar.set_postfix(rows=f"{rows:,}", refresh=False)
        overlap.flush()
        if bar is not None and bar.total:
            bar.update(bar.total - bar.n)
        overlap.close()
        writer.close(schema)
        sink.finish()
        note = ids.note()
        short = source.short if isinstance(source, CsvSource) else None
        short_note = None if short is None else short.note(len(header))
        seconds = time.perf_counter() - started
        meta_path = None if sink.path is None else Path(f"{sink.path}{META_SUFFIX}")
        summary = ScoringSummary(
            rows=rows,
            scored=scored,
            errors_by_kind=dict(sorted(kinds.items())),
            warnings=(
                *plan.warnings,
                *([short_note] if short_note else []),
                *([note] if note else []),
                *([not_presenting_rows(not_presenting)] if not_presenting else []),
            ),
            seconds=seconds,
            rows_per_second=rows / seconds if seconds > 0 else float("inf"),
            input_sha256=source.sha256,
            output=sink.path,
            meta=meta_path,
            input_format="parquet" if isinstance(source, ParquetSource) else "csv",
            delimiter=source.delimiter,
            input_bytes=source.nbytes,
            first_error=first_error,
            short_rows=0 if short is None else short.count,
            self_care_unscreened=unscreened,
        )
        if meta_path is not None and sink.file is not None:
            payload = _meta_payload(summary, plan.network, src_path, fmt, options)
            with guard.deferred():
                meta = AtomicFile(meta_path)
            with naming(
                f"the provenance sidecar '{meta_path}'",
                f"nothing was written (the output '{sink.path}' and its sidecar are left "
                "as they were).",
            ):
                meta.fh.write(payload)
                meta.finish()
            # Both renames or, if a signal comes during them, both all the same.
            with guard.deferred(f"interrupted; {dst_path} was written all the same"):
                sink.replace(meta)
    except BaseException:
        if isinstance(source, CsvSource):
            source.stop()  # pyarrow's reading thread reads the end: nothing waits on it
        with guard.deferred():
            if overlap is not None:
                overlap.close()  # the helper thread is done with the output
            if writer is not None:
                writer.abandon()
            if sink is not None:
                sink.abort()
            if meta is not None:
                meta.discard()
        if bar is not None:
            bar.leave = False
        raise
    finally:
        if bar is not None:
            bar.close()
    return summary


def _read(source: CsvSource | ParquetSource, plan: Plan, rows: int) -> Iterator[_Read]:
    """Each chunk with its question columns factorised."""
    for chunk in source.chunks(rows):
        yield chunk, {p: chunk.cells(p) for p in plan.positions}


def _progress_bar(progress: bool | None, source: CsvSource | ParquetSource, path: str) -> Any:
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    from tqdm import tqdm

    if isinstance(source, ParquetSource):
        return tqdm(
            total=source.rows, unit="rows", unit_scale=True, desc="scoring", file=sys.stderr
        )
    # The size of a file; a pipe's (or standard input's) is not known.
    size = os.stat(path).st_size if path != "-" and stat.S_ISREG(os.stat(path).st_mode) else None
    return tqdm(
        total=size, unit="B", unit_scale=True, unit_divisor=1024, desc="scoring", file=sys.stderr
    )


def _meta_payload(
    summary: ScoringSummary, net: Network, src_path: str, fmt: str, options: _Options
) -> bytes:
    payload = {
        "backspasm_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        # The fingerprint covers the numbers, the questions and the triage policy;
        # its parts say which of them two runs' networks differ in.
        "network": {
            "fingerprint": net.fingerprint(),
            "fingerprint_parts": net.fingerprint_parts(),
            "origin": str(net.spec.origin),
        },
        "input": {
            "path": "-" if src_path == "-" else os.path.abspath(src_path),
            "sha256": summary.input_sha256,
            "bytes": summary.input_bytes,
            "format": summary.input_format,
            "delimiter": summary.delimiter if summary.input_format == "csv" else None,
        },
        "output": {
            "path": str(summary.output.resolve()) if summary.output else "-",
            "format": fmt,
        },
        "options": {
            "chunksize": options.chunksize,
            "chunk_bytes": options.chunk_bytes,
            "precision": options.precision,
            "explain": options.explain,
        },
        "rows": summary.rows,
        "scored": summary.scored,
        "errors": summary.errors,
        "errors_by_kind": summary.errors_by_kind,
        "short_rows": summary.short_rows,
        "self_care_unscreened": summary.self_care_unscreened,
        "warnings": list(summary.warnings),
        "seconds": round(summary.seconds, 3),
        "rows_per_second": round(summary.rows_per_second, 1),
    }
    return (json.dumps(payload, indent=2) + "\n").encode("utf-8")
