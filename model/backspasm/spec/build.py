"""Build the frozen dataclasses of :mod:`backspasm.spec.schema` from type-checked TOML.

The builders trust the types (see :mod:`backspasm.spec.typecheck`) but not the
content: a node with a missing field still builds, so that every rule can report on
it; only a valid :class:`~backspasm.spec.raw.RawSpec` is built into a triage policy.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Mapping
from typing import Any

from backspasm._frozen import FrozenMap
from backspasm.spec.raw import RawSpec
from backspasm.spec.schema import (
    BINARY_STATES,
    Form,
    NodeSpec,
    Parameter,
    Source,
    TableRow,
    TriageCauseRule,
    TriageFlag,
    TriagePolicy,
)
from backspasm.spec.schema_questions import QuestionKind, QuestionSpec

__all__ = ["BIN_OPERATORS", "build_node", "build_source", "build_triage", "parse_bin"]

#: What each bin operator means, for a number or an array of numbers.
BIN_OPERATORS: Mapping[str, Any] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

_BIN_PATTERN = re.compile(
    r"\s*(<=|>=|<|>)\s*([+-]?(?:inf|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))\s*"
)


def _as_param(value: Any) -> Parameter | None:
    if not isinstance(value, dict):
        return None
    p: Any = value.get("p")
    if isinstance(p, dict):
        p = FrozenMap({str(k): v for k, v in p.items()})
    return Parameter(p=p, source=value.get("source", ""), why=value.get("why"))


def _form_of(body: Mapping[str, Any]) -> Form:
    if "table" in body:
        return "table"
    if "leak" in body or "strength" in body:  # may carry odds ratios as well
        states = body.get("states", BINARY_STATES)
        return "noisy_or" if tuple(states) == BINARY_STATES else "noisy_max"
    if "base" in body or "odds" in body:
        return "logistic"
    return "prior"


def parse_bin(text: Any) -> tuple[str, float] | None:
    """Parse a bin: ``"<= 39"`` -> ``("<=", 39.0)``.

    Parameters
    ----------
    text : object
        The bin as the file gave it.

    Returns
    -------
    (str, float) or None
        The operator and the bound; None unless ``text`` is ``<op> <number>`` with
        ``<op>`` one of ``<``, ``<=``, ``>``, ``>=`` (nan excluded).
    """
    found = _BIN_PATTERN.fullmatch(text) if isinstance(text, str) else None
    return (found[1], float(found[2])) if found else None


def _build_question(name: str, states: tuple[str, ...], q: Mapping[str, Any]) -> QuestionSpec:
    """Build the question of a node from its type-checked ``question`` table."""
    bins = q.get("bins")
    kind: QuestionKind = (
        "number" if bins is not None else "yes_no" if states == BINARY_STATES else "choice"
    )
    cuts = []
    for state in states:
        parsed = parse_bin(bins.get(state)) if isinstance(bins, dict) else None
        if parsed is not None:
            cuts.append((state, *parsed))
    low, high = q.get("min"), q.get("max")
    return QuestionSpec(
        column=q.get("column", ""),
        node=name,
        prompt=q.get("prompt", ""),
        section=q.get("section", ""),
        kind=kind,
        choices=() if kind == "number" else states,
        red_flag=q.get("red_flag", False),
        unit=q.get("unit"),
        integer=q.get("integer", False),
        minimum=None if low is None else float(low),
        maximum=None if high is None else float(high),
        bins=tuple(cuts),
        default=q.get("default"),
    )


def build_node(name: str, file: str, body: Mapping[str, Any]) -> NodeSpec:
    """Build a node from its type-checked body.

    Parameters
    ----------
    name : str
        The node's name.
    file : str
        The TOML file that declared it.
    body : mapping
        Its table, after :func:`~backspasm.spec.typecheck.typecheck`.

    Returns
    -------
    NodeSpec
        Missing fields are empty and missing numbers nan, for the rules to report.
    """
    rows = tuple(
        TableRow(
            when=FrozenMap(row["when"]),
            param=_as_param(row) or Parameter(p=math.nan, source=""),
        )
        for row in body.get("table", [])
    )
    states = tuple(body.get("states", BINARY_STATES))
    question = body.get("question")
    return NodeSpec(
        name=name,
        group=body.get("group", ""),
        label=body.get("label", ""),
        label_no=body.get("label_no", ""),
        description=body.get("description", ""),
        states=states,
        parents=tuple(body.get("parents", ())),
        form=_form_of(body),
        prior=_as_param(body.get("prior")),
        leak=_as_param(body.get("leak")),
        strengths=FrozenMap(
            {
                k: _as_param(v) or Parameter(p=math.nan, source="")
                for k, v in body.get("strength", {}).items()
            }
        ),
        base=_as_param(body.get("base")),
        odds=FrozenMap(
            {
                k: _as_param(v) or Parameter(p=math.nan, source="")
                for k, v in body.get("odds", {}).items()
            }
        ),
        table=rows,
        extension=body.get("extension", False),
        file=file,
        question=None if question is None else _build_question(name, states, question),
    )


def build_source(key: str, file: str, body: Mapping[str, Any]) -> Source:
    """Build a bibliography entry from its type-checked table.

    Parameters
    ----------
    key : str
        The key parameters cite.
    file, body : str and mapping
        The TOML file that declared it and its type-checked table.

    Returns
    -------
    Source
    """
    return Source(
        key=key,
        citation=body.get("citation", ""),
        tag=body.get("tag", ""),
        url=body.get("url"),
        note=body.get("note"),
        file=file,
    )


def _threshold(value: Any) -> Parameter:
    param = _as_param(value)
    assert param is not None, "validated: a threshold is an inline table"
    return param


def _hours(entry: Mapping[str, Any]) -> float | None:
    """Return the optional ``within_hours`` of a validated flag or cause rule, as a float."""
    hours = entry.get("within_hours")
    return None if hours is None else float(hours)


def build_triage(raw: RawSpec) -> TriagePolicy | None:
    """Build the triage policy of a knowledge base that passed every rule.

    Parameters
    ----------
    raw : RawSpec
        Type-checked and validated.

    Returns
    -------
    TriagePolicy or None
        None when the knowledge base declares no ``[triage]`` table.
    """
    if raw.triage is None:
        return None
    file, body = raw.triage
    emergency = body.get("emergency_p_serious")
    return TriagePolicy(
        see_doctor_p_serious=_threshold(body["see_doctor_p_serious"]),
        see_doctor_p_pathologic=_threshold(body["see_doctor_p_pathologic"]),
        flags=tuple(
            TriageFlag(
                name=str(f.get("name", "")),
                level=str(f["level"]),
                when=FrozenMap(dict(f["when"])),
                source=str(f["source"]),
                why=f.get("why"),
                within_hours=_hours(f),
                unless=FrozenMap(dict(f.get("unless", {}))),
                of=FrozenMap(dict(f.get("of", {}))),
                at_least=int(f.get("at_least", 0)),
            )
            for f in body.get("flags", [])
        ),
        causes=tuple(
            TriageCauseRule(
                cause=str(r["cause"]),
                level=str(r["level"]),
                p=float(r["p"]),
                when=FrozenMap({str(k): str(v) for k, v in r.get("when", {}).items()}),
                source=str(r["source"]),
                why=r.get("why"),
                within_hours=_hours(r),
            )
            for r in body.get("causes", [])
        ),
        emergency_p_serious=None if emergency is None else _threshold(emergency),
        safety_net=FrozenMap({str(k): str(v) for k, v in body.get("safety_net", {}).items()}),
        file=file,
    )
