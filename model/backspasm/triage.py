"""Urgency: turn exact posteriors and red-flag answers into a triage level.

Three levels, as in symptom-checker studies: ``emergency`` (go to an emergency
department now), ``see_doctor`` (book a doctor's visit) and ``self_care``. The policy
lives in the knowledge base (``[triage]`` in ``triage.toml``), each threshold, rule and
flag with its source. The level of a case is the most urgent of:

1. every **cause rule** that fires: ``P(cause | answers) >= p`` and every ``when``
   answer holds (for example an epidural abscess at 10%, a kidney infection at 30%
   with fever: emergency; ankylosing spondylitis at 20%: see a doctor);
2. every **flag** that matches the answers (for example saddle numbness, a
   cauda-equina sign: emergency; weakness alone: see a doctor). An unsure answer
   (soft evidence) counts as the state it leans to (``saddle_numbness=0.8``: yes),
   for flags and for the ``when`` of cause rules alike: a flag screens what the
   person reports;
3. ``see_doctor`` when P(at least one serious cause) reaches ``see_doctor_p_serious``
   or P(at least one pathologic cause) reaches ``see_doctor_p_pathologic`` (and, in a
   policy that declares one, ``emergency`` when P(serious) reaches the optional
   ``emergency_p_serious``);
4. otherwise ``self_care``.

``red_flags`` names what drove an emergency: the answers of the matching emergency
flags, each emergency cause rule that fired (``"epidural abscess 49% (>= 10%)"``) and,
where no flag had already set the emergency, the positive answers (a symptom present,
not a denial) whose withholding lowers that cause's probability the most (each at
least doubling its odds), found with exact batched queries. A person sent home gets
a :func:`safety_net`: the red-flag questions that should bring them back, in plain
words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from backspasm._numeric import logit as _logit
from backspasm.spec import TriageCauseRule, TriagePolicy, load_spec

if TYPE_CHECKING:
    from backspasm.engine import Evidence
    from backspasm.network import Network
    from backspasm.questionnaire import Question

__all__ = ["TRIAGE_LEVELS", "policy_of", "safety_net", "triage_batch", "triage_explained"]

TRIAGE_LEVELS: tuple[str, ...] = ("emergency", "see_doctor", "self_care")
#: An answer counts as a driver of a cause when withholding it at least halves the odds.
_DRIVER_LOG_ODDS = float(np.log(2.0))
_MAX_DRIVERS = 3
#: Union bounds settle a threshold comparison only this far from the threshold.
_BOUND_MARGIN = 1e-9
#: The key of P(at least one serious cause) among the driver targets.
_SERIOUS = "\0serious"

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

_BUNDLED_POLICY: TriagePolicy | None = None


def policy_of(network: Network) -> TriagePolicy:
    """Return the network's triage policy.

    A knowledge base without a ``[triage]`` table borrows the bundled policy's
    thresholds and those of its cause rules, flags and safety-net sentences whose
    nodes and states the network has.
    """
    global _BUNDLED_POLICY
    if network.spec.triage is not None:
        return network.spec.triage
    if _BUNDLED_POLICY is None:
        policy = load_spec().triage
        assert policy is not None, "the bundled knowledge base declares a triage policy"
        _BUNDLED_POLICY = policy
    nodes = network.spec.nodes

    def known(when: Mapping[str, str]) -> bool:
        return all(n in nodes and s in nodes[n].states for n, s in when.items())

    return replace(
        _BUNDLED_POLICY,
        flags=tuple(f for f in _BUNDLED_POLICY.flags if known(f.when)),
        causes=tuple(
            r
            for r in _BUNDLED_POLICY.causes
            if r.cause in nodes and nodes[r.cause].is_cause and known(r.when)
        ),
        safety_net={k: v for k, v in _BUNDLED_POLICY.safety_net.items() if k in nodes},
    )


#: An unsure (soft) answer counts toward a flag or a rule's ``when`` when it leans to
#: the state: the state's share of the answer's likelihood is above one half.
_SOFT_HOLDS = 0.5


def _soft_leans(
    policy: TriagePolicy, values: Mapping[str, npt.NDArray[Any]]
) -> dict[str, FloatArray]:
    """Each unsure answer that a flag or a rule names, as normalised likelihoods.

    A red flag screens what the person reports, so an unsure answer counts by how it
    leans (``fever=0.7`` leans yes), not by the posterior: a rare finding answered
    "probably yes" stays rare in the posterior, yet is the report the flag is for.
    """
    named = {node for flag in policy.flags for node in flag.when}
    named |= {node for rule in policy.causes for node in rule.when}
    leans: dict[str, FloatArray] = {}
    for node in named:
        given = values.get(node)
        if given is not None and np.asarray(given).ndim == 2:
            weights = np.asarray(given, dtype=np.float64)
            leans[node] = weights / weights.sum(axis=1, keepdims=True)
    return leans


def _matches(
    when: Mapping[str, str],
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
    n: int,
    soft: Mapping[str, FloatArray],
) -> BoolArray:
    """Cases whose answers satisfy every ``node = state`` pair of ``when``.

    A hard answer holds when it is that state; an unsure answer when it leans to
    that state (``saddle_numbness=0.8`` holds for "yes", ``0.5`` for neither).
    """
    match = np.ones(n, dtype=bool)
    for node, state in when.items():
        code = network.states(node).index(state)
        if node in soft:
            match &= soft[node][:, code] > _SOFT_HOLDS
            continue
        values_of = values.get(node)
        if values_of is None:
            return np.zeros(n, dtype=bool)
        match &= values_of == code
    return match


def _answer_words(node: str, state: str, soft: Mapping[str, FloatArray]) -> str:
    """``"fever=yes"``, or ``"fever=yes (unsure answer)"`` for a soft one."""
    return f"{node}={state}" + (" (unsure answer)" if node in soft else "")


class _Text:
    """Per-case ``"; "``-joined red-flag text, built column-wise (no loop over cases).

    Each piece has a key; a case gets a piece at most once per key (so an answer named
    by two flags, or by a flag and as a driver, appears once).
    """

    def __init__(self, n: int) -> None:
        self.text: npt.NDArray[np.object_] = np.full(n, "", dtype=object)
        self._seen: dict[str, BoolArray] = {}

    def add(self, mask: BoolArray, piece: str | npt.NDArray[np.object_], key: str) -> None:
        seen = self._seen.get(key)
        new = mask if seen is None else mask & ~seen
        if not new.any():
            return
        self._seen[key] = new if seen is None else seen | new
        words = piece[new] if isinstance(piece, np.ndarray) else piece
        current = self.text[new]
        self.text[new] = np.where(current == "", words, current + "; " + words)


def _rule_words(
    rule: TriageCauseRule, p: FloatArray, fire: BoolArray, network: Network
) -> npt.NDArray[np.object_]:
    """Return ``"Kidney stones 77% (>= 50%)"`` for the cases where a cause rule fired."""
    limit = f" (>= {rule.p:.0%}" + "".join(f" with {k}={v}" for k, v in rule.when.items()) + ")"
    return np.asarray(network.label(rule.cause) + " " + _percent(p, fire) + limit, dtype=object)


def _percent(p: FloatArray, mask: BoolArray) -> npt.NDArray[np.object_]:
    """Return ``"49%"`` for the cases of ``mask``, "" elsewhere (each value formatted once)."""
    out: npt.NDArray[np.object_] = np.full(len(p), "", dtype=object)
    rounded = np.rint(100.0 * np.nan_to_num(p[mask]))
    values, index = np.unique(rounded, return_inverse=True)
    names = np.asarray([f"{v:.0f}%" for v in values], dtype=object)
    out[mask] = names[index.reshape(-1)]
    return out


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
    levels, red, _ = _triage(p_serious, evidence, network, log_evidence, cause_probs, why=False)
    return levels, red


def triage_explained(
    p_serious: FloatArray,
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    *,
    log_evidence: FloatArray | None = None,
    cause_probs: Mapping[str, FloatArray] | None = None,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Triage a batch of cases and say, for every level, what set it.

    Parameters and the first two results are those of :func:`triage_batch`.

    Returns
    -------
    levels, red_flags : numpy.ndarray of str
        As :func:`triage_batch`.
    reasons : numpy.ndarray of str
        ``"; "``-joined: for an emergency its red flags; for ``see_doctor`` the
        names of the matching flags (``"cancer history"``), the cause rules that
        fired (``"Spinal tumor 4% (>= 3%)"``) and the group thresholds reached
        (``"serious cause 12% (>= 10%)"``, ``"pathologic cause 23% (>= 20%)"``);
        "" for ``self_care``.
    """
    return _triage(p_serious, evidence, network, log_evidence, cause_probs, why=True)


