"""Explanations: why the model says what it says about a case.

The numbers behind reasons, next questions, conflict and the most probable
explanation are defined once, for a batch of cases, in :mod:`backspasm.queries`;
this package turns them into explanations and adds the ones that need more than
the network's own queries:

* :mod:`~backspasm.explain.text`: reasons, next question and MAP of a batch of
  cases in words (a scored file's ``--explain`` columns);
* :mod:`~backspasm.explain.conflict`: Jensen's conflict measure and the calibrated
  level that flags it;
* :mod:`~backspasm.explain.sensitivity`: one-way sensitivity of a posterior to
  every number of the network;
* :mod:`~backspasm.explain.counterfactual`: ranking causes by expected
  disablement, on the twin networks of :mod:`~backspasm.explain.twin` whose noise
  :mod:`~backspasm.explain.coupling` ties between the worlds;
* :mod:`~backspasm.explain.case`: what these need of a diagnosed case.

The batch text and conflict functions are importable from here; the sensitivity
and counterfactual modules (networkx, twin compilation) load only when imported.
"""

from __future__ import annotations

from backspasm.explain.conflict import CONFLICT_RARITY, conflict_batch, conflict_threshold
from backspasm.explain.text import (
    REASONS_MIN_FACTOR,
    REASONS_TOP,
    mpe_text,
    reasons_text,
)

__all__ = [
    "CONFLICT_RARITY",
    "REASONS_MIN_FACTOR",
    "REASONS_TOP",
    "conflict_batch",
    "conflict_threshold",
    "mpe_text",
    "reasons_text",
]
