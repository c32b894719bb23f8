"""Read and validate the declarative knowledge base.

The knowledge base is a folder of TOML files (the bundled one lives in
``backspasm/knowledge/``). Each file may hold a bibliography (``[sources.<key>]``)
and nodes (``[nodes.<name>]``). A node declares its group, label, description,
states, parents and exactly one parameter form:

``prior``
    A root node's distribution.
``leak`` + ``strength.<parent>``
    A leaky noisy-OR (binary child) or a noisy-MAX (ordered multi-state child).
``table``
    A full conditional table, one row per combination of parent states.

Every parameter is an inline table ``{ p = ..., source = "<key>" }`` or
``{ p = ..., source = "assumption", why = "..." }``. ``p`` is P(yes) for a binary
node and a ``{state = probability}`` table for a multi-state one.

Parsing gives frozen dataclasses; :func:`validate_spec` walks one table of rules
(:data:`RULES`) and reports every problem at once, each naming the file, node, field,
rule, value and, where it can, the closest valid name.
"""

from __future__ import annotations

import difflib
import graphlib
import hashlib
import itertools
import math
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from backspasm.exceptions import SpecError

__all__ = [
    "GROUPS",
    "RULES",
    "NodeSpec",
    "Parameter",
    "Source",
    "Spec",
    "TableRow",
    "TriageFlag",
    "TriagePolicy",
    "load_spec",
    "validate_spec",
]

#: Node groups in the order figures and tables present them.
GROUPS: tuple[str, ...] = (
    "context",
    "exposure",
    "cause_fitness",
    "cause_pathologic",
    "cause_serious",
    "mechanism",
    "presentation",
    "finding",
    "complication",
)
CAUSE_GROUPS: tuple[str, ...] = ("cause_fitness", "cause_pathologic", "cause_serious")
SOURCE_TAGS: tuple[str, ...] = ("found", "secondary", "memory", "fitted")
#: Tags of sources that are literature (as opposed to numbers fitted to data).
LITERATURE_TAGS: tuple[str, ...] = ("found", "secondary", "memory")
ASSUMPTION = "assumption"
BINARY_STATES: tuple[str, str] = ("no", "yes")
_SUM_TOLERANCE = 1e-6

Form = Literal["prior", "noisy_or", "noisy_max", "table"]
_NODE_FIELDS = (
    "group",
    "label",
    "description",
    "states",
    "parents",
    "extension",
    "prior",
    "leak",
    "strength",
    "table",
)
_PARAM_FIELDS = ("p", "source", "why")
_SOURCE_FIELDS = ("citation", "tag", "url", "note")


@dataclass(frozen=True)
class Source:
    """One bibliography entry.

    Attributes
    ----------
    key : str
        The identifier parameters cite.
    citation : str
        Authors, title, journal, year.
    tag : str
        ``found`` (read in a retrievable source), ``secondary`` (quoted by another
        page), ``memory`` (recalled, not re-read) or ``fitted`` (estimated from a
        data file by :func:`backspasm.learning.fit_network`).
    url : str or None
        Where it was read.
    note : str or None
        Anything a reader should know about it.
    """

    key: str
    citation: str
    tag: str
    url: str | None = None
    note: str | None = None
    file: str = ""


@dataclass(frozen=True)
class Parameter:
    """One number (or one distribution) of the network with its provenance.

    Attributes
    ----------
    p : float or mapping of str to float
        P(yes) for a binary node, else a distribution over states (or, for a
        multi-state parent's noisy-OR strength, a strength per parent state).
    source : str
        A bibliography key or ``"assumption"``.
    why : str or None
        How the number was derived, or why it is assumed.
    """

    p: float | Mapping[str, float]
    source: str
    why: str | None = None

    @property
    def is_sourced(self) -> bool:
        """Whether the number rests on a bibliography entry."""
        return self.source != ASSUMPTION

    def count(self) -> int:
        """Return how many free numbers this parameter carries."""
        if isinstance(self.p, Mapping):
            return max(len(self.p) - 1, 1) if _sums_to_one(self.p) else len(self.p)
        return 1


@dataclass(frozen=True)
class TableRow:
    """One row of a full conditional table: parent states and the child's numbers."""

    when: Mapping[str, str]
    param: Parameter


