"""Build the pgmpy network from the knowledge base, and export it.

Noisy-OR, noisy-MAX and logistic declarations are expanded into full conditional
tables by :mod:`backspasm.tables`, so that the pgmpy model is an ordinary
:class:`~pgmpy.models.DiscreteBayesianNetwork` that any pgmpy tool (inference,
estimators, writers) accepts.

:class:`Network` holds the model, what its nodes mean, its fingerprint and engine; its
report, refusals and files come from ``_network_report``, ``_network_checks``, ``_network_export``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm._fingerprint as fingerprints
from backspasm._network_checks import EditedNetworkWarning as EditedNetworkWarning
from backspasm._network_checks import (
    NodeTable,
    check_edited_model,
    model_table,
    not_a_cause,
    spec_table,
    unknown_node,
    warn_edited_default,
    zero_answers,
)
from backspasm._network_export import EXPORT_FORMATS, ExportFormat, export_network
from backspasm._network_report import network_repr, report_html, report_text, summary_of
from backspasm._numbers_table import numbers_table
from backspasm.exceptions import BackspasmError, UnknownNodeError
from backspasm.exceptions import NotACauseError as NotACauseError  # raised by check_cause
from backspasm.spec import CAUSE_GROUPS, GROUPS, NodeSpec, Spec, load_spec
from backspasm.spec.rules_certain import CertainNumberWarning, certain_numbers
from backspasm.spec.schema import cause_group_name
from backspasm.tables import build_cpd, build_model, spec_factors

if TYPE_CHECKING:
    import pandas as pd
    from pgmpy.models import DiscreteBayesianNetwork

    from backspasm.engine import CompiledNetwork

__all__ = [
    "EXPORT_FORMATS",
    "EditedNetworkWarning",
    "Network",
    "NotACauseError",
    "as_network",
    "build_cpd",
    "default_network",
    "load_network",
    "network_or_default",
]


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
        # Built on first use: scoring and diagnosis compile from the knowledge base.
        self._model = model
        # The knowledge base is frozen: its tables, their digest, the digests of its
        # questions and triage policy (and the fingerprint while the model is unbuilt)
        # are made once.
        self._spec_tables: list[tuple[list[str], np.ndarray]] | None = None
        self._spec_digest: str | None = None
        self._rules_digests: tuple[str, str] | None = None
        self._spec_fingerprint: str | None = None
        self._engine: CompiledNetwork | None = None
        self._engine_key: str | None = None

    @property
    def model(self) -> DiscreteBayesianNetwork:
        """The pgmpy :class:`~pgmpy.models.DiscreteBayesianNetwork` (built on first use)."""
        if self._model is None:
            self._model = build_model(self.spec)
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
        return network_repr(self.spec, edited=self.edited)

    def _repr_html_(self) -> str:  # a notebook shows what check prints, as a table
        return report_html(repr(self), self.report())

    @property
    def edited(self) -> bool:
        """Whether :attr:`model`'s numbers or edges differ from its knowledge base's.

        True once a CPD of :attr:`model` was changed in place (or another model was
        set), as :meth:`numbers_fingerprint` tells, or an edge was added or removed
        (which pgmpy allows without touching a table); False while the model is
        unbuilt. The check hashes the model's tables (a quarter of a millisecond for
        the bundled network's 2,491 entries) and compares its edges, on every call.
        """
        if self._model is None:
            return False
        model = self._model
        added, removed = fingerprints.changed_edges(self.spec_tables(), model)
        return bool(added or removed) or fingerprints.model_digest(model) != self._loaded_digest()

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
        """Return the group of a node (``cause_serious``; :meth:`cause_group` says ``serious``)."""
        return self._node(node).group

    def cause_group(self, node: str) -> str:
        """Return a node's group as the cause tables name it (``serious``: see ``CAUSE_KINDS``)."""
        return cause_group_name(self.group_of(node))

    def label(self, node: str) -> str:
        """Return the short label of a node, for figures and tables."""
        return self._node(node).label

    def label_no(self, node: str) -> str:
        """Return how a yes/no node's no reads when ``no <label>`` would not ("" if so)."""
        return self._node(node).label_no

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
        raise NotACauseError(not_a_cause(self.spec, name))

    def _node(self, node: str) -> NodeSpec:
        try:
            return self.spec.nodes[node]
        except KeyError:
            raise UnknownNodeError(unknown_node(self.spec, node)) from None

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
        return summary_of(self.spec, self.model)

    def numbers(self) -> pd.DataFrame:
        """Return every declared number of the knowledge base with its source, one a row.

        Columns: node, label, group, field (``prior``, ``strength.<parent>``, ...), value,
        count, source, kind (as ``backspasm check`` counts), citation, why; not edits.
        """
        return numbers_table(self.spec)

    def report(self) -> str:
        """Return what ``backspasm check`` prints: sizes, sources, numbers, triage policy.

        The fingerprint (:meth:`fingerprint`) tells variants apart: any changed
        number, table parent, question or triage rule changes it. A knowledge base without
        a ``[triage]`` table is said to borrow the bundled policy, with every flag and
        cause rule dropped for a node or state it lacks. Tables edited in place in
        :attr:`model` (see :attr:`edited`) are named on a line of their own, and edges
        added or removed there with no table changed (which no fingerprint sees) on another.

        A number of exactly 0 or 1 that makes an answer impossible (a prior, or a
        noisy-OR's leak or strength: :func:`~backspasm.spec.rules_certain.certain_numbers`)
        is warned about, one :class:`~backspasm.spec.rules_certain.CertainNumberWarning`
        each, naming file, node and field: legal, since a certain link can be meant.
        """
        for line in certain_numbers(self.spec):
            warnings.warn(line, CertainNumberWarning, stacklevel=2)
        summary = self.summary()
        edited = fingerprints.edited_tables(self.spec, self.spec_tables(), self.model)
        edges = (*fingerprints.changed_edges(self.spec_tables(), self.model), self.model)
        return report_text(self.spec, summary, self.fingerprint(), edited=edited, edges=edges)

    def fingerprint(self) -> str:
        """Return a SHA-256 of everything that makes the network's outputs (provenance).

        It covers the model's structure and numbers (:meth:`numbers_fingerprint`),
        the questions as parsed (which nodes are asked, in which section, their
        choices, bins, range and default: how answers become evidence) and the triage
        policy in force (thresholds, flags, cause rules, timeframes, safety net; a
        borrowed policy as borrowed). Citations (``source``, ``why``) and file names
        are left out: they change no output. Two networks with one fingerprint give
        the same results; an edit of :attr:`model`'s CPDs or edges changes it.
        :meth:`fingerprint_parts` tells which part differs. It is not
        :attr:`Spec.digest <backspasm.spec.Spec>`, the SHA-256 of the TOML files'
        bytes, which a fitted knowledge base also cites (as ``sha256 of its TOML files``).
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

        Every table (node, parents, state names, values), and edges unlike its parents:
        what the engine and sampling depend on, the key of results that depend on no more.
        Unlike :meth:`fingerprint`, it ignores the questions and the triage policy.
        """
        if self._model is None:
            return self._loaded_digest()
        return fingerprints.model_digest(self._model)

    def zero_answers(self, evidence: Mapping[str, object]) -> str:
        """Say which answered nodes' tables give their answer probability zero.

        What makes answers impossible (``ImpossibleEvidenceError``) is most often one
        table: a leak or strength of 1, or a prior of 0 or 1, that rules one answer out.
        Each answered node's table (of :attr:`model` once built, else of the knowledge
        base) is read at the answered state, in every column its parents' answers leave.
        ``evidence`` maps a node to a state name, state index or likelihood per state (as
        :func:`~backspasm.questionnaire.answers_to_evidence` gives it). Returns one
        sentence per such node, or ``""`` when no single table explains it (the answers
        are then impossible only together, through several tables).
        """
        return zero_answers(self.spec, evidence, table_of=self._table_of, edited=self.edited)

    def _table_of(self, node: str) -> NodeTable:
        """Return a node's table: its variables (node first), values and state names."""
        if self._model is None:
            return spec_table(self.spec, self.spec_tables(), node)
        return model_table(self._model, node)

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
                check_edited_model(self.spec, self._model)
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
        Every format reads back into pgmpy with the same numbers. BIF and XMLBIF
        rewrite state names other readers refuse (``65+`` becomes ``65_``, with a
        warning), so evidence for the read-back model must use the new names. An edited
        model that :func:`backspasm.diagnose` would refuse (a column that does not
        sum to 1, a node the knowledge base lacks) is refused here too.

        UAI, which names neither variables nor states, numbers the variables in the
        order of ``model.nodes()``; each table's scope lists the node's parents, then
        the node, and its entries run with the last variable changing fastest, as the
        UAI inference competitions define the format (for solvers that read it).
        pgmpy 1.x's ``UAIReader`` takes a table's entries node first and pyAgrum 3
        takes its first parent as changing fastest, so they misread tables with
        parents (pgmpy) or with two or more (pyAgrum): give pgmpy BIF. pyAgrum
        (3.3) reads none of the files exactly: its BIF grammar refuses state names
        such as ``18-39``, it reads an XDSL table's parents in the other order, and
        it reads NET's numbers as 32-bit floats (posteriors about 1e-8 off), so for
        pyAgrum the NET file is the one that works.

        XDSL (GeNIe) and NET (HUGIN) files carry the layered layout of
        :func:`backspasm.layout.layered_layout` (the one the figures draw), so the
        graph opens readable: each node's box at its place, named by its label
        (``<position>x1 y1 x2 y2</position>`` and ``<name>`` in XDSL;
        ``position = (x y);`` and ``label = "...";`` in NET), in pixels with y down.
        """
        check_edited_model(self.spec, self.model)  # what diagnose would refuse, refused
        return export_network(self, path, format=format)


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
        return Network(_bundled().spec)
    return Network(load_spec(path))


_BUNDLED: Network | None = None


def _bundled() -> Network:
    """Return the process-wide bundled network, parsed and compiled once."""
    global _BUNDLED
    if _BUNDLED is None:
        _BUNDLED = Network(load_spec())
    return _BUNDLED


def default_network() -> Network:
    """Return the process-wide bundled network that functions use by default.

    It is parsed and compiled once. Do not modify it: call :func:`load_network`
    for a copy of your own. Found edited in place, it warns (:class:`EditedNetworkWarning`).
    """
    net = _bundled()
    if net.edited:
        warn_edited_default()
    return net


def network_or_default(network: object) -> Network:
    """Return ``network``, or the bundled one for None; refuse anything else clearly.

    Raises
    ------
    TypeError
        For a path or a pgmpy model given where a :class:`Network` is wanted.
    """
    return default_network() if network is None else as_network(network)


def as_network(value: object, name: str = "network") -> Network:
    """Return ``value``, a :class:`Network`; for a path or a pgmpy model, a TypeError."""
    if not isinstance(value, Network):
        raise TypeError(
            f"{name} must be a Network, got {type(value).__name__}: load a knowledge base "
            "once with backspasm.load_network(path) and pass that"
        )
    return value
