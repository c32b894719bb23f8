"""Scores of probabilistic forecasts against known causes, vectorised over cases.

Each function takes predicted probabilities (cases x causes) and the truth
(booleans of the same shape) and returns one table of
:class:`~backspasm.learning.Evaluation`: AUC and ROC points by the rank-sum formula,
the AUC's 95% confidence interval (:func:`auc_interval`), Wilson's interval of a
share such as top-1 accuracy (:func:`share_interval`),
binned calibration and its expected calibration error, the causes ranked first in
place of the true one, and the triage confusion matrix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._numeric import BoolArray, FloatArray, IntArray
from backspasm.learning.cases import expected_triage, normalised_text
from backspasm.network import Network
from backspasm.triage import TRIAGE_LEVELS

__all__ = [
    "auc_interval",
    "auc_score",
    "calibration_table",
    "confusion_table",
    "mcnemar_exact",
    "named_hits",
    "reliability_table",
    "roc_points",
    "roc_table",
    "share_interval",
    "top_accuracy",
    "triage_confusion",
]


def auc_score(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
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


#: The normal quantile of a two-sided 95% interval.
_Z95 = 1.959963984540054


def auc_interval(
    auc: npt.ArrayLike, n_pos: npt.ArrayLike, n_neg: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Return the 95% confidence intervals of AUCs, vectorised over causes.

    The variance is Hanley and McNeil's (1982, Radiology 143:29-36) for an AUC
    ``A`` from ``n_pos`` cases with the cause and ``n_neg`` without::

        A (1 - A) / (n_pos n_neg) * (1 + (n_pos - 1)(1 - A)/(2 - A) + (n_neg - 1) A/(1 + A))

    Taken at the AUC found (``A +- 1.96 SE``) it is 0 at an AUC of 1, whatever the
    number of cases: a perfect score from 6 cases would read 1.00 (1.00-1.00). The
    interval is instead every value ``t`` the AUC found is within 1.96 standard
    errors of, the variance taken at ``t`` (a score interval, as Wilson's is for a
    proportion): the same as the Wald interval with many cases, never outside 0 to
    1, and an AUC of 1.00 from few cases keeps a lower bound below 1.

    Parameters
    ----------
    auc : array_like of float
        The AUCs (NaN: undefined).
    n_pos, n_neg : array_like of int
        The cases with and without each cause.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper bounds (NaN where the AUC is NaN or a count is 0).
    """
    a = np.asarray(auc, dtype=np.float64)
    pos, neg = np.broadcast_arrays(np.asarray(n_pos, float), np.asarray(n_neg, float))
    defined = np.isfinite(a) & (pos > 0) & (neg > 0)
    a = np.where(defined, a, 0.5)
    pos, neg = np.where(defined, pos, 1.0), np.where(defined, neg, 1.0)

    def outside(t: FloatArray) -> BoolArray:
        """Whether ``t`` is farther from the AUC found than 1.96 of its standard errors."""
        var = (t * (1 - t) / (pos * neg)) * (
            1 + (pos - 1) * (1 - t) / (2 - t) + (neg - 1) * t / (1 + t)
        )
        return np.asarray((a - t) ** 2 > _Z95**2 * var, dtype=bool)

    # bisection on each side of the AUC: from 0 (or 1), outside, to the AUC, inside
    lo, hi = np.zeros_like(a), a.copy()
    up_in, up_out = a.copy(), np.ones_like(a)
    for _ in range(60):
        mid = (lo + hi) / 2
        out = outside(mid)
        lo, hi = np.where(out, mid, lo), np.where(out, hi, mid)
        mid = (up_in + up_out) / 2
        out = outside(mid)
        up_in, up_out = np.where(out, up_in, mid), np.where(out, mid, up_out)
    low = np.where(outside(np.zeros_like(a)), hi, 0.0)
    high = np.where(outside(np.ones_like(a)), up_in, 1.0)
    return np.where(defined, low, np.nan), np.where(defined, high, np.nan)


