"""backspasm: a Bayesian diagnostic probability model for the causes of back spasm.

A discrete Bayesian network links risk factors, spinal disorders and serious
conditions to the answers of a doctor's questions and to a central back-spasm node.
Exact inference from the answers gives the probability of every cause.

Examples
--------
>>> import backspasm
>>> d = backspasm.diagnose({"spasm_location": "flank", "blood_in_urine": "yes"})
>>> d.top_cause
'kidney_stones'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backspasm._version import __version__

__all__ = [
    "BackspasmError",
    "CompiledNetwork",
    "Diagnosis",
    "EvidenceError",
    "Network",
    "SpecError",
    "__version__",
    "diagnose",
    "evaluate",
    "explore",
    "fit_network",
    "load_network",
    "load_spec",
    "sample_cases",
    "score_cases",
]

if TYPE_CHECKING:
    from backspasm.diagnosis import Diagnosis, diagnose
    from backspasm.engine import CompiledNetwork
    from backspasm.exceptions import BackspasmError, EvidenceError, SpecError
    from backspasm.learning import evaluate, fit_network, sample_cases
    from backspasm.network import Network, load_network
    from backspasm.scoring import score_cases
    from backspasm.spec import load_spec
    from backspasm.widgets import explore

# Heavy modules (pgmpy, pandas, matplotlib) load on first use, so that
# `import backspasm` and `backspasm --help` stay fast.
_LAZY = {
    "BackspasmError": "backspasm.exceptions",
    "EvidenceError": "backspasm.exceptions",
    "SpecError": "backspasm.exceptions",
    "CompiledNetwork": "backspasm.engine",
    "Diagnosis": "backspasm.diagnosis",
    "diagnose": "backspasm.diagnosis",
    "Network": "backspasm.network",
    "load_network": "backspasm.network",
    "load_spec": "backspasm.spec",
    "sample_cases": "backspasm.learning",
    "fit_network": "backspasm.learning",
    "evaluate": "backspasm.learning",
    "score_cases": "backspasm.scoring",
    "explore": "backspasm.widgets",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'backspasm' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The public names only: not the helpers of this module (Any, TYPE_CHECKING, _LAZY).
    return sorted(__all__)
