"""One case: causes, triage, complications, reasons and the next question to ask.

* :mod:`~backspasm.diagnosis.build`: :func:`diagnose`, answers to a
  :class:`Diagnosis` through one batched, exact query (a batch of one);
* :mod:`~backspasm.diagnosis.result`: :class:`Diagnosis`, the result and the ways it
  reads (tables, sentences, a dictionary);
* :mod:`~backspasm.diagnosis._report`: its text report, what ``backspasm diagnose``
  prints;
* :mod:`~backspasm.diagnosis.page`: its HTML table for Jupyter, which says what the
  text report says.

:func:`conflict_threshold` (defined in :mod:`backspasm.explain.conflict`) is
re-exported here, where earlier versions had it.
"""

from __future__ import annotations

from backspasm.diagnosis.build import diagnose
from backspasm.diagnosis.result import Diagnosis
from backspasm.explain.conflict import conflict_threshold

__all__ = ["Diagnosis", "conflict_threshold", "diagnose"]