def share_interval(hits: float, n: float) -> tuple[float, float]:
    """Return the 95% confidence interval of a share ``hits / n`` (Wilson's score interval).

    Wilson (1927, J Am Stat Assoc 22:209-212): every share ``t`` that the share found
    is within 1.96 of its standard errors of, the variance ``t (1 - t) / n`` taken at
    ``t``. Unlike ``share +- 1.96 SE`` it stays inside 0 to 1 and does not shrink to a
    point at 0 or 1: 8 of 8 reads 0.68-1.00, not 1.00-1.00. On 155 cases a top-1 of
    0.28 is 0.22-0.36, so two networks a few cases apart are not told apart.

    Parameters
    ----------
    hits : float
        Cases counted (a whole number, or a share times ``n``: it is rounded).
    n : float
        Cases in all.

    Returns
    -------
    tuple of float
        The lower and upper bounds; NaN for both when ``n`` is 0 or NaN.
    """
    if not n or math.isnan(n) or math.isnan(hits):
        return math.nan, math.nan
    share = round(hits) / n
    z2 = _Z95**2
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z95 * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar_exact(gained: int, lost: int) -> float:
    """Return the two-sided p-value of McNemar's exact test on paired hits.

    Two rankings of the same cases differ only on the discordant ones: ``gained``
    cases that the second gets right and the first wrong, ``lost`` the other way.
    Were the two equally good, each discordant case would go either way with
    probability 1/2: the p-value is twice the smaller binomial tail (at most 1),
    summed in logs so that a file of millions of cases does not overflow.
    """
    n = gained + lost
    if n == 0:
        return 1.0
    i = np.arange(1, min(gained, lost) + 1, dtype=np.float64)
    # log C(n, i) from log C(n, i - 1): C(n, i) = C(n, i - 1) (n - i + 1) / i
    log_choose = np.concatenate(([0.0], np.cumsum(np.log(n - i + 1) - np.log(i))))
    tail = float(np.logaddexp.reduce(log_choose - n * math.log(2.0)))
    return float(min(1.0, 2.0 * math.exp(tail)))


def roc_points(y: BoolArray, p: FloatArray) -> tuple[FloatArray, ...]:
    """Return the ROC curve of one yes/no forecast, one point per distinct probability.

    Parameters
    ----------
    y : numpy.ndarray of bool
        True where the cause is present.
    p : numpy.ndarray of float
        Predicted probability.

    Returns
    -------
    tuple of numpy.ndarray
        ``threshold`` (from infinity down), ``fpr`` and ``tpr`` (from 0 to 1).
    """
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    last = np.r_[np.flatnonzero(np.diff(ps) != 0), ys.size - 1]
    tpr = np.r_[0.0, tp[last] / max(int(ys.sum()), 1)]
    fpr = np.r_[0.0, fp[last] / max(int((~ys).sum()), 1)]
    threshold = np.r_[np.inf, ps[last]]
    return threshold, fpr, tpr


def calibration_table(probs: FloatArray, y: BoolArray, causes: Sequence[str]) -> pd.DataFrame:
    """Return ten equal-width bins of predicted probability per cause and pooled.

    Parameters
    ----------
    probs : numpy.ndarray
        Predicted probabilities, cases x causes.
    y : numpy.ndarray of bool
        Truth, same shape.
    causes : sequence of str
        The columns.

    Returns
    -------
    pandas.DataFrame
        ``cause`` (``"all"`` pooled), ``bin`` (0-9), ``mean_predicted``,
        ``observed_rate``, ``count``; empty bins left out.
    """
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


