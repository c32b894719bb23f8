"""One case of a case file, for :meth:`Explorer.load_row`: read as ``score`` reads it."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from backspasm._text import did_you_mean
from backspasm.exceptions import CaseFileError
from backspasm.scoring.cases import read_case_table

__all__ = ["pick_row", "read_cases"]


def read_cases(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a case file as ``backspasm score`` reads it (separator, Parquet, text cells)."""
    return read_case_table(os.fspath(path))[0]


def pick_row(frame: pd.DataFrame, row: object) -> dict[str, Any]:
    """Return one row as a dict: by ``case_id`` first, else by position."""
    if isinstance(row, str) and "case_id" in frame.columns:
        ids = frame["case_id"].astype("string").str.strip()
        hit = ids == row.strip()
        if hit.any():
            return dict(frame[hit.to_numpy()].iloc[0])
    position: int | None = None
    if isinstance(row, (int, np.integer)) and not isinstance(row, bool):
        position = int(row)  # numpy integers too
    elif isinstance(row, str) and row.strip().isdigit():
        position = int(row.strip())
    if position is None or not 0 <= position < len(frame):
        ids_hint = ""
        if "case_id" in frame.columns:
            ids = frame["case_id"].astype(str).str.strip()
            if not isinstance(row, str) and str(row) in set(ids):
                ids_hint = (
                    f" A number is a position; to load the case whose case_id is "
                    f"'{row}', pass the text '{row}'."
                )
            else:
                ids_hint = did_you_mean(str(row), ids)
        raise CaseFileError(
            f"The case file has no row {row!r} (a case_id, or a position from 0 to "
            f"{len(frame) - 1}).{ids_hint}"
        )
    return dict(frame.iloc[position])
