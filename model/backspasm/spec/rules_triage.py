"""The ``triage`` rule on the triage policy.

Thresholds, cause rules, red flags and safety-net sentences are well typed, sourced,
and name real causes, nodes and states; a ``see_doctor`` rule or flag may say how
soon (``within_hours``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from backspasm._text import cap_list, did_you_mean
from backspasm.spec.borrowed import borrow_policy
from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import is_number, problem, show, type_name, unknown_field
from backspasm.spec.rules_nodes import param_field_problems
from backspasm.spec.rules_numbers import distribution_problems, source_problems
from backspasm.spec.schema import BINARY_STATES, Parameter

__all__ = ["TRIAGE_RULES"]

_TRIAGE_REQUIRED = ("see_doctor_p_serious", "see_doctor_p_pathologic")
_TRIAGE_THRESHOLDS = ("emergency_p_serious", *_TRIAGE_REQUIRED)
_TRIAGE_FIELDS = (*_TRIAGE_THRESHOLDS, "causes", "flags", "safety_net")
_FLAG_FIELDS = ("name", "level", "when", "unless", "source", "why", "within_hours")
_CAUSE_RULE_FIELDS = ("cause", "level", "p", "when", "source", "why", "within_hours")


def _triage_provenance(
    ctx: Context, file: str, where: str, path: str, entry: Mapping[str, Any]
) -> Iterator[str]:
    """Source and why of a triage entry: right types, then the usual source rules."""
    source, why = entry.get("source", ""), entry.get("why")
    if not isinstance(source, str):
        yield problem(
            file,
            where,
            f"{path}.source",
            "field-type",
            f"must be a string (a source key or 'assumption'); got {type_name(source)}.",
        )
        return
    if why is not None and not isinstance(why, str):
        yield problem(
            file, where, f"{path}.why", "field-type", f"must be a string; got {type_name(why)}."
        )
        return
    yield from source_problems(ctx, file, where, path, Parameter(p=0.0, source=source, why=why))


def _triage_within_hours(
    file: str, where: str, path: str, entry: Mapping[str, Any], rule: str
) -> Iterator[str]:
    """Check the optional ``within_hours``: a positive, finite number, on ``see_doctor``.

    How soon to see the doctor, in hours, as the entry's source gives it. An
    emergency has no timeframe (it means now); an entry whose level is not a level
    at all is reported by its ``level`` alone.
    """
    if "within_hours" not in entry:
        return
    hours, level = entry["within_hours"], entry.get("level")
    field = f"{path}.within_hours"
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        yield problem(
            file,
            where,
            field,
            "field-type",
            f"must be a number of hours (how soon to see the doctor); got {type_name(hours)} "
            f"{hours!r}.",
        )
    elif hours <= 0 or not (is_number(hours) and math.isfinite(hours)):
        yield problem(
            file, where, field, rule, f"must be a positive, finite number of hours; got {hours!r}."
        )
    if level == "emergency":
        yield problem(
            file,
            where,
            field,
            rule,
            "a timeframe belongs to level 'see_doctor' only: an emergency means now; remove "
            "within_hours or set level = 'see_doctor'.",
        )


def _triage_when(
    ctx: Context, file: str, where: str, path: str, when: Any, rule: str, key: str = "when"
) -> Iterator[str]:
    """Every ``node = state`` pair of a ``when`` or ``unless`` table names a real node, state."""
    for node, state in when.items():
        if node not in ctx.nodes:
            if ctx.nodes_known:
                yield ctx.unknown_node(file, where, f"{path}.{key}", rule, node, "node")
        elif ctx.bad(node, "states"):
            continue  # its states are unknown: reported by field-type
        elif not isinstance(state, str) or state not in ctx.nodes[node].states:
            states = ctx.nodes[node].states
            yield problem(
                file,
                where,
                f"{path}.{key}.{node}",
                "known-state",
                f"unknown state '{state}' of '{node}'; states: {cap_list(states, unit='states')}."
                + did_you_mean(str(state), states),
            )


def _triage_entries(
    file: str, where: str, body: Mapping[str, Any], key: str, allowed: tuple[str, ...]
) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Return the problems of the array ``key`` (shape, field names) and its tables."""
    problems: list[str] = []
    entries = body.get(key, [])
    if not isinstance(entries, list):
        problems.append(
            problem(
                file,
                where,
                key,
                "field-type",
                f"must be an array of inline tables [{{...}}, ...]; got {type_name(entries)}.",
            )
        )
        return problems, []
    out: list[tuple[str, dict[str, Any]]] = []
    for i, entry in enumerate(entries):
        path = f"{key}[{i}]"
        if not isinstance(entry, dict):
            problems.append(
                problem(
                    file,
                    where,
                    path,
                    "field-type",
                    f"must be an inline table {{...}}; got {type_name(entry)}.",
                )
            )
            continue
        problems.extend(
            unknown_field(file, where, f"{path}.{name}", name, allowed)
            for name in entry
            if name not in allowed
        )
        out.append((path, entry))
    return problems, out


