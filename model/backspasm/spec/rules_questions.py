"""The ``question`` rule on the questions the nodes declare.

A declared question has a unique valid column, a prompt, a known section and, for a
number, bins that cut it into the node's states.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from backspasm._text import closest, did_you_mean
from backspasm.spec.build import parse_bin
from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import problem
from backspasm.spec.schema import (
    BINARY_STATES,
    NUMBER_FIELDS,
    QUESTION_FIELDS,
    QUESTION_SECTIONS,
    NodeSpec,
)

__all__ = ["QUESTION_RULES"]

#: Reserved for the case identifier of a case file.
_CASE_ID = "case_id"
_COLUMN_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def _question_bins(
    ctx: Context, file: str, where: str, node: NodeSpec, bins: Mapping[str, str]
) -> Iterator[str]:
    if node.states == BINARY_STATES:
        yield problem(
            file,
            where,
            "question.bins",
            "question-bins",
            "bins cut a number into the states of a multi-state node; this node's states "
            "are no, yes (drop 'bins' for a yes/no question).",
        )
        return
    if ctx.bad_within(node.name, "question.bins"):
        return
    missing = [s for s in node.states if s not in bins]
    for key in (k for k in bins if k not in node.states):
        close = closest(key, missing)
        if close is not None:  # a misspelt state: its "no bin" problem would say the same
            missing.remove(close)
        yield problem(
            file,
            where,
            f"question.bins.{key}",
            "question-bins",
            f"'{key}' is not a state of the node; bins name every state exactly "
            f"({', '.join(node.states)})."
            + (f" Did you mean '{close}'?" if close is not None else ""),
        )
    if missing:
        yield problem(
            file,
            where,
            "question.bins",
            "question-bins",
            f"no bin for {', '.join(missing)}; bins name every state exactly "
            f"({', '.join(node.states)}).",
        )
    previous: tuple[str, float] | None = None
    for state in node.states:
        if state not in bins:
            continue
        parsed = parse_bin(bins[state])
        if parsed is None:
            yield problem(
                file,
                where,
                f"question.bins.{state}",
                "question-bins",
                "must be '<operator> <number>' with operator <, <=, > or >= (e.g. '<= 39' "
                f"or '> 12'); got {bins[state]!r}.",
            )
            continue
        bound = parsed[1]
        if previous is not None and bound < previous[1]:
            yield problem(
                file,
                where,
                f"question.bins.{state}",
                "question-bins",
                f"bounds must not decrease in state order; '{state}' ({bins[state]}) comes "
                f"after '{previous[0]}' ({bins[previous[0]]}).",
            )
        previous = (state, bound)


def _questions(ctx: Context) -> Iterator[str]:
    columns: dict[str, NodeSpec] = {}
    for name, (file, body) in ctx.raw.nodes.items():
        question = body.get("question")
        if question is None:
            continue
        node = ctx.nodes[name]
        where = f"node '{name}'"
        yield from _question_fields(ctx, file, where, name, question)
        yield from _question_column(file, where, node, question, columns)
        section = question.get("section", "").strip() and question["section"]
        if section and section not in QUESTION_SECTIONS:
            yield problem(
                file,
                where,
                "question.section",
                "question-section",
                f"unknown section '{section}'; allowed: {', '.join(QUESTION_SECTIONS)}."
                + did_you_mean(section, QUESTION_SECTIONS),
            )
        if ctx.bad(name, "states"):
            continue  # the rest depends on the node's states
        yield from _question_answers(ctx, file, where, node, question)


def _question_fields(
    ctx: Context, file: str, where: str, name: str, question: Mapping[str, Any]
) -> Iterator[str]:
    """Check for known fields only, and a column, a prompt and a section."""
    for key in question:
        if key not in QUESTION_FIELDS:
            yield problem(
                file,
                where,
                f"question.{key}",
                "known-field",
                f"unknown field '{key}'; a question has: {', '.join(QUESTION_FIELDS)}."
                + did_you_mean(key, QUESTION_FIELDS),
            )
    for key in ("column", "prompt", "section"):
        if not question.get(key, "").strip() and not ctx.bad(name, f"question.{key}"):
            yield problem(file, where, f"question.{key}", "required-field", f"'{key}' is missing.")


def _question_column(
    file: str,
    where: str,
    node: NodeSpec,
    question: Mapping[str, Any],
    columns: dict[str, NodeSpec],
) -> Iterator[str]:
    """Check the column name: valid, not ``case_id``, not taken (``columns``, updated)."""
    column = question.get("column", "").strip() and question["column"]
    if column and not _COLUMN_PATTERN.fullmatch(column):
        fixed = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
        hint = f" Did you mean '{fixed}'?" if _COLUMN_PATTERN.fullmatch(fixed) else ""
        yield problem(
            file,
            where,
            "question.column",
            "question-column",
            "a column name is lower-case letters, digits and '_', starting with a "
            f"letter; got {column!r}.{hint}",
        )
    elif column == _CASE_ID:
        yield problem(
            file,
            where,
            "question.column",
            "question-column",
            f"'{_CASE_ID}' is reserved for the case identifier; choose another column.",
        )
    elif column in columns:
        other = columns[column]
        yield problem(
            file,
            where,
            "question.column",
            "unique-column",
            f"column '{column}' is already the question of node '{other.name}' "
            f"({other.file}); each column informs one node.",
        )
    elif column:
        columns[column] = node


def _question_answers(
    ctx: Context, file: str, where: str, node: NodeSpec, question: Mapping[str, Any]
) -> Iterator[str]:
    """Check number fields only with bins, valid bins and range, a known default."""
    if "bins" not in question and not ctx.bad(node.name, "question.bins"):
        kind = "yes/no" if node.states == BINARY_STATES else "choice"
        for key in NUMBER_FIELDS:
            if key in question:
                yield problem(
                    file,
                    where,
                    f"question.{key}",
                    "question-number",
                    f"'{key}' is only for a number question (one with 'bins'); this is a "
                    f"{kind} question.",
                )
    else:
        if "bins" in question:
            yield from _question_bins(ctx, file, where, node, question["bins"])
        low, high = question.get("min"), question.get("max")
        for key, value in (("min", low), ("max", high)):
            if value is not None and math.isnan(value):
                yield problem(
                    file, where, f"question.{key}", "question-range", "must be a number; got nan."
                )
        if low is not None and high is not None and low > high:
            yield problem(
                file,
                where,
                "question.min",
                "question-range",
                f"min ({low}) must not be above max ({high}).",
            )
    default = question.get("default")
    if default is not None and default not in node.states:
        yield problem(
            file,
            where,
            "question.default",
            "known-state",
            f"unknown state '{default}' of '{node.name}'; states: {', '.join(node.states)}."
            + did_you_mean(default, node.states),
        )


#: The rule on declared questions.
QUESTION_RULES: tuple[Rule, ...] = (
    Rule(
        "question",
        "a declared question has a unique valid column, a prompt, a known section and, "
        "for a number, bins that cut it into the node's states",
        _questions,
        local=True,
    ),
)
