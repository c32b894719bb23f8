"""Each clinical quantity of a case, defined once and vectorised over a batch of cases.

A batch is the engine's evidence: per node, a 1-D array of state codes (``-1`` = not
answered) or an ``(n, cardinality)`` array of likelihoods (soft, *unsure* answers; a
row of ones = not answered). One case is a batch of one: :func:`backspasm.diagnose`
and the scoring kernel both call :func:`query_cases`, so a scored row and the
one-case :class:`~backspasm.diagnosis.Diagnosis` are the same numbers.

The quantities, each exact:

* :func:`cause_posteriors`: ``P(cause = yes | e)``, cases by causes;
* ``p_serious`` and ``p_pathologic`` of :func:`query_cases`: ``P(at least one of
  the group's causes | e)`` as an exact joint (``1 - P(all no | e)``), from the
  engine's query events;
* :func:`node_risks`: ``P(complication = yes | e)``;
* :func:`context_posteriors`: ``P(cause = yes | the context answers)``, the
  baseline of the odds factor (:mod:`backspasm.explain.odds`);
* :func:`reasons`: the log-odds change of every cause when one answer is withheld;
* :func:`information_gain`: the expected reduction of the summed cause entropies
  from each unanswered question;
* :func:`conflict`: Jensen's conflict measure of the answers (hard or unsure);
* :func:`most_probable_explanation`: the exact MAP assignment of the causes;
* triage with its red-flag drivers: :func:`backspasm.triage.triage_batch`.

Every hypothetical query (an answer withheld, a question answered, a partial MAP
assignment) is stacked into one engine call over the whole batch, and ``log P(e)``
of the first query is reused by the conjunction queries.
"""

from backspasm.queries._common import answered
from backspasm.queries.batch import CaseQueries, query_cases
from backspasm.queries.mpe import most_probable_explanation
from backspasm.queries.posteriors import (
    CONTEXT_GROUPS,
    cause_posteriors,
    conflict,
    context_posteriors,
    node_risks,
)
from backspasm.queries.questions import candidate_questions, information_gain
from backspasm.queries.reasons import Reasons, reasons

__all__ = [
    "CONTEXT_GROUPS",
    "CaseQueries",
    "Reasons",
    "answered",
    "candidate_questions",
    "cause_posteriors",
    "conflict",
    "context_posteriors",
    "information_gain",
    "most_probable_explanation",
    "node_risks",
    "query_cases",
    "reasons",
]
