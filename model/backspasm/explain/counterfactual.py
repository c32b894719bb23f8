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
import pandas as pd

from backspasm.exceptions import EvidenceError, ImpossibleEvidenceError
from backspasm.explain.case import DiagnosedCase
from backspasm.explain.twin import finding_nodes, node_group, twin_network
from backspasm.network import Network, default_network

__all__ = [
    "RANKED_GROUPS",
    "counterfactual_ranking",
    "disablement_by_finding",
    "expected_disablement",
]

#: Default causes ranked: the pathologic and serious ones.
RANKED_GROUPS: tuple[str, ...] = ("cause_pathologic", "cause_serious")


def _unpack(
    diagnosis_or_evidence: DiagnosedCase | Mapping[str, Any], network: Network | None
) -> tuple[dict[str, Any], Network]:
    if isinstance(diagnosis_or_evidence, DiagnosedCase):
        net = network if network is not None else diagnosis_or_evidence.network
        return dict(diagnosis_or_evidence.evidence), net
    if not isinstance(diagnosis_or_evidence, Mapping):
        raise EvidenceError(
            "Expected a Diagnosis or a mapping of node to state, got "
            f"{type(diagnosis_or_evidence).__name__}."
        )
    net = network if network is not None else default_network()
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


def _default_causes(network: Network) -> list[str]:
    return [c for g in RANKED_GROUPS for c in network.spec.group(g)]


def _terms(
    network: Network, evidence: Mapping[str, Any], causes: Sequence[str]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Posterior of each cause and ``P(F* = no | E)`` per positive finding and cause."""
    positives = _positive_findings(network, evidence)
    posterior: dict[str, float] = {}
    off: dict[str, dict[str, float]] = {}
    for cause in causes:
        twin = twin_network(cause, network, observed=evidence)
        engine = twin.engine
        stars = [twin.copies[f] for f in positives if f in twin.copies]
        result = engine.query(engine.encode([dict(evidence)]), targets=[cause, *stars])
        if not bool(result.possible[0]):
            raise ImpossibleEvidenceError(
                f"The evidence has probability zero under the network: {dict(evidence)}."
            )
        posterior[cause] = float(result.marginals[cause][0, engine.states[cause].index("yes")])
        off[cause] = {}
        for f in positives:
            star = twin.copies.get(f)
            # A finding that does not descend from the cause is the same in both worlds.
            no = (
                0.0 if star is None else result.marginals[star][0, engine.states[star].index("no")]
            )
            off[cause][f] = float(no)
    return posterior, off


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
        Default: the pathologic and serious causes of the network.
    network : Network, optional
        Default: the diagnosis's network, else the bundled network.

    Returns
    -------
    pandas.DataFrame
        ``cause``, ``finding``, ``p_off``: the probability that the finding, observed
        ``yes``, would be absent had the cause been cured (set to ``no``).
    """
    evidence, net = _unpack(diagnosis_or_evidence, network)
    chosen = list(causes) if causes is not None else _default_causes(net)
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
        Binary nodes to rank. Default: the pathologic and serious causes.
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
    chosen = list(causes) if causes is not None else _default_causes(net)
    posterior, off = _terms(net, evidence, chosen)
    table = pd.DataFrame(
        {
            "cause": chosen,
            "label": [net.label(c) if c in net.spec.nodes else c for c in chosen],
            "group": [node_group(net, c).removeprefix("cause_") for c in chosen],
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
    """Return :func:`expected_disablement` of a diagnosis's pathologic and serious causes.

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
