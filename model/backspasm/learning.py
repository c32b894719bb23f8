"""Learning from data: synthetic cases, fitted numbers, and evaluation.

Three jobs, each one public function:

:func:`sample_cases`
    Draw synthetic people who present with back spasm from the network (vectorised
    ancestral sampling, conditioned on ``back_spasm = yes`` by rejection) and write
    their answers in the case-file contract, with the true causes alongside.
:func:`fit_network`
    Update the network's numbers from a case file: a Dirichlet prior centred on the
    expert tables (``prior_weight`` pseudo-cases per parent configuration) plus the
    data, by closed-form Bayesian estimation (pgmpy's ``DiscreteBayesianEstimator``)
    for families observed in every row and by exact EM for the rest. The result
    writes back to the knowledge-base TOML format with :func:`write_spec`.
:func:`evaluate`
    Score a case file against known causes: top-1 / top-3 accuracy, per-cause AUC,
    Brier score, log loss, calibration, the triage confusion matrix and the causes
    the network confuses.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import importlib
import io
import itertools
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm.exceptions import BackspasmError, CaseFileError, EvidenceError
from backspasm.network import Network, default_network
from backspasm.questionnaire import (
    BLANK_WORDS,
    FALSE_WORDS,
    TRUE_WORDS,
    Question,
    encode_column,
    questions_for,
)
from backspasm.spec import NodeSpec, Parameter, QuestionSpec, Spec, TriagePolicy

__all__ = [
    "Evaluation",
    "FitResult",
    "evaluate",
    "fit_network",
    "sample_cases",
    "write_spec",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
CasesLike: TypeAlias = "pd.DataFrame | str | os.PathLike[str]"

#: Prefix of the truth columns written by :func:`sample_cases` and read by the others.
TRUTH_PREFIX = "true_"
TRIAGE_LEVELS: tuple[str, ...] = ("emergency", "see_doctor", "self_care")
_PRESENTATION = "back_spasm"
_FAMILY = "__family__"
_SIG_DIGITS = 8
_LOG_CLIP = 1e-15


# ------------------------------------------------------------------ validation helpers


def _check_int(func: str, name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise BackspasmError(
            f"The '{name}' parameter of {func} must be an integer >= {low}; got {value!r} instead."
        )
    return int(value)


def _check_float(func: str, name: str, value: Any, low: float, high: float, rule: str) -> float:
    ok = isinstance(value, int | float | np.floating) and not isinstance(value, bool)
    if not ok or not (low <= float(value) <= high) or math.isnan(float(value)):
        raise BackspasmError(
            f"The '{name}' parameter of {func} must be {rule}; got {value!r} instead."
        )
    return float(value)


# ------------------------------------------------------------------ tables of the model


@dataclass(frozen=True)
class _Table:
    """One conditional table in array form: axes (node, *parents), canonical states."""

    node: str
    parents: tuple[str, ...]
    values: FloatArray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.values.shape)


def _model_states(network: Network) -> dict[str, tuple[str, ...]]:
    model = network.model
    return {str(n): tuple(str(s) for s in model.get_cpds(n).state_names[n]) for n in model.nodes()}


def _tables(network: Network) -> dict[str, _Table]:
    """Every CPD as an array with one axis per variable, in each node's own state order."""
    model = network.model
    states = _model_states(network)
    out: dict[str, _Table] = {}
    for node in model.nodes():
        cpd = model.get_cpds(node)
        variables = [str(v) for v in cpd.variables]
        values = np.asarray(cpd.get_values(), dtype=np.float64).reshape(
            [int(c) for c in cpd.cardinality]
        )
        for axis, var in enumerate(variables):
            own = [str(s) for s in cpd.state_names[var]]
            if own != list(states[var]):
                values = np.take(values, [own.index(s) for s in states[var]], axis=axis)
        out[str(node)] = _Table(str(node), tuple(variables[1:]), values)
    return out


def _topological(network: Network) -> list[str]:
    import networkx as nx

    return [str(n) for n in nx.topological_sort(network.model)]


def _ancestors(network: Network, nodes: Iterable[str]) -> set[str]:
    import networkx as nx

    out: set[str] = set()
    for n in nodes:
        out |= {str(a) for a in nx.ancestors(network.model, n)}
    return out


# ------------------------------------------------------------------------------ sampling


def _forward(
    tables: Mapping[str, _Table], order: Sequence[str], size: int, rng: np.random.Generator
) -> dict[str, IntArray]:
    """Ancestral sampling: all ``size`` rows of one node at a time, in topological order."""
    draw: dict[str, IntArray] = {}
    for node in order:
        table = tables[node]
        card = table.shape[0]
        if table.parents:
            index: tuple[Any, ...] = (slice(None), *(draw[p] for p in table.parents))
            probs = table.values[index]  # (card, size)
        else:
            probs = np.broadcast_to(table.values.reshape(card, 1), (card, size))
        cumulative = np.cumsum(probs, axis=0)
        u = rng.random(size)
        draw[node] = np.minimum((u > cumulative).sum(axis=0), card - 1).astype(np.int64)
    return draw


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
        Question(node, "choice", node, node, "node", network.states(node))
        for node in network.spec.nodes
        if network.group_of(node) in ("context", "exposure", "finding")
    )


