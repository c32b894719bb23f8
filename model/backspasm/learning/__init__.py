"""Learning from data: synthetic cases, fitted numbers, and evaluation.

Three jobs, each one public function:

:func:`sample_cases`
    Draw synthetic people who present with back spasm from the network (vectorised
    ancestral sampling, conditioned on ``back_spasm = yes`` by rejection) and write
    their answers in the case-file contract, with the true causes alongside.
:func:`fit_network`
    Update the network's numbers from a case file: a Dirichlet prior centred on the
    expert tables (``prior_weight`` pseudo-cases per parent configuration) plus the
    data, by closed-form Bayesian estimation (pgmpy's ``DiscreteBayesianEstimator``)
    for families observed in every row and by exact EM for the rest. The result
    writes back to the knowledge-base TOML format with :func:`write_spec`.
:func:`evaluate`
    Score a case file against known causes: top-1 / top-3 accuracy, per-cause AUC,
    Brier score, log loss, calibration, the triage confusion matrix and the causes
    the network confuses; :func:`evaluate_by` does it group by group (a clinic, a
    kind of source) for the values of one column, and :func:`evaluate_groups` returns
    both the whole file's evaluation and that table from one scoring;
    :func:`compare_networks` scores the same cases with two knowledge bases and says,
    case by case, what a change to the knowledge did.

The modules, by job:

* :mod:`~backspasm.learning.sampling`: :func:`sample_cases`, on the shared forward
  sampler of :mod:`backspasm.sampling`;
* :mod:`~backspasm.learning.cases`: case files read into evidence codes and truth;
* :mod:`~backspasm.learning.fitting`: :func:`fit_network` and :class:`FitResult`
  (its EM loop in ``_em``, the E- and M-steps in ``_estimation``);
* :mod:`~backspasm.learning.spec_writer`: :func:`write_spec` and the TOML writer
  of a whole knowledge base;
* :mod:`~backspasm.learning.metrics` and :mod:`~backspasm.learning.evaluation`:
  the scores of forecasts, :func:`evaluate` and :class:`Evaluation` (the class and
  how it reads in ``_evaluation_result``);
  :mod:`~backspasm.learning.grouped`: :func:`evaluate_by` and :func:`evaluate_groups`;
  :mod:`~backspasm.learning.comparison`: :func:`compare_networks`.

Figures of an evaluation (calibration, ROC) are in :mod:`backspasm.figures`.
"""

from __future__ import annotations

from backspasm.learning.cases import TRUTH_PREFIX as TRUTH_PREFIX
from backspasm.learning.comparison import Comparison, compare_networks
from backspasm.learning.evaluation import Evaluation, evaluate
from backspasm.learning.fitting import FitResult, fit_network
from backspasm.learning.grouped import evaluate_by, evaluate_groups
from backspasm.learning.sampling import iter_sample_cases, sample_cases, write_cases
from backspasm.learning.spec_writer import write_spec
from backspasm.triage import TRIAGE_LEVELS as TRIAGE_LEVELS

__all__ = [
    "Comparison",
    "Evaluation",
    "FitResult",
    "compare_networks",
    "evaluate",
    "evaluate_by",
    "evaluate_groups",
    "fit_network",
    "iter_sample_cases",
    "sample_cases",
    "write_cases",
    "write_spec",
]
