"""The layouts of the network drawings: columns by role, few crossings, 9 pt labels.

Geometry is in inches of the drawn figure. :func:`slide_layout` fits the whole
network onto one slide: the vertical order of :func:`backspasm.layout.layered_layout`
(the layout the XDSL and NET exports carry, left unchanged here), long layers dealt
into staggered sub-columns, every column as wide as its labels need at
:data:`NODE_FONT` points on at most two lines, and the rest of the width left as gaps
for the arrows. :func:`layout` is the layered layout at slide width (as tall as its
longest column), which the diagnostic view uses for its vertical order. The
arrows between the boxes are run by :mod:`backspasm.figures._routing`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from backspasm.figures._style import NODE_FONT, SLIDE_SIZE, tagged
from backspasm.figures._words import text_width, wrap
from backspasm.layout import LAYERS, Layout, layered_layout
from backspasm.spec import CAUSE_GROUPS

if TYPE_CHECKING:
    from backspasm.network import Network

_PAD = 0.1  # inches between a label and its box edge, left and right
_MIN_GAP = 0.28


#: The widest a label may make its box (inches, at :data:`NODE_FONT`): the width of
#: the bundled network's widest label on two lines. A longer label wraps to it and
#: is cut short on its second line (with a warning), rather than widening its whole
#: column and shrinking every label of the slide.
MAX_LABEL_W = 1.35


def fit_label(label: str, width: float, size: float = NODE_FONT, *, lines: int = 3) -> str:
    """Wrap a label into as few lines as fit ``width`` inches (at most ``lines``).

    A label that does not fit ``lines`` lines is cut after a word and ends ``…``
    (see :func:`cut_label`).
    """
    for chars in range(len(label), 3, -1):
        text = wrap(label, chars)
        if text.count("\n") >= lines:
            break
        if all(text_width(line, size) <= width for line in text.split("\n")):
            return text
    return cut_label(label, width, size, lines=lines)


#: The longest word a network box's label keeps whole, wrapped at spaces and after
#: slashes (the bundled labels' longest: "anti-inflammatories", 19 characters).
_LONGEST_WORD = 20


def cut_label(label: str, width: float, size: float = NODE_FONT, *, lines: int = 2) -> str:
    """Return the longest start of a label, ended ``…``, that fits ``lines`` lines."""
    words = label.split()
    for keep in range(len(words) - 1, 0, -1):
        short = " ".join(words[:keep]).rstrip(",;:(/-") + "…"
        for chars in range(len(short), 3, -1):
            text = wrap(short, chars)
            if text.count("\n") >= lines:
                break
            if all(text_width(line, size) <= width for line in text.split("\n")):
                return text
    if max(len(w) for w in re.split(r"\s+|(?<=/)", label)) <= _LONGEST_WORD:
        return wrap(label, 12)  # whole words, as near as the box allows
    # a word longer than any of the bundled labels': cut inside it, on one line
    for chars in range(len(label) - 1, 0, -1):
        short = label[:chars].rstrip(",;:(/- ") + "…"
        if text_width(short, size) <= width:
            return short
    return "…"


def _two_line_width(label: str, size: float = NODE_FONT, cap: float = MAX_LABEL_W) -> float:
    """Return the narrowest width at which a label fits on two lines (or one).

    Never more than ``cap`` inches (scaled to ``size``): a longer label is cut.
    """
    best = text_width(label, size)
    for chars in range(len(label), 3, -1):
        lines = wrap(label, chars).split("\n")
        if len(lines) > 2:
            break
        best = min(best, max(text_width(line, size) for line in lines))
    return min(best, cap * size / NODE_FONT)


def box_labels(
    names: Mapping[str, str], widths: Mapping[str, float], size: float
) -> dict[str, str]:
    """Fit each label to its box on at most two lines; warn of each one cut short."""
    import warnings

    labels = {n: fit_label(names[n], widths[n], size, lines=2) for n in names}
    for n, text in labels.items():
        if text.endswith("…") and not names[n].endswith("…"):
            warnings.warn(
                f"the label of {n!r} ({names[n]!r}) is too long for its box in the network "
                f"figures and is cut short there ({text.replace(chr(10), ' ')!r}); a label "
                "of about 40 characters fits",
                UserWarning,
                stacklevel=2,
            )
    return labels


def parents_within(network: Network, nodes: Sequence[str]) -> dict[str, list[str]]:
    """Return each node's parents among ``nodes`` (the arrows of the drawing)."""
    keep = set(nodes)
    return {n: [p for p in network.spec.nodes[n].parents if p in keep] for n in nodes}


def layout(network: Network, nodes: Sequence[str], box_h: float) -> Layout:
    """Lay the network out at slide width, with columns sized for their labels.

    See :func:`backspasm.layout.layered_layout`; this adds the label measures and the
    wrapped labels drawn in the boxes.
    """
    names = {n: tagged(network.label(n), network.group_of(n)) for n in nodes}

    def label_width(node: str) -> tuple[float, float]:
        return (
            min(text_width(names[node]), MAX_LABEL_W) + 2 * _PAD,
            _two_line_width(names[node]) + 2 * _PAD,
        )

    lay = layered_layout(
        network, nodes, box_h=box_h, label_width=label_width, total_width=SLIDE_SIZE[0]
    )
    labels = {n: fit_label(names[n], lay.box_w(n) - 2 * _PAD) for n in nodes}
    return replace(lay, labels=labels)


