"""Score a pandas or Dask DataFrame: :func:`score_cases`."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from backspasm.exceptions import CaseFileError
from backspasm.network import Network, default_network
from backspasm.scoring.kernel import factorize, score_block, show
from backspasm.scoring.plan import Plan, make_plan
from backspasm.scoring.readers import open_source

__all__ = [
    "ScoringWarning",
    "read_case_table",
    "repeated_ids",
    "repeated_note",
    "score_cases",
    "score_table",
]

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
        ``unknown`` or ``NA`` = not answered; ``back_spasm`` defaults to yes); any
        other column is passed through untouched. Refused (``CaseFileError``): no
        question column, a column named like a question but for its case, spaces or
        hyphens (its answers would be lost), or one named like an output column.
    network : Network, optional
        Defaults to the bundled network.
    explain : bool, default False
        Add what a :class:`~backspasm.diagnosis.Diagnosis` says besides: a
        ``p_pathologic`` column and a ``risk_<complication>`` column per
        complication, ``reasons`` (the answers that moved the top cause most, with
        the factor by which each changed its odds), ``next_question`` (what
        ``ask`` would ask next: an unanswered warning sign first, else the question
        with the highest expected information gain about the causes), ``mpe`` and
        ``p_mpe`` (the most probable explanation over the causes and its
        probability). Costs a few extra batched inference passes.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        The same type as ``cases``: its columns unchanged and in order, then
        ``p_<cause>`` per cause, ``p_serious``, [``p_pathologic``,
        ``risk_<complication>``], ``top_cause``, [``reasons``, ``next_question``],
        ``conflict``, ``triage``, ``red_flags``, [``mpe``, ``p_mpe``] and ``error``. A row
        that could not be scored has NaN probabilities and says why in ``error``; its
        index is kept.

    Warns
    -----
    ScoringWarning
        For a column whose name is close to a question but not equal to it (it is
        passed through unscored), once naming every other column passed through
        unscored (not a question of ``network``: a variant's column scored without
        its network, say), a repeated question column, or repeated ``case_id``
        values (pandas only: a Dask frame would need a pass over every partition
        first).

    Notes
    -----
    A row's probabilities depend on the rows scored with it only in the last digits
    (the same sums taken in another order): they agree to about 1e-13 however the
    rows are batched (Dask partitions, ``chunksize``) and whichever kernel runs them
    (numba's, loaded once a process has scored enough cases, or numpy's), bit for
    bit for the same batches on the same kernel.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = score_cases(pd.DataFrame({"fever": ["yes", "maybe"]}))
    >>> scored.loc[1, "error"]
    "fever: 'maybe' is not allowed (yes/no (also y/n, true/false, 1/0))"
    """
    net = network if network is not None else default_network()
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
    scored = _score_frame(cases, plan)
    if plan.id_position is not None:
        count, example = repeated_ids(cases.iloc[:, plan.id_position])
        if count:
            warnings.warn(repeated_note(count, example), ScoringWarning, stacklevel=stacklevel)
    return scored


def _score_frame(cases: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    cells = {c.position: factorize(cases.iloc[:, c.position]) for c in plan.columns}
    block = score_block(cells, len(cases), plan)
    new = pd.DataFrame(_typed_columns(block.columns, cases.index), index=cases.index)
    return pd.concat([cases, new], axis=1)


def _typed_columns(
    columns: Mapping[str, npt.NDArray[Any]], index: pd.Index
) -> dict[str, pd.Series]:
    return {
        name: pd.Series(values, index=index, dtype=np.float64 if values.dtype.kind == "f" else str)
        for name, values in columns.items()
    }


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
    shown = f" (for example {show(example)})" if example is not None else ""
    return (
        f"case_id is not unique: {count} row(s) repeat an earlier id{shown}; "
        "they were scored all the same."
    )


def _is_dask(obj: object) -> bool:
    """Return whether ``obj`` is a Dask DataFrame (a Dask Series is no table of cases)."""
    module = type(obj).__module__
    meta = getattr(obj, "_meta", None) if module.startswith("dask") else None
    return hasattr(obj, "map_partitions") and isinstance(meta, pd.DataFrame)


def _score_partition(part: pd.DataFrame, network: Network | None, explain: bool) -> pd.DataFrame:
    """Score one Dask partition; the warnings were issued once, on the meta."""
    net = network if network is not None else default_network()
    plan = make_plan(list(part.columns), net, explain=explain)
    return _score_frame(part, plan)


def _score_dask(cases: Any, network: Network, explain: bool) -> Any:
    plan = make_plan(list(cases.columns), network, explain=explain)
    for note in plan.warnings:
        warnings.warn(note, ScoringWarning, stacklevel=3)
    meta = _score_frame(cases._meta, plan)
    # The bundled network is rebuilt on each worker rather than shipped.
    shipped = None if network is default_network() else network
    return cases.map_partitions(_score_partition, shipped, explain, meta=meta)


def read_case_table(path: str) -> tuple[pd.DataFrame, str]:
    """Read a whole case file as text cells, as ``score`` reads it.

    Comma, semicolon or tab CSV (with or without a byte-order mark) or Parquet,
    found as :func:`open_source` finds them; every cell is text and a blank stays
    ``""`` (a Parquet null too), so a scored file reads back as it was written. A
    repeated column name keeps its last column under the name (``score`` adds its
    outputs after the input's columns); the earlier ones become ``name.1``, ...

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
        the length limit): the message names the file, the row and the problem.
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
    if not tables:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in source.header}), digest
    width = tables[0].num_columns
    cells = [_text_cells(pa.chunked_array([t.column(i) for t in tables])) for i in range(width)]
    frame = pd.DataFrame(dict(enumerate(cells)))
    frame.columns = pd.Index(_last_name_wins(list(tables[0].column_names)))
    return frame, digest


def _text_cells(column: pa.ChunkedArray) -> npt.NDArray[np.object_]:
    """Return a column's cells as text, nulls as "" (Parquet numbers as their text)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        if pa.types.is_nested(column.type):
            values = [
                None if v is None else json.dumps(v, default=str) for v in column.to_pylist()
            ]
            column = pa.chunked_array([pa.array(values, type=pa.string())])
        else:
            column = pc.cast(column, pa.string())
    return np.asarray(column.fill_null("").to_numpy(zero_copy_only=False), dtype=object)


def _last_name_wins(names: list[str]) -> list[str]:
    """Rename repeated column names but the last one.

    ``score`` appends its outputs after the input's columns, so the last ``error`` of
    a scored file is the scorer's; earlier ones become ``error.1``, ``error.2``, ...
    """
    out = list(names)
    for name in dict.fromkeys(names):
        where = [i for i, n in enumerate(names) if n == name]
        for k, i in enumerate(where[:-1], start=1):
            out[i] = f"{name}.{k}"
    return out
