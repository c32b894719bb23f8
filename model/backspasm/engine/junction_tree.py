"""Junction trees: cliques, separators, static messages and contraction plans.

A :class:`_JunctionTree` is compiled once from some CPDs (triangulated moral graph,
noisy-MAX-like CPTs optionally rewritten; each CPD in its smallest clique) and builds
and caches a :class:`~backspasm.engine.kernels._Plan` per evidence pattern and
targets: a message carries the case axis only when evidence behind it varies between
cases (the others are computed once, :meth:`_JunctionTree._static_message`, and
folded into the potentials), and each clique step contracts its case-dependent
inputs with the pre-summed potential in one ``matmul``.
"""

from __future__ import annotations

import dataclasses
import math
import string
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from backspasm._numeric import FloatArray, contract
from backspasm.engine.events import (
    _Event,
    _feeding,
    _Route,
    _route,
    _static_belief,
    _with_events,
    _with_retractions,
)
from backspasm.engine.fused import _fuse
from backspasm.engine.kernels import _LAM, _MSG, _Input, _Plan, _Step
from backspasm.engine.noisy_max import _decompose
from backspasm.engine.plan_cache import _PlanCache
from backspasm.engine.triangulation import (
    _cliques_cached,
    _cost,
    _guided,
    _homes,
    _sides,
    _spanning_tree,
)

__all__: list[str] = []

# einsum letters: one per clique variable, the last one is reserved for the case axis.
_LETTERS = string.ascii_letters[:-1]
_MAX_STEPS = 20_000


