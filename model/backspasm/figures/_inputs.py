"""What :func:`~backspasm.figures.teaching.write_teaching_figures` checks and says first.

Before any figure is drawn: the formats asked for, the case file (read now, so that
a file that cannot be read is said before anything else), which case the case
figures show when a case file is given without a case, and PNG files too coarse
to read.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._save import FIGURE_FORMATS
from backspasm.figures._selection import FIGURE_GROUPS, select_figures
from backspasm.network import Network


def example_case_note(
    cases: object, case_id: object, only: Iterable[str] | None = None
) -> str | None:
    """Say which case the case figures show when a case file is given without a case.

    ``write_teaching_figures(cases=..., case_id=None)`` draws figures 02 to 06 for
    :data:`~backspasm.figures.scenarios.DEFAULT_CASE`, not for a case of the file
    (the file feeds the case-mix figure); it tells its ``note`` this one line, once
    the file is read, so that nobody takes them for the file's. None when there is
    nothing to say (or when ``only``, as
    :func:`~backspasm.figures._selection.select_figures` reads it, draws none of
    figures 02 to 06).
    """
    if cases is None or case_id is not None:
        return None
    if only is not None and not set(select_figures(only)) & set(FIGURE_GROUPS["case"]):
        return None
    return (
        "figures 02-06 show the built-in example case (age 52, epidural abscess), not a "
        "case of the file, which only feeds the case-mix figure; choose one of its cases "
        "with --case-id ID (its case_id, or its row number from 1 in a file without ids)"
    )


def _check_formats(formats: Sequence[str]) -> list[str]:
    """Return the formats asked for, each once, in the order first asked."""
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        raise BackspasmError(
            f"The 'formats' parameter of write_teaching_figures must hold some of "
            f"{', '.join(FIGURE_FORMATS)}; got {list(formats)!r} instead."
        )
    return list(dict.fromkeys(formats))


def _read_cases(path: str | os.PathLike[str], name: str | None) -> tuple[pd.DataFrame, str]:
    """Read a case file given by its path, before anything is drawn; and its title name."""
    from backspasm.scoring.cases import read_case_table

    return read_case_table(os.fspath(path))[0], name or os.path.basename(os.fspath(path))


#: Below this many dots per inch a PNG is said to be coarse (a slide 1333 px wide).
LOW_DPI = 100


def _low_dpi(dpi: int, formats: Sequence[str], size: str) -> str | None:
    """Say that PNG files at ``dpi`` are coarse, when they are (None otherwise)."""
    if dpi >= LOW_DPI or "png" not in formats:
        return None
    wide = round(st.SIZE_WIDTHS[size] * dpi)
    return (
        f"PNG files at {dpi} dpi are coarse ({wide} px wide at {size} size): text blurs "
        f"on a projector and in print; use {LOW_DPI} dpi or more for a screen, 300 (the "
        "default) or 600 for print"
    )


def asked_by(answers: Mapping[str, Any], network: Network, name: str) -> dict[str, Any]:
    """Return a built-in case's answers to questions ``network`` asks; warn of the others.

    A variant knowledge base may drop a question the built-in cases answer (fever's,
    say): ``check`` accepts it, and its figures leave that answer out, with a warning,
    instead of refusing the whole set.
    """
    from backspasm.questionnaire import questions_for

    asked = {q.column for q in questions_for(network) if q.node is not None}
    dropped = [column for column in answers if column not in asked]
    if dropped:
        warnings.warn(
            f"the built-in example case '{name}' answers {', '.join(dropped)}, which this "
            "network does not ask: left out of its figures",
            UserWarning,
            stacklevel=3,
        )
    return {column: value for column, value in answers.items() if column in asked}