def _triage_thresholds(
    ctx: Context, file: str, where: str, body: Mapping[str, Any]
) -> Iterator[str]:
    for key in _TRIAGE_THRESHOLDS:
        value = body.get(key)
        if value is None and key not in _TRIAGE_REQUIRED:
            continue
        if value is None:
            yield problem(file, where, key, "required-field", f"'{key}' is missing.")
            continue
        if not isinstance(value, dict):
            yield problem(
                file,
                where,
                key,
                "field-type",
                f"must be an inline table {{ p = ..., source = ... }}; got {type_name(value)}.",
            )
            continue
        yield from param_field_problems(file, "triage", key, value)
        yield from distribution_problems(file, where, key, value.get("p"), BINARY_STATES)
        yield from _triage_provenance(ctx, file, where, key, value)


def _triage_flags(ctx: Context, file: str, where: str, body: Mapping[str, Any]) -> Iterator[str]:
    problems, flags = _triage_entries(file, where, body, "flags", _FLAG_FIELDS)
    yield from problems
    first: dict[str, str] = {}
    for index, flag in flags:
        name = flag.get("name", "")
        # A flag is named by its name as well: the file does not number its flags.
        path, at = index, where
        if isinstance(name, str) and name.strip():
            at = f"{where}, flag {name if len(name) <= 40 else name[:37] + '...'!r}"
        if not isinstance(name, str):
            yield problem(
                file,
                at,
                f"{path}.name",
                "field-type",
                f"must be a string; got {show(name)}.",
            )
        elif not name.strip():
            yield problem(
                file,
                at,
                f"{path}.name",
                "required-field",
                "a flag needs a name: it is the reason triage gives for it.",
            )
        elif name.strip() in first:
            yield problem(
                file,
                at,
                f"{path}.name",
                "triage-flag",
                f"flag {name!r} declared twice (first as {first[name.strip()]}); a flag's "
                "name is the reason triage gives: merge the two, or rename one.",
            )
        elif name.strip():
            first[name.strip()] = index
        if flag.get("level") not in ("emergency", "see_doctor"):
            yield problem(
                file,
                at,
                f"{path}.level",
                "triage-flag",
                f"level must be 'emergency' or 'see_doctor'; got {flag.get('level')!r}.",
            )
        yield from _flag_answers(ctx, file, at, path, flag, "when")
        yield from _flag_answers(ctx, file, at, path, flag, "unless")
        yield from _triage_within_hours(file, at, path, flag, "triage-flag")
        yield from _triage_provenance(ctx, file, at, path, flag)


#: What a flag's tables of answers must be, as a problem says it.
_FLAG_ANSWERS = {
    "when": ("triage-flag", "needs {node = state, ...}"),
    "unless": (
        "field-type",
        "must be an inline table {node = state, ...} of answers that take the flag away",
    ),
}


def _flag_answers(
    ctx: Context, file: str, at: str, path: str, flag: Mapping[str, Any], key: str
) -> Iterator[str]:
    """Check a flag's ``when`` (required) or ``unless`` (optional) table of answers.

    Each names real nodes and states; a node of ``unless`` is not also in ``when``.
    """
    table = flag.get(key)
    if key == "unless" and table is None:
        return
    if not isinstance(table, dict) or not table:
        rule, need = _FLAG_ANSWERS[key]
        got = "." if table is None else f"; got {show(table)}."
        yield problem(file, at, f"{path}.{key}", rule, need + got)
        return
    yield from _triage_when(ctx, file, at, path, table, "triage-flag", key)
    if key != "unless":
        return
    when = flag.get("when")
    for node in table:
        if isinstance(when, dict) and node in when:
            yield problem(
                file,
                at,
                f"{path}.unless.{node}",
                "triage-flag",
                f"'{node}' is in both 'when' and 'unless': an answer the flag needs cannot "
                "also take it away; keep it in one of the two.",
            )


def _triage_causes(ctx: Context, file: str, where: str, body: Mapping[str, Any]) -> Iterator[str]:
    problems, rules = _triage_entries(file, where, body, "causes", _CAUSE_RULE_FIELDS)
    yield from problems
    causes = [n for n, node in ctx.nodes.items() if node.is_cause]
    for path, rule in rules:
        cause = rule.get("cause")
        if not isinstance(cause, str):
            yield problem(
                file,
                where,
                f"{path}.cause",
                "triage-cause",
                f"needs the name of a cause node; got {type_name(cause)}.",
            )
        elif cause not in causes and (cause in ctx.nodes or ctx.nodes_known):
            what = "not a cause" if cause in ctx.nodes else "unknown cause"
            yield problem(
                file,
                where,
                f"{path}.cause",
                "triage-cause",
                f"{what} '{cause}'." + did_you_mean(cause, causes),
            )
        level = rule.get("level")
        if level not in ("emergency", "see_doctor"):
            yield problem(
                file,
                where,
                f"{path}.level",
                "triage-cause",
                f"level must be 'emergency' or 'see_doctor'; got {level!r}.",
            )
        p = rule.get("p")
        if isinstance(p, bool) or not isinstance(p, int | float):
            yield problem(
                file,
                where,
                f"{path}.p",
                "field-type",
                f"must be a number in (0, 1]; got {type_name(p)}"
                + ("." if p is None else f" {p!r}."),
            )
        elif not 0 < p <= 1:
            yield problem(
                file,
                where,
                f"{path}.p",
                "probability-range",
                f"must be a probability in (0, 1]; got {p!r}.",
            )
        when = rule.get("when", {})
        if not isinstance(when, dict):
            yield problem(
                file,
                where,
                f"{path}.when",
                "field-type",
                f"must be an inline table {{node = state, ...}}; got {type_name(when)}.",
            )
        else:
            yield from _triage_when(ctx, file, where, path, when, "triage-cause")
        yield from _triage_within_hours(file, where, path, rule, "triage-cause")
        yield from _triage_provenance(ctx, file, where, path, rule)


