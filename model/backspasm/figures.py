"""Publication-quality figures of the network and of a diagnosis.

Compute once, draw many times: every ``plot_*`` function takes a result (a
:class:`~backspasm.diagnosis.Diagnosis`, a sensitivity table, a scored case file),
never the network plus answers to recompute. Each takes ``ax=None`` (a new figure is
made) and returns the :class:`~matplotlib.axes.Axes` it drew on, or the
:class:`~matplotlib.figure.Figure` for multi-panel figures. Nothing here calls
``plt.show()`` or changes global ``rcParams``.

Colours follow the Okabe-Ito palette, which stays distinguishable under the common
forms of colour blindness, with one colour per node group (:data:`GROUP_COLOURS`)
used the same way in every figure. Drawn artists carry a ``gid`` such as
``"node:fever"``, ``"posterior:kidney_stones"`` or ``"impact:fever"`` so that tests
and users can find them.

matplotlib is imported inside the functions, so that ``import backspasm`` stays light.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from backspasm.exceptions import BackspasmError
from backspasm.spec import GROUPS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from backspasm.diagnosis import Diagnosis
    from backspasm.network import Network

__all__ = [
    "DEFAULT_CASE",
    "GROUP_COLOURS",
    "GROUP_NAMES",
    "SCENARIOS",
    "TRIAGE_COLOURS",
    "TRIAGE_NAMES",
    "plot_case_mix",
    "plot_causes",
    "plot_evidence_impact",
    "plot_network",
    "plot_network_beliefs",
    "plot_next_questions",
    "plot_scenarios",
    "plot_sensitivity",
    "write_teaching_figures",
]

# ----------------------------------------------------------------------- palette

#: Okabe-Ito colours, one per node group, used by every figure.
GROUP_COLOURS: Mapping[str, str] = {
    "context": "#999999",
    "exposure": "#F0E442",
    "cause_fitness": "#009E73",
    "cause_pathologic": "#0072B2",
    "cause_serious": "#D55E00",
    "mechanism": "#CC79A7",
    "presentation": "#000000",
    "finding": "#56B4E9",
    "complication": "#E69F00",
}
#: Legend names of the node groups.
GROUP_NAMES: Mapping[str, str] = {
    "context": "Context",
    "exposure": "Exposure",
    "cause_fitness": "Cause: fitness deficiency",
    "cause_pathologic": "Cause: pathologic",
    "cause_serious": "Cause: serious (emergency)",
    "mechanism": "Mechanism (latent)",
    "presentation": "Presentation",
    "finding": "Finding (a question)",
    "complication": "Complication if untreated",
}
#: Triage colours: vermillion, orange and bluish green from the same palette.
TRIAGE_COLOURS: Mapping[str, str] = {
    "emergency": "#D55E00",
    "see_doctor": "#E69F00",
    "self_care": "#009E73",
}
#: Words for the triage levels.
TRIAGE_NAMES: Mapping[str, str] = {
    "emergency": "emergency",
    "see_doctor": "see a doctor",
    "self_care": "self-care",
}
_RAISED, _LOWERED = "#0072B2", "#D55E00"  # blue / vermillion: the colour-blind-safe pair
_PRIOR = "#BBBBBB"
_EDGE = "#6E6E6E"
_TEXT = "#222222"
_CAUSE_GROUPS = ("cause_serious", "cause_pathologic", "cause_fitness")  # top to bottom
# Bars of these light colours need a darker shade to stand out on white.
_BAR_SHADE = {"exposure": "#C2B40A", "context": "#7A7A7A", "finding": "#3A9AD9"}

#: The example case of the teaching set: an epidural-abscess style presentation.
DEFAULT_CASE: Mapping[str, Any] = {
    "age": 52,
    "sex": "male",
    "spasm_duration_weeks": 1,
    "spasm_location": "mid_back",
    "fever": "yes",
    "iv_drug_use_or_immunosuppression": "yes",
    "muscle_weakness": "yes",
    "night_pain": "yes",
}
#: Four contrasting presentations for :func:`plot_scenarios`.
SCENARIOS: Mapping[str, Mapping[str, Any]] = {
    "Lifting strain": {
        "age": 34,
        "sex": "male",
        "spasm_duration_weeks": 0,
        "spasm_location": "lower_back",
        "recent_exertion": "yes",
        "fever": "no",
        "tingling_or_numbness": "no",
    },
    "Kidney stone": {
        "age": 38,
        "sex": "male",
        "spasm_location": "flank",
        "blood_in_urine": "yes",
        "nausea_or_vomiting": "yes",
        "fever": "no",
    },
    "Cauda equina": {
        "age": 55,
        "saddle_numbness": "yes",
        "bowel_or_bladder_loss": "yes",
        "leg_or_buttock_pain": "yes",
        "muscle_weakness": "yes",
    },
    "Epidural abscess": dict(DEFAULT_CASE),
}


def _mix(colour: str, white: float) -> tuple[float, float, float]:
    """Blend a colour with white (``white`` = share of white)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r + (1 - r) * white, g + (1 - g) * white, b + (1 - b) * white)


def _colour(group: str) -> str:
    return GROUP_COLOURS.get(group, "#777777")


def _bar_colour(group: str) -> str:
    return _BAR_SHADE.get(group, _colour(group))


def _wrap(text: str, width: int) -> str:
    """Greedy wrap at spaces and after slashes, never inside a word."""
    pieces: list[tuple[str, str]] = []  # (piece, separator before it)
    for i, word in enumerate(text.split()):
        parts = word.split("/")
        for j, part in enumerate(parts):
            piece = part + ("/" if j < len(parts) - 1 else "")
            if piece:
                pieces.append((piece, " " if j == 0 and i > 0 else ""))
    lines: list[str] = []
    for piece, sep in pieces:
        if lines and len(lines[-1]) + len(sep) + len(piece) <= width:
            lines[-1] += sep + piece
        else:
            lines.append(piece)
    return "\n".join(lines) or text


def _percent(p: float) -> str:
    if p < 0.001:
        return "<0.1%"
    if p < 0.1:
        return f"{p:.1%}"
    return f"{p:.0%}"


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _network_of(diagnosis: Any, network: Network | None) -> Network:
    if network is not None:
        return network
    net = getattr(diagnosis, "network", None)
    if net is None:
        from backspasm.network import default_network

        return default_network()
    return net  # type: ignore[no-any-return]


def _triage_text(diagnosis: Any) -> str:
    triage = getattr(diagnosis, "triage", None)
    text = f"P(a serious cause) = {_percent(float(diagnosis.p_serious))}"
    if triage:
        text = f"triage: {TRIAGE_NAMES.get(str(triage), str(triage))}  ·  " + text
    return text


# ------------------------------------------------------------------------ layout

_LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Context", ("context",)),
    ("Exposures", ("exposure",)),
    ("Causes", ("cause_fitness", "cause_pathologic", "cause_serious")),
    ("Mechanisms", ("mechanism",)),
    ("Presentation", ("presentation",)),
    ("Findings\n(the questions)", ("finding",)),
    ("Complications\n(if untreated)", ("complication",)),
)
_BOX_W = 1.5  # inches, at natural size
_COL_GAP = 0.8
_ROW_GAP = 0.14
_GROUP_GAP = 0.3
_WRAP = 18


@dataclass(frozen=True)
class _Layout:
    """Node centres and box sizes in inches; columns as (header, x, sub-columns)."""

    pos: Mapping[str, tuple[float, float]]
    columns: tuple[tuple[str, float], ...]
    column_of: Mapping[str, int]
    column_x: tuple[float, ...]
    box_w: float
    box_h: float
    width: float
    height: float


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
    ) -> None:
        self.columns = columns
        self.parents = parents
        self.children = children
        self.box_h = box_h
        self.pitch = box_h + _ROW_GAP
        self.column_of = {n: c for c, col in enumerate(columns) for b in col for n in b}
        self.height = max(self.packed(col) for col in columns)
        self.x_of = [c * (_BOX_W + _COL_GAP) + _BOX_W / 2 for c in range(len(columns))]

    def packed(self, col: list[list[str]]) -> float:
        count = sum(len(b) for b in col)
        return count * self.pitch - _ROW_GAP + (len(col) - 1) * _GROUP_GAP

    def offsets(self, col: list[list[str]]) -> list[float]:
        out, y = [], 0.0
        for b, block in enumerate(col):
            for _ in block:
                out.append(y)
                y += self.pitch
            if b < len(col) - 1:
                y += _GROUP_GAP
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


def _grid(network: Network, nodes: Sequence[str], box_h: float) -> tuple[_Grid, list[Any]]:
    """Columns by role (sub-columns where a layer has edges inside it), spec order."""
    keep = set(nodes)
    parents = {n: [p for p in network.spec.nodes[n].parents if p in keep] for n in nodes}
    children: dict[str, list[str]] = {n: [] for n in nodes}
    for n in nodes:
        for p in parents[n]:
            children[p].append(n)
    columns: list[list[list[str]]] = []
    headers: list[tuple[str, list[int]]] = []
    for title, groups in _LAYERS:
        layer = [n for g in groups for n in nodes if network.group_of(n) == g]
        if not layer:
            continue
        first = len(columns)
        for sub in _sub_columns(layer, parents):
            blocks = [[n for n in sub if network.group_of(n) == g] for g in groups]
            columns.append([b for b in blocks if b])
        headers.append((title, list(range(first, len(columns)))))
    return _Grid(columns, parents, children, box_h), headers


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


_ORDERS: dict[tuple[str, tuple[str, ...]], list[list[list[str]]]] = {}


def _layout(network: Network, nodes: Sequence[str], box_h: float) -> _Layout:
    """Layered layout: columns by role, barycentric order, least-squares heights.

    The order within columns does not depend on ``box_h``, so the plain and the
    belief drawings of a network put every node in the same place.
    """
    key = (network.fingerprint(), tuple(nodes))
    if key not in _ORDERS:
        grid, _ = _grid(network, nodes, 0.38)
        _ORDERS[key] = _order(grid)
    grid, headers = _grid(network, nodes, box_h)
    grid.columns = [[list(b) for b in col] for col in _ORDERS[key]]
    pos = _place(grid)
    header_pos = tuple(
        (title, float(np.mean([grid.x_of[c] for c in cols]))) for title, cols in headers
    )
    return _Layout(
        pos=pos,
        columns=header_pos,
        column_of=grid.column_of,
        column_x=tuple(grid.x_of),
        box_w=_BOX_W,
        box_h=box_h,
        width=grid.x_of[-1] + _BOX_W / 2,
        height=grid.height,
    )


def _bezier(points: Sequence[tuple[float, float]]) -> Any:
    """Smooth path through points with horizontal tangents at each of them."""
    from matplotlib.path import Path as MplPath

    verts = [points[0]]
    codes = [MplPath.MOVETO]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if abs(y1 - y0) < 1e-9:
            verts.append((x1, y1))
            codes.append(MplPath.LINETO)
            continue
        dx = (x1 - x0) * 0.5
        verts += [(x0 + dx, y0), (x1 - dx, y1), (x1, y1)]
        codes += [MplPath.CURVE4] * 3
    return MplPath(verts, codes)


def _free_y(layout: _Layout, column: int, y: float) -> float:
    """Return the height nearest ``y`` where an edge can cross a column between boxes."""
    margin = 0.03
    blocked = sorted(
        (yy - layout.box_h / 2 - margin, yy + layout.box_h / 2 + margin)
        for n, (_, yy) in layout.pos.items()
        if layout.column_of[n] == column
    )
    if not any(lo < y < hi for lo, hi in blocked):
        return y
    free = [(-math.inf, blocked[0][0])]
    free += [(a[1], b[0]) for a, b in itertools.pairwise(blocked) if b[0] > a[1]]
    free.append((blocked[-1][1], math.inf))
    best, best_d = y, math.inf
    for lo, hi in free:
        # a narrow gap between two boxes is crossed in its middle
        spot = (lo + hi) / 2 if hi - lo < 0.5 else min(max(y, lo + 0.08), hi - 0.08)
        if abs(spot - y) < best_d:
            best, best_d = spot, abs(spot - y)
    return best


def _edge_path(layout: _Layout, u: str, v: str) -> Any:
    """Route an edge right-to-left between columns, through gaps of columns it passes."""
    (xu, yu), (xv, yv) = layout.pos[u], layout.pos[v]
    half = layout.box_w / 2
    cu, cv = layout.column_of[u], layout.column_of[v]
    points = [(xu + half, yu)]
    if cu == cv:  # same column: loop out to the right
        x = xu + half + _COL_GAP * 0.45
        return _bezier([(xu + half, yu), (x, (yu + yv) / 2), (xv + half, yv)])
    for c in range(cu + 1, cv):
        xc = layout.column_x[c]
        t = (xc - xu) / (xv - xu)
        y_free = _free_y(layout, c, yu + (yv - yu) * t)
        points += [(xc - half - 0.05, y_free), (xc + half + 0.05, y_free)]
    points.append((xv - half, yv))
    return _bezier(points)


