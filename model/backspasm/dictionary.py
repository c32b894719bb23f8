"""The data dictionaries: the case-file questions and the columns scoring adds.

What ``backspasm schema`` prints and ``data/README.md`` shows: every question column,
what it accepts and its node, built from the questions a knowledge base declares
(:func:`backspasm.questionnaire.questions_for`); with ``--outputs``, every column
``backspasm score`` appends (:func:`backspasm.scoring.output_columns`), what it
holds and what it means.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from backspasm.network import Network, default_network
from backspasm.questionnaire import Question, default_questions
from backspasm.scoring.plan import output_columns

__all__ = [
    "data_dictionary",
    "data_dictionary_markdown",
    "data_dictionary_text",
    "output_dictionary",
]

_PROBABILITY = "probability, 0 to 1"

#: What each fixed output column holds and means (the per-cause and per-complication
#: columns are described from the network's labels).
_OUTPUTS: dict[str, tuple[str, str]] = {
    "p_serious": (
        _PROBABILITY,
        "probability of at least one serious cause, given the answers: an exact joint "
        "probability, not the sum or the largest of the serious causes' columns",
    ),
    "p_pathologic": (
        _PROBABILITY,
        "probability of at least one structural spinal disorder, exact as p_serious",
    ),
    "top_cause": ("a cause's name", "the cause with the highest posterior"),
    "reasons": (
        "text",
        "the answers that moved the top cause most, each with its odds factor "
        "(x2.0 raised the odds twofold, /2.0 halved them)",
    ),
    "pointed_cause": (
        "a cause's name, or blank",
        "the cause ranked below top_cause whose odds the answers raised most over "
        "the context answers alone (age, sex, setting), where they raised them "
        "threefold or more: a rare cause the answers point to, hidden by a common one "
        "(never a cause the row answered as already known)",
    ),
    "pointed_odds_factor": (
        "number, 3 or more, or blank",
        "how many times the answers raised the odds of pointed_cause over the "
        "context answers alone",
    ),
    "next_question": (
        "a question's column, or blank",
        "what backspasm ask would ask next: an unanswered screening question first; "
        "blank for an emergency, where no question comes before going",
    ),
    "conflict": (
        "number",
        "Jensen's conflict measure of the answers: positive when they are unlikely "
        "together (diagnose flags it above the level 1% of simulated presenters exceed)",
    ),
    "triage": ("emergency, see_doctor, self_care", "the urgency level of the triage policy"),
    "triage_within_hours": (
        "whole hours, or blank",
        "how soon a see_doctor row should see the doctor, where the policy gives a "
        "timeframe; blank means see a doctor soon",
    ),
    "red_flags": ("text", "the answers that drove an emergency"),
    "triage_reasons": (
        "text, '; '-joined, or blank",
        "what set an emergency or see_doctor level, in the words diagnose says them: "
        "the warning signs and referral flags that held, the cause rules that fired "
        "and the group thresholds reached; blank for self_care",
    ),
    "screen_unanswered": (
        "whole number, 0 or more",
        "how many screening questions (the warning signs and the questions that can "
        "set the triage level) the row left unanswered, as diagnose counts them; above "
        "0, self_care means only that no warning sign was found yet",
    ),
    "mpe": (
        "causes' names joined by '; ', or none",
        "the most probable explanation: the likeliest combination of causes present",
    ),
    "p_mpe": (_PROBABILITY, "the probability of that combination of causes"),
    "error": (
        "text, or blank",
        "why the row could not be scored: column, value and what is allowed",
    ),
}


def data_dictionary(questions: Iterable[Question] | None = None) -> pd.DataFrame:
    """Return the case-file data dictionary as a DataFrame.

    Columns: ``column``, ``values``, ``node``, ``section``, ``red_flag``,
    ``question``.
    """
    qs = tuple(questions) if questions is not None else default_questions()
    return pd.DataFrame(
        {
            "column": [q.column for q in qs],
            # a question with a default says it here, whatever its prompt says
            "values": [
                q.allowed + (f"; blank: {q.default}" if q.default is not None else "") for q in qs
            ],
            "node": [q.node or "" for q in qs],
            "section": [q.section for q in qs],
            "red_flag": ["yes" if q.red_flag else "" for q in qs],
            "question": [q.prompt for q in qs],
        }
    )


def output_dictionary(network: Network | None = None) -> pd.DataFrame:
    """Return the columns ``backspasm score`` appends, in their order, as a DataFrame.

    Columns: ``column``, ``values``, ``with`` (``always``, or ``--explain`` for the
    columns only ``score --explain`` adds) and ``meaning``.

    Parameters
    ----------
    network : Network, optional
        Defaults to the bundled network (its causes and complications name the
        ``p_<cause>`` and ``risk_<complication>`` columns).
    """
    net = network if network is not None else default_network()
    always = set(output_columns(net))
    causes = {f"p_{c}": c for c in net.causes}
    risks = {f"risk_{c}": c for c in net.nodes_in("complication")}
    rows = []
    for name in output_columns(net, explain=True):
        if name in causes:
            values = _PROBABILITY
            meaning = f"probability of {_lower(net.label(causes[name]))}, given the answers"
        elif name in risks:
            values = _PROBABILITY
            meaning = f"probability of {_lower(net.label(risks[name]))} if left untreated"
        else:
            values, meaning = _OUTPUTS[name]
        rows.append((name, values, "always" if name in always else "--explain", meaning))
    return pd.DataFrame(rows, columns=["column", "values", "with", "meaning"])


def _lower(label: str) -> str:
    """Return a label as it reads inside a sentence: "Muscle strain" -> "muscle strain"."""
    return label[:1].lower() + label[1:]


def data_dictionary_text(table: pd.DataFrame) -> str:
    """Return a data dictionary as a plain table for a terminal, every column left-aligned."""
    widths = {c: max([len(str(c)), *(len(str(v)) for v in table[c])]) for c in table}
    lines = ["  ".join(str(c).ljust(widths[c]) for c in table).rstrip()]
    lines += [
        "  ".join(str(v).ljust(widths[c]) for c, v in zip(table, row, strict=True)).rstrip()
        for row in table.itertuples(index=False)
    ]
    return "\n".join(lines)


def data_dictionary_markdown(table: pd.DataFrame | None = None) -> str:
    """Return a data dictionary as a Markdown table (names in code font).

    Parameters
    ----------
    table : pandas.DataFrame, optional
        From :func:`data_dictionary` (default: the bundled network's) or
        :func:`output_dictionary`.
    """
    table = data_dictionary() if table is None else table
    code = table.assign(column=[f"`{v}`" for v in table["column"]])
    if "node" in table:
        code["node"] = [f"`{v}`" if v else "" for v in table["node"]]
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in code.itertuples(index=False)
    ]
    return "\n".join(lines)
