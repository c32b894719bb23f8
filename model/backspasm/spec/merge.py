"""Merge the top-level tables of a knowledge base's files into one :class:`RawSpec`.

Each node (``[nodes.<name>]``), source (``[sources.<key>]``) and the ``[triage]``
table is declared in one file. A name declared in two or more files is one
``unique-name`` problem naming every file and the line of each declaration; neither
declaration is checked further (which one was meant is unknown), so the problem is not
followed by others that only the duplicate caused.
"""

from __future__ import annotations

import functools
import re
import tomllib
from typing import Any

from backspasm._text import did_you_mean
from backspasm.spec.raw import RawSpec, problem, show

__all__ = ["TOP_LEVEL", "Declared", "add_document", "declared_lines", "place", "report_twice"]

#: The top-level tables a file may have.
TOP_LEVEL = ("nodes", "sources", "triage")

#: Per declared name (``("nodes", "fever")``, ``("sources", "Chou07")``, ``("triage",)``),
#: the files that declare it, in the order they were read.
Declared = dict[tuple[str, ...], list[str]]

_WHAT = {"nodes": "node", "sources": "source"}


def add_document(raw: RawSpec, name: str, doc: dict[str, Any], declared: Declared) -> None:
    """Add one file's top-level tables to ``raw``, with the problems of their shape.

    What the file declares is noted in ``declared``; :func:`report_twice` reports the
    names declared in more than one file once every file is read.
    """
    for key in doc:
        if key not in TOP_LEVEL:
            raw.problems.append(
                problem(
                    name,
                    f"top-level table '{key}'",
                    "",
                    "known-field",
                    "unknown top-level table; allowed: 'nodes', 'sources', 'triage'."
                    + did_you_mean(key, TOP_LEVEL),
                )
            )
    for kind in TOP_LEVEL:
        if kind in doc and not isinstance(doc[kind], dict):
            example = (
                "a table ([triage])" if kind == "triage" else f"a table of [{kind}.<name>] tables"
            )
            raw.dropped_tables.add(kind)
            raw.type_problems.append(
                problem(
                    name,
                    "top level",
                    kind,
                    "field-type",
                    f"must be {example}; got {show(doc[kind])}.",
                )
            )
    if isinstance(doc.get("triage"), dict):
        declared.setdefault(("triage",), []).append(name)
        if raw.triage is not None:
            raw.triage_twice = True
        else:
            raw.triage = (name, doc["triage"])
    _add_entries(raw.nodes, raw.bad_nodes, raw, name, "nodes", doc.get("nodes"), declared)
    _add_entries(raw.sources, raw.bad_sources, raw, name, "sources", doc.get("sources"), declared)


def _add_entries(
    store: dict[str, tuple[str, dict[str, Any]]],
    bad: dict[str, set[str]],
    raw: RawSpec,
    name: str,
    kind: str,
    table: Any,
    declared: Declared,
) -> None:
    """Add the ``[<kind>.<key>]`` tables of one file to ``store``, once per key.

    A key already declared by another file keeps no table (``{}``, every field marked
    dropped in ``bad``): the rules then say nothing of either declaration.
    """
    for key, body in (table if isinstance(table, dict) else {}).items():
        files = declared.setdefault((kind, key), [])
        files.append(name)
        if len(files) > 1:
            store[key] = (files[0], {})
            bad[key] = {""}
            continue
        if not isinstance(body, dict):
            raw.type_problems.append(
                problem(
                    name,
                    f"{_WHAT[kind]} '{key}'",
                    "",
                    "field-type",
                    f"must be a table of fields ([{kind}.{key}]); got {show(body)}.",
                )
            )
            bad[key] = {""}
            body = {}
        store[key] = (name, body)


