"""Counterfactual ranking of causes by expected disablement (a name kept for imports).

The code lives in :mod:`backspasm.explain.counterfactual` (the ranking),
:mod:`backspasm.explain.twin` (the twin networks) and
:mod:`backspasm.explain.coupling` (how the worlds share their noise); this module
re-exports their public names so that ``from backspasm.counterfactual import ...``
keeps working.
"""

from __future__ import annotations

from backspasm.explain.counterfactual import (
    counterfactual_ranking,
    disablement_by_finding,
    disablement_matrix,
    expected_disablement,
)
from backspasm.explain.twin import (
    COUNTERFACTUAL_SUFFIX,
    FINDING_GROUPS,
    MAX_CLIQUE_ENTRIES,
    TwinNetwork,
    twin_network,
)

__all__ = [
    "COUNTERFACTUAL_SUFFIX",
    "FINDING_GROUPS",
    "MAX_CLIQUE_ENTRIES",
    "TwinNetwork",
    "counterfactual_ranking",
    "disablement_by_finding",
    "disablement_matrix",
    "expected_disablement",
    "twin_network",
]
