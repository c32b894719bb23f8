"""Batch explanations for scored case files: reasons, next question, conflict.

The same quantities as :class:`backspasm.diagnosis.Diagnosis` gives for one case,
computed for a whole chunk of cases at once with one engine call per question
rather than one call per case:

* :func:`conflict_batch`: Jensen's conflict measure of each case's answers;
* :func:`next_question_batch`: the unanswered question with the highest expected
  information gain about the causes (summed binary entropies, in bits).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from backspasm._numeric import EPS as _EPS
from backspasm._numeric import entropy_bits as _entropy_bits
from backspasm.network import Network

__all__ = ["conflict_batch", "next_question_batch"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _cause_matrix(network: Network, codes: Mapping[str, IntArray]) -> FloatArray:
    """P(cause = yes) per case (rows) and cause (columns)."""
    engine = network.engine
    post = engine.query(dict(codes), targets=list(network.causes))
    return np.column_stack(
        [post.marginals[c][:, engine.states[c].index("yes")] for c in network.causes]
    )


def conflict_batch(
    network: Network, codes: Mapping[str, IntArray], log_evidence: FloatArray
) -> FloatArray:
    """Jensen's conflict measure ``sum_i log P(e_i | c) - log P(e | c)`` per case.

    Parameters
    ----------
    network : Network
    codes : mapping of str to numpy.ndarray
        Hard evidence per node (-1 = unanswered); ``c`` is the ``back_spasm`` answer.
    log_evidence : numpy.ndarray
        ``log P(e)`` per case, as the engine returned it.

    Returns
    -------
    numpy.ndarray
        0 for cases with fewer than two answers besides ``back_spasm``; positive
        values flag answers that are unlikely together.
    """
    engine = network.engine
    n = len(log_evidence)
    presentation = codes.get("back_spasm", np.full(n, -1, dtype=np.int64))
    out = np.zeros(n)
    answers = {k: v for k, v in codes.items() if k != "back_spasm"}
    count = sum((v >= 0).astype(np.int64) for v in answers.values()) if answers else 0
    for code in np.unique(presentation):
        rows = presentation == code
        context = {} if code < 0 else {"back_spasm": int(code)}
        base = engine.query(engine.encode([context]), targets=list(answers) or None)
        log_c = float(base.log_evidence[0])
        singles = np.zeros(int(rows.sum()))
        for node, values in answers.items():
            v = values[rows]
            table = np.log(np.maximum(base.marginals[node][0], _EPS))
            singles += np.where(v >= 0, table[np.maximum(v, 0)], 0.0)
        out[rows] = singles - (log_evidence[rows] - log_c)
    out[np.asarray(count) < 2] = 0.0
    return out


def next_question_batch(
    network: Network,
    codes: Mapping[str, IntArray],
    candidates: Mapping[str, str],
    posterior: FloatArray,
    beliefs: Mapping[str, FloatArray],
) -> npt.NDArray[np.object_]:
    """Find the most informative unanswered question of each case.

    Parameters
    ----------
    network : Network
    codes : mapping of str to numpy.ndarray
        Hard evidence per node (-1 = unanswered).
    candidates : mapping of str to str
        Node to question (column) name, for the questions that may be asked.
    posterior : numpy.ndarray
        P(cause = yes | e), cases by causes.
    beliefs : mapping of str to numpy.ndarray
        Posterior marginals (cases by states) of every candidate node.

    Returns
    -------
    numpy.ndarray of str
        The question name with the highest expected information gain ("" when no
        question remains or the case was not scored).
    """
    n = posterior.shape[0]
    now = _entropy_bits(posterior).sum(axis=1)
    best_gain = np.zeros(n)
    best = np.full(n, "", dtype=object)
    for node, question in candidates.items():
        current = codes.get(node, np.full(n, -1, dtype=np.int64))
        open_rows = current < 0
        if not open_rows.any():
            continue
        expected = np.zeros(n)
        for state in range(len(network.states(node))):
            trial = dict(codes)
            trial[node] = np.where(open_rows, state, current)
            after = _entropy_bits(_cause_matrix(network, trial)).sum(axis=1)
            expected += beliefs[node][:, state] * np.nan_to_num(after)
        gain = np.where(open_rows, now - expected, 0.0)
        better = gain > best_gain + 1e-12
        best_gain = np.where(better, gain, best_gain)
        best[better] = question
    return best