def _triage(
    p_serious: FloatArray,
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    log_evidence: FloatArray | None,
    cause_probs: Mapping[str, FloatArray] | None,
    *,
    why: bool,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Return levels, red flags and (with ``why``; else all "") the reasons for every level."""
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
    text = _Text(n)
    # Why a doctor's visit: built only on request (diagnose), never when scoring a file.
    because = _Text(n) if why else None
    by_serious = see_doctor.copy()

    # 1. Flags: answers that set a level by themselves.
    soft = _soft_leans(policy, values)
    for flag in policy.flags:
        match = ok & _matches(flag.when, values, network, n, soft)
        if not match.any():
            continue
        if flag.level == "emergency":
            emergency |= match
            for node, state in flag.when.items():
                text.add(match, _answer_words(node, state, soft), node)
        else:
            see_doctor |= match
            if because is not None:
                because.add(match, flag.name, "\0flag" + flag.name)

    # Where a flag has set the emergency, its answers are what drove it: a cause rule
    # that also fires is still named, but its drivers (one engine pass per answer and
    # rule, most of the cost of triage) only where the rules alone make the emergency.
    by_flag = emergency.copy()

    # 2. Cause rules: urgency per cause.
    fired: dict[str, BoolArray] = {}  # emergency targets whose drivers to name
    rule_causes = list(dict.fromkeys(r.cause for r in policy.causes))
    probs = (
        _cause_probabilities(values, network, rule_causes, n, cause_probs) if rule_causes else {}
    )
    for i, rule in enumerate(policy.causes):
        p = probs[rule.cause]
        fire = ok & (np.nan_to_num(p) >= rule.p) & _matches(rule.when, values, network, n, soft)
        if not fire.any():
            continue
        if rule.level == "emergency":
            emergency |= fire
            text.add(fire, _rule_words(rule, p, fire, network), f"\0rule{i}")
            fired[rule.cause] = fired.get(rule.cause, np.zeros(n, dtype=bool)) | (fire & ~by_flag)
        else:
            see_doctor |= fire
            if because is not None:
                because.add(fire, _rule_words(rule, p, fire, network), f"\0rule{i}")
    if because is not None:
        words = "serious cause " + _percent(p_serious, by_serious)
        because.add(by_serious, words + f" (>= {serious_limit:.0%})", _SERIOUS)

    # 3. Thresholds on P(at least one serious cause).
    if policy.emergency_p_serious is not None:
        threshold = float(policy.emergency_p_serious.p)  # type: ignore[arg-type]
        serious = ok & (p_serious >= threshold)
        if serious.any():
            emergency |= serious
            words = "serious cause " + _percent(p_serious, serious) + f" (>= {threshold:.0%})"
            text.add(serious, np.asarray(words, dtype=object), _SERIOUS)
            fired[_SERIOUS] = serious & ~by_flag
            probs = {**probs, _SERIOUS: p_serious}

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
            words = "pathologic cause " + _percent(p_some, mask) + f" (>= {threshold:.0%})"
            because.add(mask, words, "\0pathologic")

    # 4. The answers that most raised the causes that alone made an emergency.
    _add_drivers(text, fired, probs, values, network)

    levels = np.full(n, "", dtype=object)
    levels[ok] = "self_care"
    levels[see_doctor] = "see_doctor"
    levels[emergency] = "emergency"
    red = text.text
    red[~emergency] = ""
    reasons: npt.NDArray[np.object_] = np.full(n, "", dtype=object)
    if because is not None:
        reasons[see_doctor] = because.text[see_doctor]
        reasons[emergency] = red[emergency]
    return levels, red, reasons


def _add_drivers(
    text: _Text,
    fired: Mapping[str, BoolArray],
    probs: Mapping[str, FloatArray],
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
) -> None:
    """Name, per case, the positive answers whose withholding lowers a fired cause most.

    Each fired cause's probability with one answer withheld, for every answer at
    once, comes from the engine's fast retraction (one pass for ``P(x_v, e without
    v)``, one per fired target over its own cases); an answer's effect on a case is
    its largest log-odds drop over the causes that fired for that case.
    """
    if not fired:
        return
    any_fired = np.logical_or.reduce(list(fired.values()))
    rows = np.flatnonzero(any_fired)
    if rows.size == 0:
        return
    engine = network.engine
    targets = list(fired)
    sub = {node: np.asarray(v)[rows] for node, v in values.items()}
    # A red flag is something present: only positive answers (a non-reference state,
    # e.g. "yes", "flank", "65+") are candidates, never a denial.
    # Every hard-answered node, whether or not these cases answered it positively:
    # the same nodes for every batch of a file, so the engine's plans are reused.
    nodes = [node for node, codes in sub.items() if node != "back_spasm" and codes.ndim == 1]
    if not any(bool((sub[v] > 0).any()) for v in nodes):
        return
    # Fast retraction: log P(x_v, e without v) for every answered v in one pass, and
    # log P(x_v, no target, e without v) in one pass per target over its own cases.
    # log P(e without v), cases by nodes.
    alone = engine.log_retracted(sub, nodes, summed=True, needed={v: sub[v] > 0 for v in nodes})
    # Only a positive answer can be a driver: the effects are computed for those
    # entries alone (about half of an answered file), node by node.
    positive = [np.flatnonzero(sub[v] > 0) for v in nodes]
    table = np.full((rows.size, len(nodes)), -np.inf)  # cases x answered nodes
    for t in targets:
        mine = np.flatnonzero(fired[t][rows])
        if not mine.size:
            continue
        # The complement of the target (every serious cause absent, or the cause
        # absent) is the event: a cause observed present then gives exactly 0, where
        # P(cause, ...) / P(...) would round to 1 - 1e-11 and a large logit change.
        absent = network.serious_causes if t == _SERIOUS else (t,)
        joint = engine.log_retracted(
            {k: v[mine] for k, v in sub.items()},
            nodes,
            event=dict.fromkeys(absent, "no"),
            summed=True,
            needed={v: sub[v][mine] > 0 for v in nodes},
        )
        base = np.full(rows.size, np.nan)
        base[mine] = _logit(np.asarray(probs[t])[rows[mine]])
        where = np.full(rows.size, -1, dtype=np.int64)
        where[mine] = np.arange(mine.size)
        for j, v in enumerate(nodes):
            cases = positive[j][where[positive[j]] >= 0]
            if not cases.size:
                continue
            with np.errstate(over="ignore", invalid="ignore"):
                without = 1.0 - np.exp(joint[v][where[cases]] - alone[v][cases])
            drop = base[cases] - _logit(np.nan_to_num(np.clip(without, 0.0, 1.0)))
            table[cases, j] = np.maximum(table[cases, j], drop)
    # The _MAX_DRIVERS largest effects of each case, largest first (the first column
    # among equals), as a stable descending sort would give them.
    ranked = np.where(np.isnan(table), -np.inf, table)
    n = len(any_fired)
    every = np.arange(rows.size)
    for _ in range(min(_MAX_DRIVERS, len(nodes))):
        pick = np.argmax(ranked, axis=1)
        strength = ranked[every, pick]
        ranked[every, pick] = -np.inf  # a later round picks the next largest
        for j in np.unique(pick[strength >= _DRIVER_LOG_ODDS]).tolist():
            node = nodes[j]
            chosen = (pick == j) & (strength >= _DRIVER_LOG_ODDS)
            names = network.states(node)
            codes = sub[node][chosen]
            for code in np.unique(codes).tolist():
                mask = np.zeros(n, dtype=bool)
                mask[rows[chosen][codes == code]] = True
                text.add(mask, f"{node}={names[code]}", node)


def safety_net(
    network: Network,
    evidence: Mapping[str, Any] | None = None,
    questions: tuple[Question, ...] | None = None,
) -> tuple[str, ...]:
    """Return the red-flag questions that should bring a person sent home back, in plain words.

    One sentence per red-flag question (:attr:`backspasm.questionnaire.Question.red_flag`)
    of the network: the policy's ``safety_net`` sentence for it, or one built from the
    question's prompt and the urgency of its flags. A denied history (a ``no`` to an
    exposure question, such as a past cancer) cannot newly appear and is left out;
    every symptom stays, since any of them may still come on.

    Parameters
    ----------
    network : Network
    evidence : mapping, optional
        Node to answered state (as in :attr:`backspasm.diagnosis.Diagnosis.evidence`).
    questions : tuple of Question, optional
        Default: the network's questionnaire.

    Returns
    -------
    tuple of str
    """
    from backspasm.questionnaire import questions_for

    policy = policy_of(network)
    evidence = evidence or {}
    if questions is None:
        questions = questions_for(network)
    nodes = network.spec.nodes
    out: list[str] = []
    for q in questions:
        if not q.red_flag or q.node is None or q.node not in nodes:
            continue
        if q.section == "exposure" and evidence.get(q.node) == "no":
            continue
        sentence = policy.safety_net.get(q.column) or policy.safety_net.get(q.node)
        if sentence is None:
            urgent = any(
                f.level == "emergency" and dict(f.when) == {q.node: "yes"} for f in policy.flags
            )
            action = "Go to an emergency department at once" if urgent else "See a doctor"
            sentence = f'{action} if your answer to "{q.prompt}" becomes yes.'
        out.append(sentence)
    return tuple(out)
