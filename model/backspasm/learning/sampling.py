"""Synthetic case files: people drawn from the network, written in the case-file contract.

The draws come from :func:`backspasm.sampling.presenter_batches` (vectorised
ancestral sampling, ``back_spasm = yes`` by rejection); this module turns their
state codes into answers (numbers in their band, words), blanks a share of them and
adds the true causes.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._files import atomic_path, check_folder, output_format
from backspasm._numeric import IntArray
from backspasm.exceptions import BackspasmError, CaseFileError
from backspasm.learning._checks import check_float, check_int
from backspasm.learning.cases import TRUTH_PREFIX
from backspasm.network import Network, network_or_default
from backspasm.questionnaire import Question, questions_for
from backspasm.sampling import model_states, presenter_batches

__all__ = ["iter_sample_cases", "sample_cases", "write_cases"]

#: Draws without a single presenter after which sampling gives up.
_MAX_EMPTY_DRAWS = 100_000
#: Columns written as nullable integers.
_NUMERIC = ("age", "spasm_duration_weeks")
ObjectArray = npt.NDArray[Any]


def _answer_questions(network: Network) -> tuple[Question, ...]:
    """Return the contract questions a sampled case answers (no id, causes, presentation)."""
    nodes = set(network.model.nodes())
    return tuple(
        q
        for q in questions_for(network)
        if q.kind != "id"
        and q.section not in ("known_cause", "presentation")
        and q.node is not None
        and q.node in nodes
    )


def _node_questions(network: Network) -> tuple[Question, ...]:
    """Pseudo-questions for every context, exposure and finding node, by node name."""
    return tuple(
        Question(node, "choice", node, node, "node", choices=network.states(node))
        for node in network.spec.nodes
        if network.group_of(node) in ("context", "exposure", "finding")
    )


def _render(
    q: Question,
    codes: IntArray,
    states: tuple[str, ...],
    rng: np.random.Generator,
) -> ObjectArray:
    """Turn state codes into answers: numbers (float, for age and weeks) or words."""
    if q.kind == "number":
        unknown = [s for s in states if s not in q.states]
        if unknown:
            raise BackspasmError(
                f"Cannot turn state {unknown[0]!r} of node '{q.node}' into a number for "
                f"column '{q.column}'; its bands are {', '.join(q.states)}."
            )
        spans = [q.number_range(s) for s in states]
        low = np.array([lo for lo, _ in spans])[codes]
        high = np.array([hi for _, hi in spans])[codes]
        if q.integer or q.unit == "weeks":
            return np.asarray(rng.integers(np.ceil(low), np.floor(high) + 1), dtype=np.float64)
        return np.asarray(rng.uniform(low, high), dtype=np.float64)
    names = np.array(states, dtype=object)
    return np.asarray(names[codes], dtype=object)


def _render_batch(
    draw: dict[str, IntArray],
    questions: tuple[Question, ...],
    causes: list[str],
    states: dict[str, tuple[str, ...]],
    missing: float,
    rng: np.random.Generator,
) -> dict[str, ObjectArray]:
    """Answers (with blanks) and truth columns of every row of one accepted batch."""
    size = len(next(iter(draw.values())))
    part: dict[str, ObjectArray] = {}
    for q in questions:
        assert q.node is not None
        answers = _render(q, draw[q.node], states[q.node], rng)
        answers[rng.random(size) < missing] = np.nan if answers.dtype.kind == "f" else None
        part[q.column] = answers
    for cause in causes:
        part[TRUTH_PREFIX + cause] = np.array(states[cause], dtype=object)[draw[cause]]
    return part


def _check_sample(
    n: int, seed: int, chunk: int, missing: float, columns: str
) -> tuple[int, int, int, float]:
    func = "sample_cases"
    if columns not in ("contract", "nodes"):
        raise BackspasmError(
            f"The 'columns' parameter of {func} must be 'contract' or 'nodes'; "
            f"got {columns!r} instead."
        )
    return (
        check_int(func, "n", n, 0),
        check_int(func, "seed", seed, 0),
        check_int(func, "chunk", chunk, 1),
        check_float(func, "missing", missing, 0.0, 1.0, "a share between 0 and 1"),
    )


def _frame(
    parts: list[dict[str, ObjectArray]], names: list[str], start: int, n: int
) -> pd.DataFrame:
    """Join batches into rows of the case file, with ``case_id`` first.

    ``start`` is the number of rows before these ones and ``n`` the size of the
    whole sample (which sets the width of the ids).
    """
    width = max(6, len(str(n)))
    rows = sum(len(next(iter(p.values()), ())) for p in parts)
    ids = range(start + 1, start + rows + 1)
    data: dict[str, Any] = {"case_id": [f"S{i:0{width}d}" for i in ids]}
    for name in names:
        values = np.concatenate([p[name] for p in parts]) if parts else np.array([], object)
        data[name] = pd.array(values, dtype="Int64") if name in _NUMERIC else values
    frame = pd.DataFrame(data)
    for name in frame.columns:
        if name not in _NUMERIC:
            frame[name] = frame[name].astype(object)
    return frame


def sample_cases(
    n: int,
    *,
    network: Network | None = None,
    seed: int,
    missing: float = 0.3,
    columns: Literal["contract", "nodes"] = "contract",
    chunk: int = 20_000,
) -> pd.DataFrame:
    """Draw synthetic people who present with back spasm, as a case file.

    Every node is drawn by vectorised ancestral sampling from the pgmpy model (in
    topological order, one node for all rows of a chunk at a time, from the CPD
    column picked by the parents' drawn states). Draws with ``back_spasm = no`` are
    rejected, so the rows follow P(everything | back_spasm = yes), the population the
    network scores. Chunks are drawn until ``n`` rows are accepted; the answers of a
    chunk are rendered from the same generator, so the first rows of a larger sample
    equal a smaller sample with the same ``seed`` and ``chunk``.

    Parameters
    ----------
    n : int
        Number of cases (accepted rows).
    network : Network, optional
        Default: the bundled network.
    seed : int
        Seed of the :func:`numpy.random.default_rng` generator (required, so that
        every sample is reproducible).
    missing : float, default 0.3
        Share of answers left blank, independently per cell (truth columns and
        ``case_id`` are never blank).
    columns : {"contract", "nodes"}, default "contract"
        ``contract``: the case-file questions (below). ``nodes``: one column per
        context, exposure and finding node, named after the node and holding its
        state names (for networks whose nodes are not the contract's, e.g. a toy
        network; :func:`~backspasm.learning.fit_network` reads both).
    chunk : int, default 20000
        Rows drawn per round of rejection sampling.

    Returns
    -------
    pandas.DataFrame
        ``case_id``; the answer columns of the case-file contract that the network
        has nodes for, in contract order (``age`` in whole years drawn uniformly in
        its band, 65+ up to 120, the oldest age accepted; ``spasm_duration_weeks`` in
        whole weeks: acute 0-5, subacute 6-12, chronic 13-48; choices and ``yes``/``no`` as words;
        blank cells are missing values); then ``true_<cause>`` (``yes``/``no``) for
        every cause. Cause columns and ``back_spasm`` are not emitted as answers.

    Raises
    ------
    BackspasmError
        For a parameter out of range, or when no draw presents with back spasm.

    Examples
    --------
    >>> cases = sample_cases(5, seed=1)
    >>> cases.shape[0], "true_kidney_stones" in cases
    (5, True)
    """
    parts = list(_frames(n, network, seed, missing, columns, chunk))
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def iter_sample_cases(n: int, **options: Any) -> Iterator[pd.DataFrame]:
    """Yield the rows of ``sample_cases(n, **options)`` a chunk at a time.

    The same rows in the same order, ``chunk`` accepted rows per frame at most, so
    memory stays that of one chunk whatever ``n`` is; :func:`write_cases` writes the
    frames as they come. For ``n = 0``, one frame with the columns and no rows.

    Parameters
    ----------
    n : int
        Number of cases.
    **options
        The keyword parameters of :func:`sample_cases` (``seed`` is required).
    """
    bound = inspect.signature(sample_cases).bind(n, **options)  # TypeError if unknown
    bound.apply_defaults()
    return _frames(**bound.arguments)


def _frames(
    n: int,
    network: Network | None,
    seed: int,
    missing: float,
    columns: Literal["contract", "nodes"],
    chunk: int,
) -> Iterator[pd.DataFrame]:
    """Check the parameters, then return the rows of :func:`sample_cases` chunk by chunk."""
    n, seed, chunk, missing = _check_sample(n, seed, chunk, missing, columns)
    net = network_or_default(network)
    return _draw(n, net, seed, missing, columns, chunk)


def _draw(
    n: int, net: Network, seed: int, missing: float, columns: str, chunk: int
) -> Iterator[pd.DataFrame]:
    states = model_states(net)
    questions = _answer_questions(net) if columns == "contract" else _node_questions(net)
    causes = [c for c in net.causes if c in states]
    names = [q.column for q in questions] + [TRUTH_PREFIX + c for c in causes]
    if n == 0:
        yield _frame([], names, 0, n)
        return
    rng = np.random.default_rng(seed)
    batches = presenter_batches(net, chunk, rng)
    have = drawn = 0
    while have < n:
        draw = next(batches)
        drawn += chunk
        accepted = len(next(iter(draw.values()), ()))
        if accepted == 0:
            # A small chunk may accept nobody by chance (P(back_spasm = yes) is about
            # 0.13); only a long run with none at all means the network gives too little.
            if have == 0 and drawn >= _MAX_EMPTY_DRAWS:
                raise BackspasmError(
                    f"No draw out of {drawn} presents with back spasm; the network gives "
                    "P(back_spasm = yes) too small to sample from by rejection."
                )
            continue
        # Render every accepted row of the chunk before truncating, so the generator
        # advances the same way whatever n is (a sample is a prefix of a larger one).
        part = _render_batch(draw, questions, causes, states, missing, rng)
        take = min(accepted, n - have)
        yield _frame([{name: values[:take] for name, values in part.items()}], names, have, n)
        have += take


def write_cases(cases: pd.DataFrame | Iterable[pd.DataFrame], output: str) -> int:
    """Write cases to ``output``, atomically, in the format its extension names.

    Parameters
    ----------
    cases : pandas.DataFrame or iterable of pandas.DataFrame
        The cases (for example from :func:`sample_cases`), or consecutive frames of
        them with the same columns (from :func:`iter_sample_cases`), written as they
        come so that memory stays that of one frame.
    output : str
        ``.csv``, ``.tsv`` or ``.txt`` for CSV (tab-separated for ``.tsv``),
        ``.parquet`` or ``.pq`` for Parquet, ``"-"`` for CSV on standard output.

    Returns
    -------
    int
        The number of rows written.

    Raises
    ------
    CaseFileError
        For another extension, a folder, or a file that cannot be created.
    """
    fmt = output_format(output)
    frames = iter([cases] if isinstance(cases, pd.DataFrame) else cases)
    if output == "-":
        return _write_csv(frames, sys.stdout, ",")
    path = Path(output)
    if path.is_dir():
        raise CaseFileError(f"cannot write '{output}': it is a folder; name a file in it.")
    check_folder(path)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            return _write_parquet(frames, tmp)
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            return _write_csv(frames, handle, sep)


def _write_csv(frames: Iterator[pd.DataFrame], handle: TextIO, sep: str) -> int:
    rows = 0
    for k, frame in enumerate(frames):
        frame.to_csv(handle, index=False, header=k == 0, sep=sep, lineterminator="\n")
        rows += len(frame)
    return rows


def _write_parquet(frames: Iterator[pd.DataFrame], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for frame in frames:
            if writer is None:
                # The first frame's schema (with pandas' metadata, so that numbers read
                # back as nullable integers); a text column whose cells are all blank
                # in that frame is still text.
                schema = pa.Table.from_pandas(frame, preserve_index=False).schema
                for k, field in enumerate(schema):
                    if pa.types.is_null(field.type):
                        schema = schema.set(k, field.with_type(pa.string()))
                writer = pq.ParquetWriter(path, schema)
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            rows += len(frame)
    finally:
        if writer is not None:
            writer.close()
    return rows
