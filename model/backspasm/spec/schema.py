"""The vocabulary of the knowledge-base format and the frozen dataclasses it parses into.

Everything here is declaration: source tags, the fields each kind of
table may have, and the immutable :class:`Spec` with its nodes, parameters,
questions and triage policy. Nothing here reads a file or checks a rule (see
:mod:`backspasm.spec.reader` and :mod:`backspasm.spec.rules`). How a question is
declared lives in :mod:`backspasm.spec.schema_questions`, the node groups and the
kinds of cause in :mod:`backspasm.spec.groups`; their names are given here too, so
that one import serves the whole format.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from backspasm.spec.groups import CAUSE_GROUPS as CAUSE_GROUPS
from backspasm.spec.groups import CAUSE_KINDS as CAUSE_KINDS
from backspasm.spec.groups import GROUPS as GROUPS
from backspasm.spec.groups import CauseGroup as CauseGroup
from backspasm.spec.groups import cause_group_name as cause_group_name
from backspasm.spec.groups import cause_kind as cause_kind
from backspasm.spec.schema_questions import BLANK_WORDS as BLANK_WORDS
from backspasm.spec.schema_questions import NUMBER_FIELDS as NUMBER_FIELDS
from backspasm.spec.schema_questions import QUESTION_FIELDS as QUESTION_FIELDS
from backspasm.spec.schema_questions import QUESTION_SECTIONS as QUESTION_SECTIONS
from backspasm.spec.schema_questions import AnswerRules as AnswerRules
from backspasm.spec.schema_questions import QuestionKind as QuestionKind
from backspasm.spec.schema_questions import QuestionSpec as QuestionSpec

SOURCE_TAGS: tuple[str, ...] = ("found", "secondary", "memory", "fitted")
#: Tags of sources that are literature (as opposed to numbers fitted to data).
LITERATURE_TAGS: tuple[str, ...] = ("found", "secondary", "memory")
ASSUMPTION = "assumption"
BINARY_STATES: tuple[str, str] = ("no", "yes")
#: How far from 1 a distribution's sum may be.
_SUM_TOLERANCE = 1e-6

Form = Literal["prior", "noisy_or", "noisy_max", "logistic", "table"]
#: The fields a node may have.
NODE_FIELDS: tuple[str, ...] = (
    "group",
    "label",
    "label_no",
    "description",
    "states",
    "parents",
    "extension",
    "prior",
    "leak",
    "strength",
    "base",
    "odds",
    "table",
    "question",
)
#: The fields a parameter (an inline table ``{ p = ..., source = ... }``) may have.
PARAM_FIELDS: tuple[str, ...] = ("p", "source", "why")
#: The fields a bibliography entry may have.
SOURCE_FIELDS: tuple[str, ...] = ("citation", "tag", "url", "note")
#: The largest full conditional table (entries: the product of the state counts of a
#: node and its parents) a node may have; larger ones are refused before expansion.
MAX_TABLE_ENTRIES = 1_000_000

TRIAGE_LEVELS: tuple[str, ...] = ("emergency", "see_doctor", "self_care")


def sums_to_one(p: Mapping[str, Any]) -> bool:
    """Return whether the values of ``p`` are numbers that sum to 1 (within 1e-6).

    Parameters
    ----------
    p : mapping of str to object
        A distribution over states, as the file gave it.

    Returns
    -------
    bool
        False as well when a value is not a number.
    """
    try:
        return abs(sum(float(v) for v in p.values()) - 1.0) <= _SUM_TOLERANCE
    except (TypeError, ValueError, OverflowError):
        return False


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
            return max(len(self.p) - 1, 1) if sums_to_one(self.p) else len(self.p)
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
    label_no : str
        How a yes/no node's "no" reads (``"Can touch toes"`` for ``Cannot touch
        toes``); empty when ``"no "`` before the label reads well (``no fever``).
    states : tuple of str
        State names, in order (``("no", "yes")`` for binary nodes).
    parents : tuple of str
        Parent node names.
    form : {"prior", "noisy_or", "noisy_max", "logistic", "table"}
        Which parameter form the node uses.
    prior, leak : Parameter or None
    strengths : mapping of str to Parameter
        Noisy-OR/MAX strength per parent.
    base : Parameter or None
        Logistic form: P(yes) when every parent is in its first (reference) state.
    odds : mapping of str to Parameter
        Logistic form: the odds ratio per parent (a number for a yes/no parent, one
        per non-reference state otherwise); odds ratios multiply. A noisy-OR may give
        the parents without a strength an odds ratio, which scales its odds.
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
    base: Parameter | None = None
    odds: Mapping[str, Parameter] = field(default_factory=dict)
    table: tuple[TableRow, ...] = ()
    extension: bool = False
    file: str = ""
    question: QuestionSpec | None = None
    label_no: str = ""

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
        if self.base is not None:
            yield "base", self.base
        for parent, param in self.odds.items():
            yield f"odds.{parent}", param
        for i, row in enumerate(self.table):
            yield f"table[{i}]", row.param


@dataclass(frozen=True)
class TriageFlag:
    """A combination of answers that by itself sets a minimum triage level.

    Attributes
    ----------
    name : str
        What the combination means, e.g. "Saddle numbness (a warning sign of cauda
        equina syndrome)".
    level : {"emergency", "see_doctor"}
    when : mapping of str to str
        Node to state; every pair must hold (AND).
    source, why : str
        Provenance, as for parameters.
    within_hours : float or None
        For ``see_doctor`` only: how soon to see the doctor, in hours, as the source
        gives it; None for "soon".
    unless : mapping of str to str
        Node to state; the flag does not apply when any pair holds (an answer that
        takes away the flag's reason: spasms for 6 to 12 weeks that are improving).
        An unanswered ``unless`` node leaves the flag as it is.
    of : mapping of str to str
        Node to state; with ``at_least``, a count the flag needs on top of ``when``:
        at least ``at_least`` of these pairs hold (NICE's referral for possible
        spondyloarthritis, 4 or more of its features). Empty for a flag of ``when``
        alone. An unanswered node counts as not holding.
    at_least : int
        How many pairs of ``of`` must hold; 0 when ``of`` is empty.
    """

    name: str
    level: str
    when: Mapping[str, str]
    source: str
    why: str | None = None
    within_hours: float | None = None
    unless: Mapping[str, str] = field(default_factory=dict)
    of: Mapping[str, str] = field(default_factory=dict)
    at_least: int = 0

    @property
    def holds_on(self) -> dict[str, str]:
        """The answers that make the flag hold: ``when``, then those ``of`` counts."""
        return {**self.when, **self.of}

    @property
    def answers(self) -> tuple[str, ...]:
        """Every node whose answer the flag reads: ``when``, ``of``, then ``unless``."""
        return tuple(dict.fromkeys((*self.holds_on, *self.unless)))


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
    within_hours : float or None
        As for :class:`TriageFlag`.
    """

    cause: str
    level: str
    p: float
    when: Mapping[str, str]
    source: str
    why: str | None = None
    within_hours: float | None = None

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

    def __repr__(self) -> str:
        """Return the policy in one line: its rules, thresholds and file."""
        # Field by field, with every rule's citation, it ran to 48,802 characters.
        serious, pathologic = self.see_doctor_p_serious.p, self.see_doctor_p_pathologic.p
        urgent = self.emergency_p_serious
        said = "; ".join(
            [
                f"{len(self.flags)} flags, {len(self.causes)} cause rules",
                f"see a doctor from P(serious) {serious} or P(pathologic) {pathologic}",
                f"emergency from P(serious) {urgent.p}" if urgent else "no emergency threshold",
                f"from {self.file or 'no file'}",
            ]
        )
        return f"<TriagePolicy: {said}>"


@dataclass(frozen=True, repr=False)
class Spec:
    """A whole knowledge base: nodes, bibliography and where they came from.

    Attributes
    ----------
    nodes : mapping of str to NodeSpec
        In declaration order (file name order, then order within the file).
    sources : mapping of str to Source
    triage : TriagePolicy or None
        Urgency thresholds and red flags, when the knowledge base declares them.
    origin, files : str and tuple of str
        The folder or file it was read from, and the TOML files read, in name order.
    digest : str
        SHA-256 of the TOML files' bytes, in file-name order (provenance of the files:
        a comment or citation changes it). Not the network fingerprint
        (:meth:`~backspasm.network.Network.fingerprint`), which hashes what the
        files declare and ignores how they are written.
    """

    nodes: Mapping[str, NodeSpec]
    sources: Mapping[str, Source]
    origin: str = ""
    digest: str = ""
    triage: TriagePolicy | None = None
    files: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Field by field, with every number's citation, it ran to half a megabyte.
        own = self.triage is not None
        policy = "its own triage policy" if own else "the bundled triage policy, borrowed"
        return (
            f"<Spec: {len(self.nodes)} nodes, {len(self.causes)} causes, "
            f"{len(self.sources)} sources, {policy}, from {self.origin or 'no file'}>"
        )

    def group(self, group: str) -> tuple[str, ...]:
        """Return the names of the nodes of one group, in declaration order."""
        return self._groups.get(group, ())

    @cached_property
    def _groups(self) -> Mapping[str, tuple[str, ...]]:
        # The nodes of every group, found once (a spec is read-only).
        found: dict[str, list[str]] = {}
        for n, s in self.nodes.items():
            found.setdefault(s.group, []).append(n)
        return {g: tuple(names) for g, names in found.items()}

    @cached_property
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
            counts[self.kind_of(param)] += param.count()
        return counts

    def kind_of(self, param: Parameter) -> str:
        """Return the kind of a parameter's source, as :meth:`numbers_by_kind` counts it."""
        if not param.is_sourced:
            return "assumption"
        tag = self.sources[param.source].tag
        return "read" if tag == "found" else tag

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
