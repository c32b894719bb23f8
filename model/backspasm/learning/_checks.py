"""Parameter checks shared by the public functions of :mod:`backspasm.learning`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backspasm.exceptions import BackspasmError


def check_int(func: str, name: str, value: Any, low: int) -> int:
    """Return ``value`` as an int, or raise when it is not an integer >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise BackspasmError(
            f"The '{name}' parameter of {func} must be an integer >= {low}; got {value!r} instead."
        )
    return int(value)


def check_float(func: str, name: str, value: Any, low: float, high: float, rule: str) -> float:
    """Return ``value`` as a float, or raise when it is not a number in [low, high]."""
    ok = isinstance(value, int | float | np.floating) and not isinstance(value, bool)
    if not ok or not (low <= float(value) <= high) or math.isnan(float(value)):
        raise BackspasmError(
            f"The '{name}' parameter of {func} must be {rule}; got {value!r} instead."
        )
    return float(value)
