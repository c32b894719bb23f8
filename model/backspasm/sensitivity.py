"""One-way sensitivity of a posterior to every number of the network (a name kept for imports).

The code lives in :mod:`backspasm.explain.sensitivity`; this module re-exports its
public names so that ``from backspasm.sensitivity import sensitivity`` keeps working.
"""

from __future__ import annotations

from backspasm.explain.sensitivity import SENSITIVITY_COLUMNS, parameter_label, sensitivity

__all__ = ["SENSITIVITY_COLUMNS", "parameter_label", "sensitivity"]
