"""Evaluating scored probabilities against known causes.

:func:`evaluate` scores a case file when it holds raw answers (through
:func:`backspasm.scoring.score_cases`), reads the truth (``true_<cause>`` flags or
cause labels) and returns an :class:`Evaluation`: top-1 / top-3 accuracy, per-cause
AUC, Brier score, log loss, calibration and its expected error, ROC curves, the
causes the network confuses, the serious-cause cases triaged ``self_care`` and,
where the file gives an ``expected_triage``, the triage confusion matrix. The
figures of an evaluation are in :mod:`backspasm.figures.evaluation`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from backspasm._numeric import BoolArray, FloatArray, IntArray, ranked_causes
from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError
from backspasm.explain.odds import context_probabilities, explained, odds_factor
from backspasm.learning._evaluation_result import Evaluation
from backspasm.learning._rows import rows_named
from backspasm.learning.cases import (
    CasesLike,
    check_probabilities,
    expected_triage,
    is_blank,
    normalised_text,
    read_case_frame,
    score_answers,
    truth_matrix,
    warn_if_scored_by_another,
)
from backspasm.learning.metrics import (
    auc_interval,
    auc_score,
    calibration_table,
    confusion_table,
    named_hits,
    reliability_table,
    roc_table,
    top_accuracy,
    triage_confusion,
)
from backspasm.network import Network, network_or_default
from backspasm.questionnaire import answers_to_evidence, questions_for
from backspasm.scoring.cases import error_rows

__all__ = [
    "RANKINGS",
    "Evaluation",
    "PreparedCases",
    "evaluate",
    "named_rows",
    "prepare_evaluation",
    "ranked_causes",
]

#: How :func:`evaluate` may rank the causes of a case.
RANKINGS: tuple[str, ...] = ("posterior", "disablement", "odds_factor")

#: Probabilities are clipped this far from 0 and 1 in the log loss.
_LOG_CLIP = 1e-15


def _per_cause(
    probs: FloatArray,
    y: BoolArray,
    ranked: IntArray,
    named: BoolArray,
    causes: list[str],
    network: Network,
) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    """Return the per-cause table, and the squared errors and log losses of every forecast.

    ``named`` marks, per case and cause, a true cause that "why" names.
    """
    n_cases = len(probs)
    clipped = np.clip(probs, _LOG_CLIP, 1.0 - _LOG_CLIP)
    squared = np.asarray((probs - y) ** 2, dtype=np.float64)
    losses = -np.where(y, np.log(clipped), np.log1p(-clipped))
    n_present = y.sum(axis=0).astype(int)
    auc = np.array([auc_score(y[:, j], probs[:, j]) for j in range(len(causes))], dtype=float)
    low, high = auc_interval(auc, n_present, n_cases - n_present)
    table = pd.DataFrame(
        {
            "cause": causes,
            "group": [network.group_of(c) for c in causes],
            "n_present": n_present,
            "prevalence": y.mean(axis=0) if n_cases else np.nan,
            "mean_p": probs.mean(axis=0) if n_cases else np.nan,
            "auc": auc,
            "auc_low": low,
            "auc_high": high,
            "brier": squared.mean(axis=0) if n_cases else np.nan,
            "log_loss": losses.mean(axis=0) if n_cases else np.nan,
            "top1_recall": [
                float((ranked[y[:, j], 0] == j).mean()) if y[:, j].any() else math.nan
                for j in range(len(causes))
            ],
            "named_recall": [
                float(named[y[:, j], j].mean()) if y[:, j].any() else math.nan
                for j in range(len(causes))
            ],
        }
    )
    return table, squared, losses


def _disablement(
    frame: pd.DataFrame, ok: BoolArray, causes: list[str], net: Network
) -> FloatArray:
    """Return the expected disablement of every cause, for the rows scored without an error."""
    # Imported here: the twin networks need networkx and compile on first use.
    from backspasm.explain.counterfactual import disablement_matrix

    questions = questions_for(net)
    columns = [q.column for q in questions if q.node is not None and q.column in frame]
    answers = frame.loc[ok, columns]
    evidences = [
        answers_to_evidence(dict(zip(columns, row, strict=True)), questions=questions)
        for row in answers.itertuples(index=False, name=None)
    ]
    _, disablement = disablement_matrix(evidences, causes=causes, network=net)
    return disablement


def evaluate(
    scored_or_cases: CasesLike,
    truth: pd.DataFrame | pd.Series | None = None,
    *,
    network: Network | None = None,
    rank: str = "posterior",
) -> Evaluation:
    """Compare scored probabilities with the known causes.

    Parameters
    ----------
    scored_or_cases : pandas.DataFrame or path-like
        A scored frame (with a ``p_<cause>`` column for every cause of the network,
        e.g. from :func:`backspasm.scoring.score_cases`) or raw cases, which are
        scored first (truth columns are kept away from the scorer). A path is read
        as ``backspasm score`` reads it: comma, semicolon or tab CSV, or Parquet.
    truth : pandas.DataFrame or pandas.Series, optional
        One row per case: ``true_<cause>`` yes/no columns, or a ``true_cause`` /
        ``expected_cause`` column (a Series is read as cause labels). Default: those
        columns of ``scored_or_cases``. Labels name one cause, several separated by
        ``;``, or ``none``; with labels, every other cause counts as absent. A
        blank label or ``true_<cause>`` cell means the truth is not known: the row
        is left out (a missing ``true_<cause>`` column counts that cause absent,
        with a warning).
    network : Network, optional
        Its causes and groups; default the bundled network.
    rank : {"posterior", "disablement", "odds_factor"}, default "posterior"
        How the causes of a case are ranked for top-1, top-3, the per-cause
        ``top1_recall`` and the confusions: by ``p_<cause>``; by expected
        disablement (Richens, Lee and Johri 2020; the expected number of the case's
        positive findings that curing the cause would switch off, exact on twin
        networks, see :func:`backspasm.explain.counterfactual.disablement_matrix`);
        or by odds factor, how many times the answers raised the cause's odds over
        its odds given the context answers alone (:mod:`backspasm.explain.odds`):
        what the answers say, without the base rates. Ties go by the posterior.
        Both are computed from the answer columns of the file: the disablement by
        one exact query per cause on its twin network for all rows, the context
        probabilities by one query per distinct combination of context answers.
        AUC, Brier score, log loss and calibration always use the posteriors.

    Returns
    -------
    Evaluation
        See :class:`Evaluation` for every metric and its precise definition. Rows
        with a scoring error are left out and counted in ``n_excluded``, rows
        without truth in ``n_no_truth``. Ties in
        the ranking keep the network's cause order. When a ``triage`` column
        exists, the cases with a serious true cause triaged ``self_care`` are
        counted; triage levels are compared (the confusion matrix, the emergency
        cases sent home) only on the cases that give an ``expected_triage``
        (``emergency``, ``see_doctor`` or ``self_care``). Without one, the level
        is not derived from the cause: :attr:`Evaluation.triage_note` says triage
        was not compared.

    Raises
    ------
    BackspasmError
        When there is no truth, or ``truth`` has the wrong number of rows.
    EvidenceError
        For a truth label that is not a cause, a triage level that does not exist,
        or a ``p_<cause>`` outside 0 to 1, naming the row (from 1, after the header)
        and, when the file has a ``case_id`` column, the case (``Row 16 is case_id
        S16.``).
    """
    return prepare_evaluation(scored_or_cases, truth, network=network, rank=rank).evaluate()


@dataclass(frozen=True)
class PreparedCases:
    """Cases scored once for evaluation: the probabilities, truth and ranking keys.

    :func:`prepare_evaluation` builds it; :meth:`subset` takes some of its rows
    without scoring them again, so that :func:`backspasm.learning.evaluate_by`
    evaluates every group and the whole file from one scoring.
    """

    frame: pd.DataFrame
    causes: list[str]
    truth: BoolArray
    probs: FloatArray
    ok: BoolArray
    #: Rows whose truth is given (see :func:`~backspasm.learning.cases.truth_matrix`).
    given: BoolArray
    #: What the causes are ranked by when it is not the posterior, per row and cause
    #: (expected disablement or odds factor; NaN where a row could not be scored),
    #: or None when the causes are ranked by their posterior.
    keys: FloatArray | None
    #: The odds factor of every row and cause over the row's context answers (NaN
    #: where a row could not be scored or has no truth).
    factors: FloatArray
    network: Network
    rank: str
    #: Each row's number in the file, counted from 1.
    numbers: IntArray
    #: The file's name, which starts an error's message; "" for a DataFrame.
    source: str = ""

    def evaluate(self) -> Evaluation:
        """Every metric of :class:`Evaluation` for these cases."""
        return _evaluate_prepared(self)

    def subset(self, rows: BoolArray) -> PreparedCases:
        """Return the same cases restricted to ``rows`` (a boolean mask)."""
        return PreparedCases(
            frame=self.frame.loc[rows].reset_index(drop=True),
            causes=self.causes,
            truth=self.truth[rows],
            probs=self.probs[rows],
            ok=self.ok[rows],
            given=self.given[rows],
            keys=None if self.keys is None else self.keys[rows],
            factors=self.factors[rows],
            network=self.network,
            rank=self.rank,
            numbers=self.numbers[rows],
            source=self.source,
        )


def prepare_evaluation(
    scored_or_cases: CasesLike,
    truth: pd.DataFrame | pd.Series | None = None,
    *,
    network: Network | None = None,
    rank: str = "posterior",
) -> PreparedCases:
    """Read, score (if needed) and rank a case file once, for :func:`evaluate`."""
    _check_rank(rank)
    frame, source = read_case_frame(scored_or_cases)
    return prepare_frame(
        frame, truth, network=network, rank=rank, source=source, origin=scored_or_cases
    )


def _check_rank(rank: str) -> None:
    if rank not in RANKINGS:
        raise BackspasmError(
            f"The 'rank' parameter of evaluate (--rank) must be one of {', '.join(RANKINGS)}; "
            f"got {rank!r} instead.{did_you_mean(rank, RANKINGS)}"
        )


def prepare_frame(
    frame: pd.DataFrame,
    truth: pd.DataFrame | pd.Series | None = None,
    *,
    network: Network | None = None,
    rank: str = "posterior",
    source: str = "",
    origin: CasesLike | None = None,
) -> PreparedCases:
    """As :func:`prepare_evaluation`, for cases already read (read once, used twice).

    ``source`` is the file's name in the rows' messages (``""`` for a frame); a
    scored ``origin`` file is checked against the network that scored it.
    """
    _check_rank(rank)
    net = network_or_default(network)
    causes = list(net.causes)
    if not all(f"p_{c}" in frame for c in causes):  # raw cases (a scored file has them all)
        frame = score_answers(frame, net)
    elif origin is not None:  # the user called evaluate or evaluate_by, two calls above
        warn_if_scored_by_another(origin, net, stacklevel=5)
    numbers = np.arange(len(frame)) + 1
    with rows_named(frame, numbers, source):
        truth_all, given = truth_matrix(frame, truth, causes, source)
    probs_all = np.column_stack(
        [
            pd.to_numeric(frame[f"p_{c}"], errors="coerce").to_numpy(dtype=np.float64)
            for c in causes
        ]
    )
    ok = np.ones(len(frame), dtype=bool)
    if "error" in frame:
        ok &= is_blank(normalised_text(frame["error"]))
    # A row the scorer scored has a number in every p_ cell: text, a blank or inf there
    # is an edited or foreign file, refused as a number outside 0-1 is (it was
    # counted as a scoring error and left out without a word).
    with rows_named(frame, numbers, source):
        check_probabilities(frame, probs_all, ok, causes)
    use = ok & given
    # what the answers say beyond the context answers: a ranking, and what "why" names
    factors = np.full(probs_all.shape, np.nan)
    factors[use] = odds_factor(probs_all[use], context_probabilities(frame.loc[use], net))
    keys = None
    if rank == "disablement":
        keys = np.full(probs_all.shape, np.nan)
        keys[use] = _disablement(frame, use, causes, net)
    elif rank == "odds_factor":
        keys = factors
    return PreparedCases(
        frame, causes, truth_all, probs_all, ok, given, keys, factors, net, rank, numbers, source
    )


def _evaluate_prepared(cases: PreparedCases) -> Evaluation:
    """Every metric of :class:`Evaluation` for prepared cases."""
    frame, causes, net, rank = cases.frame, cases.causes, cases.network, cases.rank
    ok = cases.ok & cases.given
    truth_all = cases.truth
    probs, y = cases.probs[ok], truth_all[ok]
    n_cases = int(ok.sum())
    ranked = ranked_causes(probs, None if cases.keys is None else cases.keys[ok])
    top1, top3, n_with = top_accuracy(ranked, y)
    named = named_hits(explained(probs, cases.factors[ok]), y)
    named_any = np.asarray(named.any(axis=1), dtype=bool)[y.any(axis=1)]
    per_cause, squared, losses = _per_cause(probs, y, ranked, named, causes, net)
    aucs = per_cause["auc"].dropna()
    with rows_named(frame, cases.numbers, cases.source):
        triage, sent_home = triage_confusion(frame, ok, truth_all, net, causes)
    calibration = calibration_table(probs, y, causes)
    reliability, ece = reliability_table(calibration)
    return Evaluation(
        n_cases=n_cases,
        n_excluded=int((~cases.ok).sum()),
        excluded=error_rows(frame, ~cases.ok, cases.numbers),
        n_no_truth=int((cases.ok & ~cases.given).sum()),
        n_with_cause=n_with,
        top1=top1,
        top3=top3,
        named_under_why=float(named_any.mean()) if n_with else math.nan,
        mean_auc=float(aucs.mean()) if len(aucs) else math.nan,
        brier=float(squared.mean()) if n_cases else math.nan,
        log_loss=float(losses.mean()) if n_cases else math.nan,
        per_cause=per_cause,
        calibration=calibration,
        reliability=reliability,
        ece=ece,
        roc=roc_table(probs, y, causes),
        confusions=confusion_table(ranked, y, causes),
        triage=triage,
        serious_self_care=None if sent_home is None else sent_home["serious_self_care"],
        n_serious=None if sent_home is None else sent_home["n_serious"],
        emergency_self_care=None if sent_home is None else sent_home["emergency_self_care"],
        n_emergency=None if sent_home is None else sent_home["n_emergency"],
        n_triage=None if sent_home is None else sent_home["n_triage"],
        triage_note=_triage_note(frame, sent_home, n_cases),
        sent_home=_sent_home(frame, sent_home, truth_all, causes, cases.numbers),
        rank=rank,
    )


def named_rows(
    frame: pd.DataFrame,
    rows: IntArray,
    numbers: IntArray,
    truth: BoolArray,
    causes: Sequence[str],
) -> dict[str, Any]:
    """Say which cases ``rows`` (positions in ``frame``) are, as a table's first columns.

    ``row`` (the file's number, from 1 after the header), ``case_id`` when the file has
    one, and ``true_cause`` (the true causes, joined by ", ").
    """
    table: dict[str, Any] = {"row": numbers[rows].astype(np.int64)}
    if "case_id" in frame:
        table["case_id"] = frame["case_id"].iloc[rows].astype(str).str.strip().to_numpy()
    table["true_cause"] = [
        ", ".join(c for c, t in zip(causes, truth[i], strict=True) if t) for i in rows
    ]
    return table


def _sent_home(
    frame: pd.DataFrame,
    counts: dict[str, Any] | None,
    truth: BoolArray,
    causes: Sequence[str],
    numbers: IntArray,
) -> pd.DataFrame:
    """Name the cases of the dangerous counts: triaged self_care, serious or an emergency."""
    if counts is None:
        return pd.DataFrame()  # as Evaluation's default: no triage column, nothing to name
    rows = np.flatnonzero(counts["sent_home"])
    table = named_rows(frame, rows, numbers, truth, causes)
    if "expected_triage" in frame:
        table["expected_triage"] = expected_triage(frame)[rows]
    if "p_serious" in frame:
        table["p_serious"] = pd.to_numeric(
            frame["p_serious"].iloc[rows], errors="coerce"
        ).to_numpy()
    if "screen_unanswered" in frame:  # how little of the screen the self_care rested on
        # a count, shown whole (31, not 31.0), whether read from a CSV or scored here
        left = pd.to_numeric(frame["screen_unanswered"].iloc[rows], errors="coerce")
        whole = left.dropna().astype(float).apply(float.is_integer).all()
        table["screen_unanswered"] = (left.astype("Int64") if whole else left).to_numpy()
    return pd.DataFrame(table)


def _triage_note(frame: pd.DataFrame, counts: dict[str, int | None] | None, n: int) -> str | None:
    """Say why triage was not compared, or on how many of the cases it was."""
    if "expected_triage" not in frame:
        return None if counts is None else "no expected_triage column, not compared"
    if counts is None:  # a scored file without the column
        return "the scored file has no triage column (dropped?), not compared"
    if not (compared := counts["n_triage"]):
        return "expected_triage blank in every case evaluated, not compared"
    said = f"compared on the {compared} of {n} cases with an expected_triage"
    return said if compared < n else None
