"""The answers that drove an emergency: those whose withholding most lowers its cause.

Context answers (the ``context`` group: age group, sex, care setting) are never
named: they say who the person is and where they are seen, not why they must go to
an emergency department (an age that sets a level is a flag of the policy, named as
such). They still shape every probability.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from backspasm._numeric import logit as _logit
from backspasm.spec import PRESENTATION
from backspasm.triage.matching import BoolArray, FloatArray, Text

if TYPE_CHECKING:
    from backspasm.network import Network

__all__ = ["SERIOUS", "add_drivers"]

#: An answer counts as a driver of a cause when withholding it at least halves the odds.
_DRIVER_LOG_ODDS = float(np.log(2.0))
_MAX_DRIVERS = 3
#: The key of P(at least one serious cause) among the driver targets.
SERIOUS = "\0serious"


def add_drivers(
    text: Text,
    fired: Mapping[str, BoolArray],
    probs: Mapping[str, FloatArray],
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
    *,
    also: Text | None = None,
    said_in: Mapping[str, BoolArray] | None = None,
) -> None:
    """Name, per case, the positive answers whose withholding lowers a fired cause most.

    Context answers (age group, sex, care setting) are not candidates: they are not
    reasons to go (``Sex: male`` under kidney stones), though they shape the numbers.

    Each fired cause's probability with one answer withheld, for every answer at
    once, comes from the engine's fast retraction (one pass for ``P(x_v, e without
    v)``, one per fired target over its own cases); an answer's effect on a case is
    its largest log-odds drop over the causes that fired for that case.

    ``also`` (the reasons said to a person) gets the same answers, but not where
    ``said_in`` (per node, the cases whose reasons name it already) says a cause
    rule names the answer: a known cause that is its own driver (``kidney_stones=yes``
    under ``Kidney stones 100% (>= 50%)``: one reason per cause), or an answer the
    rule asks for (``... (>= 50% with muscle weakness)``).
    """
    if not fired:
        return
    any_fired = np.logical_or.reduce(list(fired.values()))
    rows = np.flatnonzero(any_fired)
    if rows.size == 0:
        return
    engine = network.engine
    targets = list(fired)
    sub = {node: np.asarray(v)[rows] for node, v in values.items()}
    # A red flag is something present: only positive answers (a non-reference state,
    # e.g. "yes", "flank", "65+") are candidates, never a denial.
    # Every hard-answered node, whether or not these cases answered it positively:
    # the same nodes for every batch of a file, so the engine's plans are reused.
    # Context (age group, sex, care setting) is never a reason to go: left out.
    context = set(network.nodes_in("context"))
    nodes = [
        node
        for node, codes in sub.items()
        if node != PRESENTATION and node not in context and codes.ndim == 1
    ]
    if not any(bool((sub[v] > 0).any()) for v in nodes):
        return
    # Fast retraction: log P(x_v, e without v) for every answered v in one pass, and
    # log P(x_v, no target, e without v) in one pass per target over its own cases.
    # log P(e without v), cases by nodes.
    alone = engine.log_retracted(
        sub, nodes, summed=True, needed={v: sub[v] > 0 for v in nodes}, eager=True
    )
    # Only a positive answer can be a driver: the effects are computed for those
    # entries alone (about half of an answered file), node by node.
    positive = [np.flatnonzero(sub[v] > 0) for v in nodes]
    table = np.full((rows.size, len(nodes)), -np.inf)  # cases x answered nodes
    for t in targets:
        mine = np.flatnonzero(fired[t][rows])
        if not mine.size:
            continue
        # The complement of the target (every serious cause absent, or the cause
        # absent) is the event: a cause observed present then gives exactly 0, where
        # P(cause, ...) / P(...) would round to 1 - 1e-11 and a large logit change.
        absent = network.serious_causes if t == SERIOUS else (t,)
        joint = engine.log_retracted(
            {k: v[mine] for k, v in sub.items()},
            nodes,
            event=dict.fromkeys(absent, "no"),
            summed=True,
            needed={v: sub[v][mine] > 0 for v in nodes},
            eager=True,
        )
        base = np.full(rows.size, np.nan)
        base[mine] = _logit(np.asarray(probs[t])[rows[mine]])
        where = np.full(rows.size, -1, dtype=np.int64)
        where[mine] = np.arange(mine.size)
        for j, v in enumerate(nodes):
            cases = positive[j][where[positive[j]] >= 0]
            if not cases.size:
                continue
            with np.errstate(over="ignore", invalid="ignore"):
                without = 1.0 - np.exp(joint[v][where[cases]] - alone[v][cases])
            drop = base[cases] - _logit(np.nan_to_num(np.clip(without, 0.0, 1.0)))
            table[cases, j] = np.maximum(table[cases, j], drop)
    # The _MAX_DRIVERS largest effects of each case, largest first (the first column
    # among equals), as a stable descending sort would give them.
    ranked = np.where(np.isnan(table), -np.inf, table)
    n = len(any_fired)
    every = np.arange(rows.size)
    for _ in range(min(_MAX_DRIVERS, len(nodes))):
        pick = np.argmax(ranked, axis=1)
        strength = ranked[every, pick]
        ranked[every, pick] = -np.inf  # a later round picks the next largest
        for j in np.unique(pick[strength >= _DRIVER_LOG_ODDS]).tolist():
            node = nodes[j]
            chosen = (pick == j) & (strength >= _DRIVER_LOG_ODDS)
            names = network.states(node)
            codes = sub[node][chosen]
            for code in np.unique(codes).tolist():
                mask = np.zeros(n, dtype=bool)
                mask[rows[chosen][codes == code]] = True
                text.add(mask, f"{node}={names[code]}", node)
                if also is not None:
                    named = (said_in or {}).get(node)
                    keep = mask if named is None else mask & ~named
                    also.add(keep, f"{node}={names[code]}", node)
