"""Rules on the network the commands use (``output-column`` to ``clique-size``).

Cause and complication names whose output columns are free, parents upstream of
their children, the presentation node every cause explains, and junction-tree
cliques small enough for exact inference to build.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import problem
from backspasm.spec.rules_questions import OUTPUT_NAMES
from backspasm.spec.schema import CAUSE_GROUPS, MAX_TABLE_ENTRIES, NodeSpec

__all__ = ["GRAPH_RULES", "MAX_CLIQUE_ENTRIES", "PRESENTATION"]

#: The presentation node: every diagnosis conditions on ``back_spasm = yes``.
PRESENTATION = "back_spasm"
#: The largest junction-tree clique table (entries: the product of the state counts of
#: its nodes) that exact inference may build: 32 MiB of float64. The bundled network's
#: cliques have 529,532 entries in all by the first triangulation tried (the largest
#: the engine builds has 3,072). A node's own table is capped at MAX_TABLE_ENTRIES.
MAX_CLIQUE_ENTRIES = 4_000_000
#: Groups that come before the spasm (risk factors, causes, how causes act) and after it.
_UPSTREAM = ("context", "exposure", *CAUSE_GROUPS, "mechanism")
_DOWNSTREAM = ("presentation", "finding", "complication")


def _output_columns(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.is_cause:
            column, what = f"p_{node.name}", "cause's probability"
        elif node.group == "complication":
            column, what = f"risk_{node.name}", "complication's risk"
        else:
            continue
        if column in OUTPUT_NAMES:
            file, where = ctx.where(node)
            yield problem(
                file,
                where,
                "",
                "output-column",
                f"a {what} is written to the column '{column}' of a scored file, but "
                f"scoring already writes '{column}' for another output (it adds p_<cause>, "
                f"risk_<complication>, {', '.join(OUTPUT_NAMES)}); rename the node.",
            )


def _parent_groups(ctx: Context) -> Iterator[str]:
    for node in ctx.nodes.values():
        if node.group not in _UPSTREAM:
            continue
        file, where = ctx.where(node)
        for name in node.parents:
            parent = ctx.nodes.get(name)
            if parent is None or parent.group not in _DOWNSTREAM:
                continue
            yield problem(
                file,
                where,
                "parents",
                "parent-group",
                f"parent '{name}' (group '{parent.group}') comes after this node (group "
                f"'{node.group}'): edges run from context and exposures to causes and "
                "mechanisms, then to the presentation, findings and complications (the "
                f"posteriors p_<cause> read them so). Reverse the edge: make '{node.name}' "
                f"a parent of '{name}'.",
            )


def _presentation(ctx: Context) -> Iterator[str]:
    if not ctx.nodes:
        return  # "declares no nodes" says it
    spasm = ctx.nodes.get(PRESENTATION)
    if spasm is None:
        yield (
            f"the knowledge base has no node '{PRESENTATION}', the presentation every "
            f"diagnosis conditions on ({PRESENTATION} = yes): declare [nodes.{PRESENTATION}] "
            'with group = "presentation" and the causes as its ancestors (a variant is a '
            "complete copy of the bundled knowledge base, not an overlay) "
            "[rule: presentation]"
        )
        return
    file, where = ctx.where(spasm)
    if spasm.group != "presentation" and not ctx.bad(PRESENTATION, "group"):
        yield problem(
            file,
            where,
            "group",
            "presentation",
            f"'{PRESENTATION}' is the presentation every diagnosis conditions on; its group "
            f"must be 'presentation'; got '{spasm.group}'.",
        )
    if "yes" not in spasm.states and not ctx.bad(PRESENTATION, "states"):
        yield problem(
            file,
            where,
            "states",
            "presentation",
            f"every diagnosis conditions on {PRESENTATION} = yes: the states must be "
            f"['no', 'yes']; got {list(spasm.states)}.",
        )
    if any(
        ctx.bad(n.name, "parents") or any(p not in ctx.nodes for p in n.parents)
        for n in ctx.nodes.values()
    ):
        return  # the graph is not known: field-type or known-parent says why
    ancestors = {PRESENTATION}
    todo = [PRESENTATION]
    while todo:
        for parent in ctx.nodes[todo.pop()].parents:
            if parent not in ancestors:
                ancestors.add(parent)
                todo.append(parent)
    unexplained = [n for n in ctx.nodes.values() if n.is_cause and n.name not in ancestors]
    yield from (
        problem(
            *ctx.where(cause),
            "",
            "presentation",
            "a cause explains the back spasm, but no chain of children leads from this one "
            f"to '{PRESENTATION}': make it a parent of {PRESENTATION}, or of a mechanism "
            "that leads there (or give it another group).",
        )
        for cause in unexplained
    )


def _cliques(ctx: Context) -> Iterator[str]:
    nodes = list(ctx.nodes.values())
    if any(ctx.bad(n.name, "states") or ctx.bad(n.name, "parents") for n in nodes) or any(
        (ctx.table_entries(n) or 0) > MAX_TABLE_ENTRIES for n in nodes
    ):
        return  # reported by field-type or table-size
    # The engine's own triangulation (it loads no numpy: checked on every load).
    from backspasm.engine.triangulation import _largest_clique, _moral_graph

    index = {n.name: i for i, n in enumerate(nodes)}
    cards = [len(n.states) for n in nodes]
    families = [(index[n.name], *(index[p] for p in n.parents if p in index)) for n in nodes]
    clique = _largest_clique(_moral_graph(families), cards, MAX_CLIQUE_ENTRIES)
    entries = math.prod(cards[v] for v in clique)
    if entries <= MAX_CLIQUE_ENTRIES:
        return
    members = [nodes[v].name for v in sorted(clique)]

    def overlap(node: NodeSpec) -> tuple[int, int]:  # its parents in the clique, then order
        return sum(p in clique_names for p in node.parents), index[node.name]

    clique_names = set(members)
    culprit = max(nodes, key=overlap)
    file, where = ctx.where(culprit)
    yield problem(
        file,
        where,
        "parents",
        "clique-size",
        f"exact inference would build a junction-tree clique table of {entries:,} entries "
        f"over {len(members)} nodes ({', '.join(members)}); the limit is "
        f"{MAX_CLIQUE_ENTRIES:,} (a node's own table may have {MAX_TABLE_ENTRIES:,}). "
        f"{overlap(culprit)[0]} of this node's parents are in that clique: the parents of "
        "a node are joined, so nodes whose parents overlap build one big clique. Give this "
        "node (and those like it) fewer parents, or group parents under an intermediate node.",
    )


#: The rules on the network as the commands use it, in the order they are checked.
GRAPH_RULES: tuple[Rule, ...] = (
    Rule(
        "output-column",
        "no p_<cause> or risk_<complication> is the name of another output column",
        _output_columns,
        local=True,
    ),
    Rule(
        "parent-group",
        "no presentation, finding or complication is a parent of a context, exposure, "
        "cause or mechanism",
        _parent_groups,
    ),
    Rule(
        "presentation",
        f"a presentation node '{PRESENTATION}' with every cause among its ancestors",
        _presentation,
    ),
    Rule(
        "clique-size",
        f"no junction-tree clique table over {MAX_CLIQUE_ENTRIES:,} entries",
        _cliques,
    ),
)
