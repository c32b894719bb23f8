"""One answer cell: is it blank, and is it a number (the rules every reader shares).

:func:`is_blank` takes None, any NaN, ``pd.NA`` and the words of
:data:`~backspasm.spec.schema.BLANK_WORDS` as no answer; :func:`as_number` reads a
real number from Python, numpy or numeric text, as a case file writes it;
:func:`answer_hint` says what to do about an answer that was refused.
"""

from __future__ import annotations

import decimal
import numbers
import re
from typing import Any, Protocol

import numpy as np
import pandas as pd

from backspasm._text import did_you_mean
from backspasm.spec.schema import BLANK_WORDS


class Asked(Protocol):
    """What :func:`answer_hint` reads of a :class:`~backspasm.questionnaire.Question`."""

    @property
    def kind(self) -> str: ...
    @property
    def choices(self) -> tuple[str, ...]: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def minimum(self) -> float | None: ...
    @property
    def maximum(self) -> float | None: ...


__all__ = ["NUMBER", "answer_hint", "as_number", "is_blank", "number_text"]


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


def number_text(x: float) -> str:
    """Write a bound as a person would: ``18``, not ``18.0``; ``0.5`` as it is."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


#: A number written with a decimal comma, as a European spreadsheet saves it.
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
#: How other programs write a missing value; not blank words of the contract.
_NULL_WORDS = frozenset({"none", "null", "<na>", "#n/a", "nil"})


def answer_hint(q: Asked, value: Any) -> str:
    """Return what to say after a refused answer: the closest allowed word, or why.

    ``" Did you mean 'yes'?"`` for ``yess`` (a choice, or a yes/no word; the one choice an
    initial starts, ``M`` for ``male``), and, for a number outside the range of a question
    in years from 18, that the model is for adults; to write a decimal comma (``45,0``)
    as a point, and to leave a cell that says ``None`` or ``null`` blank. Empty when
    there is nothing to add.
    """
    text, number = str(value).strip().lower(), as_number(value)
    if number is None and _DECIMAL_COMMA.fullmatch(text):  # '45,0' from a European sheet
        return f" Write a decimal with a point ({text.replace(',', '.')}), not a comma."
    if text in _NULL_WORDS:  # 'None' is not an answer of no
        return " If it was not answered, leave it blank (or write NA)."
    if q.kind in ("choice", "yes_no"):
        words = q.choices if q.kind == "choice" else ("yes", "no")
        hint = did_you_mean(text, words) if number is None else ""
        if not hint and q.kind == "yes_no" and number is None:  # 'flase', but not 'male'
            hint = did_you_mean(text, ("true", "false"), cutoff=0.75)
        starts = [c for c in q.choices if text and c.startswith(text)]
        if not hint and q.kind == "choice" and len(starts) == 1:  # M for male
            hint = f" Did you mean '{starts[0]}'?"
        return hint
    if (
        q.kind == "number"
        and number is not None
        and q.unit == "years"
        and q.minimum == 18
        and number < q.minimum
    ):
        top = f" to {number_text(q.maximum)}" if q.maximum is not None else " and over"
        return f" The model is for adults ({number_text(q.minimum)}{top} years)."
    return ""
