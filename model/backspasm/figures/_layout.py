"""The layered layout of the network drawings: columns by role, few crossings.

Geometry is in inches of the drawn figure. Every column is as wide as its longest
label needs at :data:`~backspasm.figures._style.NODE_FONT` points (at most two lines),
and the columns share what is left of the slide's width as gaps for the arrows, so
that the whole network is drawn at slide width with readable labels.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from backspasm.figures._style import SLIDE_SIZE
from backspasm.layout import Layout, layered_layout

if TYPE_CHECKING:
    from backspasm.network import Network

#: Type size of node labels (points); the network is drawn at slide width.
NODE_FONT = 9.0
_PAD = 0.1  # inches between a label and its box edge, left and right
_MIN_GAP = 0.28


@functools.cache
def text_width(text: str, size: float = NODE_FONT) -> float:
    """Width in inches of one line of text in the default font at ``size`` points."""
    from matplotlib.textpath import TextPath

    return float(TextPath((0, 0), text, size=size).get_extents().width) / 72.0


def fit_label(label: str, width: float, size: float = NODE_FONT) -> str:
    """Wrap a label into as few lines as fit ``width`` inches (at most three)."""
    from backspasm.figures._style import wrap

    for chars in range(len(label), 3, -1):
        text = wrap(label, chars)
        if all(text_width(line, size) <= width for line in text.split("\n")):
            return text
    return wrap(label, 12)


def _two_line_width(label: str, size: float = NODE_FONT) -> float:
    """Return the narrowest width at which a label fits on two lines (or one)."""
    from backspasm.figures._style import wrap

    best = text_width(label, size)
    for chars in range(len(label), 3, -1):
        lines = wrap(label, chars).split("\n")
        if len(lines) > 2:
            break
        best = min(best, max(text_width(line, size) for line in lines))
    return best


def layout(network: Network, nodes: Sequence[str], box_h: float) -> Layout:
    """Lay the network out at slide width, with columns sized for their labels.

    See :func:`backspasm.layout.layered_layout`; this adds the label measures and the
    wrapped labels drawn in the boxes.
    """
    names = {n: network.label(n) for n in nodes}

    def label_width(node: str) -> tuple[float, float]:
        return (
            text_width(names[node]) + 2 * _PAD,
            _two_line_width(names[node]) + 2 * _PAD,
        )

    lay = layered_layout(
        network, nodes, box_h=box_h, label_width=label_width, total_width=SLIDE_SIZE[0]
    )
    labels = {n: fit_label(names[n], lay.box_w(n) - 2 * _PAD) for n in nodes}
    return replace(lay, labels=labels)


def bezier(points: Sequence[tuple[float, float]]) -> Any:
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


def _free_y(layout: Layout, column: int, y: float) -> float:
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


def edge_path(layout: Layout, u: str, v: str) -> Any:
    """Route an edge right-to-left between columns, through gaps of columns it passes."""
    (xu, yu), (xv, yv) = layout.pos[u], layout.pos[v]
    cu, cv = layout.column_of[u], layout.column_of[v]
    half = layout.column_w[cu] / 2
    points = [(xu + half, yu)]
    if cu == cv:  # same column: loop out to the right
        x = xu + half + _MIN_GAP * 0.6
        return bezier([(xu + half, yu), (x, (yu + yv) / 2), (xv + half, yv)])
    for c in range(cu + 1, cv):
        xc = layout.column_x[c]
        t = (xc - xu) / (xv - xu)
        y_free = _free_y(layout, c, yu + (yv - yu) * t)
        hc = layout.column_w[c] / 2
        points += [(xc - hc - 0.04, y_free), (xc + hc + 0.04, y_free)]
    points.append((xv - layout.column_w[cv] / 2, yv))
    return bezier(points)
