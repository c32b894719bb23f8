"""What an explanation needs of a diagnosed case: its evidence and its network.

:class:`backspasm.diagnosis.Diagnosis` satisfies :class:`DiagnosedCase`; the
explanations take it through this protocol rather than importing it, so that the
imports flow one way (explanations before the one-case API that offers them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from backspasm.exceptions import BackspasmError
from backspasm.network import Network

__all__ = ["DiagnosedCase", "network_of"]


@runtime_checkable
class DiagnosedCase(Protocol):
    """A case with the evidence it was diagnosed on and the network that did it."""

    @property
    def evidence(self) -> Mapping[str, Any]:
        """Node to state (or likelihood) observed for the case."""

    @property
    def network(self) -> Network:
        """The network the case was diagnosed with."""


def network_of(case: DiagnosedCase) -> Network:
    """Return the case's network, refusing one whose numbers changed since the diagnosis.

    A diagnosis keeps its posteriors; an explanation computed later on an edited
    network would mix the old posteriors with the new numbers.

    Raises
    ------
    BackspasmError
        When the case records the fingerprint it was made with and the network's
        numbers no longer match it.
    """
    made_with = getattr(case, "network_fingerprint", "")
    if made_with and case.network.fingerprint() != made_with:
        raise BackspasmError(
            "The network's numbers have changed since this diagnosis was made "
            "(network.model was edited), so its posteriors no longer match them; "
            "call backspasm.diagnose() again with the same answers."
        )
    return case.network
