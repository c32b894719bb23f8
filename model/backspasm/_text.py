"""Small text helpers shared by every module that reports a user's mistake."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean"]


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
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" Did you mean '{close[0]}'?" if close else ""