def _triage_safety_net(
    ctx: Context, file: str, where: str, body: Mapping[str, Any]
) -> Iterator[str]:
    net = body.get("safety_net", {})
    if not isinstance(net, dict):
        yield problem(
            file,
            where,
            "safety_net",
            "field-type",
            f'must be a table of question = "sentence"; got {type_name(net)}.',
        )
        return
    for node, text in net.items():
        if node not in ctx.nodes and ctx.nodes_known:
            yield ctx.unknown_node(
                file, where, f"safety_net.{node}", "known-field", node, "question"
            )
        if not isinstance(text, str) or not text.strip():
            yield problem(
                file,
                where,
                f"safety_net.{node}",
                "field-type",
                f"must be a plain-language sentence; got {text!r}.",
            )


def _triage(ctx: Context) -> Iterator[str]:
    if ctx.raw.triage is None and "triage" in ctx.raw.dropped_tables:
        return  # the [triage] table had the wrong type: field-type says so
    if ctx.raw.triage is None:
        yield from _borrowed_red_flags(ctx)
        return
    if ctx.raw.triage_twice:
        return  # reported by unique-name: checking either table would be a guess
    file, body = ctx.raw.triage
    where = "table 'triage'"
    for key in body:
        if key not in _TRIAGE_FIELDS:
            yield unknown_field(file, where, key, key, _TRIAGE_FIELDS)
    yield from _triage_thresholds(ctx, file, where, body)
    yield from _triage_causes(ctx, file, where, body)
    yield from _triage_flags(ctx, file, where, body)
    yield from _triage_safety_net(ctx, file, where, body)
    yield from _red_flags_acted_on(ctx, file, where, body)


def _red_flags_acted_on(
    ctx: Context, file: str, where: str, body: Mapping[str, Any]
) -> Iterator[str]:
    """Every red-flag question names a node that a flag or a cause rule of the policy uses.

    Otherwise a yes to it could never change the level: the person would be sent home
    and told to come back if the answer became yes. Skipped when a flag or a cause
    rule had the wrong type (reported by field-type): what it names is unknown.
    """
    used: set[str] = set()
    for key in ("flags", "causes"):
        entries = body.get(key, [])
        if not isinstance(entries, list):
            return
        for entry in entries:
            when = entry.get("when", {}) if isinstance(entry, dict) else None
            if not isinstance(when, dict):
                return
            used |= set(when)
    yield from _unused_red_flags(ctx, used, f"of the triage policy ({file})", "add a flag for it")


def _borrowed_red_flags(ctx: Context) -> Iterator[str]:
    """Apply ``red-flag-acted-on`` to the policy a knowledge base without one borrows."""
    red = any(
        isinstance(q := body.get("question"), dict) and q.get("red_flag") is True
        for _, body in ctx.raw.nodes.values()
    )
    bundled = ctx.bundled_policy() if red and ctx.bundled_policy is not None else None
    if bundled is None:
        return
    policy = borrow_policy(bundled, ctx.nodes).policy
    used = {n for flag in policy.flags for n in flag.when}
    used |= {n for rule in policy.causes for n in rule.when}
    yield from _unused_red_flags(
        ctx,
        used,
        "of the triage policy borrowed from the bundled knowledge base (this one has no "
        "[triage] table)",
        "add a [triage] table (start from a copy of the bundled triage.toml) with a flag for it",
    )


def _unused_red_flags(ctx: Context, used: set[str], policy: str, fix: str) -> Iterator[str]:
    for name, (node_file, node_body) in ctx.raw.nodes.items():
        question = node_body.get("question")
        if not isinstance(question, dict) or question.get("red_flag") is not True:
            continue
        if name not in used:
            yield problem(
                node_file,
                f"node '{name}'",
                "question.red_flag",
                "red-flag-acted-on",
                f"a red-flag question, but no flag or cause rule {policy} names '{name}' "
                f"in its 'when', so no answer to it can change the level: {fix}, or set "
                "red_flag = false.",
            )


#: The rule on the triage policy.
TRIAGE_RULES: tuple[Rule, ...] = (
    Rule(
        "triage",
        "triage thresholds, cause rules and flags are well typed, sourced and name real "
        "causes, nodes and states",
        _triage,
    ),
)