def _draw_graph(
    network: Network,
    layout: _Layout,
    ax: Axes,
    *,
    label_offset: float,
    fontsize: float,
) -> dict[str, Any]:
    """Draw the edges, the node boxes and their labels; return the box patches."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    for n in layout.pos:
        for p in network.spec.nodes[n].parents:
            if p not in layout.pos:
                continue
            arrow = FancyArrowPatch(
                path=_edge_path(layout, p, n),
                arrowstyle="-|>,head_length=4,head_width=2.2",
                color=_EDGE,
                lw=0.7,
                alpha=0.55,
                zorder=1,
            )
            arrow.set_gid(f"edge:{p}->{n}")
            ax.add_patch(arrow)
    boxes = {}
    w, h = layout.box_w, layout.box_h
    for n, (x, y) in layout.pos.items():
        group = network.group_of(n)
        dark = group == "presentation"
        box = FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.07",
            facecolor=_colour(group) if dark else _mix(_colour(group), 0.72),
            edgecolor=_colour(group) if group != "exposure" else _BAR_SHADE["exposure"],
            lw=1.0,
            zorder=3,
        )
        box.set_gid(f"node:{n}")
        box.set_label(network.label(n))
        ax.add_patch(box)
        boxes[n] = box
        ax.text(
            x,
            y + label_offset,
            _wrap(network.label(n), _WRAP),
            ha="center",
            va="center",
            fontsize=fontsize,
            color="white" if dark else _TEXT,
            zorder=5,
            linespacing=1.05,
            gid=f"label:{n}",
        )
    return boxes


def _group_legend(
    ax: Axes, groups: Sequence[str], extra: Sequence[Any] = (), *, ncol: int = 5
) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=_colour(g) if g == "presentation" else _mix(_colour(g), 0.72),
            edgecolor=_colour(g) if g != "exposure" else _BAR_SHADE["exposure"],
            label=GROUP_NAMES.get(g, g),
        )
        for g in groups
    ]
    ax.legend(
        handles=[*handles, *extra],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=ncol,
        frameon=False,
        fontsize=10,
        handlelength=1.6,
        columnspacing=1.6,
    )


def _frame_graph(ax: Axes, layout: _Layout, scale_headers: float = 1.0) -> None:
    for title, x in layout.columns:
        ax.text(
            x,
            layout.height + 0.2,
            title,
            ha="center",
            va="bottom",
            fontsize=11.5 * scale_headers,
            fontweight="bold",
            color=_TEXT,
            gid=f"header:{title}",
        )
    ax.set_xlim(-0.15, layout.width + 0.15)
    ax.set_ylim(-0.1, layout.height + 0.75)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _nodes_for(network: Network, groups: Sequence[str] | None) -> list[str]:
    if groups is None:
        return list(network.spec.nodes)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise BackspasmError(
            f"The 'groups' parameter of plot_network must name groups among "
            f"{', '.join(GROUPS)}; got {unknown[0]!r} instead."
        )
    return [n for n in network.spec.nodes if network.group_of(n) in groups]


def _present_groups(network: Network, nodes: Sequence[str]) -> list[str]:
    have = {network.group_of(n) for n in nodes}
    return [g for g in GROUPS if g in have]


# ---------------------------------------------------------------------- figures


def plot_network(
    network: Network | None = None,
    *,
    ax: Axes | None = None,
    groups: Sequence[str] | None = None,
    show_legend: bool = True,
) -> Axes:
    """Draw the whole network in columns by role, cause on the left, effect on the right.

    Columns: context, exposures, causes (serious, pathologic and fitness blocks),
    mechanisms, back spasm, findings (the questions) and complications. Nodes are
    ordered within a column to reduce edge crossings (barycentric sweeps) and pulled
    towards their neighbours; the drawing is deterministic. Edges that skip columns
    are routed through the gaps between boxes.

    Parameters
    ----------
    network : Network, optional
        Defaults to the bundled network.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure sized for the network by default.
    groups : sequence of str, optional
        Draw only the nodes of these groups (see :data:`backspasm.spec.GROUPS`).
    show_legend : bool, default True
        Legend of the node groups under the drawing.

    Returns
    -------
    matplotlib.axes.Axes
        Node boxes have ``gid="node:<name>"``, edges ``gid="edge:<parent>-><child>"``.
    """
    from backspasm.network import default_network

    net = network if network is not None else default_network()
    nodes = _nodes_for(net, groups)
    layout = _layout(net, nodes, box_h=0.38)
    ax = _new_axes(ax, (layout.width + 0.4, layout.height + 1.9))
    _draw_graph(net, layout, ax, label_offset=0.0, fontsize=9)
    _frame_graph(ax, layout)
    n_edges = sum(1 for n in nodes for p in net.spec.nodes[n].parents if p in layout.pos)
    ax.set_title(
        f"{'Part of the' if groups is not None else 'The'} back-spasm network: "
        f"{len(nodes)} nodes, {n_edges} arrows "
        "(each arrow points from a cause to its effect)",
        fontsize=14,
        loc="left",
    )
    if show_legend:
        _group_legend(ax, _present_groups(net, nodes))
    return ax


def _short_state(state: str) -> str:
    return state.split("_")[0]


def plot_network_beliefs(
    diagnosis: Diagnosis, *, ax: Axes | None = None, network: Network | None = None
) -> Axes:
    """Draw the network with every node's posterior as a small bar inside its box.

    Binary nodes show P(yes) as a bar and a percentage; multi-state nodes show their
    distribution as a stacked bar (darker = later state) and the most probable state.
    Observed nodes (the answers) get a thick black outline and their observed value
    written on a full bar; an unsure (soft) answer gets a dashed outline.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``beliefs``, ``evidence``, ``triage`` and ``p_serious``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    network : Network, optional
        Defaults to the diagnosis's network.

    Returns
    -------
    matplotlib.axes.Axes
        Belief bars have ``gid="belief:<node>"`` (binary: width = P(yes) times the
        track width) or ``"belief:<node>:<state>"``; tracks ``"track:<node>"``;
        evidence outlines ``"evidence:<node>"``.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyBboxPatch, Rectangle

    net = _network_of(diagnosis, network)
    layout = _layout(net, list(net.spec.nodes), box_h=0.52)
    ax = _new_axes(ax, (layout.width + 0.4, layout.height + 2.1))
    _draw_graph(net, layout, ax, label_offset=0.085, fontsize=8.5)
    w, h = layout.box_w, layout.box_h
    evidence = getattr(diagnosis, "evidence", {})
    for n, (x, y) in layout.pos.items():
        group = net.group_of(n)
        states = net.states(n)
        dist = diagnosis.beliefs[n]
        left = x - w / 2 + 0.09
        bar_y = y - h / 2 + 0.06
        bar_h = 0.1
        observed = evidence.get(n)
        hard = isinstance(observed, str)
        track_w = (w - 0.18) if hard else (w - 0.18) * 0.58
        # An answered node shows its answer on a dark band, whatever the answer (a
        # white-on-white "= no" would vanish).
        track = Rectangle(
            (left, bar_y),
            track_w,
            bar_h,
            facecolor="#555555" if hard else "white",
            edgecolor="#9A9A9A",
            lw=0.5,
            zorder=6,
        )
        track.set_gid(f"track:{n}")
        ax.add_patch(track)
        fill = "#222222" if hard else _bar_colour(group)
        if group == "presentation" and not hard:
            fill = "#666666"
        if len(states) == 2 and tuple(states) == ("no", "yes"):
            bar = Rectangle(
                (left, bar_y),
                track_w * float(dist["yes"]),
                bar_h,
                facecolor=fill,
                lw=0,
                zorder=7,
            )
            bar.set_gid(f"belief:{n}")
            bar.set_label(f"P({n}=yes)")
            ax.add_patch(bar)
        else:
            start = left
            for k, s in enumerate(states):
                shade = 0.75 - 0.6 * k / max(len(states) - 1, 1)
                seg = Rectangle(
                    (start, bar_y),
                    track_w * float(dist[s]),
                    bar_h,
                    facecolor="#222222" if hard else _mix(_bar_colour(group), shade),
                    edgecolor="white",
                    lw=0.3,
                    zorder=7,
                )
                seg.set_gid(f"belief:{n}:{s}")
                ax.add_patch(seg)
                start += track_w * float(dist[s])
        if hard:
            ax.text(
                left + track_w / 2,
                bar_y + bar_h / 2 - 0.004,
                f"= {str(observed).replace('_', ' ')}",
                ha="center",
                va="center",
                fontsize=6.5,
                color="white",
                fontweight="bold",
                zorder=8,
                gid=f"observed:{n}",
            )
        else:
            if len(states) == 2 and tuple(states) == ("no", "yes"):
                value = _percent(float(dist["yes"]))
            else:
                top = max(states, key=lambda s: float(dist[s]))
                value = f"{_short_state(top)} {float(dist[top]):.0%}"
            ax.text(
                left + track_w + 0.05,
                bar_y + bar_h / 2,
                value,
                ha="left",
                va="center",
                fontsize=7 if len(value) <= 6 else 6.2,
                color="white" if group == "presentation" else _TEXT,
                fontweight="bold",
                zorder=8,
                gid=f"value:{n}",
            )
        if observed is not None:
            ring = FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.035,rounding_size=0.09",
                facecolor="none",
                edgecolor="black",
                lw=2.4,
                linestyle="-" if hard else (0, (2.5, 1.5)),
                zorder=9,
            )
            ring.set_gid(f"evidence:{n}")
            ring.set_label(f"observed {n}")
            ax.add_patch(ring)
    _frame_graph(ax, layout)
    n_answers = sum(1 for k in evidence if k != "back_spasm")
    flags = tuple(getattr(diagnosis, "red_flags", ()) or ())
    ax.set_title(
        f"What the network believes after {n_answers} answer{'s' * (n_answers != 1)}"
        f" — {_triage_text(diagnosis)}"
        + (f"\nred flags: {'; '.join(f.replace('_', ' ') for f in flags)}" if flags else ""),
        fontsize=14,
        loc="left",
    )
    extra: list[Any] = [Line2D([], [], color="black", lw=2.4, label="observed (an answer)")]
    if any(not isinstance(v, str) for v in evidence.values()):
        extra.append(
            Line2D([], [], color="black", lw=2.4, ls=(0, (2.5, 1.5)), label="unsure answer")
        )
    _group_legend(ax, _present_groups(net, list(layout.pos)), extra, ncol=6)
    return ax


