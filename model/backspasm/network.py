"""Build the pgmpy network from the knowledge base, and export it.

Noisy-OR, noisy-MAX and logistic declarations are expanded into full conditional
tables by :mod:`backspasm.tables`, so that the pgmpy model is an ordinary
:class:`~pgmpy.models.DiscreteBayesianNetwork` that any pgmpy tool (inference,
estimators, writers) accepts.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

import backspasm._fingerprint as fingerprints
from backspasm._files import atomic_path
from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError
from backspasm.model_checks import check_model_matches_spec
from backspasm.spec import CAUSE_GROUPS, GROUPS, NodeSpec, Spec, load_spec
from backspasm.spec.borrowed import borrow_policy
from backspasm.spec.reader import bundled_policy
from backspasm.spec.rules_numbers import CertainNumberWarning, certain_numbers
from backspasm.tables import build_cpd, spec_factors

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

    from backspasm.engine import CompiledNetwork

__all__ = [
    "EXPORT_FORMATS",
    "Network",
    "NotACauseError",
    "build_cpd",
    "default_network",
    "load_network",
    "network_or_default",
]

ExportFormat = Literal["bif", "xmlbif", "net", "xdsl", "uai"]
#: Formats :meth:`Network.export` writes, with the pgmpy writer used for each.
EXPORT_FORMATS: tuple[str, ...] = ("bif", "xmlbif", "net", "xdsl", "uai")


class NotACauseError(BackspasmError, KeyError):
    """A name given where a cause of the network is wanted.

    A :class:`~backspasm.exceptions.BackspasmError` like every refusal of the
    package, and a :class:`KeyError` as :meth:`Diagnosis.reasons
    <backspasm.diagnosis.Diagnosis.reasons>` raised before.
    """

    def __str__(self) -> str:
        # KeyError shows its argument's repr, in quotes; this is a sentence.
        return str(self.args[0]) if self.args else ""


class Network:
    """The back-spasm network: the pgmpy model plus what each node means.

    Build one with :func:`load_network`. ``network.model`` is the
    :class:`~pgmpy.models.DiscreteBayesianNetwork` itself, free to query, modify
    or pass to any pgmpy tool; the compiled batch engine is rebuilt automatically
    when its numbers change.

    Parameters
    ----------
    spec : Spec
        The validated knowledge base.
    model : DiscreteBayesianNetwork, optional
        A model built from ``spec`` (built here when omitted).
    """

    def __init__(self, spec: Spec, model: DiscreteBayesianNetwork | None = None) -> None:
        self.spec = spec
        # The pgmpy model is built on first use: scoring and diagnosis compile the
        # engine straight from the knowledge base and never pay pgmpy's import.
        self._model = model
        # The knowledge base is frozen, so its tables and their digest are computed once.
        self._spec_tables: list[tuple[list[str], np.ndarray]] | None = None
        self._spec_digest: str | None = None
        # Questions and triage policy come from the frozen knowledge base too: their
        # digests, and the whole fingerprint while the model is unbuilt, are made once.
        self._rules_digests: tuple[str, str] | None = None
        self._spec_fingerprint: str | None = None
        self._engine: CompiledNetwork | None = None
        self._engine_key: str | None = None

    @property
    def model(self) -> DiscreteBayesianNetwork:
        """The pgmpy :class:`~pgmpy.models.DiscreteBayesianNetwork` (built on first use)."""
        if self._model is None:
            self._model = _build_model(self.spec)
        return self._model

    @model.setter
    def model(self, model: DiscreteBayesianNetwork) -> None:
        self._model = model

    @property
    def model_built(self) -> bool:
        """Whether the pgmpy model exists yet (until then the knowledge base is the model)."""
        return self._model is not None

    @property
    def node_names(self) -> tuple[str, ...]:
        """Every node, in the model's order (the knowledge base's order until it is built)."""
        if self._model is None:
            return tuple(self.spec.nodes)
        return tuple(str(n) for n in self._model.nodes())

    def spec_tables(self) -> list[tuple[list[str], np.ndarray]]:
        """Return every node's table from the knowledge base, shaped ``(node, *parents)``.

        These are the numbers of :attr:`model` as built; once a researcher edits the
        model, read its CPDs instead (see :attr:`model_built`). The arrays are
        read-only: to try other numbers, edit ``network.model``'s CPDs (or a copy of
        an array).
        """
        if self._spec_tables is None:
            tables = spec_factors(self.spec)
            for _, values in tables:
                # The engine and the fingerprint are built from these arrays, the pgmpy
                # model from the knowledge base: an edit in place would split them.
                values.setflags(write=False)
            self._spec_tables = tables
        return self._spec_tables

    def __getstate__(self) -> dict[str, Any]:
        # The compiled engine is a cache, rebuilt on first use after unpickling.
        return {**self.__dict__, "_engine": None, "_engine_key": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A network pickled before the fingerprint covered questions and triage lacks
        # their cached digests: they are made again on first use.
        self.__dict__.update({"_rules_digests": None, "_spec_fingerprint": None, **state})

    @classmethod
    def from_spec(cls, spec: Spec) -> Network:
        """Build the network of a validated :class:`~backspasm.spec.Spec`."""
        return cls(spec)

    def __repr__(self) -> str:
        origin = self.spec.origin or "a spec"
        if self.edited:
            # "backspasm/knowledge (bundled)" becomes "(bundled, edited in place)".
            if origin.endswith(")"):
                origin = origin[:-1] + ", edited in place)"
            else:
                origin += " (edited in place)"
        return (
            f"<Network: {len(self.spec.nodes)} nodes, "
            f"{sum(len(n.parents) for n in self.spec.nodes.values())} edges, "
            f"{len(self.causes)} causes, from {origin}>"
        )

    @property
    def edited(self) -> bool:
        """Whether :attr:`model`'s numbers differ from those its knowledge base gives.

        True once a CPD of :attr:`model` was changed in place (or another model was
        set), as :meth:`numbers_fingerprint` tells; False while the model is unbuilt.
        The check hashes the model's tables (a quarter of a millisecond for the
        bundled network's 2,491 entries), so it is made on every call.
        """
        if self._model is None:
            return False
        return fingerprints.model_digest(self._model) != self._loaded_digest()

    def _loaded_digest(self) -> str:
        """Return the :meth:`numbers_fingerprint` of the knowledge base's tables (made once)."""
        if self._spec_digest is None:
            self._spec_digest = fingerprints.spec_digest(self.spec, self.spec_tables())
        return self._spec_digest

    # -- what the nodes mean ---------------------------------------------------------
    @property
    def causes(self) -> tuple[str, ...]:
        """Cause nodes: fitness deficiency, then pathologic, then serious."""
        return self.spec.causes

    @property
    def serious_causes(self) -> tuple[str, ...]:
        """Causes that need emergency evaluation."""
        return self.spec.group("cause_serious")

    def nodes_in(self, group: str) -> tuple[str, ...]:
        """Return the nodes of one group (see :data:`backspasm.spec.GROUPS`)."""
        if group not in GROUPS:
            raise BackspasmError(
                f"The 'group' parameter of Network.nodes_in must be one of {', '.join(GROUPS)}; "
                f"got {group!r} instead."
            )
        return self.spec.group(group)

    def group_of(self, node: str) -> str:
        """Return the group of a node."""
        return self._node(node).group

    def label(self, node: str) -> str:
        """Return the short label of a node, for figures and tables."""
        return self._node(node).label

    def description(self, node: str) -> str:
        """Return the plain-language description of a node."""
        return self._node(node).description

    def states(self, node: str) -> tuple[str, ...]:
        """Return the state names of a node."""
        return self._node(node).states

    def is_cause(self, node: str) -> bool:
        """Whether ``node`` is a cause."""
        return self._node(node).group in CAUSE_GROUPS

    def check_cause(self, name: str) -> str:
        """Return ``name`` if it is a cause; else raise, naming the causes.

        Raises
        ------
        NotACauseError
            Saying what ``name`` is (a node of another group, or no node), with the
            closest cause and the list of causes.
        """
        if name in self.causes:
            return name
        node = self.spec.nodes.get(name)
        if node is None:
            said = f"'{name}' is not a cause of the network (nor any of its nodes)."
        else:
            group = node.group.replace("_", " ")
            article = "an" if group[0] in "aeiou" else "a"
            said = f"'{name}' is not a cause of the network: it is {article} {group} node."
        raise NotACauseError(
            f"{said}{did_you_mean(name, self.causes)} The causes: {', '.join(self.causes)}."
        )

    def _node(self, node: str) -> NodeSpec:
        try:
            return self.spec.nodes[node]
        except KeyError:
            hint = did_you_mean(node, self.spec.nodes)
            raise BackspasmError(f"Unknown node '{node}'.{hint}") from None

    # -- numbers -----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Count nodes, edges, numbers and how many numbers cite a literature source.

        Returns
        -------
        dict
            ``nodes``, ``groups`` (count per group), ``edges``, ``numbers`` (declared
            free numbers), ``sourced``, ``sourced_share``, ``cpt_entries`` (entries of
            the expanded tables), ``sources``, ``source_tags``, ``fitted`` (numbers
            fitted to data) and ``assumptions``.
        """
        sourced, total = self.spec.sourced_share()
        provenance = self.spec.provenance_counts()
        tags: dict[str, int] = {}
        for src in self.spec.sources.values():
            tags[src.tag] = tags.get(src.tag, 0) + 1
        return {
            "nodes": len(self.model.nodes()),
            "groups": {g: len(self.spec.group(g)) for g in GROUPS if self.spec.group(g)},
            "edges": len(self.model.edges()),
            "numbers": total,
            "sourced": sourced,
            "sourced_share": sourced / total if total else 0.0,
            "fitted": provenance["fitted"],
            "assumptions": provenance["assumption"],
            "cpt_entries": int(sum(cpd.values.size for cpd in self.model.get_cpds())),
            "sources": len(self.spec.sources),
            "source_tags": ", ".join(f"{n} {t}" for t, n in sorted(tags.items())),
        }

    def report(self) -> str:
        """Return what ``backspasm check`` prints: sizes, sources, numbers, triage policy.

        The fingerprint (:meth:`fingerprint`) tells variants apart: any changed
        number or edge, question or triage rule changes it. A knowledge base without
        a ``[triage]`` table is said to borrow the bundled policy, with every flag and
        cause rule dropped for a node or state it lacks.

        A number of exactly 0 or 1 that makes an answer impossible (a prior, or a
        noisy-OR's leak or strength: :func:`~backspasm.spec.rules_numbers.certain_numbers`)
        is warned about, one :class:`~backspasm.spec.rules_numbers.CertainNumberWarning`
        each, naming file, node and field: legal, since a certain link can be meant.
        """
        for line in certain_numbers(self.spec):
            warnings.warn(line, CertainNumberWarning, stacklevel=2)
        summary = self.summary()
        groups = ", ".join(f"{g} {n}" for g, n in summary["groups"].items())
        total = summary["numbers"]
        kinds = ", ".join(
            f"{kind} {n} ({n / total:.1%})" for kind, n in self.spec.numbers_by_kind().items()
        )
        return "\n".join(
            [
                f"knowledge base: {self.spec.origin} (valid)",
                *([f"files read: {', '.join(self.spec.files)}"] if self.spec.files else []),
                f"nodes: {summary['nodes']} ({groups})",
                f"edges: {summary['edges']}",
                f"declared numbers: {total}, of which {summary['sourced']} "
                f"({summary['sourced_share']:.1%}) cite a literature source, "
                f"{summary['fitted']} were fitted to data and "
                f"{summary['assumptions']} are reasoned assumptions",
                "by kind: " + (kinds if total else ""),
                f"expanded CPT entries: {summary['cpt_entries']}",
                f"bibliography: {summary['sources']} sources ({summary['source_tags']})",
                f"fingerprint: {self.fingerprint()} (SHA-256 of the structure, numbers, "
                "questions and triage policy)",
                *self._policy_lines(),
            ]
        )

    def _policy_lines(self) -> list[str]:
        """Say whose triage policy the network uses, and what a borrowed one lost."""
        own = self.spec.triage
        if own is not None:
            return [
                f"triage policy: its own ([triage] in {own.file}): {len(own.flags)} flags, "
                f"{len(own.causes)} cause rules"
            ]
        bundled = bundled_policy()
        if bundled is None:  # not reached: the bundled knowledge base declares one
            return ["triage policy: none"]
        borrowed = borrow_policy(bundled, self.spec.nodes)
        kept = borrowed.policy
        lines = [
            "triage policy: borrowed from the bundled knowledge base (this one has no "
            f"[triage] table): {len(kept.flags)} of {len(bundled.flags)} flags and "
            f"{len(kept.causes)} of {len(bundled.causes)} cause rules kept; add a [triage] "
            "table to set your own"
        ]
        missing = "dropped: it names a node or state this knowledge base lacks"
        for flag in borrowed.dropped_flags:
            when = ", ".join(f"{k}={v}" for k, v in flag.when.items())
            lines.append(f"  flag '{flag.name}' ({when}) {missing}")
        for rule in borrowed.dropped_causes:
            lines.append(f"  cause rule '{rule.describe()}' ({rule.level}) {missing}")
        return lines

    def fingerprint(self) -> str:
        """Return a SHA-256 of everything that makes the network's outputs (provenance).

        It covers the model's structure and numbers (:meth:`numbers_fingerprint`),
        the questions as parsed (which nodes are asked, in which section, their
        choices, bins, range and default: how answers become evidence) and the triage
        policy in force (thresholds, flags, cause rules, timeframes, safety net; a
        borrowed policy as borrowed). Citations (``source``, ``why``) and file names
        are left out: they change no output. Two networks with one fingerprint give
        the same results; an edit of :attr:`model`'s CPDs changes it.
        :meth:`fingerprint_parts` tells which part differs.
        """
        if self._model is None:
            if self._spec_fingerprint is None:
                self._spec_fingerprint = self._combine(self.numbers_fingerprint())
            return self._spec_fingerprint
        return self._combine(self.numbers_fingerprint())

    def fingerprint_parts(self) -> dict[str, str]:
        """Return the SHA-256 of each part :meth:`fingerprint` covers.

        Returns
        -------
        dict of str to str
            ``numbers`` (:meth:`numbers_fingerprint`), ``questions`` and ``triage``.
        """
        questions, triage = self._rules()
        return {"numbers": self.numbers_fingerprint(), "questions": questions, "triage": triage}

    def numbers_fingerprint(self) -> str:
        """Return a SHA-256 over the model's structure and numbers only.

        Every table (node, parents, state names, values): what the compiled engine
        and sampling depend on, and the key of results that depend on nothing else.
        Unlike :meth:`fingerprint`, it ignores the questions and the triage policy.
        """
        if self._model is None:
            return self._loaded_digest()
        return fingerprints.model_digest(self._model)

    def zero_answers(self, evidence: Mapping[str, object]) -> str:
        """Say which answered nodes' tables give their answer probability zero.

        What makes answers impossible (``ImpossibleEvidenceError``) is most often
        one table: a leak or strength of 1, or a prior of 0 or 1, that rules one
        answer out. For each answered node, its table (of :attr:`model` once built,
        else of the knowledge base) is read at the answered state: zero in every
        column, or in every column the answers to its parents leave.

        Parameters
        ----------
        evidence : mapping
            Node to state name, state index or likelihood per state (as
            :func:`~backspasm.questionnaire.answers_to_evidence` gives it).

        Returns
        -------
        str
            One sentence per such node, or ``""`` when no single table explains it
            (the answers are then impossible only together, through several tables).
        """
        hard: dict[str, str] = {}
        answered: dict[str, dict[str, float]] = {}  # per node, the weight of each state
        for node, value in evidence.items():
            if node not in self.spec.nodes:
                continue
            states = self.spec.nodes[node].states
            if isinstance(value, int | np.integer) and 0 <= int(value) < len(states):
                value = states[int(value)]
            if isinstance(value, str) and value in states:
                hard[node] = value
                answered[node] = {value: 1.0}
            elif isinstance(value, Sequence) and len(value) == len(states):
                answered[node] = dict(zip(states, map(float, value), strict=True))
        place = "as edited in place" if self.edited else None
        said = []
        for node, weight in answered.items():
            variables, values, names = self._table_of(node)
            vector = np.array([weight.get(s, 0.0) for s in names[node]])
            probs = np.tensordot(vector, values, axes=(0, 0))  # over the parents' states
            given = {v: hard[v] for v in variables[1:] if v in hard and hard[v] in names[v]}
            if (probs > 0).any():
                index = tuple(
                    names[v].index(given[v]) if v in given else slice(None) for v in variables[1:]
                )
                if not given or (probs[index] > 0).any():
                    continue
                when = "when " + ", ".join(f"{v}={s}" for v, s in given.items())
            else:
                when = "in every case"
            answer = " or ".join(s for s in names[node] if weight.get(s, 0.0) > 0)
            where = place or f"declared in {self.spec.nodes[node].file or 'the knowledge base'}"
            said.append(f"The table of node '{node}' ({where}) gives P({node}={answer})=0 {when}.")
        return " ".join(said)

    def _table_of(self, node: str) -> tuple[list[str], np.ndarray, dict[str, list[str]]]:
        """Return a node's table: its variables (node first), values and state names."""
        if self._model is None:
            for variables, values in self.spec_tables():
                if variables[0] == node:
                    names = {v: list(self.spec.nodes[v].states) for v in variables}
                    return variables, values, names
            raise BackspasmError(f"Unknown node '{node}'.")  # not reached: checked by callers
        cpd = self._model.get_cpds(node)
        names = {str(v): [str(s) for s in cpd.state_names[v]] for v in cpd.variables}
        return [str(v) for v in cpd.variables], np.asarray(cpd.values), names

    def _rules(self) -> tuple[str, str]:
        """Digests of the declared questions and of the triage policy in force (made once)."""
        if self._rules_digests is None:
            self._rules_digests = fingerprints.rules_digests(self.spec)
        return self._rules_digests

    def _combine(self, numbers: str) -> str:
        return fingerprints.combined_digest(numbers, *self._rules())

    @property
    def engine(self) -> CompiledNetwork:
        """The compiled batch engine for the model's current numbers."""
        key = self.numbers_fingerprint()
        if self._model is not None:
            # pgmpy lets an edge be removed or added without touching the tables, so
            # the structure is part of what the engine was compiled from.
            key += "|" + fingerprints.edges_digest(self._model)
        if self._engine is None or key != self._engine_key:
            from backspasm.engine import CompiledNetwork

            if self._model is None:
                states = {name: node.states for name, node in self.spec.nodes.items()}
                self._engine = CompiledNetwork(self.spec_tables(), states)
            else:
                check_model_matches_spec(self.spec, self._model)
                try:
                    self._model.check_model()
                except ValueError as err:
                    raise BackspasmError(
                        f"The edited pgmpy model is not a valid network: {err} Keep each "
                        "node's parents as its table lists them; to change the structure, "
                        "edit a copy of the knowledge base and load it with "
                        "backspasm.load_network(folder)."
                    ) from err
                self._engine = CompiledNetwork.from_model(self._model)
            self._engine_key = key
        return self._engine

    # -- files -------------------------------------------------------------------------
    def export(self, path: str | os.PathLike[str], *, format: ExportFormat | None = None) -> Path:
        """Write the model with a pgmpy writer (BIF, XMLBIF, NET, XDSL or UAI).

        Parameters
        ----------
        path : path-like
            Destination, in an existing folder; written atomically (temporary file,
            then rename). ``"-"`` writes to standard output (name the format).
        format : {"bif", "xmlbif", "net", "xdsl", "uai"}, optional
            Defaults to the file's extension (``.xml`` means XMLBIF).

        Returns
        -------
        Path
            The written file.

        Notes
        -----
        BIF, XDSL and UAI read back into pgmpy with the same numbers (UAI numbers are
        written in positional notation, which pgmpy's reader needs); NET agrees to
        about 1e-9. pgmpy's XMLBIF writer rewrites state names that are not XML
        names (``65+`` becomes ``65_``), so evidence for the read-back model must use
        the rewritten names.

        XDSL (GeNIe) and NET (HUGIN) files carry the layered layout of
        :func:`backspasm.layout.layered_layout` (the one the figures draw), so the
        graph opens readable: each node's box at its place, named by its label
        (``<position>x1 y1 x2 y2</position>`` and ``<name>`` in XDSL;
        ``position = (x y);`` and ``label = "...";`` in NET), in pixels with y down.
        """
        dest = Path(path)
        fmt = format or {".xml": "xmlbif"}.get(dest.suffix.lower(), dest.suffix.lower()[1:])
        if fmt not in EXPORT_FORMATS:
            formats = ", ".join(EXPORT_FORMATS)
            said = (
                f"format {fmt!r} is not one backspasm writes"
                if fmt
                else "the name has no extension to tell the format"
            )
            raise BackspasmError(
                f"cannot export to '{path}': {said}; name the format ({formats}) or give "
                "the file its extension (.xml for xmlbif)."
            )
        from backspasm.exporting import writer_for  # reads the layout: loaded on use

        writer = writer_for(fmt, self.model, self if fmt in ("net", "xdsl") else None)
        if str(path) == "-":  # standard output
            with tempfile.TemporaryDirectory() as folder:
                tmp = Path(folder) / f"model.{fmt}"
                writer(str(tmp))
                sys.stdout.write(tmp.read_text(encoding="utf-8"))
            return dest
        if not dest.parent.is_dir():
            raise BackspasmError(
                f"cannot export to '{path}': folder '{dest.parent}' does not exist."
            )
        with atomic_path(dest) as tmp:
            writer(str(tmp))
        return dest


def _build_model(spec: Spec) -> DiscreteBayesianNetwork:
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork()
    model.add_nodes_from(spec.nodes)
    model.add_edges_from((p, n) for n, s in spec.nodes.items() for p in s.parents)
    model.add_cpds(
        *(build_cpd(s, [spec.nodes[p] for p in s.parents]) for s in spec.nodes.values())
    )
    model.check_model()
    return model


def load_network(path: str | os.PathLike[str] | None = None) -> Network:
    """Load the bundled back-spasm network, or a variant of its knowledge base.

    Parameters
    ----------
    path : path-like, optional
        A folder of ``*.toml`` files or a single TOML file in the knowledge-base
        format (see :mod:`backspasm.spec`). By default the bundled knowledge base.

    Returns
    -------
    Network
        ``.model`` is the pgmpy :class:`~pgmpy.models.DiscreteBayesianNetwork`.

    Raises
    ------
    SpecError
        If the knowledge base breaks a rule (every problem is listed).

    Examples
    --------
    >>> from backspasm import load_network
    >>> net = load_network()
    >>> "kidney_stones" in net.causes
    True
    """
    if path is None:
        # Every caller gets a model of its own, built from the (immutable) parsed
        # knowledge base, never copied from the shared network: an edit made to that
        # one (through ``Diagnosis.network`` say) must not reach a fresh copy.
        return Network(default_network().spec)
    return Network(load_spec(Path(path)))


_BUNDLED: Network | None = None


def default_network() -> Network:
    """Return the process-wide bundled network that functions use by default.

    It is parsed and compiled once. Do not modify it: call :func:`load_network`
    for a copy of your own.
    """
    global _BUNDLED
    if _BUNDLED is None:
        _BUNDLED = Network(load_spec())
    return _BUNDLED


def network_or_default(network: object) -> Network:
    """Return ``network``, or the bundled one for None; refuse anything else clearly.

    Raises
    ------
    TypeError
        For a path or a pgmpy model given where a :class:`Network` is wanted.
    """
    if network is None:
        return default_network()
    if not isinstance(network, Network):
        raise TypeError(
            f"network must be a Network, got {type(network).__name__}: load a knowledge base "
            "once with backspasm.load_network(path) and pass that"
        )
    return network
