"""The triage policy of a network: its own ``[triage]`` table, or the bundled one's rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from backspasm.spec import TRIAGE_LEVELS, TriagePolicy, load_spec

if TYPE_CHECKING:
    from backspasm.network import Network

__all__ = ["TRIAGE_ADVICE", "TRIAGE_LEVELS", "policy_of", "screen_nodes"]

#: What each level asks the person to do, in plain words (``ask`` and the widget).
TRIAGE_ADVICE: Mapping[str, str] = {
    "emergency": "go to an emergency department now",
    "see_doctor": "see a doctor soon",
    "self_care": "look after yourself at home, and come back if a warning sign appears",
}

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


def screen_nodes(network: Network) -> frozenset[str]:
    """Return the nodes whose answers can set a triage level on their own.

    Every node a triage flag names (``when``): cauda equina signs, fever, a cancer
    history, Murphy's sign, age 65 or over, pain in the middle of the back, a long
    duration... An interview asks these, with the red-flag questions, before it may
    conclude, since an answer left unasked could change the advice by itself.
    """
    return frozenset(node for flag in policy_of(network).flags for node in flag.when)
