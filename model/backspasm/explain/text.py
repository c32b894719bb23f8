"""Explanations of a batch of cases in words: reasons, next question, MAP.

The numbers come from :mod:`backspasm.queries`, where each quantity is defined once
for a batch of cases; this module turns them into the words of a scored file's
``--explain`` columns:

* :func:`reasons_text`: the answers that moved a cause most, with their odds factors;
* :func:`mpe_text`: the causes present in the most probable explanation.

(The ``next_question`` column is the question :meth:`CaseQueries.next_question
<backspasm.queries.CaseQueries.next_question>` names.)
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from backspasm._numeric import FloatArray, IntArray
from backspasm.network import Network

__all__ = [
    "REASONS_MIN_FACTOR",
    "REASONS_TOP",
    "mpe_text",
    "reasons_text",
]

ObjArray = npt.NDArray[np.object_]

#: An answer must move a cause's odds at least this much to be named.
REASONS_MIN_FACTOR = 1.1
#: At most this many answers are named per case.
REASONS_TOP = 3


def reasons_text(change: FloatArray, cells: ObjArray) -> ObjArray:
    """Name each case's answers that moved a cause most: ``"q=a (x2.5); q=b (/1.3)"``.

    Parameters
    ----------
    change : numpy.ndarray
        Log-odds change of the cause when each answer is withheld, cases by
        answers (NaN: not answered), as in :attr:`backspasm.queries.Reasons.change`.
    cells : numpy.ndarray of str
        ``question=answer`` for each case and answer.

    Returns
    -------
    numpy.ndarray of str
        Up to :data:`REASONS_TOP` answers per case, strongest first (ties in answer
        order), each moving the odds at least :data:`REASONS_MIN_FACTOR`-fold, with
        the factor (``x`` raised, ``/`` lowered; ``>999`` beyond a thousand).
    """
    strength = np.where(np.isnan(change), 0.0, np.abs(change))
    order = np.argsort(-strength, axis=1, kind="stable")[:, :REASONS_TOP]
    picks = np.arange(len(change))[:, None]
    chosen_w = change[picks, order]
    chosen_s = strength[picks, order]
    chosen_c = cells[picks, order]
    joined: ObjArray = np.full(len(change), "", dtype=object)
    cap = math.log(999.0)
    for k in range(order.shape[1]):
        keep = chosen_s[:, k] >= math.log(REASONS_MIN_FACTOR)
        if not keep.any():
            continue
        w = chosen_w[keep, k]
        # Rounded first, so that a factor on a rounding boundary (31/4 = 7.75) prints
        # the same whatever the last bits of its floating-point value.
        factor = np.round(np.exp(np.minimum(np.abs(w), cap)), 9)
        sign = np.where(w > 0, "x", "/").astype(object)
        label = sign + np.char.mod("%.1f", factor).astype(object)
        label = np.where(np.abs(w) >= cap, np.where(w > 0, "x>999", "/>999"), label)
        part = chosen_c[keep, k] + " (" + label + ")"
        current = joined[keep]
        joined[keep] = np.where(current == "", part, current + "; " + part)
    return joined


def mpe_text(network: Network, states: IntArray) -> ObjArray:
    """Name the causes present in each case's most probable explanation.

    Parameters
    ----------
    network : Network
    states : numpy.ndarray of int
        State codes of every cause, cases by causes (-1 rows: not scored).

    Returns
    -------
    numpy.ndarray of str
        ``"; "``-joined causes in the ``yes`` state, ``"none"`` when no cause is,
        ``""`` for a row that was not scored.
    """
    n = len(states)
    out: ObjArray = np.full(n, "", dtype=object)
    scored = np.all(states >= 0, axis=1) if states.shape[1] else np.ones(n, dtype=bool)
    for i, cause in enumerate(network.causes):
        yes = network.states(cause).index("yes") if "yes" in network.states(cause) else -1
        present = scored & (states[:, i] == yes)
        out[present] = np.where(out[present] == "", cause, out[present] + "; " + cause)
    out[scored & (out == "")] = "none"
    return out
