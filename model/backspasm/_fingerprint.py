"""The digests behind :meth:`backspasm.network.Network.fingerprint`.

SHA-256 over a network's tables (structure and numbers), over its declared
questions and the triage policy in force (parsed declarations as canonical JSON,
without their provenance), and the whole fingerprint that combines the three.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from backspasm.spec import Spec
from backspasm.spec.borrowed import borrow_policy
from backspasm.spec.reader import bundled_policy

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = [
    "changed_edges",
    "combined_digest",
    "edges_digest",
    "edited_tables",
    "model_digest",
    "rules_digests",
    "spec_digest",
    "tables_digest",
]


def tables_digest(
    tables: Iterable[tuple[str, Sequence[str], Mapping[str, Sequence[str]], Any]],
) -> str:
    """SHA-256 over ``(variable, variables, state names, values)`` tables, by variable."""
    digest = hashlib.sha256()
    for variable, variables, state_names, values in sorted(tables, key=lambda t: t[0]):
        digest.update(variable.encode())
        for var in variables:
            # as text: a TabularCPD made without state_names numbers its states 0, 1, ...
            names = "|".join(str(s) for s in state_names[var])
            digest.update(var.encode() + b"|" + names.encode())
        try:
            digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
        except (TypeError, ValueError):  # text in an edited table: refused before any use
            digest.update(repr(np.asarray(values).tolist()).encode())
    return digest.hexdigest()


def spec_digest(spec: Spec, tables: Iterable[tuple[Sequence[str], Any]]) -> str:
    """:func:`tables_digest` of a knowledge base's tables (``(node, *parents)``, values)."""
    return tables_digest(
        (vs[0], vs, {v: list(spec.nodes[v].states) for v in vs}, t) for vs, t in tables
    )


def model_digest(model: DiscreteBayesianNetwork) -> str:
    """:func:`tables_digest` of a pgmpy model's CPDs, and of its edges where they differ.

    pgmpy adds or removes an edge without touching a table. A model whose edges are
    its tables' parents (every model built from a knowledge base) is digested by its
    tables alone; one whose edges are not also has :func:`edges_digest` folded in, so
    an edge-only edit changes the digest and undoing it restores the digest.
    """
    cpds = model.get_cpds()
    digest = tables_digest((c.variable, c.variables, c.state_names, c.values) for c in cpds)
    parents = {(str(p), str(c.variable)) for c in cpds for p in c.variables[1:]}
    if {(str(a), str(b)) for a, b in model.edges()} == parents:
        return digest
    return hashlib.sha256(f"tables {digest}\nedges {edges_digest(model)}\n".encode()).hexdigest()


def edited_tables(
    spec: Spec, tables: Iterable[tuple[Sequence[str], Any]], model: DiscreteBayesianNetwork
) -> tuple[str, ...]:
    """Name the nodes whose table in ``model`` differs from the knowledge base's.

    Each table is compared as :func:`model_digest` compares them all (variables, state
    names, values), so the names are empty exactly when the digests agree. A node
    without a table on one side is named too; knowledge-base order first.
    """
    declared = {
        vs[0]: tables_digest([(vs[0], vs, {v: list(spec.nodes[v].states) for v in vs}, t)])
        for vs, t in tables
    }
    held = {
        str(c.variable): tables_digest([(c.variable, c.variables, c.state_names, c.values)])
        for c in model.get_cpds()
    }
    names = [*declared, *(n for n in held if n not in declared)]
    return tuple(n for n in names if declared.get(n) != held.get(n))


def changed_edges(
    tables: Iterable[tuple[Sequence[str], Any]], model: DiscreteBayesianNetwork
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Return the edges ``model`` has that the knowledge base lacks, and those it lost.

    pgmpy adds or removes an edge without touching a table, so the table digests miss
    it. The knowledge base's edges are its tables' (``(node, *parents)``), sorted; a
    set of about a hundred pairs, compared on every call.
    """
    declared = {(str(p), str(names[0])) for names, _ in tables for p in names[1:]}
    held = {(str(a), str(b)) for a, b in model.edges()}
    return tuple(sorted(held - declared)), tuple(sorted(declared - held))


def edges_digest(model: DiscreteBayesianNetwork) -> str:
    """SHA-256 of a pgmpy model's edges, sorted."""
    edges = sorted((str(a), str(b)) for a, b in model.edges())
    return hashlib.sha256(repr(edges).encode()).hexdigest()


#: Fields of the parsed declarations that say where a value came from, not what it
#: does: a question or a triage rule with another citation gives the same outputs.
_PROVENANCE_FIELDS = frozenset({"file", "source", "why"})


def _plain(value: Any) -> Any:
    """Return parsed declarations as JSON data, field by field, without provenance.

    A dataclass becomes its ``[field, value]`` pairs (less :data:`_PROVENANCE_FIELDS`),
    a mapping its ``[key, value]`` pairs in order, a whole number a float (``max = 3``
    and ``max = 3.0`` read answers alike).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            [f.name, _plain(getattr(value, f.name))]
            for f in dataclasses.fields(value)
            if f.name not in _PROVENANCE_FIELDS
        ]
    if isinstance(value, Mapping):
        return [[str(k), _plain(v)] for k, v in value.items()]
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _declaration_digest(value: Any) -> str:
    """SHA-256 of :func:`_plain` ``value``, as canonical JSON."""
    text = json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def rules_digests(spec: Spec) -> tuple[str, str]:
    """Digests of the declared questions and of the triage policy in force.

    The questions as declared (each asked node's states, label and ``question``
    table: the parsed contract follows from them) and the policy as
    :func:`backspasm.triage.policy_of` reads it (a borrowed one as
    :func:`~backspasm.spec.borrowed.borrow_policy` keeps it).
    """
    asked = [
        (name, node.states, node.label, node.question)
        for name, node in spec.nodes.items()
        if node.question is not None
    ]
    policy = spec.triage
    if policy is None and (bundled := bundled_policy()) is not None:
        policy = borrow_policy(bundled, spec.nodes).policy
    return _declaration_digest(asked), _declaration_digest(policy)


def combined_digest(numbers: str, questions: str, triage: str) -> str:
    """Return the whole fingerprint: SHA-256 over the digests of its three parts."""
    text = f"numbers {numbers}\nquestions {questions}\ntriage {triage}\n"
    return hashlib.sha256(text.encode()).hexdigest()
