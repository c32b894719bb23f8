"""Final steps that reuse a plan's messages: fast retractions and events.

A retraction is a variable's home belief without its own likelihood (see
:func:`_with_retractions`).

An event is a conjunction such as "every serious cause absent", whose ``P(e, event)``
comes from the marginals' propagation. It used to take a second propagation with the
event's indicators added as evidence. Only the messages whose sending side holds an
indicator differ from those of the marginals' propagation, and an indicator can be
multiplied into any clique that holds its variable, not only the variable's home. So
each event gets a root clique and, per variable, the clique nearest the root that
holds it; the messages on the paths from those cliques to the root are recomputed
with the indicators folded into the (case-independent) potentials, and every other
message is the plan's own. With the bundled network the event's part costs about a
tenth of a full collect: most indicators land in the root, whose belief is then
mostly zero.

An event's final step sums to ``P(e, event)`` up to its log scale; it comes after the
plan's target and retraction finals (:attr:`~backspasm.engine.kernels._Plan.events`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeAlias

import numpy as np

from backspasm._numeric import FloatArray, contract
from backspasm.engine.kernels import _Plan, _Step

__all__: list[str] = []

#: An event: per variable (sorted), the states it may take.
_Event: TypeAlias = tuple[tuple[int, tuple[int, ...]], ...]
#: Where an event is summed: the root clique, the clique each indicator goes into,
#: and the directed edges from those cliques to the root (sending side smallest first).
_Route: TypeAlias = tuple[int, dict[int, int], tuple[int, ...]]


class _JunctionTree(Protocol):
    """What the event and retraction passes read of a junction tree.

    :class:`backspasm.engine.junction_tree._JunctionTree` provides it; naming only
    these members keeps this module below the tree in the import order.
    """

    _card: list[int]
    _cliques: list[tuple[int, ...]]
    _clique_size: list[int]
    _nbrs: list[list[int]]
    _edges: list[tuple[int, int]]
    _edge_id: dict[tuple[int, int], int]
    _sep: list[tuple[int, ...]]
    _side: list[frozenset[int]]
    _containing: dict[int, list[int]]
    _home: dict[int, int]
    _routes: dict[_Event, _Route]

    def _batched(self, active: frozenset[int]) -> list[bool]: ...

    def _step(
        self,
        label: int,
        clique: int,
        skip: int,
        active: frozenset[int],
        batched: list[bool],
        layout: Mapping[int, tuple[int, ...]],
        out: set[int],
        exclude: int = -1,
        labels: Mapping[int, int] | None = None,
        clamp: Mapping[int, FloatArray] | None = None,
    ) -> _Step: ...

    _static: dict[int, tuple[FloatArray, float]]

    def _static_operands(
        self, clique: int, skip: int, batched: Sequence[bool] | None = None
    ) -> tuple[dict[int, str], list[str], list[FloatArray], list[int]]: ...


def _static_belief(
    tree: _JunctionTree, clique: int, tvars: tuple[int, ...]
) -> tuple[tuple[int, ...], FloatArray, float]:
    """Unnormalised belief over ``tvars`` when no evidence reaches ``clique``."""
    letter, subs, arrays, incoming = tree._static_operands(clique, -1)
    ordered = tuple(v for v in tree._cliques[clique] if v in tvars)
    target = "".join(letter[v] for v in ordered)
    belief = contract(subs, arrays, target)
    log_scale = sum(tree._static[e][1] for e in incoming)
    return ordered, np.asarray(belief, dtype=np.float64), log_scale


def _route(tree: _JunctionTree, event: _Event) -> _Route:
    """Choose the root and the indicator cliques of an event that recompute the least.

    Every clique is tried as the root; each indicator goes into the clique nearest
    to it that holds its variable. The estimated cost is the size of every clique
    that sends a recomputed message, plus the root's, each shrunk by the share of
    its entries the indicators placed there leave.
    """
    cached = tree._routes.get(event)
    if cached is not None:
        return cached
    cards = tree._card
    sizes = tree._clique_size
    best: tuple[float, int, dict[int, int], dict[int, int]] | None = None
    for root in range(len(tree._cliques)):
        parent = {root: -1}
        depth = {root: 0}
        queue = [root]
        for c in queue:
            for d in tree._nbrs[c]:
                if d not in parent:
                    parent[d] = c
                    depth[d] = depth[c] + 1
                    queue.append(d)
        placed = {
            v: min(tree._containing[v], key=lambda c: (depth[c], sizes[c], c)) for v, _ in event
        }
        share: dict[int, float] = {}
        for v, allowed in event:
            share[placed[v]] = share.get(placed[v], 1.0) * len(allowed) / cards[v]
        senders: set[int] = set()
        for c in placed.values():
            while c != root and c not in senders:
                senders.add(c)
                c = parent[c]
        cost = sum(sizes[c] * share.get(c, 1.0) for c in (*senders, root))
        if best is None or cost < best[0]:
            best = (cost, root, placed, {c: parent[c] for c in senders})
    assert best is not None
    _, root, placed, hops = best
    path = sorted(
        (tree._edge_id[(c, nxt)] for c, nxt in hops.items()), key=lambda e: len(tree._side[e])
    )
    tree._routes[event] = (root, placed, tuple(path))
    return tree._routes[event]


def _feeding(tree: _JunctionTree, route: _Route) -> frozenset[int]:
    """Return the plain messages (and their prerequisites) an event's recomputed ones use."""
    root, _, path = route
    hop = dict(tree._edges[e] for e in path)
    todo = [
        tree._edge_id[(x, c)]
        for c in (*hop, root)
        for x in tree._nbrs[c]
        if x != hop.get(c) and x not in hop
    ]
    found: set[int] = set()
    while todo:
        e = todo.pop()
        if e in found:
            continue
        found.add(e)
        a, b = tree._edges[e]
        todo += [tree._edge_id[(c, a)] for c in tree._nbrs[a] if c != b]
    return frozenset(found)