def _render(
    q: Question,
    codes: IntArray,
    states: tuple[str, ...],
    rng: np.random.Generator,
) -> npt.NDArray[Any]:
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
        network; :func:`fit_network` reads both).
    chunk : int, default 20000
        Rows drawn per round of rejection sampling.

    Returns
    -------
    pandas.DataFrame
        ``case_id``; the answer columns of the case-file contract that the network
        has nodes for, in contract order (``age`` in whole years drawn uniformly in
        its band, 65+ capped at 90; ``spasm_duration_weeks`` in whole weeks: acute
        0-5, subacute 6-12, chronic 13-52; choices and ``yes``/``no`` as words;
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
    func = "sample_cases"
    n = _check_int(func, "n", n, 0)
    seed = _check_int(func, "seed", seed, 0)
    chunk = _check_int(func, "chunk", chunk, 1)
    missing = _check_float(func, "missing", missing, 0.0, 1.0, "a share between 0 and 1")
    if columns not in ("contract", "nodes"):
        raise BackspasmError(
            f"The 'columns' parameter of {func} must be 'contract' or 'nodes'; "
            f"got {columns!r} instead."
        )
    net = network if network is not None else default_network()
    tables = _tables(net)
    states = _model_states(net)
    order = _topological(net)
    questions = _answer_questions(net) if columns == "contract" else _node_questions(net)
    causes = [c for c in net.causes if c in tables]
    conditioned = _PRESENTATION in tables and "yes" in states[_PRESENTATION]
    rng = np.random.default_rng(seed)

    parts: list[dict[str, npt.NDArray[Any]]] = []
    have = 0
    while have < n:
        draw = _forward(tables, order, chunk, rng)
        if conditioned:
            keep = np.flatnonzero(draw[_PRESENTATION] == states[_PRESENTATION].index("yes"))
            if keep.size == 0:
                raise BackspasmError(
                    f"No draw out of {chunk} presents with back spasm; the network gives "
                    "P(back_spasm = yes) too small to sample from by rejection."
                )
        else:
            keep = np.arange(chunk)
        # Render every accepted row of the chunk before truncating, so the generator
        # advances the same way whatever n is (a sample is a prefix of a larger one).
        part: dict[str, npt.NDArray[Any]] = {}
        for q in questions:
            assert q.node is not None
            answers = _render(q, draw[q.node][keep], states[q.node], rng)
            answers[rng.random(keep.size) < missing] = (
                np.nan if answers.dtype.kind == "f" else None
            )
            part[q.column] = answers
        for cause in causes:
            part[TRUTH_PREFIX + cause] = np.array(states[cause], dtype=object)[draw[cause][keep]]
        take = min(keep.size, n - have)
        parts.append({name: values[:take] for name, values in part.items()})
        have += take

    width = max(6, len(str(n)))
    data: dict[str, Any] = {"case_id": [f"S{i + 1:0{width}d}" for i in range(n)]}
    for name in [q.column for q in questions] + [TRUTH_PREFIX + c for c in causes]:
        values = np.concatenate([p[name] for p in parts]) if parts else np.array([], object)
        data[name] = pd.array(values, dtype="Int64") if name in _NUMERIC else values
    frame = pd.DataFrame(data)
    for name in frame.columns:
        if name not in _NUMERIC:
            frame[name] = frame[name].astype(object)
    return frame


_NUMERIC = ("age", "spasm_duration_weeks")


# ---------------------------------------------------------------------- case evidence


def _read_cases(cases: CasesLike) -> tuple[pd.DataFrame, str, str]:
    """Return the frame, the SHA-256 of its bytes and a label for provenance."""
    if isinstance(cases, pd.DataFrame):
        digest = hashlib.sha256(cases.to_csv(index=False).encode("utf-8")).hexdigest()
        return cases, digest, f"a DataFrame of {len(cases)} rows"
    path = Path(cases)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseFileError(f"Cannot read the case file {path}: {exc.strerror}.") from None
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise CaseFileError(f"{path} is not a readable CSV file: {exc}") from None
    return frame, hashlib.sha256(data).hexdigest(), path.name


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.lower()


def _blank(text: pd.Series) -> npt.NDArray[np.bool_]:
    return np.asarray(text.isna().to_numpy() | text.isin(BLANK_WORDS).to_numpy(), dtype=bool)


def _state_codes(
    column: str, values: pd.Series, states: tuple[str, ...], *, yes_no: bool
) -> IntArray:
    """Codes of a column that holds state names (or yes/no words), -1 where blank."""
    text = _text(values)
    blank = _blank(text)
    lookup = {s.lower(): i for i, s in enumerate(states)}
    if yes_no and states == ("no", "yes"):
        lookup.update(dict.fromkeys(FALSE_WORDS, 0))
        lookup.update(dict.fromkeys(TRUE_WORDS, 1))
        lookup.update({"1.0": 1, "0.0": 0})
    mapped = text.map(lookup).to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(mapped) & ~blank
    if bad.any():
        _raise_invalid(column, values, bad, ", ".join(states))
    codes = np.full(len(values), -1, dtype=np.int64)
    ok = ~np.isnan(mapped)
    codes[ok] = mapped[ok].astype(np.int64)
    return codes


def _raise_invalid(
    column: str, values: pd.Series, bad: npt.NDArray[np.bool_], allowed: str
) -> None:
    rows = np.flatnonzero(bad)
    first = values.iloc[int(rows[0])]
    raise EvidenceError(
        f"Column '{column}' has {rows.size} value(s) that are not allowed (first in row "
        f"{int(rows[0])}: {first!r}); allowed: {allowed}."
    )


def _case_evidence(
    cases: pd.DataFrame, network: Network, *, use_truth: bool, presenting: bool = True
) -> dict[str, IntArray]:
    """State codes per node (-1 = not observed) from a case file.

    Contract columns are read as :mod:`backspasm.questionnaire` reads them; a column
    named after any other node (a toy network, a mechanism) holds its state names;
    ``true_<cause>`` columns fill in the cause when ``use_truth``; with
    ``presenting``, ``back_spasm`` is ``yes`` in every row.
    """
    states = _model_states(network)
    n = len(cases)
    evidence: dict[str, IntArray] = {}
    for q in questions_for(network):
        if q.node is None or q.node not in states or q.column not in cases:
            continue
        codes, invalid = encode_column(q, cases[q.column], states[q.node])
        if invalid.any():
            _raise_invalid(q.column, cases[q.column], invalid, q.allowed)
        evidence[q.node] = codes.astype(np.int64)
    for node, node_states in states.items():
        if node not in evidence and node in cases:
            evidence[node] = _state_codes(node, cases[node], node_states, yes_no=True)
    if use_truth:
        for cause in network.causes:
            column = TRUTH_PREFIX + cause
            if cause in states and column in cases:
                truth = _state_codes(column, cases[column], states[cause], yes_no=True)
                known = truth >= 0
                codes = evidence.get(cause, np.full(n, -1, dtype=np.int64)).copy()
                codes[known] = truth[known]
                evidence[cause] = codes
    if presenting and "yes" in states.get(_PRESENTATION, ()):
        yes = states[_PRESENTATION].index("yes")
        codes = evidence.get(_PRESENTATION, np.full(n, -1, dtype=np.int64)).copy()
        absent = (codes >= 0) & (codes != yes)
        if absent.any():
            raise EvidenceError(
                f"Row {int(np.argmax(absent))} says back_spasm is not 'yes', but the cases "
                "are taken as people who present with back spasm (presenting=True)."
            )
        codes[:] = yes
        evidence[_PRESENTATION] = codes
    return evidence


# ------------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class FitResult:
    """Numbers fitted to a case file, with provenance and a per-parameter report.

    Attributes
    ----------
    network : Network
        The fitted network, built from :attr:`spec_toml` (so it is exactly what
        :func:`write_spec` saves and ``load_network`` reads back).
    spec_toml : str
        The fitted knowledge base as one TOML document: the bibliography (plus the
        fit's own entry), the triage policy, and every node. Fitted nodes become
        ``prior`` (roots) or full ``table`` forms; the others keep their declaration.
    report : pandas.DataFrame
        One row per fitted number: ``node``, ``group``, ``method`` (``bayesian``:
        closed form, family observed in every row; ``em``: expectation-maximisation),
        ``parents`` (the parent configuration, ``name=state`` joined by ``", "``),
        ``state``, ``expert``, ``fitted``, ``change`` and ``n_parent`` (rows, or
        expected rows under EM, with that parent configuration).
    source_key : str
        Bibliography key every fitted number cites (``fit_<first 8 hex of sha256>``).
    data_sha256 : str
        SHA-256 of the case file's bytes (of its CSV text for a DataFrame).
    n_rows : int
        Number of cases used.
    prior_weight : float
        Pseudo-cases of the expert table per parent configuration.
    iterations : int
        EM iterations run (0 when every fitted family was fully observed).
    converged : bool
        Whether the largest change of a number fell below ``tol``.
    log_likelihood : tuple of float
        Log-probability of the data (given ``back_spasm``) before each M-step.
    fitted : tuple of str
        Nodes whose numbers were fitted.
    latent : tuple of str
        Fitted nodes never observed in the data (their numbers move only through
        what their observed neighbours imply).
    """

    network: Network
    spec_toml: str
    report: pd.DataFrame
    source_key: str
    data_sha256: str
    n_rows: int
    prior_weight: float
    iterations: int
    converged: bool
    log_likelihood: tuple[float, ...]
    fitted: tuple[str, ...]
    latent: tuple[str, ...]

    def changes(self, top: int = 10) -> pd.DataFrame:
        """Return the ``top`` fitted numbers that moved most from the expert ones.

        Parameters
        ----------
        top : int, default 10
            How many numbers to show.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`report` (for binary nodes only the ``yes`` state), largest
            absolute change first.
        """
        report = self.report
        binary = report.groupby("node")["state"].transform("nunique") == 2
        shown = report[~binary | (report["state"] == "yes")]
        order = shown["change"].abs().sort_values(ascending=False, kind="stable").index
        return shown.loc[order].head(top).reset_index(drop=True)

    def __repr__(self) -> str:
        state = "converged" if self.converged else "not converged"
        return (
            f"<FitResult: {len(self.fitted)} nodes fitted to {self.n_rows} rows, prior weight "
            f"{self.prior_weight:g}, {self.iterations} EM iterations ({state})>"
        )

    def _repr_html_(self) -> str:
        head = html.escape(repr(self))
        return f"<p>{head}</p>" + self.changes().to_html(index=False, float_format="{:.4f}".format)


def _m_step(counts: FloatArray, expert: FloatArray, weight: float) -> FloatArray:
    """Dirichlet MAP: (counts + weight * expert) normalised per parent configuration."""
    total = counts + weight * expert
    sums = total.sum(axis=0, keepdims=True)
    out = np.where(sums > 0, total / np.where(sums > 0, sums, 1.0), expert)
    return np.asarray(out, dtype=np.float64)


def _family_counts(table: _Table, evidence: Mapping[str, IntArray]) -> FloatArray:
    """Exact counts of (node, parents) configurations; every family member observed."""
    codes = [evidence[v] for v in (table.node, *table.parents)]
    flat = np.ravel_multi_index(tuple(codes), table.shape)
    size = int(np.prod(table.shape))
    return np.bincount(flat, minlength=size).astype(np.float64).reshape(table.shape)


def _bayesian_estimates(
    nodes: Sequence[str],
    tables: Mapping[str, _Table],
    states: Mapping[str, tuple[str, ...]],
    evidence: Mapping[str, IntArray],
    weight: float,
) -> dict[str, FloatArray]:
    """Closed-form Dirichlet estimates from pgmpy for families observed in every row."""
    if not nodes:
        return {}
    from pgmpy.models import DiscreteBayesianNetwork
    from pgmpy.parameter_estimator import DiscreteBayesianEstimator

    involved = sorted({v for node in nodes for v in (node, *tables[node].parents)})
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(involved)
    model.add_edges_from((p, node) for node in nodes for p in tables[node].parents)
    data = pd.DataFrame(
        {v: np.asarray(states[v], dtype=object)[evidence[v]] for v in involved}, dtype=object
    )
    pseudo: dict[str, FloatArray] = {}
    for node in nodes:
        table = tables[node]
        ranked = sorted(table.parents)  # pgmpy orders a node's parents by name
        axes = [0, *(1 + table.parents.index(p) for p in ranked)]
        pseudo[node] = weight * np.transpose(table.values, axes).reshape(table.shape[0], -1)
    estimator = DiscreteBayesianEstimator(
        state_names={v: list(states[v]) for v in involved},
        prior_type="dirichlet",
        pseudo_counts=pseudo,
    )
    estimator.fit(model, data)
    out: dict[str, FloatArray] = {}
    for cpd in estimator.parameters_:
        node = str(cpd.variable)
        if node not in nodes:
            continue
        variables = [str(v) for v in cpd.variables]
        values = np.asarray(cpd.get_values(), dtype=np.float64).reshape(
            [int(c) for c in cpd.cardinality]
        )
        for axis, var in enumerate(variables):
            own = [str(s) for s in cpd.state_names[var]]
            values = np.take(values, [own.index(s) for s in states[var]], axis=axis)
        wanted = (node, *tables[node].parents)
        out[node] = np.ascontiguousarray(
            np.transpose(values, [variables.index(v) for v in wanted])
        )
    return out


#: Largest family (node and kept parents) given its own indicator node in the E-step;
#: bigger families clamp some parents instead, so no clique outgrows the network's own.
_FAMILY_LIMIT = 64


@dataclass(frozen=True)
class _Split:
    """How one family's joint marginal is obtained: indicator over ``kept``, clamp the rest."""

    node: str
    kept: tuple[str, ...]
    clamped: tuple[str, ...]


def _split(table: _Table, evidence: Mapping[str, IntArray], limit: int) -> _Split:
    """Clamp the most often observed parents until the rest of the family is small."""
    cards = dict(zip((table.node, *table.parents), table.shape, strict=True))
    size = int(np.prod(table.shape))
    share = {p: float((evidence[p] >= 0).mean()) if p in evidence else 0.0 for p in table.parents}
    clamped: list[str] = []
    for p in sorted(table.parents, key=lambda p: (-share[p], table.parents.index(p))):
        if size <= limit:
            break
        clamped.append(p)
        size //= cards[p]
    kept = tuple(p for p in table.parents if p not in clamped)
    return _Split(table.node, kept, tuple(p for p in table.parents if p in clamped))


class _EStep:
    """Exact E-step: summed posterior family marginals P(node, parents | case).

    The batch engine returns one-node marginals. Each target family gets an extra
    deterministic node whose state is the joint configuration of the node and its
    kept parents (a factor that sums to one over that node, so the distribution is
    unchanged): its marginal is the joint marginal of those variables. For a large
    family the other parents are clamped: where a case observes them, the
    configuration is known; where it does not, one extra query per configuration of
    the clamped parents gives ``P(kept | case, clamped = c)`` and, from the ratio of
    evidence probabilities, ``P(clamped = c | case)``.
    """

    def __init__(
        self,
        tables: Mapping[str, _Table],
        order: Sequence[str],
        splits: Sequence[_Split],
        states: Mapping[str, tuple[str, ...]],
    ) -> None:
        from backspasm.engine import CompiledNetwork

        self.tables = tables
        self.states = states
        self.splits = {s.node: s for s in splits}
        factors: list[tuple[list[str], FloatArray]] = []
        all_states: dict[str, tuple[str, ...]] = {v: states[v] for v in order}
        for v in order:
            factors.append(([v, *tables[v].parents], tables[v].values))
        for split in splits:
            family = (split.node, *split.kept)
            shape = [len(states[u]) for u in family]
            size = int(np.prod(shape))
            all_states[_FAMILY + split.node] = tuple(str(i) for i in range(size))
            factors.append(([_FAMILY + split.node, *family], np.eye(size).reshape(size, *shape)))
        self.engine = CompiledNetwork(factors, all_states)

    def run(
        self, evidence: Mapping[str, IntArray], n: int, targets: Sequence[str]
    ) -> tuple[dict[str, FloatArray], FloatArray]:
        """Return summed family marginals per target and ``log P(evidence)`` per case."""
        if not targets:
            return {}, self.engine.log_evidence(dict(evidence))
        posterior = self.engine.query(dict(evidence), targets=[_FAMILY + v for v in targets])
        if not posterior.possible.all():
            row = int(np.argmax(~posterior.possible))
            raise EvidenceError(
                f"Case {row} has probability zero under the network's structure; fitting "
                "cannot explain it."
            )
        base = posterior.log_evidence
        counts: dict[str, FloatArray] = {}
        for v in targets:
            split = self.splits[v]
            marginal = posterior.marginals[_FAMILY + v]
            if not split.clamped:
                counts[v] = marginal.sum(axis=0).reshape(self.tables[v].shape)
                continue
            counts[v] = self._clamped(split, evidence, n, marginal, base)
        return counts, base

    def _clamped(
        self,
        split: _Split,
        evidence: Mapping[str, IntArray],
        n: int,
        marginal: FloatArray,
        base: FloatArray,
    ) -> FloatArray:
        clamped_cards = [len(self.states[p]) for p in split.clamped]
        kept_shape = [len(self.states[u]) for u in (split.node, *split.kept)]
        missing = np.full(n, -1, dtype=np.int64)
        codes = np.stack([evidence.get(p, missing) for p in split.clamped], axis=1)
        known = (codes >= 0).all(axis=1)
        acc = np.zeros((int(np.prod(clamped_cards)), int(np.prod(kept_shape))))
        if known.any():
            index = np.ravel_multi_index(tuple(codes[known].T), clamped_cards)
            np.add.at(acc, index, marginal[known])
        partial = np.flatnonzero(~known)
        for flat, combo in enumerate(itertools.product(*(range(c) for c in clamped_cards))):
            fits = ((codes[partial] < 0) | (codes[partial] == np.array(combo))).all(axis=1)
            rows = partial[fits]
            if rows.size == 0:
                continue
            batch = {k: a[rows] for k, a in evidence.items()}
            for p, c in zip(split.clamped, combo, strict=True):
                batch[p] = np.full(rows.size, c, dtype=np.int64)
            posterior = self.engine.query(batch, targets=[_FAMILY + split.node])
            weight = np.exp(posterior.log_evidence - base[rows])
            weight[~posterior.possible] = 0.0
            joint = np.nan_to_num(posterior.marginals[_FAMILY + split.node]) * weight[:, None]
            acc[flat] += joint.sum(axis=0)
        # axes (clamped..., node, kept...) -> (node, parents in the table's order)
        names = [*split.clamped, split.node, *split.kept]
        full = acc.reshape(*clamped_cards, *kept_shape)
        wanted = (split.node, *self.tables[split.node].parents)
        return np.ascontiguousarray(np.transpose(full, [names.index(u) for u in wanted]))


def fit_network(
    cases: CasesLike,
    *,
    network: Network | None = None,
    prior_weight: float = 50.0,
    max_iter: int = 100,
    tol: float = 1e-3,
    freeze: Iterable[str] = (_PRESENTATION,),
    use_truth: bool = True,
    presenting: bool = True,
) -> FitResult:
    """Update the network's numbers from a case file, with the expert numbers as prior.

    Every conditional table gets a Dirichlet prior centred on the expert table, with
    ``prior_weight`` pseudo-cases per parent configuration (pseudo-counts
    ``prior_weight * expert``). The estimate is the posterior mode under Dirichlet
    parameters ``1 + prior_weight * expert``, that is ``counts + prior_weight *
    expert`` normalised per parent configuration:

    * a family (node and parents) answered in every row, and untouched by the
      selection below, is estimated in closed form by pgmpy's
      ``DiscreteBayesianEstimator(prior_type="dirichlet")``;
    * every other one (blank answers, latent mechanisms) by expectation-maximisation
      started at the expert numbers. The E-step takes exact posterior family
      marginals of every case from the compiled batch engine; the M-step applies the
      formula above to the expected counts. pgmpy's own EM is not used: it drops
      every row with a blank answer and enumerates all latent combinations.

    Case files hold only people who present with back spasm, so the rows are a
    sample of P(answers | back_spasm = yes), not of the population the expert
    priors describe. With ``presenting=True`` the fit maximises that conditional
    likelihood exactly, by EM for truncated samples (Dempster, Laird and Rubin 1977,
    section 4.7): the people without back spasm who never presented are treated as
    missing rows, ``n * P(no) / P(yes)`` of them in expectation, whose expected counts
    are the family marginals given ``back_spasm = no``. Only the ancestors of
    ``back_spasm`` are affected; the others are fitted as usual.

    Only nodes that the data inform are fitted: those observed in some row and their
    ancestors. Complications and other nodes below the data keep their declarations.

    Parameters
    ----------
    cases : pandas.DataFrame or path-like
        A case file in the contract of :mod:`backspasm.questionnaire`. Columns named
        after other nodes (state names as values) are read too, and
        ``true_<cause>`` columns give the causes (see ``use_truth``).
    network : Network, optional
        The starting (expert) network; default the bundled one.
    prior_weight : float, default 50
        Pseudo-cases of the expert table per parent configuration (0 = maximum
        likelihood; configurations never seen then keep the expert numbers).
    max_iter : int, default 100
        Most EM iterations.
    tol : float, default 1e-3
        EM stops once no probability changes by more than this in an iteration.
        Numbers of latent mechanisms that the data barely identify keep creeping
        by less than that for many more iterations, moving predictions little.
    freeze : iterable of str, default ("back_spasm",)
        Nodes whose numbers stay as declared. ``back_spasm`` is frozen because a
        sample of people who all present with it cannot tell how often it occurs.
    use_truth : bool, default True
        Treat ``true_<cause>`` columns as observed causes (labelled data).
    presenting : bool, default True
        The rows are people who present with back spasm (``back_spasm`` is ``yes``
        where blank, and a ``no`` is an error); correct for that selection. With
        False the rows are a sample of the whole population and ``back_spasm`` is
        read like any other answer.

    Returns
    -------
    FitResult
        The fitted network, its TOML, the per-number report and the provenance.

    Raises
    ------
    EvidenceError
        For a value that is not allowed, or a case the network cannot explain.
    BackspasmError
        For a parameter out of range or an unknown node in ``freeze``.

    Examples
    --------
    >>> fit = fit_network(sample_cases(200, seed=3), max_iter=2)  # doctest: +SKIP
    >>> fit.changes(5)  # doctest: +SKIP
    """
    func = "fit_network"
    weight = _check_float(
        func, "prior_weight", prior_weight, 0.0, math.inf, "a number >= 0 (pseudo-cases)"
    )
    max_iter = _check_int(func, "max_iter", max_iter, 1)
    tol = _check_float(func, "tol", tol, 0.0, math.inf, "a number >= 0")
    net = network if network is not None else default_network()
    frozen = set(freeze)
    for node in frozen:
        if node not in net.spec.nodes:
            net.label(node)  # raises, with a suggestion
    frame, digest, label = _read_cases(cases)
    n = len(frame)
    if n == 0:
        raise CaseFileError("The case file has no rows to fit.")
    states = _model_states(net)
    selection = presenting and "yes" in states.get(_PRESENTATION, ())
    evidence = _case_evidence(frame, net, use_truth=use_truth, presenting=selection)
    expert = _tables(net)
    observed = {v for v, codes in evidence.items() if (codes >= 0).any()}
    relevant = observed | _ancestors(net, observed)
    order = [v for v in _topological(net) if v in relevant]
    fitted = [v for v in order if v not in frozen]
    selected = _ancestors(net, [_PRESENTATION]) | {_PRESENTATION} if selection else set()

    def answered(v: str) -> bool:
        return v in evidence and bool((evidence[v] >= 0).all())

    complete = [
        v
        for v in fitted
        if v not in selected and all(answered(u) for u in (v, *expert[v].parents))
    ]
    em_nodes = [v for v in fitted if v not in complete]
    current = dict(expert)
    for v, values in _bayesian_estimates(complete, expert, states, evidence, weight).items():
        current[v] = replace(expert[v], values=values)
    counts = {v: _family_counts(expert[v], evidence) for v in complete}

    history: list[float] = []
    iterations = 0
    converged = True
    if em_nodes:
        converged = False
        observed_evidence = {v: evidence[v] for v in order if v in observed}
        splits = [_split(expert[v], observed_evidence, _FAMILY_LIMIT) for v in em_nodes]
        ghosts = [v for v in em_nodes if v in selected]
        for _ in range(max_iter):
            # Recompiled every iteration: the tables change, the junction tree does not.
            estep = _EStep(current, order, splits, states)
            expected, log_evidence = estep.run(observed_evidence, n, em_nodes)
            log_likelihood = float(log_evidence.sum())
            if selection:
                no = np.array([states[_PRESENTATION].index("no")], dtype=np.int64)
                ghost, log_no = estep.run({_PRESENTATION: no}, 1, ghosts)
                p_no = float(np.exp(log_no[0]))
                p_yes = 1.0 - p_no
                for v in ghosts:
                    expected[v] = expected[v] + n * (p_no / p_yes) * ghost[v]
                log_likelihood -= n * math.log(p_yes)
            history.append(log_likelihood)
            iterations += 1
            delta = 0.0
            for v in em_nodes:
                new = _m_step(expected[v], expert[v].values, weight)
                delta = max(delta, float(np.abs(new - current[v].values).max()))
                current[v] = replace(expert[v], values=new)
                counts[v] = expected[v]
            if delta <= tol:
                converged = True
                break

    key = f"fit_{digest[:8]}"
    note = (
        f"data sha256 {digest}; {n} rows; prior weight {weight:g} pseudo-cases per parent "
        f"configuration; {iterations} EM iteration(s) "
        f"({'converged' if converged else 'stopped at max_iter'}, tol {tol:g}); "
        f"{'corrected for presenting with back spasm; ' if selection else ''}"
        f"fitted on {datetime.date.today().isoformat()}; expert knowledge base "
        f"{net.spec.origin or 'in memory'} (sha256 {net.spec.digest[:16] or 'n/a'})"
    )
    citation = (
        f"Numbers fitted by backspasm.learning.fit_network from {label}: a Dirichlet "
        "prior on the expert tables plus the data (closed form where every row answers "
        "the family, exact EM otherwise)."
    )
    why = f"fitted: expert prior weight {weight:g} + {n} rows"
    toml_text = _spec_toml(
        net.spec,
        {v: current[v] for v in fitted},
        key=key,
        citation=citation,
        note=note,
        why=why,
        header=f"Fitted knowledge base ({key}). {note}.",
    )
    fitted_net = _network_from_toml(toml_text, origin=f"fitted from {label} ({key})")
    methods = {v: ("bayesian" if v in complete else "em") for v in fitted}
    report = _report(net, fitted, expert, current, counts, methods)
    return FitResult(
        network=fitted_net,
        spec_toml=toml_text,
        report=report,
        source_key=key,
        data_sha256=digest,
        n_rows=n,
        prior_weight=weight,
        iterations=iterations,
        converged=converged,
        log_likelihood=tuple(history),
        fitted=tuple(fitted),
        latent=tuple(v for v in fitted if v not in observed),
    )


def _configurations(parents: Sequence[str], states: Mapping[str, tuple[str, ...]]) -> list[str]:
    combos = itertools.product(*(states[p] for p in parents))
    return [", ".join(f"{p}={s}" for p, s in zip(parents, c, strict=True)) for c in combos]


def _report(
    network: Network,
    fitted: Sequence[str],
    expert: Mapping[str, _Table],
    current: Mapping[str, _Table],
    counts: Mapping[str, FloatArray],
    methods: Mapping[str, str],
) -> pd.DataFrame:
    states = _model_states(network)
    frames = []
    for v in fitted:
        table = expert[v]
        card = table.shape[0]
        configs = _configurations(table.parents, states)
        before = table.values.reshape(card, -1)
        after = current[v].values.reshape(card, -1)
        n_parent = counts[v].reshape(card, -1).sum(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "node": v,
                    "group": network.group_of(v) if v in network.spec.nodes else "",
                    "method": methods[v],
                    "parents": np.repeat(configs, card),
                    "state": np.tile(states[v], len(configs)),
                    "expert": before.T.reshape(-1),
                    "fitted": after.T.reshape(-1),
                    "n_parent": np.repeat(n_parent, card),
                }
            )
        )
    columns = ["node", "group", "method", "parents", "state", "expert", "fitted", "n_parent"]
    report = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    report.insert(7, "change", report["fitted"] - report["expert"])
    return report


