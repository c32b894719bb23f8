"""What every validation rule is and sees: :class:`Rule` and its :class:`Context`."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from backspasm._text import did_you_mean
from backspasm.spec.raw import RawSpec, problem
from backspasm.spec.schema import NodeSpec, Source, TriagePolicy

__all__ = ["Check", "Context", "Rule"]

#: A rule's check: the problems it finds, one line each.
Check = Callable[["Context"], Iterator[str]]


@dataclass(frozen=True)
class Rule:
    """One validation rule: an identifier, what it requires, and its check.

    Attributes
    ----------
    id : str
        The identifier problems name (``[rule: <id>]``).
    requires : str
        What the rule requires, in words.
    check : callable
        Yields the problems it finds in a :class:`Context`.
    local : bool
        Whether the rule looks at one file at a time; only local rules run when
        another file of the knowledge base is not valid TOML (the others would report
        its missing content as problems of their own).
    """

    id: str
    requires: str
    check: Check
    local: bool = False


def _covers(outer: str, inner: str) -> bool:
    """Whether field path ``outer`` is ``inner`` or contains it (``""``: everything)."""
    return outer in ("", inner) or inner.startswith((outer + ".", outer + "["))


@dataclass
class Context:
    """What the rules look at: the type-checked TOML and the nodes and sources built from it.

    Attributes
    ----------
    raw : RawSpec
        After :func:`~backspasm.spec.typecheck.typecheck`.
    nodes : dict of str to NodeSpec
    sources : dict of str to Source
    bundled_policy : callable or None
        Returns the policy a knowledge base without ``[triage]`` borrows (the bundled
        one's); None when it is not known (its red flags are then not checked).
    """

    raw: RawSpec
    nodes: dict[str, NodeSpec]
    sources: dict[str, Source]
    bundled_policy: Callable[[], TriagePolicy | None] | None = None

    def where(self, node: NodeSpec) -> tuple[str, str]:
        """Return the file and the place (``"node '<name>'"``) to report a node's problem."""
        return node.file, f"node '{node.name}'"

    def unknown_node(
        self, file: str, where: str, path: str, rule: str, name: str, what: str
    ) -> str:
        """Word the problem of ``name``, which is not a node, with the closest node name.

        Parameters
        ----------
        file, where, path, rule : str
            As for :func:`~backspasm.spec.raw.problem`.
        name : str
            The name that is not a node.
        what : str
            What the name stands for, e.g. ``"parent"``.

        Returns
        -------
        str
        """
        asked_by = [
            node.name
            for node in self.nodes.values()
            if node.question is not None and node.question.column == name
        ]
        if asked_by:  # a question's column where its node is meant
            message = (
                f"unknown {what} '{name}': it is the column of the question of node "
                f"'{asked_by[0]}'; the knowledge base names nodes, so write '{asked_by[0]}'."
            )
        else:
            message = f"unknown {what} '{name}'." + did_you_mean(name, self.nodes)
        return problem(file, where, path, rule, message)

    @property
    def nodes_known(self) -> bool:
        """Whether every node declared is known: no file's ``nodes`` had the wrong type.

        When one had, a name that is not a node may well be one of those dropped: the
        rules do not report it (the ``field-type`` problem says what is wrong).
        """
        return "nodes" not in self.raw.dropped_tables

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
