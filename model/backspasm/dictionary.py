"""The case-file data dictionary: every question column, what it accepts, its node.

What ``backspasm schema`` prints and ``data/README.md`` shows, built from the
questions a knowledge base declares (:func:`backspasm.questionnaire.questions_for`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from backspasm.questionnaire import Question, default_questions

__all__ = ["data_dictionary", "data_dictionary_markdown"]


def data_dictionary(questions: Iterable[Question] | None = None) -> pd.DataFrame:
    """Return the case-file data dictionary as a DataFrame.

    Columns: ``column``, ``values``, ``node``, ``section``, ``red_flag``,
    ``question``.
    """
    qs = tuple(questions) if questions is not None else default_questions()
    return pd.DataFrame(
        {
            "column": [q.column for q in qs],
            "values": [q.allowed for q in qs],
            "node": [q.node or "" for q in qs],
            "section": [q.section for q in qs],
            "red_flag": ["yes" if q.red_flag else "" for q in qs],
            "question": [q.prompt for q in qs],
        }
    )


def data_dictionary_markdown(table: pd.DataFrame | None = None) -> str:
    """Return the data dictionary as a Markdown table (names in code font).

    Parameters
    ----------
    table : pandas.DataFrame, optional
        From :func:`data_dictionary` (default: the bundled network's).
    """
    table = data_dictionary() if table is None else table
    code = table.assign(
        column=[f"`{v}`" for v in table["column"]],
        node=[f"`{v}`" if v else "" for v in table["node"]],
    )
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += [
        "| " + " | ".join(str(v) for v in row) + " |" for row in code.itertuples(index=False)
    ]
    return "\n".join(lines)
