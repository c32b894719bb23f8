"""Small text helpers: "did you mean" for a user's mistake, and percentages for people."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = ["closest", "did_you_mean", "percent"]


def did_you_mean(value: object, choices: Iterable[object], *, cutoff: float = 0.6) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``.

    Parameters
    ----------
    value : object
        What the user wrote.
    choices : iterable
        What would have been allowed.
    cutoff : float, default 0.6
        Similarity below which no suggestion is made (see :mod:`difflib`).
    """
    close = closest(value, choices, cutoff=cutoff)
    return f" Did you mean '{close}'?" if close is not None else ""


def closest(value: object, choices: Iterable[object], *, cutoff: float = 0.6) -> str | None:
    """Return the choice closest to ``value``, or None when none is close enough.

    Parameters
    ----------
    value, choices, cutoff
        As for :func:`did_you_mean`.

    Returns
    -------
    str or None
        The closest choice, as text.
    """
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=cutoff)
    return close[0] if close else None


def percent(p: Any) -> str:
    """Format a probability as a percentage, keeping two digits for rare events.

    Parameters
    ----------
    p : float-like
        A probability (any value ``float()`` accepts, such as a pandas cell).

    Returns
    -------
    str
        ``"12.3%"``, or ``"0.012%"`` below one in a thousand.
    """
    q = float(p)
    return f"{100 * q:.2g}%" if 0 < q < 0.001 else f"{q:.1%}"
