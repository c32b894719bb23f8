"""The layered layout of the network: node positions, computed without matplotlib.

Columns follow the causal story from left to right (context, exposures, causes,
mechanisms, presentation, findings, complications), a column is split into
sub-columns where edges run inside it, nodes are ordered by barycentric sweeps (the
ordering with the fewest edge crossings wins) and then pulled towards their
neighbours' heights by an isotonic least-squares fit that keeps order and gaps.
Positions are in inches, y pointing up. This is the one layout of the package: the
figures draw it (sizing the columns for their labels at slide width) and
:meth:`backspasm.network.Network.export` writes it into XDSL and NET files, so that
GeNIe and HUGIN open the same readable graph.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from backspasm._cache import LruCache
from backspasm.spec import CAUSE_GROUPS, Spec

__all__ = ["LAYERS", "Layout", "Spacing", "layered_layout"]

#: Column headers and the node groups each holds, left to right.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Context", ("context",)),
    ("Exposures", ("exposure",)),
    ("Causes", CAUSE_GROUPS),
    ("Mechanisms", ("mechanism",)),
    ("Presentation", ("presentation",)),
    ("Findings\n(symptoms, signs)", ("finding",)),
    ("Complications\n(if untreated)", ("complication",)),
)


class Network(Protocol):
    """What the layout needs of a network (:class:`backspasm.network.Network` has it)."""

    @property
    def spec(self) -> Spec:
        """The knowledge base: nodes, groups and parents."""

    def group_of(self, node: str) -> str:
        """Return a node's group."""

    def fingerprint(self) -> str:
        """Return a digest of the structure and numbers (the cache key)."""


#: A node's box width (inches) with its label on one line and on at most two lines.
LabelWidth = Callable[[str], tuple[float, float]]


@dataclass(frozen=True)
class Spacing:
    """Gaps and limits of the layout, in inches."""

    row_gap: float = 0.08
    group_gap: float = 0.2
    min_gap: float = 0.28
    good_gap: float = 0.42
    margin: float = 0.12
    max_box_w: float = 1.45


@dataclass(frozen=True)
class Layout:
    """Node centres and box sizes in inches.

    Attributes
    ----------
    pos : mapping of str to (float, float)
        Centre of each node's box (y up).
    columns : tuple of (str, float)
        Each layer's header and the x of its centre.
    column_of : mapping of str to int
        The (sub-)column index of each node.
    column_x, column_w : tuple of float
        The x of each (sub-)column's centre and its boxes' width.
    box_h : float
        Box height.
    width, height : float
        Extent of the drawing.
    labels : mapping of str to str
        The label drawn in each box (wrapped by the figures; empty here).
    label_size : float
        Type size of the labels (points) the column widths were measured for.
    spans : tuple of (float, float)
        For each header of ``columns``, the left and right edges of the (sub-)columns
        of its layer (empty where not known): a layer dealt into several
        sub-columns has its header centred over, and ruled across, all of them.
    """

    pos: Mapping[str, tuple[float, float]]
    columns: tuple[tuple[str, float], ...]
    column_of: Mapping[str, int]
    column_x: tuple[float, ...]
    column_w: tuple[float, ...]
    box_h: float
    width: float
    height: float
    labels: Mapping[str, str] = field(default_factory=dict)
    label_size: float = 9.0
    spans: tuple[tuple[float, float], ...] = ()

    def box_w(self, node: str) -> float:
        """Return the width of a node's box."""
        return self.column_w[self.column_of[node]]


