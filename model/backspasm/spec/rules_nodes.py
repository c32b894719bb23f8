"""Rules on the shape of the nodes (``unique-name`` to ``strength-parent``).

Names, fields, groups, states, parents, the graph and the parameter form.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from backspasm._text import cap_list, did_you_mean
from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import problem, state_list, unknown_field
from backspasm.spec.schema import (
    BINARY_STATES,
    CAUSE_GROUPS,
    GROUPS,
    MAX_TABLE_ENTRIES,
    NODE_FIELDS,
    PARAM_FIELDS,
    SOURCE_FIELDS,
    NodeSpec,
)

__all__ = ["NAME_PATTERN", "NODE_RULES", "name_hint", "param_field_problems"]

_LOCAL = True
#: What a node name and a question column are: lower-case letters, digits and ``_``,
#: starting with a letter.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def _duplicates(ctx: Context) -> Iterator[str]:
    yield from ctx.raw.duplicates


def _field_types(ctx: Context) -> Iterator[str]:
    yield from ctx.raw.type_problems


def _names(ctx: Context) -> Iterator[str]:
    for kind, store in (("node", ctx.raw.nodes), ("source", ctx.raw.sources)):
        for name, (file, _) in store.items():
            if not name.strip():
                yield problem(
                    file,
                    f"{kind} '{name}'",
                    "",
                    "non-empty-name",
                    f"the {kind} has no name; give it one, e.g. [{kind}s.muscle_strain].",
                )


def name_hint(name: str) -> str:
    """Return ``" Did you mean '<name>'?"`` with ``name`` made an identifier, or ``""``.

    Parameters
    ----------
    name : str
        A node name or a column that does not match :data:`NAME_PATTERN`.

    Returns
    -------
    str
    """
    fixed = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return f" Did you mean '{fixed}'?" if NAME_PATTERN.fullmatch(fixed) else ""


def _node_names(ctx: Context) -> Iterator[str]:
    # Node names become BIF, NET and XDSL identifiers, and columns of exported tables:
    # a space, a dot, a newline or an invisible character breaks them or makes two
    # nodes that look the same.
    for name, (file, _) in ctx.raw.nodes.items():
        if name.strip() and not NAME_PATTERN.fullmatch(name):
            yield problem(
                file,
                f"node {name!r}",
                "",
                "node-name",
                "a node name is lower-case letters, digits and '_', starting with a "
                f"letter, as a question column.{name_hint(name)}",
            )


def _known_fields(ctx: Context) -> Iterator[str]:
    for name, (file, body) in ctx.raw.nodes.items():
        for key, value in body.items():
            if key not in NODE_FIELDS:
                yield unknown_field(file, f"node '{name}'", key, key, NODE_FIELDS)
            if key in ("prior", "leak", "base") and isinstance(value, dict):
                yield from param_field_problems(file, name, key, value)
        for key in ("strength", "odds"):
            for parent, value in body.get(key, {}).items():
                yield from param_field_problems(file, name, f"{key}.{parent}", value)
        for i, row in enumerate(body.get("table", [])):
            if not ctx.bad(name, f"table[{i}]"):
                extra = {k: v for k, v in row.items() if k != "when"}
                yield from param_field_problems(file, name, f"table[{i}]", extra)
    for key, (file, body) in ctx.raw.sources.items():
        for f in body:
            if f not in SOURCE_FIELDS:
                yield unknown_field(file, f"source '{key}'", f, f, SOURCE_FIELDS)


def param_field_problems(
    file: str, node: str, path: str, value: Mapping[str, Any]
) -> Iterator[str]:
    """Check the fields of a parameter: only ``p``, ``source`` and ``why``, and a ``p``.

    Parameters
    ----------
    file : str
        The TOML file.
    node : str
        The node (or table) name, reported as ``node '<node>'``.
    path : str
        The parameter's field path, e.g. ``"leak"``.
    value : mapping
        The parameter's inline table.

    Yields
    ------
    str
        One problem per unknown field, and one when ``p`` is missing.
    """
    for key in value:
        if key not in PARAM_FIELDS:
            yield problem(
                file,
                f"node '{node}'",
                f"{path}.{key}",
                "known-field",
                f"unknown field '{key}'; a parameter has: p, source, why."
                + did_you_mean(key, PARAM_FIELDS),
            )
    if "p" not in value:
        yield problem(file, f"node '{node}'", path, "has-p", "the parameter has no 'p'.")


def _required(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        for fname in ("group", "label", "description"):
            if not getattr(node, fname).strip() and not ctx.bad(node.name, fname):
                yield problem(file, where, fname, "required-field", f"'{fname}' is missing.")
    for src in ctx.sources.values():
        bad = ctx.raw.bad_sources.get(src.key, set())
        if not src.citation.strip() and not bad & {"", "citation"}:
            yield problem(
                src.file, f"source '{src.key}'", "citation", "required-field", "no citation."
            )


def _groups(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.group and node.group not in GROUPS:
            file, where = ctx.where(node)
            yield problem(
                file,
                where,
                "group",
                "known-group",
                f"unknown group '{node.group}'; allowed: {', '.join(GROUPS)}."
                + did_you_mean(node.group, GROUPS),
            )


def _states(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if ctx.bad(node.name, "states"):
            continue
        file, where = ctx.where(node)  # fewer than two: dropped by the type check
        if len(set(node.states)) != len(node.states):
            yield problem(
                file, where, "states", "states", f"states repeat: {state_list(node.states)}."
            )
        if set(node.states) == set(BINARY_STATES) and node.states != BINARY_STATES:
            yield problem(
                file,
                where,
                "states",
                "states",
                "binary states must be in the order ['no', 'yes']; got "
                f"{state_list(node.states)}.",
            )
        elif node.group in CAUSE_GROUPS and node.states != BINARY_STATES:
            # p_<cause>, triage, the most probable explanation and the counterfactual
            # ranking all read a cause as present or absent.
            yield problem(
                file,
                where,
                "states",
                "states",
                f"a cause has the states ['no', 'yes']; got {state_list(node.states)}.",
            )
        if node.label_no and node.states != BINARY_STATES:
            yield problem(
                file,
                where,
                "label_no",
                "states",
                "'label_no' says how a 'no' reads, so only a yes/no node may have it; "
                f"this node has the states {state_list(node.states)}.",
            )


def _parents_known(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        file, where = ctx.where(node)
        seen: set[str] = set()
        for parent in node.parents:
            if parent in seen:
                yield problem(
                    file, where, "parents", "unique-parent", f"parent '{parent}' listed twice."
                )
            seen.add(parent)
            if parent not in ctx.nodes:
                if ctx.nodes_known:
                    yield ctx.unknown_node(
                        file, where, "parents", "known-parent", parent, "parent"
                    )
            elif parent == node.name:
                yield problem(
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


def _acyclic(ctx: Context) -> Iterator[str]:
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
        yield problem(
            first.file,
            f"node '{first.name}'",
            "parents",
            "acyclic",
            f"the parents form a cycle: {' <- '.join(cycle)}{more}.",
        )


def _table_size(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        entries = ctx.table_entries(node)
        if entries is None or entries <= MAX_TABLE_ENTRIES:
            continue
        file, where = ctx.where(node)
        yield problem(
            file,
            where,
            "parents",
            "table-size",
            f"its full table would have {entries:,} entries ({len(node.states)} states x "
            f"{entries // len(node.states):,} combinations of {len(node.parents)} parents); "
            f"the limit is {MAX_TABLE_ENTRIES:,}. Give it fewer parents or states, or "
            "group some parents under an intermediate node.",
        )


def _noisy_body(body: Mapping[str, Any]) -> bool:
    return "leak" in body or "strength" in body


def _one_form(ctx: Context) -> Iterator[str]:
    for name, (file, body) in ctx.raw.nodes.items():
        node = ctx.nodes[name]
        where = f"node '{name}'"
        if ctx.bad(name, ""):
            continue
        forms = [
            f
            for f, present in (
                ("prior", "prior" in body),
                ("noisy-OR/MAX (leak, strength)", _noisy_body(body)),
                (
                    "logistic (base, odds)",
                    "base" in body or ("odds" in body and not _noisy_body(body)),
                ),
                ("table", "table" in body),
            )
            if present
        ]
        if len(forms) != 1:
            yield problem(
                file,
                where,
                "",
                "one-form",
                "needs exactly one parameter form (prior, leak + strength, base + odds, "
                f"or table); "
                f"got {', '.join(forms) if forms else 'none'}.",
            )
            continue
        if node.parents and node.form == "prior":
            yield problem(
                file,
                where,
                "prior",
                "one-form",
                "a node with parents needs leak + strength, base + odds or a table, not a prior.",
            )
        if not node.parents and node.form != "prior" and not ctx.bad(name, "parents"):
            yield problem(
                file, where, "parents", "one-form", "a node without parents needs a 'prior'."
            )
        noisy = node.form in ("noisy_or", "noisy_max")
        if noisy and node.leak is None and not ctx.bad(name, "leak"):
            yield problem(file, where, "leak", "one-form", "noisy-OR/MAX needs a 'leak'.")
        if node.form == "noisy_max" and node.odds:
            yield problem(
                file,
                where,
                "odds",
                "one-form",
                "odds ratios scale a yes/no node's odds; a noisy-MAX node (states "
                f"{state_list(node.states)}) takes a strength for every parent.",
            )
        if node.form == "logistic":
            if node.base is None and not ctx.bad(name, "base"):
                yield problem(file, where, "base", "one-form", "the logistic form needs a 'base'.")
            if node.states != BINARY_STATES and not ctx.bad(name, "states"):
                yield problem(
                    file,
                    where,
                    "states",
                    "one-form",
                    f"the logistic form is for yes/no nodes; this node has states "
                    f"{state_list(node.states)} (use a full table).",
                )


def _per_parent(node: NodeSpec) -> tuple[tuple[str, str, Mapping[str, Any]], ...]:
    """Return the per-parent parameters a node's form takes: ``(key, what, by parent)``."""
    strengths = ("strength", "strength", node.strengths)
    odds = ("odds", "odds ratio", node.odds)
    if node.form == "noisy_or":
        return (strengths, odds)  # a noisy-OR may scale its odds by some parents
    if node.form == "noisy_max":
        return (strengths,)
    if node.form == "logistic":
        return (odds,)
    return ()


