"""What an explanation needs of a diagnosed case: its evidence and its network.

:class:`backspasm.diagnosis.Diagnosis` satisfies :class:`DiagnosedCase`; the
explanations take it through this protocol rather than importing it, so that the
imports flow one way (explanations before the one-case API that offers them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from backspasm.network import Network

__all__ = ["DiagnosedCase"]


@runtime_checkable
class DiagnosedCase(Protocol):
    """A case with the evidence it was diagnosed on and the network that did it."""

    @property
    def evidence(self) -> Mapping[str, Any]:
        """Node to state (or likelihood) observed for the case."""

    @property
    def network(self) -> Network:
        """The network the case was diagnosed with."""
