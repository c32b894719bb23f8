"""One answer cell: is it blank, and is it a number (the rules every reader shares).

:func:`is_blank` takes None, any NaN, ``pd.NA`` and the words of
:data:`~backspasm.spec.schema.BLANK_WORDS` as no answer; :func:`as_number` reads a
real number from Python, numpy or numeric text, as a case file writes it.
"""

from __future__ import annotations

import decimal
import numbers
import re
from typing import Any

import numpy as np
import pandas as pd

from backspasm.spec.schema import BLANK_WORDS

__all__ = ["NUMBER", "as_number", "is_blank"]


def is_blank(value: Any) -> bool:
    """Whether one answer is no answer: None, NaN, pd.NA, or a blank word (``unknown``)."""
    if value is None:
        return True
    if np.ndim(value) == 0 and not isinstance(value, str):
        try:
            if bool(pd.isna(value)):  # NaN of any float type, pd.NA, pd.NaT, None
                return True
        except (TypeError, ValueError):
            pass
    return str(value).strip().lower() in BLANK_WORDS


#: A number as a case file may write it: ASCII digits, an optional sign, decimal point
#: and exponent (what :func:`pandas.to_numeric` reads for a whole column). Python's
#: ``float()`` also takes ``"4_5"`` and non-ASCII digits, which the file layer refuses.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def as_number(value: Any) -> float | None:
    """Return a real number (Python, numpy or numeric text) as a float; else None (bools too).

    A :class:`~decimal.Decimal` and a numpy array of one number (``np.array(45)``) are
    numbers too, as a file's reader takes their text.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        return float(value.strip())
    return None
