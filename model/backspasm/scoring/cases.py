"""Score a pandas or Dask DataFrame: :func:`score_cases`."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from backspasm._cache import LruCache
from backspasm._text import show_cell
from backspasm.diagnosis.words import not_presenting_rows
from backspasm.exceptions import CaseFileError
from backspasm.network import Network, default_network, network_or_default
from backspasm.scoring.kernel import Block, factorize, score_block
from backspasm.scoring.plan import WHOLE_OUTPUTS, Plan, make_plan
from backspasm.scoring.readers import CsvSource, open_source
from backspasm.scoring.writers import duration_text, nested_text
from backspasm.spec.rules_questions import OUTPUT_NAMES, OUTPUT_PREFIXES

__all__ = [
    "RepeatedIds",
    "ScoringWarning",
    "error_row_lines",
    "error_rows",
    "read_case_table",
    "repeated_ids",
    "repeated_note",
    "score_cases",
    "score_table",
]

# The bundled network's plans made for Dask partitions, by columns and explain.
_PLANS: LruCache[tuple[Network, tuple[Any, ...], bool], Plan] = LruCache(4)
# An error in a line of a table, cut to this many characters.
_LINE_CHARS = 60
# RepeatedIds keeps runs of fewer hashes than this in memory (32 MiB); a run that
# reaches it goes to a temporary file, read through a memory map.
_RUN_IN_MEMORY = 1 << 22

if TYPE_CHECKING:
    import dask.dataframe as dd


class ScoringWarning(UserWarning):
    """A case table was scored, but something about it deserves a look."""


@overload
def score_cases(
    cases: pd.DataFrame, *, network: Network | None = None, explain: bool = False
) -> pd.DataFrame: ...


@overload
def score_cases(
    cases: dd.DataFrame, *, network: Network | None = None, explain: bool = False
) -> dd.DataFrame: ...


def score_cases(
    cases: pd.DataFrame | dd.DataFrame,
    *,
    network: Network | None = None,
    explain: bool = False,
) -> pd.DataFrame | dd.DataFrame:
    """Score a table of cases: every row back, in order, with probabilities or an error.

    Parameters
    ----------
    cases : pandas.DataFrame or dask.dataframe.DataFrame
        One row per case. Columns named exactly as in the case-file contract (see
        ``backspasm schema``) are read as answers (case-insensitive, trimmed; blank,
        ``unknown``, ``NA``, ``n/a`` or ``nan`` = not answered; ``back_spasm``
        defaults to yes); any other column is passed through untouched. Refused
        (``CaseFileError``): no question column, a column named like a question but
        for its case, spaces, hyphens, an invisible character or full-width letters
        (its answers would be lost), or one named like an output column.
    network : Network, optional
        Defaults to the bundled network.
    explain : bool, default False
        Add what a :class:`~backspasm.diagnosis.Diagnosis` says besides: a
        ``p_pathologic`` column and a ``risk_<complication>`` column per
        complication, ``reasons`` (the answers that moved the top cause most, with
        the factor by which each changed its odds), ``pointed_cause`` and
        ``pointed_odds_factor`` (the cause below the top one whose odds the answers
        raised most, threefold or more, over the context answers alone, and that
        factor: :mod:`backspasm.explain.odds`), ``next_question`` (what
        ``ask`` would ask next: an unanswered screening question first, those whose
        yes alone is an emergency before the rest, else the question with the highest
        expected information gain about the causes), ``triage_reasons`` (what set
        the level, in the words ``diagnose`` says them), ``mpe`` and
        ``p_mpe`` (the most probable explanation over the causes and its
        probability). Costs a few extra batched inference passes.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        The same type as ``cases``: its columns unchanged and in order, then
        ``p_<cause>`` per cause, ``p_serious``, [``p_pathologic``,
        ``risk_<complication>``], ``top_cause``, [``reasons``, ``pointed_cause``,
        ``pointed_odds_factor``, ``next_question``],
        ``conflict``, ``triage``, ``triage_within_hours``, ``red_flags``,
        [``triage_reasons``], ``screen_unanswered``, [``mpe``, ``p_mpe``] and ``error``. A row
        that could not be scored has NaN probabilities and says why in ``error``; its
        index is kept.

    Warns
    -----
    ScoringWarning
        For a column whose name is close to a question but not equal to it (it is
        passed through unscored), once naming every other column passed through
        unscored (not a question of ``network``: a variant's column scored without
        its network, say), a repeated question column; and, for a pandas frame only
        (a Dask frame would need a pass over every partition first, so compute it
        and count them yourself), repeated ``case_id`` values and rows that answer
        ``back_spasm = no`` (scored as asked, although the network describes
        people who have spasms).

    Notes
    -----
    A row's probabilities depend on the rows scored with it only in the last digits
    (the same sums taken in another order): they agree to about 1e-11 however the
    rows are batched (Dask partitions, ``chunksize``) and whichever kernel runs them
    (numba's, loaded once a process has scored enough cases, or numpy's), bit for
    bit for the same batches on the same kernel.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = score_cases(pd.DataFrame({"fever": ["yes", "maybe"]}))
    >>> scored.loc[1, "error"]
    "fever: 'maybe' is not allowed (yes/no, y/n, true/false or 1/0)"
    """
    net = network_or_default(network)
    if _is_dask(cases):
        return _score_dask(cases, net, explain)  # type: ignore[no-any-return]
    if not isinstance(cases, pd.DataFrame):
        raise TypeError(
            "The 'cases' parameter of score_cases must be a pandas or Dask DataFrame; "
            f"got {type(cases).__name__} instead."
        )
    return score_table(cases, net, explain=explain, stacklevel=3)


def score_table(
    cases: pd.DataFrame,
    network: Network,
    *,
    explain: bool = False,
    name_passed: bool = True,
    stacklevel: int = 2,
) -> pd.DataFrame:
    """Score a pandas table as :func:`score_cases` does, for a given network.

    With ``name_passed=False`` the columns passed through unscored are not named in
    a warning: for callers that keep other columns on purpose (an evaluation's
    sources and notes, the case mix of the teaching figures). Every other warning
    is as :func:`score_cases` gives it, ``stacklevel`` frames up.
    """
    plan = make_plan(list(cases.columns), network, explain=explain, name_passed=name_passed)
    for note in plan.warnings:
        warnings.warn(note, ScoringWarning, stacklevel=stacklevel)
    scored, block = _score_frame(cases, plan)
    if block.not_presenting:
        warnings.warn(
            not_presenting_rows(block.not_presenting), ScoringWarning, stacklevel=stacklevel
        )
    if plan.id_position is not None:
        count, example = repeated_ids(cases.iloc[:, plan.id_position])
        if count:
            warnings.warn(repeated_note(count, example), ScoringWarning, stacklevel=stacklevel)
    return scored


def _score_frame(cases: pd.DataFrame, plan: Plan) -> tuple[pd.DataFrame, Block]:
    """Return the scored table and its block (its counts for the warnings)."""
    cells = {p: factorize(cases.iloc[:, p]) for p in plan.positions}
    block = score_block(cells, len(cases), plan)
    new = pd.DataFrame(_typed_columns(block.columns, cases.index), index=cases.index)
    return pd.concat([cases, new], axis=1), block


def _typed_columns(
    columns: Mapping[str, npt.NDArray[Any]], index: pd.Index
) -> dict[str, pd.Series]:
    """Type the scores: probabilities as floats, hours and counts as whole numbers.

    ``triage_within_hours`` and ``screen_unanswered`` are pandas' nullable ``Int64``
    (blank as ``<NA>``), as the command line writes them to Parquet: a frame written
    with ``to_csv`` or, from Dask, ``to_parquet`` then says ``24``, not ``24.0``.
    """
    typed = {}
    for name, values in columns.items():
        if values.dtype.kind != "f":
            typed[name] = pd.Series(values, index=index, dtype=str)
        elif name in WHOLE_OUTPUTS:
            typed[name] = pd.Series(values, index=index, dtype=np.float64).astype("Int64")
        else:
            typed[name] = pd.Series(values, index=index, dtype=np.float64)
    return typed


def id_values(ids: pd.Series) -> npt.NDArray[np.object_]:
    """Non-blank ``case_id`` cells as text (blank ids are allowed and never repeat)."""
    text = ids[ids.notna()].astype(str)
    return np.asarray(text[text.str.strip() != ""], dtype=object)


def repeated_ids(ids: pd.Series) -> tuple[int, str | None]:
    """How many ids repeat an earlier one, and the first that does."""
    values = pd.Series(id_values(ids), dtype=object)
    repeated = values[values.duplicated()]
    return len(repeated), (str(repeated.iloc[0]) if len(repeated) else None)


def repeated_note(count: int, example: str | None) -> str:
    """Return the warning about repeated ``case_id`` values."""
    shown = f" (for example {show_cell(example)})" if example is not None else ""
    return (
        f"case_id is not unique: {count} row(s) repeat an earlier id{shown}; "
        "they were scored all the same."
    )


class RepeatedIds:
    """Repeated ``case_id`` values across chunks, found with 64-bit hashes.

    The hashes seen so far are kept sorted, in runs whose sizes grow like a binary
    counter (two runs of about the same size are merged), so that each chunk is
    looked up against every earlier row at the cost of a few binary searches and
    the first id repeated anywhere in the file is kept as the warning's example.
    A run of ``_RUN_IN_MEMORY`` hashes or more is written to a temporary file and
    searched through a memory map (pages the system can drop), never merged again:
    the memory held stays under about twice that many hashes however long the file
    (8 bytes a row go to disk instead, 80 MB for ten million rows).
    """

    def __init__(self) -> None:
        self.runs: list[npt.NDArray[np.uint64]] = []
        self.repeated = 0
        self.example: str | None = None

    def add(self, ids: pd.Series) -> None:
        """Look up a chunk's ids among the earlier ones, then keep their hashes."""
        values = id_values(ids)
        hashes = pd.util.hash_array(values)
        unique, first = np.unique(hashes, return_index=True)
        seen = np.zeros(len(hashes), dtype=bool)
        seen[np.setdiff1d(np.arange(len(hashes)), first)] = True  # earlier in the chunk
        fresh = np.ones(len(unique), dtype=bool)
        for run in self.runs:
            at = np.searchsorted(run, unique).clip(max=len(run) - 1)
            fresh &= run[at] != unique
        seen[first[~fresh]] = True  # in an earlier chunk
        self.repeated += int(seen.sum())
        if self.example is None and seen.any():
            self.example = str(values[int(np.argmax(seen))])
        run = unique[fresh]
        while (
            self.runs
            and not isinstance(self.runs[-1], np.memmap)
            and len(self.runs[-1]) <= 2 * len(run)
        ):
            run = np.union1d(self.runs.pop(), run)
        if len(run) >= _RUN_IN_MEMORY:
            run = _spilled(run)
        if len(run):
            self.runs.append(run)

    def note(self) -> str | None:
        """Return the warning about the repeated ids (None when no id repeats)."""
        return repeated_note(self.repeated, self.example) if self.repeated else None


