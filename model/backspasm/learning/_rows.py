"""Name the case of a refused cell by its file row and ``case_id``, for evaluate and fit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from backspasm._numeric import IntArray
from backspasm.exceptions import EvidenceError
from backspasm.learning.cases import is_blank, normalised_text

__all__ = ["rows_named"]

#: "row 16" in a message about a cell of the cases (counted from 1, after the header).
_ROW = re.compile(r"\brow (\d+)\b")


@contextmanager
def rows_named(frame: pd.DataFrame, numbers: IntArray, source: str = "") -> Iterator[None]:
    """Name the case of a refused cell by its ``case_id`` too (``Row 16 is case_id S16.``).

    ``source``, a file's name, starts the message (``cases.csv: Column ...``), as the
    scorer's messages do.

    The messages of :mod:`backspasm.learning.cases` count the rows of ``frame`` from
    1 (after the header); ``numbers`` gives each row's number in the file (a subset of
    :func:`~backspasm.learning.evaluate_by` keeps the file's), and a file with a
    ``case_id`` column names the case, which ``df.loc`` (counted from 0) does not.
    """
    try:
        yield
    except EvidenceError as exc:
        text = str(exc)
        rows = [int(m.group(1)) - 1 for m in _ROW.finditer(text)]
        rows = list(dict.fromkeys(i for i in rows if 0 <= i < len(frame)))
        if not rows:
            raise
        # Every row the message names, in the file's numbering.
        named = _ROW.sub(
            lambda m: (
                f"row {int(numbers[int(m.group(1)) - 1]):d}"
                if 1 <= int(m.group(1)) <= len(frame)
                else m.group(0)
            ),
            text,
        )
        if "case_id" in frame:
            ids = frame["case_id"].iloc[rows]
            known = ~is_blank(normalised_text(ids.reset_index(drop=True)))
            cases = [
                (int(numbers[i]), str(c).strip())
                for i, c, k in zip(rows, ids, known, strict=True)
                if k
            ]
            if len(cases) == 1:
                named = f"{named.rstrip()} Row {cases[0][0]:d} is case_id {cases[0][1]}."
            elif cases:
                said = ", ".join(f"{n:d}: {c}" for n, c in cases)
                named = f"{named.rstrip()}. Their case_ids (by row) are {said}."
        if source:
            named = f"{source}: {named}"
        if named == text:
            raise
        raise type(exc)(named) from exc