# ------------------------------------------------------------------------------- TOML


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_float(value: float, *, exact: bool) -> str:
    number = float(value) if exact else float(f"{float(value):.{_SIG_DIGITS}g}")
    return repr(number)


def _toml_p(p: float | Mapping[str, float], *, exact: bool) -> str:
    if isinstance(p, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_float(v, exact=exact)}" for k, v in p.items())
        return "{ " + inner + " }"
    return _toml_float(p, exact=exact)


def _toml_param(param: Parameter, *, exact: bool = True, prefix: str = "") -> str:
    parts = [f"p = {_toml_p(param.p, exact=exact)}", f"source = {_toml_string(param.source)}"]
    if param.why is not None:
        parts.append(f"why = {_toml_string(param.why)}")
    return "{ " + prefix + ", ".join(parts) + " }"


def _distribution(values: FloatArray, states: tuple[str, ...]) -> float | dict[str, float]:
    if states == ("no", "yes"):
        return float(values[1])
    return {s: float(x) for s, x in zip(states, values, strict=True)}


def _node_toml(
    node: NodeSpec,
    spec: Spec,
    fitted: _Table | None,
    key: str,
    why: str,
) -> list[str]:
    lines = [
        f"[nodes.{_toml_key(node.name)}]",
        f"group = {_toml_string(node.group)}",
        f"label = {_toml_string(node.label)}",
        f"description = {_toml_string(node.description)}",
    ]
    if node.question is not None:
        lines.append(_question_toml(node.question))
    if node.states != ("no", "yes"):
        lines.append("states = [" + ", ".join(_toml_string(s) for s in node.states) + "]")
    if node.parents:
        lines.append("parents = [" + ", ".join(_toml_string(p) for p in node.parents) + "]")
    if node.extension:
        lines.append("extension = true")
    if fitted is None:
        if node.prior is not None:
            lines.append(f"prior = {_toml_param(node.prior)}")
        if node.leak is not None:
            lines.append(f"leak = {_toml_param(node.leak)}")
        for parent, param in node.strengths.items():
            lines.append(f"strength.{_toml_key(parent)} = {_toml_param(param)}")
        if node.table:
            lines.append("table = [")
            for row in node.table:
                when = ", ".join(
                    f"{_toml_key(k)} = {_toml_string(v)}" for k, v in row.when.items()
                )
                lines.append(f"  {_toml_param(row.param, prefix='when = { ' + when + ' }, ')},")
            lines.append("]")
        return lines
    values = fitted.values
    if list(fitted.parents) != list(node.parents):  # the model's parent order rules
        raise BackspasmError(
            f"Node '{node.name}': the model's parents {list(fitted.parents)} differ from the "
            f"knowledge base's {list(node.parents)}; fitted numbers cannot be written back."
        )
    if not node.parents:
        prior = Parameter(_distribution(values, node.states), key, why)
        lines.append(f"prior = {_toml_param(prior, exact=False)}")
        return lines
    lines.append("table = [")
    parent_states = [spec.nodes[p].states for p in node.parents]
    for combo in itertools.product(*(range(len(s)) for s in parent_states)):
        when = ", ".join(
            f"{_toml_key(p)} = {_toml_string(parent_states[i][c])}"
            for i, (p, c) in enumerate(zip(node.parents, combo, strict=True))
        )
        column: tuple[Any, ...] = (slice(None), *combo)
        param = Parameter(_distribution(values[column], node.states), key, why)
        lines.append(f"  {_toml_param(param, exact=False, prefix='when = { ' + when + ' }, ')},")
    lines.append("]")
    return lines


