"""Small wordings of one diagnosis: answers as JSON holds them, unsure answers in words."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from backspasm._text import percent_to
from backspasm.network import Network
from backspasm.questionnaire import EvidenceValue, questions_for
from backspasm.sampling import PRESENTATION

__all__ = ["json_answer", "not_presenting_note", "unsure_lines"]

#: Said when a case answers ``back_spasm = no``: the network conditions on it, but the
#: triage and the advice are written for people who present with back spasm.
NOT_PRESENTING = (
    "note: back_spasm = no, so these are the chances for someone without back spasm; "
    "the triage and the advice are written for people who have it"
)


def not_presenting_note(evidence: Mapping[str, EvidenceValue]) -> list[str]:
    """Return the :data:`NOT_PRESENTING` line for a ``back_spasm = no`` case, or nothing."""
    return [NOT_PRESENTING] if evidence.get(PRESENTATION) == "no" else []


def json_answer(value: Any) -> Any:
    """Return an answer as JSON holds it: numbers (numpy's too) and bools kept, else text."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def unsure_lines(network: Network, evidence: Mapping[str, EvidenceValue]) -> list[str]:
    """One line naming the unsure answers and how far each moved the odds, or none."""
    leans = {
        q.column: value[1]
        for q in questions_for(network)
        if q.node and isinstance(value := evidence.get(q.node), tuple)
    }
    unsure = [
        f"{k}: unsure, leaning {'yes' if p >= 0.5 else 'no'} "
        f"{percent_to(max(p, 1 - p), 0)}:{percent_to(min(p, 1 - p), 0)} "
        f"(odds of yes x{p / (1 - p):.3g})"
        for k, p in leans.items()
    ]
    return ["unsure answers (soft evidence): " + "; ".join(unsure)] if unsure else []
