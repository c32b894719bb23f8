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

A node may also declare the case-file column that informs it, as an inline table
``question = { column = ..., prompt = ..., section = ... }`` (see
:class:`QuestionSpec`): a yes/no question for a binary node, a choice among the
states of a multi-state one, or a number cut into the states by ``bins``.

Parsing gives frozen dataclasses; :func:`validate_spec` walks one table of rules
(:data:`RULES`) and reports every problem at once, each naming the file, node, field,
rule, value and, where it can, the closest valid name. A value of the wrong type is
a problem like any other (rule ``field-type``), never an exception, and a node whose
full table would exceed :data:`MAX_TABLE_ENTRIES` is refused before anything is built.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import math
import re
import tomllib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from backspasm.exceptions import SpecError

__all__ = [
    "GROUPS",
    "MAX_TABLE_ENTRIES",
    "QUESTION_SECTIONS",
    "RULES",
    "NodeSpec",
    "Parameter",
    "QuestionSpec",
    "Source",
    "Spec",
    "TableRow",
    "TriageCauseRule",
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
    "question",
)
_PARAM_FIELDS = ("p", "source", "why")
_SOURCE_FIELDS = ("citation", "tag", "url", "note")
#: The largest full conditional table (entries: the product of the state counts of a
#: node and its parents) a node may have; larger ones are refused before expansion.
MAX_TABLE_ENTRIES = 1_000_000

QuestionKind = Literal["yes_no", "choice", "number"]
#: The sections a declared question may belong to, in the order an interview asks them.
QUESTION_SECTIONS: tuple[str, ...] = (
    "context",
    "symptom",
    "exposure",
    "known_cause",
    "presentation",
)
_QUESTION_FIELDS = (
    "column",
    "prompt",
    "section",
    "red_flag",
    "unit",
    "integer",
    "min",
    "max",
    "bins",
    "default",
)
#: Fields only a number question (one with ``bins``) may have.
_NUMBER_FIELDS = ("bins", "unit", "min", "max", "integer")
#: Reserved for the case identifier of a case file.
_CASE_ID = "case_id"
_COLUMN_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_BIN_PATTERN = re.compile(
    r"\s*(<=|>=|<|>)\s*([+-]?(?:inf|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))\s*"
)
_BIN_OPERATORS: tuple[str, ...] = ("<", "<=", ">", ">=")

_K = TypeVar("_K")
_V = TypeVar("_V")


