"""The triage policy a knowledge base without a ``[triage]`` table borrows.

Such a knowledge base (the toy ones of the tests, a researcher's variant that left
``triage.toml`` out) takes the bundled policy's thresholds, and those of its flags,
cause rules and safety-net sentences whose nodes and states it has:
:func:`borrow_policy` says which are kept and which are dropped, as
:func:`backspasm.triage.policy_of` keeps them, for the ``red-flag-acted-on`` rule and
the report of ``backspasm check``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from backspasm._frozen import FrozenMap
from backspasm.spec.schema import NodeSpec, TriageCauseRule, TriageFlag, TriagePolicy

__all__ = ["BorrowedPolicy", "borrow_policy"]


@dataclass(frozen=True)
class BorrowedPolicy:
    """The bundled policy as a knowledge base without ``[triage]`` uses it.

    Attributes
    ----------
    policy : TriagePolicy
        The thresholds, and the flags, cause rules and safety-net sentences kept.
    dropped_flags : tuple of TriageFlag
        Flags whose ``when`` names a node or state the knowledge base lacks (a flag
        keeps the ``unless`` answers it has: one it cannot be given never holds).
    dropped_causes : tuple of TriageCauseRule
        Cause rules whose cause is missing or not a cause, or whose ``when`` names a
        node or state the knowledge base lacks.
    """

    policy: TriagePolicy
    dropped_flags: tuple[TriageFlag, ...]
    dropped_causes: tuple[TriageCauseRule, ...]


def borrow_policy(bundled: TriagePolicy, nodes: Mapping[str, NodeSpec]) -> BorrowedPolicy:
    """Keep what of the bundled policy a knowledge base's nodes can use.

    Parameters
    ----------
    bundled : TriagePolicy
        The bundled knowledge base's policy.
    nodes : mapping of str to NodeSpec
        The nodes of the knowledge base that borrows it.

    Returns
    -------
    BorrowedPolicy
    """

    def known(when: Mapping[str, str]) -> bool:
        return all(n in nodes and s in nodes[n].states for n, s in when.items())

    def usable(rule: TriageCauseRule) -> bool:
        return rule.cause in nodes and nodes[rule.cause].is_cause and known(rule.when)

    def kept(flag: TriageFlag) -> TriageFlag:
        """Return the flag with the ``unless`` answers the knowledge base can be given."""
        unless = {n: s for n, s in flag.unless.items() if known({n: s})}
        return flag if len(unless) == len(flag.unless) else replace(flag, unless=FrozenMap(unless))

    policy = replace(
        bundled,
        flags=tuple(kept(f) for f in bundled.flags if known(f.holds_on)),
        causes=tuple(r for r in bundled.causes if usable(r)),
        safety_net={k: v for k, v in bundled.safety_net.items() if k in nodes},
    )
    return BorrowedPolicy(
        policy=policy,
        dropped_flags=tuple(f for f in bundled.flags if not known(f.holds_on)),
        dropped_causes=tuple(r for r in bundled.causes if not usable(r)),
    )
