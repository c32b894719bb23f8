r"""Counterfactual ranking of causes by expected disablement (twin networks, exact).

Richens, Lee & Johri (Nat. Commun. 2020, 11:3923) rank diseases not by how probable
they are but by how much of the patient's presentation they *explain*: the
**expected disablement** of a cause ``D`` given evidence ``E`` is the expected number
of the case's positive findings that would switch off had ``D`` been cured,

.. math::

    E_{dis}(D, E) = \sum_{F \in E^+} P(F^* = \text{no} \mid E),

where the starred variables live in the counterfactual world ``do(D = no)`` that
shares every exogenous noise term with the factual world. Here the positive
findings ``E^+`` are the nodes of group ``finding`` or ``presentation`` observed
(hard evidence) in state ``yes`` -- ``back_spasm = yes`` included, so the question
"would curing D stop the spasm?" is part of the score.

The twin networks behind it are built by :mod:`backspasm.explain.twin`, their
noise shared as :mod:`backspasm.explain.coupling` describes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm.exceptions import EvidenceError, ImpossibleEvidenceError
from backspasm.explain.case import DiagnosedCase, network_of
from backspasm.explain.twin import finding_nodes, twin_network
from backspasm.network import Network, network_or_default

__all__ = [
    "counterfactual_ranking",
    "disablement_by_finding",
    "disablement_matrix",
    "expected_disablement",
]


def _unpack(
    diagnosis_or_evidence: DiagnosedCase | Mapping[str, Any], network: Network | None
) -> tuple[dict[str, Any], Network]:
    if isinstance(diagnosis_or_evidence, DiagnosedCase):
        net = (
            network_or_default(network)
            if network is not None
            else network_of(diagnosis_or_evidence)
        )
        return dict(diagnosis_or_evidence.evidence), net
    if not isinstance(diagnosis_or_evidence, Mapping):
        raise EvidenceError(
            "Expected a Diagnosis or a mapping of node to state, got "
            f"{type(diagnosis_or_evidence).__name__}."
        )
    net = network_or_default(network)
    return dict(diagnosis_or_evidence), net


def _positive_findings(network: Network, evidence: Mapping[str, Any]) -> list[str]:
    """Return the findings observed (hard evidence) in state ``yes``, in model order."""
    out = []
    for node in finding_nodes(network):
        value = evidence.get(node)
        if isinstance(value, bool):
            continue
        if value == "yes" or (isinstance(value, int | np.integer) and int(value) == 1):
            out.append(node)
    return out


def _chosen(causes: Sequence[str] | None, network: Network) -> list[str]:
    """Return the causes asked for (a list of names), or the default ones."""
    if causes is None:
        return _default_causes(network)
    if isinstance(causes, str):  # list("kidney_stones") would be its letters
        raise EvidenceError(
            f"causes must be a list of cause names, got the string {causes!r}: "
            f"write causes=[{causes!r}]"
        )
    return list(causes)


def _default_causes(network: Network) -> list[str]:
    # Every cause, as the posterior ranking and ``evaluate(rank="disablement")`` use.
    return list(network.causes)


#: Cases per engine query of a batch: bounds the memory of the twin marginals.
_BATCH_ROWS = 20_000


def _batch_terms(
    network: Network,
    evidences: Sequence[Mapping[str, Any]],
    causes: Sequence[str],
    *,
    per_finding: bool = False,
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64], list[dict[str, npt.NDArray[np.float64]]]
]:
    """Posterior and expected disablement of every cause for a batch of cases.

    Returns the posteriors and disablements (cases x causes) and, with
    ``per_finding``, per cause the vector ``P(F* = no | E)`` of each finding over the
    cases (zero where the case did not observe the finding ``yes``).
    """
    observed = set().union(*(e.keys() for e in evidences)) if evidences else set()
    # Encoded once for every twin: a twin keeps the factual nodes and their states.
    encoded = network.engine.encode(list(evidences)).values
    findings = finding_nodes(network)
    # The findings observed yes (hard evidence; an unsure answer is not counted).
    positive = np.zeros((len(evidences), len(findings)), dtype=bool)
    for i, f in enumerate(findings):
        codes = encoded.get(f)
        if codes is not None and codes.ndim == 1 and "yes" in network.states(f):
            positive[:, i] = codes == network.states(f).index("yes")
    posterior = np.zeros((len(evidences), len(causes)))
    disablement = np.zeros_like(posterior)
    off: list[dict[str, npt.NDArray[np.float64]]] = []
    for j, cause in enumerate(causes):
        twin = twin_network(cause, network, observed=observed)
        engine = twin.engine
        # Only the copies of findings that some case of the batch observed yes.
        starred = [
            (i, f, twin.copies[f])
            for i, f in enumerate(findings)
            if f in twin.copies and positive[:, i].any()
        ]
        targets = [cause, *(star for _, _, star in starred)]
        yes_state = engine.states[cause].index("yes")
        by_finding = {f: np.zeros(len(evidences)) for _, f, _ in starred} if per_finding else {}
        for start in range(0, len(evidences), _BATCH_ROWS):
            rows = slice(start, start + _BATCH_ROWS)
            block = {node: codes[rows] for node, codes in encoded.items()}
            result = engine.query(block, targets=targets)
            impossible = np.flatnonzero(~np.asarray(result.possible, dtype=bool))
            if impossible.size:
                bad = evidences[start + int(impossible[0])]
                raise ImpossibleEvidenceError(
                    f"The evidence has probability zero under the network: {dict(bad)}."
                )
            posterior[rows, j] = result.marginals[cause][:, yes_state]
            # A finding that does not descend from the cause is the same in both worlds.
            for i, f, star in starred:
                p_off = np.where(
                    positive[rows, i],
                    result.marginals[star][:, engine.states[star].index("no")],
                    0.0,
                )
                disablement[rows, j] += p_off
                if per_finding:
                    by_finding[f][rows] = p_off
        off.append(by_finding)
    return posterior, disablement, off


def _terms(
    network: Network, evidence: Mapping[str, Any], causes: Sequence[str]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Posterior of each cause and ``P(F* = no | E)`` per positive finding and cause."""
    posterior, _, off = _batch_terms(network, [evidence], causes, per_finding=True)
    positives = _positive_findings(network, evidence)
    return (
        {c: float(posterior[0, j]) for j, c in enumerate(causes)},
        {
            c: {f: float(off[j][f][0]) if f in off[j] else 0.0 for f in positives}
            for j, c in enumerate(causes)
        },
    )


