"""Small wordings of one diagnosis: answers as JSON holds them, unsure answers in words."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from backspasm._text import percent_to
from backspasm.network import Network
from backspasm.questionnaire import EvidenceValue, questions_for

__all__ = ["json_answer", "unsure_lines"]


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
