"""What ``backspasm check`` says of a network: its sizes, sources and triage policy.

The text behind :meth:`backspasm.network.Network.summary` and
:meth:`~backspasm.network.Network.report`; the network hands over its knowledge
base, its pgmpy model and its fingerprint.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from backspasm._network_checks import check_edited_model
from backspasm.exceptions import BackspasmError
from backspasm.spec import GROUPS, Spec
from backspasm.spec.borrowed import borrow_policy
from backspasm.spec.reader import bundled_policy
from backspasm.spec.schema import ASSUMPTION, SOURCE_TAGS, TriagePolicy

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = ["network_repr", "report_html", "report_text", "summary_of"]


# A bibliography entry's tag in words: 'found' reads as a count of numbers beside
# "read 235" (a notebook reader took it so), where it counts entries read first-hand.
_TAG_WORDS = {"found": "read first-hand", "memory": "from memory"}


def _tag_order(item: tuple[str, int]) -> tuple[int, str]:
    """Order the tags as ``check`` orders the kinds of numbers: read, secondary, memory."""
    tag = item[0]
    return (SOURCE_TAGS.index(tag) if tag in SOURCE_TAGS else len(SOURCE_TAGS), tag)


def summary_of(spec: Spec, model: DiscreteBayesianNetwork) -> dict[str, Any]:
    """Count nodes, edges, numbers and sources (see :meth:`Network.summary`).

    Parameters
    ----------
    spec : Spec
        The knowledge base (numbers, their provenance, the bibliography).
    model : DiscreteBayesianNetwork
        The pgmpy model (nodes, edges, expanded tables).

    Returns
    -------
    dict
        ``nodes``, ``groups``, ``edges``, ``numbers``, ``sourced``,
        ``sourced_share``, ``fitted``, ``assumptions``, ``cpt_entries``,
        ``sources`` and ``source_tags``.
    """
    sourced, total = spec.sourced_share()
    provenance = spec.provenance_counts()
    tags: dict[str, int] = {}
    for src in spec.sources.values():
        tags[src.tag] = tags.get(src.tag, 0) + 1
    return {
        "nodes": len(model.nodes()),
        "groups": {g: len(spec.group(g)) for g in GROUPS if spec.group(g)},
        "edges": len(model.edges()),
        "numbers": total,
        "sourced": sourced,
        "sourced_share": sourced / total if total else 0.0,
        "fitted": provenance["fitted"],
        "assumptions": provenance["assumption"],
        "cpt_entries": int(sum(cpd.values.size for cpd in model.get_cpds())),
        "sources": len(spec.sources),
        "source_tags": ", ".join(
            f"{n} {_TAG_WORDS.get(t, t)}" for t, n in sorted(tags.items(), key=_tag_order)
        ),
    }


def report_text(
    spec: Spec,
    summary: Mapping[str, Any],
    fingerprint: str,
    *,
    edited: Sequence[str] = (),
    edges: tuple[Any, ...] = ((), ()),
) -> str:
    """Return what ``backspasm check`` prints (see :meth:`Network.report`).

    Parameters
    ----------
    spec : Spec
        The knowledge base.
    summary : mapping
        Its network's :func:`summary_of`.
    fingerprint : str
        Its network's fingerprint.
    edited : sequence of str, optional
        The nodes whose tables were edited in place in the network's pgmpy model
        (named on a line of their own; no line when there are none).
    edges : pair of sequences of (parent, child), optional
        The edges added to and removed from the pgmpy model in place
        (:func:`~backspasm._fingerprint.changed_edges`), named on a line of their own;
        with the model as a third item, that line says whether diagnose refuses it (a
        table that does not list its node's parents) or uses it as edited.

    Returns
    -------
    str
        One line per fact, then the triage policy in force.
    """
    groups = ", ".join(f"{g} {n}" for g, n in summary["groups"].items())
    total = summary["numbers"]
    kinds = ", ".join(
        f"{kind} {n} ({n / total:.1%})" for kind, n in spec.numbers_by_kind().items()
    )
    return "\n".join(
        [
            f"knowledge base: {spec.origin} (valid)",
            *([f"files read: {', '.join(spec.files)}"] if spec.files else []),
            *_edited_lines(edited),
            *_edge_lines(spec, *edges),
            f"nodes: {summary['nodes']} ({groups})",
            f"edges: {summary['edges']}",
            f"declared numbers: {total}, of which {summary['sourced']} "
            f"({summary['sourced_share']:.1%}) cite a literature source, "
            f"{summary['fitted']} were fitted to data and "
            f"{summary['assumptions']} are reasoned assumptions",
            "by kind: " + (kinds if total else ""),
            *_unexplained_lines(spec),
            f"expanded CPT entries: {summary['cpt_entries']}",
            f"bibliography: {summary['sources']} sources ({summary['source_tags']})",
            f"fingerprint: {fingerprint} (SHA-256 of the structure, numbers, "
            "questions and triage policy; not of the files' bytes)",
            *_policy_lines(spec),
        ]
    )


def _edited_lines(edited: Sequence[str]) -> list[str]:
    """Name the tables edited in place: the model's numbers, not the files', hold there."""
    if not edited:
        return []
    their = "its table differs" if len(edited) == 1 else "their tables differ"
    return [
        f"edited in place: {', '.join(edited)} ({their} in network.model from the "
        "knowledge base's; the declared numbers below are the knowledge base's)"
    ]


def _edge_lines(
    spec: Spec,
    added: Sequence[tuple[str, str]],
    removed: Sequence[tuple[str, str]],
    model: DiscreteBayesianNetwork | None = None,
) -> list[str]:
    """Name the edges added or removed in place, and whether diagnose refuses the model.

    pgmpy changes an edge without touching a table, and such a model is refused (its
    tables no longer list their nodes' parents); once the tables are changed with the
    edges, diagnose uses the model as edited (a report said it refused it).
    """
    said = [
        f"{what} {', '.join(f'{a} -> {b}' for a, b in pairs)}"
        for what, pairs in (("removed", removed), ("added", added))
        if pairs
    ]
    if not said:
        return []
    fate = (
        "diagnose refuses such a model: change the structure in a copy of the knowledge "
        "base instead"
    )
    if model is not None:
        try:
            check_edited_model(spec, model)
        except BackspasmError:
            pass
        else:  # each table lists its node's parents as the edges give them
            fate = (
                "each table lists its node's parents, so diagnose uses the model as edited; "
                "the knowledge base's declared numbers and figures do not show the change"
            )
    return [
        f"edges changed in place: {'; '.join(said)} (in network.model, not in the knowledge "
        f"base; {fate})"
    ]


#: How many entries without a why ``check`` names (it counts them all).
_UNEXPLAINED_SHOWN = 10
#: The triage policy's thresholds, which cite a source as a number does.
_THRESHOLDS = ("see_doctor_p_serious", "see_doctor_p_pathologic", "emergency_p_serious")


def _unexplained_lines(spec: Spec) -> list[str]:
    """Name the numbers, flags and cause rules that cite a source without a ``why``.

    Legal (the bibliography entry says what kind of reading it was), yet a reader
    cannot tell which figure of the source gave the number: every bundled entry
    says it, and a variant's new one should too.
    """
    missing = [
        f"{node.file}: node '{node.name}', field '{path}'"
        for node, path, param in spec.parameters()
        if param.source != ASSUMPTION and not (param.why or "").strip()
    ]
    policy = spec.triage
    if policy is not None:
        named = [
            *((f"threshold '{t}'", getattr(policy, t)) for t in _THRESHOLDS),
            *((f"flag '{f.name}'", f) for f in policy.flags),
            *((f"cause rule '{r.describe()}'", r) for r in policy.causes),
        ]
        missing += [
            f"{policy.file}: {what}"
            for what, entry in named
            if entry is not None and not (entry.why or "").strip()
        ]
    if not missing:
        return []
    shown = missing[:_UNEXPLAINED_SHOWN]
    more = len(missing) - len(shown)
    return [
        f"without a why: {len(missing)} cite a source but do not say what was read there "
        "(give each a 'why': the figure and where in the source it is):",
        *(f"  {line}" for line in shown),
        *([f"  and {more} more"] if more else []),
    ]


def _policy_lines(spec: Spec) -> list[str]:
    """Say whose triage policy the network uses, and what a borrowed one lost."""
    own = spec.triage
    if own is not None:
        return [
            f"triage policy: its own ([triage] in {own.file}): {len(own.flags)} flags, "
            f"{len(own.causes)} cause rules",
            *_unasked_lines(spec, own),
        ]
    bundled = bundled_policy()
    if bundled is None:  # not reached: the bundled knowledge base declares one
        return ["triage policy: none"]
    borrowed = borrow_policy(bundled, spec.nodes)
    kept = borrowed.policy
    lines = [
        "triage policy: borrowed from the bundled knowledge base (this one has no "
        f"[triage] table): {len(kept.flags)} of {len(bundled.flags)} flags and "
        f"{len(kept.causes)} of {len(bundled.causes)} cause rules kept; add a [triage] "
        "table to set your own"
    ]
    missing = "dropped: it names a node or state this knowledge base lacks"
    for flag in borrowed.dropped_flags:
        when = ", ".join(f"{k}={v}" for k, v in flag.holds_on.items())
        lines.append(f"  flag '{flag.name}' ({when}) {missing}")
    for rule in borrowed.dropped_causes:
        lines.append(f"  cause rule '{rule.describe()}' ({rule.level}) {missing}")
    return lines + _unasked_lines(spec, kept)


def _unasked_lines(spec: Spec, policy: TriagePolicy) -> list[str]:
    """Name the flags and cause rules on a node no question asks.

    No answer to ``diagnose``, ``ask`` or ``score`` can set such a node, so they apply
    only to evidence set on the node itself (``network.engine``), never to a case: a
    variant that dropped the fever question keeps fever flags that cannot fire.
    """
    asked = {name for name, node in spec.nodes.items() if node.question is not None}
    if not asked:  # a knowledge base without a questionnaire is queried by node
        return []
    why = "applies to no case: no question asks {}"
    lines = []
    for flag in policy.flags:
        unasked = [n for n in flag.when if n not in asked]
        if len([n for n in flag.of if n in asked]) < flag.at_least:
            unasked += [n for n in flag.of if n not in asked]
        if unasked:
            lines.append(f"  flag '{flag.name}' {why.format(', '.join(unasked))}")
    for rule in policy.causes:
        if unasked := [n for n in rule.when if n not in asked]:
            lines.append(f"  cause rule '{rule.describe()}' {why.format(', '.join(unasked))}")
    return lines


def network_repr(spec: Spec, *, edited: bool) -> str:
    """Return a network's repr: its sizes and where its knowledge base came from."""
    origin = spec.origin or "a spec"
    if edited:
        # "backspasm/knowledge (bundled)" becomes "(bundled, edited in place)".
        if origin.endswith(")"):
            origin = origin[:-1] + ", edited in place)"
        else:
            origin += " (edited in place)"
    return (
        f"<Network: {len(spec.nodes)} nodes, "
        f"{sum(len(n.parents) for n in spec.nodes.values())} edges, "
        f"{len(spec.causes)} causes, from {origin}>"
    )


def report_html(title: str, report: str) -> str:
    """Return ``backspasm check``'s report as an HTML table under ``title`` (for notebooks).

    Each ``what: value`` line of :func:`report_text` is a row; the fingerprint is cut
    to its first 16 hex digits, as the scored files' provenance shows it.
    """
    rows = []
    for line in report.splitlines():
        key, _, value = line.partition(": ")
        if key == "fingerprint":
            value = value[:16] + "…"
        rows.append(
            f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(key)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
        )
    return f"<p><b>{html.escape(title)}</b></p><table>{''.join(rows)}</table>"
