"""One-way sensitivity of a posterior to every number of the network.

Which numbers of the network does a conclusion rest on? For one case and one target
(say P(kidney stones | answers)), every entry of every conditional probability table
is perturbed in turn, its odds multiplied and divided by a factor, the other entries
of its column rescaled so that the column still sums to one, and the target is
recomputed exactly.

No table is edited and nothing is recompiled. For a single column
``theta_.|u`` of node ``X`` (parent configuration ``u``), both ``P(e, c)`` and
``P(e)`` are linear in the column entries::

    P(e) = P(e) - sum_k Q_ku + sum_k theta'_k|u * Q_ku / theta_k|u,
    Q_ku = P(e, X = k, U = u),

so the family joints ``Q_ku`` (and the same with the target added to the
evidence) give the exact posterior after any change of that column. All of them,
for every entry of every table, come from two batched calls of the compiled engine.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm.exceptions import BackspasmError, ImpossibleEvidenceError
from backspasm.explain.case import DiagnosedCase, network_of
from backspasm.network import Network, network_or_default
from backspasm.questionnaire import EvidenceValue, answers_to_evidence, questions_for

if TYPE_CHECKING:
    from backspasm.engine import CompiledNetwork

__all__ = ["SENSITIVITY_COLUMNS", "parameter_label", "sensitivity"]

#: Columns of the table :func:`sensitivity` returns, in order.
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "node",
    "state",
    "parents",
    "label",
    "value",
    "target",
    "target_label",
    "target_state",
    "factor",
    "p_base",
    "p_low",
    "p_high",
    "swing",
    "derivative",
)

_Entry = tuple[str, tuple[str, ...], int]


def _resolve(
    case: DiagnosedCase | Mapping[str, Any], network: Network | None
) -> tuple[Network, dict[str, EvidenceValue]]:
    """Network and evidence of a diagnosis or of a mapping of answers."""
    if isinstance(case, DiagnosedCase) and not isinstance(case, Mapping):
        return (network_or_default(network) if network is not None else network_of(case)), dict(
            case.evidence
        )
    if not isinstance(case, Mapping):
        raise BackspasmError(
            "The 'diagnosis_or_answers' parameter of sensitivity must be a Diagnosis or "
            f"a mapping of answers; got {type(case).__name__} instead."
        )
    net = network_or_default(network)
    questions = questions_for(net)
    return net, answers_to_evidence(case, questions=questions)


def parameter_label(network: Network, node: str, state: str, parents: Mapping[str, str]) -> str:
    """Readable name of one table entry, e.g. ``P(Fever = yes | Systemic infection)``.

    Binary parents in state ``yes`` are listed by label; those in state ``no`` are
    summarised as "no other cause" (or "none of its causes"), which reads the way
    noisy-OR tables are built; for a cause, whose parents are its risk factors, "no
    other risk factor" (or "none of its risk factors"). A teacher's audit found
    "parent" read as a person's parent next to "Family history of spondyloarthritis".
    Other parents are listed with their state.

    Parameters
    ----------
    network : Network
        Gives the labels.
    node, state : str
        The child and its state.
    parents : mapping of str to str
        Every parent and its state, in table order.

    Returns
    -------
    str
        The entry as a conditional probability in words.
    """
    present: list[str] = []
    absent = 0
    for parent, value in parents.items():
        if network.states(parent) == ("no", "yes"):
            if value == "yes":
                present.append(network.label(parent))
            else:
                absent += 1
        else:
            present.insert(0, f"{network.label(parent)} {value}")
    head = f"P({network.label(node)} = {state}"
    if not parents:
        return head + ")"
    if absent:
        word = "risk factor" if network.is_cause(node) else "cause"
        present.append(f"no other {word}" if present else f"none of its {word}s")
    return f"{head} | {', '.join(present)})"


def _family_batches(
    engine: CompiledNetwork,
    network: Network,
    evidence: Mapping[str, EvidenceValue],
    extra: Mapping[str, str],
) -> tuple[list[_Entry], list[dict[str, Any]], npt.NDArray[np.float64]]:
    """One case per table entry: the evidence plus the entry's family assignment.

    Returns the entries ``(node, parent states, column index)``, the cases, and a
    weight per case (0 for an assignment that contradicts hard evidence, the
    likelihood of the assigned state for a node under soft evidence, else 1).
    """
    model = network.model
    entries: list[_Entry] = []
    cases: list[dict[str, Any]] = []
    weights: list[float] = []
    for node in network.spec.nodes:
        cpd = model.get_cpds(node)
        parents = [str(p) for p in cpd.variables[1:]]
        own_states = [str(s) for s in cpd.state_names[node]]
        combos = itertools.product(*([str(s) for s in cpd.state_names[p]] for p in parents))
        for j, combo in enumerate(combos):
            for state in own_states:
                assignment = {**extra}
                weight = 1.0
                for var, value in zip([node, *parents], [state, *combo], strict=True):
                    if assignment.get(var, value) != value:
                        weight = 0.0
                    assignment[var] = value
                case: dict[str, Any] = dict(evidence)
                for var, value in assignment.items():
                    seen = case.get(var)
                    if isinstance(seen, str):
                        if seen != value:
                            weight = 0.0
                    elif seen is not None:  # soft evidence: fix the state, keep its weight
                        weight *= float(seen[engine.states[var].index(value)])
                    case[var] = value
                entries.append((node, combo, j))
                cases.append(case)
                weights.append(weight)
    return entries, cases, np.asarray(weights)


def _joint(
    engine: CompiledNetwork,
    cases: list[dict[str, Any]],
    weights: npt.NDArray[np.float64],
    log_p_e: float,
) -> npt.NDArray[np.float64]:
    """``P(case) / P(evidence)`` for every case (0 where the weight is 0)."""
    live = np.flatnonzero(weights > 0)
    out = np.zeros(len(cases))
    if len(live):
        log_q = engine.log_evidence(engine.encode([cases[i] for i in live]))
        with np.errstate(divide="ignore"):
            out[live] = np.exp(log_q - log_p_e) * weights[live]
    return out


def _check_factor(factor: object) -> float:
    if isinstance(factor, bool | np.bool_) or not isinstance(factor, numbers.Real):
        raise BackspasmError(
            f"The 'factor' parameter of sensitivity must be a number > 1; got {factor!r} instead."
        )
    value = float(factor)
    if not math.isfinite(value) or value <= 1.0:
        raise BackspasmError(
            f"The 'factor' parameter of sensitivity must be a number > 1; got {factor!r} instead."
        )
    return value


def sensitivity(
    diagnosis_or_answers: DiagnosedCase | Mapping[str, Any],
    cause: str,
    *,
    network: Network | None = None,
    factor: float = 2.0,
    state: str = "yes",
) -> pd.DataFrame:
    """One-way sensitivity of ``P(cause = state | answers)`` to every table entry.

    Each entry ``theta = P(X = x | parents = u)`` has its odds multiplied (``p_high``)
    and divided (``p_low``) by ``factor``; the other entries of its column are
    rescaled proportionally so that the column still sums to one. The posterior is
    recomputed exactly for each change. For a two-state node only its second state's
    entry is listed (``yes``; ``male`` for ``sex``), since perturbing the first is the
    same change with the factor inverted; entries
    equal to 0 or 1 are left out, since an odds change cannot move them.

    Parameters
    ----------
    diagnosis_or_answers : Diagnosis or mapping
        A :class:`~backspasm.diagnosis.Diagnosis` (its evidence and network are
        used) or a mapping of answers as :func:`~backspasm.diagnosis.diagnose`
        accepts them.
    cause : str
        The target node, usually a cause.
    network : Network, optional
        Overrides the diagnosis's network; the bundled network for answers.
    factor : float, default 2.0
        Odds multiplier, greater than 1.
    state : str, default "yes"
        The target state.

    Returns
    -------
    pandas.DataFrame
        One row per perturbed entry, largest ``swing`` first, with the columns of
        :data:`SENSITIVITY_COLUMNS`: ``node``, ``state``, ``parents`` (text
        ``"parent=state, ..."``), ``label`` (readable ``P(child = state | ...)``),
        ``value`` (the entry), ``target``, ``target_label``, ``target_state``,
        ``factor``, ``p_base`` (the posterior as it is), ``p_low`` (odds divided
        by ``factor``), ``p_high`` (odds multiplied), ``swing``
        (``|p_high - p_low|``) and ``derivative`` (d posterior / d entry under
        proportional rescaling of the column).

    Raises
    ------
    BackspasmError
        For an unknown node or state, or a factor that is not greater than 1.
    ImpossibleEvidenceError
        If the answers have probability zero.

    Examples
    --------
    >>> table = sensitivity({"spasm_location": "flank", "blood_in_urine": "yes"},
    ...                     "kidney_stones")
    >>> bool(table.iloc[0]["swing"] > 0)
    True
    """
    f = _check_factor(factor)
    net, evidence = _resolve(diagnosis_or_answers, network)
    if state not in net.states(cause):  # net.states raises for an unknown node
        raise BackspasmError(
            f"The 'state' parameter of sensitivity must be one of "
            f"{', '.join(net.states(cause))}; got {state!r} instead."
        )
    engine = net.engine
    base = engine.encode([dict(evidence)])
    log_p_e = float(engine.log_evidence(base)[0])
    if not math.isfinite(log_p_e):
        raise ImpossibleEvidenceError(
            f"These answers are impossible together under the network: {dict(evidence)}."
        )
    p_base = float(engine.prob_conjunction(base, {cause: state})[0])
    # A posterior of exactly 0 or 1 (the cause answered, or ruled out by the answers)
    # cannot move: scaling an entry's odds keeps every zero entry zero, so the support
    # stays; the ratio below would only return rounding noise around it (1 - 5e-15).
    settled = p_base in (0.0, 1.0)

    entries, cases, weights = _family_batches(engine, net, evidence, {})
    _, cases_c, weights_c = _family_batches(engine, net, evidence, {cause: state})
    q = _joint(engine, cases, weights, log_p_e)
    qc = _joint(engine, cases_c, weights_c, log_p_e)

    records: list[tuple[Any, ...]] = []
    start = 0
    while start < len(entries):
        node, combo, j = entries[start]
        cpd = net.model.get_cpds(node)
        card = len(cpd.state_names[node])
        stop = start + card
        theta = np.asarray(cpd.values, dtype=np.float64).reshape(card, -1)[:, j]
        q_u, qc_u = float(q[start:stop].sum()), float(qc[start:stop].sum())
        parents = [str(p) for p in cpd.variables[1:]]
        states = [str(s) for s in cpd.state_names[node]]
        for k in range(card):
            if card == 2 and k == 0:
                continue
            t = float(theta[k])
            if not 0.0 < t < 1.0:
                continue
            q_k, qc_k = float(q[start + k]), float(qc[start + k])
            moved = []
            for g in (1.0 / f, f):
                if settled:
                    moved.append(p_base)
                    continue
                t_new = g * t / (1.0 - t + g * t)
                s, r = (1.0 - t_new) / (1.0 - t), t_new / t
                num = p_base - qc_u + s * (qc_u - qc_k) + r * qc_k
                den = 1.0 - q_u + s * (q_u - q_k) + r * q_k
                moved.append(num / den if den > 0 else math.nan)
            d_num = qc_k / t - (qc_u - qc_k) / (1.0 - t)
            d_den = q_k / t - (q_u - q_k) / (1.0 - t)
            given = dict(zip(parents, combo, strict=True))
            records.append(
                (
                    node,
                    states[k],
                    ", ".join(f"{p}={v}" for p, v in given.items()),
                    parameter_label(net, node, states[k], given),
                    t,
                    cause,
                    net.label(cause),
                    state,
                    f,
                    p_base,
                    moved[0],
                    moved[1],
                    abs(moved[1] - moved[0]),
                    0.0 if settled else d_num - p_base * d_den,
                )
            )
        start = stop
    table = pd.DataFrame.from_records(records, columns=list(SENSITIVITY_COLUMNS))
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return table
