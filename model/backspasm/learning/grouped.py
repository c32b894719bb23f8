"""Evaluation group by group: one scoring, then :func:`evaluate` per group."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError
from backspasm.learning._evaluation_result import TABLE_FLOAT
from backspasm.learning.cases import CasesLike, case_label, read_case_frame
from backspasm.learning.evaluation import Evaluation, evaluate, prepare_frame
from backspasm.network import Network, default_network

__all__ = ["BLANK_GROUP", "evaluate_by", "evaluate_groups", "groups_dict", "groups_report"]

#: The group of the rows whose grouping cell is blank.
BLANK_GROUP = "(blank)"
#: The count columns of the table, None where a group has nothing to count.
_COUNTS = ("serious_self_care", "n_serious", "emergency_self_care", "n_emergency")
#: The columns of the table that need triage compared (empty when it was not).
_TRIAGE_COLUMNS = ["triage_agreement", "emergency_self_care", "n_emergency"]


def evaluate_by(
    scored_or_cases: CasesLike,
    column: str,
    *,
    network: Network | None = None,
    rank: str = "posterior",
) -> pd.DataFrame:
    """Evaluate a case file group by group, for the values of one of its columns.

    The cases are scored once; each group is then evaluated as :func:`evaluate`
    would evaluate it alone (a clinic, a source kind, an age band).

    Parameters
    ----------
    scored_or_cases : pandas.DataFrame or path-like
        As for :func:`evaluate`, with the truth.
    column : str
        The column whose values form the groups (blank cells form a group of their
        own, ``"(blank)"``, left out when none of its rows could be evaluated: they
        are counted in the whole file's ``n_no_truth`` or ``n_excluded``).
    network : Network, optional
        Default: the bundled network.
    rank : {"posterior", "disablement", "odds_factor"}, default "posterior"
        As for :func:`evaluate`.

    Returns
    -------
    pandas.DataFrame
        One row per group in sorted order, then ``"(blank)"`` (if any), then
        ``"all"``: ``group``, ``n_cases``, ``top1``, ``top3``, ``top1_low``, ``top1_high``,
        ``top3_low``, ``top3_high`` (their 95% confidence intervals, Wilson's: a group of
        a few cases is told apart from another only when these do not overlap much),
        ``named_under_why``, ``mean_auc``,
        ``triage_agreement`` (share of the cases with an ``expected_triage``
        whose triage level is that one; NaN where no case gives one, or without
        a ``triage`` column), ``serious_self_care`` and
        ``n_serious`` (from the true cause), ``emergency_self_care`` and
        ``n_emergency`` (of the cases whose ``expected_triage`` is ``emergency``;
        missing where triage is not compared, as in :class:`Evaluation`). The
        counts are nullable integers.

    Raises
    ------
    BackspasmError
        When ``column`` is not a column of the cases, or has a group named ``all``
        (or ``(blank)`` beside blank cells), and as :func:`evaluate`.

    Examples
    --------
    >>> table = evaluate_by("data/vignettes.csv", "source_kind")  # doctest: +SKIP
    >>> list(table["group"])  # doctest: +SKIP
    ['case_report', 'teaching', 'all']
    """
    return _grouped(scored_or_cases, column, network, rank)[1]


def evaluate_groups(
    scored_or_cases: CasesLike,
    column: str | None,
    *,
    network: Network | None = None,
    rank: str = "posterior",
) -> tuple[Evaluation, pd.DataFrame | None]:
    """Return the whole file's :class:`Evaluation` and the table of :func:`evaluate_by`.

    What ``backspasm evaluate FILE [--by COLUMN]`` prints: the full evaluation of the
    file and one row per group, with the cases scored (and, for
    ``rank="disablement"``, their disablement computed) once for both. With
    ``column=None`` there are no groups: the evaluation and ``None``.

    Parameters and errors are those of :func:`evaluate_by`.

    Examples
    --------
    >>> whole, table = evaluate_groups("data/vignettes.csv", "source_kind")  # doctest: +SKIP
    >>> whole.top1 == table.set_index("group").loc["all", "top1"]  # doctest: +SKIP
    True
    """
    if column is None:
        return evaluate(scored_or_cases, network=network, rank=rank), None
    return _grouped(scored_or_cases, column, network, rank)


def _grouped(
    scored_or_cases: CasesLike, column: str, network: Network | None, rank: str
) -> tuple[Evaluation, pd.DataFrame]:
    """Evaluate the whole file and each group of ``column``, from one scoring."""
    net = network if network is not None else default_network()
    frame, source = read_case_frame(scored_or_cases)
    label = case_label(frame, source)
    if column not in frame.columns:
        raise BackspasmError(
            f"{label} has no column {column!r} to group by.{did_you_mean(column, frame.columns)}"
        )
    cases = prepare_frame(frame, network=net, rank=rank, source=source, origin=scored_or_cases)
    # Any dtype (nullable integers, categories with NaN): a missing cell is "".
    keys = np.array(
        ["" if pd.isna(v) else str(v).strip() for v in cases.frame[column].astype(object)],
        dtype=object,
    )
    reserved = {"all": "the whole-file row", BLANK_GROUP: "the row of its blank cells"}
    if "" not in set(keys):
        del reserved[BLANK_GROUP]
    for name, what in reserved.items():
        if name in set(keys):
            raise BackspasmError(
                f"Column {column!r} of {label} has a group named {name!r}, the name of "
                f"{what} of the table; rename that group to evaluate by this column."
            )
    whole = cases.evaluate()
    rows = []
    names = sorted(set(keys) - {""})
    for name in [*names, *([""] if "" in set(keys) else []), "all"]:
        ev = whole if name == "all" else cases.subset(keys == name).evaluate()
        if name == "" and not ev.n_cases:  # blank cells, none with truth: no group to show
            continue
        agreement = ev.triage_agreement if ev.n_cases else math.nan
        rows.append(
            {
                "group": name or BLANK_GROUP,
                "n_cases": ev.n_cases,
                "top1": ev.top1,
                "top3": ev.top3,
                **dict(zip(("top1_low", "top1_high"), ev.top1_interval, strict=True)),
                **dict(zip(("top3_low", "top3_high"), ev.top3_interval, strict=True)),
                "named_under_why": ev.named_under_why,
                "mean_auc": ev.mean_auc,
                "triage_agreement": agreement,
                "serious_self_care": ev.serious_self_care,
                "n_serious": ev.n_serious,
                "emergency_self_care": ev.emergency_self_care,
                "n_emergency": ev.n_emergency,
            }
        )
    table = pd.DataFrame(rows)
    table = table.astype(dict.fromkeys(_COUNTS, "Int64"))
    return whole, table


def groups_report(whole: Evaluation, table: pd.DataFrame | None, column: str | None) -> str:
    """Return what ``backspasm evaluate FILE [--by COLUMN]`` prints.

    The whole file's :meth:`Evaluation.report`, then, with groups, the table of
    :func:`evaluate_by` under ``by COLUMN`` (without its triage columns when triage
    was not compared: they would be empty).

    Parameters
    ----------
    whole, table
        As :func:`evaluate_groups` returns them.
    column : str or None
        The column the groups are of.
    """
    text = whole.report()
    if table is None:
        return text
    if whole.triage is None:
        table = table.drop(columns=_TRIAGE_COLUMNS)
    return f"{text}\n\nby {column}\n{table.to_string(index=False, float_format=TABLE_FLOAT)}"


def groups_dict(
    whole: Evaluation, table: pd.DataFrame | None, column: str | None
) -> dict[str, Any]:
    """Return what ``backspasm evaluate FILE [--by COLUMN] --json`` prints, JSON-ready.

    :meth:`Evaluation.to_dict`, with the groups under ``by`` (``column`` and one record
    per row of the table) when there are groups. Parameters as for :func:`groups_report`.
    """
    payload = whole.to_dict()
    if table is not None:
        payload["by"] = {"column": column, "groups": json.loads(table.to_json(orient="records"))}
    return payload
