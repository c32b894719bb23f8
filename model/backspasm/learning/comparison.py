"""Two knowledge bases on the same case file, case by case.

:func:`compare_networks` scores a file of raw cases with a baseline network and a
candidate (a variant with a changed number, a new finding or a new edge) and says what
the change did: each network's :class:`~backspasm.learning.Evaluation`, the cases
whose expected cause the candidate ranks first (or in the top three) and the baseline
did not, and the other way, McNemar's exact test on those discordant cases, and every
case whose expected cause moved in the ranking.

A change to the knowledge is judged on the cases it moves. On the 155 published
vignettes two networks a few cases apart sit well inside each other's 95% intervals
of top-1 (0.22-0.36 around 0.28); the paired test, which looks only at the cases that
changed, is the sharper one, and the table of moved cases says which presentations
the change helped or harmed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from backspasm._numeric import IntArray
from backspasm.exceptions import BackspasmError
from backspasm.learning._evaluation_result import (
    TABLE_FLOAT,
    Evaluation,
    interval_text,
    json_records,
)
from backspasm.learning.cases import CasesLike, case_label, read_case_frame
from backspasm.learning.evaluation import (
    PreparedCases,
    named_rows,
    prepare_frame,
    ranked_causes,
)
from backspasm.learning.metrics import mcnemar_exact
from backspasm.network import Network, as_network, network_or_default
from backspasm.scoring.cases import error_row_lines, error_rows

__all__ = ["Comparison", "compare_networks", "compare_prepared"]

#: How many left-out rows the text names (every one is in ``to_dict``).
_LEFT_OUT_SHOWN = 20


@dataclass(frozen=True)
class Comparison:
    """What a candidate knowledge base changed against a baseline on the same cases.

    Attributes
    ----------
    baseline, candidate : Evaluation
        Each network's evaluation, as :func:`~backspasm.learning.evaluate` gives it, of
        the same rows: those both networks could score (a row one of them refuses,
        say an answer impossible under it, would otherwise count in one column only).
    n_left_out : int
        Rows left out of both evaluations because a network could not score them.
    left_out : tuple of dict
        Every one of them per network: ``row``, ``case_id``, ``error`` and ``network``
        (``"baseline"`` or ``"candidate"``, the one that could not score it); the
        text names the first 20.
    n_compared : int
        Cases with a true cause that both networks scored: the pairs below.
    top1_gained, top1_lost : int
        Cases whose true cause the candidate ranks first and the baseline does not,
        and the other way.
    top1_p : float
        Two-sided p-value of McNemar's exact test on those (1 when none differ).
    top3_gained, top3_lost, top3_p : int, int, float
        The same for the top three.
    cases : pandas.DataFrame
        One row per compared case: ``row`` (the file's, from 1 after the header, as
        in ``score``'s messages; ``Explorer.load_row(cases, row)`` loads that case),
        ``case_id`` when the file has one, ``true_cause``, ``rank_baseline`` and
        ``rank_candidate`` (the place of the best-ranked true cause, from 1),
        ``first_baseline`` and ``first_candidate`` (the cause each ranks first), and
        ``p_baseline`` and ``p_candidate`` (the posterior of that true cause).
    """

    baseline: Evaluation = field(repr=False)
    candidate: Evaluation = field(repr=False)
    n_compared: int
    top1_gained: int
    top1_lost: int
    top1_p: float
    top3_gained: int
    top3_lost: int
    top3_p: float
    cases: pd.DataFrame = field(repr=False)
    n_left_out: int = 0
    left_out: tuple[dict[str, Any], ...] = ()

    def moved(self) -> pd.DataFrame:
        """Return the cases whose true cause changed place, the largest rise first."""
        table = self.cases
        shift = table["rank_baseline"] - table["rank_candidate"]
        moved = table[shift != 0].assign(shift=shift[shift != 0])
        moved = moved.sort_values("shift", ascending=False, kind="stable")
        return moved.drop(columns="shift").reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Return the headline numbers of both networks side by side.

        Returns
        -------
        pandas.DataFrame
            Columns ``metric``, ``baseline`` and ``candidate``.
        """
        a, b = self.baseline, self.candidate
        rows: list[tuple[str, Any, Any]] = [
            ("cases evaluated", a.n_cases, b.n_cases),
            ("top-1 accuracy", a.top1, b.top1),
            (
                "top-1 accuracy, 95% CI",
                interval_text(a.top1_interval),
                interval_text(b.top1_interval),
            ),
            ("top-3 accuracy", a.top3, b.top3),
            (
                "top-3 accuracy, 95% CI",
                interval_text(a.top3_interval),
                interval_text(b.top3_interval),
            ),
            ("named under diagnose's why", a.named_under_why, b.named_under_why),
            ("mean AUC over causes", a.mean_auc, b.mean_auc),
            ("Brier score", a.brier, b.brier),
            ("log loss", a.log_loss, b.log_loss),
        ]
        if a.serious_self_care is not None and b.serious_self_care is not None:
            rows.append(
                ("serious-cause cases triaged self_care", a.serious_self_care, b.serious_self_care)
            )
        if a.triage is not None and b.triage is not None:
            rows.append(("triage agreement", a.triage_agreement, b.triage_agreement))
            rows.append(
                ("emergency cases triaged self_care", a.emergency_self_care, b.emergency_self_care)
            )
        return pd.DataFrame(rows, columns=["metric", "baseline", "candidate"], dtype=object)

    def paired(self) -> str:
        """Say the paired result in two lines: cases gained and lost, and McNemar's p."""
        return "\n".join(
            f"{name}: the candidate gains {gained} case{'s' * (gained != 1)} and loses "
            f"{lost} of the {self.n_compared} compared (McNemar's exact test, p = {p:.3g})"
            for name, gained, lost, p in (
                ("top-1", self.top1_gained, self.top1_lost, self.top1_p),
                ("top-3", self.top3_gained, self.top3_lost, self.top3_p),
            )
        )

    def left_out_text(self) -> str:
        """Say which rows a network could not score, left out of both columns ("" if none)."""
        if not self.n_left_out:
            return ""
        lines = [
            f"left out of both columns: {self.n_left_out} row{'s' * (self.n_left_out != 1)} "
            "that a network could not score"
        ]
        # whole: the values a network allows end the message
        shown = self.left_out[:_LEFT_OUT_SHOWN]
        said = error_row_lines(shown, width=None)
        for (row, error), r in zip(said, shown, strict=True):
            lines.append(f"{row}, the {r['network']}: {error}")
        if more := len(self.left_out) - len(shown):
            lines.append(f"and {more} more (to_dict() and --json list every one)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as a JSON-ready dictionary (NaN becomes None)."""
        return {
            "baseline": self.baseline.to_dict(),
            "candidate": self.candidate.to_dict(),
            "n_compared": self.n_compared,
            "n_left_out": self.n_left_out,
            "left_out": list(self.left_out),
            "top1": {"gained": self.top1_gained, "lost": self.top1_lost, "p": self.top1_p},
            "top3": {"gained": self.top3_gained, "lost": self.top3_lost, "p": self.top3_p},
            "moved": json_records(self.moved()),
        }

    def __str__(self) -> str:
        """Return the headline numbers side by side, as ``evaluate --compare`` prints them."""
        return str(self.summary().to_string(index=False))

    def report(self) -> str:
        """Return the comparison as ``backspasm evaluate --compare`` prints it.

        The headline numbers side by side (``str()``), the paired result
        (:meth:`paired`), the rows left out (:meth:`left_out_text`) and the cases whose
        expected cause moved (:meth:`moved`).
        """
        lines = [str(self), "", self.paired()]
        if self.n_left_out:
            lines.append(self.left_out_text())
        moved = self.moved()
        lines.append(f"\ncases whose expected cause moved in the ranking: {len(moved)}")
        if len(moved):
            lines.append(moved.to_string(index=False, float_format=TABLE_FLOAT))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "\n".join(
            [
                "<h4>Comparison</h4>",
                self.summary().to_html(index=False, float_format=TABLE_FLOAT),
                f"<pre>{html.escape(self.paired())}</pre>",
                f"<pre>{html.escape(self.left_out_text())}</pre>" if self.n_left_out else "",
                "<h4>Cases whose true cause moved</h4>",
                self.moved().to_html(index=False, float_format=TABLE_FLOAT),
            ]
        )


def compare_networks(
    cases: CasesLike,
    candidate: Network,
    *,
    baseline: Network | None = None,
    truth: pd.DataFrame | pd.Series | None = None,
    rank: str = "posterior",
) -> Comparison:
    """Score raw cases with two networks and compare them case by case.

    Parameters
    ----------
    cases : pandas.DataFrame or path-like
        Raw cases (answers) with the truth, as :func:`~backspasm.learning.evaluate`
        reads them. A scored file is refused: its ``p_<cause>`` columns come from
        one network, and each network must score the answers itself.
    candidate : Network
        The network under test, e.g. ``load_network("my_variant")``.
    baseline : Network, optional
        What it is compared with; default the bundled network.
    truth, rank
        As for :func:`~backspasm.learning.evaluate`; ``rank`` ranks both.

    Returns
    -------
    Comparison
        Both evaluations, the paired counts and tests, and the case table.

    Raises
    ------
    BackspasmError
        For a scored file, and as :func:`~backspasm.learning.evaluate`.

    Examples
    --------
    >>> from backspasm import load_network
    >>> result = compare_networks("data/vignettes.csv", load_network("variant"))  # doctest: +SKIP
    >>> result.top1_gained, result.top1_lost, result.top1_p  # doctest: +SKIP
    (3, 1, 0.625)
    """
    base = network_or_default(baseline)
    candidate = as_network(candidate, "candidate")
    frame, source = read_case_frame(cases)  # read once, scored by each network
    label = case_label(frame, source)
    scored = [f"p_{c}" for c in base.causes if f"p_{c}" in frame.columns]
    if scored:
        raise BackspasmError(
            f"{label} is a scored file (it has {scored[0]!r}): comparing two networks needs "
            "the raw answers, which each network scores itself. Give the file that was "
            "scored, or drop the columns that `backspasm score` added."
        )
    before = prepare_frame(frame, truth, network=base, rank=rank, source=source)
    after = prepare_frame(frame, truth, network=candidate, rank=rank, source=source)
    return compare_prepared(before, after)


def compare_prepared(before: PreparedCases, after: PreparedCases) -> Comparison:
    """Compare two scorings of the same cases, as :func:`compare_networks` does.

    For a sweep of many candidates against one baseline, the baseline is scored once
    (:func:`~backspasm.learning.evaluation.prepare_frame`) and compared with each.

    Raises
    ------
    BackspasmError
        When the two scorings are not of the same cases ranked the same way.
    """
    if len(before.frame) != len(after.frame) or before.rank != after.rank:
        raise BackspasmError(
            "compare_prepared needs two scorings of the same cases ranked the same way; "
            f"got {len(before.frame)} rows ranked by {before.rank!r} and "
            f"{len(after.frame)} ranked by {after.rank!r}."
        )
    use = before.ok & before.given & after.ok & after.given
    use &= before.truth.any(axis=1) & after.truth.any(axis=1)
    rank_a, first_a, p_a = _places(before, use)
    rank_b, first_b, p_b = _places(after, use)
    rows = np.flatnonzero(use)
    table = named_rows(before.frame, rows, before.numbers, before.truth, before.causes)
    table |= {
        "rank_baseline": rank_a,
        "rank_candidate": rank_b,
        "first_baseline": first_a,
        "first_candidate": first_b,
        "p_baseline": p_a,
        "p_candidate": p_b,
    }
    counts = {}
    for k in (1, 3):
        gained = int(((rank_b <= k) & (rank_a > k)).sum())
        lost = int(((rank_a <= k) & (rank_b > k)).sum())
        counts[k] = (gained, lost, mcnemar_exact(gained, lost))
    both = before.ok & after.ok  # the two columns of the summary are the same rows
    left_out = tuple(
        {**row, "network": name}
        for name, scored in (("baseline", before), ("candidate", after))
        for row in error_rows(scored.frame, ~scored.ok, scored.numbers, first=None)
    )
    return Comparison(
        baseline=before.subset(both).evaluate(),
        candidate=after.subset(both).evaluate(),
        n_compared=int(use.sum()),
        top1_gained=counts[1][0],
        top1_lost=counts[1][1],
        top1_p=counts[1][2],
        top3_gained=counts[3][0],
        top3_lost=counts[3][1],
        top3_p=counts[3][2],
        cases=pd.DataFrame(table),
        n_left_out=int((~both).sum()),
        left_out=left_out,
    )


def _places(cases: PreparedCases, use: np.ndarray) -> tuple[IntArray, list[str], np.ndarray]:
    """Return each case's place of its best-ranked true cause, its first cause, that p."""
    probs, truth = cases.probs[use], cases.truth[use]
    ranked = ranked_causes(probs, None if cases.keys is None else cases.keys[use])
    hit = np.take_along_axis(truth, ranked, axis=1)
    place = hit.argmax(axis=1)  # every compared case has a true cause
    best = ranked[np.arange(len(ranked)), place]
    first = [cases.causes[i] for i in ranked[:, 0]]
    return place + 1, first, probs[np.arange(len(probs)), best]
