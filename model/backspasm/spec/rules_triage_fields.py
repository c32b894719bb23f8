"""What every entry of the triage policy shares, checked: its fields, answers, timing, source.

The flags (:mod:`backspasm.spec.rules_flags`) and the cause rules
(:mod:`backspasm.spec.rules_triage`) are arrays of inline tables; each names answers
(``node = state``), may say how soon (``within_hours``) and cites a source.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from backspasm._text import cap_list, did_you_mean
from backspasm.spec.context import Context
from backspasm.spec.raw import is_number, problem, show, type_name, unknown_field
from backspasm.spec.rules_numbers import source_problems
from backspasm.spec.schema import Parameter

__all__ = ["triage_entries", "triage_provenance", "triage_when", "triage_within_hours"]


def triage_provenance(
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


def triage_within_hours(
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


def triage_when(
    ctx: Context, file: str, where: str, path: str, when: Any, rule: str, key: str = "when"
) -> Iterator[str]:
    """Every ``node = state`` pair of a ``when``, ``unless`` or ``of`` table is a real answer."""
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
                (
                    f"unknown state '{state}' of '{node}'"
                    if isinstance(state, str)
                    else f"needs a state of '{node}', as a string; got {show(state)}"
                )
                + f"; states: {cap_list(states, unit='states')}."
                + did_you_mean(str(state), states),
            )


def triage_entries(
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