def _when_toml(when: Mapping[str, str]) -> str:
    return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_string(v)}" for k, v in when.items()) + " }"


def _provenance_toml(source: str, why: str | None) -> list[str]:
    parts = [f"source = {_toml_string(source)}"]
    if why is not None:
        parts.append(f"why = {_toml_string(why)}")
    return parts


def _triage_toml(policy: TriagePolicy) -> list[str]:
    lines = ["[triage]"]
    for name in ("emergency_p_serious", "see_doctor_p_serious", "see_doctor_p_pathologic"):
        param = getattr(policy, name)
        if param is not None:
            lines.append(f"{name} = {_toml_param(param)}")
    if policy.causes:
        lines.append("causes = [")
        for rule in policy.causes:
            parts = [
                f"cause = {_toml_string(rule.cause)}",
                f"level = {_toml_string(rule.level)}",
                f"p = {_toml_float(rule.p, exact=True)}",
            ]
            if rule.when:
                parts.append(f"when = {_when_toml(rule.when)}")
            parts += _provenance_toml(rule.source, rule.why)
            lines.append("  { " + ", ".join(parts) + " },")
        lines.append("]")
    lines.append("flags = [")
    for flag in policy.flags:
        parts = [
            f"name = {_toml_string(flag.name)}",
            f"level = {_toml_string(flag.level)}",
            f"when = {_when_toml(flag.when)}",
            *_provenance_toml(flag.source, flag.why),
        ]
        lines.append("  { " + ", ".join(parts) + " },")
    lines.append("]")
    if policy.safety_net:
        lines += ["", "[triage.safety_net]"]
        lines += [f"{_toml_key(k)} = {_toml_string(v)}" for k, v in policy.safety_net.items()]
    return lines