def _with_retractions(
    tree: _JunctionTree,
    plan: _Plan,
    active: frozenset[int],
    retract: tuple[int, ...],
    summed: _Event | None = None,
) -> _Plan:
    """Append to ``plan`` (whose messages reach every home of ``retract``) its retractions.

    The messages into a variable's home clique never carry its own likelihood (it
    enters the tree there), so the home belief without it is ``P(X_v, e without
    e_v)``: every observed variable's leave-one-out evidence from one propagation
    (fast retraction, Cowell et al. 1999, sec. 6.4). Unless ``summed`` is None the
    belief is summed over the variable's states (``P(e without e_v)``), after the
    indicator ``summed`` gives some of them (an event on a retracted variable).
    """
    batched = tree._batched(active)
    layout = {step.label: step.out_vars for step in plan.messages}
    masks = _masks(tree, summed or ())
    steps = []
    kept = []
    static_retracts = []
    for v in retract:
        c = tree._home[v]
        out = set() if summed is not None else {v}
        clamp = {v: masks[v]} if v in masks else None
        step = tree._step(c, c, -1, active, batched, layout, out, v, None, clamp)
        if step.inputs:
            steps.append(step)
            kept.append(v)
        else:
            _, belief, log_scale = _static_belief(tree, c, (v,))
            if v in masks:
                belief = belief * masks[v]
            static_retracts.append((v, belief, log_scale))
    return dataclasses.replace(
        plan,
        finals=(*plan.finals, *steps),
        cost=plan.cost + sum(step.cost for step in steps),
        retract=tuple(kept),
        static_retracts=tuple(static_retracts),
        summed=summed is not None,
    )


def _masks(tree: _JunctionTree, event: _Event) -> dict[int, FloatArray]:
    """Return the indicator vector of the states an event allows, per variable."""
    masks = {}
    for v, allowed in event:
        mask = np.zeros(tree._card[v])
        mask[list(allowed)] = 1.0
        masks[v] = mask
    return masks


def _with_events(
    tree: _JunctionTree,
    plan: _Plan,
    active: frozenset[int],
    events: tuple[_Event, ...],
    routes: list[_Route],
) -> _Plan:
    """Append each event's recomputed messages and its final step to ``plan``.

    ``plan`` must already compute the messages :func:`_feeding` names. A recomputed
    message is labelled ``(i + 1) * edges + edge`` for the ``i``-th event.
    """
    batched = tree._batched(active)
    layout = {step.label: step.out_vars for step in plan.messages}
    messages: list[_Step] = list(plan.messages)
    finals: list[_Step] = []
    edges = len(tree._edges)
    for i, (event, (root, placed, path)) in enumerate(zip(events, routes, strict=True)):
        masks: dict[int, dict[int, FloatArray]] = {}
        for v, mask in _masks(tree, event).items():
            masks.setdefault(placed[v], {})[v] = mask
        own = list(batched)
        labels = {}
        for e in path:
            own[e] = True
            labels[e] = (i + 1) * edges + e
        for e in path:
            a, b = tree._edges[e]
            sep = set(tree._sep[e])
            step = tree._step(labels[e], a, b, active, own, layout, sep, -1, labels, masks.get(a))
            layout[step.label] = step.out_vars
            messages.append(step)
        finals.append(
            tree._step(root, root, -1, active, own, layout, set(), -1, labels, masks.get(root))
        )
    new = messages[len(plan.messages) :]
    return dataclasses.replace(
        plan,
        messages=tuple(messages),
        finals=(*plan.finals, *finals),
        cost=plan.cost + sum(step.cost for step in (*new, *finals)),
        events=len(events),
    )


def _relevant_events(events: tuple[_Event, ...]) -> tuple[int, ...]:
    """Every variable the events name (they must stay in a pruned junction tree)."""
    return tuple(dict.fromkeys(v for event in events for v, _ in event))
