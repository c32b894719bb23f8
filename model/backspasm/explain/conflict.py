"""Conflict among a case's answers: Jensen's measure and the level that flags it.

* :func:`conflict_batch`: Jensen's conflict measure of each case's answers (defined
  once in :func:`backspasm.queries.conflict`);
* :func:`conflict_threshold`: the level above which a case's answers are flagged,
  calibrated on presenters sampled from the network itself.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import overload

import numpy as np
import numpy.typing as npt

from backspasm._cache import LruCache
from backspasm._numeric import FloatArray
from backspasm.network import Network, network_or_default
from backspasm.queries import conflict as _conflict
from backspasm.questionnaire import questions_for
from backspasm.sampling import sample_presenters
from backspasm.spec import PRESENTATION

__all__ = [
    "CONFLICT_RARITY",
    "JOINTLY_SURPRISING",
    "conflict_batch",
    "conflict_flagged",
    "conflict_threshold",
    "conflict_words",
    "known_conflict_threshold",
]


#: Answers are flagged as conflicting when their conflict is rarer than this share of
#: the presenters sampled from the network (see :func:`conflict_threshold`).
CONFLICT_RARITY = 0.01
#: What a flagged conflict says of the answers, in the text report, the page and the
#: figures' titles (each after its own ``warning:``).
JOINTLY_SURPRISING = "these answers are jointly surprising for the model"
_CONFLICT_SAMPLE = 20_000
_CONFLICT_MISSING = 0.3
_CONFLICT_SEED = 20261130


def conflict_batch(
    network: Network, codes: Mapping[str, npt.NDArray[np.generic]], log_evidence: FloatArray
) -> FloatArray:
    """Jensen's conflict measure ``sum_i log P(e_i | c) - log P(e | c)`` per case.

    The same function as :func:`backspasm.queries.conflict`.

    Parameters
    ----------
    network : Network
    codes : mapping of str to numpy.ndarray
        Evidence per node: codes (-1 = unanswered) or likelihood rows; ``c`` is the
        ``back_spasm`` answer.
    log_evidence : numpy.ndarray
        ``log P(e)`` per case, as the engine returned it.

    Returns
    -------
    numpy.ndarray
        0 for cases with fewer than two answers besides ``back_spasm``; positive
        values flag answers that are unlikely together.
    """
    return _conflict(network, codes, log_evidence)


#: The bundled network's threshold, by :func:`_key`, shipped so that a one-off
#: ``backspasm diagnose`` does not sample and score 20,000 presenters first (about
#: 1 to 2 s); a test recomputes it and fails when the bundled numbers or questions
#: change without it.
_SHIPPED: dict[str, float] = {
    "6f969a7e93922da2912c89982c1cdbdcf89dfd0d9e2d4a6816a1663f177c67d3": 1.918560586306347,
}
#: Any other network's, computed on first use (bounded: a what-if sweep makes a new
#: key at every step).
_THRESHOLDS: LruCache[str, float] = LruCache(16)


def _asked(net: Network) -> tuple[str, ...]:
    """Return the nodes the reference presenters answer, in the network's node order.

    The context, exposure, symptom and examination questions: which nodes are
    questions and their sections decide it.
    """
    skipped = ("known_cause", "presentation")
    asked = {q.node for q in questions_for(net) if q.kind != "id" and q.section not in skipped}
    return tuple(node for node in net.node_names if node in asked)


def _key(net: Network) -> str:
    """Return what the threshold of ``net`` depends on, as one SHA-256.

    :func:`_compute` reads the tables (:meth:`~backspasm.network.Network.numbers_fingerprint`),
    the node order (the sampling order follows it) and the questions it answers
    (:func:`_asked`); the triage policy and how answers are read do not change it.
    """
    text = "\n".join((net.numbers_fingerprint(), ",".join(net.node_names), ",".join(_asked(net))))
    return hashlib.sha256(text.encode()).hexdigest()


def known_conflict_threshold(network: Network) -> float | None:
    """Return the network's conflict threshold if it is shipped or already computed."""
    return _known(_key(network))


def _known(key: str) -> float | None:
    shipped = _SHIPPED.get(key)
    return shipped if shipped is not None else _THRESHOLDS.peek(key)


@overload
def conflict_flagged(conflict: float, threshold: float) -> bool: ...
@overload
def conflict_flagged(conflict: float, threshold: float | None) -> bool | None: ...
def conflict_flagged(conflict: float, threshold: float | None) -> bool | None:
    """Whether answers are flagged as conflicting: their measure above the flag level.

    The one rule :attr:`Diagnosis.conflicted
    <backspasm.diagnosis.Diagnosis.conflicted>`, its JSON, its text report and the
    figures' titles apply; ``threshold`` is :func:`conflict_threshold`, or None when
    it is not known (a network edited since the diagnosis): then None, no verdict.
    """
    return None if threshold is None else bool(conflict > threshold)


def conflict_words(value: float) -> str:
    """Write a conflict measure, or its flag level, as every view does: ``1.92``."""
    return f"{float(value):.2f}"


def conflict_threshold(network: Network | None = None) -> float:
    """Return the conflict level above which a case's answers are flagged.

    Jensen's conflict measure (see :attr:`backspasm.diagnosis.Diagnosis.conflict`) is
    positive whenever the answers are a little less likely together than apart, which
    is common:
    age 45 with leg pain scores 0.02, and over a quarter of ordinary presenters score
    above 0. A flag at 0 would cry wolf. The threshold is therefore calibrated on
    the network itself: it is the 99th percentile (``1 - CONFLICT_RARITY``) of the
    conflict of 20,000 people drawn from the network who present with back spasm
    (ancestral sampling, ``back_spasm = yes`` by rejection, fixed seed), each
    answering every context, exposure, symptom and examination question with
    probability 0.7, as :func:`backspasm.learning.sample_cases` draws them. Answers
    above it are jointly more surprising for the model than 99 in 100 of that
    sample; on fresh draws about 1.2 in 100 presenters reach it (1.18% of 100,000).
    For the bundled network the threshold is about 1.8. The reference conflicts are
    computed by :func:`conflict_batch`, the function that fills a
    scored file's ``conflict`` column. The value is cached per network numbers and
    questions asked (the bundled network's ships with the package).

    Parameters
    ----------
    network : Network, optional
        Default: the bundled network.

    Returns
    -------
    float
        The threshold (natural-log units, as the measure).
    """
    net = network_or_default(network)
    key = _key(net)
    known = _known(key)
    if known is not None:
        return known
    return _THRESHOLDS.get(key, lambda: _compute(net))


def _compute(net: Network) -> float:
    """Sample and score the reference presenters; return their 99th percentile."""
    rng = np.random.default_rng(_CONFLICT_SEED)
    draw = sample_presenters(net, _CONFLICT_SAMPLE, rng)
    asked = [node for node in _asked(net) if node in draw]
    codes: dict[str, npt.NDArray[np.int64]] = {}
    for node in sorted(asked, key=list(draw).index):
        values = draw[node]
        codes[node] = np.where(rng.random(len(values)) < _CONFLICT_MISSING, -1, values)
    if PRESENTATION in draw:
        codes[PRESENTATION] = draw[PRESENTATION]
    reference = conflict_batch(net, codes, net.engine.log_evidence(codes))
    finite = reference[np.isfinite(reference)]
    return float(np.quantile(finite, 1.0 - CONFLICT_RARITY)) if len(finite) else math.inf
