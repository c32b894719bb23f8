"""One case: the probability of every cause given a patient's answers."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from backspasm.exceptions import ImpossibleEvidenceError
from backspasm.network import Network, default_network
from backspasm.questionnaire import answers_to_evidence, questions_for

__all__ = ["Diagnosis", "diagnose"]

Evidence = Mapping[str, "str | tuple[float, ...]"]


@dataclass(frozen=True)
class Diagnosis:
    """The exact posterior picture of one case.

    Attributes
    ----------
    answers : mapping
        The answers as given.
    evidence : mapping
        The evidence they became (node to state, or to a likelihood).
    causes : pandas.DataFrame
        One row per cause, sorted by posterior (highest first): ``cause``, ``label``,
        ``group``, ``prior`` (P(cause | back spasm), before any answer), ``posterior``.
    p_serious : float
        Exact probability that at least one serious cause is present.
    beliefs : mapping of str to mapping of str to float
        Posterior distribution of every node of the network.
    """

    answers: Mapping[str, Any]
    evidence: Evidence
    causes: pd.DataFrame
    p_serious: float
    beliefs: Mapping[str, Mapping[str, float]] = field(repr=False)

    @property
    def top_cause(self) -> str:
        """The most probable cause."""
        return str(self.causes["cause"].iloc[0])

    def posterior(self, node: str, state: str = "yes") -> float:
        """Return P(node = state | answers)."""
        return float(self.beliefs[node][state])

    def __str__(self) -> str:
        lines = [
            f"P(serious cause) = {self.p_serious:.1%}",
            "",
            "cause                                  prior  posterior",
        ]
        for row in self.causes.itertuples(index=False):
            lines.append(f"{row.cause:<36} {row.prior:8.1%} {row.posterior:9.1%}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(str(r.label))}</td><td>{html.escape(str(r.group))}</td>"
            f"<td style='text-align:right'>{r.prior:.1%}</td>"
            f"<td style='text-align:right'><b>{r.posterior:.1%}</b></td></tr>"
            for r in self.causes.itertuples(index=False)
        )
        given = ", ".join(
            f"{html.escape(str(k))}={html.escape(str(v))}" for k, v in self.answers.items()
        )
        return (
            "<div><p><b>backspasm diagnosis</b> &mdash; answers: "
            f"{given or '(none)'}<br>P(at least one serious cause) = "
            f"<b>{self.p_serious:.1%}</b></p><table><thead><tr><th>cause</th><th>group</th>"
            f"<th>prior</th><th>posterior</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )


def _beliefs(network: Network, evidence: Evidence) -> tuple[dict[str, dict[str, float]], float]:
    engine = network.engine
    batch = engine.encode([dict(evidence)])
    result = engine.query(batch)
    if not bool(result.possible[0]):
        raise ImpossibleEvidenceError(
            "These answers are impossible together under the network "
            f"(probability zero): {dict(evidence)}."
        )
    beliefs = {
        node: dict(zip(network.states(node), map(float, result.marginals[node][0]), strict=True))
        for node in network.model.nodes()
    }
    none_serious = engine.prob_conjunction(batch, dict.fromkeys(network.serious_causes, "no"))
    return beliefs, float(1.0 - none_serious[0])


def diagnose(answers: Mapping[str, Any], *, network: Network | None = None) -> Diagnosis:
    """Diagnose one case: the exact posterior probability of every cause.

    Parameters
    ----------
    answers : mapping of str to object
        Question name (see ``backspasm schema``) to answer, e.g.
        ``{"age": 70, "fever": "yes", "spasm_location": "flank"}``. Friendly values
        are accepted (``" Y "``, ``1``, ``True``); for a yes/no question a number
        strictly between 0 and 1 is an unsure answer (soft evidence).
    network : Network, optional
        Defaults to the bundled network.

    Returns
    -------
    Diagnosis

    Raises
    ------
    EvidenceError
        For an unknown question or a value that is not allowed.
    ImpossibleEvidenceError
        If the answers have probability zero under the network.

    Examples
    --------
    >>> d = diagnose({"spasm_location": "flank", "blood_in_urine": "yes"})
    >>> d.top_cause
    'kidney_stones'
    """
    net = network if network is not None else default_network()
    evidence = answers_to_evidence(
        answers, questions=questions_for(net.causes, {c: net.label(c) for c in net.causes})
    )
    beliefs, p_serious = _beliefs(net, evidence)
    prior = _baseline(net)
    causes = pd.DataFrame(
        {
            "cause": list(net.causes),
            "label": [net.label(c) for c in net.causes],
            "group": [net.group_of(c).removeprefix("cause_") for c in net.causes],
            "prior": [prior[c]["yes"] for c in net.causes],
            "posterior": [beliefs[c]["yes"] for c in net.causes],
        }
    )
    order = np.argsort(-causes["posterior"].to_numpy(), kind="stable")
    causes = causes.iloc[order].reset_index(drop=True)
    return Diagnosis(
        answers=MappingProxyType(dict(answers)),
        evidence=MappingProxyType(dict(evidence)),
        causes=causes,
        p_serious=p_serious,
        beliefs=MappingProxyType(beliefs),
    )


_BASELINES: dict[str, dict[str, dict[str, float]]] = {}


def _baseline(network: Network) -> dict[str, dict[str, float]]:
    """Beliefs of a back-spasm presenter before any answer (cached per network numbers)."""
    key = network.fingerprint()
    if key not in _BASELINES:
        _BASELINES[key] = _beliefs(network, {"back_spasm": "yes"})[0]
    return _BASELINES[key]
