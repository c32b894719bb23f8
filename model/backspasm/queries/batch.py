"""Every clinical quantity of a batch of cases with few engine calls: :func:`query_cases`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from backspasm._numeric import BoolArray, FloatArray, IntArray
from backspasm.network import Network
from backspasm.queries._common import Batch, ObjArray, _take, answered
from backspasm.queries.mpe import most_probable_explanation
from backspasm.queries.posteriors import (
    cause_posteriors,
    conflict,
    context_posteriors,
    node_risks,
)
from backspasm.queries.questions import candidate_questions, information_gain
from backspasm.queries.reasons import Reasons, reasons
from backspasm.queries.top_reasons import top_cause_reasons
from backspasm.spec import PRESENTATION
from backspasm.triage import (
    GAIN_RANK,
    closed_screen,
    interview_rank,
    triage_cases,
    unanswered_screen,
)

__all__ = ["CaseQueries", "query_cases"]


@dataclass(frozen=True)
class CaseQueries:
    """Every clinical quantity of a batch of cases (NaN or "" where impossible).

    Attributes
    ----------
    marginals : mapping of str to numpy.ndarray
        Posterior marginals of the queried nodes, cases by states.
    log_evidence : numpy.ndarray
        ``log P(e)`` per case (``-inf`` where impossible).
    possible : numpy.ndarray of bool
    posterior : numpy.ndarray
        ``P(cause = yes | e)``, cases by causes.
    p_serious, p_pathologic : numpy.ndarray
        Exact ``P(at least one serious / pathologic cause | e)`` (``p_pathologic``
        is None unless asked for).
    triage, red_flags : numpy.ndarray of str
        From :func:`backspasm.triage.triage_batch`.
    triage_reasons : numpy.ndarray of str or None
        What set each level (:func:`backspasm.triage.triage_explained`), when asked.
    triage_within_hours : numpy.ndarray
        How soon a ``see_doctor`` case should see the doctor
        (:func:`backspasm.triage.triage_within_hours`; NaN without a timeframe).
    conflict : numpy.ndarray
    risks : numpy.ndarray or None
        ``P(complication = yes | e)``, cases by ``network.nodes_in("complication")``.
    reasons : Reasons or None
    context_posterior : numpy.ndarray or None
        ``P(cause = yes | the context answers)``, cases by causes
        (:func:`~backspasm.queries.posteriors.context_posteriors`), with ``explain``.
    questions : tuple of (str, str)
        The candidate ``(question, node)`` pairs of :attr:`information_gain`.
    question_rank : tuple of int
        Their :func:`~backspasm.triage.interview_rank` (0 asks first).
    closed_screen : mapping of str to numpy.ndarray of bool
        Per screening node, the cases whose other answers rule out every triage flag
        that names it (:func:`backspasm.triage.closed_screen`): there its question
        leaves the screen.
    screen_unanswered : numpy.ndarray of int
        How many screening questions each case left unanswered
        (:func:`backspasm.triage.unanswered_screen`; 0 for a complete screen).
    information_gain : numpy.ndarray or None
        Cases by candidate questions (NaN where answered).
    mpe, mpe_probability, mpe_exact : numpy.ndarray or None
        :func:`most_probable_explanation` (codes -1 and NaN where impossible).
    """

    marginals: Mapping[str, FloatArray]
    log_evidence: FloatArray
    possible: BoolArray
    posterior: FloatArray
    p_serious: FloatArray
    p_pathologic: FloatArray | None
    triage: ObjArray
    red_flags: ObjArray
    conflict: FloatArray
    triage_within_hours: FloatArray
    triage_reasons: ObjArray | None = None
    risks: FloatArray | None = None
    reasons: Reasons | None = None
    context_posterior: FloatArray | None = None
    questions: tuple[tuple[str, str], ...] = ()
    question_rank: tuple[int, ...] = ()
    closed_screen: Mapping[str, BoolArray] = field(default_factory=dict)
    screen_unanswered: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    information_gain: FloatArray | None = None
    mpe: IntArray | None = None
    mpe_probability: FloatArray | None = None
    mpe_exact: BoolArray | None = None

    def next_question(self) -> ObjArray:
        """Return each case's next question in interview order ("" if none).

        The unanswered warning signs first (those whose yes alone is an emergency,
        then the rest of the screen: :func:`backspasm.triage.interview_rank`), then
        the question of highest expected information gain; within a rank, the
        highest gain, ties to the question first in questionnaire order. A screening
        question that the case's other answers have closed (``closed_screen``) ranks
        with the rest. What ``ask`` would ask next: nothing for an emergency, where
        no question comes before going (as :meth:`Diagnosis.next_questions` in
        interview order).
        """
        n = len(self.possible)
        out: ObjArray = np.full(n, "", dtype=object)
        gain = self.information_gain
        if gain is None or not gain.shape[1]:
            return out
        some = ~np.all(np.isnan(gain), axis=1)
        nodes = [node for _, node in self.questions]
        first = _first_open(~np.isnan(gain), nodes, self.question_rank, self.closed_screen)
        best = np.argmax(np.where(first, gain, -np.inf), axis=1)
        names = np.asarray([q for q, _ in self.questions], dtype=object)
        out[some] = names[best[some]]
        out[np.asarray(self.triage) == "emergency"] = ""
        return out


def query_cases(
    network: Network,
    evidence: Batch,
    *,
    given: Mapping[str, BoolArray] | None = None,
    targets: Sequence[str] | None = None,
    pathologic: bool = False,
    risks: bool = False,
    explain: bool = False,
    triage_reasons: bool = False,
    file_columns: bool = False,
) -> CaseQueries:
    """Compute the clinical quantities of a batch of cases with few engine calls.

    Parameters
    ----------
    network : Network
    evidence : mapping of str to numpy.ndarray
        Per node, codes ``(n,)`` (``-1`` = unanswered) or likelihoods ``(n, card)``.
    given : mapping of str to numpy.ndarray of bool, optional
        Per node, which cases answered it, for the reasons (default: every node
        of ``evidence`` but ``back_spasm`` where answered).
    targets : sequence of str, optional
        Nodes whose marginals to keep besides those the quantities need
        (``network.model.nodes()`` for every belief).
    pathologic : bool, default False
        Compute ``p_pathologic``.
    risks : bool, default False
        Compute the complication risks.
    explain : bool, default False
        Compute the reasons, the context posteriors, the information gain of every
        candidate question and the most probable explanation.
    triage_reasons : bool, default False
        Say what set every triage level (:func:`backspasm.triage.triage_explained`),
        not only an emergency's red flags.
    file_columns : bool, default False
        With ``explain``, compute only what a scored file's columns read: the
        reasons of each case's first-ranked cause alone
        (:func:`~backspasm.queries.top_reasons.top_cause_reasons`: two propagations
        per case instead of one per answer; the other causes' are NaN), and the
        information gain of the questions :meth:`CaseQueries.next_question` chooses
        among alone (those of the case's first interview rank; NaN elsewhere, and
        everywhere for an emergency). Every value computed is the same.

    Returns
    -------
    CaseQueries
    """
    engine = network.engine
    values = {k: np.asarray(v) for k, v in evidence.items()}
    n = len(next(iter(values.values()))) if values else 1
    causes = list(network.causes)
    complications = list(network.nodes_in("complication")) if risks else []
    questions = candidate_questions(network) if explain else ()
    wanted = list(dict.fromkeys([*causes, *complications, *(v for _, v in questions)]))
    if targets is not None:
        wanted = list(dict.fromkeys([*targets, *wanted]))
    # P(every serious / pathologic cause absent | e) from the marginals' propagation:
    # only the messages the causes' indicators change are recomputed.
    groups = {"serious": network.serious_causes}
    if pathologic:
        groups["pathologic"] = network.nodes_in("cause_pathologic")
    events = {name: dict.fromkeys(group, "no") for name, group in groups.items() if group}
    post = engine.query(values if values else {}, targets=wanted or None, events=events)
    possible = np.asarray(post.possible)
    log_e = np.asarray(post.log_evidence)
    marginals = dict(post.marginals)
    posterior = cause_posteriors(network, marginals) if causes else np.zeros((n, 0))
    ok = np.flatnonzero(possible)
    sub = _take(values, ok)
    sub_log = log_e[ok]

    def spread(part: npt.NDArray[Any], fill: Any, dtype: Any = None) -> npt.NDArray[Any]:
        if len(ok) == n:  # every case possible: the part is the whole (no copy)
            return np.asarray(part, dtype=dtype or part.dtype)
        out = np.full((n, *part.shape[1:]), fill, dtype=dtype or part.dtype)
        out[ok] = part
        return out

    def p_some(name: str) -> FloatArray:
        # 1 - P(none of the group | e): 0 for a group without causes, NaN where impossible.
        none = post.events.get(name)
        if none is None:
            return np.where(possible, 0.0, np.nan)
        return np.where(possible, np.clip(1.0 - none, 0.0, 1.0), np.nan)

    p_serious = p_some("serious")
    p_path = p_some("pathologic") if pathologic else None
    known = {c: posterior[ok, i] for i, c in enumerate(causes)}
    said = triage_cases(
        p_serious[ok],
        sub,
        network,
        log_evidence=sub_log,
        cause_probs=known,
        p_pathologic=None if p_path is None else p_path[ok],
        explain=triage_reasons,
    )
    shut = closed_screen(network, values, n)
    out: dict[str, Any] = {
        "closed_screen": shut,
        "screen_unanswered": unanswered_screen(network, values, n, shut),
        "triage": spread(said.levels, "", object),
        "red_flags": spread(said.red_flags, "", object),
        "triage_reasons": spread(said.reasons, "", object) if triage_reasons else None,
        "triage_within_hours": spread(said.within_hours, np.nan, np.float64),
        "conflict": spread(conflict(network, sub, sub_log), np.nan, np.float64),
    }
    if risks:
        out["risks"] = node_risks(network, marginals, complications)
    if explain and causes:
        if given is None:
            given = {k: answered(v) for k, v in values.items() if k != PRESENTATION}
        leave_out = top_cause_reasons if file_columns else reasons
        why = leave_out(
            network, sub, {k: np.asarray(v)[ok] for k, v in given.items()}, posterior[ok]
        )
        out["reasons"] = Reasons(
            why.nodes, spread(why.without, np.nan), spread(why.change, np.nan)
        )
        out["context_posterior"] = context_posteriors(network, values, n)
        nodes = [v for _, v in questions]
        rank = tuple(interview_rank(network, questions))
        where = None
        if file_columns:
            where = _first_rank(sub, nodes, rank, {k: m[ok] for k, m in shut.items()})
            where &= (said.levels != "emergency")[:, None]
        gain = information_gain(
            network, sub, posterior[ok], {v: marginals[v][ok] for v in nodes}, nodes, where=where
        )
        out["questions"] = questions
        out["question_rank"] = rank
        out["information_gain"] = spread(gain, np.nan)
        mpe, mpe_p, mpe_exact = most_probable_explanation(network, sub, posterior[ok], sub_log)
        out["mpe"] = spread(mpe, -1)
        out["mpe_probability"] = spread(mpe_p, np.nan)
        out["mpe_exact"] = spread(mpe_exact, False)
    return CaseQueries(
        marginals=marginals,
        log_evidence=log_e,
        possible=possible,
        posterior=posterior,
        p_serious=p_serious,
        p_pathologic=p_path,
        **out,
    )


def _first_rank(
    evidence: Batch, nodes: Sequence[str], rank: tuple[int, ...], shut: Mapping[str, BoolArray]
) -> BoolArray:
    """Per case, the unanswered questions of its first interview rank (see _first_open)."""
    n = len(next(iter(evidence.values()))) if evidence else 1
    open_ = np.ones((n, len(nodes)), dtype=bool)
    for j, node in enumerate(nodes):
        if node in evidence:
            open_[:, j] = ~answered(np.asarray(evidence[node]))
    return _first_open(open_, nodes, rank, shut)


def _first_open(
    open_: BoolArray, nodes: Sequence[str], rank: Sequence[int], shut: Mapping[str, BoolArray]
) -> BoolArray:
    """Per case (row of ``open_``), its open questions of the first interview ``rank``.

    ``rank`` is :func:`~backspasm.triage.interview_rank` of ``nodes`` (empty: all 0).
    A screening question its case's other answers close (``shut``, as
    :func:`~backspasm.triage.closed_screen`) ranks with the rest (``GAIN_RANK``): its
    flags can no longer match. The question ``next_question`` asks and the gains
    ``query_cases`` computes for a file both come from here.
    """
    ranks = np.broadcast_to(np.asarray(rank or [0] * len(nodes)), open_.shape).copy()
    for j, node in enumerate(nodes):
        if node in shut:
            ranks[shut[node], j] = GAIN_RANK
    ranked = np.where(open_, ranks, GAIN_RANK + 1)
    return np.asarray(open_ & (ranked == ranked.min(axis=1, initial=GAIN_RANK + 1, keepdims=True)))
