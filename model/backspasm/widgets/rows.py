"""One case of a case file, for :meth:`Explorer.load_row`: read as ``score`` reads it.

Besides the row, these functions say what ``score`` would warn of in the same file:
the columns left out (a near-miss name, a column that is not a question of the
network, a repeated column) and a ``case_id`` that more than one row has.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from backspasm._text import cap_list, did_you_mean, show_cell
from backspasm.exceptions import CaseFileError
from backspasm.questionnaire import Question
from backspasm.scoring.cases import read_case_table
from backspasm.scoring.plan import is_label, near_miss, passed_note
from backspasm.scoring.repeats import repeat_of, repeated_column_note, repeated_questions

__all__ = ["column_notes", "pick_row", "read_cases"]


def read_cases(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a case file as ``backspasm score`` reads it (separator, Parquet, text cells)."""
    return read_case_table(os.fspath(path))[0]


def pick_row(frame: pd.DataFrame, row: object) -> tuple[dict[str, Any], str | None]:
    """Return one row as a dict, by ``case_id`` first, else by its row number.

    The row number counts from 1 (row 1 is the first case after the header), as
    ``score``'s messages, ``evaluate``, ``compare_networks`` and ``figures --case-id``
    count rows.

    A repeated column label keeps its first cell, as ``score`` scores the first. The
    second item says, when more than one row has the ``case_id`` asked for, which of
    them was taken (the first) and how many there are; it is None otherwise.
    """
    if isinstance(row, str) and "case_id" in frame.columns:
        ids = frame["case_id"].astype("string").str.strip()
        hits = np.flatnonzero((ids == row.strip()).fillna(False).to_numpy(dtype=bool))
        if len(hits):
            note = _repeated_id_note(row.strip(), hits) if len(hits) > 1 else None
            return _first_cells(frame.iloc[hits[0]]), note
    number: int | None = None
    if isinstance(row, (int, np.integer)) and not isinstance(row, bool):
        number = int(row)  # numpy integers too
    elif isinstance(row, str) and row.strip().isdigit():
        number = int(row.strip())
    if number is None or not 1 <= number <= len(frame):
        ids_hint = ""
        if "case_id" in frame.columns:
            ids = frame["case_id"].astype(str).str.strip()
            if not isinstance(row, str) and str(row) in set(ids):
                ids_hint = (
                    f" A number is a row number; to load the case whose case_id is "
                    f"'{row}', pass the text '{row}'."
                )
            else:
                ids_hint = _id_hint(str(row), ids)
        numbers = f"from 1 to {len(frame)}" if len(frame) else "none: it has no rows"
        raise CaseFileError(
            f"The case file has no row {row!r} (a case_id, or a row number counted from 1, "
            f"after the header: {numbers}).{ids_hint}"
        )
    return _first_cells(frame.iloc[number - 1]), None


def column_notes(
    labels: Sequence[object], by_name: Mapping[str, Question], outputs: Sequence[str] = ()
) -> list[str]:
    """Say which columns were left out of the answers, as ``score`` warns of them.

    A name close to a question's ("did you mean"), the other columns that are not
    questions of the network (in one remark) and a question column that appears more
    than once, in ``score``'s words with "ignored" and "loaded" for what became of
    them. The labels the package reads beside the answers (``expected_cause``,
    ``true_<cause>``) and the columns ``score`` adds (``outputs``) go without remark.
    A label such as ``age.1`` beside ``age`` is a repeat of it, the name a reader
    (``score``'s, or pandas') gives the second of two ``age`` columns.
    """
    text = [str(x) for x in labels]
    # the question each label answers: itself, or the one it repeats under a new name
    seen = set(text)
    answered = [t if t in by_name else repeat_of(t, seen, by_name) for t in text]
    notes: list[str] = []
    passed: list[str] = []
    for label, question in zip(text, answered, strict=True):
        if question is not None:
            continue
        note = near_miss(label, by_name, outputs, fate="It was ignored.")
        if note is not None:
            notes.append(note)
        elif label not in outputs and not is_label(label):
            passed.append(label)
    if passed:
        notes.append(passed_note(passed, fate="ignored"))
    repeats = repeated_questions(text, by_name)
    notes += [repeated_column_note(name, n, used="merged") for name, n in repeats.items()]
    return notes


def _id_hint(row: str, ids: pd.Series) -> str:
    """Return a "Did you mean" for a case_id asked for in other case (``tb17`` for ``TB17``).

    difflib's closest id is case-sensitive: 'tb17' got no suggestion though TB17 was in
    the file, while 'TB99' got 'TB19'. The lookup itself stays exact, as ``score`` and
    ``figures --case-id`` match ids.
    """
    folded = row.strip().casefold()
    same = [i for i in dict.fromkeys(ids) if i.casefold() == folded]
    if same:
        shown = cap_list((repr(i) for i in same), most=3)
        return f" Did you mean {shown}? A case_id must match exactly, capitals included."
    return did_you_mean(row, ids)


def _first_cells(record: pd.Series) -> dict[str, Any]:
    """Return the cells of a row by label, a repeated label's later ones renamed ``age.1``, ...

    As a reader names them, so that :func:`merge_repeats` finds them.
    """
    cells: dict[Any, Any] = {}
    for label, value in record.items():
        name, k = label, 0
        while name in cells:
            k += 1
            name = f"{label}.{k}"
        cells[name] = value
    return cells


def _repeated_id_note(case_id: str, hits: np.ndarray) -> str:
    numbers = cap_list((int(i) + 1 for i in hits), most=5)
    return (
        f"case_id is not unique: {len(hits)} rows have the id {show_cell(case_id)} (rows "
        f"{numbers}, counting from 1 after the header); the first, row {int(hits[0]) + 1}, "
        "was loaded. Give another's row number to load it."
    )