#: The columns of a network drawn on one slide: header and the node groups each
#: holds, left to right. Back spasm and the complications are all effects with no
#: children, so they share one column before the findings (fewer columns to cross).
SLIDE_LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Context and\nexposures", ("context", "exposure")),
    ("Causes", CAUSE_GROUPS),
    ("Mechanisms", ("mechanism",)),
    ("Spasm and\ncomplications", ("presentation", "complication")),
    ("Findings\n(symptoms, signs)", ("finding",)),
)
_MARGIN = 0.08  # inches left and right of the drawing
_INNER_GAP = 0.45  # a gap between sub-columns of one layer, relative to other gaps
_TIGHT_GAP = 0.03  # the closest boxes of one column may come (inches)
_SMALLEST_FONT = 7.0  # labels shrink down to this size (points) when columns crowd
_NARROWEST_CAP = 1.0  # inches: the narrowest a too-long label is cut to


def _too_long(names: Mapping[str, str]) -> set[str]:
    """Return the nodes whose labels do not fit :data:`MAX_LABEL_W` on two lines."""
    return {
        n
        for n, label in names.items()
        if _two_line_width(label, NODE_FONT, math.inf) > MAX_LABEL_W
    }


def _spread_apart(target: Sequence[float], pitch: float, lo: float, hi: float) -> list[float]:
    """Heights near ``target`` (top to bottom) at least ``pitch`` apart, within bounds.

    The mean of pushing overlapping nodes down and pushing them up: both keep the
    order and the gaps, so their mean does too. Too many nodes for the room between
    ``lo`` and ``hi`` are spread evenly over it.
    """
    n = len(target)
    if n == 0:
        return []
    if (n - 1) * pitch > hi - lo:
        step = (hi - lo) / max(n - 1, 1)
        return [hi - i * step if n > 1 else (hi + lo) / 2 for i in range(n)]
    down = [min(max(t, lo), hi) for t in target]
    for i in range(1, n):
        down[i] = min(down[i], down[i - 1] - pitch)
    down[-1] = max(down[-1], lo)
    for i in range(n - 2, -1, -1):
        down[i] = max(down[i], down[i + 1] + pitch)
    up = [min(max(t, lo), hi) for t in target]
    for i in range(n - 2, -1, -1):
        up[i] = max(up[i], up[i + 1] + pitch)
    up[0] = min(up[0], hi)
    for i in range(1, n):
        up[i] = min(up[i], up[i - 1] - pitch)
    return [(a + b) / 2 for a, b in zip(down, up, strict=True)]


def _wrap_layer(
    layer: Sequence[str], parents: Mapping[str, Sequence[str]], rows: int
) -> list[list[str]]:
    """Deal a layer's nodes (top to bottom) into staggered sub-columns of at most ``rows``.

    Node ``i`` goes to sub-column ``i mod k``, so that the vertical order of the
    whole layer is kept; a node with a parent in the same layer goes to the last
    sub-column and that parent to the first, so its arrows run left to right, as
    long as those sub-columns have room (a full one passes the node on).
    """
    rows = max(rows, 1)
    k = max(1, math.ceil(len(layer) / rows))
    if k == 1:
        return [list(layer)]
    inside = set(layer)
    late = {n for n in layer if any(p in inside for p in parents[n])}
    early = {p for n in late for p in parents[n] if p in inside} - late
    subs: list[list[str]] = [[] for _ in range(k)]
    rest = []
    for n in layer:
        if n in late and len(subs[-1]) < rows:
            subs[-1].append(n)
        elif n in early and len(subs[0]) < rows:
            subs[0].append(n)
        else:
            rest.append(n)
    free = 0
    for n in rest:
        while len(subs[free % k]) >= rows:
            free += 1
        subs[free % k].append(n)
        free += 1
    order = {n: i for i, n in enumerate(layer)}
    return [sorted(s, key=order.__getitem__) for s in subs if s]