class _JunctionTree:
    """Junction tree of some CPDs, with cached contraction plans and static messages.

    Variables are the network's integer ids; auxiliary variables introduced by
    :func:`_decompose` get ids from ``len(cards)`` on and are never observed nor
    queried. ``guide``, a tree of a whole network these CPDs are part of, offers its
    cliques restricted to them (:func:`_guided`), taken when they cost less (:func:`_cost`).
    """

    def __init__(
        self,
        cpds: Sequence[tuple[tuple[int, ...], FloatArray]],
        cards: Sequence[int],
        decompose: bool,
        restarts: int,
        guide: _JunctionTree | None = None,
    ) -> None:
        plain = list(cpds)
        self._card = list(cards)
        # Per option: its factors, cardinalities and each auxiliary variable's child.
        options: list[tuple[list[tuple[tuple[int, ...], FloatArray]], list[int], dict[int, int]]]
        options = [(plain, list(cards), {})]
        if decompose:
            factors: list[tuple[tuple[int, ...], FloatArray]] = []
            extended = list(cards)
            owners: dict[int, int] = {}
            for scope, table in plain:
                parts = _decompose(scope, table, len(extended))
                if parts is None:
                    factors.append((scope, table))
                else:
                    factors += parts
                    owners[len(extended)] = scope[0]
                    extended.append(table.shape[0])
            if len(extended) > len(cards):
                options.append((factors, extended, owners))
        # Decomposing is not always cheaper (it adds variables): keep what is.
        best = None
        for factors, extended, owners in options:
            scopes = tuple(scope for scope, _ in factors)
            guided = None
            if guide is not None:
                guided = _guided(guide._cliques, guide._owners, scopes, owners)
            for cliques in (list(_cliques_cached(scopes, tuple(extended), restarts)), guided):
                if cliques is None:
                    continue
                total = _cost(cliques, extended, part=guide is not None)
                if best is None or total < best[0]:
                    best = (total, factors, extended, cliques, owners)
        assert best is not None
        _, factors, self._card, cliques, owners = best
        self._owners: dict[int, int] = owners  # each auxiliary variable's child
        self._signed = any(float(table.min()) < 0 for _, table in factors)
        self._compile(factors, cliques)

    def _reset(self) -> None:
        """Empty the caches of plans, static messages, steps and event routes."""
        self._plans = _PlanCache()
        self._static: dict[int, tuple[FloatArray, float]] = {}
        self._steps: dict[tuple[object, ...], _Step] = {}
        self._routes: dict[_Event, _Route] = {}  # where each event is summed

    # ------------------------------------------------------------------ compile

    def _compile(
        self,
        factors: list[tuple[tuple[int, ...], FloatArray]],
        cliques: list[tuple[int, ...]],
        tree: list[tuple[int, int]] | None = None,
    ) -> None:
        """Clique potentials and tree (a spanning tree of ``cliques`` unless given)."""
        if max(len(c) for c in cliques) > len(_LETTERS):
            raise ValueError("The network's cliques are too large for exact inference.")
        self._reset()
        self._factors = factors
        self._cliques = cliques
        self._clique_size = [math.prod(self._card[v] for v in c) for c in cliques]
        tree = _spanning_tree(cliques, self._card) if tree is None else tree
        self._tree = tree
        self._nbrs: list[list[int]] = [[] for _ in cliques]
        for i, j in tree:
            self._nbrs[i].append(j)
            self._nbrs[j].append(i)
        self._edges: list[tuple[int, int]] = []
        for i, j in tree:
            self._edges += [(i, j), (j, i)]
        self._edge_id = {e: k for k, e in enumerate(self._edges)}
        self._sep = [tuple(v for v in cliques[a] if v in cliques[b]) for a, b in self._edges]
        self._side = _sides(self._nbrs, self._edges)

        def smallest(members: Iterable[int]) -> int:
            return min(members, key=lambda c: (self._clique_size[c], c))

        self._containing: dict[int, list[int]] = {}
        for c, clique in enumerate(cliques):
            for v in clique:
                self._containing.setdefault(v, []).append(c)
        self._home = _homes(cliques, self._clique_size)
        self._homed: list[list[int]] = [[] for _ in cliques]
        for v, c in self._home.items():
            self._homed[c].append(v)
        psi = [np.ones([self._card[v] for v in c]) for c in cliques]
        for scope, table in factors:
            # The cliques holding every variable of the scope (a clique always does; any
            # clique holds a factor of given variables alone).
            holding = (
                set(self._containing[scope[0]]).intersection(
                    *(self._containing[v] for v in scope[1:])
                )
                if scope
                else range(len(cliques))
            )
            c = smallest(holding)
            letter = {v: _LETTERS[i] for i, v in enumerate(cliques[c])}
            subs = "".join(letter[v] for v in cliques[c])
            fsubs = "".join(letter[v] for v in scope)
            psi[c] = np.einsum(f"{subs},{fsubs}->{subs}", psi[c], table)
        self._psi = psi

    @property
    def clique_sizes(self) -> tuple[int, ...]:
        """Number of table entries of each junction-tree clique."""
        return tuple(self._clique_size)

    @property
    def treewidth(self) -> int:
        """Width of the triangulation used: largest clique size in variables, minus one."""
        return max(len(c) for c in self._cliques) - 1

    # --------------------------------------------------------------- planning

    def _plan(
        self,
        active: frozenset[int],
        targets: tuple[int, ...] | None,
        fused: bool = False,
        retract: tuple[int, ...] = (),
        events: tuple[_Event, ...] = (),
        summed: _Event | None = None,
    ) -> _Plan:
        """Return the (cached) plan of an evidence pattern, with fused tables if asked.

        ``retract`` (observed variables, a subset of ``active``) adds one final step
        per variable: its home clique's belief without its own likelihood (summed
        over its states, with the indicators ``summed`` of some of them, unless
        ``summed`` is None). Each of ``events`` (per variable, the states it may take)
        adds a last final step whose belief sums to ``P(e, event)`` (see
        :func:`~backspasm.engine.events._with_events`).
        """
        key = (active, targets, retract, events, summed)
        plan = self._plans.get(key)
        if plan is None:
            # Interactive use can meet endless evidence patterns: the recent ones are
            # kept (and a forest keeps the bytes of all its trees' plans in a budget).
            plan = self._plans.put(key, self._build_plan(active, targets, retract, events, summed))
        if fused and plan.fused is None:
            plan = self._plans.put(key, dataclasses.replace(plan, fused=_fuse(plan)))
        return plan

    def _build_plan(
        self,
        active: frozenset[int],
        targets: tuple[int, ...] | None,
        retract: tuple[int, ...],
        events: tuple[_Event, ...] = (),
        summed: _Event | None = None,
    ) -> _Plan:
        reach = frozenset(self._home[v] for v in retract)
        routes = [_route(self, event) for event in events]  # cached per tree and event
        feed = frozenset[int]().union(*(_feeding(self, route) for route in routes))
        if targets is None:
            root = max(range(len(self._cliques)), key=lambda c: (self._clique_size[c], -c))
            plan = self._plan_for(active, {root: ()}, reach, feed)
        else:
            # Reading each target off its smallest clique makes cheap final steps but
            # may need many messages; gathering targets near one root needs fewer
            # messages through bigger cliques. Which wins depends on the network: cost
            # both.
            by_home: dict[int, tuple[int, ...]] = {}
            for v in targets:
                by_home[self._home[v]] = (*by_home.get(self._home[v], ()), v)
            plans = [
                self._plan_for(active, by_home, reach, feed),
                self._plan_for(active, self._near_root(targets), reach, feed),
            ]
            plan = min(plans, key=lambda plan: plan.cost)
        if retract:
            plan = _with_retractions(self, plan, active, retract, summed)
        if events:
            plan = _with_events(self, plan, active, events, routes)
        return plan

    def _batched(self, active: frozenset[int]) -> list[bool]:
        """Which directed edges carry evidence of ``active`` (hence a case axis)."""
        homes = {self._home[v] for v in active}
        return [not side.isdisjoint(homes) for side in self._side]

    def _plan_for(
        self,
        active: frozenset[int],
        wanted: dict[int, tuple[int, ...]],
        reach: frozenset[int] = frozenset(),
        feed: frozenset[int] = frozenset(),
    ) -> _Plan:
        """Messages toward ``wanted`` and ``reach``, and the edges ``feed``; final steps."""
        homes = {self._home[v] for v in active}
        batched = self._batched(active)
        toward = reach.union(wanted)
        needed = [
            e
            for e, (a, b) in enumerate(self._edges)
            if e in feed or not self._side[self._edge_id[(b, a)]].isdisjoint(toward)
        ]
        # A message depends only on messages from strictly smaller subtrees.
        needed.sort(key=lambda e: len(self._side[e]))
        layout: dict[int, tuple[int, ...]] = {}
        messages = []
        for e in needed:
            a, b = self._edges[e]
            if batched[e]:
                step = self._step(e, a, b, active, batched, layout, set(self._sep[e]))
                layout[e] = step.out_vars
                messages.append(step)
            else:
                self._static_message(e)
        finals = []
        static_finals = []
        for clique, tvars in wanted.items():
            if clique in homes or any(
                batched[self._edge_id[(c, clique)]] for c in self._nbrs[clique]
            ):
                finals.append(self._step(clique, clique, -1, active, batched, layout, set(tvars)))
            else:
                static_finals.append(_static_belief(self, clique, tvars))
        cost = sum(step.cost for step in (*messages, *finals))
        return _Plan(
            tuple(messages), tuple(finals), tuple(static_finals), cost, self._signed, self._card
        )

    def _near_root(self, targets: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
        """Group targets into few cliques near each other, to need few messages."""
        count: dict[int, int] = {}
        for v in targets:
            for c in self._containing[v]:
                count[c] = count.get(c, 0) + 1
        root = max(count, key=lambda c: (count[c], -self._clique_size[c], -c))
        depth = {root: 0}
        queue = [root]
        for c in queue:
            for d in self._nbrs[c]:
                if d not in depth:
                    depth[d] = depth[c] + 1
                    queue.append(d)
        wanted: dict[int, tuple[int, ...]] = {}
        for v in targets:
            c = min(self._containing[v], key=lambda c: (depth[c], self._clique_size[c], c))
            wanted[c] = (*wanted.get(c, ()), v)
        return wanted

    def _static_operands(
        self, clique: int, skip: int, batched: Sequence[bool] | None = None
    ) -> tuple[dict[int, str], list[str], list[FloatArray], list[int]]:
        """Einsum letters, subscripts and arrays of a clique's case-independent factors.

        Those are its potential and the incoming messages (all but the one from
        ``skip``) that are not ``batched``; also return every incoming edge.
        """
        letter = {v: _LETTERS[i] for i, v in enumerate(self._cliques[clique])}
        subs = ["".join(letter[v] for v in self._cliques[clique])]
        arrays = [self._psi[clique]]
        incoming = []
        for c in self._nbrs[clique]:
            if c != skip:
                e = self._edge_id[(c, clique)]
                incoming.append(e)
                if batched is None or not batched[e]:
                    subs.append("".join(letter[v] for v in self._sep[e]))
                    arrays.append(self._static_message(e)[0])
        return letter, subs, arrays, incoming

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
    ) -> _Step:
        """Compile one clique contraction (a message, or a belief when ``skip`` is -1).

        The likelihood of ``exclude`` is left out (a retraction belief). ``labels``
        names the batched message of each incoming edge (default: the edge itself;
        ``layout`` is by label); ``clamp`` holds indicator vectors of variables of
        the clique multiplied into the potential (an event).
        """
        scopes: list[tuple[int, int, tuple[int, ...]]] = [
            (_LAM, v, (v,)) for v in self._homed[clique] if v in active and v != exclude
        ]
        # Plans of different patterns share most steps: compile each once.
        label_of = labels or {}
        edges = [self._edge_id[(c, clique)] for c in self._nbrs[clique] if c != skip]
        key = (
            label,
            clique,
            skip,
            tuple(scopes),
            tuple(
                (e, label_of.get(e, e), layout[label_of.get(e, e)]) for e in edges if batched[e]
            ),
            tuple(e for e in edges if not batched[e]),
            frozenset(out),
            tuple((v, mask.tobytes()) for v, mask in sorted((clamp or {}).items())),
        )
        cached = self._steps.get(key)
        if cached is not None:
            return cached
        if len(self._steps) >= _MAX_STEPS:
            self._steps.clear()
        self._steps[key] = step = self._compile_step(
            label, clique, skip, batched, layout, out, scopes, label_of, clamp
        )
        return step

    def _compile_step(
        self,
        label: int,
        clique: int,
        skip: int,
        batched: list[bool],
        layout: Mapping[int, tuple[int, ...]],
        out: set[int],
        scopes: list[tuple[int, int, tuple[int, ...]]],
        label_of: Mapping[int, int],
        clamp: Mapping[int, FloatArray] | None,
    ) -> _Step:
        """Compile the step :meth:`_step` describes (its likelihood operands in ``scopes``)."""
        letter, static_subs, static_arrays, incoming = self._static_operands(clique, skip, batched)
        for v, mask in (clamp or {}).items():
            static_subs.append(letter[v])
            static_arrays.append(mask)
        static_in = [e for e in incoming if not batched[e]]
        dynamic = [label_of.get(e, e) for e in incoming if batched[e]]
        scopes += [(_MSG, e, layout[e]) for e in dynamic]
        touched = {v for _, _, vs in scopes for v in vs}
        # Lay the product out like its biggest factor, so that factor needs no copy.
        biggest = max(scopes, key=lambda s: math.prod(self._card[v] for v in s[2]), default=None)
        lead = biggest[2] if biggest is not None else ()
        order = [*lead, *(v for v in self._cliques[clique] if v not in lead)]
        kept = [v for v in order if v in touched and v in out]
        summed = [v for v in order if v in touched and v not in out]
        free = [v for v in order if v in out and v not in touched]
        product_order = kept + summed
        position = {v: i for i, v in enumerate(product_order)}
        inputs = []
        for kind, index, vs in scopes:
            perm = (*sorted(range(len(vs)), key=lambda i: position[vs[i]]), len(vs))
            shape = (*(self._card[v] if v in vs else 1 for v in product_order), -1)
            inputs.append(_Input(kind, index, perm, shape, tuple(vs)))
        # Multiply the smallest pair first so the big product is formed only once;
        # factors over the same variables first of all, which is cheap to find.
        sets = [frozenset(vs) for _, _, vs in scopes]
        pairs = []
        # Estimated memory traffic per case, to choose between plans.
        cost = 0
        while True:
            seen: dict[frozenset[int], int] = {}
            same = None
            for j, scope in enumerate(sets):
                if scope in seen:
                    same = (seen[scope], j)
                    break
                seen[scope] = j
            if same is None:
                break
            i, j = same
            pairs.append((i, j))
            cost += math.prod(self._card[v] for v in sets[j])
            union = sets[j]
            del sets[j], sets[i]
            sets.append(union)
        while len(sets) > 1:
            size, i, j = min(
                (math.prod(self._card[v] for v in sets[i] | sets[j]), i, j)
                for i in range(len(sets))
                for j in range(i + 1, len(sets))
            )
            pairs.append((i, j))
            cost += size
            union = sets[i] | sets[j]
            del sets[j], sets[i]
            sets.append(union)
        target = "".join(letter[v] for v in kept + free + summed)
        # A contraction path only pays for three operands or more (planning cost).
        matrix = contract(static_subs, static_arrays, target, optimize=len(static_arrays) > 2)
        k = math.prod(self._card[v] for v in kept)
        p = math.prod(self._card[v] for v in free)
        r = math.prod(self._card[v] for v in summed)
        out_vars = tuple(kept + free)
        return _Step(
            label=label,
            inputs=tuple(inputs),
            pairs=tuple(pairs),
            matrix=np.ascontiguousarray(matrix.reshape(k, p, r)),
            k=k,
            r=r,
            out_vars=out_vars,
            out_shape=tuple(self._card[v] for v in out_vars),
            product=tuple(product_order),
            incoming=tuple(dynamic),
            static_log=sum(self._static[e][1] for e in static_in),
            cost=cost + k * p * r + 2 * k * p,
        )

    def _static_message(self, edge: int) -> tuple[FloatArray, float]:
        """Message along ``edge`` when no evidence lies behind it (cached forever)."""
        if edge in self._static:
            return self._static[edge]
        # Prerequisites first, without recursion: junction trees can be deep.
        todo, order = [edge], []
        while todo:
            e = todo.pop()
            if e not in self._static:
                order.append(e)
                a, b = self._edges[e]
                todo += [self._edge_id[(c, a)] for c in self._nbrs[a] if c != b]
        for e in reversed(order):
            self._static[e] = self._compute_static_message(e)
        return self._static[edge]

    def _compute_static_message(self, edge: int) -> tuple[FloatArray, float]:
        a, b = self._edges[edge]
        letter, subs, arrays, incoming = self._static_operands(a, b)
        target = "".join(letter[v] for v in self._sep[edge])
        message = contract(subs, arrays, target)
        scale = float(np.abs(message).max())
        log_scale = sum(self._static[e][1] for e in incoming)
        if scale > 0:
            message = message / scale
            log_scale += math.log(scale)
        else:
            log_scale = -math.inf
        return np.asarray(message, dtype=np.float64), log_scale
