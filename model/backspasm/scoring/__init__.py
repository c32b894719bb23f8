"""Score case tables: validate every row, compute exact posteriors in batches, report errors.

Two entry points:

* :func:`score_cases` scores a pandas (or Dask) DataFrame and returns it with the
  output columns appended;
* :func:`score_file` streams a CSV or Parquet file of any size through the same
  scorer in chunks bounded in bytes and writes the result atomically, with a
  provenance sidecar.

Every input row comes back, in order, with its input values untouched. A row that
cannot be scored keeps its place: its probabilities are empty and its ``error`` cell
says why. Only a file that cannot be read at all raises :class:`CaseFileError`.

Output columns, after the input columns: ``p_<cause>`` for every cause, ``p_serious``
(exact probability that at least one serious cause is present), ``top_cause``,
``conflict`` (Jensen's conflict measure of the answers; positive means answers
unlikely together), ``triage``, ``triage_within_hours`` (how soon a ``see_doctor``
case should see the doctor, where the policy says), ``red_flags``,
``screen_unanswered`` (how many screening questions the row left unanswered: above 0,
``self_care`` means only that no warning sign was found yet) and ``error``;
with ``explain``,
also ``p_pathologic``, ``risk_<complication>``, ``reasons``, ``pointed_cause``,
``pointed_odds_factor``, ``next_question``,
``triage_reasons``, ``mpe`` and ``p_mpe``, in the order :func:`output_columns` gives.

The modules, in the order data flows through them:

* :mod:`~backspasm.scoring.plan`: which input columns are questions, which pass
  through, which are added;
* :mod:`~backspasm.scoring.lines`: a CSV file's bytes on their way to pyarrow:
  hashed, checked UTF-8, every line bounded;
* :mod:`~backspasm.scoring.readers`: CSV (pyarrow's streaming reader) and Parquet in
  chunks bounded in bytes, from a file, a pipe or standard input, with
  :mod:`~backspasm.scoring.records` for the rows pyarrow hands back (too many or
  too few fields, no cell filled);
* :mod:`~backspasm.scoring.kernel`: one chunk's answers -> evidence codes -> engine ->
  output columns;
* :mod:`~backspasm.scoring.writers`: CSV and Parquet out through pyarrow, floats
  lossless unless rounded on request;
* :mod:`~backspasm.scoring.overlap`: a file's next chunk read and previous chunk
  written in a helper thread while the current one is scored;
* :mod:`~backspasm.scoring.cases` (:func:`score_cases`, pandas and Dask) and
  :mod:`~backspasm.scoring.run` (:func:`score_file`).
"""

from __future__ import annotations

from backspasm.scoring.cases import ScoringWarning, score_cases
from backspasm.scoring.kernel import IMPOSSIBLE
from backspasm.scoring.plan import output_columns
from backspasm.scoring.run import EXIT_OK, EXIT_ROW_ERRORS, ScoringSummary, score_file

__all__ = [
    "EXIT_OK",
    "EXIT_ROW_ERRORS",
    "IMPOSSIBLE",
    "ScoringSummary",
    "ScoringWarning",
    "output_columns",
    "score_cases",
    "score_file",
]
