"""Rules on the numbers (``probability-range``, ``table-rows``, ``known-source``).

Probabilities in range, distributions that sum to one, full tables with one row per
parent combination, and a source for every number. A number of exactly 0 or 1 that
rules an answer out is legal (a deterministic link can be meant) and only warned
about (:func:`~backspasm.spec.rules_certain.certain_numbers`, which ``backspasm
check`` reports; importable from here too).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from backspasm._text import cap_list, did_you_mean
from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import problem, show, state_list
from backspasm.spec.rules_certain import CertainNumberWarning, certain_numbers
from backspasm.spec.schema import (
    ASSUMPTION,
    BINARY_STATES,
    MAX_TABLE_ENTRIES,
    SOURCE_TAGS,
    NodeSpec,
    Parameter,
    sums_to_one,
)

__all__ = [
    "NUMBER_RULES",
    "CertainNumberWarning",
    "certain_numbers",
    "distribution_problems",
    "source_problems",
]

#: The missing rows of a table reported one by one; the rest are counted.
_MOST_ROWS = 10


def _in_unit(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _state_problems(
    file: str,
    where: str,
    path: str,
    p: Any,
    allowed: tuple[str, ...],
    *,
    wanted: str,
    unknown: Callable[[str], str],
    valid: Callable[[Any], bool] = _in_unit,
    invalid: str = "must be a probability between 0 and 1",
) -> Iterator[str]:
    """Check a ``{state = value}`` table: each state known, each value ``valid``.

    ``wanted`` says what ``p`` should be when it is not a table; ``unknown(state)``
    words the problem of a state not in ``allowed``; ``invalid`` that of a value
    (a probability in [0, 1] unless said otherwise).
    """
    if not isinstance(p, Mapping):
        yield problem(file, where, f"{path}.p", "distribution", f"{wanted}; got {show(p)}.")
        return
    for state, value in p.items():
        if state not in allowed:
            yield problem(
                file,
                where,
                f"{path}.p",
                "known-state",
                unknown(state) + did_you_mean(state, allowed),
            )
        if not valid(value):
            yield problem(
                file,
                where,
                f"{path}.p.{state}",
                "probability-range",
                f"{invalid}; got {show(value)}.",
            )


def distribution_problems(
    file: str, where: str, path: str, p: Any, states: tuple[str, ...]
) -> Iterator[str]:
    """Check that ``p`` is a valid value for a node with these states.

    Parameters
    ----------
    file, where : str
        Where to report a problem (see :func:`~backspasm.spec.raw.problem`).
    path : str
        The parameter's field path; problems name ``<path>.p``.
    p : object
        The value: P(yes) for binary ``states``, else ``{state = probability}``.
    states : tuple of str
        The states of the node.

    Yields
    ------
    str
        One problem per value out of range, unknown or missing state, and a sum
        other than 1.
    """
    if states == BINARY_STATES:
        if not _in_unit(p):
            yield problem(
                file,
                where,
                f"{path}.p",
                "probability-range",
                f"must be a probability between 0 and 1 (P(yes)); got {show(p)}.",
            )
        return
    yield from _state_problems(
        file,
        where,
        path,
        p,
        states,
        wanted=f"a node with states {state_list(states)} needs p = {{state = probability}}",
        unknown=lambda state: (
            f"unknown state '{state}'; states: {cap_list(states, unit='states')}."
        ),
    )
    if not isinstance(p, Mapping):
        return
    missing = [s for s in states if s not in p]
    if missing:
        yield problem(
            file,
            where,
            f"{path}.p",
            "distribution",
            f"missing states: {cap_list(missing, unit='states')}.",
        )
    elif not sums_to_one(p):
        total = sum(float(v) for v in p.values() if _in_unit(v))
        yield problem(
            file,
            where,
            f"{path}.p",
            "sums-to-one",
            f"the probabilities must sum to 1; they sum to {total:.6g}.",
        )


def _values(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if ctx.bad(node.name, "states"):
            continue  # the numbers cannot be checked against unknown states
        file, where = ctx.where(node)
        for path, param in node.parameters():
            if ctx.bad(node.name, f"{path}.p"):
                continue
            if path == "base" or path.startswith("odds."):
                yield from _logistic_problems(ctx, node, path, param.p)
                continue
            if not path.startswith("strength."):
                yield from distribution_problems(file, where, path, param.p, node.states)
                continue
            parent = path.removeprefix("strength.")
            parent_spec = ctx.nodes.get(parent)
            if ctx.bad(parent, "states"):
                continue
            if node.form == "noisy_max":
                if parent_spec is not None and parent_spec.states != BINARY_STATES:
                    yield problem(
                        file,
                        where,
                        path,
                        "probability-range",
                        f"noisy-MAX parents must be binary; '{parent}' has states "
                        f"{state_list(parent_spec.states)} (use a full table).",
                    )
                yield from distribution_problems(file, where, path, param.p, node.states)
            elif parent_spec is not None and parent_spec.states != BINARY_STATES:
                yield from _multistate_strength(file, where, path, param.p, parent_spec)
            else:
                yield from distribution_problems(file, where, path, param.p, BINARY_STATES)


#: Odds ratios are kept within 1e-6 to 1e6: products of larger ones overflowed the
#: table to NaN (no study gives an odds ratio near either bound).
_ODDS_LIMIT = 1e6


def _odds_ratio(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 1 / _ODDS_LIMIT <= value <= _ODDS_LIMIT
    )


def _logistic_problems(ctx: Context, node: NodeSpec, path: str, p: Any) -> Iterator[str]:
    """Check a logistic node's base (a probability strictly inside 0-1) or odds ratio."""
    file, where = ctx.where(node)
    if path == "base":
        if not (_in_unit(p) and 0 < p < 1):
            yield problem(
                file,
                where,
                "base.p",
                "probability-range",
                f"must be a probability strictly between 0 and 1 (P(yes) with every parent "
                f"in its first state); got {show(p)}.",
            )
        return
    parent = ctx.nodes.get(path.removeprefix("odds."))
    if parent is None or ctx.bad(parent.name, "states") or len(parent.states) < 2:
        return  # reported by known-parent or the parent's own states (field-type, states)
    active = parent.states[1:]
    if parent.states == BINARY_STATES:
        if not _odds_ratio(p):
            yield problem(
                file,
                where,
                f"{path}.p",
                "probability-range",
                f"must be an odds ratio (a number from 1e-6 to 1e6) for '{parent.name}' = "
                f"'{active[0]}' against '{parent.states[0]}'; got {show(p)}.",
            )
        return
    yield from _state_problems(
        file,
        where,
        path,
        p,
        active,
        wanted=f"parent '{parent.name}' has states {state_list(parent.states)}: give an odds "
        f"ratio per non-reference state, e.g. {{ {active[0]!r} = 2.0 }}",
        unknown=lambda state: (
            f"'{state}' is not a non-reference state of '{parent.name}' "
            f"(allowed: {cap_list(active, unit='states')})."
        ),
        valid=_odds_ratio,
        invalid="must be an odds ratio (a number from 1e-6 to 1e6)",
    )