def plot_causes(diagnosis: Diagnosis, *, ax: Axes | None = None, top: int | None = None) -> Axes:
    """Prior and posterior probability of every cause, grouped by kind of cause.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``causes`` (``cause``, ``label``, ``group``, ``prior``,
        ``posterior``), ``p_serious`` and ``triage``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    top : int, optional
        Only the ``top`` causes with the highest posterior (still grouped).

    Returns
    -------
    matplotlib.axes.Axes
        Posterior bars have ``gid="posterior:<cause>"`` and width equal to the
        posterior; prior bars ``gid="prior:<cause>"``.
    """
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    table = diagnosis.causes.copy()
    if top is not None:
        if top < 1:
            raise BackspasmError(f"The 'top' parameter of plot_causes must be >= 1; got {top}.")
        table = table.nlargest(top, "posterior", keep="first")
    table["group"] = [g if g.startswith("cause_") else f"cause_{g}" for g in table["group"]]
    ax = _new_axes(ax, (9.0, 0.36 * len(table) + 2.4))
    y = 0.0
    ticks, labels, colours = [], [], []
    block_spans = []
    for group in _CAUSE_GROUPS:
        block = table[table["group"] == group].sort_values(
            "posterior", ascending=False, kind="stable"
        )
        if block.empty:
            continue
        start = y
        for r in _rows(block):
            prior = ax.barh(y - 0.19, r.prior, height=0.36, color=_PRIOR, zorder=2)[0]
            prior.set_gid(f"prior:{r.cause}")
            post = ax.barh(y + 0.19, r.posterior, height=0.36, color=_colour(group), zorder=3)[0]
            post.set_gid(f"posterior:{r.cause}")
            post.set_label(str(r.label))
            ax.text(
                r.posterior + 0.008,
                y + 0.19,
                _percent(float(r.posterior)),
                va="center",
                ha="left",
                fontsize=8.5,
                fontweight="bold",
                color=_TEXT,
            )
            ax.text(
                r.prior + 0.008,
                y - 0.19,
                _percent(float(r.prior)),
                va="center",
                ha="left",
                fontsize=7.5,
                color="#666666",
            )
            ticks.append(y)
            labels.append(("⚠ " if group == "cause_serious" else "") + str(r.label))
            colours.append(_colour(group) if group == "cause_serious" else _TEXT)
            y -= 1.0
        block_spans.append((group, start, y + 1.0))
        y -= 0.6
    ax.set_yticks(ticks, labels)
    for tick, colour in zip(ax.get_yticklabels(), colours, strict=True):
        tick.set_color(colour)
        if colour != _TEXT:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, labelsize=10)
    for group, start, stop in block_spans:
        ax.text(
            1.0,
            (start + stop) / 2,
            GROUP_NAMES[group].removeprefix("Cause: "),
            transform=ax.get_yaxis_transform(),
            rotation=-90,
            ha="left",
            va="center",
            fontsize=9,
            color=_colour(group),
            fontweight="bold",
            clip_on=False,
        )
        ax.axhspan(stop - 0.5, start + 0.5, color=_mix(_colour(group), 0.93), zorder=0, lw=0)
    ax.set_ylim(y + 0.6 - 0.1, 0.6)
    ax.set_xlim(0, 1.09)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("probability of the cause", fontsize=10)
    ax.set_ylabel("")
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.set_title(
        f"Causes before and after the answers\n{_triage_text(diagnosis)}",
        fontsize=12.5,
        loc="left",
    )
    present = [g for g, _, _ in block_spans]
    handles = [Patch(color=_PRIOR, label="before any answer (prior)")] + [
        Patch(color=_colour(g), label=f"after the answers: {GROUP_NAMES[g][7:].split(' (')[0]}")
        for g in present
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.07),
        ncol=2,
        fontsize=9,
        frameon=False,
    )
    return ax


