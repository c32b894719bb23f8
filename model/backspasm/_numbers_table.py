"""Every declared number of a knowledge base in one table, with where it comes from.

What :meth:`backspasm.network.Network.numbers` returns: a row per parameter (a prior,
a leak, a strength, a logistic base or odds ratio, a row of a full table), in
knowledge-base order, with the kind of its source as ``backspasm check`` counts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from backspasm.spec import Spec

__all__ = ["COLUMNS", "numbers_table"]

#: The table's columns, in order.
COLUMNS = (
    "node",
    "label",
    "group",
    "field",
    "value",
    "count",
    "source",
    "kind",
    "citation",
    "why",
)


def numbers_table(spec: Spec) -> pd.DataFrame:
    """Return a row per declared parameter of ``spec``, in knowledge-base order.

    ``value`` is a float, or for a distribution a dict of state to probability;
    ``count`` is how many free numbers it carries (the counts of ``backspasm check``
    add up over it); ``kind`` is ``read``, ``secondary``, ``memory``, ``fitted`` or
    ``assumption``; ``citation`` is the bibliography entry ("" for an assumption);
    ``why`` is the declared derivation or reason ("" where none is given).
    """
    import pandas as pd

    rows = []
    for node, field, param in spec.parameters():
        source = spec.sources.get(param.source) if param.is_sourced else None
        value = dict(param.p) if isinstance(param.p, Mapping) else float(param.p)
        rows.append(
            (
                node.name,
                node.label,
                node.group,
                field,
                value,
                param.count(),
                param.source,
                spec.kind_of(param),
                source.citation if source is not None else "",
                param.why or "",
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