def reliability_table(calibration: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Return the pooled rows of the calibration table, with bin edges, and their ECE.

    Parameters
    ----------
    calibration : pandas.DataFrame
        From :func:`calibration_table`.

    Returns
    -------
    tuple of (pandas.DataFrame, float)
        The reliability table and the expected calibration error (NaN without cases).
    """
    pooled = calibration[calibration["cause"] == "all"]
    lower = pooled["bin"].to_numpy(dtype=np.float64) / 10
    table = pd.DataFrame(
        {
            "bin": [f"{lo:.1f}-{lo + 0.1:.1f}" for lo in lower],
            "lower": lower,
            "upper": lower + 0.1,
            "count": pooled["count"].to_numpy(dtype=np.int64),
            "mean_predicted": pooled["mean_predicted"].to_numpy(dtype=np.float64),
            "observed_rate": pooled["observed_rate"].to_numpy(dtype=np.float64),
        }
    )
    total = int(table["count"].sum())
    if not total:
        return table, math.nan
    gap = (table["observed_rate"] - table["mean_predicted"]).abs()
    return table, float((table["count"] * gap).sum() / total)


def roc_table(probs: FloatArray, y: BoolArray, causes: Sequence[str]) -> pd.DataFrame:
    """Return the ROC points of every cause present in some cases and absent in others.

    Parameters
    ----------
    probs, y, causes
        As for :func:`calibration_table`.

    Returns
    -------
    pandas.DataFrame
        ``cause``, ``threshold``, ``fpr``, ``tpr``.
    """
    frames = []
    for j, cause in enumerate(causes):
        t = y[:, j]
        if t.all() or not t.any():
            continue
        threshold, fpr, tpr = roc_points(t, probs[:, j])
        frames.append(
            pd.DataFrame({"cause": cause, "threshold": threshold, "fpr": fpr, "tpr": tpr})
        )
    if not frames:
        return pd.DataFrame(columns=["cause", "threshold", "fpr", "tpr"])
    return pd.concat(frames, ignore_index=True)


def confusion_table(ranked: IntArray, y: BoolArray, causes: Sequence[str]) -> pd.DataFrame:
    """Return how often a true cause lost first place, and to which cause.

    Parameters
    ----------
    ranked : numpy.ndarray
        Column indices of the causes per case, most probable first.
    y : numpy.ndarray of bool
        Truth, cases x causes.
    causes : sequence of str
        The columns.

    Returns
    -------
    pandas.DataFrame
        ``true_cause``, ``ranked_first``, ``count``, ``share``; most frequent first.
    """
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


def triage_confusion(
    frame: pd.DataFrame,
    ok: BoolArray,
    truth: BoolArray,
    network: Network,
    causes: Sequence[str],
) -> tuple[pd.DataFrame | None, dict[str, Any] | None]:
    """Return the triage confusion matrix and the dangerous errors: cases sent home.

    Triage levels are compared only where the case gives the level it expects
    (:func:`~backspasm.learning.cases.expected_triage`): a level is never derived
    from the true cause, which the triage policy does not map one to one (a spinal
    tumour or gallstones go to a doctor, not an emergency department).

    Parameters
    ----------
    frame : pandas.DataFrame
        The scored cases (with a ``triage`` column, else nothing is compared).
    ok : numpy.ndarray of bool
        Rows evaluated (scored without an error, truth given).
    truth : numpy.ndarray of bool
        Every row, cases x causes (from :func:`~backspasm.learning.cases.truth_matrix`):
        which cases have a serious cause.
    network : Network
        Gives each cause's group.
    causes : sequence of str
        The columns of ``truth``.

    Returns
    -------
    tuple
        The matrix (rows expected, columns predicted) over the rows with a given
        ``expected_triage``, None when no evaluated row gives one; and the counts
        ``serious_self_care`` (cases with a true cause of the ``cause_serious``
        group triaged ``self_care``: from the cause, in every evaluated row),
        ``n_serious``, ``n_triage`` (rows in the matrix), ``emergency_self_care``
        (cases whose expected level is ``emergency`` triaged ``self_care``) and
        ``n_emergency``, the last two None without a matrix; and ``sent_home``, a
        boolean mask of the rows counted in either dangerous count. Two Nones
        without a ``triage`` column.
    """
    if "triage" not in frame:
        return None, None
    expected = expected_triage(frame)
    predicted = normalised_text(frame["triage"]).to_numpy(dtype=object, na_value="")
    scored = ok & np.isin(predicted, TRIAGE_LEVELS)
    serious_cols = np.array([network.group_of(c) == "cause_serious" for c in causes], dtype=bool)
    serious = truth[:, serious_cols].any(axis=1) & scored
    home = predicted == "self_care"
    use = scored & (expected != "")
    counts: dict[str, Any] = {
        "serious_self_care": int((serious & home).sum()),
        "n_serious": int(serious.sum()),
        "n_triage": int(use.sum()),
        "emergency_self_care": None,
        "n_emergency": None,
        "sent_home": serious & home,
    }
    if not use.any():
        return None, counts
    matrix = pd.DataFrame(
        0,
        index=pd.Index(TRIAGE_LEVELS, name="expected"),
        columns=pd.Index(TRIAGE_LEVELS, name="predicted"),
    )
    for e, p in zip(expected[use], predicted[use], strict=True):
        matrix.loc[e, p] += 1
    emergency = (expected == "emergency") & use
    counts["emergency_self_care"] = int((emergency & home).sum())
    counts["n_emergency"] = int(emergency.sum())
    counts["sent_home"] = (serious | emergency) & home
    return matrix, counts


def named_hits(picks: IntArray, y: BoolArray) -> BoolArray:
    """Cases by causes: whether the cause is present and among the case's ``picks``.

    ``picks`` holds cause indices per case, ``-1`` for none (as
    :func:`backspasm.explain.odds.explained` returns them).
    """
    hits = np.zeros(y.shape, dtype=bool)
    rows, cols = np.nonzero(picks >= 0)
    hits[rows, picks[rows, cols]] = True
    return hits & y


def top_accuracy(ranked: IntArray, y: BoolArray) -> tuple[float, float, int]:
    """Top-1 and top-3 accuracy over the cases with a true cause, and their number."""
    has_cause = y.any(axis=1)
    first_hit = np.asarray(y[np.arange(len(y)), ranked[:, 0]], dtype=bool)
    k = min(3, y.shape[1])
    top3_hit = np.asarray(np.take_along_axis(y, ranked[:, :k], axis=1).any(axis=1), dtype=bool)
    n_with = int(has_cause.sum())
    if not n_with:
        return math.nan, math.nan, 0
    return float(first_hit[has_cause].mean()), float(top3_hit[has_cause].mean()), n_with