def _rows(table: pd.DataFrame) -> list[Any]:
    """Rows as namespaces (attribute access, like ``itertuples``, but typed ``Any``)."""
    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in table.to_dict("records")]


def _exp(x: Any) -> Any:
    return np.exp(np.clip(x, -700.0, 700.0))


def _log(x: Any) -> Any:
    return np.log(np.clip(x, 1e-300, None))


def _answer_text(question: str, answer: object) -> str:
    return f"{question.replace('_', ' ')} = {str(answer).replace('_', ' ')}"


def _empty_note(ax: Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=11,
        color="#666666",
    )


def plot_evidence_impact(diagnosis: Diagnosis, cause: str, *, ax: Axes | None = None) -> Axes:
    """Tornado of each answer's effect on one cause.

    The effect of an answer is the change in the log-odds of the cause between the
    posterior with all answers and the posterior with that answer withheld
    (``diagnosis.reasons(cause)``): positive bars raised the cause, negative bars
    lowered it. The top axis reads the same bars as odds ratios.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``reasons(cause)`` and ``causes``.
    cause : str
        The cause to explain.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        Bars have ``gid="impact:<question>"`` and width equal to ``log_odds_change``.
    """
    from matplotlib.patches import Patch

    reasons = diagnosis.reasons(cause)
    matches = _rows(diagnosis.causes[diagnosis.causes["cause"] == cause])
    if not matches:
        diagnosis.network.label(cause)  # raises with a suggestion for a mistyped node
        raise BackspasmError(f"'{cause}' is not a cause of this diagnosis.")
    row = matches[0]
    label = str(row.label)
    table = reasons.sort_values("log_odds_change", ascending=True, kind="stable")
    ax = _new_axes(ax, (8.5, 0.42 * max(len(table), 3) + 2.3))
    ys = np.arange(len(table), dtype=float)
    values = table["log_odds_change"].to_numpy(dtype=float)
    span = max(float(np.abs(values).max()) if len(values) else 1.0, 0.5)
    for yy, r in zip(ys, _rows(table), strict=True):
        change = float(r.log_odds_change)
        bar = ax.barh(
            yy, change, height=0.62, color=_RAISED if change >= 0 else _LOWERED, zorder=3
        )[0]
        bar.set_gid(f"impact:{r.question}")
        bar.set_label(_answer_text(str(r.question), r.answer))
        ratio = math.exp(change)
        text = f"odds ×{ratio:.3g}" if ratio >= 1 else f"odds ÷{1 / ratio:.3g}"
        ax.text(
            change + (0.02 if change >= 0 else -0.02) * span,
            yy,
            text,
            ha="left" if change >= 0 else "right",
            va="center",
            fontsize=8.5,
            color=_TEXT,
        )
    ax.set_yticks(ys, [_answer_text(str(r.question), r.answer) for r in _rows(table)])
    ax.tick_params(axis="y", length=0, labelsize=10)
    ax.axvline(0, color=_TEXT, lw=0.9, zorder=4)
    ax.set_xlim(-span * 1.35, span * 1.35)
    ax.set_ylim(-0.7, max(len(table), 1) - 0.3)
    ax.set_xlabel(f"change in log-odds of {label} from this answer (natural log)", fontsize=10)
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    top_axis = ax.secondary_xaxis("top", functions=(_exp, _log))
    ratios = [
        r
        for r in (1 / 1000, 1 / 100, 1 / 10, 1 / 3, 1, 3, 10, 100, 1000)
        if abs(math.log(r)) <= span * 1.35
    ]
    top_axis.set_xticks(ratios, [f"×{r:g}" if r >= 1 else f"÷{1 / r:g}" for r in ratios])
    top_axis.set_xlabel("odds ratio", fontsize=9)
    top_axis.tick_params(labelsize=8.5)
    if not len(table):
        _empty_note(ax, "no answers to weigh")
    ax.set_title(
        f"Why {label} is at {_percent(float(row.posterior))} "
        f"(before any answer: {_percent(float(row.prior))})\n"
        "effect of each answer, judged by leaving it out",
        fontsize=12.5,
        loc="left",
    )
    ax.legend(
        handles=[
            Patch(color=_RAISED, label="raised it"),
            Patch(color=_LOWERED, label="lowered it"),
        ],
        loc="lower right",
        fontsize=9,
    )
    return ax


def plot_next_questions(diagnosis: Diagnosis, *, ax: Axes | None = None, top: int = 10) -> Axes:
    """Plot the expected information gain of the questions not yet answered.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``next_questions()`` and ``network``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    top : int, default 10
        How many questions to show, most informative at the top.

    Returns
    -------
    matplotlib.axes.Axes
        Bars have ``gid="gain:<question>"`` and width equal to the expected
        information gain in bits.
    """
    from matplotlib.patches import Patch

    table = diagnosis.next_questions().head(top)
    net = _network_of(diagnosis, None)
    ax = _new_axes(ax, (9.0, 0.48 * max(len(table), 3) + 1.8))
    ys = np.arange(len(table), dtype=float)[::-1]
    groups = []
    for yy, r in zip(ys, _rows(table), strict=True):
        group = net.group_of(str(r.node))
        groups.append(group)
        gain = float(r.expected_information_gain)
        bar = ax.barh(yy, gain, height=0.62, color=_bar_colour(group), zorder=3)[0]
        bar.set_gid(f"gain:{r.question}")
        bar.set_label(str(r.question))
        ax.text(gain, yy, f" {gain:.3f}", ha="left", va="center", fontsize=8.5, color=_TEXT)
    prompts = [_wrap(str(getattr(r, "prompt", "") or r.question), 44) for r in _rows(table)]
    ax.set_yticks(ys, prompts)
    ax.tick_params(axis="y", length=0, labelsize=9.5)
    largest = float(table["expected_information_gain"].max()) if len(table) else 1.0
    ax.set_xlim(0, max(largest, 1e-3) * 1.18)
    ax.set_ylim(-0.6, max(len(table), 1) - 0.4)
    ax.set_xlabel("expected information gain about the causes (bits)", fontsize=10)
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    if not len(table):
        _empty_note(ax, "every question is answered")
    ax.set_title(
        "Which question to ask next\nexpected reduction of uncertainty about the causes",
        fontsize=12.5,
        loc="left",
    )
    present = [g for g in GROUPS if g in groups]
    ax.legend(
        handles=[Patch(color=_bar_colour(g), label=GROUP_NAMES[g]) for g in present],
        loc="lower right",
        fontsize=9,
    )
    return ax


