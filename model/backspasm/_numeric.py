"""Small numerical helpers shared by the explanation code (private)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Probabilities are clipped this far from 0 and 1 before logs, so that a certain
#: answer gives a large finite log-odds instead of an infinity.
EPS = 1e-12

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def logit(p: FloatArray) -> FloatArray:
    """Return the log-odds of probabilities, clipped to [EPS, 1 - EPS]."""
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(q) - np.log1p(-q), dtype=np.float64)


def entropy_bits(p: FloatArray) -> FloatArray:
    """Return the binary entropy, in bits, of each probability."""
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(-(q * np.log2(q) + (1 - q) * np.log2(1 - q)), dtype=np.float64)
