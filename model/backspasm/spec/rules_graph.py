"""Rules on the network the commands use (``output-column`` to ``clique-size``).

Cause and complication names whose output columns are free, parents upstream of
their children, the presentation node every cause explains, and junction-tree
cliques small enough for exact inference to build.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from backspasm.engine.triangulation import DECOMPOSE_MIN_SHARE
from backspasm.spec.context import Context, Rule
from backspasm.spec.raw import problem, state_list
from backspasm.spec.rules_questions import OUTPUT_NAMES
from backspasm.spec.schema import BINARY_STATES, CAUSE_GROUPS, MAX_TABLE_ENTRIES, NodeSpec

__all__ = ["GRAPH_RULES", "MAX_CLIQUE_ENTRIES", "PRESENTATION", "PRESENTING"]

#: The presentation node: every diagnosis conditions on ``back_spasm = yes``.
PRESENTATION = "back_spasm"
#: Its state that every diagnosis conditions on, and that of a case not saying otherwise:
#: a case is a back-spasm case, so an unanswered ``back_spasm`` is ``yes`` (the
#: questionnaire's default, what scoring and learning fill in).
PRESENTING = "yes"
#: The largest junction-tree clique table (entries: the product of the state counts of
#: its nodes) that exact inference may build, in the tree the engine keeps (it may
#: rewrite noisy-ORs, which can enlarge the largest clique while shrinking the rest).
#: Inference works on a clique for 16 cases at a time at least, with a few
#: temporaries and a contraction plan per evidence pattern, each clique-sized: one
#: diagnosis measured about 1.5 GB at 786,432 entries, 1.9 GB at 1,572,864 and ran out
#: of memory past 4 GB at 3,145,728 (audit 20). At this limit it stays near 1 GB. The
#: bundled network's largest clique has 6,144 entries. A node's own table is capped at
#: MAX_TABLE_ENTRIES.
MAX_CLIQUE_ENTRIES = 524_288
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
    if PRESENTING not in spasm.states and not ctx.bad(PRESENTATION, "states"):
        yield problem(
            file,
            where,
            "states",
            "presentation",
            f"every diagnosis conditions on {PRESENTATION} = yes: the states must be "
            f"['no', 'yes']; got {state_list(spasm.states)}.",
        )
    question = spasm.question
    if (
        question is not None
        and question.default != PRESENTING
        and (question.default is None or question.default in spasm.states)  # else known-state
        and not ctx.bad_within(PRESENTATION, "question")
    ):
        given = "none" if question.default is None else f"'{question.default}'"
        yield problem(
            file,
            where,
            "question.default",
            "presentation",
            f"score and fit read a blank {PRESENTATION} as {PRESENTING} (a case presents with "
            "a spasm unless it says otherwise); its question must read a blank the same way, "
            f'or ask and diagnose would not: set default = "{PRESENTING}"; got {given}.',
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


def _numbers(p: Any) -> list[float]:
    """Return the numbers of a parameter's ``p``: one, or one per state."""
    return [float(v) for v in p.values()] if isinstance(p, Mapping) else [float(p)]


def _acting(node: NodeSpec) -> int:
    """How many parents change the node's table (a strength other than 0, a ratio other than 1)."""
    count = 0
    for name in node.parents:
        if name in node.odds:
            count += any(v != 1.0 for v in _numbers(node.odds[name].p))
        elif name in node.strengths:
            count += any(v != 0.0 for v in _numbers(node.strengths[name].p))
    return count


def _in_state_order(node: NodeSpec, p: Any) -> list[float]:
    """Return a ``p`` in the order of the node's states (as its table is built)."""
    if isinstance(p, Mapping):
        return [float(p[state]) for state in node.states]
    return [float(p)]