def plot_sensitivity(table: pd.DataFrame, *, ax: Axes | None = None, top: int = 15) -> Axes:
    """Tornado of the network numbers a posterior depends on most.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`backspasm.sensitivity.sensitivity`.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    top : int, default 15
        How many parameters to show (largest swing at the top).

    Returns
    -------
    matplotlib.axes.Axes
        Bars ``gid="sens_high:<rank>"`` span ``p_base`` to ``p_high`` (odds of the
        number multiplied by the factor), ``"sens_low:<rank>"`` ``p_base`` to ``p_low``.
    """
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    if table.empty:
        raise BackspasmError("The 'table' parameter of plot_sensitivity is empty.")
    rows = table.sort_values("swing", ascending=False, kind="stable").head(top)
    first = rows.iloc[0]
    base = float(first["p_base"])
    factor = float(first["factor"])
    target = str(first.get("target_label", first["target"]))
    state = str(first["target_state"])
    ax = _new_axes(ax, (10.5, 0.5 * len(rows) + 2.0))
    ys = np.arange(len(rows), dtype=float)[::-1]
    lo = min(base, float(rows["p_low"].min()), float(rows["p_high"].min()))
    hi = max(base, float(rows["p_low"].max()), float(rows["p_high"].max()))
    pad = max((hi - lo) * 0.16, 0.01)
    for rank, (yy, r) in enumerate(zip(ys, _rows(rows), strict=True)):
        for kind, value, colour in (("high", r.p_high, _RAISED), ("low", r.p_low, _LOWERED)):
            bar = ax.barh(yy, float(value) - base, left=base, height=0.62, color=colour, zorder=3)[
                0
            ]
            bar.set_gid(f"sens_{kind}:{rank}")
            ha = "left" if value >= base else "right"
            ax.text(
                float(value) + (0.004 if value >= base else -0.004),
                yy,
                _percent(float(value)),
                ha=ha,
                va="center",
                fontsize=8,
                color=_TEXT,
            )
    labels = [_wrap(f"{r.label} = {r.value:.3g}", 58) for r in _rows(rows)]
    ax.set_yticks(ys, labels)
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.axvline(base, color=_TEXT, lw=1.0, zorder=4)
    ax.set_xlim(max(0.0, lo - pad), min(1.0, hi + pad) if hi + pad <= 1 else hi + pad)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_xlabel(
        f"P({target} = {state} | answers); the line is the model as it is ({_percent(base)})",
        fontsize=10,
    )
    ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.set_title(
        f"Which numbers matter for P({target} | answers)?\n"
        f"one-way sensitivity: odds of each number ×{factor:g} and ÷{factor:g}",
        fontsize=12.5,
        loc="left",
    )
    ax.legend(
        handles=[
            Patch(color=_RAISED, label=f"odds of the number ×{factor:g}"),
            Patch(color=_LOWERED, label=f"odds of the number ÷{factor:g}"),
        ],
        loc="lower right",
        fontsize=9,
    )
    return ax


