"""What the answers say about each cause, apart from who and where the person is.

A cause's posterior mixes two things: how common the cause is among people like
this one (their age, sex and care setting, an illness going on: the *context*
questions) and what the other answers say about it. The **odds factor** keeps the
second alone::

    odds_factor = odds(P(cause | every answer)) / odds(P(cause | the context answers))

A factor of 9 means the symptoms, signs and exposures made the cause nine times
likelier, in odds, than it is for a person of that age, sex and setting; 1 means
they said nothing about it; below 1, they speak against it. It does not depend on
the cause's base rate, so a rare serious cause that the answers point to keeps a
large factor while its posterior stays small behind a common cause. Such a cause is
*pointed to* (:func:`pointed`): the text report and the page of a diagnosis explain
it under ``why``, a scored file names it with ``--explain`` (``pointed_cause``), and
``evaluate(rank="odds_factor")`` ranks the causes of a file by the factor.

The factor is a ratio of two exact posteriors of the same network
(:func:`~backspasm.queries.posteriors.context_posteriors` gives the second); it is
not a product of per-answer likelihood ratios, which would count answers that share
a cause twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm._numeric import FloatArray, IntArray, ranked_causes
from backspasm.network import Network
from backspasm.queries import CONTEXT_GROUPS, context_posteriors
from backspasm.questionnaire import answers_to_evidence, questions_for

__all__ = [
    "CONTEXT_GROUPS",
    "FACTOR_SIGN",
    "POINTING_FACTOR",
    "WHY_POINTED",
    "WHY_SHOWN",
    "context_beliefs",
    "context_columns",
    "context_probabilities",
    "explained",
    "explained_causes",
    "factor_words",
    "odds_factor",
    "pointed",
    "pointed_causes",
]


def odds_factor(posterior: Any, given_context: Any) -> FloatArray:
    """Return ``odds(posterior) / odds(given_context)``, elementwise.

    A posterior of 1 gives an infinite factor, of 0 a factor of 0; a context
    probability of 0 or 1 (a cause the context rules out or in) gives NaN, as no
    answer can move it.
    """
    post = np.asarray(posterior, dtype=np.float64)
    base = np.asarray(given_context, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (post * (1.0 - base)) / ((1.0 - post) * base)
    settled = (base <= 0.0) | (base >= 1.0)
    return np.where(settled, np.nan, factor)


#: The odds factor from which a cause ranked below those shown is pointed to.
POINTING_FACTOR = 3.0
#: What a pointed cause's odds factor is written after: ``x8.3``.
FACTOR_SIGN = "x"


def factor_words(factor: float, sign: str = FACTOR_SIGN) -> str:
    """Write a pointed cause's odds factor as every view shows it: ``x8.3``.

    One decimal after :data:`FACTOR_SIGN`: the text report and the page of a
    diagnosis under "why", the closing summary of ``ask``, the widget's bars and the
    causes figure. The figures write it after the true sign,
    :data:`backspasm._text.TIMES` (``×8.3``), as their odds ratios.
    """
    return f"{sign}{float(factor):.1f}"


#: A diagnosis explains its first WHY_SHOWN causes, then at most WHY_POINTED pointed ones.
WHY_SHOWN, WHY_POINTED = 3, 2


def pointed(posterior: FloatArray, factor: FloatArray, shown: int = 1, most: int = 1) -> IntArray:
    """Return, per case, the causes ranked below ``shown`` that the answers point to.

    Parameters
    ----------
    posterior, factor : numpy.ndarray
        Cases by causes: the posteriors and their odds factors.
    shown : int, default 1
        How many causes, highest posterior first (ties in cause order), are shown
        already and so left out.
    most : int, default 1
        How many to return per case.

    Returns
    -------
    numpy.ndarray of int
        Cases by ``most``: cause indices, largest factor first (ties in cause
        order), among the causes below the first ``shown`` whose factor is
        :data:`POINTING_FACTOR` or more; ``-1`` fills the rest. A cause with an
        infinite factor (posterior 1: answered as already known) is never pointed
        to: the person said so, the answers did not point to it.
    """
    post = np.atleast_2d(np.asarray(posterior, dtype=np.float64))
    fac = np.atleast_2d(np.asarray(factor, dtype=np.float64))
    order = ranked_causes(post)
    below = np.zeros(post.shape, dtype=bool)
    np.put_along_axis(below, order[:, shown:], True, axis=1)
    keyed = np.where(below & (fac >= POINTING_FACTOR) & np.isfinite(fac), fac, -np.inf)
    best = np.argsort(-keyed, axis=1, kind="stable")[:, :most]
    found = np.take_along_axis(keyed, best, axis=1) > -np.inf
    return np.where(found, best, -1).astype(np.int64)


def explained(posterior: FloatArray, factor: FloatArray) -> IntArray:
    """Return, per case, the causes a diagnosis explains under "why", as cause indices.

    The :data:`WHY_SHOWN` causes of highest posterior (ties in cause order), then up
    to :data:`WHY_POINTED` below them that the answers point to (:func:`pointed`),
    as :func:`explained_causes` picks them for one diagnosis; ``-1`` fills the rest.
    Causes are ranked as everywhere (:func:`~backspasm._numeric.ranked_causes`).
    """
    post = np.atleast_2d(np.asarray(posterior, dtype=np.float64))
    first = ranked_causes(post)[:, :WHY_SHOWN]
    below = pointed(post, factor, shown=WHY_SHOWN, most=WHY_POINTED)
    return np.concatenate([first, below], axis=1).astype(np.int64)


def pointed_causes(
    causes: pd.DataFrame, shown: int = WHY_SHOWN, most: int = WHY_POINTED
) -> list[str]:
    """Return the causes below the first ``shown`` of a diagnosis that the answers point to.

    ``causes`` is :attr:`Diagnosis.causes <backspasm.diagnosis.result.Diagnosis.causes>`
    (highest posterior first); see :func:`pointed`.
    """
    picks = pointed(
        causes["posterior"].to_numpy()[None, :],
        causes["odds_factor"].to_numpy()[None, :],
        shown,
        most,
    )[0]
    return [str(causes["cause"].iloc[i]) for i in picks if i >= 0]


def explained_causes(causes: pd.DataFrame, shown: int = WHY_SHOWN) -> list[str]:
    """Return the causes every view of a diagnosis explains: the first, then the pointed ones."""
    return [*map(str, causes["cause"].head(shown)), *pointed_causes(causes, shown)]


def context_columns(network: Network) -> list[str]:
    """Return the case-file columns of the context questions, in questionnaire order."""
    return [
        q.column
        for q in questions_for(network)
        if q.node is not None and network.group_of(q.node) in CONTEXT_GROUPS
    ]


def context_beliefs(network: Network, evidence: Mapping[str, Any]) -> FloatArray:
    """Return P(cause = yes | the context part of ``evidence``), in ``network.causes`` order.

    ``evidence`` maps nodes to states (as :attr:`Diagnosis.evidence
    <backspasm.diagnosis.result.Diagnosis.evidence>` has it); the answers to other
    nodes are left out.
    """
    batch = dict(network.engine.encode([dict(evidence)]).values)
    found: FloatArray = context_posteriors(network, batch, 1)[0]
    return found


def context_probabilities(frame: pd.DataFrame, network: Network) -> FloatArray:
    """Return P(cause = yes | each row's context answers), rows x ``network.causes``.

    ``frame`` holds answers by column (text as a case file has them); only the
    context columns are read. A row whose context answers are not allowed raises
    :class:`~backspasm.exceptions.EvidenceError`, as scoring would report it.
    """
    columns = [c for c in context_columns(network) if c in frame]
    if not columns or not len(frame):
        return np.tile(context_beliefs(network, {}), (len(frame), 1))
    keys = frame[columns].astype(object).where(frame[columns].notna(), "")
    combos = keys.drop_duplicates()
    questions = questions_for(network)
    evidences = [
        answers_to_evidence(
            {c: v for c, v in zip(columns, row, strict=True) if v != ""}, questions=questions
        )
        for row in combos.itertuples(index=False, name=None)
    ]
    batch: dict[str, npt.NDArray[Any]] = dict(network.engine.encode(evidences).values)
    found = context_posteriors(network, batch, len(evidences))
    where = pd.MultiIndex.from_frame(combos).get_indexer(pd.MultiIndex.from_frame(keys))
    return found[where]
