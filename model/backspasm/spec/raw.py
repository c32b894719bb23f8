"""What the TOML files said, before validation, and how a problem in them is worded.

:class:`RawSpec` is the parser's output and the validator's input. Every problem of
every rule is one line made by :func:`problem`: file, place, field, message and rule.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backspasm._text import cap_list, did_you_mean

__all__ = [
    "RawSpec",
    "is_number",
    "problem",
    "show",
    "state_list",
    "type_name",
    "unknown_field",
]

_LARGEST_FLOAT = sys.float_info.max


@dataclass
class RawSpec:
    """What the TOML said, before validation (keeps the file of each entry).

    ``bad_nodes`` and ``bad_sources`` hold, per name, the field paths whose value had
    the wrong type (``""`` for the whole entry): :func:`~backspasm.spec.typecheck.typecheck`
    reports and drops those values, and the rules skip whatever depends on them.

    Attributes
    ----------
    nodes, sources : dict of str to (str, dict)
        Per name, the file that declared it and its table.
    duplicates : list of str
        Problems of names declared in more than one file, one per name (the name
        keeps an empty table, every field marked dropped in ``bad_nodes`` or
        ``bad_sources``).
    problems : list of str
        Problems found while parsing (syntax, unknown top-level tables).
    triage : (str, dict) or None
        The file and body of the (first) ``[triage]`` table, when there is one.
    triage_twice : bool
        Whether a second ``[triage]`` table was found (a ``unique-name`` problem; the
        triage rules then check neither, since which one was meant is unknown).
    failed_files : list of str
        Files that are not valid TOML.
    type_problems : list of str
        Problems of values of the wrong type.
    bad_nodes, bad_sources : dict of str to set of str
        Field paths dropped for their type, per node and per source.
    texts : dict of str to bytes
        Each file's contents, to name the line of a declaration in a problem.
    dropped_tables : set of str
        The top-level tables (``nodes``, ``sources``, ``triage``) some file gave with
        the wrong type (all three for a file that declares nothing): what they held is
        unknown, so names not found may be there (the rules then do not report them:
        one problem for one mistake).
    """

    nodes: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    sources: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    triage: tuple[str, dict[str, Any]] | None = None
    triage_twice: bool = False
    failed_files: list[str] = field(default_factory=list)
    type_problems: list[str] = field(default_factory=list)
    bad_nodes: dict[str, set[str]] = field(default_factory=dict)
    bad_sources: dict[str, set[str]] = field(default_factory=dict)
    dropped_tables: set[str] = field(default_factory=set)
    texts: dict[str, bytes] = field(default_factory=dict)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a TOML number that a float can hold.

    Not a boolean, and not an integer of hundreds of digits (legal TOML), which every
    ``float()`` and ``math`` function would refuse with an ``OverflowError``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, float) or abs(value) <= _LARGEST_FLOAT


def problem(file: str, where: str, fieldname: str, rule: str, message: str) -> str:
    """Word one problem: ``"<file>: <where>, field '<field>': <message> [rule: <rule>]"``.

    Parameters
    ----------
    file : str
        The TOML file.
    where : str
        The node, source or table, e.g. ``"node 'fever'"``; empty for the whole file.
    fieldname : str
        The field path, e.g. ``"strength.exertion"``; empty for none.
    rule : str
        The identifier of the rule that is broken.
    message : str
        What is wrong and, where it can, how to fix it.

    Returns
    -------
    str
    """
    location = f"{file}: {where}" if where else file
    if fieldname:
        location += f", field '{fieldname}'"
    return f"{location}: {message} [rule: {rule}]"


def unknown_field(file: str, where: str, path: str, key: str, allowed: Iterable[str]) -> str:
    """Word the ``known-field`` problem of a field ``key`` that is not in ``allowed``.

    Parameters
    ----------
    file, where : str
        As for :func:`problem`.
    path : str
        The field path to report.
    key : str
        The unknown field name.
    allowed : iterable of str
        The field names the table may have.

    Returns
    -------
    str
    """
    allowed = tuple(allowed)
    return problem(
        file,
        where,
        path,
        "known-field",
        f"unknown field '{key}'; allowed: {', '.join(allowed)}." + did_you_mean(key, allowed),
    )


def state_list(states: Iterable[str]) -> str:
    """Show a node's states for a message, the first ten of a long list only.

    Parameters
    ----------
    states : iterable of str

    Returns
    -------
    str
        E.g. ``"['no', 'yes']"`` or ``"['s0', 's1', ..., 's9', … (100,000 states)]"``.
    """
    return f"[{cap_list((repr(s) for s in states), unit='states')}]"


def type_name(value: Any) -> str:
    """Name the TOML type of a value: ``"a table"``, ``"an array"``, ``"a string"``, ...

    Parameters
    ----------
    value : object
        A value read from TOML.

    Returns
    -------
    str
    """
    names = {
        dict: "a table",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }
    if type(value) in names:
        return names[type(value)]
    # a multi-state ``p`` is built into a read-only mapping before the rules see it
    return "a table" if isinstance(value, Mapping) else f"a {type(value).__name__}"


def show(value: Any) -> str:
    """Describe a value for a problem message: a short repr and, unless a number, its type.

    Parameters
    ----------
    value : object
        What the file gave, cut to 60 characters.

    Returns
    -------
    str
        E.g. ``"'0.3' (a string)"``, ``"true (a boolean)"`` or ``"1.5"``.
    """
    try:
        text = ("false", "true")[value] if isinstance(value, bool) else repr(value)
    except (RecursionError, ValueError):  # nested hundreds deep, or a huge integer
        text = "..."
    if len(text) > 60:
        text = text[:57] + "..."
    if type(value) in (int, float):
        return text
    return f"{text} ({type_name(value)})"