def _question_toml(q: QuestionSpec) -> str:
    parts = [
        f"column = {_toml_string(q.column)}",
        f"prompt = {_toml_string(q.prompt)}",
        f"section = {_toml_string(q.section)}",
    ]
    if q.red_flag:
        parts.append("red_flag = true")
    if q.unit is not None:
        parts.append(f"unit = {_toml_string(q.unit)}")
    if q.integer:
        parts.append("integer = true")
    if q.minimum is not None:
        parts.append(f"min = {_toml_float(q.minimum, exact=True)}")
    if q.maximum is not None:
        parts.append(f"max = {_toml_float(q.maximum, exact=True)}")
    if q.bins:
        bins = ", ".join(
            f"{_toml_key(state)} = {_toml_string(f'{op} {bound!r}')}"
            for state, op, bound in q.bins
        )
        parts.append("bins = { " + bins + " }")
    if q.default is not None:
        parts.append(f"default = {_toml_string(q.default)}")
    return "question = { " + ", ".join(parts) + " }"


def _spec_toml(
    spec: Spec,
    fitted: Mapping[str, _Table],
    *,
    key: str,
    citation: str,
    note: str,
    why: str,
    header: str,
) -> str:
    """Write the whole knowledge base as one TOML document (fitted nodes as prior/table)."""
    lines = [f"# {header}", ""]
    for source in spec.sources.values():
        if source.key == key:
            continue
        lines.append(f"[sources.{_toml_key(source.key)}]")
        lines.append(f"citation = {_toml_string(source.citation)}")
        lines.append(f"tag = {_toml_string(source.tag)}")
        if source.url is not None:
            lines.append(f"url = {_toml_string(source.url)}")
        if source.note is not None:
            lines.append(f"note = {_toml_string(source.note)}")
        lines.append("")
    lines += [
        f"[sources.{_toml_key(key)}]",
        f"citation = {_toml_string(citation)}",
        # Numbers estimated from a data file (identified by its SHA-256 in the note),
        # kept apart from literature figures in `backspasm check`.
        'tag = "fitted"',
        f"note = {_toml_string(note)}",
        "",
    ]
    if spec.triage is not None:
        lines += [*_triage_toml(spec.triage), ""]
    for name, node in spec.nodes.items():
        lines += [*_node_toml(node, spec, fitted.get(name), key, why), ""]
    return "\n".join(lines)