@dataclass(frozen=True)
class NodeSpec:
    """The declaration of one node.

    Attributes
    ----------
    name, group, label, description : str
        Identity and the words figures and notebooks show.
    states : tuple of str
        State names, in order (``("no", "yes")`` for binary nodes).
    parents : tuple of str
        Parent node names.
    form : {"prior", "noisy_or", "noisy_max", "table"}
        Which parameter form the node uses.
    prior, leak : Parameter or None
    strengths : mapping of str to Parameter
        Noisy-OR/MAX strength per parent.
    table : tuple of TableRow
    extension : bool
        True for a cause that the source article does not list.
    file : str
        The TOML file that declared it.
    """

    name: str
    group: str
    label: str
    description: str
    states: tuple[str, ...]
    parents: tuple[str, ...]
    form: Form
    prior: Parameter | None = None
    leak: Parameter | None = None
    strengths: Mapping[str, Parameter] = field(default_factory=dict)
    table: tuple[TableRow, ...] = ()
    extension: bool = False
    file: str = ""

    @property
    def is_cause(self) -> bool:
        """Whether the node is one of the causes of back spasm."""
        return self.group in CAUSE_GROUPS

    def parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(field path, parameter)`` for every parameter of the node."""
        if self.prior is not None:
            yield "prior", self.prior
        if self.leak is not None:
            yield "leak", self.leak
        for parent, param in self.strengths.items():
            yield f"strength.{parent}", param
        for i, row in enumerate(self.table):
            yield f"table[{i}]", row.param


TRIAGE_LEVELS: tuple[str, ...] = ("emergency", "see_doctor", "self_care")
_TRIAGE_THRESHOLDS = ("emergency_p_serious", "see_doctor_p_serious", "see_doctor_p_pathologic")
_TRIAGE_FIELDS = (*_TRIAGE_THRESHOLDS, "flags")
_FLAG_FIELDS = ("name", "level", "when", "source", "why")


@dataclass(frozen=True)
class TriageFlag:
    """A combination of answers that by itself sets a minimum triage level.

    Attributes
    ----------
    name : str
        What the combination means, e.g. "cauda equina: saddle numbness".
    level : {"emergency", "see_doctor"}
    when : mapping of str to str
        Node to state; every pair must hold (AND).
    source, why : str
        Provenance, as for parameters.
    """

    name: str
    level: str
    when: Mapping[str, str]
    source: str
    why: str | None = None


@dataclass(frozen=True)
class TriagePolicy:
    """Thresholds and red flags that turn posteriors into an urgency level.

    Attributes
    ----------
    emergency_p_serious : Parameter
        P(at least one serious cause) at or above which the case is an emergency.
    see_doctor_p_serious : Parameter
        ... at or above which the person should see a doctor.
    see_doctor_p_pathologic : Parameter
        P(at least one pathologic cause) at or above which the person should see a
        doctor.
    flags : tuple of TriageFlag
    """

    emergency_p_serious: Parameter
    see_doctor_p_serious: Parameter
    see_doctor_p_pathologic: Parameter
    flags: tuple[TriageFlag, ...]
    file: str = ""


@dataclass(frozen=True)
class Spec:
    """A whole knowledge base: nodes, bibliography and where they came from.

    Attributes
    ----------
    nodes : mapping of str to NodeSpec
        In declaration order (file name order, then order within the file).
    sources : mapping of str to Source
    triage : TriagePolicy or None
        Urgency thresholds and red flags, when the knowledge base declares them.
    origin : str
        The folder or file it was read from.
    digest : str
        SHA-256 of the TOML bytes read, in file-name order (provenance).
    """

    nodes: Mapping[str, NodeSpec]
    sources: Mapping[str, Source]
    origin: str = ""
    digest: str = ""
    triage: TriagePolicy | None = None

    def group(self, group: str) -> tuple[str, ...]:
        """Return the names of the nodes of one group, in declaration order."""
        return tuple(n for n, s in self.nodes.items() if s.group == group)

    @property
    def causes(self) -> tuple[str, ...]:
        """The cause nodes, fitness then pathologic then serious."""
        return tuple(n for g in CAUSE_GROUPS for n in self.group(g))

    def parameters(self) -> Iterator[tuple[NodeSpec, str, Parameter]]:
        """Yield ``(node, field path, parameter)`` for every parameter."""
        for node in self.nodes.values():
            for path, param in node.parameters():
                yield node, path, param

    def sourced_share(self) -> tuple[int, int]:
        """Return ``(numbers with a literature source, all numbers)``."""
        counts = self.provenance_counts()
        return counts["literature"], sum(counts.values())

    def provenance_counts(self) -> dict[str, int]:
        """Count the numbers by provenance: ``literature``, ``fitted``, ``assumption``."""
        counts = {"literature": 0, "fitted": 0, "assumption": 0}
        for _, _, param in self.parameters():
            n = param.count()
            if not param.is_sourced:
                counts["assumption"] += n
            elif self.sources[param.source].tag in LITERATURE_TAGS:
                counts["literature"] += n
            else:
                counts["fitted"] += n
        return counts


# --------------------------------------------------------------------------- parsing


@dataclass
class _Raw:
    """What the TOML said, before validation (keeps the file of each entry)."""

    nodes: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    sources: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    triage: tuple[str, dict[str, Any]] | None = None


def _problem(file: str, where: str, fieldname: str, rule: str, message: str) -> str:
    location = f"{file}: {where}" if where else file
    if fieldname:
        location += f", field '{fieldname}'"
    return f"{location}: {message} [rule: {rule}]"


def _suggest(value: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def _read_files(path: str | Path | None) -> tuple[list[tuple[str, bytes]], str]:
    if path is None:
        root = resources.files("backspasm").joinpath("knowledge")
        items = sorted(
            (entry.name, entry.read_bytes())
            for entry in root.iterdir()
            if entry.name.endswith(".toml")
        )
        return items, "backspasm/knowledge (bundled)"
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.toml"))
        if not files:
            raise SpecError([f"{p}: no *.toml files in this folder [rule: files]"])
        return [(f.name, f.read_bytes()) for f in files], str(p)
    if p.is_file():
        return [(p.name, p.read_bytes())], str(p)
    raise SpecError([f"{p}: no such file or folder [rule: files]"])


def _parse(files: list[tuple[str, bytes]]) -> _Raw:
    raw = _Raw()
    for name, data in files:
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raw.problems.append(_problem(name, "", "", "toml-syntax", f"not valid TOML: {exc}"))
            continue
        if "triage" in doc:
            if raw.triage is not None:
                raw.duplicates.append(
                    _problem(
                        name,
                        "table 'triage'",
                        "",
                        "unique-name",
                        f"declared twice (first in {raw.triage[0]}).",
                    )
                )
            else:
                raw.triage = (name, doc["triage"] if isinstance(doc["triage"], dict) else {})
        for key in doc:
            if key not in ("nodes", "sources", "triage"):
                raw.problems.append(
                    _problem(
                        name,
                        f"top-level table '{key}'",
                        "",
                        "known-field",
                        "unknown top-level table; allowed: 'nodes', 'sources', 'triage'."
                        + _suggest(key, ("nodes", "sources", "triage")),
                    )
                )
        for kind, store in (("nodes", raw.nodes), ("sources", raw.sources)):
            for key, body in doc.get(kind, {}).items():
                if key in store:
                    where = f"node '{key}'" if kind == "nodes" else f"source '{key}'"
                    raw.duplicates.append(
                        _problem(
                            name,
                            where,
                            "",
                            "unique-name",
                            f"declared twice (first in {store[key][0]}).",
                        )
                    )
                    continue
                store[key] = (name, body if isinstance(body, dict) else {"_not_a_table": body})
    return raw


# ------------------------------------------------------------------------ conversion


def _as_param(value: Any) -> Parameter | None:
    if not isinstance(value, dict):
        return None
    p: Any = value.get("p")
    if isinstance(p, dict):
        p = MappingProxyType({str(k): v for k, v in p.items()})
    return Parameter(p=p, source=value.get("source", ""), why=value.get("why"))


def _form_of(body: Mapping[str, Any]) -> Form:
    if "table" in body:
        return "table"
    if "leak" in body or "strength" in body:
        states = body.get("states", BINARY_STATES)
        return "noisy_or" if tuple(states) == BINARY_STATES else "noisy_max"
    return "prior"


def _build_node(name: str, file: str, body: Mapping[str, Any]) -> NodeSpec:
    strengths = body.get("strength", {})
    table = body.get("table", [])
    rows = tuple(
        TableRow(
            when=MappingProxyType(dict(row.get("when", {}))),
            param=_as_param(row) or Parameter(p=math.nan, source=""),
        )
        for row in (table if isinstance(table, list) else [])
        if isinstance(row, dict)
    )
    return NodeSpec(
        name=name,
        group=str(body.get("group", "")),
        label=str(body.get("label", "")),
        description=str(body.get("description", "")),
        states=tuple(str(s) for s in body.get("states", BINARY_STATES)),
        parents=tuple(str(p) for p in body.get("parents", ())),
        form=_form_of(body),
        prior=_as_param(body.get("prior")),
        leak=_as_param(body.get("leak")),
        strengths=MappingProxyType(
            {
                str(k): _as_param(v) or Parameter(p=math.nan, source="")
                for k, v in (strengths.items() if isinstance(strengths, dict) else [])
            }
        ),
        table=rows,
        extension=bool(body.get("extension", False)),
        file=file,
    )


# ------------------------------------------------------------------------ the rules

_Check = Callable[["_Context"], Iterator[str]]


@dataclass(frozen=True)
class Rule:
    """One validation rule: an identifier, what it requires, and its check."""

    id: str
    requires: str
    check: _Check


@dataclass
class _Context:
    raw: _Raw
    nodes: dict[str, NodeSpec]
    sources: dict[str, Source]

    def where(self, node: NodeSpec) -> tuple[str, str]:
        return node.file, f"node '{node.name}'"


def _unique_names(ctx: _Context) -> Iterator[str]:
    yield from ctx.raw.duplicates


def _known_fields(ctx: _Context) -> Iterator[str]:
    for name, (file, body) in ctx.raw.nodes.items():
        for key, value in body.items():
            if key not in _NODE_FIELDS:
                yield _problem(
                    file,
                    f"node '{name}'",
                    key,
                    "known-field",
                    f"unknown field '{key}'; allowed: {', '.join(_NODE_FIELDS)}."
                    + _suggest(key, _NODE_FIELDS),
                )
            if key in ("prior", "leak") and isinstance(value, dict):
                yield from _param_fields(file, name, key, value)
        for parent, value in (body.get("strength") or {}).items():
            if isinstance(value, dict):
                yield from _param_fields(file, name, f"strength.{parent}", value)
        for i, row in enumerate(body.get("table") or []):
            if isinstance(row, dict):
                extra = {k: v for k, v in row.items() if k != "when"}
                yield from _param_fields(file, name, f"table[{i}]", extra)
    for key, (file, body) in ctx.raw.sources.items():
        for f in body:
            if f not in _SOURCE_FIELDS:
                yield _problem(
                    file,
                    f"source '{key}'",
                    f,
                    "known-field",
                    f"unknown field '{f}'; allowed: {', '.join(_SOURCE_FIELDS)}."
                    + _suggest(f, _SOURCE_FIELDS),
                )


def _param_fields(file: str, node: str, path: str, value: Mapping[str, Any]) -> Iterator[str]:
    for key in value:
        if key not in _PARAM_FIELDS:
            yield _problem(
                file,
                f"node '{node}'",
                f"{path}.{key}",
                "known-field",
                f"unknown field '{key}'; a parameter has: p, source, why."
                + _suggest(key, _PARAM_FIELDS),
            )
    if "p" not in value:
        yield _problem(file, f"node '{node}'", path, "has-p", "the parameter has no 'p'.")


def _required_fields(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        for fname in ("group", "label", "description"):
            if not getattr(node, fname).strip():
                yield _problem(file, where, fname, "required-field", f"'{fname}' is missing.")
    for src in ctx.sources.values():
        if not src.citation.strip():
            yield _problem(
                src.file, f"source '{src.key}'", "citation", "required-field", "no citation."
            )


def _groups(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.group and node.group not in GROUPS:
            file, where = ctx.where(node)
            yield _problem(
                file,
                where,
                "group",
                "known-group",
                f"unknown group '{node.group}'; allowed: {', '.join(GROUPS)}."
                + _suggest(node.group, GROUPS),
            )


def _states(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        if len(node.states) < 2:
            yield _problem(
                file,
                where,
                "states",
                "states",
                f"needs at least two states; got {list(node.states)}.",
            )
        if len(set(node.states)) != len(node.states):
            yield _problem(file, where, "states", "states", f"states repeat: {list(node.states)}.")
        if set(node.states) == set(BINARY_STATES) and node.states != BINARY_STATES:
            yield _problem(
                file,
                where,
                "states",
                "states",
                f"binary states must be in the order ['no', 'yes']; got {list(node.states)}.",
            )


def _parents_known(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        seen: set[str] = set()
        for parent in node.parents:
            if parent in seen:
                yield _problem(
                    file, where, "parents", "unique-parent", f"parent '{parent}' listed twice."
                )
            seen.add(parent)
            if parent not in ctx.nodes:
                yield _problem(
                    file,
                    where,
                    "parents",
                    "known-parent",
                    f"unknown parent '{parent}'." + _suggest(parent, ctx.nodes),
                )
            elif parent == node.name:
                yield _problem(
                    file, where, "parents", "acyclic", "a node cannot be its own parent."
                )


def _acyclic(ctx: _Context) -> Iterator[str]:
    graph = {n: {p for p in s.parents if p in ctx.nodes and p != n} for n, s in ctx.nodes.items()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        first = ctx.nodes[cycle[0]]
        yield _problem(
            first.file,
            f"node '{first.name}'",
            "parents",
            "acyclic",
            f"the parents form a cycle: {' <- '.join(cycle)}.",
        )


def _one_form(ctx: _Context) -> Iterator[str]:
    for name, (file, body) in ctx.raw.nodes.items():
        node = ctx.nodes[name]
        where = f"node '{name}'"
        forms = [
            f
            for f, present in (
                ("prior", "prior" in body),
                ("noisy-OR/MAX (leak, strength)", "leak" in body or "strength" in body),
                ("table", "table" in body),
            )
            if present
        ]
        if len(forms) != 1:
            yield _problem(
                file,
                where,
                "",
                "one-form",
                f"needs exactly one parameter form (prior, leak + strength, or table); "
                f"got {', '.join(forms) if forms else 'none'}.",
            )
            continue
        if node.parents and node.form == "prior":
            yield _problem(
                file,
                where,
                "prior",
                "one-form",
                "a node with parents needs leak + strength or a table, not a prior.",
            )
        if not node.parents and node.form != "prior":
            yield _problem(
                file, where, "parents", "one-form", "a node without parents needs a 'prior'."
            )
        if node.form in ("noisy_or", "noisy_max") and node.leak is None:
            yield _problem(file, where, "leak", "one-form", "noisy-OR/MAX needs a 'leak'.")


def _strengths(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.form not in ("noisy_or", "noisy_max"):
            continue
        file, where = ctx.where(node)
        for parent in node.strengths:
            if parent not in node.parents:
                yield _problem(
                    file,
                    where,
                    f"strength.{parent}",
                    "strength-parent",
                    f"strength for '{parent}', which is not a parent; parents: "
                    f"{', '.join(node.parents) or 'none'}." + _suggest(parent, node.parents),
                )
        for parent in node.parents:
            if parent not in node.strengths:
                yield _problem(
                    file,
                    where,
                    "strength",
                    "strength-parent",
                    f"parent '{parent}' has no strength.",
                )


def _in_unit(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _sums_to_one(p: Mapping[str, Any]) -> bool:
    try:
        return abs(sum(float(v) for v in p.values()) - 1.0) <= _SUM_TOLERANCE
    except (TypeError, ValueError):
        return False


def _distribution_problems(
    file: str, where: str, path: str, p: Any, states: tuple[str, ...]
) -> Iterator[str]:
    """Check that ``p`` is a valid value for a node with these states."""
    if states == BINARY_STATES:
        if not _in_unit(p):
            yield _problem(
                file,
                where,
                f"{path}.p",
                "probability-range",
                f"must be a probability between 0 and 1 (P(yes)); got {p!r}.",
            )
        return
    if not isinstance(p, Mapping):
        yield _problem(
            file,
            where,
            f"{path}.p",
            "distribution",
            f"a node with states {list(states)} needs p = {{state = probability}}; got {p!r}.",
        )
        return
    for state, value in p.items():
        if state not in states:
            yield _problem(
                file,
                where,
                f"{path}.p",
                "known-state",
                f"unknown state '{state}'; states: {', '.join(states)}." + _suggest(state, states),
            )
        if not _in_unit(value):
            yield _problem(
                file,
                where,
                f"{path}.p.{state}",
                "probability-range",
                f"must be a probability between 0 and 1; got {value!r}.",
            )
    missing = [s for s in states if s not in p]
    if missing:
        yield _problem(
            file, where, f"{path}.p", "distribution", f"missing states: {', '.join(missing)}."
        )
    elif not _sums_to_one(p):
        total = sum(float(v) for v in p.values() if _in_unit(v))
        yield _problem(
            file,
            where,
            f"{path}.p",
            "sums-to-one",
            f"the probabilities must sum to 1; they sum to {total:.6g}.",
        )


def _values(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        if node.prior is not None:
            yield from _distribution_problems(file, where, "prior", node.prior.p, node.states)
        if node.leak is not None:
            yield from _distribution_problems(file, where, "leak", node.leak.p, node.states)
        for parent, param in node.strengths.items():
            path = f"strength.{parent}"
            parent_spec = ctx.nodes.get(parent)
            if node.form == "noisy_max":
                if parent_spec is not None and parent_spec.states != BINARY_STATES:
                    yield _problem(
                        file,
                        where,
                        path,
                        "probability-range",
                        f"noisy-MAX parents must be binary; '{parent}' has states "
                        f"{list(parent_spec.states)} (use a full table).",
                    )
                yield from _distribution_problems(file, where, path, param.p, node.states)
            elif parent_spec is not None and parent_spec.states != BINARY_STATES:
                yield from _multistate_strength(file, where, path, param.p, parent_spec)
            else:
                yield from _distribution_problems(file, where, path, param.p, BINARY_STATES)
        for i, row in enumerate(node.table):
            yield from _distribution_problems(file, where, f"table[{i}]", row.param.p, node.states)


def _multistate_strength(
    file: str, where: str, path: str, p: Any, parent: NodeSpec
) -> Iterator[str]:
    active = parent.states[1:]
    if not isinstance(p, Mapping):
        yield _problem(
            file,
            where,
            f"{path}.p",
            "distribution",
            f"parent '{parent.name}' has states {list(parent.states)}: give a strength per "
            f"non-reference state, e.g. {{ {active[0]!r} = 0.1 }}; got {p!r}.",
        )
        return
    for state, value in p.items():
        if state not in active:
            yield _problem(
                file,
                where,
                f"{path}.p",
                "known-state",
                f"'{state}' is not a non-reference state of '{parent.name}' "
                f"(allowed: {', '.join(active)})." + _suggest(state, active),
            )
        if not _in_unit(value):
            yield _problem(
                file,
                where,
                f"{path}.p.{state}",
                "probability-range",
                f"must be a probability between 0 and 1; got {value!r}.",
            )


def _table_rows(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.form != "table":
            continue
        file, where = ctx.where(node)
        parents = [ctx.nodes[p] for p in node.parents if p in ctx.nodes]
        if len(parents) != len(node.parents):
            continue  # reported by known-parent
        seen: dict[tuple[str, ...], int] = {}
        for i, row in enumerate(node.table):
            if set(row.when) != set(node.parents):
                yield _problem(
                    file,
                    where,
                    f"table[{i}].when",
                    "table-rows",
                    f"must name every parent exactly ({', '.join(node.parents)}); "
                    f"got {', '.join(row.when) or 'none'}.",
                )
                continue
            key = tuple(str(row.when[p.name]) for p in parents)
            for parent, state in zip(parents, key, strict=True):
                if state not in parent.states:
                    yield _problem(
                        file,
                        where,
                        f"table[{i}].when.{parent.name}",
                        "known-state",
                        f"unknown state '{state}' of '{parent.name}'; states: "
                        f"{', '.join(parent.states)}." + _suggest(state, parent.states),
                    )
            if key in seen:
                yield _problem(
                    file,
                    where,
                    f"table[{i}].when",
                    "table-rows",
                    f"duplicates row {seen[key]} ({dict(zip(node.parents, key, strict=True))}).",
                )
            seen[key] = i
        for combo in itertools.product(*(p.states for p in parents)):
            if combo not in seen:
                yield _problem(
                    file,
                    where,
                    "table",
                    "table-rows",
                    f"no row for {dict(zip(node.parents, combo, strict=True))}.",
                )


def _source_problems(
    ctx: _Context, file: str, where: str, path: str, param: Parameter | None
) -> Iterator[str]:
    if param is None or not param.source:
        yield _problem(
            file,
            where,
            f"{path}.source",
            "has-source",
            "no source: give a bibliography key or 'assumption' with a 'why'.",
        )
    elif param.source == ASSUMPTION:
        if not (param.why or "").strip():
            yield _problem(
                file,
                where,
                f"{path}.why",
                "assumption-why",
                "an assumption needs a one-line 'why'.",
            )
    elif param.source not in ctx.sources:
        yield _problem(
            file,
            where,
            f"{path}.source",
            "known-source",
            f"unknown source key '{param.source}'."
            + _suggest(param.source, [*ctx.sources, ASSUMPTION]),
        )


def _sources(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        for path, param in node.parameters():
            yield from _source_problems(ctx, file, where, path, param)
    for src in ctx.sources.values():
        if src.tag not in SOURCE_TAGS:
            yield _problem(
                src.file,
                f"source '{src.key}'",
                "tag",
                "source-tag",
                f"tag must be one of {', '.join(SOURCE_TAGS)}; got '{src.tag}'."
                + _suggest(src.tag, SOURCE_TAGS),
            )


def _triage(ctx: _Context) -> Iterator[str]:
    if ctx.raw.triage is None:
        return
    file, body = ctx.raw.triage
    where = "table 'triage'"
    for key in body:
        if key not in _TRIAGE_FIELDS:
            yield _problem(
                file,
                where,
                key,
                "known-field",
                f"unknown field '{key}'; allowed: {', '.join(_TRIAGE_FIELDS)}."
                + _suggest(key, _TRIAGE_FIELDS),
            )
    for key in _TRIAGE_THRESHOLDS:
        value = body.get(key)
        if not isinstance(value, dict):
            yield _problem(file, where, key, "required-field", f"'{key}' is missing.")
            continue
        yield from _param_fields(file, "triage", key, value)
        yield from _distribution_problems(file, where, key, value.get("p"), BINARY_STATES)
        yield from _source_problems(ctx, file, where, key, _as_param(value))
    for i, flag in enumerate(body.get("flags", [])):
        path = f"flags[{i}]"
        for key in flag:
            if key not in _FLAG_FIELDS:
                yield _problem(
                    file,
                    where,
                    f"{path}.{key}",
                    "known-field",
                    f"unknown field '{key}'; allowed: {', '.join(_FLAG_FIELDS)}."
                    + _suggest(key, _FLAG_FIELDS),
                )
        if flag.get("level") not in ("emergency", "see_doctor"):
            yield _problem(
                file,
                where,
                f"{path}.level",
                "triage-flag",
                f"level must be 'emergency' or 'see_doctor'; got {flag.get('level')!r}.",
            )
        when = flag.get("when")
        if not isinstance(when, dict) or not when:
            yield _problem(
                file, where, f"{path}.when", "triage-flag", "needs {node = state, ...}."
            )
            when = {}
        for node, state in when.items():
            if node not in ctx.nodes:
                yield _problem(
                    file,
                    where,
                    f"{path}.when",
                    "triage-flag",
                    f"unknown node '{node}'." + _suggest(node, ctx.nodes),
                )
            elif state not in ctx.nodes[node].states:
                states = ctx.nodes[node].states
                yield _problem(
                    file,
                    where,
                    f"{path}.when.{node}",
                    "known-state",
                    f"unknown state '{state}' of '{node}'; states: {', '.join(states)}."
                    + _suggest(str(state), states),
                )
        param = Parameter(p=0.0, source=str(flag.get("source", "")), why=flag.get("why"))
        yield from _source_problems(ctx, file, where, path, param)


def _build_triage(raw: _Raw) -> TriagePolicy | None:
    if raw.triage is None:
        return None
    file, body = raw.triage
    return TriagePolicy(
        emergency_p_serious=_as_param(body["emergency_p_serious"]),  # type: ignore[arg-type]
        see_doctor_p_serious=_as_param(body["see_doctor_p_serious"]),  # type: ignore[arg-type]
        see_doctor_p_pathologic=_as_param(body["see_doctor_p_pathologic"]),  # type: ignore[arg-type]
        flags=tuple(
            TriageFlag(
                name=str(f.get("name", "")),
                level=str(f["level"]),
                when=MappingProxyType(dict(f["when"])),
                source=str(f["source"]),
                why=f.get("why"),
            )
            for f in body.get("flags", [])
        ),
        file=file,
    )


#: The validation rules, checked in this order; every problem of every rule is reported.
RULES: tuple[Rule, ...] = (
    Rule("unique-name", "a node or source is declared once across all files", _unique_names),
    Rule("known-field", "every field is one the format defines", _known_fields),
    Rule("required-field", "group, label, description and citations are given", _required_fields),
    Rule("known-group", "the group is one of GROUPS", _groups),
    Rule("states", "two or more unique states; binary nodes are ['no', 'yes']", _states),
    Rule("known-parent", "parents exist and are listed once", _parents_known),
    Rule("acyclic", "the parent graph has no cycle", _acyclic),
    Rule("one-form", "exactly one parameter form fitting the node", _one_form),
    Rule("strength-parent", "one strength per parent, none for non-parents", _strengths),
    Rule("probability-range", "probabilities in [0, 1]; distributions sum to 1", _values),
    Rule("table-rows", "a full table has one row per parent combination", _table_rows),
    Rule(
        "known-source", "every number cites a known source or is a reasoned assumption", _sources
    ),
    Rule("triage", "triage thresholds and flags are sourced and name real nodes/states", _triage),
)


def validate_spec(raw: _Raw) -> Spec:
    """Validate parsed TOML and return the :class:`Spec`.

    Parameters
    ----------
    raw : _Raw
        Output of the parser.

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        Listing every problem found by every rule in :data:`RULES`.
    """
    nodes = {name: _build_node(name, file, body) for name, (file, body) in raw.nodes.items()}
    sources = {
        key: Source(
            key=key,
            citation=str(body.get("citation", "")),
            tag=str(body.get("tag", "")),
            url=body.get("url"),
            note=body.get("note"),
            file=file,
        )
        for key, (file, body) in raw.sources.items()
    }
    ctx = _Context(raw=raw, nodes=nodes, sources=sources)
    problems = list(raw.problems)
    for rule in RULES:
        problems.extend(rule.check(ctx))
    if not nodes and not raw.problems:
        problems.append("the knowledge base declares no nodes [rule: files]")
    if problems:
        raise SpecError(problems)
    return Spec(
        nodes=MappingProxyType(nodes),
        sources=MappingProxyType(sources),
        triage=_build_triage(raw),
    )


def load_spec(path: str | Path | None = None) -> Spec:
    """Read and validate a knowledge base.

    Parameters
    ----------
    path : str or Path, optional
        A folder of ``*.toml`` files or one TOML file. By default the bundled
        knowledge base, read through :mod:`importlib.resources`.

    Returns
    -------
    Spec
        Frozen, validated declarations.

    Raises
    ------
    SpecError
        If the files cannot be read or break any rule; the message lists every
        problem with its file, node, field, rule and a suggested fix.
    """
    files, origin = _read_files(path)
    spec = validate_spec(_parse(files))
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode() + b"\0" + data + b"\0")
    return Spec(
        nodes=spec.nodes,
        sources=spec.sources,
        origin=origin,
        digest=digest.hexdigest(),
        triage=spec.triage,
    )