def _spilled(run: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Return ``run`` written to an unnamed temporary file, as a read-only memory map."""
    with tempfile.TemporaryFile() as file:  # the map keeps the data once it is closed
        run.tofile(file)
        file.flush()
        return np.memmap(file, dtype=np.uint64, mode="r", shape=run.shape)


def error_rows(
    frame: pd.DataFrame,
    bad: npt.NDArray[np.bool_],
    numbers: npt.NDArray[np.int64] | None,
    first: int | None = 5,
) -> tuple[dict[str, Any], ...]:
    """Return the first ``bad`` rows of a scored frame: row number, ``case_id``, error.

    ``numbers`` gives each row's number in its file (default: its position, from 1);
    ``first`` how many rows to return (None: every one).
    """
    at = np.flatnonzero(bad)[:first]
    ids, errors = frame.get("case_id"), frame.get("error")

    def text(column: pd.Series | None, i: int, default: str) -> str:
        value = None if column is None else column.iloc[i]
        return default if value is None or pd.isna(value) or not str(value).strip() else str(value)

    return tuple(
        {
            "row": int(i + 1 if numbers is None else numbers[i]),
            "case_id": text(ids, i, ""),
            "error": text(errors, i, "no probabilities"),
        }
        for i in at.tolist()
    )


def error_row_lines(
    rows: Sequence[Mapping[str, Any]], width: int | None = _LINE_CHARS
) -> list[tuple[str, str]]:
    """Return ``("row 4 (D)", "fever: 'maybe' is not ...")`` per row of :func:`error_rows`.

    Each error cut to ``width`` characters (for a line of a table); whole with None.
    """
    return [
        (
            f"  row {r['row']:,}" + (f" ({r['case_id']})" if r["case_id"] else ""),
            r["error"]
            if width is None or len(r["error"]) <= width
            else r["error"][: width - 3] + "...",
        )
        for r in rows
    ]


def _is_dask(obj: object) -> bool:
    """Return whether ``obj`` is a Dask DataFrame (a Dask Series is no table of cases)."""
    module = type(obj).__module__
    meta = getattr(obj, "_meta", None) if module.startswith("dask") else None
    return hasattr(obj, "map_partitions") and isinstance(meta, pd.DataFrame)


def _score_partition(part: pd.DataFrame, plan: Plan | None, explain: bool) -> pd.DataFrame:
    """Score one Dask partition; the warnings were issued once, on the meta.

    ``plan`` is the table's, or None for the bundled network: then the plan this
    process made for the same columns, so that its partitions share the answers
    encoded, as a file's chunks do (each partition encoded them anew: 20,000 rows
    of 96 columns in 40 partitions took about 1.7 times as long).
    """
    if plan is None:
        net = default_network()
        key = (net, tuple(part.columns), explain)
        plan = _PLANS.get(key, lambda: make_plan(list(part.columns), net, explain=explain))
    return _score_frame(part, plan)[0]


def _score_dask(cases: Any, network: Network, explain: bool) -> Any:
    plan = make_plan(list(cases.columns), network, explain=explain)
    for note in plan.warnings:
        warnings.warn(note, ScoringWarning, stacklevel=3)
    meta = _score_frame(cases._meta, plan)[0]
    # The bundled network is rebuilt on each worker rather than shipped.
    shipped = None if network is default_network() else plan
    return cases.map_partitions(_score_partition, shipped, explain, meta=meta)


def read_case_table(path: str) -> tuple[pd.DataFrame, str]:
    """Read a whole case file as text cells, as ``score`` reads it.

    Comma, semicolon or tab CSV (with or without a byte-order mark) or Parquet,
    found as :func:`open_source` finds them; every cell is text and a blank stays
    ``""`` (a Parquet null too), so a scored file reads back as it was written. A
    repeated column name keeps its first column under the name, but an output column
    its last, the scorer's (see :func:`first_name_wins`); the others become
    ``name.1``, ..., which scoring merges with a question's column. The index that
    pandas wrote to a Parquet file (as text) is the frame's index, not a column. A row
    with fewer fields than the header is read with the missing cells blank, as
    ``score`` reads it, and counted in a warning.

    Parameters
    ----------
    path : str
        The file.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The cases and the SHA-256 of the file's bytes.

    Raises
    ------
    CaseFileError
        When the file cannot be read, or a row cannot (too many fields, a line over
        the length limit, no cell filled, its answers separated by another
        delimiter): the message names the file, the row and the problem.

    Warns
    -----
    ScoringWarning
        For a repeated column name and for rows with fewer fields than the header.
    """
    source = open_source(path)
    try:
        tables = []
        done = 0
        for chunk in source.chunks(1 << 20):
            if chunk.row_errors is not None:
                at, messages, _ = chunk.row_errors
                raise CaseFileError(
                    f"case file '{source.name}', row {done + int(at[0]) + 1:,}: {messages[0]}."
                )
            tables.append(chunk.table)
            done += chunk.n
        digest = source.sha256
    finally:
        source.close()
    short = source.short.note(len(source.header)) if isinstance(source, CsvSource) else None
    if short is not None:
        warnings.warn(f"case file '{source.name}': {short}", ScoringWarning, stacklevel=2)
    names, notes = first_name_wins(list(source.header))
    for note in notes:
        warnings.warn(f"case file '{source.name}': {note}", ScoringWarning, stacklevel=2)
    if not tables:
        empty = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(len(names))})
        empty.columns = pd.Index(names)
        return empty, digest
    width = tables[0].num_columns
    cells = [_text_cells(pa.chunked_array([t.column(i) for t in tables])) for i in range(width)]
    frame = pd.DataFrame(dict(enumerate(cells)))
    frame.columns = pd.Index(names)
    if source.index:  # the index pandas wrote to a Parquet file is the index again
        frame = frame.set_index(list(source.index))
        frame.index.names = [None if n.startswith("__index_level_") else n for n in source.index]
    return frame, digest


def _text_cells(column: pa.ChunkedArray) -> npt.NDArray[np.object_]:
    """Return a column's cells as text, nulls as "" (Parquet numbers as their text)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        if pa.types.is_nested(column.type):
            column = pa.chunked_array([pa.array(nested_text(column), type=pa.string())])
        elif pa.types.is_duration(column.type):
            column = pa.chunked_array([pa.array(duration_text(column), type=pa.string())])
        else:
            column = pc.cast(column, pa.string())
    return np.asarray(column.fill_null("").to_numpy(zero_copy_only=False), dtype=object)


def first_name_wins(names: list[str]) -> tuple[list[str], list[str]]:
    """Rename repeated column names but the one ``score`` reads, and say so.

    An input column repeated keeps its first under the name, and scoring merges the
    others with it (:mod:`backspasm.scoring.repeats`); an output column (``p_<cause>``,
    ``error``, ...) its last: a scored file made before ``score`` refused such an input
    column holds the scorer's after it. The others become ``name.1``, ``name.2``, ...
    """
    out = list(names)
    notes = []
    for name in dict.fromkeys(names):
        where = [i for i, n in enumerate(names) if n == name]
        if len(where) < 2:
            continue
        output = name.startswith(OUTPUT_PREFIXES) or name in OUTPUT_NAMES
        kept = where[-1] if output else where[0]
        for k, i in enumerate([i for i in where if i != kept], start=1):
            out[i] = f"{name}.{k}"
            while out[i] in names:
                out[i] += "_"
        if not output:
            renamed = ", ".join(repr(out[i]) for i in where if i != kept)
            notes.append(
                f"column {name!r} appears {len(where)} times; read as {renamed} beside it."
            )
    return out, notes