def slide_layout(
    network: Network,
    nodes: Sequence[str],
    *,
    box_h: float,
    width: float,
    height: float,
    min_box_w: float = 0.0,
    row_gap: float = 0.1,
    min_gap: float = _MIN_GAP,
) -> Layout:
    """Lay the network out to fit ``width`` x ``height`` inches, with 9 pt labels.

    Columns by role (:data:`SLIDE_LAYERS`), in the vertical order of
    :func:`backspasm.layout.layered_layout` (so each node keeps its neighbours);
    a layer with more nodes than a column holds is dealt into staggered
    sub-columns. Heights follow the layered layout's, scaled to ``height`` and
    pushed at least ``box_h + row_gap`` apart within a column (less only when a
    column holds more nodes than that allows). Labels wrap at word boundaries onto
    at most two lines. The XDSL export's layout is left as it is.

    Parameters
    ----------
    network : Network
        The network.
    nodes : sequence of str
        The nodes to draw.
    box_h : float
        Box height (inches).
    width, height : float
        Extent of the drawing (inches).
    min_box_w : float, default 0
        Narrowest box (room for a belief bar and its value).
    row_gap : float, default 0.1
        Wanted gap between boxes in a column (inches), room for arrows to pass.
    min_gap : float, default 0.28
        Narrowest gap between columns (inches); arrows that run straight under the
        boxes need less than routed ones. Where even the narrowest gaps leave too
        little width, the labels shrink (down to 7 pt) rather than the boxes overlap.

    Returns
    -------
    Layout
        Positions, (sub-)columns and the wrapped labels.
    """
    base = layered_layout(network, nodes)
    parents = parents_within(network, nodes)
    ys = [y for _, y in base.pos.values()]
    y_lo, y_hi = min(ys), max(ys)

    def scaled(n: str) -> float:
        share = (base.pos[n][1] - y_lo) / (y_hi - y_lo) if y_hi > y_lo else 0.5
        return box_h / 2 + share * (height - box_h)

    names = {n: tagged(network.label(n), network.group_of(n)) for n in nodes}
    layers = [
        sorted(
            (n for n in nodes if network.group_of(n) in groups),
            key=lambda n: (-base.pos[n][1], base.pos[n][0]),
        )
        for _, groups in SLIDE_LAYERS
    ]

    # a label too long for two lines of MAX_LABEL_W does not widen its column: it is
    # cut to the column's usual width (that of its other labels)
    long = _too_long(names)

    def widths_at(columns: list[list[str]], size: float) -> list[float]:
        narrowest = _NARROWEST_CAP * size / NODE_FONT + 2 * _PAD
        return [
            max(
                min_box_w,
                narrowest if any(n in long for n in col) else 0.0,
                *(_two_line_width(names[n], size) + 2 * _PAD for n in col if n not in long),
            )
            for col in columns
        ]

    # As many rows as leave ``row_gap`` between boxes; more (closer boxes) only
    # while the sub-columns would not fit the width.
    rows = max(1, math.floor((height + row_gap) / (box_h + row_gap)))
    most = max(rows, math.floor((height + _TIGHT_GAP) / (box_h + _TIGHT_GAP)))
    size = NODE_FONT
    while True:
        columns: list[list[str]] = []
        spans: list[tuple[str, list[int]]] = []
        for (title, _), layer in zip(SLIDE_LAYERS, layers, strict=True):
            if not layer:
                continue
            shown = [t for t, gs in LAYERS if any(network.group_of(n) in gs for n in layer)]
            first = len(columns)
            columns += _wrap_layer(layer, parents, rows)
            spans.append((title if len(shown) > 1 else shown[0], list(range(first, len(columns)))))
        widths = widths_at(columns, size)
        weights = [
            _INNER_GAP if any(c in cols and c + 1 in cols for _, cols in spans) else 1.0
            for c in range(len(columns) - 1)
        ]
        room = width - 2 * _MARGIN - sum(widths)
        if room >= min_gap * sum(weights) or rows >= most:
            break
        rows += 1
    # Still too wide with the boxes as close as they may come: the labels shrink (never
    # below _SMALLEST_FONT) rather than the boxes overlap.
    while room < min_gap * sum(weights) and size > _SMALLEST_FONT:
        size = max(_SMALLEST_FONT, size - 0.25)
        widths = widths_at(columns, size)
        room = width - 2 * _MARGIN - sum(widths)
    gap = room / max(sum(weights), 1e-9)
    x_of, x = [], _MARGIN
    for c, w in enumerate(widths):
        x_of.append(x + w / 2)
        x += w + (gap * weights[c] if c < len(weights) else 0.0)
    pos: dict[str, tuple[float, float]] = {}
    column_of: dict[str, int] = {}
    for c, col in enumerate(columns):
        heights = _spread_apart(
            [scaled(n) for n in col], box_h + row_gap, box_h / 2, height - box_h / 2
        )
        for n, y in zip(col, heights, strict=True):
            pos[n] = (x_of[c], y)
            column_of[n] = c
    labels = box_labels(names, {n: widths[column_of[n]] - 2 * _PAD for n in nodes}, size)
    extents = [
        (x_of[cols[0]] - widths[cols[0]] / 2, x_of[cols[-1]] + widths[cols[-1]] / 2)
        for _, cols in spans
    ]
    return Layout(
        pos=pos,
        # each header centred over all the sub-columns of its layer, edge to edge
        columns=tuple((t, sum(edges) / 2) for (t, _), edges in zip(spans, extents, strict=True)),
        column_of=column_of,
        column_x=tuple(x_of),
        column_w=tuple(widths),
        box_h=box_h,
        width=width,
        height=height,
        labels=labels,
        label_size=size,
        spans=tuple(extents),
    )