def _decomposable(node: NodeSpec) -> bool:
    """Whether the engine rewrites the node's table without its moral edges.

    :mod:`backspasm.engine.noisy_max` rewrites a strictly positive table whose
    cumulative distributions are each a product of one factor per parent: a noisy-OR
    or noisy-MAX whose leak and strengths leave every state possible (odds ratios
    that act aside), and any positive table that one parent at most changes; and only
    when each state above the first keeps a share of at least ``DECOMPOSE_MIN_SHARE``
    of its cumulative probability. Judged here from bounds on the declared numbers
    (a noisy-OR's P(yes) is never below its leak, times the smallest odds ratio when
    one acts; a noisy-MAX state's share never below its leak's), so a table this
    says is rewritten always is (the bounds are taken with a margin for rounding: a leak
    of exactly the share computes as 1 - (1 - share), a hair below it); the converse
    may fail, which only overstates a clique.
    """
    least = DECOMPOSE_MIN_SHARE * 1.01
    try:
        ratios = [1.0, *(v for o in node.odds.values() for v in _numbers(o.p))]
        if node.form == "noisy_or":
            assert node.leak is not None
            leak = float(node.leak.p)  # type: ignore[arg-type]
            positive = (
                leak < 1
                and leak * min(ratios) >= least
                and all(v < 1 for s in node.strengths.values() for v in _numbers(s.p))
            )
            acting_odds = any(any(v != 1.0 for v in _numbers(o.p)) for o in node.odds.values())
            return positive and (not acting_odds or _acting(node) <= 1)
        if node.form == "noisy_max":
            assert node.leak is not None
            leak_shares = _in_state_order(node, node.leak.p)
            return (
                leak_shares[0] > 0
                and all(v >= least for v in leak_shares[1:])
                and all(_in_state_order(node, s.p)[0] > 0 for s in node.strengths.values())
            )
        if node.form == "logistic":
            assert node.base is not None
            base = float(node.base.p)  # type: ignore[arg-type]
            odds = [base / (1.0 - base) * r for r in (min(ratios), max(ratios))]
            low, high = (o / (1.0 + o) for o in odds)  # P(yes), as the table is built
            return _acting(node) <= 1 and low >= least and 1.0 - high > 0
        if node.form == "table":
            values = [_in_state_order(node, row.param.p) for row in node.table]
            if node.states == BINARY_STATES:
                shares_ok = all(least <= x < 1 for v in values for x in v)
            else:
                shares_ok = all(v[0] > 0 and all(x >= least for x in v[1:]) for v in values)
            return all(v == values[0] for v in values) and shares_ok
    except (
        AssertionError,
        TypeError,
        ValueError,
        IndexError,
        AttributeError,
        OverflowError,
        KeyError,
        ZeroDivisionError,
    ):
        pass  # not a valid table (reported by the rules on numbers): no rewrite assumed
    return False


def _cliques(ctx: Context) -> Iterator[str]:
    nodes = list(ctx.nodes.values())
    if any(ctx.bad(n.name, "states") or ctx.bad(n.name, "parents") for n in nodes) or any(
        (ctx.table_entries(n) or 0) > MAX_TABLE_ENTRIES for n in nodes
    ):
        return  # reported by field-type or table-size
    # The engine's own triangulation (it loads no numpy: checked on every load).
    from backspasm.engine.triangulation import _largest_clique

    index = {n.name: i for i, n in enumerate(nodes)}
    cards = [len(n.states) for n in nodes]
    families = [(index[n.name], *(index[p] for p in n.parents if p in index)) for n in nodes]
    rewritten = [
        i
        for i, n in enumerate(nodes)
        if len(families[i]) >= 3 and cards[i] >= 2 and _decomposable(n)
    ]
    clique, sizes = _largest_clique(families, cards, MAX_CLIQUE_ENTRIES, rewritten)
    entries = math.prod(sizes[v] for v in clique)
    if entries <= MAX_CLIQUE_ENTRIES:
        return
    # An auxiliary variable (numbered from len(nodes) on) stands for a rewritten
    # noisy-OR/MAX node's combined parents, in the order the engine rewrites them.
    aux_of = dict(enumerate(rewritten, start=len(nodes)))
    members = [nodes[v].name for v in sorted(clique) if v < len(nodes)]
    helpers = [nodes[aux_of[v]].name for v in sorted(clique) if v >= len(nodes)]
    clique_names = set(members) | set(helpers)

    def overlap(node: NodeSpec) -> tuple[int, int]:  # its parents in the clique, then order
        return sum(p in clique_names for p in node.parents), index[node.name]

    culprit = max(nodes, key=overlap)
    file, where = ctx.where(culprit)
    over = [f"{len(members)} nodes ({', '.join(members)})"] if members else []
    if helpers:
        plural = "s" if len(helpers) > 1 else ""
        over.append(
            f"the variable{plural} joining the parents of the noisy-OR/MAX node{plural} "
            + ", ".join(helpers)
        )
    yield problem(
        file,
        where,
        "parents",
        "clique-size",
        f"exact inference would build a junction-tree clique table of {entries:,} entries "
        f"over {' and '.join(over)}; the limit is "
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
        f"a presentation node '{PRESENTATION}' with every cause among its ancestors, whose "
        f"question reads a blank as {PRESENTING}",
        _presentation,
    ),
    Rule(
        "clique-size",
        f"no junction-tree clique table over {MAX_CLIQUE_ENTRIES:,} entries",
        _cliques,
    ),
)