def _network_from_toml(text: str, *, origin: str) -> Network:
    from backspasm.spec import load_spec

    with tempfile.TemporaryDirectory(prefix="backspasm-fit-") as folder:
        path = Path(folder) / "fitted.toml"
        path.write_text(text, encoding="utf-8")
        spec = load_spec(path)
    return Network(replace(spec, origin=origin))


def write_spec(fit: FitResult, path: str | os.PathLike[str]) -> Path:
    """Save a fitted knowledge base as TOML, readable by ``load_network(path)``.

    Parameters
    ----------
    fit : FitResult
        The result of :func:`fit_network`.
    path : path-like
        A ``.toml`` file, or an existing folder (then ``fitted.toml`` inside it).
        Written atomically (a temporary file, then a rename).

    Returns
    -------
    Path
        The written file; ``backspasm check`` validates it.
    """
    dest = Path(path)
    if dest.is_dir():
        dest = dest / "fitted.toml"
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(fit.spec_toml)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


# ---------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Evaluation:
    """How well scored probabilities match the known causes of a set of cases.

    Truth comes per cause: a case may have several causes, or none (back spasm
    from the leak, or a vignette whose intended cause is not in the network).

    Attributes
    ----------
    n_cases : int
        Cases evaluated (scored without an error).
    n_excluded : int
        Rows left out because scoring gave them an error or no probabilities.
    n_with_cause : int
        Evaluated cases with at least one true cause: the denominator of the
        accuracies.
    top1 : float
        Share of those cases whose highest-ranked cause is one of their true causes.
    top3 : float
        Share whose three highest-ranked causes include at least one true cause.
    mean_auc : float
        Mean of the per-cause AUCs that are defined (the cause is present in some
        cases and absent in others).
    brier : float
        Mean over causes and cases of ``(p - y)^2``, each cause a yes/no forecast.
    log_loss : float
        Mean over causes and cases of ``-(y log p + (1 - y) log(1 - p))``, with ``p``
        clipped to ``[1e-15, 1 - 1e-15]``.
    per_cause : pandas.DataFrame
        ``cause``, ``group``, ``n_present``, ``prevalence``, ``mean_p``, ``auc``,
        ``brier``, ``log_loss``, ``top1_recall`` (share of the cases with this cause
        where it is ranked first).
    calibration : pandas.DataFrame
        ``cause`` (``"all"`` for every cause pooled), ``bin`` (0-9: ten equal-width
        bins of predicted probability, [0, 0.1) ... [0.9, 1]), ``mean_predicted``,
        ``observed_rate``, ``count``; empty bins are left out.
    roc : pandas.DataFrame
        ROC curve points per cause: ``cause``, ``threshold``, ``fpr``, ``tpr`` (from
        (0, 0) to (1, 1), one point per distinct predicted value).
    confusions : pandas.DataFrame
        Misranked cases: ``true_cause``, ``ranked_first``, ``count``, ``share`` (of the
        cases with that true cause), most frequent first. A misranked case with
        several true causes counts once for each.
    triage : pandas.DataFrame or None
        Confusion matrix of triage levels, rows ``expected``, columns ``predicted``,
        in the order emergency, see_doctor, self_care; None without a ``triage``
        column.
    serious_self_care : int or None
        Cases with a serious cause (a true serious cause, else an expected triage of
        emergency) that were triaged ``self_care``: the dangerous error.
    n_serious : int or None
        Cases with a serious cause, as above.
    """

    n_cases: int
    n_excluded: int
    n_with_cause: int
    top1: float
    top3: float
    mean_auc: float
    brier: float
    log_loss: float
    per_cause: pd.DataFrame = field(repr=False)
    calibration: pd.DataFrame = field(repr=False)
    roc: pd.DataFrame = field(repr=False)
    confusions: pd.DataFrame = field(repr=False)
    triage: pd.DataFrame | None = field(repr=False, default=None)
    serious_self_care: int | None = None
    n_serious: int | None = None

    def summary(self) -> pd.DataFrame:
        """Return the headline numbers as a table.

        Returns
        -------
        pandas.DataFrame
            Columns ``metric`` and ``value``, one row per headline number.
        """
        rows: list[tuple[str, Any]] = [
            ("cases evaluated", self.n_cases),
            ("rows excluded (scoring error)", self.n_excluded),
            ("cases with a true cause", self.n_with_cause),
            ("top-1 accuracy", self.top1),
            ("top-3 accuracy", self.top3),
            ("mean AUC over causes", self.mean_auc),
            ("Brier score", self.brier),
            ("log loss", self.log_loss),
        ]
        if self.serious_self_care is not None:
            rows.append(("serious cases triaged self_care", self.serious_self_care))
            rows.append(("serious cases", self.n_serious))
        return pd.DataFrame(rows, columns=["metric", "value"], dtype=object)

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as a JSON-ready dictionary.

        Returns
        -------
        dict
            Headline numbers, ``per_cause``, the pooled ``calibration`` and
            ``confusions`` as lists of records, ``triage`` as ``levels`` plus a
            ``matrix`` (rows expected, columns predicted); NaN becomes None.
        """
        return {
            "n_cases": self.n_cases,
            "n_excluded": self.n_excluded,
            "n_with_cause": self.n_with_cause,
            "top1": _json_number(self.top1),
            "top3": _json_number(self.top3),
            "mean_auc": _json_number(self.mean_auc),
            "brier": _json_number(self.brier),
            "log_loss": _json_number(self.log_loss),
            "per_cause": _records(self.per_cause),
            "calibration": _records(self.calibration[self.calibration["cause"] == "all"]),
            "confusions": _records(self.confusions),
            "triage": None
            if self.triage is None
            else {
                "levels": list(self.triage.index),
                "matrix": [[int(x) for x in row] for row in self.triage.to_numpy()],
            },
            "serious_self_care": self.serious_self_care,
            "n_serious": self.n_serious,
        }

    def _repr_html_(self) -> str:
        parts = [
            "<h4>Evaluation</h4>",
            self.summary().to_html(index=False, float_format="{:.3f}".format),
            "<h4>Per cause</h4>",
            self.per_cause.to_html(index=False, float_format="{:.3f}".format, na_rep="-"),
        ]
        if self.triage is not None:
            parts += [
                "<h4>Triage (rows expected, columns predicted)</h4>",
                self.triage.to_html(),
            ]
        if len(self.confusions):
            parts += [
                "<h4>Top confusions</h4>",
                self.confusions.head(10).to_html(index=False, float_format="{:.3f}".format),
            ]
        return "\n".join(parts)


def _json_number(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): (
                    _json_number(float(v))
                    if isinstance(v, float | np.floating)
                    else int(v)
                    if isinstance(v, np.integer)
                    else v
                )
                for k, v in row.items()
            }
        )
    return out


def _auc_score(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Area under the ROC curve by the rank-sum (Mann-Whitney) formula; ties count half.

    Parameters
    ----------
    y : array_like of bool
        True where the cause is present.
    p : array_like of float
        Predicted probability.

    Returns
    -------
    float
        NaN when every case is positive or every case is negative.
    """
    truth = np.asarray(y, dtype=bool)
    score = np.asarray(p, dtype=np.float64)
    n_pos = int(truth.sum())
    n_neg = truth.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc_points(y: npt.NDArray[np.bool_], p: FloatArray) -> tuple[FloatArray, ...]:
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    last = np.r_[np.flatnonzero(np.diff(ps) != 0), ys.size - 1]
    tpr = np.r_[0.0, tp[last] / max(int(ys.sum()), 1)]
    fpr = np.r_[0.0, fp[last] / max(int((~ys).sum()), 1)]
    threshold = np.r_[np.inf, ps[last]]
    return threshold, fpr, tpr


