"""Urgency: turn exact posteriors and red-flag answers into a triage level.

Three levels, as in symptom-checker studies: ``emergency`` (go to an emergency
department now), ``see_doctor`` (book a doctor's visit) and ``self_care``. The policy
lives in the knowledge base (``[triage]`` in ``triage.toml``), each threshold and flag
with its source:

1. ``emergency`` when any emergency flag matches the answers (for example saddle
   numbness, a cauda-equina sign) or P(at least one serious cause) reaches
   ``emergency_p_serious``;
2. otherwise ``see_doctor`` when a see-doctor flag matches, P(serious) reaches
   ``see_doctor_p_serious`` or P(at least one pathologic cause) reaches
   ``see_doctor_p_pathologic``;
3. otherwise ``self_care``.

``red_flags`` lists the answers that drove an emergency: the matching flags, and for
an emergency reached by probability alone, the positive answers (a symptom present,
not a denial) whose withholding lowers P(serious) the most (each at least doubling
its odds), found with exact batched queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from backspasm._numeric import logit as _logit
from backspasm.spec import TriagePolicy, load_spec

if TYPE_CHECKING:
    from backspasm.engine import Evidence
    from backspasm.network import Network

__all__ = ["TRIAGE_LEVELS", "policy_of", "triage_batch"]

TRIAGE_LEVELS: tuple[str, ...] = ("emergency", "see_doctor", "self_care")
#: An answer counts as a driver of P(serious) when withholding it at least halves the odds.
_DRIVER_LOG_ODDS = float(np.log(2.0))
_MAX_DRIVERS = 3

_BUNDLED_POLICY: TriagePolicy | None = None


def policy_of(network: Network) -> TriagePolicy:
    """Return the network's triage policy.

    A knowledge base without a ``[triage]`` table borrows the bundled policy's
    thresholds and those of its flags whose nodes and states the network has.
    """
    global _BUNDLED_POLICY
    if network.spec.triage is not None:
        return network.spec.triage
    if _BUNDLED_POLICY is None:
        policy = load_spec().triage
        assert policy is not None, "the bundled knowledge base declares a triage policy"
        _BUNDLED_POLICY = policy
    nodes = network.spec.nodes
    flags = tuple(
        f
        for f in _BUNDLED_POLICY.flags
        if all(n in nodes and s in nodes[n].states for n, s in f.when.items())
    )
    return replace(_BUNDLED_POLICY, flags=flags)


def _hard_codes(evidence: Mapping[str, npt.NDArray[Any]], node: str, n: int) -> npt.NDArray[Any]:
    values = evidence.get(node)
    if values is None or values.ndim != 1:  # soft evidence never triggers a flag
        return np.full(n, -1, dtype=np.int64)
    return values


def triage_batch(
    p_serious: npt.NDArray[np.float64],
    evidence: Evidence | Mapping[str, npt.NDArray[Any]],
    network: Network,
    *,
    log_evidence: npt.NDArray[np.float64] | None = None,
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

    Returns
    -------
    levels : numpy.ndarray of str
        ``emergency``, ``see_doctor`` or ``self_care`` per case ("" where
        ``p_serious`` is NaN).
    red_flags : numpy.ndarray of str
        ``"; "``-joined answers that drove an emergency ("" otherwise).
    """
    values: Mapping[str, npt.NDArray[Any]] = (
        evidence if isinstance(evidence, Mapping) else evidence.values
    )
    n = len(p_serious)
    policy = policy_of(network)
    engine = network.engine
    ok = ~np.isnan(p_serious)

    emergency = ok & (p_serious >= float(policy.emergency_p_serious.p))  # type: ignore[arg-type]
    by_probability = emergency.copy()
    see_doctor = ok & (p_serious >= float(policy.see_doctor_p_serious.p))  # type: ignore[arg-type]
    flag_text: list[list[str]] = [[] for _ in range(n)]
    for flag in policy.flags:
        match = ok.copy()
        for node, state in flag.when.items():
            index = network.states(node).index(state)
            match &= _hard_codes(values, node, n) == index
        if not match.any():
            continue
        if flag.level == "emergency":
            emergency |= match
            by_probability &= ~match
            answers = [f"{k}={v}" for k, v in flag.when.items()]
            for i in np.flatnonzero(match):
                flag_text[i].extend(a for a in answers if a not in flag_text[i])
        else:
            see_doctor |= match

    # P(at least one pathologic cause) can only change the level of cases that are
    # neither an emergency nor already sent to a doctor: compute it for those alone.
    pathologic = network.nodes_in("cause_pathologic")
    undecided = np.flatnonzero(ok & ~emergency & ~see_doctor)
    if pathologic and len(undecided):
        none = engine.prob_conjunction(
            {k: np.asarray(v)[undecided] for k, v in values.items()},
            dict.fromkeys(pathologic, "no"),
            log_evidence=None if log_evidence is None else log_evidence[undecided],
        )
        threshold = float(policy.see_doctor_p_pathologic.p)  # type: ignore[arg-type]
        see_doctor[undecided] |= np.nan_to_num(1.0 - none) >= threshold

    drivers = _drivers(p_serious, values, network, np.flatnonzero(by_probability))
    for row, names in drivers.items():
        flag_text[row].extend(names)

    levels = np.full(n, "", dtype=object)
    levels[ok] = "self_care"
    levels[see_doctor] = "see_doctor"
    levels[emergency] = "emergency"
    red = np.array(["; ".join(t) for t in flag_text], dtype=object)
    red[~emergency] = ""
    return levels, red


def _drivers(
    p_serious: npt.NDArray[np.float64],
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
    rows: npt.NDArray[np.intp],
) -> dict[int, list[str]]:
    """For the given cases, the answers whose withholding lowers P(serious) most."""
    if rows.size == 0:
        return {}
    engine = network.engine
    serious = dict.fromkeys(network.serious_causes, "no")
    base = _logit(p_serious[rows])
    sub = {node: np.asarray(v)[rows] for node, v in values.items()}
    drops: list[tuple[str, npt.NDArray[np.float64], npt.NDArray[np.int64]]] = []
    for node, codes in sub.items():
        if node == "back_spasm" or codes.ndim != 1:
            continue
        # A red flag is something present: only positive answers (a non-reference
        # state, e.g. "yes", "flank", "65+") are candidates, never a denial.
        answered = codes > 0
        if not answered.any():
            continue
        withheld = dict(sub)
        withheld[node] = np.where(answered, -1, codes)
        p_without = 1.0 - engine.prob_conjunction(withheld, serious)
        drop = np.where(answered, base - _logit(np.nan_to_num(p_without)), -np.inf)
        drops.append((node, drop, codes))
    out: dict[int, list[str]] = {}
    for k, i in enumerate(rows):
        ranked = sorted(
            ((d[k], node, codes[k]) for node, d, codes in drops if d[k] >= _DRIVER_LOG_ODDS),
            reverse=True,
        )
        out[int(i)] = [
            f"{node}={network.states(node)[int(code)]}" for _, node, code in ranked[:_MAX_DRIVERS]
        ]
    return out
