"""The ``triage`` rule on the triage policy.

Thresholds, cause rules, red flags and safety-net sentences are well typed, sourced,
and name real causes, nodes and states; a ``see_doctor`` rule or flag may say how
soon (``within_hours``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from backspasm._text import did_you_mean
from backspasm.spec.borrowed import borrow_policy
from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import problem, type_name, unknown_field
from backspasm.spec.rules_flags import flag_problems
from backspasm.spec.rules_nodes import param_field_problems
from backspasm.spec.rules_numbers import distribution_problems
from backspasm.spec.rules_triage_fields import (
    triage_entries,
    triage_provenance,
    triage_when,
    triage_within_hours,
)
from backspasm.spec.schema import BINARY_STATES

__all__ = ["TRIAGE_RULES"]

_TRIAGE_REQUIRED = ("see_doctor_p_serious", "see_doctor_p_pathologic")
_TRIAGE_THRESHOLDS = ("emergency_p_serious", *_TRIAGE_REQUIRED)
_TRIAGE_FIELDS = (*_TRIAGE_THRESHOLDS, "causes", "flags", "safety_net")
_CAUSE_RULE_FIELDS = ("cause", "level", "p", "when", "source", "why", "within_hours")


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
        yield from triage_provenance(ctx, file, where, key, value)


def _triage_causes(ctx: Context, file: str, where: str, body: Mapping[str, Any]) -> Iterator[str]:
    problems, rules = triage_entries(file, where, body, "causes", _CAUSE_RULE_FIELDS)
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
        elif (
            cause not in causes
            and not ctx.bad(cause, "group")  # not read: whether it is a cause is unknown
            and (cause in ctx.nodes or ctx.nodes_known)
        ):
            said = (
                f"'{cause}' is a {ctx.nodes[cause].group.replace('_', ' ')} node, not a cause"
                if cause in ctx.nodes
                else f"unknown cause '{cause}'"
            )
            yield problem(
                file,
                where,
                f"{path}.cause",
                "triage-cause",
                f"{said}." + did_you_mean(cause, causes),
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
            yield from triage_when(ctx, file, where, path, when, "triage-cause")
        yield from triage_within_hours(file, where, path, rule, "triage-cause")
        yield from triage_provenance(ctx, file, where, path, rule)


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
            yield ctx.unknown_node(file, where, f"safety_net.{node}", "known-field", node, "node")
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
    yield from flag_problems(ctx, file, where, body)
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
            of = entry.get("of", {}) if isinstance(entry, dict) else None
            if not isinstance(when, dict) or not isinstance(of, dict):
                return
            used |= set(when) | set(of)
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
    used = {n for flag in policy.flags for n in flag.holds_on}
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
                f"in its 'when' or 'of', so no answer to it can change the level: {fix}, or set "
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