def _sub_columns(nodes: Sequence[str], parents: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Split one layer into sub-columns by longest path along edges inside the layer."""
    inside = set(nodes)
    depth: dict[str, int] = {}

    def walk(n: str) -> int:
        if n not in depth:
            depth[n] = 1 + max((walk(p) for p in parents[n] if p in inside), default=-1)
        return depth[n]

    for n in nodes:
        walk(n)
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for n in nodes:
        out[depth[n]].append(n)
    return out


def _pava_decreasing(target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted least-squares fit of a non-increasing sequence (pool adjacent violators)."""
    values: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for t, w in zip(target, weight, strict=True):
        values.append(float(t))
        weights.append(float(w))
        sizes.append(1)
        while len(values) > 1 and values[-2] < values[-1]:
            w2 = weights[-2] + weights[-1]
            v2 = (values[-2] * weights[-2] + values[-1] * weights[-1]) / w2
            s2 = sizes[-2] + sizes[-1]
            del values[-2:], weights[-2:], sizes[-2:]
            values.append(v2)
            weights.append(w2)
            sizes.append(s2)
    return np.repeat(values, sizes)


def _crossings(edges: Sequence[tuple[str, str]], pos: Mapping[str, tuple[float, float]]) -> int:
    """Pairs of straight edges that cross (a proxy for the drawn edges)."""
    seg = np.array([[*pos[u], *pos[v]] for u, v in edges])
    x1, y1, x2, y2 = seg.T
    count = 0
    for i in range(len(seg)):
        lo, hi = x1[i], x2[i]
        a, b = slice(i + 1, None), i
        overlap = (np.minimum(x2[a], hi) - np.maximum(x1[a], lo)) > 1e-9
        if not overlap.any():
            continue
        left = np.maximum(x1[a], x1[b])
        right = np.minimum(x2[a], x2[b])

        def at(x: np.ndarray, k: Any) -> np.ndarray:
            return np.asarray(y1[k] + (y2[k] - y1[k]) * (x - x1[k]) / (x2[k] - x1[k]))

        d_left = at(left, a) - at(left, b)
        d_right = at(right, a) - at(right, b)
        count += int(np.sum(overlap & (d_left * d_right < -1e-12)))
    return count


class _Grid:
    """Columns of blocks (one block of nodes per group) and the geometry of a layout."""

    def __init__(
        self,
        columns: list[list[list[str]]],
        parents: Mapping[str, list[str]],
        children: Mapping[str, list[str]],
        box_h: float,
        spacing: Spacing,
    ) -> None:
        self.columns = columns
        self.parents = parents
        self.children = children
        self.box_h = box_h
        self.spacing = spacing
        self.pitch = box_h + spacing.row_gap
        self.column_of = {n: c for c, col in enumerate(columns) for b in col for n in b}
        self.height = max(self.packed(col) for col in columns)
        w, gap = spacing.max_box_w, spacing.good_gap
        self.widths = [w] * len(columns)
        self.x_of = [spacing.margin + c * (w + gap) + w / 2 for c in range(len(columns))]

    def fit_width(self, label_width: LabelWidth, total: float) -> None:
        """Size each column for its labels and spread the columns over ``total``.

        Columns start as wide as their longest one-line label (at most
        ``max_box_w``); while the gaps left for the arrows are narrower than
        ``good_gap``, the widest column gives up width, down to what its labels
        need on two lines.
        """
        sp = self.spacing
        nodes = [[n for b in col for n in b] for col in self.columns]
        widths = [min(sp.max_box_w, max(label_width(n)[0] for n in col)) for col in nodes]
        floors = [max(label_width(n)[1] for n in col) for col in nodes]
        room = total - 2 * sp.margin - sp.good_gap * (len(nodes) - 1)
        while sum(widths) > room:
            movable = [i for i, w in enumerate(widths) if w > floors[i] + 1e-9]
            if not movable:
                break
            i = max(movable, key=lambda k: (widths[k], -k))
            widths[i] = max(floors[i], widths[i] - 0.01)
        self.widths = widths
        gaps = len(self.columns) - 1
        gap = max(sp.min_gap, (total - 2 * sp.margin - sum(self.widths)) / max(gaps, 1))
        x, self.x_of = sp.margin, []
        for w in self.widths:
            self.x_of.append(x + w / 2)
            x += w + gap
        self.gap = gap

    def packed(self, col: list[list[str]]) -> float:
        count = sum(len(b) for b in col)
        sp = self.spacing
        return count * self.pitch - sp.row_gap + (len(col) - 1) * sp.group_gap

    def offsets(self, col: list[list[str]]) -> list[float]:
        out, y = [], 0.0
        for b, block in enumerate(col):
            for _ in block:
                out.append(y)
                y += self.pitch
            if b < len(col) - 1:
                y += self.spacing.group_gap
        return out

    def packed_positions(self) -> dict[str, tuple[float, float]]:
        pos = {}
        for c, col in enumerate(self.columns):
            top = self.height / 2 + self.packed(col) / 2 - self.box_h / 2
            flat = [n for block in col for n in block]
            for n, off in zip(flat, self.offsets(col), strict=True):
                pos[n] = (self.x_of[c], top - off)
        return pos

    def neighbours_y(
        self, n: str, pos: Mapping[str, tuple[float, float]], pool: Sequence[str]
    ) -> list[float]:
        return [pos[m][1] for m in pool if self.column_of[m] != self.column_of[n]]


def _grid(
    network: Network, nodes: Sequence[str], box_h: float, spacing: Spacing
) -> tuple[_Grid, list[Any]]:
    """Columns by role (sub-columns where a layer has edges inside it), spec order."""
    keep = set(nodes)
    parents = {n: [p for p in network.spec.nodes[n].parents if p in keep] for n in nodes}
    children: dict[str, list[str]] = {n: [] for n in nodes}
    for n in nodes:
        for p in parents[n]:
            children[p].append(n)
    columns: list[list[list[str]]] = []
    headers: list[tuple[str, list[int]]] = []
    for title, groups in LAYERS:
        layer = [n for g in groups for n in nodes if network.group_of(n) == g]
        if not layer:
            continue
        first = len(columns)
        for sub in _sub_columns(layer, parents):
            blocks = [[n for n in sub if network.group_of(n) == g] for g in groups]
            columns.append([b for b in blocks if b])
        headers.append((title, list(range(first, len(columns)))))
    return _Grid(columns, parents, children, box_h, spacing), headers


def _order(grid: _Grid) -> list[list[list[str]]]:
    """Barycentric sweeps; the ordering with the fewest crossings wins (deterministic)."""
    columns = grid.columns
    edges = [
        (p, n)
        for n in grid.parents
        for p in grid.parents[n]
        if grid.column_of[p] != grid.column_of[n]
    ]
    best = [[list(b) for b in col] for col in columns]
    best_cross = _crossings(edges, grid.packed_positions())
    for sweep in range(12):
        down = sweep % 2 == 0
        pos = grid.packed_positions()
        for c in range(len(columns)) if down else range(len(columns) - 1, -1, -1):
            for block in columns[c]:

                def key(
                    n: str, down: bool = down, pos: Mapping[str, tuple[float, float]] = pos
                ) -> tuple[float, float]:
                    ys = grid.neighbours_y(n, pos, grid.parents[n] if down else grid.children[n])
                    return (-(sum(ys) / len(ys)) if ys else -pos[n][1], -pos[n][1])

                block.sort(key=key)
            pos = grid.packed_positions()
        cross = _crossings(edges, pos)
        if cross < best_cross:
            best_cross, best = cross, [[list(b) for b in col] for col in columns]
    return best


def _place(grid: _Grid) -> dict[str, tuple[float, float]]:
    """Pull each node towards its neighbours' heights, keeping order and gaps."""
    pos = grid.packed_positions()
    lo, hi = grid.box_h / 2, grid.height - grid.box_h / 2
    n_cols = len(grid.columns)
    for sweep in range(6):
        for c in range(n_cols) if sweep % 2 == 0 else range(n_cols - 1, -1, -1):
            flat = [n for block in grid.columns[c] for n in block]
            off = np.array(grid.offsets(grid.columns[c]))
            want, weight = [], []
            for n in flat:
                ys = grid.neighbours_y(n, pos, grid.parents[n] + grid.children[n])
                want.append(sum(ys) / len(ys) if ys else pos[n][1])
                weight.append(len(ys) + 0.1)
            # z = y + offset is non-increasing exactly when order and gaps are kept, and
            # clipping z to constant bounds keeps the least-squares fit optimal.
            z = _pava_decreasing(np.array(want) + off, np.array(weight))
            y = np.clip(z, lo + off[-1], hi) - off
            for n, yy in zip(flat, y, strict=True):
                pos[n] = (grid.x_of[c], float(yy))
    return pos


#: Column orders already found, by network numbers and nodes (bounded: a what-if
#: sweep that draws at every step makes a new key each time).
_ORDERS: LruCache[tuple[str, tuple[str, ...]], list[list[list[str]]]] = LruCache(16)


def layered_layout(
    network: Network,
    nodes: Sequence[str] | None = None,
    *,
    box_h: float = 0.38,
    label_width: LabelWidth | None = None,
    total_width: float | None = None,
    spacing: Spacing | None = None,
) -> Layout:
    """Compute the layered layout: columns by role, barycentric order, fitted heights.

    The order within columns does not depend on ``box_h`` or on the column widths,
    so every drawing of the same network puts every node in the same place.

    Parameters
    ----------
    network : Network
        The network whose nodes are placed.
    nodes : sequence of str, optional
        The nodes to place (default: every node, in knowledge-base order).
    box_h : float, default 0.38
        Box height in inches.
    label_width : callable, optional
        ``label_width(node) -> (one-line width, two-line width)`` of the node's box;
        with ``total_width``, columns are sized for their labels and spread over
        that width. Without it every box is ``spacing.max_box_w`` wide.
    total_width : float, optional
        Width to spread the columns over (inches).
    spacing : Spacing, optional
        Gaps and limits (default :class:`Spacing`).

    Returns
    -------
    Layout
        Every node at a distinct centre.
    """
    spacing = spacing or Spacing()
    nodes = list(network.spec.nodes) if nodes is None else list(nodes)
    key = (network.fingerprint(), tuple(nodes))
    order = _ORDERS.get(key, lambda: _order(_grid(network, nodes, 0.38, spacing)[0]))
    grid, headers = _grid(network, nodes, box_h, spacing)
    grid.columns = [[list(b) for b in col] for col in order]
    if label_width is not None and total_width is not None:
        grid.fit_width(label_width, total_width)
    pos = _place(grid)
    header_pos = tuple(
        (title, float(np.mean([grid.x_of[c] for c in cols]))) for title, cols in headers
    )
    return Layout(
        pos=pos,
        columns=header_pos,
        column_of=grid.column_of,
        column_x=tuple(grid.x_of),
        column_w=tuple(grid.widths),
        box_h=box_h,
        width=grid.x_of[-1] + grid.widths[-1] / 2 + spacing.margin,
        height=grid.height,
    )
