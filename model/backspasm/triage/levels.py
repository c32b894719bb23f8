"""The level of every case of a batch: flags, cause rules and group thresholds; its timeframe."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from backspasm._text import rule_limit
from backspasm.triage.drivers import SERIOUS, add_drivers
from backspasm.triage.matching import (
    BoolArray,
    FloatArray,
    Text,
    answer_words,
    fires,
    flag_holds,
    flag_words,
    matches,
    percent,
    rule_words,
    soft_leans,
)
from backspasm.triage.policy import policy_of

if TYPE_CHECKING:
    from backspasm.engine import Evidence
    from backspasm.network import Network
    from backspasm.spec import TriageFlag, TriagePolicy

__all__ = ["Triage", "triage_batch", "triage_cases", "triage_explained", "triage_within_hours"]

#: Union bounds settle a threshold comparison only this far from the threshold.
_BOUND_MARGIN = 1e-9


def _cause_probabilities(
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
    causes: list[str],
    n: int,
    given: Mapping[str, FloatArray] | None,
) -> dict[str, FloatArray]:
    """P(cause = yes | answers) per case for the causes the rules name (one pass)."""
    known = {c: np.asarray(given[c], dtype=np.float64) for c in causes if given and c in given}
    missing = [c for c in causes if c not in known]
    if missing:
        post = network.engine.query(dict(values) if values else {}, targets=missing)
        for c in missing:
            column = post.marginals[c][:, network.states(c).index("yes")]
            known[c] = np.broadcast_to(column, (n,)) if column.shape[0] != n else column
    return known


def triage_batch(
    p_serious: FloatArray,
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    *,
    log_evidence: FloatArray | None = None,
    cause_probs: Mapping[str, FloatArray] | None = None,
    p_pathologic: FloatArray | None = None,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Triage a batch of cases.

    Parameters
    ----------
    p_serious : numpy.ndarray
        Exact P(at least one serious cause | answers) per case (NaN for cases that
        could not be scored).
    evidence : Evidence or mapping of str to numpy.ndarray
        The batch's evidence as given to the engine: per node, integer state codes
        (-1 = unanswered) or a likelihood array.
    network : Network
    log_evidence : numpy.ndarray, optional
        ``log P(evidence)`` per case if already known (saves one engine pass).
    cause_probs : mapping of str to numpy.ndarray, optional
        ``P(cause = yes | answers)`` per case for some or all causes, if already
        known; the causes the policy's rules name that are missing here are computed
        in one batched engine pass.
    p_pathologic : numpy.ndarray, optional
        Exact P(at least one pathologic cause | answers) per case, if already known;
        otherwise computed, for the cases whose level it can still change.

    Returns
    -------
    levels : numpy.ndarray of str
        ``emergency``, ``see_doctor`` or ``self_care`` per case ("" where
        ``p_serious`` is NaN).
    red_flags : numpy.ndarray of str
        ``"; "``-joined reasons for an emergency ("" otherwise): the answers of the
        matching flags, the cause rules that fired and, where no flag had set the
        emergency, the answers that most raised those causes.
    """
    found = _triage(p_serious, evidence, network, False, log_evidence, cause_probs, p_pathologic)
    return found.levels, found.red_flags


