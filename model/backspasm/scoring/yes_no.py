"""The yes/no answers of every column of a chunk encoded in one call, not one per column.

A yes/no question's answers are read the same whatever the question (the same words,
numbers and percentages: :func:`backspasm.columns.encode_column` looks at its kind
alone), so the columns whose nodes have the same states can share one encoding of
their distinct values. A sampled file has some sixty yes/no columns, each with the
same few answers: one call instead of sixty saves about half a second of a 5,000-row
``score --explain`` run (each call costs milliseconds of pandas overhead), and the
codes are those each column would get alone (the encoding is cell by cell).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backspasm.questionnaire import Question

__all__ = ["encode_yes_no"]

#: Encodes a column of values for a question into a node's states (codes, invalid).
Encoder = Callable[[Question, pd.Series, tuple[str, ...]], tuple[np.ndarray, np.ndarray]]
#: (code, invalid) per (column position, type, value), as a scoring plan keeps them.
Memo = MutableMapping[tuple[int, type, Any], tuple[int, bool]]


def encode_yes_no(
    columns: Iterable[tuple[int, Question, tuple[str, ...]]],
    cells: Mapping[int, tuple[Any, npt.NDArray[np.object_]]],
    memo: Memo,
    encode: Encoder,
    keep: int,
) -> None:
    """Put the codes of the yes/no columns' values not yet in ``memo`` into it.

    ``columns`` holds (input position, question, node states) per column; ``cells``
    the distinct values of each position. One ``encode`` call per set of states, on
    the distinct values (by type and value, as the memo keys them) of all its
    columns; nothing is added once ``memo`` holds ``keep`` entries (the columns are
    then encoded one by one, as before).
    """
    groups: dict[tuple[str, ...], tuple[Question, dict[tuple[type, Any], Any], list[int]]] = {}
    for position, q, states in columns:
        if q.kind != "yes_no" or position not in cells:
            continue
        group = groups.setdefault(states, (q, {}, []))
        group[2].append(position)
        for u in cells[position][1].tolist():
            if (position, type(u), u) not in memo:
                group[1].setdefault((type(u), u), u)
    for states, (q, values, positions) in groups.items():
        if not values or len(memo) >= keep:
            continue
        found = list(values)
        codes, invalid = encode(q, pd.Series([values[k] for k in found], dtype=object), states)
        by_value = {k: (int(c), bool(b)) for k, c, b in zip(found, codes, invalid, strict=True)}
        for position in positions:
            for u in cells[position][1].tolist():
                key = (position, type(u), u)
                if key not in memo and (type(u), u) in by_value:
                    memo[key] = by_value[(type(u), u)]