def disablement_matrix(
    evidences: Sequence[Mapping[str, Any]],
    *,
    causes: Sequence[str] | None = None,
    network: Network | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Posterior and expected disablement of every cause, for a batch of cases.

    The batch form of :func:`expected_disablement`: one exact query per cause on its
    twin network for the whole batch (in blocks of 20,000 cases), instead of one per
    cause and case.

    Parameters
    ----------
    evidences : sequence of mapping of str to object
        One evidence per case, node to state, as for :func:`expected_disablement`
        (add ``back_spasm="yes"`` for a back-spasm presenter).
    causes : sequence of str, optional
        Binary nodes to rank. Default: every cause of the network.
    network : Network, optional
        Default: the bundled network.

    Returns
    -------
    tuple of numpy.ndarray
        ``posterior`` and ``disablement``, each cases x causes, in the order of
        ``causes``.

    Raises
    ------
    EvidenceError
        On an unknown node or state in the evidence.
    ImpossibleEvidenceError
        If a case's evidence has probability zero.

    Examples
    --------
    >>> post, dis = disablement_matrix(
    ...     [{"back_spasm": "yes", "spasm_location": "flank", "blood_in_urine": "yes"}],
    ...     causes=["kidney_stones", "herniated_disc"],
    ... )
    >>> bool(dis[0, 0] > dis[0, 1])
    True
    """
    if isinstance(evidences, Mapping) or not all(isinstance(e, Mapping) for e in evidences):
        raise EvidenceError(
            "disablement_matrix takes a list of cases, each a mapping of node to state "
            "(for one case, write [evidence] or use expected_disablement)."
        )
    net = network_or_default(network)
    chosen = _chosen(causes, net)
    posterior, disablement, _ = _batch_terms(net, list(evidences), chosen)
    return posterior, disablement


def disablement_by_finding(
    diagnosis_or_evidence: DiagnosedCase | Mapping[str, Any],
    *,
    causes: Sequence[str] | None = None,
    network: Network | None = None,
) -> pd.DataFrame:
    """``P(F* = no | E)`` for every cause and positive finding of a case.

    Parameters
    ----------
    diagnosis_or_evidence : Diagnosis or mapping of str to object
        A :class:`~backspasm.diagnosis.Diagnosis` (its ``evidence`` and
        ``network``) or evidence, node to state name (or state index, or likelihood
        vector), used exactly as given.
    causes : sequence of str, optional
        Default: every cause of the network.
    network : Network, optional
        Default: the diagnosis's network, else the bundled network.

    Returns
    -------
    pandas.DataFrame
        ``cause``, ``finding``, ``p_off``: the probability that the finding, observed
        ``yes``, would be absent had the cause been cured (set to ``no``).
    """
    evidence, net = _unpack(diagnosis_or_evidence, network)
    chosen = _chosen(causes, net)
    _, off = _terms(net, evidence, chosen)
    records = [(c, f, p) for c in chosen for f, p in off[c].items()]
    return pd.DataFrame.from_records(records, columns=["cause", "finding", "p_off"])


def expected_disablement(
    diagnosis_or_evidence: DiagnosedCase | Mapping[str, Any],
    *,
    causes: Sequence[str] | None = None,
    network: Network | None = None,
) -> pd.DataFrame:
    """Rank causes by expected disablement (Richens, Lee & Johri 2020), exactly.

    The expected disablement of cause ``D`` is ``sum_F P(F* = no | E)`` over the
    positive findings ``F`` (finding/presentation nodes observed ``yes``,
    ``back_spasm`` included), where ``F*`` is ``F`` in the counterfactual world
    ``do(D = no)`` sharing all exogenous noise with the factual world (noisy-OR
    nodes: per-link noise; other nodes: comonotone coupling; see the module notes).
    Each cause costs one exact query on its twin network, compiled once per network
    fingerprint.

    Parameters
    ----------
    diagnosis_or_evidence : Diagnosis or mapping of str to object
        A :class:`~backspasm.diagnosis.Diagnosis` (its ``evidence`` and ``network``
        are used) or evidence, node to state, used exactly as given -- add
        ``back_spasm="yes"`` for a back-spasm presenter, as
        :func:`~backspasm.diagnosis.diagnose` does. Unsure (likelihood) answers
        condition the posterior but are not counted as positive findings.
    causes : sequence of str, optional
        Binary nodes to rank. Default: every cause of the network.
    network : Network, optional
        Default: the diagnosis's network, else the bundled network.

    Returns
    -------
    pandas.DataFrame
        ``cause``, ``label``, ``group``, ``posterior`` (``P(cause = yes | E)``),
        ``expected_disablement``, ``disablement_rank``, ``posterior_rank`` (1 =
        highest; ties share the best rank), sorted by expected disablement, highest
        first (ties by posterior).

    Raises
    ------
    EvidenceError
        On an unknown node or state in the evidence.
    ImpossibleEvidenceError
        If the evidence has probability zero.
    BackspasmError
        For an unknown cause, or a twin network too large for exact inference.

    Examples
    --------
    >>> table = expected_disablement(
    ...     {"back_spasm": "yes", "spasm_location": "flank", "blood_in_urine": "yes"}
    ... )
    >>> table["cause"].iloc[0]
    'kidney_stones'
    """
    evidence, net = _unpack(diagnosis_or_evidence, network)
    chosen = _chosen(causes, net)
    posterior, off = _terms(net, evidence, chosen)
    table = pd.DataFrame(
        {
            "cause": chosen,
            "label": [net.label(c) if c in net.spec.nodes else c for c in chosen],
            "group": [net.cause_group(c) if c in net.spec.nodes else "" for c in chosen],
            "posterior": [posterior[c] for c in chosen],
            "expected_disablement": [math.fsum(off[c].values()) for c in chosen],
        }
    )
    table["disablement_rank"] = (
        table["expected_disablement"].rank(method="min", ascending=False).astype(int)
    )
    table["posterior_rank"] = table["posterior"].rank(method="min", ascending=False).astype(int)
    table = table.sort_values(
        ["expected_disablement", "posterior"], ascending=False, kind="stable"
    )
    return table.reset_index(drop=True)


def counterfactual_ranking(diagnosis: DiagnosedCase) -> pd.DataFrame:
    """Return :func:`expected_disablement` of every cause of a diagnosis.

    The first call on a network compiles its twin networks (one per cause) and
    takes a few seconds (about 3 s for the bundled network, more for a larger
    variant); later calls on the same numbers reuse them and take about 0.1 s.

    Parameters
    ----------
    diagnosis : Diagnosis
        The output of :func:`~backspasm.diagnosis.diagnose`.

    Returns
    -------
    pandas.DataFrame
        As :func:`expected_disablement`.
    """
    return expected_disablement(diagnosis)