def triage_explained(
    p_serious: FloatArray,
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    *,
    log_evidence: FloatArray | None = None,
    p_pathologic: FloatArray | None = None,
    cause_probs: Mapping[str, FloatArray] | None = None,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Triage a batch of cases and say, for every level, what set it.

    Parameters and the first two results are those of :func:`triage_batch`.

    Returns
    -------
    levels, red_flags : numpy.ndarray of str
        As :func:`triage_batch`.
    reasons : numpy.ndarray of str
        ``"; "``-joined, for an emergency and ``see_doctor`` alike, of the flags and
        rules at the case's level: the names of the matching flags (``"a history of
        cancer (a higher risk of cancer in the spine)"``, with ``" (unsure
        answer)"`` when an answer only leans that way), one cause rule that fired per
        cause (``"Spinal tumour 33.1% (>= 3%)"``: for ``see_doctor`` the one that sets
        the timeframe, for an emergency the one that asks for the most answers), the
        group thresholds reached (``"any serious cause 49.2% (>= 5%)"``, ``"any
        structural spinal disorder 82.6% (>= 50%)"``) and, for an emergency the rules
        alone set, the answers that drove it (``"blood_in_urine=yes"``, as in
        ``red_flags``, but not an answer or a known cause a said rule names);
        "" for ``self_care``. :func:`~backspasm.triage.triage_reason_words` says
        them for a person.
    """
    found = _triage(p_serious, evidence, network, True, log_evidence, cause_probs, p_pathologic)
    return found.levels, found.red_flags, found.reasons


class Triage(NamedTuple):
    """Everything :func:`triage_cases` decides for a batch, one entry per case."""

    #: ``emergency``, ``see_doctor`` or ``self_care`` ("" where the case is impossible).
    levels: npt.NDArray[np.object_]
    #: What drove an emergency ("" otherwise), as :func:`triage_batch` returns it.
    red_flags: npt.NDArray[np.object_]
    #: What set every level, as :func:`triage_explained` returns it (all "" unless
    #: asked for).
    reasons: npt.NDArray[np.object_]
    #: How soon a ``see_doctor`` case should see the doctor, in hours, as
    #: :func:`triage_within_hours` returns it (NaN without a timeframe).
    within_hours: FloatArray


def triage_within_hours(
    levels: npt.NDArray[np.object_],
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    *,
    cause_probs: Mapping[str, FloatArray] | None = None,
) -> FloatArray:
    """How soon each ``see_doctor`` case should see the doctor, in hours.

    For cases already triaged (:func:`triage_cases` returns the timeframe with the
    level, without matching the rules twice). The smallest ``within_hours`` among
    the policy's ``see_doctor`` flags that match the case and its ``see_doctor``
    cause rules that fire (as :func:`triage_batch` decides them); NaN for a case at
    another level, or when none of those that apply has a timeframe ("see a doctor
    soon").

    Parameters
    ----------
    levels : numpy.ndarray of str
        The levels :func:`triage_batch` gave the cases.
    evidence, network, cause_probs
        As for :func:`triage_batch` (the rules' causes missing from ``cause_probs``
        are computed in one engine pass, and only when a timed rule could apply).

    Returns
    -------
    numpy.ndarray of float
    """
    values: Mapping[str, npt.NDArray[Any]] = (
        evidence if isinstance(evidence, Mapping) else evidence.values
    )
    target = np.asarray(levels, dtype=object) == "see_doctor"
    n = len(target)
    policy = policy_of(network)
    flags = [f for f in policy.flags if f.level == "see_doctor" and f.within_hours]
    rules = [r for r in policy.causes if r.level == "see_doctor" and r.within_hours]
    if not target.any() or not (flags or rules):
        return np.full(n, np.nan)
    soft = soft_leans(policy, values)
    causes = list(dict.fromkeys(r.cause for r in rules))
    probs = _cause_probabilities(values, network, causes, n, cause_probs) if causes else {}
    timed: list[tuple[float | None, BoolArray]] = [
        (f.within_hours, flag_holds(f, values, network, n, soft)) for f in flags
    ]
    timed += [(r.within_hours, fires(r, probs[r.cause], values, network, soft)) for r in rules]
    return _soonest(target, timed)


def _soonest(target: BoolArray, timed: list[tuple[float | None, BoolArray]]) -> FloatArray:
    """Per case of ``target``, the smallest timeframe among those that apply (else NaN)."""
    hours = np.full(len(target), np.nan)
    for within, applies in timed:
        hit = target & applies
        hours[hit] = np.fmin(hours[hit], float(within or np.nan))
    return hours


def triage_cases(
    p_serious: FloatArray,
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    *,
    explain: bool = False,
    cause_probs: Mapping[str, FloatArray] | None = None,
    log_evidence: FloatArray | None = None,
    p_pathologic: FloatArray | None = None,
) -> Triage:
    """Triage a batch of cases: level, red flags, reasons and timeframe in one pass.

    The flags and cause rules are matched once; :func:`triage_batch`,
    :func:`triage_explained` and :func:`triage_within_hours` each return a part of
    this result.

    Parameters
    ----------
    p_serious, evidence, network, cause_probs, log_evidence, p_pathologic
        As for :func:`triage_batch`.
    explain : bool, default False
        Say what set every level (``reasons``); otherwise ``reasons`` is all "".

    Returns
    -------
    Triage
    """
    return _triage(p_serious, evidence, network, explain, log_evidence, cause_probs, p_pathologic)


def _one_rule_per_cause(
    said: Text,
    fired: list[tuple[float, int, BoolArray]],
    policy: TriagePolicy,
    probs: Mapping[str, FloatArray],
    network: Network,
    soft: Mapping[str, FloatArray],
    n: int,
) -> dict[str, BoolArray]:
    """Say, per case, one fired rule of each cause: the first of ``fired`` in its order.

    ``fired`` holds ``(order, policy index, cases)`` per rule that fired; a rule is
    said for the cases where no rule of its cause came before it.

    Returns
    -------
    dict of str to numpy.ndarray of bool
        Per node, the cases whose said rules name it: the cause itself and the
        answers the rule asks for (an answer that drove the cause is not said again).
    """
    named: dict[str, BoolArray] = {}
    for _, i, fire in sorted(fired, key=lambda v: (v[0], v[1])):
        rule = policy.causes[i]
        before = named.get(rule.cause, np.zeros(n, dtype=bool))
        new = fire & ~before
        named[rule.cause] = before | fire
        if new.any():
            said.add(new, rule_words(rule, probs[rule.cause], new, network, soft), f"\0rule{i}")
            for node in rule.when:
                named[node] = named.get(node, np.zeros(n, dtype=bool)) | new
    return named


def _triage(
    p_serious: FloatArray,
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    explain: bool,
    log_evidence: FloatArray | None,
    cause_probs: Mapping[str, FloatArray] | None,
    p_pathologic: FloatArray | None,
) -> Triage:
    """:func:`triage_cases`, its arguments in a fixed order."""
    values: Mapping[str, npt.NDArray[Any]] = (
        evidence if isinstance(evidence, Mapping) else evidence.values
    )
    p_serious = np.asarray(p_serious, dtype=np.float64)
    n = len(p_serious)
    policy = policy_of(network)
    ok = ~np.isnan(p_serious)
    emergency = np.zeros(n, dtype=bool)
    serious_limit = float(policy.see_doctor_p_serious.p)  # type: ignore[arg-type]
    see_doctor = ok & (p_serious >= serious_limit)
    text = Text(n)
    # What set the level, for a person: built only on request (diagnose), never when
    # scoring a file. A doctor's visit and an emergency are said in the same way: each
    # matching flag by its name, one cause rule per cause, the group thresholds and
    # (an emergency set by the rules alone) the answers that drove it.
    because = Text(n) if explain else None
    said = Text(n) if explain else None  # an emergency's reasons (``text`` keeps node=state)
    by_serious = see_doctor.copy()
    timed: list[tuple[float | None, BoolArray]] = []  # see_doctor flags and rules with hours

    # 1. Flags: answers that set a level by themselves.
    soft = soft_leans(policy, values)
    sure = {node: given for node, given in values.items() if node not in soft}

    def on_sure(flag: TriageFlag) -> BoolArray:
        """Cases the flag holds for on the sure answers alone (its reason is then sure)."""
        if not any(node in soft for node in flag.holds_on):  # every answer it reads is sure
            return np.ones(n, dtype=bool)
        return flag_holds(flag, sure, network, n, {})

    for flag in policy.flags:
        match = ok & flag_holds(flag, values, network, n, soft)
        if not match.any():
            continue
        if flag.level == "emergency":
            emergency |= match
            for node, state in flag.when.items():
                text.add(match, answer_words(node, state, soft), node)
            for node, state in flag.of.items():  # the counted answers that hold
                held = match & matches({node: state}, values, network, n, soft)
                text.add(held, answer_words(node, state, soft), node)
            if said is not None:
                said.add(match, flag_words(flag, on_sure(flag)), "\0flag" + flag.name)
        else:
            see_doctor |= match
            if flag.within_hours:
                timed.append((flag.within_hours, match))
            if because is not None:
                because.add(match, flag_words(flag, on_sure(flag)), "\0flag" + flag.name)

    # Where a flag has set the emergency, its answers are what drove it: a cause rule
    # that also fires is still named, but its drivers (one engine pass per answer and
    # rule, most of the cost of triage) only where the rules alone make the emergency.
    by_flag = emergency.copy()

    # 2. Cause rules: urgency per cause.
    fired: dict[str, BoolArray] = {}  # emergency targets whose drivers to name
    said_in_rules: dict[str, BoolArray] = {}  # nodes a said rule names, per case
    rule_causes = list(dict.fromkeys(r.cause for r in policy.causes))
    probs = (
        _cause_probabilities(values, network, rule_causes, n, cause_probs) if rule_causes else {}
    )
    visits: list[tuple[float, int, BoolArray]] = []  # see_doctor rules that fired
    urgent: list[tuple[float, int, BoolArray]] = []  # emergency rules that fired
    for i, rule in enumerate(policy.causes):
        p = probs[rule.cause]
        fire = ok & fires(rule, p, values, network, soft)
        if not fire.any():
            continue
        if rule.level == "emergency":
            emergency |= fire
            text.add(fire, rule_words(rule, p, fire, network, soft), f"\0rule{i}")
            fired[rule.cause] = fired.get(rule.cause, np.zeros(n, dtype=bool)) | (fire & ~by_flag)
            urgent.append((-len(rule.when), i, fire))
        else:
            see_doctor |= fire
            visits.append((rule.within_hours or math.inf, i, fire))
            if rule.within_hours:
                timed.append((rule.within_hours, fire))
    if because is not None and said is not None:
        # One reason per cause. Of its see_doctor rules that fired, the one that sets
        # the timeframe (the soonest), as triage_within_hours reads it; of its
        # emergency rules, the one that asks for the most answers (kidney stones
        # "(>= 20% with fever)" rather than "(>= 50%)" as well: the answer that made
        # the cause urgent), the first of the policy among equals. red_flags (the
        # scored file's column) keeps every rule that fired.
        _one_rule_per_cause(because, visits, policy, probs, network, soft, n)
        said_in_rules = _one_rule_per_cause(said, urgent, policy, probs, network, soft, n)
        words = "any serious cause " + percent(p_serious, by_serious)
        because.add(by_serious, words + rule_limit(serious_limit), SERIOUS)

    # 3. Thresholds on P(at least one serious cause).
    if policy.emergency_p_serious is not None:
        threshold = float(policy.emergency_p_serious.p)  # type: ignore[arg-type]
        serious = ok & (p_serious >= threshold)
        if serious.any():
            emergency |= serious
            words = "serious cause " + percent(p_serious, serious) + rule_limit(threshold)
            text.add(serious, np.asarray(words, dtype=object), SERIOUS)
            if said is not None:
                said.add(serious, np.asarray("any " + words, dtype=object), SERIOUS)
            fired[SERIOUS] = serious & ~by_flag
            probs = {**probs, SERIOUS: p_serious}

    # P(at least one pathologic cause) can only change the level of cases that are
    # neither an emergency nor already sent to a doctor: compute it for those alone.
    pathologic = network.nodes_in("cause_pathologic")
    undecided = np.flatnonzero(ok & ~emergency & ~see_doctor)
    threshold = float(policy.see_doctor_p_pathologic.p)  # type: ignore[arg-type]
    if pathologic and len(undecided) and cause_probs is not None and because is None:
        # max_c P(c) <= P(any c) <= sum_c P(c): where the bounds already settle the
        # comparison (with a margin for rounding), the exact conjunction is not needed.
        known = [cause_probs.get(c) for c in pathologic]
        if all(p is not None for p in known):
            marginals = np.column_stack([np.asarray(p)[undecided] for p in known])
            above = marginals.max(axis=1) >= threshold + _BOUND_MARGIN
            below = marginals.sum(axis=1) < threshold - _BOUND_MARGIN
            see_doctor[undecided[above]] = True
            undecided = undecided[~above & ~below]
    if pathologic and len(undecided):
        if p_pathologic is not None:  # already computed with the marginals
            some = np.nan_to_num(np.asarray(p_pathologic, dtype=np.float64)[undecided])
        else:
            none = network.engine.prob_conjunction(
                {k: np.asarray(v)[undecided] for k, v in values.items()},
                dict.fromkeys(pathologic, "no"),
                log_evidence=None if log_evidence is None else log_evidence[undecided],
            )
            some = np.nan_to_num(1.0 - none)
        see_doctor[undecided] |= some >= threshold
        if because is not None:
            mask = np.zeros(n, dtype=bool)
            mask[undecided[some >= threshold]] = True
            p_some = np.zeros(n)
            p_some[undecided] = some
            words = "any structural spinal disorder " + percent(p_some, mask)
            words = words + rule_limit(threshold)
            because.add(mask, words, "\0pathologic")

    # 4. The answers that most raised the causes that alone made an emergency.
    add_drivers(text, fired, probs, values, network, also=said, said_in=said_in_rules)

    levels = np.full(n, "", dtype=object)
    levels[ok] = "self_care"
    levels[see_doctor] = "see_doctor"
    levels[emergency] = "emergency"
    red = text.text
    red[~emergency] = ""
    reasons: npt.NDArray[np.object_] = np.full(n, "", dtype=object)
    if because is not None and said is not None:
        reasons[see_doctor] = because.text[see_doctor]
        reasons[emergency] = said.text[emergency]
    hours = _soonest(levels == "see_doctor", timed)
    return Triage(levels, red, reasons, hours)
