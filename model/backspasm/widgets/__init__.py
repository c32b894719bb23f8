"""The interactive questionnaire for Jupyter: answer, retract, and watch the causes move.

* :mod:`~backspasm.widgets.explorer`: :func:`explore` and :class:`Explorer`, the
  state of one case (answers, case identifier, diagnosis) and its Python handle;
* :mod:`~backspasm.widgets.form`: the controls, one per question, by section;
* :mod:`~backspasm.widgets.answers`: the answers as the controls hold them, read
  as :func:`backspasm.diagnose` reads them;
* :mod:`~backspasm.widgets.views`: the live HTML views of the diagnosis (bars,
  triage, next question, reasons);
* :mod:`~backspasm.widgets.rows`: one case of a case file, read as ``score`` reads it.
* :mod:`~backspasm.widgets.display`: how it displays, on the network's current numbers.
"""

from __future__ import annotations

from backspasm.widgets.explorer import Explorer, explore

__all__ = ["Explorer", "explore"]
