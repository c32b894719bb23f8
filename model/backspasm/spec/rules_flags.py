"""The flags of the triage policy, checked: answers that set a level by themselves.

Each flag is named (its name is the reason triage gives), has a level, a ``when``
table of answers that must all hold, an optional ``unless`` table that takes it
away, and an optional count (``at_least`` of the answers of ``of``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from backspasm.spec.context import Context
from backspasm.spec.raw import problem, show
from backspasm.spec.rules_triage_fields import (
    triage_entries,
    triage_provenance,
    triage_when,
    triage_within_hours,
)

__all__ = ["FLAG_FIELDS", "flag_problems"]

#: The fields a flag may have.
FLAG_FIELDS = (
    "name",
    "level",
    "when",
    "unless",
    "of",
    "at_least",
    "source",
    "why",
    "within_hours",
)


def flag_problems(ctx: Context, file: str, where: str, body: Mapping[str, Any]) -> Iterator[str]:
    """Yield the problems of the policy's ``flags``, each named by its flag's name."""
    problems, flags = triage_entries(file, where, body, "flags", FLAG_FIELDS)
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
        elif "; " in name:
            yield problem(
                file,
                at,
                f"{path}.name",
                "triage-flag",
                f"must not contain '; ' (got {name!r}): a case's reasons are joined with "
                "'; ', so the name would read as two reasons; use a comma.",
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
        yield from _flag_count(ctx, file, at, path, flag)
        yield from triage_within_hours(file, at, path, flag, "triage-flag")
        yield from triage_provenance(ctx, file, at, path, flag)


#: What a flag's tables of answers must be, as a problem says it.
_FLAG_ANSWERS = {
    "when": ("triage-flag", "needs {node = state, ...}"),
    "unless": (
        "field-type",
        "must be an inline table {node = state, ...} of answers that take the flag away",
    ),
    "of": (
        "field-type",
        "must be an inline table {node = state, ...} of the answers 'at_least' counts",
    ),
}


#: What an empty table of answers should hold instead.
_EMPTY = {
    "when": "is empty: a flag needs at least one answer to apply to, {node = state, ...} "
    "(a count needs them too, on top of its 'of').",
    "unless": "is empty: leave 'unless' out, or give the answers that take the flag away, "
    "{node = state, ...}.",
    "of": "is empty: give the answers 'at_least' counts, {node = state, ...}.",
}


def _flag_answers(
    ctx: Context, file: str, at: str, path: str, flag: Mapping[str, Any], key: str
) -> Iterator[str]:
    """Check a flag's ``when`` (required), ``unless`` or ``of`` (optional) table of answers.

    Each names real nodes and states; a node of ``unless`` or ``of`` is not also in
    ``when``.
    """
    table = flag.get(key)
    if key != "when" and table is None:
        return
    if isinstance(table, dict) and not table:
        yield problem(file, at, f"{path}.{key}", _FLAG_ANSWERS[key][0], _EMPTY[key])
        return
    if not isinstance(table, dict):
        rule, need = _FLAG_ANSWERS[key]
        got = "." if table is None else f"; got {show(table)}."
        yield problem(file, at, f"{path}.{key}", rule, need + got)
        return
    yield from triage_when(ctx, file, at, path, table, "triage-flag", key)
    if key == "when":
        return
    when = flag.get("when")
    for node in table:
        if isinstance(when, dict) and node in when:
            said = (
                "an answer the flag needs cannot also take it away"
                if key == "unless"
                else "an answer the flag needs is not also one it counts"
            )
            yield problem(
                file,
                at,
                f"{path}.{key}.{node}",
                "triage-flag",
                f"'{node}' is in both 'when' and '{key}': {said}; keep it in one of the two.",
            )


def _flag_count(
    ctx: Context, file: str, at: str, path: str, flag: Mapping[str, Any]
) -> Iterator[str]:
    """Check a flag's count: ``at_least`` (a whole number) of the answers of ``of``.

    The two come together; ``at_least`` is between 1 and the number of answers counted.
    """
    of, at_least = flag.get("of"), flag.get("at_least")
    if of is None and at_least is None:
        return
    if at_least is None:
        yield problem(
            file,
            at,
            f"{path}.at_least",
            "triage-flag",
            "'of' needs 'at_least': how many of its answers must hold for the flag.",
        )
        return
    if of is None:
        yield problem(
            file,
            at,
            f"{path}.of",
            "triage-flag",
            "'at_least' needs 'of': an inline table {node = state, ...} of the answers it counts.",
        )
        return
    yield from _flag_answers(ctx, file, at, path, flag, "of")
    if isinstance(at_least, bool) or not isinstance(at_least, int):
        yield problem(
            file,
            at,
            f"{path}.at_least",
            "field-type",
            f"must be a whole number of answers; got {show(at_least)}.",
        )
    elif isinstance(of, dict) and of and not 1 <= at_least <= len(of):
        yield problem(
            file,
            at,
            f"{path}.at_least",
            "triage-flag",
            f"must be between 1 and the {len(of)} answers of 'of'; got {at_least}.",
        )
