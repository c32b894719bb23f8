"""Batch explanations for scored case files: reasons, next question, conflict.

The same quantities as :class:`backspasm.diagnosis.Diagnosis` gives for one case,
computed for a whole chunk of cases at once with one engine call per question
rather than one call per case:

* :func:`conflict_batch`: Jensen's conflict measure of each case's answers;
* :func:`reasons_batch`: for each case's top cause, the answers that moved it most
  (change in log-odds when the answer is withheld);
* :func:`next_question_batch`: the unanswered question with the highest expected
  information gain about the causes (summed binary entropies, in bits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from backspasm.network import Network

__all__ = ["conflict_batch", "next_question_batch", "reasons_batch"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_EPS = 1e-12
_TOP_REASONS = 3
_MIN_EFFECT = 0.05


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(q) - np.log1p(-q))


def _entropy_bits(p: FloatArray) -> FloatArray:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(-(q * np.log2(q) + (1 - q) * np.log2(1 - q)))


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


def reasons_batch(
    network: Network,
    codes: Mapping[str, IntArray],
    top_cause: Sequence[str],
    posterior: FloatArray,
    *,
    names: Mapping[str, str] | None = None,
) -> npt.NDArray[np.object_]:
    """Explain each case's top cause by the answers that moved it most.

    Parameters
    ----------
    network : Network
    codes : mapping of str to numpy.ndarray
        Hard evidence per node (-1 = unanswered).
    top_cause : sequence of str
        Each case's top cause ("" for cases not scored).
    posterior : numpy.ndarray
        P(cause = yes | e), cases by causes in ``network.causes`` order.
    names : mapping of str to str, optional
        Node to question name for display (e.g. ``age_group`` -> ``age``).

    Returns
    -------
    numpy.ndarray of str
        E.g. ``"blood_in_urine=yes (+1.62); spasm_location=flank (+0.71)"``: up to three
        answers, the change in log-odds of the top cause each one made, largest first
        (effects below 0.05 in absolute value are left out).
    """
    names = names or {}
    n = len(top_cause)
    col = {c: j for j, c in enumerate(network.causes)}
    pick = np.array([col.get(c, -1) for c in top_cause])
    rows = np.arange(n)
    with_all = _logit(posterior[rows, np.maximum(pick, 0)])
    effects: list[tuple[str, IntArray, FloatArray]] = []
    for node, values in codes.items():
        if node == "back_spasm" or not (values >= 0).any():
            continue
        withheld = dict(codes)
        withheld[node] = np.full(n, -1, dtype=np.int64)
        without = _cause_matrix(network, withheld)[rows, np.maximum(pick, 0)]
        change = np.where(values >= 0, with_all - _logit(without), 0.0)
        effects.append((node, values, change))
    out = np.full(n, "", dtype=object)
    for i in range(n):
        if pick[i] < 0:
            continue
        items = sorted(
            (
                (abs(ch[i]), node, int(v[i]), ch[i])
                for node, v, ch in effects
                if v[i] >= 0 and abs(ch[i]) >= _MIN_EFFECT
            ),
            reverse=True,
        )[:_TOP_REASONS]
        out[i] = "; ".join(
            f"{names.get(node, node)}={network.states(node)[code]} ({change:+.2f})"
            for _, node, code, change in items
        )
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