class _FrozenMap(Mapping[_K, _V]):
    """A read-only mapping that, unlike :class:`types.MappingProxyType`, pickles."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[_K, _V]) -> None:
        self._data: dict[_K, _V] = dict(data)

    def __getitem__(self, key: _K) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))


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
class QuestionSpec:
    """The case-file column that informs a node, as its ``question`` table declares it.

    Attributes
    ----------
    column : str
        The column name (lower-case letters, digits and ``_``; unique).
    node : str
        The node it informs.
    prompt : str
        The question as a clinician would ask it.
    section : str
        One of :data:`QUESTION_SECTIONS`.
    kind : {"yes_no", "choice", "number"}
        ``yes_no`` for a node with states ``("no", "yes")``, ``number`` when ``bins``
        cut a number into the node's states, otherwise ``choice``.
    choices : tuple of str
        The node's states, for ``yes_no`` and ``choice``; empty for ``number``.
    red_flag : bool
        A screening question about a warning sign of serious disease.
    unit : str or None
        Unit of a number, e.g. ``"years"``.
    integer : bool
        Whether a number must be whole.
    minimum, maximum : float or None
        The range a number must lie in.
    bins : tuple of (str, str, float)
        ``(state, operator, bound)`` in the node's state order: a number goes to
        the first state whose ``number <operator> bound`` holds; operators are
        ``<``, ``<=``, ``>`` and ``>=``.
    default : str or None
        The state applied when the column is not answered.
    """

    column: str
    node: str
    prompt: str
    section: str
    kind: QuestionKind
    choices: tuple[str, ...] = ()
    red_flag: bool = False
    unit: str | None = None
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    bins: tuple[tuple[str, str, float], ...] = ()
    default: str | None = None


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
    question : QuestionSpec or None
        The case-file column that informs it, when the node declares one.
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
    question: QuestionSpec | None = None

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
_TRIAGE_REQUIRED = ("see_doctor_p_serious", "see_doctor_p_pathologic")
_TRIAGE_THRESHOLDS = ("emergency_p_serious", *_TRIAGE_REQUIRED)
_TRIAGE_FIELDS = (*_TRIAGE_THRESHOLDS, "causes", "flags", "safety_net")
_FLAG_FIELDS = ("name", "level", "when", "source", "why")
_CAUSE_RULE_FIELDS = ("cause", "level", "p", "when", "source", "why")


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
class TriageCauseRule:
    """Urgency of one cause: a level reached when the cause is probable enough.

    The rule fires when ``P(cause = yes | answers) >= p`` and every ``when`` answer
    holds.

    Attributes
    ----------
    cause : str
        A cause node.
    level : {"emergency", "see_doctor"}
    p : float
        The probability cut-off, in (0, 1].
    when : mapping of str to str
        Node to state; every pair must hold (AND); empty for none.
    source, why : str
        Provenance, as for parameters.
    """

    cause: str
    level: str
    p: float
    when: Mapping[str, str]
    source: str
    why: str | None = None

    def describe(self) -> str:
        """Return e.g. ``"epidural abscess >= 10%"`` or ``"... with fever=yes"``."""
        text = f"{self.cause.replace('_', ' ')} >= {self.p:.0%}"
        if self.when:
            text += " with " + ", ".join(f"{k}={v}" for k, v in self.when.items())
        return text


@dataclass(frozen=True)
class TriagePolicy:
    """Thresholds, cause rules and red flags that turn posteriors into an urgency level.

    Attributes
    ----------
    see_doctor_p_serious : Parameter
        P(at least one serious cause) at or above which the person should see a
        doctor.
    see_doctor_p_pathologic : Parameter
        P(at least one pathologic cause) at or above which the person should see a
        doctor.
    flags : tuple of TriageFlag
    causes : tuple of TriageCauseRule
        Urgency per cause.
    emergency_p_serious : Parameter or None
        Optional: P(at least one serious cause) at or above which the case is an
        emergency (the bundled policy has none; its cause rules grade urgency).
    safety_net : mapping of str to str
        Per red-flag question, the plain sentence that tells a person sent home
        what should bring them back.
    """

    see_doctor_p_serious: Parameter
    see_doctor_p_pathologic: Parameter
    flags: tuple[TriageFlag, ...]
    causes: tuple[TriageCauseRule, ...] = ()
    emergency_p_serious: Parameter | None = None
    safety_net: Mapping[str, str] = field(default_factory=dict)
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

    @property
    def questions(self) -> tuple[QuestionSpec, ...]:
        """The declared questions, in declaration order (file, then node order)."""
        return tuple(n.question for n in self.nodes.values() if n.question is not None)

    def parameters(self) -> Iterator[tuple[NodeSpec, str, Parameter]]:
        """Yield ``(node, field path, parameter)`` for every parameter."""
        for node in self.nodes.values():
            for path, param in node.parameters():
                yield node, path, param

    def sourced_share(self) -> tuple[int, int]:
        """Return ``(numbers with a literature source, all numbers)``."""
        counts = self.provenance_counts()
        return counts["literature"], sum(counts.values())

    def numbers_by_kind(self) -> dict[str, int]:
        """Count the numbers by the kind of their source.

        Keys: ``read`` (the figure was read in the cited source, tag ``found``),
        ``secondary``, ``memory``, ``fitted`` and ``assumption``.
        """
        counts = {"read": 0, "secondary": 0, "memory": 0, "fitted": 0, "assumption": 0}
        for _, _, param in self.parameters():
            if not param.is_sourced:
                kind = "assumption"
            else:
                tag = self.sources[param.source].tag
                kind = "read" if tag == "found" else tag
            counts[kind] += param.count()
        return counts

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
    """What the TOML said, before validation (keeps the file of each entry).

    ``bad_nodes`` and ``bad_sources`` hold, per name, the field paths whose value had
    the wrong type (``""`` for the whole entry): :func:`_typecheck` reports and drops
    those values, and the rules skip whatever depends on them.
    """

    nodes: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    sources: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    triage: tuple[str, dict[str, Any]] | None = None
    failed_files: list[str] = field(default_factory=list)
    type_problems: list[str] = field(default_factory=list)
    bad_nodes: dict[str, set[str]] = field(default_factory=dict)
    bad_sources: dict[str, set[str]] = field(default_factory=dict)


def _problem(file: str, where: str, fieldname: str, rule: str, message: str) -> str:
    location = f"{file}: {where}" if where else file
    if fieldname:
        location += f", field '{fieldname}'"
    return f"{location}: {message} [rule: {rule}]"


def _suggest(value: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def _show(value: Any) -> str:
    """Describe a value for a problem message: a short repr and, unless a number, its type."""
    try:
        text = ("false", "true")[value] if isinstance(value, bool) else repr(value)
    except (RecursionError, ValueError):  # nested hundreds deep, or a huge integer
        text = "..."
    if len(text) > 60:
        text = text[:57] + "..."
    if type(value) in (int, float):
        return text
    kinds = {bool: "a boolean", str: "a string", list: "an array", dict: "a table"}
    return f"{text} ({kinds.get(type(value), f'a {type(value).__name__}')})"


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
    elif p.is_file():
        files = [p]
    else:
        raise SpecError([f"{p}: no such file or folder [rule: files]"])
    items, problems = [], []
    for f in files:
        try:
            items.append((f.name, f.read_bytes()))
        except OSError as exc:
            problems.append(f"{f}: cannot be read: {exc.strerror or exc} [rule: files]")
    if problems:
        raise SpecError(problems)
    return items, str(p)


def _syntax_problem(name: str, data: bytes, exc: Exception) -> str:
    """One problem for a file that is not valid TOML, naming the line."""
    if isinstance(exc, UnicodeDecodeError):
        line = data[: exc.start].count(b"\n") + 1
        message = f"not valid TOML: not UTF-8 text (byte {exc.start} of the file)."
    elif isinstance(exc, RecursionError):
        line = 0
        message = "not valid TOML: arrays or tables nested too deeply."
    else:
        text = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)$", text)
        if found:
            line = int(found[1])
            text = f"{text[: found.start()].rstrip()}, at column {found[2]}"
        elif text.endswith("(at end of document)"):
            line = data.rstrip().count(b"\n") + 1
            text = text[: -len("(at end of document)")].rstrip() + ", at the end of the file"
        else:  # e.g. an integer of thousands of digits: not a TOMLDecodeError
            line = 0
            text = text.split(";")[0]
        message = f"not valid TOML: {text}."
    return _problem(name, f"line {line}" if line else "", "", "toml-syntax", message)


def _parse(files: list[tuple[str, bytes]]) -> _Raw:
    raw = _Raw()
    for name, data in files:
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # TOMLDecodeError, UnicodeDecodeError
            raw.problems.append(_syntax_problem(name, data, exc))
            raw.failed_files.append(name)
            continue
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
        for kind in ("nodes", "sources", "triage"):
            if kind in doc and not isinstance(doc[kind], dict):
                example = (
                    "a table ([triage])"
                    if kind == "triage"
                    else f"a table of [{kind}.<name>] tables"
                )
                raw.type_problems.append(
                    _problem(
                        name,
                        "top level",
                        kind,
                        "field-type",
                        f"must be {example}; got {_show(doc[kind])}.",
                    )
                )
        if isinstance(doc.get("triage"), dict):
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
                raw.triage = (name, doc["triage"])
        for kind, store, bad in (
            ("nodes", raw.nodes, raw.bad_nodes),
            ("sources", raw.sources, raw.bad_sources),
        ):
            table = doc.get(kind)
            for key, body in (table if isinstance(table, dict) else {}).items():
                where = f"node '{key}'" if kind == "nodes" else f"source '{key}'"
                if key in store:
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
                if not isinstance(body, dict):
                    raw.type_problems.append(
                        _problem(
                            name,
                            where,
                            "",
                            "field-type",
                            f"must be a table of fields ([{kind}.{key}]); got {_show(body)}.",
                        )
                    )
                    bad[key] = {""}
                    body = {}
                store[key] = (name, body)
    return raw


# ----------------------------------------------------------------------------- types


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        float(value)
    except OverflowError:  # an integer beyond any float
        return False
    return True


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


#: A type: its test and how a problem message names it.
_Kind = tuple[Callable[[Any], bool], str]
_STRING: _Kind = (lambda v: isinstance(v, str), "a string")
_BOOLEAN: _Kind = (lambda v: isinstance(v, bool), "true or false")
_NUMBER: _Kind = (_is_number, "a number")
_SIMPLE_NODE_FIELDS: dict[str, _Kind] = {
    "group": _STRING,
    "label": _STRING,
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
_SOURCE_TYPES = dict.fromkeys(_SOURCE_FIELDS, _STRING)
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
            _problem(
                self.file,
                self.where,
                path,
                "field-type",
                f"must be {what}; got {_show(value)}.{hint}",
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
    for key in ("prior", "leak"):
        if key in out:
            out[key] = check.param(key, out[key])
    if "strength" in out:
        strengths = out["strength"]
        if not isinstance(strengths, dict):
            check.fail("strength", strengths, "a table of strength.<parent> = { p = ... }")
            strengths = {}
        typed = {k: check.param(f"strength.{k}", v) for k, v in strengths.items()}
        out["strength"] = {k: v for k, v in typed.items() if v is not None}
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


def _typecheck(raw: _Raw) -> _Raw:
    """Report every value of the wrong type and return ``raw`` without them.

    The later rules and the builders only ever see values of the documented types;
    :meth:`_Context.bad` tells them which values were dropped, so that they report
    nothing that is only a consequence of a reported type problem.
    """
    out = _Raw(
        duplicates=raw.duplicates,
        problems=raw.problems,
        triage=raw.triage,
        failed_files=raw.failed_files,
        type_problems=list(raw.type_problems),
        bad_nodes={k: set(v) for k, v in raw.bad_nodes.items()},
        bad_sources={k: set(v) for k, v in raw.bad_sources.items()},
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


# ------------------------------------------------------------------------ conversion


def _as_param(value: Any) -> Parameter | None:
    if not isinstance(value, dict):
        return None
    p: Any = value.get("p")
    if isinstance(p, dict):
        p = _FrozenMap({str(k): v for k, v in p.items()})
    return Parameter(p=p, source=value.get("source", ""), why=value.get("why"))


def _form_of(body: Mapping[str, Any]) -> Form:
    if "table" in body:
        return "table"
    if "leak" in body or "strength" in body:
        states = body.get("states", BINARY_STATES)
        return "noisy_or" if tuple(states) == BINARY_STATES else "noisy_max"
    return "prior"


def _parse_bin(text: Any) -> tuple[str, float] | None:
    """``"<= 39"`` -> ``("<=", 39.0)``; None unless ``<op> <number>`` (nan excluded)."""
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
        parsed = _parse_bin(bins.get(state)) if isinstance(bins, dict) else None
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


def _build_node(name: str, file: str, body: Mapping[str, Any]) -> NodeSpec:
    """Build a node from its type-checked body (see :func:`_typecheck`)."""
    rows = tuple(
        TableRow(
            when=_FrozenMap(row["when"]),
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
        description=body.get("description", ""),
        states=states,
        parents=tuple(body.get("parents", ())),
        form=_form_of(body),
        prior=_as_param(body.get("prior")),
        leak=_as_param(body.get("leak")),
        strengths=_FrozenMap(
            {
                k: _as_param(v) or Parameter(p=math.nan, source="")
                for k, v in body.get("strength", {}).items()
            }
        ),
        table=rows,
        extension=body.get("extension", False),
        file=file,
        question=None if question is None else _build_question(name, states, question),
    )


# ------------------------------------------------------------------------ the rules

_Check = Callable[["_Context"], Iterator[str]]


@dataclass(frozen=True)
class Rule:
    """One validation rule: an identifier, what it requires, and its check.

    ``local`` rules look at one file at a time; only they run when another file of
    the knowledge base is not valid TOML (the others would report its missing
    content as problems of their own).
    """

    id: str
    requires: str
    check: _Check
    local: bool = False


def _covers(outer: str, inner: str) -> bool:
    """Whether field path ``outer`` is ``inner`` or contains it (``""``: everything)."""
    return outer in ("", inner) or inner.startswith((outer + ".", outer + "["))


@dataclass
class _Context:
    raw: _Raw
    nodes: dict[str, NodeSpec]
    sources: dict[str, Source]

    def where(self, node: NodeSpec) -> tuple[str, str]:
        return node.file, f"node '{node.name}'"

    def bad(self, node: str, path: str) -> bool:
        """Whether ``path`` of ``node``, or a field holding it, had the wrong type."""
        return any(_covers(b, path) for b in self.raw.bad_nodes.get(node, ()))

    def bad_within(self, node: str, path: str) -> bool:
        """Whether ``path`` of ``node``, a field holding it or one inside it was dropped."""
        return any(_covers(b, path) or _covers(path, b) for b in self.raw.bad_nodes.get(node, ()))

    def table_entries(self, node: NodeSpec) -> int | None:
        """Entries of the node's full table, or None when a state list is unknown."""
        parents = [self.nodes[p] for p in node.parents if p in self.nodes]
        if self.bad(node.name, "states") or any(self.bad(p.name, "states") for p in parents):
            return None
        return len(node.states) * math.prod(len(p.states) for p in parents)


