"""The ``question`` rule on the questions the nodes declare.

A declared question has a unique valid column, a prompt, a known section and, for a
number, bins that cut it into the node's states.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

from backspasm._text import cap_list, closest, did_you_mean
from backspasm.spec.build import BIN_OPERATORS, parse_bin
from backspasm.spec.context import Context, Rule
from backspasm.spec.merge import place
from backspasm.spec.raw import problem
from backspasm.spec.rules_nodes import NAME_PATTERN, name_hint
from backspasm.spec.schema import BINARY_STATES, NodeSpec
from backspasm.spec.schema_questions import (
    BLANK_WORDS,
    NUMBER_FIELDS,
    QUESTION_FIELDS,
    QUESTION_SECTIONS,
)

__all__ = ["OUTPUT_NAMES", "OUTPUT_PREFIXES", "QUESTION_RULES"]

#: Reserved for the case identifier of a case file.
_CASE_ID = "case_id"
#: Columns that scoring adds (with every p_<...> and risk_<...>): no question may take one.
OUTPUT_NAMES = (
    "p_serious",
    "p_pathologic",
    "top_cause",
    "reasons",
    "pointed_cause",
    "pointed_odds_factor",
    "next_question",
    "conflict",
    "triage",
    "triage_within_hours",
    "red_flags",
    "triage_reasons",
    "screen_unanswered",
    "mpe",
    "p_mpe",
    "error",
)
#: The prefixes of the per-cause and per-complication columns scoring adds.
OUTPUT_PREFIXES = ("p_", "risk_")
#: The labels the package itself reads beside the answers (``evaluate``, ``fit``): the
#: true causes (``true_<cause>`` yes/no, or one ``true_cause`` or ``expected_cause``) and
#: the expected triage. No question may take such a name.
TRUTH_PREFIX = "true_"
LABEL_COLUMNS: tuple[str, ...] = ("true_cause", "expected_cause", "expected_triage")


def _question_bins(
    ctx: Context,
    file: str,
    where: str,
    node: NodeSpec,
    bins: Mapping[str, str],
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
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
            f"({cap_list(node.states, unit='states')})."
            + (f" Did you mean '{close}'?" if close is not None else ""),
        )
    if missing:
        yield problem(
            file,
            where,
            "question.bins",
            "question-bins",
            f"no bin for {cap_list(missing, unit='states')}; bins name every state exactly "
            f"({cap_list(node.states, unit='states')}).",
        )
    previous: tuple[str, float] | None = None
    ordered = True
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
            ordered = False
            yield problem(
                file,
                where,
                f"question.bins.{state}",
                "question-bins",
                f"bounds must not decrease in state order; '{state}' ({bins[state]}) comes "
                f"after '{previous[0]}' ({bins[previous[0]]}).",
            )
        previous = (state, bound)
    if ordered and all(state in bins for state in node.states):
        yield from _bin_coverage(file, where, node, bins, low, high, integer)


def _bin_coverage(
    file: str,
    where: str,
    node: NodeSpec,
    bins: Mapping[str, str],
    low: float | None,
    high: float | None,
    integer: bool,
) -> Iterator[str]:
    """Every allowed number falls in a band (first band that holds), and every band gets some.

    The bands are tried in state order, so checking each bound, just either side of it
    and between bounds settles both questions.
    """
    cuts = [(s, parse_bin(bins[s])) for s in node.states]
    if any(c is None for _, c in cuts):
        return  # reported above
    limits = [x for x in (low, high) if x is not None]
    if not all(math.isfinite(x) for x in limits) or (
        low is not None and high is not None and low > high
    ):
        return  # reported with the range
    bounds = sorted({c[1] for _, c in cuts if c is not None and math.isfinite(c[1])})
    if not bounds:
        return
    eps = 1e-6 * max(1.0, max(abs(b) for b in bounds))
    points = {bounds[0] - 1.0, bounds[-1] + 1.0}
    for b in bounds:
        points |= {b - eps, b, b + eps}
    points |= {(a + b) / 2 for a, b in itertools.pairwise(bounds)}
    if low is not None:
        points.add(low)
    if high is not None:
        points.add(high)
    if integer:  # only whole numbers are answers
        points = {float(f(x)) for x in points for f in (math.floor, math.ceil)}
    allowed = sorted(
        x
        for x in points
        if (low is None or math.isnan(low) or x >= low)
        and (high is None or math.isnan(high) or x <= high)
    )
    reached: set[str] = set()
    gaps = []
    for x in allowed:
        band = next((s for s, c in cuts if c is not None and BIN_OPERATORS[c[0]](x, c[1])), None)
        if band is None:
            gaps.append(x)
        else:
            reached.add(band)
    if gaps:
        yield problem(
            file,
            where,
            "question.bins",
            "question-bins",
            f"{_gap_words(gaps[0], bounds)} in no band (bands are tried in state "
            "order, the first that holds wins); make each band start where the one before "
            "ends, e.g. '< 6', '<= 12', '> 12'.",
        )
    unreached = [s for s in node.states if s not in reached]
    if unreached and not gaps:
        yield problem(
            file,
            where,
            "question.bins",
            "question-bins",
            f"no allowed number reaches {', '.join(unreached)}: an earlier band takes all "
            "of its numbers (bands are tried in state order, the first that holds wins).",
        )


def _gap_words(x: float, bounds: list[float]) -> str:
    """Name the numbers around ``x`` that no band takes: "numbers between 12 and 20"."""
    below = [b for b in bounds if b < x] or [x]
    above = [b for b in bounds if b > x]
    if x in bounds:
        return f"the number {x:g} falls"
    if not above:
        return f"numbers above {max(below):g} fall"
    return f"numbers between {max(below):g} and {min(above):g} fall"


def _questions(ctx: Context) -> Iterator[str]:
    columns: dict[str, NodeSpec] = {}
    for name, (file, body) in ctx.raw.nodes.items():
        question = body.get("question")
        if question is None:
            continue
        node = ctx.nodes[name]
        where = f"node '{name}'"
        yield from _question_fields(ctx, file, where, name, question)
        yield from _question_column(ctx, where, node, question, columns)
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
    ctx: Context,
    where: str,
    node: NodeSpec,
    question: Mapping[str, Any],
    columns: dict[str, NodeSpec],
) -> Iterator[str]:
    """Check the column name: valid, not ``case_id``, not taken (``columns``, updated)."""
    file = node.file
    column = question.get("column", "").strip() and question["column"]
    if column and not NAME_PATTERN.fullmatch(column):
        yield problem(
            file,
            where,
            "question.column",
            "question-column",
            "a column name is lower-case letters, digits and '_', starting with a "
            f"letter; got {column!r}.{name_hint(column)}",
        )
    elif column == _CASE_ID:
        yield problem(
            file,
            where,
            "question.column",
            "question-column",
            f"'{_CASE_ID}' is reserved for the case identifier; choose another column.",
        )
    elif column in OUTPUT_NAMES or column.startswith(OUTPUT_PREFIXES):
        yield problem(
            file,
            where,
            "question.column",
            "question-column",
            f"'{column}' is the name of a column scoring adds (p_<cause>, "
            "risk_<complication>, " + ", ".join(OUTPUT_NAMES) + "); choose another column.",
        )
    elif column in LABEL_COLUMNS or column.startswith(TRUTH_PREFIX):
        yield problem(
            file,
            where,
            "question.column",
            "question-column",
            f"'{column}' is the name of a truth label that evaluate, fit and sample read "
            f"(true_<cause>, {', '.join(LABEL_COLUMNS)}); choose another column.",
        )
    elif column in columns:
        other = columns[column]
        yield problem(
            file,
            where,
            "question.column",
            "unique-column",
            f"column '{column}' is the question of node '{other.name}' "
            f"({place(ctx.raw, other.file, ('nodes', other.name))}) and of this node "
            f"({place(ctx.raw, file, ('nodes', node.name))}); each column informs one node.",
        )
    elif column:
        columns[column] = node


def _choice_states(file: str, where: str, node: NodeSpec) -> Iterator[str]:
    """Check that every state of a choice question can be answered.

    Answers are read trimmed and lower-case, and a blank word ('unknown', 'na') means
    no answer.
    """
    for state in node.states:
        if state in BLANK_WORDS:
            yield problem(
                file,
                where,
                "states",
                "question-choice",
                f"state '{state}' of a choice question reads as no answer "
                f"({', '.join(repr(w) for w in BLANK_WORDS if w)} mean not answered); "
                "name it otherwise.",
            )
        elif state != state.strip().lower():
            yield problem(
                file,
                where,
                "states",
                "question-choice",
                f"state {state!r} of a choice question can never be answered: answers are "
                f"read trimmed and lower-case; name it {state.strip().lower()!r}.",
            )


def _question_answers(
    ctx: Context, file: str, where: str, node: NodeSpec, question: Mapping[str, Any]
) -> Iterator[str]:
    """Check number fields only with bins, valid bins and range, a known default."""
    if "bins" not in question and node.states != BINARY_STATES:
        yield from _choice_states(file, where, node)
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
        low, high = question.get("min"), question.get("max")
        if "bins" in question:
            yield from _question_bins(
                ctx,
                file,
                where,
                node,
                question["bins"],
                low,
                high,
                question.get("integer") is True,
            )
        for key, value in (("min", low), ("max", high)):
            if value is not None and not math.isfinite(value):
                yield problem(
                    file,
                    where,
                    f"question.{key}",
                    "question-range",
                    f"must be a finite number (leave '{key}' out for no bound); got {value}.",
                )
        finite = all(v is None or math.isfinite(v) for v in (low, high))
        if finite and low is not None and high is not None and low > high:
            yield problem(
                file,
                where,
                "question.min",
                "question-range",
                f"min ({low}) must not be above max ({high}).",
            )
    default = question.get("default")
    if default is not None and node.group != "presentation" and not ctx.bad(node.name, "group"):
        yield problem(
            file,
            where,
            "question.default",
            "question-default",
            "only the presentation node's question may have a default (back_spasm = "
            "yes: every case presents with a spasm); here (group "
            f"'{node.group}') it would answer the question for every case that leaves it "
            "blank. Drop 'default'.",
        )
    elif default is not None and default not in node.states:
        yield problem(
            file,
            where,
            "question.default",
            "known-state",
            f"unknown state '{default}' of '{node.name}'; states: "
            f"{cap_list(node.states, unit='states')}." + did_you_mean(default, node.states),
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