def plot_scenarios(
    diagnoses: Sequence[Diagnosis],
    *,
    names: Sequence[str] | None = None,
    top: int = 8,
) -> Figure:
    """Two to four cases side by side on a shared cause axis.

    Parameters
    ----------
    diagnoses : sequence of Diagnosis
        Two to four diagnoses.
    names : sequence of str, optional
        Scenario names for the panel titles (default "case 1", ...).
    top : int, default 8
        Causes shown: those with the highest posterior in any scenario.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per scenario; posterior bars ``gid="posterior:<i>:<cause>"``, prior
        ticks ``gid="prior:<i>:<cause>"``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cases = list(diagnoses)
    if not 1 <= len(cases) <= 4:
        raise BackspasmError(
            f"The 'diagnoses' parameter of plot_scenarios must hold 1 to 4 diagnoses; "
            f"got {len(cases)} instead."
        )
    titles = list(names) if names is not None else [f"case {i + 1}" for i in range(len(cases))]
    if len(titles) != len(cases):
        raise BackspasmError(
            f"The 'names' parameter of plot_scenarios must name each of the {len(cases)} "
            f"diagnoses; got {len(titles)} names instead."
        )
    tables = [{r.cause: r for r in _rows(d.causes)} for d in cases]
    best = {c: max(float(t[c].posterior) for t in tables) for c in tables[0]}
    order = sorted(best, key=lambda c: -best[c])[:top]
    first = tables[0]
    fig, axes = plt.subplots(
        1,
        len(cases),
        figsize=(3.3 * len(cases) + 2.2, 0.42 * len(order) + 2.3),
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    ys = np.arange(len(order), dtype=float)[::-1]
    groups_seen: list[str] = []
    for i, (ax, d, table, title) in enumerate(zip(axes[0], cases, tables, titles, strict=True)):
        for yy, cause in zip(ys, order, strict=True):
            group = str(table[cause].group)
            group = group if group.startswith("cause_") else f"cause_{group}"
            if group not in groups_seen:
                groups_seen.append(group)
            p = float(table[cause].posterior)
            bar = ax.barh(yy, p, height=0.66, color=_colour(group), zorder=3)[0]
            bar.set_gid(f"posterior:{i}:{cause}")
            bar.set_label(str(table[cause].label))
            prior = float(table[cause].prior)
            (tick,) = ax.plot(
                [prior, prior],
                [yy - 0.4, yy + 0.4],
                color=_TEXT,
                lw=1.6,
                zorder=4,
                solid_capstyle="butt",
            )
            tick.set_gid(f"prior:{i}:{cause}")
            inside = p > 0.72
            ax.text(
                p - 0.02 if inside else max(p, prior) + 0.025,
                yy,
                _percent(p),
                ha="right" if inside else "left",
                va="center",
                fontsize=8.5,
                color="white" if inside else _TEXT,
                fontweight="bold",
                zorder=5,
            )
        triage = str(getattr(d, "triage", ""))
        ax.set_title(
            f"{title}\n{TRIAGE_NAMES.get(triage, triage)} · P(serious) {_percent(d.p_serious)}",
            fontsize=11,
            color=TRIAGE_COLOURS.get(triage, _TEXT),
            fontweight="bold",
        )
        ax.set_xlim(0, 1.0)
        ax.set_xticks([0, 0.25, 0.5, 0.75], ["0", "25%", "50%", "75%"])
        ax.set_xlabel("posterior", fontsize=9.5)
        ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="y", length=0)
    labels = [str(first[c].label) for c in order]
    axes[0, 0].set_yticks(ys, labels)
    axes[0, 0].tick_params(axis="y", labelsize=10)
    axes[0, 0].set_ylim(-0.6, len(order) - 0.4)
    handles: list[Any] = [
        Patch(color=_colour(g), label=GROUP_NAMES[g]) for g in _CAUSE_GROUPS if g in groups_seen
    ]
    handles.append(Line2D([], [], color=_TEXT, lw=1.6, label="before any answer (prior)"))
    fig.legend(
        handles=handles, loc="outside lower center", ncol=len(handles), frameon=False, fontsize=9.5
    )
    fig.suptitle(
        "The same network, different answers: leading causes per scenario",
        fontsize=13,
        x=0.01,
        ha="left",
    )
    return fig


def plot_case_mix(
    scored: pd.DataFrame,
    *,
    axes: Sequence[Axes] | None = None,
    network: Network | None = None,
) -> Figure:
    """Plot the counts of top causes and of triage levels in a scored case file.

    Parameters
    ----------
    scored : pandas.DataFrame
        A scored file with ``top_cause``, ``triage`` and ``error`` columns.
    axes : pair of matplotlib.axes.Axes, optional
        Where to draw the two panels.
    network : Network, optional
        Gives cause labels and groups; defaults to the bundled network.

    Returns
    -------
    matplotlib.figure.Figure
        Bars ``gid="top_cause:<cause>"`` and ``"triage:<level>"`` with heights equal
        to the counts.
    """
    from matplotlib.patches import Patch

    missing = [c for c in ("top_cause", "triage") if c not in scored.columns]
    if missing:
        raise BackspasmError(
            f"The 'scored' parameter of plot_case_mix must have the columns top_cause and "
            f"triage; {', '.join(missing)} missing."
        )
    from backspasm.network import default_network

    net = network if network is not None else default_network()
    errors = (
        scored["error"].fillna("").astype(str).str.len() > 0
        if "error" in scored
        else (pd.Series(False, index=scored.index))
    )
    ok = scored[~errors]
    if axes is None:
        import matplotlib.pyplot as plt

        fig, pair = plt.subplots(
            1, 2, figsize=(12, 5.2), layout="constrained", gridspec_kw={"width_ratios": [1.6, 1]}
        )
        left, right = pair[0], pair[1]
    else:
        if len(axes) != 2:
            raise BackspasmError(
                f"The 'axes' parameter of plot_case_mix must hold 2 axes; got {len(axes)}."
            )
        left, right = axes[0], axes[1]
        fig = left.get_figure()  # type: ignore[assignment]
    counts = ok["top_cause"].astype(str).value_counts(sort=False)
    causes = sorted(counts.index, key=lambda c: (-counts[c], c))
    ys = np.arange(len(causes), dtype=float)[::-1]
    groups_seen = []
    for yy, cause in zip(ys, causes, strict=True):
        group = net.group_of(cause) if cause in net.spec.nodes else "context"
        groups_seen.append(group)
        bar = left.barh(yy, int(counts[cause]), height=0.66, color=_colour(group), zorder=3)[0]
        bar.set_gid(f"top_cause:{cause}")
        left.text(
            int(counts[cause]) + 0.1,
            yy,
            str(int(counts[cause])),
            va="center",
            fontsize=9,
            color=_TEXT,
        )
    left.set_yticks(ys, [net.label(c) if c in net.spec.nodes else c for c in causes], fontsize=9.5)
    left.tick_params(axis="y", length=0)
    left.set_xlabel("cases with this cause ranked first", fontsize=10)
    left.set_title("Most probable cause", fontsize=12, loc="left")
    left.set_xlim(0, (max(counts.max(), 1) if len(counts) else 1) * 1.15)
    left.set_ylim(-0.6, max(len(causes), 1) - 0.4)
    left.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    left.spines[["top", "right"]].set_visible(False)
    left.legend(
        handles=[
            Patch(color=_colour(g), label=GROUP_NAMES[g])
            for g in _CAUSE_GROUPS
            if g in groups_seen
        ],
        loc="lower right",
        fontsize=8.5,
    )
    levels = list(TRIAGE_COLOURS)
    tri = ok["triage"].astype(str).value_counts()
    extra = [lv for lv in tri.index if lv not in levels]
    xs = np.arange(len(levels) + len(extra) + (1 if errors.any() else 0), dtype=float)
    names = []
    for x, level in zip(xs, levels + extra, strict=False):
        n = int(tri.get(level, 0))
        bar = right.bar(x, n, width=0.66, color=TRIAGE_COLOURS.get(level, "#777777"), zorder=3)[0]
        bar.set_gid(f"triage:{level}")
        bar.set_label(level)
        right.text(x, n, str(n), ha="center", va="bottom", fontsize=10, color=_TEXT)
        names.append(TRIAGE_NAMES.get(level, level))
    if errors.any():
        bar = right.bar(
            xs[-1],
            int(errors.sum()),
            width=0.66,
            color="#DDDDDD",
            hatch="//",
            edgecolor="#777777",
            zorder=3,
        )[0]
        bar.set_gid("triage:error")
        right.text(
            xs[-1],
            int(errors.sum()),
            str(int(errors.sum())),
            ha="center",
            va="bottom",
            fontsize=10,
            color=_TEXT,
        )
        names.append("not scored")
    right.set_xticks(xs, names, fontsize=10)
    right.set_ylabel("cases", fontsize=10)
    right.set_title("Triage level", fontsize=12, loc="left")
    right.set_ylim(0, max(int(tri.max()) if len(tri) else 1, int(errors.sum()), 1) * 1.15)
    right.grid(axis="y", color="#E5E5E5", lw=0.8, zorder=0)
    right.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        f"Case mix of {len(scored)} scored cases"
        + (f" ({int(errors.sum())} could not be scored)" if errors.any() else ""),
        fontsize=13,
        x=0.01,
        ha="left",
    )
    return fig


# ------------------------------------------------------------ learning re-exports

_LEARNING = ("plot_calibration", "plot_roc")


def __getattr__(name: str) -> Any:
    if name in _LEARNING:
        if importlib.util.find_spec("backspasm.learning_plots") is None:
            raise AttributeError(
                f"{name} needs backspasm.learning_plots, which is not installed in this "
                "version of backspasm."
            )
        return getattr(importlib.import_module("backspasm.learning_plots"), name)
    raise AttributeError(f"module 'backspasm.figures' has no attribute {name!r}")


# --------------------------------------------------------------- teaching figures

_FORMATS = ("png", "svg", "pdf")
_SYNTHETIC_N = 300
_EVALUATION_N = 2000
_METADATA: Mapping[str, Mapping[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}


def _answers_of(cases: pd.DataFrame, case_id: object) -> tuple[dict[str, Any], str]:
    from backspasm.questionnaire import default_questions

    if "case_id" in cases.columns:
        match = cases[cases["case_id"].astype(str) == str(case_id)]
    else:
        match = cases.iloc[[int(str(case_id))]] if str(case_id).isdigit() else cases.iloc[:0]
    if match.empty:
        raise BackspasmError(f"No case with case_id {case_id!r} in the cases table.")
    columns = {q.column for q in default_questions() if q.node is not None}
    row = match.iloc[0]
    answers = {
        k: v
        for k, v in row.items()
        if k in columns
        and not (v is None or (isinstance(v, float) and math.isnan(v)))
        and str(v).strip() != ""
    }
    return answers, f"case {case_id}"


def _score(cases: pd.DataFrame, network: Network) -> pd.DataFrame:
    """Score a case table with :mod:`backspasm.scoring` when present, else one by one."""
    if importlib.util.find_spec("backspasm.scoring") is not None:
        scoring = importlib.import_module("backspasm.scoring")
        if hasattr(scoring, "score_cases"):
            return scoring.score_cases(cases, network=network)  # type: ignore[no-any-return]
    return _score_one_by_one(cases, network)


def _score_one_by_one(cases: pd.DataFrame, network: Network) -> pd.DataFrame:
    from backspasm.diagnosis import diagnose
    from backspasm.questionnaire import default_questions

    columns = {q.column for q in default_questions() if q.node is not None}
    rows = []
    for _, row in cases.iterrows():
        answers = {k: v for k, v in row.items() if k in columns and pd.notna(v)}
        try:
            d = diagnose(answers, network=network)
        except BackspasmError as err:
            rows.append({"top_cause": "", "triage": "", "error": str(err)})
            continue
        rows.append({"top_cause": d.top_cause, "triage": d.triage, "error": ""})
    return pd.concat([cases.reset_index(drop=True), pd.DataFrame(rows)], axis=1)


def write_teaching_figures(
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("png",),
    network: Network | None = None,
    cases: pd.DataFrame | None = None,
    case_id: object = None,
    dpi: int = 300,
) -> list[Path]:
    """Write the teaching set of figures, byte for byte the same on every run.

    The set: the network; the network's beliefs for an example case; its causes
    before and after the answers; the effect of each answer on its top cause; the
    next questions worth asking; the sensitivity of its top cause to the network's
    numbers; four scenarios side by side; and the case mix of a case file.
    Calibration and ROC (serious causes) figures, on 2000 synthetic cases drawn from
    the network with seed 0, are added when :mod:`backspasm.learning_plots` is
    available.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
    formats : sequence of {"png", "svg", "pdf"}, default ("png",)
        One file per figure and format.
    network : Network, optional
        Defaults to the bundled network.
    cases : pandas.DataFrame, optional
        A case table (the contract of ``data/example_cases.csv``); with ``case_id``
        it supplies the example case, and it is the table of the case-mix figure.
        Default: the example case file when the package ships one, else 300
        synthetic presenters drawn from the network with seed 0.
    case_id : object, optional
        The example case's ``case_id`` in ``cases`` (default: :data:`DEFAULT_CASE`).
    dpi : int, default 300
        Resolution of PNG files.

    Returns
    -------
    list of Path
        The files written, in order.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from backspasm.diagnosis import diagnose
    from backspasm.network import default_network
    from backspasm.sensitivity import sensitivity

    bad = [f for f in formats if f not in _FORMATS]
    if bad or not formats:
        raise BackspasmError(
            f"The 'formats' parameter of write_teaching_figures must hold some of "
            f"{', '.join(_FORMATS)}; got {list(formats)!r} instead."
        )
    net = network if network is not None else default_network()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if case_id is not None:
        if cases is None:
            raise BackspasmError("The 'case_id' parameter needs a 'cases' table.")
        answers, case_name = _answers_of(cases, case_id)
    else:
        answers, case_name = dict(DEFAULT_CASE), "epidural abscess example"
    mix_name = "cases"
    if cases is None:
        cases, mix_name = _default_cases(net)
    case = diagnose(answers, network=net)
    top_cause = case.top_cause
    written: list[Path] = []

    def save(fig: Figure, stem: str) -> None:
        for fmt in formats:
            path = out / f"{stem}.{fmt}"
            fig.savefig(
                path, format=fmt, dpi=dpi, metadata=dict(_METADATA[fmt]), facecolor="white"
            )
            written.append(path)
        plt.close(fig)

    def fig_of(ax: Axes) -> Figure:
        return ax.get_figure()  # type: ignore[return-value]

    rc: Any = {
        "svg.hashsalt": "backspasm",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "path.simplify": True,
    }
    with mpl.rc_context(rc):
        save(fig_of(plot_network(net)), "01-network")
        ax = plot_network_beliefs(case)
        ax.set_title(f"{ax.get_title()}\n{case_name}", fontsize=14, loc="left")
        save(fig_of(ax), "02-network-beliefs")
        save(fig_of(plot_causes(case)), "03-causes")
        save(fig_of(plot_evidence_impact(case, top_cause)), "04-evidence-impact")
        save(fig_of(plot_next_questions(case)), "05-next-questions")
        table = sensitivity(case, top_cause)
        save(fig_of(plot_sensitivity(table)), "06-sensitivity")
        scenarios = [diagnose(a, network=net) for a in SCENARIOS.values()]
        save(plot_scenarios(scenarios, names=list(SCENARIOS)), "07-scenarios")
        mix = plot_case_mix(_score(cases, net), network=net)
        title = mix.get_suptitle()
        mix.suptitle(
            title.replace("scored cases", f"scored {mix_name}"), fontsize=13, x=0.01, ha="left"
        )
        save(mix, "08-case-mix")
        if importlib.util.find_spec("backspasm.learning_plots") is not None:
            from backspasm.learning import evaluate, sample_cases

            plots = importlib.import_module("backspasm.learning_plots")
            evaluation = evaluate(sample_cases(_EVALUATION_N, network=net, seed=0), network=net)
            ax = plots.plot_calibration(evaluation)
            ax.set_title(f"{ax.get_title()}\nsynthetic cases drawn from the network itself")
            save(fig_of(ax), "09-calibration")
            serious = [c for c in net.serious_causes if c in set(evaluation.roc["cause"])]
            ax = plots.plot_roc(evaluation, causes=serious)
            ax.set_title(
                f"{ax.get_title()}: serious causes\nsynthetic cases drawn from the network itself"
            )
            save(fig_of(ax), "10-roc-serious")
    return written


def _default_cases(network: Network) -> tuple[pd.DataFrame, str]:
    """Return the example case file if the package ships one, else a synthetic sample."""
    from importlib import resources

    source = resources.files("backspasm").joinpath("data/example_cases.csv")
    if source.is_file():
        with source.open("r", encoding="utf-8") as fh:
            return pd.read_csv(fh, dtype=str, keep_default_na=False), "example cases"
    from backspasm.learning import sample_cases

    sample = sample_cases(_SYNTHETIC_N, network=network, seed=0)
    answers = [c for c in sample.columns if not str(c).startswith("true_")]
    return sample[answers], "synthetic cases"
