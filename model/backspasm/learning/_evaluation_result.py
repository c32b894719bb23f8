"""The result of an evaluation: :class:`Evaluation`, its headline table and its JSON.

:func:`backspasm.learning.evaluation.evaluate` computes one (and re-exports the
class); this module only holds the numbers and says them.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from backspasm.learning.metrics import share_interval
from backspasm.scoring.cases import error_row_lines

__all__ = ["TABLE_FLOAT", "Evaluation"]

#: How the tables of an evaluation write a number: the text ``backspasm evaluate``
#: prints, the notebook's HTML and the comparison's.
TABLE_FLOAT = "{:.3f}".format
#: The same for the reliability table's observed and predicted shares.
_RELIABILITY_FLOAT = "{:.4f}".format

#: How each ranking of :data:`backspasm.learning.evaluation.RANKINGS` is said.
_RANK_NAMES = {
    "posterior": "posterior probability",
    "disablement": "expected disablement",
    "odds_factor": "odds factor over the context answers",
}


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
    excluded : tuple of dict
        The first five: ``row`` (from 1, after the header), ``case_id`` and ``error``.
    n_no_truth : int
        Rows scored but left out because their truth is not given (a blank
        ``expected_cause`` or ``true_<cause>`` cell; ``none`` says "no cause").
    n_with_cause : int
        Evaluated cases with at least one true cause: the denominator of the
        accuracies.
    top1 : float
        Share of those cases whose highest-ranked cause is one of their true causes.
    top3 : float
        Share whose three highest-ranked causes include at least one true cause.
    top1_interval, top3_interval : tuple of float
        Their 95% confidence intervals (Wilson's, :func:`~backspasm.learning.metrics.
        share_interval`), as is :attr:`triage_interval` for :attr:`triage_agreement`.
    named_under_why : float
        Share of those cases with a true cause among the causes ``diagnose``
        explains under "why": the three of highest posterior, and up to two below
        them whose odds the answers raised 3-fold or more over the context answers
        (:func:`backspasm.explain.odds.explained`). It does not depend on ``rank``.
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
        ``auc_low`` and ``auc_high`` (its 95% confidence interval, from Hanley and
        McNeil's variance as a score interval: see
        :func:`~backspasm.learning.metrics.auc_interval`), ``brier``, ``log_loss``,
        ``top1_recall`` (share of the cases with this cause where it is ranked first),
        ``named_recall`` (share of them where ``diagnose`` names it under "why", as
        :attr:`named_under_why` counts).
    calibration : pandas.DataFrame
        ``cause`` (``"all"`` for every cause pooled), ``bin`` (0-9: ten equal-width
        bins of predicted probability, [0, 0.1) ... [0.9, 1]), ``mean_predicted``,
        ``observed_rate``, ``count``; empty bins are left out.
    reliability : pandas.DataFrame
        The reliability table, every cause pooled (each case and cause one yes/no
        forecast): ``bin`` (``"0.0-0.1"`` ... ``"0.9-1.0"``), ``lower``, ``upper``,
        ``count``, ``mean_predicted``, ``observed_rate`` (the share of those forecasts
        whose cause was present); empty bins are left out.
    ece : float
        Expected calibration error of the pooled forecasts over the ten bins of
        :attr:`reliability`: ``sum_b (count_b / N) |observed_rate_b - mean_predicted_b|``
        (0 for perfect calibration; NaN without cases).
    roc : pandas.DataFrame
        ROC curve points per cause: ``cause``, ``threshold``, ``fpr``, ``tpr`` (from
        (0, 0) to (1, 1), one point per distinct predicted value).
    confusions : pandas.DataFrame
        Misranked cases: ``true_cause``, ``ranked_first``, ``count``, ``share`` (of the
        cases with that true cause), most frequent first. A misranked case with
        several true causes counts once for each.
    triage : pandas.DataFrame or None
        Confusion matrix of triage levels, rows ``expected``, columns ``predicted``,
        in the order emergency, see_doctor, self_care, over the cases whose
        ``expected_triage`` is given. None without a ``triage`` column, and when no
        case gives an ``expected_triage``: the expected level is never derived from
        the true cause (the triage policy sends some serious causes, such as a
        spinal tumour, to a doctor rather than an emergency department).
    serious_self_care : int or None
        Cases with a true cause of the serious group (``cause_serious``) that were
        triaged ``self_care`` (from the true cause, whether or not an
        ``expected_triage`` is given); None without a ``triage`` column.
    n_serious : int or None
        Cases with a true cause of the serious group.
    emergency_self_care : int or None
        Cases whose ``expected_triage`` is ``emergency`` that were triaged
        ``self_care``: the most dangerous error. None when :attr:`triage` is None.
    n_emergency : int or None
        Cases whose ``expected_triage`` is ``emergency``; None when :attr:`triage`
        is None.
    n_triage : int or None
        Cases in :attr:`triage` (evaluated, with an ``expected_triage``); None
        without a ``triage`` column.
    triage_note : str or None
        Why triage was not compared, or on how many cases it was when some leave
        ``expected_triage`` blank (e.g. ``"no expected_triage column, not
        compared"``); None when every case was compared or there is no ``triage``
        column.
    sent_home : pandas.DataFrame
        The cases behind the two dangerous counts (:attr:`serious_self_care`,
        :attr:`emergency_self_care`), triaged ``self_care``: ``row`` (the file's,
        from 1 after the header), ``case_id`` when the file has one, ``true_cause``,
        and ``expected_triage``, ``p_serious`` and ``screen_unanswered`` (the
        screening questions the row left unanswered) when the file has them. Empty
        without a ``triage`` column.
    rank : str
        How causes were ranked for the top-k figures, ``top1_recall`` and the
        confusions: ``posterior``, ``disablement`` or ``odds_factor`` (see
        :func:`evaluate`).
    """

    #: What the table of :attr:`sent_home` shows, as the CLI and notebooks title it.
    SENT_HOME_HEADING: ClassVar[str] = (
        "Triaged self_care with a serious cause or an expected emergency"
    )

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
    emergency_self_care: int | None = None
    n_emergency: int | None = None
    reliability: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    ece: float = math.nan
    rank: str = "posterior"
    n_no_truth: int = 0
    excluded: tuple[dict[str, Any], ...] = ()
    n_triage: int | None = None
    triage_note: str | None = None
    sent_home: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    named_under_why: float = math.nan

    @property
    def triage_agreement(self) -> float:
        """Share of the compared cases whose triage level equals ``expected_triage``.

        The diagonal of :attr:`triage` over its total; NaN when triage was not
        compared or no case was.
        """
        if self.triage is None:
            return math.nan
        matrix = self.triage.to_numpy()
        total = matrix.sum()
        return float(np.trace(matrix) / total) if total else math.nan

    @property
    def top1_interval(self) -> tuple[float, float]:
        """The 95% confidence interval of :attr:`top1` (Wilson's; NaN without cases)."""
        return share_interval(self.top1 * self.n_with_cause, self.n_with_cause)

    @property
    def top3_interval(self) -> tuple[float, float]:
        """The 95% confidence interval of :attr:`top3` (Wilson's; NaN without cases)."""
        return share_interval(self.top3 * self.n_with_cause, self.n_with_cause)

    @property
    def triage_interval(self) -> tuple[float, float]:
        """The 95% confidence interval of :attr:`triage_agreement` (Wilson's)."""
        if self.triage is None:
            return math.nan, math.nan
        matrix = self.triage.to_numpy()
        return share_interval(float(np.trace(matrix)), float(matrix.sum()))

    def summary(self) -> pd.DataFrame:
        """Return the headline numbers as a table.

        Returns
        -------
        pandas.DataFrame
            Columns ``metric`` and ``value``, one row per headline number. ``value``
            holds numbers and words (object dtype), so ``.round(3)`` leaves it as it
            is: round its floats one by one, as notebook 04 does.
        """
        rows: list[tuple[str, Any]] = [
            ("causes ranked by", _RANK_NAMES[self.rank]),
            ("cases evaluated", self.n_cases),
            ("rows excluded (scoring error)", self.n_excluded),
            *error_row_lines(self.excluded[:3]),
            *([("rows excluded (truth not given)", self.n_no_truth)] if self.n_no_truth else []),
            ("cases with a true cause", self.n_with_cause),
            ("top-1 accuracy", self.top1),
            *_interval_row("top-1 accuracy", self.top1_interval),
            ("top-3 accuracy", self.top3),
            *_interval_row("top-3 accuracy", self.top3_interval),
            ("named under diagnose's why", self.named_under_why),
            ("mean AUC over causes", self.mean_auc),
            ("Brier score", self.brier),
            ("log loss", self.log_loss),
            ("expected calibration error", self.ece),
        ]
        if self.serious_self_care is not None:
            rows.append(("serious-cause cases triaged self_care", self.serious_self_care))
            rows.append(("serious-cause cases", self.n_serious))
        if self.triage_note is not None:
            rows.append(("triage", self.triage_note))
        if self.triage is not None:
            rows.append(("triage agreement", self.triage_agreement))
            rows += _interval_row("triage agreement", self.triage_interval)
            rows.append(("cases with an expected triage", self.n_triage))
            rows.append(("emergency cases triaged self_care", self.emergency_self_care))
            rows.append(("emergency cases", self.n_emergency))
        return pd.DataFrame(rows, columns=["metric", "value"], dtype=object)

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as a JSON-ready dictionary.

        Returns
        -------
        dict
            Headline numbers, ``per_cause``, the pooled ``calibration`` and
            ``confusions`` as lists of records, ``triage`` as ``levels`` plus a
            ``matrix`` (rows expected, columns predicted; None when not compared,
            with the reason in ``triage_note``); NaN becomes None.
        """
        return {
            "rank": self.rank,
            "n_cases": self.n_cases,
            "n_excluded": self.n_excluded,
            "excluded": list(self.excluded),
            "n_no_truth": self.n_no_truth,
            "n_with_cause": self.n_with_cause,
            "top1": _json_number(self.top1),
            "top3": _json_number(self.top3),
            "top1_interval": [_json_number(x) for x in self.top1_interval],
            "top3_interval": [_json_number(x) for x in self.top3_interval],
            "named_under_why": _json_number(self.named_under_why),
            "mean_auc": _json_number(self.mean_auc),
            "brier": _json_number(self.brier),
            "log_loss": _json_number(self.log_loss),
            "ece": _json_number(self.ece),
            "reliability": json_records(self.reliability),
            "per_cause": json_records(self.per_cause),
            "calibration": json_records(self.calibration[self.calibration["cause"] == "all"]),
            "confusions": json_records(self.confusions),
            "triage": None
            if self.triage is None
            else {
                "levels": list(self.triage.index),
                "matrix": [[int(x) for x in row] for row in self.triage.to_numpy()],
            },
            "serious_self_care": self.serious_self_care,
            "n_serious": self.n_serious,
            "n_triage": self.n_triage,
            "triage_agreement": _json_number(self.triage_agreement),
            "triage_interval": [_json_number(x) for x in self.triage_interval],
            "triage_note": self.triage_note,
            "emergency_self_care": self.emergency_self_care,
            "n_emergency": self.n_emergency,
            "sent_home": json_records(self.sent_home),
        }

    def __str__(self) -> str:
        """Return the headline numbers, one per line, as ``backspasm evaluate`` prints them."""
        return str(self.summary().to_string(index=False))

    def __repr__(self) -> str:
        # One line, as Diagnosis's (the dataclass default printed every table); str()
        # is the headline numbers and report() the whole evaluation.
        triage = self.triage_agreement
        said = "" if math.isnan(triage) else f", triage agreement {triage:.3f}"
        return (
            f"<Evaluation: {self.n_cases:,} cases, top-1 {self.top1:.3f} "
            f"(95% CI {interval_text(self.top1_interval)}), top-3 {self.top3:.3f}{said}>"
        )

    def report(self) -> str:
        """Return the whole evaluation as ``backspasm evaluate`` prints it.

        The headline numbers (``str()``), the per-cause table, the calibration of every
        cause pooled (its expected calibration error and the reliability table), the
        triage confusion matrix when triage was compared and the cases sent home: the
        text of what the notebook shows as HTML.
        """
        reliability = self.reliability.drop(columns=["lower", "upper"])
        lines = [
            str(self),
            "",
            self.per_cause.to_string(index=False, float_format=TABLE_FLOAT),
            f"\ncalibration, every cause pooled: expected calibration error {self.ece:.4f} "
            "(count-weighted mean of |observed - predicted| over the bins)",
            reliability.to_string(index=False, float_format=_RELIABILITY_FLOAT),
        ]
        if self.triage is not None:
            lines += ["\ntriage (rows expected, columns predicted)", self.triage.to_string()]
        if len(self.sent_home):
            lines += [
                f"\n{self.SENT_HOME_HEADING.lower()}",
                self.sent_home.to_string(index=False, float_format=TABLE_FLOAT),
            ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [
            "<h4>Evaluation</h4>",
            self.summary().to_html(index=False, float_format=TABLE_FLOAT),
            "<h4>Per cause</h4>",
            self.per_cause.to_html(index=False, float_format=TABLE_FLOAT, na_rep="-"),
            "<h4>Reliability (every cause pooled)</h4>",
            self.reliability.to_html(index=False, float_format=_RELIABILITY_FLOAT),
        ]
        if self.triage is not None:
            parts += [
                "<h4>Triage (rows expected, columns predicted)</h4>",
                self.triage.to_html(),
            ]
        if self.triage_note is not None:
            parts.append(f"<p>triage: {html.escape(self.triage_note)}</p>")
        if len(self.sent_home):
            parts += [
                f"<h4>{self.SENT_HOME_HEADING}</h4>",
                self.sent_home.to_html(index=False, float_format=TABLE_FLOAT, na_rep="-"),
            ]
        if len(self.confusions):
            parts += [
                "<h4>Top confusions</h4>",
                self.confusions.head(10).to_html(index=False, float_format=TABLE_FLOAT),
            ]
        return "\n".join(parts)


def interval_text(bounds: tuple[float, float]) -> str:
    """Return a 95% confidence interval as the tables print it: ``0.219-0.359``, or ``-``."""
    low, high = bounds
    return "-" if math.isnan(low) else f"{low:.3f}-{high:.3f}"


def _interval_row(name: str, bounds: tuple[float, float]) -> list[tuple[str, str]]:
    """Return the summary row of a share's 95% confidence interval (none if undefined)."""
    return [] if math.isnan(bounds[0]) else [(f"{name}, 95% CI", interval_text(bounds))]


def _json_number(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _plain(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return _json_number(float(v))
    return int(v) if isinstance(v, np.integer) else v


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table's rows as JSON-ready records: plain numbers, NaN as None."""
    return [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
