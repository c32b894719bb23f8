"""Small text helpers shared by every module that reports a user's mistake."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "did_you_mean"]


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
