"""The ``field-type`` check: every value of the documented type, before any rule looks.

:func:`typecheck` reports each value of the wrong type and drops it, so that the rules
and the builders only ever see values of the documented types, and records which
field paths were dropped so that no rule reports a mere consequence of one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from backspasm.spec.raw import RawSpec, is_number, problem, show, state_list
from backspasm.spec.schema import SOURCE_FIELDS

__all__ = ["MAX_STATES", "typecheck"]

#: The most states a node may have: a choice longer than this is no question to ask,
#: and each state is a row or column of every table the node is in.
MAX_STATES = 100


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


#: A type: its test and how a problem message names it.
_Kind = tuple[Callable[[Any], bool], str]
_STRING: _Kind = (lambda v: isinstance(v, str), "a string")
_BOOLEAN: _Kind = (lambda v: isinstance(v, bool), "true or false")
_NUMBER: _Kind = (is_number, "a number")
_SIMPLE_NODE_FIELDS: dict[str, _Kind] = {
    "group": _STRING,
    "label": _STRING,
    "label_no": _STRING,
    "description": _STRING,
    "states": (_is_strings, 'an array of state names, e.g. ["low", "high"]'),
    "parents": (_is_strings, 'an array of node names, e.g. ["exertion"]'),
    "extension": _BOOLEAN,
}
_QUESTION_TYPES: dict[str, _Kind] = {
    "column": _STRING,
    "prompt": _STRING,
    "section": _STRING,
    "red_flag": _BOOLEAN,
    "unit": _STRING,
    "integer": _BOOLEAN,
    "min": _NUMBER,
    "max": _NUMBER,
    "bins": (lambda v: isinstance(v, dict), 'a table { state = "<= bound", ... }'),
    "default": _STRING,
}
_SOURCE_TYPES = dict.fromkeys(SOURCE_FIELDS, _STRING)
_BIN_TEXT: _Kind = (_STRING[0], 'a string like "<= 39"')


@dataclass
class _Typing:
    """Type checks of one node or source: its problems and the paths that failed."""

    file: str
    where: str
    problems: list[str]
    bad: set[str]

    def ok(self, path: str, value: Any, kind: _Kind) -> bool:
        test, what = kind
        if test(value):
            return True
        self.fail(path, value, what)
        return False

    def fail(self, path: str, value: Any, what: str) -> None:
        hint = ""
        if isinstance(value, str) and "node names" in what:
            hint = f' Did you mean ["{value}"]?'
        self.problems.append(
            problem(
                self.file,
                self.where,
                path,
                "field-type",
                f"must be {what}; got {show(value)}.{hint}",
            )
        )
        self.bad.add(path)

    def fields(
        self, prefix: str, body: Mapping[str, Any], kinds: Mapping[str, _Kind]
    ) -> dict[str, Any]:
        """Return ``body`` without the values of ``kinds``' fields that have another type."""
        return {
            k: v for k, v in body.items() if k not in kinds or self.ok(f"{prefix}{k}", v, kinds[k])
        }

    def param(self, path: str, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, value, "an inline table { p = ..., source = ... }")
            return None
        return self.fields(f"{path}.", value, {"source": _STRING, "why": _STRING})


def _typed_node(check: _Typing, body: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a node's body holding only values of the documented types.

    A parameter form whose value is dropped keeps its key (with ``None``, ``{}`` or
    placeholder rows), so that the form and the row numbers stay what the file says.
    """
    out = check.fields("", body, _SIMPLE_NODE_FIELDS)
    states = out.get("states")
    if isinstance(states, list) and not 2 <= len(states) <= MAX_STATES:
        # Dropped like a value of the wrong type: every rule that reads the states
        # would otherwise report each of its uses again (each state of every table
        # "unknown" for an empty list, the whole list for a long one).
        message = (
            f"needs at least two states; got {state_list(states)}."
            if len(states) < 2
            else f"has {len(states):,} states; the limit is {MAX_STATES}: "
            f"{state_list(states)}. Group them, or make the number a question with bins."
        )
        check.problems.append(problem(check.file, check.where, "states", "states", message))
        check.bad.add("states")
        del out["states"]
    for key in ("prior", "leak", "base"):
        if key in out:
            out[key] = check.param(key, out[key])
    for key in ("strength", "odds"):
        if key in out:
            per_parent = out[key]
            if not isinstance(per_parent, dict):
                check.fail(key, per_parent, f"a table of {key}.<parent> = {{ p = ... }}")
                per_parent = {}
            typed = {k: check.param(f"{key}.{k}", v) for k, v in per_parent.items()}
            out[key] = {k: v for k, v in typed.items() if v is not None}
    if "table" in out:
        rows = out["table"]
        if not isinstance(rows, list):
            check.fail("table", rows, "an array of rows [{ when = {...}, p = ... }, ...]")
            rows = []
        out["table"] = [_typed_row(check, f"table[{i}]", row) for i, row in enumerate(rows)]
    if "question" in out:
        question = out.pop("question")
        if not isinstance(question, dict):
            check.fail("question", question, "an inline table { column = ..., prompt = ... }")
        else:
            typed_question = check.fields("question.", question, _QUESTION_TYPES)
            bins = typed_question.get("bins")
            if isinstance(bins, dict):
                typed_question["bins"] = check.fields(
                    "question.bins.", bins, dict.fromkeys(bins, _BIN_TEXT)
                )
            out["question"] = typed_question
    return out


def _typed_row(check: _Typing, path: str, row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        check.fail(path, row, "an inline table { when = {...}, p = ..., source = ... }")
        return {"when": {}}
    out = check.param(path, row) or {}
    when = out.get("when", {})
    if not isinstance(when, dict):
        check.fail(f"{path}.when", when, "an inline table { parent = state, ... }")
        when = {}
    out["when"] = check.fields(f"{path}.when.", when, dict.fromkeys(when, _STRING))
    return out


def typecheck(raw: RawSpec) -> RawSpec:
    """Report every value of the wrong type and return ``raw`` without them.

    The later rules and the builders only ever see values of the documented types;
    :meth:`~backspasm.spec.context.Context.bad` tells them which values were dropped,
    so that they report nothing that is only a consequence of a reported type problem.

    Parameters
    ----------
    raw : RawSpec
        The parser's output.

    Returns
    -------
    RawSpec
        A copy holding only well-typed values, with the problems in ``type_problems``
        and the dropped paths in ``bad_nodes`` and ``bad_sources``.
    """
    out = RawSpec(
        duplicates=raw.duplicates,
        problems=raw.problems,
        triage=raw.triage,
        triage_twice=raw.triage_twice,
        failed_files=raw.failed_files,
        type_problems=list(raw.type_problems),
        bad_nodes={k: set(v) for k, v in raw.bad_nodes.items()},
        bad_sources={k: set(v) for k, v in raw.bad_sources.items()},
        dropped_tables=set(raw.dropped_tables),
        texts=raw.texts,
    )
    for name, (file, body) in raw.nodes.items():
        check = _Typing(file, f"node '{name}'", out.type_problems, set())
        out.nodes[name] = (file, _typed_node(check, body))
        if check.bad:
            out.bad_nodes.setdefault(name, set()).update(check.bad)
    for key, (file, body) in raw.sources.items():
        check = _Typing(file, f"source '{key}'", out.type_problems, set())
        out.sources[key] = (file, check.fields("", body, _SOURCE_TYPES))
        if check.bad:
            out.bad_sources.setdefault(key, set()).update(check.bad)
    return out