def report_twice(raw: RawSpec, declared: Declared) -> None:
    """Add to ``raw.duplicates`` one problem per name declared in more than one file.

    Parameters
    ----------
    raw : RawSpec
        What the files said, with their ``texts``, searched for each declaration.
    declared : Declared
        What :func:`add_document` noted.
    """
    for path, names in declared.items():
        if len(names) > 1:
            raw.duplicates.append(_twice(path, [place(raw, name, path) for name in names]))


def place(raw: RawSpec, file: str, path: tuple[str, ...]) -> str:
    """Name where ``file`` declares a node, source or ``[triage]``: ``"causes.toml line 12"``.

    Parameters
    ----------
    raw : RawSpec
        What the files said, with their ``texts``.
    file : str
        The file.
    path : tuple of str
        ``("nodes", name)``, ``("sources", key)`` or ``("triage",)``.

    Returns
    -------
    str
        The file and line, or the file alone when the line is not found.
    """
    line = declared_lines(raw.texts.get(file, b"")).get(path)
    return f"{file} line {line}" if line else file


def _twice(path: tuple[str, ...], places: list[str]) -> str:
    """Word the problem of a node, source or ``[triage]`` declared in several files."""
    header = "[" + ".".join(_shown_key(part) for part in path) + "]"
    where = f"{', '.join(places[:-1])} and again in {places[-1]}"
    if path[0] == "triage":
        fix = "give the triage policy once, in one file"
    else:
        what = _WHAT[path[0]]
        fix = f"declare each {what} once: keep one of the tables, with what you meant from both"
    return (
        f"{header} is declared in {where}; {fix} (neither is checked until then). "
        "[rule: unique-name]"
    )


def _shown_key(key: str) -> str:
    """Write a key as a TOML table header does: bare when it can be, else quoted."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


#: A line that opens a table, and one that may start with a key.
_HEADER = re.compile(r"\s*\[")
_KEY = re.compile(r"\s*[A-Za-z0-9_\-\"']")
#: Where a key ends: farther than this into a line, the '=' is in a value.
_LONGEST_KEY = 300


@functools.lru_cache(maxsize=4)  # a rule may ask again of the same file
def declared_lines(data: bytes) -> dict[tuple[str, ...], int]:
    """Return the first line of a file that declares each node, source and ``[triage]``.

    A declaration is a table header (``[nodes.fever]``, ``[nodes.fever.question]``) or a
    key (``fever = {...}`` under ``[nodes]``, ``nodes.fever.label = ...``); a name given
    only inside an inline table (``nodes = { fever = {...} }``) is not found.

    Parameters
    ----------
    data : bytes
        A file that is valid TOML.

    Returns
    -------
    dict of tuple of str to int
        Per ``("nodes", name)``, ``("sources", key)`` and ``("triage",)``, a line number
        counted from 1.
    """
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    quote = ""
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if quote:  # inside a string over several lines
            if line.count(quote) % 2:
                quote = ""
            continue
        keys = None
        if _HEADER.match(line):
            keys = _keys_of(line.strip())
            if keys is not None:
                table = keys
        elif _KEY.match(line):
            keys = _key_of(line)
            keys = None if keys is None else table + keys
        if keys:
            depth = 1 if keys[0] == "triage" else 2
            if len(keys) >= depth:
                found.setdefault(keys[:depth], number)
        quote = next((q for q in ('"""', "'''") if line.count(q) % 2), "")
    return found


def _keys_of(text: str) -> tuple[str, ...] | None:
    """Return the key path of a TOML header or ``key = value`` snippet, or None."""
    try:
        doc: Any = tomllib.loads(text)
    except (ValueError, RecursionError):
        return None
    keys: list[str] = []
    while isinstance(doc, dict) and len(doc) == 1:
        key, doc = next(iter(doc.items()))
        keys.append(key)
    return tuple(keys)


def _key_of(line: str) -> tuple[str, ...] | None:
    """Return the key path of a ``key = value`` line (its value may go on over more lines)."""
    for equals in re.finditer("=", line[:_LONGEST_KEY]):
        keys = _keys_of(line[: equals.start()] + "= 0")
        if keys:
            return keys
    return None