def _multistate_strength(
    file: str, where: str, path: str, p: Any, parent: NodeSpec
) -> Iterator[str]:
    active = parent.states[1:]
    if not active:
        return  # the parent has fewer than two states: reported by the states rule
    yield from _state_problems(
        file,
        where,
        path,
        p,
        active,
        wanted=f"parent '{parent.name}' has states {state_list(parent.states)}: give a strength "
        f"per non-reference state, e.g. {{ {active[0]!r} = 0.1 }}",
        unknown=lambda state: (
            f"'{state}' is not a non-reference state of '{parent.name}' "
            f"(allowed: {cap_list(active, unit='states')})."
        ),
    )


def _table_rows(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.form != "table":
            continue
        entries = ctx.table_entries(node)
        if (
            entries is None
            or entries > MAX_TABLE_ENTRIES
            or ctx.bad_within(node.name, "table")
            or ctx.bad(node.name, "parents")
        ):
            continue  # reported by field-type or table-size
        file, where = ctx.where(node)
        parents = [ctx.nodes[p] for p in node.parents if p in ctx.nodes]
        if len(parents) != len(node.parents):
            continue  # reported by known-parent
        seen: dict[tuple[str, ...], int] = {}
        for i, row in enumerate(node.table):
            if set(row.when) != set(node.parents):
                yield problem(
                    file,
                    where,
                    f"table[{i}].when",
                    "table-rows",
                    f"must name every parent exactly ({cap_list(node.parents, unit='parents')}); "
                    f"got {', '.join(row.when) or 'none'}.",
                )
                continue
            key = tuple(str(row.when[p.name]) for p in parents)
            for parent, state in zip(parents, key, strict=True):
                if state not in parent.states:
                    yield problem(
                        file,
                        where,
                        f"table[{i}].when.{parent.name}",
                        "known-state",
                        f"unknown state '{state}' of '{parent.name}'; states: "
                        f"{cap_list(parent.states, unit='states')}."
                        + did_you_mean(state, parent.states),
                    )
            if key in seen:
                yield problem(
                    file,
                    where,
                    f"table[{i}].when",
                    "table-rows",
                    f"duplicates row {seen[key]} ({dict(zip(node.parents, key, strict=True))}).",
                )
            seen[key] = i
        missing = (c for c in itertools.product(*(p.states for p in parents)) if c not in seen)
        for combo in itertools.islice(missing, _MOST_ROWS):
            yield problem(
                file,
                where,
                "table",
                "table-rows",
                f"no row for {dict(zip(node.parents, combo, strict=True))}.",
            )
        more = sum(1 for _ in missing)
        if more:
            yield problem(
                file,
                where,
                "table",
                "table-rows",
                f"no row for {more:,} more combinations of the parents' states (the table "
                f"needs one row per combination: {math.prod(len(p.states) for p in parents):,}).",
            )


def source_problems(
    ctx: Context, file: str, where: str, path: str, param: Parameter | None
) -> Iterator[str]:
    """Check a number's provenance: a known source key, or an assumption with a why.

    Parameters
    ----------
    ctx : Context
        Holds the bibliography.
    file, where : str
        Where to report a problem (see :func:`~backspasm.spec.raw.problem`).
    path : str
        The parameter's field path; problems name ``<path>.source`` or ``<path>.why``.
    param : Parameter or None
        The parameter; None when it has none.

    Yields
    ------
    str
        At most one problem.
    """
    if param is None or not param.source:
        yield problem(
            file,
            where,
            f"{path}.source",
            "has-source",
            "no source: give a bibliography key or 'assumption' with a 'why'.",
        )
    elif param.source == ASSUMPTION:
        if not (param.why or "").strip():
            yield problem(
                file,
                where,
                f"{path}.why",
                "assumption-why",
                "an assumption needs a one-line 'why'.",
            )
    elif param.source not in ctx.sources and "sources" not in ctx.raw.dropped_tables:
        yield problem(
            file,
            where,
            f"{path}.source",
            "known-source",
            f"unknown source key '{param.source}'."
            + did_you_mean(param.source, [*ctx.sources, ASSUMPTION]),
        )


def _sources(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        for path, param in node.parameters():
            if not ctx.bad(node.name, f"{path}.source") and not ctx.bad(node.name, f"{path}.why"):
                yield from source_problems(ctx, file, where, path, param)
    for src in ctx.sources.values():
        if src.key == ASSUMPTION:
            yield problem(
                src.file,
                f"source '{src.key}'",
                "",
                "known-source",
                f"a reserved name: source = '{ASSUMPTION}' marks a reasoned assumption, so no "
                "number can cite this entry. Rename it (e.g. after its first author and year).",
            )
        bad = ctx.raw.bad_sources.get(src.key, set())
        if src.tag not in SOURCE_TAGS and not bad & {"", "tag"}:
            yield problem(
                src.file,
                f"source '{src.key}'",
                "tag",
                "source-tag",
                f"tag must be one of {', '.join(SOURCE_TAGS)}; got '{src.tag}'."
                + did_you_mean(src.tag, SOURCE_TAGS),
            )


#: The rules on the numbers, in the order they are checked.
NUMBER_RULES: tuple[Rule, ...] = (
    Rule("probability-range", "probabilities in [0, 1]; distributions sum to 1", _values),
    Rule("table-rows", "a full table has one row per parent combination", _table_rows),
    Rule(
        "known-source", "every number cites a known source or is a reasoned assumption", _sources
    ),
)