def _split_labels(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return []
    return [part.strip() for part in re.split(r"[;|,]", str(value)) if part.strip()]


def _truth_matrix(
    frame: pd.DataFrame, truth: pd.DataFrame | pd.Series | None, causes: Sequence[str]
) -> npt.NDArray[np.bool_]:
    """Boolean (cases x causes) truth from true_<cause> columns or a cause-label column."""
    source: pd.DataFrame
    if truth is None:
        source = frame
    elif isinstance(truth, pd.Series):
        source = pd.DataFrame({"true_cause": truth.to_numpy()})
    else:
        source = truth
    n = len(frame)
    if len(source) != n:
        raise BackspasmError(
            f"The 'truth' parameter of evaluate must have one row per case ({n}); "
            f"got {len(source)} instead."
        )
    flags = [TRUTH_PREFIX + c for c in causes if TRUTH_PREFIX + c in source]
    if flags:
        matrix = np.zeros((n, len(causes)), dtype=bool)
        for j, cause in enumerate(causes):
            column = TRUTH_PREFIX + cause
            if column in source:
                codes = _state_codes(column, source[column], ("no", "yes"), yes_no=True)
                matrix[:, j] = codes == 1
        return matrix
    label = next((c for c in ("true_cause", "expected_cause") if c in source), None)
    if label is None:
        raise BackspasmError(
            "evaluate needs the truth: true_<cause> yes/no columns, or a 'true_cause' or "
            "'expected_cause' column naming the cause (several separated by ';'); found none."
        )
    index = {c: j for j, c in enumerate(causes)}
    matrix = np.zeros((n, len(causes)), dtype=bool)
    for i, value in enumerate(source[label].to_numpy()):
        for name in _split_labels(value):
            if name.lower() == "none":
                continue
            if name not in index:
                import difflib

                close = difflib.get_close_matches(name, causes, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise EvidenceError(
                    f"Column '{label}' row {i}: {name!r} is not a cause of the network.{hint}"
                )
            matrix[i, index[name]] = True
    return matrix


def _expected_triage(
    frame: pd.DataFrame, truth: npt.NDArray[np.bool_], network: Network, causes: Sequence[str]
) -> npt.NDArray[np.object_]:
    """``expected_triage`` column where given, else derived from the true causes."""
    serious = np.array([network.group_of(c) == "cause_serious" for c in causes], dtype=bool)
    pathologic = np.array([network.group_of(c) == "cause_pathologic" for c in causes], dtype=bool)
    derived = np.where(
        truth[:, serious].any(axis=1),
        "emergency",
        np.where(truth[:, pathologic].any(axis=1), "see_doctor", "self_care"),
    ).astype(object)
    if "expected_triage" not in frame:
        return derived
    text = _text(frame["expected_triage"])
    blank = _blank(text)
    bad = ~blank & ~text.isin(TRIAGE_LEVELS).to_numpy()
    if bad.any():
        _raise_invalid("expected_triage", frame["expected_triage"], bad, ", ".join(TRIAGE_LEVELS))
    given = text.to_numpy(dtype=object, na_value="")
    return np.where(blank, derived, given).astype(object)


def _score(cases: pd.DataFrame, network: Network) -> pd.DataFrame:
    """Score raw cases with :func:`backspasm.scoring.score_cases` (answers only)."""
    scoring = importlib.import_module("backspasm.scoring")
    score_cases: Callable[..., pd.DataFrame] = scoring.score_cases
    # Truth and expectations are not answers: keep them away from the scorer.
    hidden = [
        c
        for c in cases.columns
        if str(c).startswith(TRUTH_PREFIX) or str(c) in ("expected_cause", "expected_triage")
    ]
    scored = score_cases(cases.drop(columns=hidden), network=network)
    for column in hidden:
        scored[column] = cases[column].to_numpy()
    return scored


def evaluate(
    scored_or_cases: CasesLike,
    truth: pd.DataFrame | pd.Series | None = None,
    *,
    network: Network | None = None,
) -> Evaluation:
    """Compare scored probabilities with the known causes.

    Parameters
    ----------
    scored_or_cases : pandas.DataFrame or path-like
        A scored frame (with ``p_<cause>`` columns, e.g. from
        :func:`backspasm.scoring.score_cases`) or raw cases, which are scored first
        (truth columns are kept away from the scorer). A path is read as CSV.
    truth : pandas.DataFrame or pandas.Series, optional
        One row per case: ``true_<cause>`` yes/no columns, or a ``true_cause`` /
        ``expected_cause`` column (a Series is read as cause labels). Default: those
        columns of ``scored_or_cases``. Labels name one cause, several separated by
        ``;``, or ``none``; with labels, every other cause counts as absent.
    network : Network, optional
        Its causes and groups; default the bundled network.

    Returns
    -------
    Evaluation
        See :class:`Evaluation` for every metric and its precise definition. Rows
        with a scoring error are left out and counted in ``n_excluded``. The ranking
        is by ``p_<cause>`` (ties in the network's cause order). Triage is compared
        when a ``triage`` column exists: with ``expected_triage`` where given,
        otherwise derived from the true causes (a serious cause means
        ``emergency``, else a pathologic cause ``see_doctor``, else ``self_care``).

    Raises
    ------
    BackspasmError
        When there is no truth, or ``truth`` has the wrong number of rows.
    EvidenceError
        For a truth label that is not a cause or a triage level that does not exist.
    """
    net = network if network is not None else default_network()
    frame, _, _ = _read_cases(scored_or_cases)
    causes = [c for c in net.causes if f"p_{c}" in frame]
    if not causes:
        frame = _score(frame, net)
        causes = list(net.causes)
    truth_all = _truth_matrix(frame, truth, causes)
    probs_all = np.column_stack(
        [
            pd.to_numeric(frame[f"p_{c}"], errors="coerce").to_numpy(dtype=np.float64)
            for c in causes
        ]
    )
    ok = np.isfinite(probs_all).all(axis=1)
    if "error" in frame:
        ok &= _blank(_text(frame["error"]))
    probs, y = probs_all[ok], truth_all[ok]
    n_cases = int(ok.sum())

    ranked = np.argsort(-probs, axis=1, kind="stable")
    has_cause = y.any(axis=1)
    rows = np.arange(n_cases)
    first_hit = np.asarray(y[rows, ranked[:, 0]], dtype=bool)
    k = min(3, len(causes))
    top3_hit = np.asarray(np.take_along_axis(y, ranked[:, :k], axis=1).any(axis=1), dtype=bool)
    n_with = int(has_cause.sum())
    top1 = float(first_hit[has_cause].mean()) if n_with else math.nan
    top3 = float(top3_hit[has_cause].mean()) if n_with else math.nan

    clipped = np.clip(probs, _LOG_CLIP, 1.0 - _LOG_CLIP)
    squared = (probs - y) ** 2
    losses = -(y * np.log(clipped) + (~y) * np.log1p(-clipped))
    per_cause = pd.DataFrame(
        {
            "cause": causes,
            "group": [net.group_of(c) for c in causes],
            "n_present": y.sum(axis=0).astype(int),
            "prevalence": y.mean(axis=0) if n_cases else np.nan,
            "mean_p": probs.mean(axis=0) if n_cases else np.nan,
            "auc": [_auc_score(y[:, j], probs[:, j]) for j in range(len(causes))],
            "brier": squared.mean(axis=0) if n_cases else np.nan,
            "log_loss": losses.mean(axis=0) if n_cases else np.nan,
            "top1_recall": [
                float((ranked[y[:, j], 0] == j).mean()) if y[:, j].any() else math.nan
                for j in range(len(causes))
            ],
        }
    )
    aucs = per_cause["auc"].dropna()
    evaluation_triage, serious_self_care, n_serious = _triage_confusion(
        frame, ok, truth_all, net, causes
    )
    return Evaluation(
        n_cases=n_cases,
        n_excluded=int((~ok).sum()),
        n_with_cause=n_with,
        top1=top1,
        top3=top3,
        mean_auc=float(aucs.mean()) if len(aucs) else math.nan,
        brier=float(squared.mean()) if n_cases else math.nan,
        log_loss=float(losses.mean()) if n_cases else math.nan,
        per_cause=per_cause,
        calibration=_calibration(probs, y, causes),
        roc=_roc_frame(probs, y, causes),
        confusions=_confusions(ranked, y, causes),
        triage=evaluation_triage,
        serious_self_care=serious_self_care,
        n_serious=n_serious,
    )


def _calibration(
    probs: FloatArray, y: npt.NDArray[np.bool_], causes: Sequence[str]
) -> pd.DataFrame:
    frames = []
    columns = [(c, probs[:, j], y[:, j]) for j, c in enumerate(causes)]
    columns.append(("all", probs.reshape(-1), y.reshape(-1)))
    for cause, p, t in columns:
        bins = np.minimum((p * 10).astype(int), 9)
        count = np.bincount(bins, minlength=10)
        filled = count > 0
        safe = np.where(filled, count, 1)
        frames.append(
            pd.DataFrame(
                {
                    "cause": cause,
                    "bin": np.arange(10)[filled],
                    "mean_predicted": (np.bincount(bins, weights=p, minlength=10) / safe)[filled],
                    "observed_rate": (np.bincount(bins, weights=t, minlength=10) / safe)[filled],
                    "count": count[filled],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _roc_frame(probs: FloatArray, y: npt.NDArray[np.bool_], causes: Sequence[str]) -> pd.DataFrame:
    frames = []
    for j, cause in enumerate(causes):
        t = y[:, j]
        if t.all() or not t.any():
            continue
        threshold, fpr, tpr = _roc_points(t, probs[:, j])
        frames.append(
            pd.DataFrame({"cause": cause, "threshold": threshold, "fpr": fpr, "tpr": tpr})
        )
    if not frames:
        return pd.DataFrame(columns=["cause", "threshold", "fpr", "tpr"])
    return pd.concat(frames, ignore_index=True)


def _confusions(ranked: IntArray, y: npt.NDArray[np.bool_], causes: Sequence[str]) -> pd.DataFrame:
    columns = ["true_cause", "ranked_first", "count", "share"]
    if len(ranked) == 0:
        return pd.DataFrame(columns=columns)
    first = ranked[:, 0]
    missed = y.any(axis=1) & ~y[np.arange(len(first)), first]
    pairs = [
        (causes[int(j)], causes[int(first[i])])
        for i in np.flatnonzero(missed)
        for j in np.flatnonzero(y[i])
    ]
    if not pairs:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(pairs, columns=["true_cause", "ranked_first"])
    counts = table.value_counts(sort=False).rename("count").reset_index()
    present = dict(zip(causes, y.sum(axis=0), strict=True))
    counts["share"] = counts["count"] / counts["true_cause"].map(present)
    counts = counts.sort_values(
        ["count", "true_cause", "ranked_first"], ascending=[False, True, True], kind="stable"
    )
    return counts.reset_index(drop=True)[columns]


def _triage_confusion(
    frame: pd.DataFrame,
    ok: npt.NDArray[np.bool_],
    truth: npt.NDArray[np.bool_],
    network: Network,
    causes: Sequence[str],
) -> tuple[pd.DataFrame | None, int | None, int | None]:
    if "triage" not in frame:
        return None, None, None
    expected = _expected_triage(frame, truth, network, causes)
    predicted = _text(frame["triage"]).to_numpy(dtype=object, na_value="")
    use = ok & np.isin(predicted, TRIAGE_LEVELS)
    matrix = pd.DataFrame(
        0,
        index=pd.Index(TRIAGE_LEVELS, name="expected"),
        columns=pd.Index(TRIAGE_LEVELS, name="predicted"),
    )
    for e, p in zip(expected[use], predicted[use], strict=True):
        matrix.loc[e, p] += 1
    serious_cols = np.array([network.group_of(c) == "cause_serious" for c in causes], dtype=bool)
    has_truth_flags = any(TRUTH_PREFIX + c in frame for c in causes)
    if has_truth_flags or "expected_triage" not in frame:
        serious = truth[:, serious_cols].any(axis=1)
    else:
        serious = expected == "emergency"
    serious &= use
    return (
        matrix,
        int((serious & (predicted == "self_care")).sum()),
        int(serious.sum()),
    )