def _strengths(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        forms = _per_parent(node)
        if not forms or any(p not in ctx.nodes for p in node.parents):
            continue  # an unknown parent is reported (with its likely name) on its own
        file, where = ctx.where(node)
        for key, what, per_parent in forms:
            for parent in per_parent:
                if parent not in node.parents and not ctx.bad(node.name, "parents"):
                    yield problem(
                        file,
                        where,
                        f"{key}.{parent}",
                        "strength-parent",
                        f"{what} for '{parent}', which is not a parent; parents: "
                        f"{cap_list(node.parents, unit='parents') or 'none'}."
                        + did_you_mean(parent, node.parents),
                    )
        if node.form == "noisy_or":
            for parent in sorted(set(node.strengths) & set(node.odds)):
                yield problem(
                    file,
                    where,
                    f"odds.{parent}",
                    "strength-parent",
                    f"parent '{parent}' has both a strength and an odds ratio; give one: a "
                    "strength adds the parent's own chance, an odds ratio scales the odds.",
                )
        for parent in node.parents:
            given = any(parent in per_parent for _, _, per_parent in forms)
            skipped = any(ctx.bad(node.name, f"{key}.{parent}") for key, _, _ in forms)
            if not given and not skipped:
                key, what = forms[0][0], " or ".join(w for _, w, _ in forms)
                yield problem(
                    file,
                    where,
                    key,
                    "strength-parent",
                    f"parent '{parent}' has no {what}.",
                )


#: The rules on the shape of the nodes, in the order they are checked (``_LOCAL``: the
#: rule looks at one file at a time, see :class:`~backspasm.spec.context.Rule`).
NODE_RULES: tuple[Rule, ...] = (
    Rule("unique-name", "a node or source is declared once across all files", _duplicates, _LOCAL),
    Rule("field-type", "every value has the type the format defines", _field_types, _LOCAL),
    Rule("non-empty-name", "every node and source has a name", _names, _LOCAL),
    Rule("node-name", "a node name is an identifier like a question column", _node_names, _LOCAL),
    Rule("known-field", "every field is one the format defines", _known_fields, _LOCAL),
    Rule("required-field", "group, label, description and citations are given", _required, _LOCAL),
    Rule("known-group", "the group is one of GROUPS", _groups, _LOCAL),
    Rule(
        "states",
        "two or more unique states; binary nodes and causes are ['no', 'yes']",
        _states,
        _LOCAL,
    ),
    Rule("known-parent", "parents exist and are listed once", _parents_known),
    Rule("acyclic", "the parent graph has no cycle (every cycle is reported)", _acyclic),
    Rule(
        "table-size", f"a node's full table has at most {MAX_TABLE_ENTRIES:,} entries", _table_size
    ),
    Rule("one-form", "exactly one parameter form fitting the node", _one_form, _LOCAL),
    Rule(
        "strength-parent",
        "one strength (or odds ratio) per parent, none for non-parents",
        _strengths,
        _LOCAL,
    ),
)