def _unique_names(ctx: _Context) -> Iterator[str]:
    yield from ctx.raw.duplicates


def _field_types(ctx: _Context) -> Iterator[str]:
    yield from ctx.raw.type_problems


def _names(ctx: _Context) -> Iterator[str]:
    for kind, store in (("node", ctx.raw.nodes), ("source", ctx.raw.sources)):
        for name, (file, _) in store.items():
            if not name.strip():
                yield _problem(
                    file,
                    f"{kind} '{name}'",
                    "",
                    "non-empty-name",
                    f"the {kind} has no name; give it one, e.g. [{kind}s.muscle_strain].",
                )


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
        for parent, value in body.get("strength", {}).items():
            yield from _param_fields(file, name, f"strength.{parent}", value)
        for i, row in enumerate(body.get("table", [])):
            if not ctx.bad(name, f"table[{i}]"):
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
            if not getattr(node, fname).strip() and not ctx.bad(node.name, fname):
                yield _problem(file, where, fname, "required-field", f"'{fname}' is missing.")
    for src in ctx.sources.values():
        bad = ctx.raw.bad_sources.get(src.key, set())
        if not src.citation.strip() and not bad & {"", "citation"}:
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
        if ctx.bad(node.name, "states"):
            continue
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


def _strong_components(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(graph[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    above = work[-1][0]
                    low[above] = min(low[above], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def _cycle_through(start: str, graph: Mapping[str, list[str]], members: set[str]) -> list[str]:
    """Return a shortest cycle ``start <- parent <- ... <- start`` inside one component."""
    child_of: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for parent in graph[node]:
            if parent == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(child_of[chain[-1]])
                return [*reversed(chain), start]
            if parent in members and parent not in child_of:
                child_of[parent] = node
                queue.append(parent)
    return [start, start]  # not reached: every member of a component lies on a cycle


def _acyclic(ctx: _Context) -> Iterator[str]:
    graph = {n: [p for p in s.parents if p in ctx.nodes and p != n] for n, s in ctx.nodes.items()}
    order = {name: i for i, name in enumerate(ctx.nodes)}
    components = [c for c in _strong_components(graph) if len(c) > 1]
    for component in sorted(components, key=lambda c: min(order[n] for n in c)):
        members = sorted(component, key=order.__getitem__)
        first = ctx.nodes[members[0]]
        cycle = _cycle_through(first.name, graph, set(members))
        more = ""
        if len(members) > len(cycle) - 1:
            more = f" (nodes on cycles together: {', '.join(members)})"
        yield _problem(
            first.file,
            f"node '{first.name}'",
            "parents",
            "acyclic",
            f"the parents form a cycle: {' <- '.join(cycle)}{more}.",
        )


def _table_size(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        entries = ctx.table_entries(node)
        if entries is None or entries <= MAX_TABLE_ENTRIES:
            continue
        file, where = ctx.where(node)
        yield _problem(
            file,
            where,
            "parents",
            "table-size",
            f"its full table would have {entries:,} entries ({len(node.states)} states x "
            f"{entries // len(node.states):,} combinations of {len(node.parents)} parents); "
            f"the limit is {MAX_TABLE_ENTRIES:,}. Give it fewer parents or states, or "
            "group some parents under an intermediate node.",
        )


def _one_form(ctx: _Context) -> Iterator[str]:
    for name, (file, body) in ctx.raw.nodes.items():
        node = ctx.nodes[name]
        where = f"node '{name}'"
        if ctx.bad(name, ""):
            continue
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
        if not node.parents and node.form != "prior" and not ctx.bad(name, "parents"):
            yield _problem(
                file, where, "parents", "one-form", "a node without parents needs a 'prior'."
            )
        noisy = node.form in ("noisy_or", "noisy_max")
        if noisy and node.leak is None and not ctx.bad(name, "leak"):
            yield _problem(file, where, "leak", "one-form", "noisy-OR/MAX needs a 'leak'.")


def _strengths(ctx: _Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.form not in ("noisy_or", "noisy_max"):
            continue
        file, where = ctx.where(node)
        for parent in node.strengths:
            if parent not in node.parents and not ctx.bad(node.name, "parents"):
                yield _problem(
                    file,
                    where,
                    f"strength.{parent}",
                    "strength-parent",
                    f"strength for '{parent}', which is not a parent; parents: "
                    f"{', '.join(node.parents) or 'none'}." + _suggest(parent, node.parents),
                )
        for parent in node.parents:
            if parent not in node.strengths and not ctx.bad(node.name, f"strength.{parent}"):
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
    except (TypeError, ValueError, OverflowError):
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
                f"must be a probability between 0 and 1 (P(yes)); got {_show(p)}.",
            )
        return
    if not isinstance(p, Mapping):
        yield _problem(
            file,
            where,
            f"{path}.p",
            "distribution",
            f"a node with states {list(states)} needs p = {{state = probability}}; "
            f"got {_show(p)}.",
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
                f"must be a probability between 0 and 1; got {_show(value)}.",
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
        if ctx.bad(node.name, "states"):
            continue  # the numbers cannot be checked against unknown states
        file, where = ctx.where(node)
        for path, param in node.parameters():
            if ctx.bad(node.name, f"{path}.p"):
                continue
            if not path.startswith("strength."):
                yield from _distribution_problems(file, where, path, param.p, node.states)
                continue
            parent = path.removeprefix("strength.")
            parent_spec = ctx.nodes.get(parent)
            if ctx.bad(parent, "states"):
                continue
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


def _multistate_strength(
    file: str, where: str, path: str, p: Any, parent: NodeSpec
) -> Iterator[str]:
    active = parent.states[1:]
    if not active:
        return  # the parent has fewer than two states: reported by the states rule
    if not isinstance(p, Mapping):
        yield _problem(
            file,
            where,
            f"{path}.p",
            "distribution",
            f"parent '{parent.name}' has states {list(parent.states)}: give a strength per "
            f"non-reference state, e.g. {{ {active[0]!r} = 0.1 }}; got {_show(p)}.",
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
                f"must be a probability between 0 and 1; got {_show(value)}.",
            )


def _table_rows(ctx: _Context) -> Iterator[str]:
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
            if not ctx.bad(node.name, f"{path}.source") and not ctx.bad(node.name, f"{path}.why"):
                yield from _source_problems(ctx, file, where, path, param)
    for src in ctx.sources.values():
        bad = ctx.raw.bad_sources.get(src.key, set())
        if src.tag not in SOURCE_TAGS and not bad & {"", "tag"}:
            yield _problem(
                src.file,
                f"source '{src.key}'",
                "tag",
                "source-tag",
                f"tag must be one of {', '.join(SOURCE_TAGS)}; got '{src.tag}'."
                + _suggest(src.tag, SOURCE_TAGS),
            )


def _question_bins(
    ctx: _Context, file: str, where: str, node: NodeSpec, bins: Mapping[str, str]
) -> Iterator[str]:
    if node.states == BINARY_STATES:
        yield _problem(
            file,
            where,
            "question.bins",
            "question-bins",
            "bins cut a number into the states of a multi-state node; this node's states "
            "are no, yes (drop 'bins' for a yes/no question).",
        )
        return
    if ctx.bad_within(node.name, "question.bins"):
        return
    missing = [s for s in node.states if s not in bins]
    for key in (k for k in bins if k not in node.states):
        close = difflib.get_close_matches(key, missing, n=1, cutoff=0.6)
        if close:  # a misspelt state: its "no bin" problem would say the same again
            missing.remove(close[0])
        yield _problem(
            file,
            where,
            f"question.bins.{key}",
            "question-bins",
            f"'{key}' is not a state of the node; bins name every state exactly "
            f"({', '.join(node.states)})." + (f" Did you mean '{close[0]}'?" if close else ""),
        )
    if missing:
        yield _problem(
            file,
            where,
            "question.bins",
            "question-bins",
            f"no bin for {', '.join(missing)}; bins name every state exactly "
            f"({', '.join(node.states)}).",
        )
    previous: tuple[str, float] | None = None
    for state in node.states:
        if state not in bins:
            continue
        parsed = _parse_bin(bins[state])
        if parsed is None:
            yield _problem(
                file,
                where,
                f"question.bins.{state}",
                "question-bins",
                "must be '<operator> <number>' with operator <, <=, > or >= (e.g. '<= 39' "
                f"or '> 12'); got {bins[state]!r}.",
            )
            continue
        bound = parsed[1]
        if previous is not None and bound < previous[1]:
            yield _problem(
                file,
                where,
                f"question.bins.{state}",
                "question-bins",
                f"bounds must not decrease in state order; '{state}' ({bins[state]}) comes "
                f"after '{previous[0]}' ({bins[previous[0]]}).",
            )
        previous = (state, bound)


def _questions(ctx: _Context) -> Iterator[str]:
    columns: dict[str, NodeSpec] = {}
    for name, (file, body) in ctx.raw.nodes.items():
        question = body.get("question")
        if question is None:
            continue
        node = ctx.nodes[name]
        where = f"node '{name}'"
        for key in question:
            if key not in _QUESTION_FIELDS:
                yield _problem(
                    file,
                    where,
                    f"question.{key}",
                    "known-field",
                    f"unknown field '{key}'; a question has: {', '.join(_QUESTION_FIELDS)}."
                    + _suggest(key, _QUESTION_FIELDS),
                )
        for key in ("column", "prompt", "section"):
            if not question.get(key, "").strip() and not ctx.bad(name, f"question.{key}"):
                yield _problem(
                    file, where, f"question.{key}", "required-field", f"'{key}' is missing."
                )
        column = question.get("column", "").strip() and question["column"]
        if column and not _COLUMN_PATTERN.fullmatch(column):
            fixed = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
            hint = f" Did you mean '{fixed}'?" if _COLUMN_PATTERN.fullmatch(fixed) else ""
            yield _problem(
                file,
                where,
                "question.column",
                "question-column",
                "a column name is lower-case letters, digits and '_', starting with a "
                f"letter; got {column!r}.{hint}",
            )
        elif column == _CASE_ID:
            yield _problem(
                file,
                where,
                "question.column",
                "question-column",
                f"'{_CASE_ID}' is reserved for the case identifier; choose another column.",
            )
        elif column in columns:
            other = columns[column]
            yield _problem(
                file,
                where,
                "question.column",
                "unique-column",
                f"column '{column}' is already the question of node '{other.name}' "
                f"({other.file}); each column informs one node.",
            )
        elif column:
            columns[column] = node
        section = question.get("section", "").strip() and question["section"]
        if section and section not in QUESTION_SECTIONS:
            yield _problem(
                file,
                where,
                "question.section",
                "question-section",
                f"unknown section '{section}'; allowed: {', '.join(QUESTION_SECTIONS)}."
                + _suggest(section, QUESTION_SECTIONS),
            )
        if ctx.bad(name, "states"):
            continue  # the rest depends on the node's states
        is_number = "bins" in question or ctx.bad(name, "question.bins")
        if not is_number:
            kind = "yes/no" if node.states == BINARY_STATES else "choice"
            for key in _NUMBER_FIELDS:
                if key in question:
                    yield _problem(
                        file,
                        where,
                        f"question.{key}",
                        "question-number",
                        f"'{key}' is only for a number question (one with 'bins'); this is a "
                        f"{kind} question.",
                    )
        else:
            if "bins" in question:
                yield from _question_bins(ctx, file, where, node, question["bins"])
            low, high = question.get("min"), question.get("max")
            for key, value in (("min", low), ("max", high)):
                if value is not None and math.isnan(value):
                    yield _problem(
                        file,
                        where,
                        f"question.{key}",
                        "question-range",
                        "must be a number; got nan.",
                    )
            if low is not None and high is not None and low > high:
                yield _problem(
                    file,
                    where,
                    "question.min",
                    "question-range",
                    f"min ({low}) must not be above max ({high}).",
                )
        default = question.get("default")
        if default is not None and default not in node.states:
            yield _problem(
                file,
                where,
                "question.default",
                "known-state",
                f"unknown state '{default}' of '{name}'; states: {', '.join(node.states)}."
                + _suggest(default, node.states),
            )


def _type_name(value: Any) -> str:
    names = {
        dict: "a table",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def _triage_provenance(
    ctx: _Context, file: str, where: str, path: str, entry: Mapping[str, Any]
) -> Iterator[str]:
    """Source and why of a triage entry: right types, then the usual source rules."""
    source, why = entry.get("source", ""), entry.get("why")
    if not isinstance(source, str):
        yield _problem(
            file,
            where,
            f"{path}.source",
            "field-type",
            f"must be a string (a source key or 'assumption'); got {_type_name(source)}.",
        )
        return
    if why is not None and not isinstance(why, str):
        yield _problem(
            file, where, f"{path}.why", "field-type", f"must be a string; got {_type_name(why)}."
        )
        return
    yield from _source_problems(ctx, file, where, path, Parameter(p=0.0, source=source, why=why))


def _triage_when(
    ctx: _Context, file: str, where: str, path: str, when: Any, rule: str
) -> Iterator[str]:
    """Every ``node = state`` pair of a ``when`` table names a real node and state."""
    for node, state in when.items():
        if node not in ctx.nodes:
            yield _problem(
                file,
                where,
                f"{path}.when",
                rule,
                f"unknown node '{node}'." + _suggest(node, ctx.nodes),
            )
        elif not isinstance(state, str) or state not in ctx.nodes[node].states:
            states = ctx.nodes[node].states
            yield _problem(
                file,
                where,
                f"{path}.when.{node}",
                "known-state",
                f"unknown state '{state}' of '{node}'; states: {', '.join(states)}."
                + _suggest(str(state), states),
            )


def _triage_entries(
    file: str, where: str, body: Mapping[str, Any], key: str, allowed: tuple[str, ...]
) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Return the problems of the array ``key`` (shape, field names) and its tables."""
    problems: list[str] = []
    entries = body.get(key, [])
    if not isinstance(entries, list):
        problems.append(
            _problem(
                file,
                where,
                key,
                "field-type",
                f"must be an array of inline tables [{{...}}, ...]; got {_type_name(entries)}.",
            )
        )
        return problems, []
    out: list[tuple[str, dict[str, Any]]] = []
    for i, entry in enumerate(entries):
        path = f"{key}[{i}]"
        if not isinstance(entry, dict):
            problems.append(
                _problem(
                    file,
                    where,
                    path,
                    "field-type",
                    f"must be an inline table {{...}}; got {_type_name(entry)}.",
                )
            )
            continue
        for name in entry:
            if name not in allowed:
                problems.append(
                    _problem(
                        file,
                        where,
                        f"{path}.{name}",
                        "known-field",
                        f"unknown field '{name}'; allowed: {', '.join(allowed)}."
                        + _suggest(name, allowed),
                    )
                )
        out.append((path, entry))
    return problems, out


def _triage_thresholds(
    ctx: _Context, file: str, where: str, body: Mapping[str, Any]
) -> Iterator[str]:
    for key in _TRIAGE_THRESHOLDS:
        value = body.get(key)
        if value is None and key not in _TRIAGE_REQUIRED:
            continue
        if value is None:
            yield _problem(file, where, key, "required-field", f"'{key}' is missing.")
            continue
        if not isinstance(value, dict):
            yield _problem(
                file,
                where,
                key,
                "field-type",
                f"must be an inline table {{ p = ..., source = ... }}; got {_type_name(value)}.",
            )
            continue
        yield from _param_fields(file, "triage", key, value)
        yield from _distribution_problems(file, where, key, value.get("p"), BINARY_STATES)
        yield from _triage_provenance(ctx, file, where, key, value)


def _triage_flags(ctx: _Context, file: str, where: str, body: Mapping[str, Any]) -> Iterator[str]:
    problems, flags = _triage_entries(file, where, body, "flags", _FLAG_FIELDS)
    yield from problems
    for path, flag in flags:
        name = flag.get("name", "")
        if not isinstance(name, str):
            yield _problem(
                file,
                where,
                f"{path}.name",
                "field-type",
                f"must be a string; got {_type_name(name)}.",
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
        else:
            yield from _triage_when(ctx, file, where, path, when, "triage-flag")
        yield from _triage_provenance(ctx, file, where, path, flag)


def _triage_causes(ctx: _Context, file: str, where: str, body: Mapping[str, Any]) -> Iterator[str]:
    problems, rules = _triage_entries(file, where, body, "causes", _CAUSE_RULE_FIELDS)
    yield from problems
    causes = [n for n, node in ctx.nodes.items() if node.is_cause]
    for path, rule in rules:
        cause = rule.get("cause")
        if not isinstance(cause, str):
            yield _problem(
                file,
                where,
                f"{path}.cause",
                "triage-cause",
                f"needs the name of a cause node; got {_type_name(cause)}.",
            )
        elif cause not in causes:
            what = "not a cause" if cause in ctx.nodes else "unknown cause"
            yield _problem(
                file,
                where,
                f"{path}.cause",
                "triage-cause",
                f"{what} '{cause}'." + _suggest(cause, causes),
            )
        level = rule.get("level")
        if level not in ("emergency", "see_doctor"):
            yield _problem(
                file,
                where,
                f"{path}.level",
                "triage-cause",
                f"level must be 'emergency' or 'see_doctor'; got {level!r}.",
            )
        p = rule.get("p")
        if isinstance(p, bool) or not isinstance(p, int | float):
            yield _problem(
                file,
                where,
                f"{path}.p",
                "field-type",
                f"must be a number in (0, 1]; got {_type_name(p)}"
                + ("." if p is None else f" {p!r}."),
            )
        elif not 0 < p <= 1:
            yield _problem(
                file,
                where,
                f"{path}.p",
                "probability-range",
                f"must be a probability in (0, 1]; got {p!r}.",
            )
        when = rule.get("when", {})
        if not isinstance(when, dict):
            yield _problem(
                file,
                where,
                f"{path}.when",
                "field-type",
                f"must be an inline table {{node = state, ...}}; got {_type_name(when)}.",
            )
        else:
            yield from _triage_when(ctx, file, where, path, when, "triage-cause")
        yield from _triage_provenance(ctx, file, where, path, rule)


def _triage_safety_net(
    ctx: _Context, file: str, where: str, body: Mapping[str, Any]
) -> Iterator[str]:
    net = body.get("safety_net", {})
    if not isinstance(net, dict):
        yield _problem(
            file,
            where,
            "safety_net",
            "field-type",
            f'must be a table of question = "sentence"; got {_type_name(net)}.',
        )
        return
    for node, text in net.items():
        if node not in ctx.nodes:
            yield _problem(
                file,
                where,
                f"safety_net.{node}",
                "known-field",
                f"unknown question '{node}'." + _suggest(node, ctx.nodes),
            )
        if not isinstance(text, str) or not text.strip():
            yield _problem(
                file,
                where,
                f"safety_net.{node}",
                "field-type",
                f"must be a plain-language sentence; got {text!r}.",
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
    yield from _triage_thresholds(ctx, file, where, body)
    yield from _triage_causes(ctx, file, where, body)
    yield from _triage_flags(ctx, file, where, body)
    yield from _triage_safety_net(ctx, file, where, body)


def _threshold(value: Any) -> Parameter:
    param = _as_param(value)
    assert param is not None, "validated: a threshold is an inline table"
    return param


def _build_triage(raw: _Raw) -> TriagePolicy | None:
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
                when=_FrozenMap(dict(f["when"])),
                source=str(f["source"]),
                why=f.get("why"),
            )
            for f in body.get("flags", [])
        ),
        causes=tuple(
            TriageCauseRule(
                cause=str(r["cause"]),
                level=str(r["level"]),
                p=float(r["p"]),
                when=_FrozenMap({str(k): str(v) for k, v in r.get("when", {}).items()}),
                source=str(r["source"]),
                why=r.get("why"),
            )
            for r in body.get("causes", [])
        ),
        emergency_p_serious=None if emergency is None else _threshold(emergency),
        safety_net=_FrozenMap({str(k): str(v) for k, v in body.get("safety_net", {}).items()}),
        file=file,
    )


#: The validation rules, checked in this order; every problem of every rule is reported.
RULES: tuple[Rule, ...] = (
    Rule(
        "unique-name",
        "a node or source is declared once across all files",
        _unique_names,
        local=True,
    ),
    Rule("field-type", "every value has the type the format defines", _field_types, local=True),
    Rule("non-empty-name", "every node and source has a name", _names, local=True),
    Rule("known-field", "every field is one the format defines", _known_fields, local=True),
    Rule(
        "required-field",
        "group, label, description and citations are given",
        _required_fields,
        local=True,
    ),
    Rule("known-group", "the group is one of GROUPS", _groups, local=True),
    Rule(
        "states", "two or more unique states; binary nodes are ['no', 'yes']", _states, local=True
    ),
    Rule("known-parent", "parents exist and are listed once", _parents_known),
    Rule("acyclic", "the parent graph has no cycle (every cycle is reported)", _acyclic),
    Rule(
        "table-size",
        f"a node's full table has at most {MAX_TABLE_ENTRIES:,} entries",
        _table_size,
    ),
    Rule("one-form", "exactly one parameter form fitting the node", _one_form, local=True),
    Rule(
        "strength-parent",
        "one strength per parent, none for non-parents",
        _strengths,
        local=True,
    ),
    Rule("probability-range", "probabilities in [0, 1]; distributions sum to 1", _values),
    Rule("table-rows", "a full table has one row per parent combination", _table_rows),
    Rule(
        "known-source", "every number cites a known source or is a reasoned assumption", _sources
    ),
    Rule(
        "question",
        "a declared question has a unique valid column, a prompt, a known section and, "
        "for a number, bins that cut it into the node's states",
        _questions,
        local=True,
    ),
    Rule(
        "triage",
        "triage thresholds, cause rules and flags are well typed, sourced and name real "
        "causes, nodes and states",
        _triage,
    ),
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
        Listing every problem found by every rule in :data:`RULES` (when a file is
        not valid TOML: its syntax error and the problems of the local rules only).
    """
    raw = _typecheck(raw)
    nodes = {name: _build_node(name, file, body) for name, (file, body) in raw.nodes.items()}
    sources = {
        key: Source(
            key=key,
            citation=body.get("citation", ""),
            tag=body.get("tag", ""),
            url=body.get("url"),
            note=body.get("note"),
            file=file,
        )
        for key, (file, body) in raw.sources.items()
    }
    ctx = _Context(raw=raw, nodes=nodes, sources=sources)
    problems = list(raw.problems)
    for rule in RULES:
        if rule.local or not raw.failed_files:
            problems.extend(rule.check(ctx))
    if not nodes and not problems:
        problems.append("the knowledge base declares no nodes [rule: files]")
    if problems:
        raise SpecError(problems)
    return Spec(
        nodes=_FrozenMap(nodes),
        sources=_FrozenMap(sources),
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
