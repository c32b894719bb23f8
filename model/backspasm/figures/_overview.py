"""The whole network for print: one box per group of nodes, naming every node in it.

A page (7 in wide) cannot hold the slide's drawing of every node and arrow with
readable labels (:data:`~backspasm.figures._graph.NETWORK_SIZE`), but it holds its
structure: :func:`plot_network_overview` draws one box per node group, in tiers from
top to bottom as the causal story runs (context and exposures, causes, mechanisms and
the presentation, findings and complications), each box listing the labels of its
nodes in columns and counting the arrows that come into them from each group. Every
name and count is read from the network, so that a variant draws its own.
:func:`overview_layout` measures it first: a width too narrow for a tier's boxes side
by side, or a network too large for a page's 9 in, is said, not drawn overlapping.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._graph import group_box
from backspasm.figures._wrap import path_width, text_width, unit_lines
from backspasm.spec import CAUSE_KINDS, GROUPS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.network import Network

#: The tiers of groups, top to bottom (a group of none is given a tier of its own).
TIERS: tuple[tuple[str, ...], ...] = (
    ("context", "exposure"),
    st.CAUSE_GROUPS,
    ("mechanism", "presentation"),
    ("finding", "complication"),
)
#: Each group's box heading, and how its count of arrows names it.
HEADINGS: Mapping[str, tuple[str, str]] = {
    "context": ("Context", "context"),
    "exposure": ("Exposures", "exposures"),
    **{k.group: (f"Causes: {k.label}", f"{k.short} causes") for k in CAUSE_KINDS},
    "mechanism": ("Latent mechanisms", "mechanisms"),
    "presentation": ("Presentation", "presentation"),
    "finding": ("Findings: symptoms, signs", "findings"),
    "complication": ("Complications if untreated", "complications"),
}
#: The tallest figure a journal takes (inches), as :data:`~backspasm.figures.FIGURE_HEIGHTS`.
MAX_HEIGHT = 9.0
MARGIN = 0.1  # inches at the figure's left and right edges
GAP = 0.12  # between two boxes of a tier
PAD = 0.07  # inside a box, around its text
COLUMN_GAP = 0.14  # between two columns of labels
TIER_GAP = 0.3  # between two tiers: room for the arrow down and its count
LINE = 1.3  # a line of text, in type sizes
TOP = 0.62  # inches above the first tier for a two-line title
MIN_BOX = 1.5  # the narrowest box (inches), so that its heading and counts fit
LABEL_CAP = 1.4  # a label wider than this (inches) is wrapped


@dataclass(frozen=True)
class Box:
    """One group's box: where it is (inches, y up) and what it writes."""

    group: str
    x: float
    y: float  # its top
    w: float
    h: float
    heading: tuple[str, ...]
    arrows_in: tuple[str, ...]
    #: each node's label (on one line or two), its column and its first line's row
    places: tuple[tuple[str, str, int, int], ...]
    columns: int


@dataclass(frozen=True)
class Overview:
    """The boxes of an overview, the arrows down between its tiers, and its size."""

    boxes: tuple[Box, ...]
    gutters: tuple[tuple[float, int], ...]  # (y of the gutter's middle, arrows across it)
    width: float
    height: float
    sizes: tuple[float, float]  # of the labels and of the headings (points)


class NoRoom(Exception):
    """The overview does not fit the width (or a page's height): says why."""


def _tiers(groups: Sequence[str]) -> list[list[str]]:
    tiers = [[g for g in tier if g in groups] for tier in TIERS]
    placed = {g for tier in TIERS for g in tier}
    tiers += [[g] for g in GROUPS if g in groups and g not in placed]
    return [tier for tier in tiers if tier]


def _arrows_in(net: Network, nodes: Sequence[str], group: str) -> tuple[list[str], int]:
    """Say the arrows into a group's nodes, by the group they come from, and count them."""
    keep = set(nodes)
    came: Counter[str] = Counter(
        net.group_of(p)
        for n in nodes
        if net.group_of(n) == group
        for p in net.spec.nodes[n].parents
        if p in keep
    )
    tiered = [g for tier in TIERS for g in tier]
    order = [g for g in tiered if g in came] + sorted(g for g in came if g not in tiered)
    units = [
        f"{came[g]} within" if g == group else f"{came[g]} from {HEADINGS.get(g, (g, g))[1]}"
        for g in order
    ]
    said = [f"{u}, " for u in units[:-1]] + units[-1:]
    return (["arrows in: ", *said] if said else ["no arrows in"]), sum(came.values())


def _label_lines(label: str, size: float, cap: float = LABEL_CAP) -> list[str]:
    """Return a label's lines: one, or more when it is wider than ``cap`` inches."""
    if text_width(label, size) <= cap:
        return [label]
    return unit_lines([f"{word} " for word in label.split(" ")], cap, size)


def _bold_lines(text: str, width: float, size: float) -> list[str]:
    """Wrap a bold heading to ``width`` inches, measured in bold."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    bold = FontProperties(weight="bold")
    rows: list[str] = []
    for word in text.split(" "):
        trial = f"{rows[-1]} {word}" if rows else word
        wide = path_width(TextPath((0, 0), trial, size=size, prop=bold)) / 72
        if rows and wide <= width:
            rows[-1] = trial
        else:
            rows.append(word)
    return rows


def _deal(heights: Sequence[int], columns: int) -> list[int]:
    """Deal labels of ``heights`` lines, in order, into ``columns``; return their columns."""
    target = math.ceil(sum(heights) / columns)
    out, column, filled = [], 0, 0
    for h in heights:
        if filled and filled + h > target and column < columns - 1:
            column, filled = column + 1, 0
        out.append(column)
        filled += h
    return out


def _rows(heights: Sequence[int], columns: int) -> int:
    """Return the lines of the longest column when ``heights`` are dealt into ``columns``."""
    dealt = _deal(heights, columns)
    return max(sum(h for h, c in zip(heights, dealt, strict=True) if c == k) for k in set(dealt))


def _across(net: Network, nodes: Sequence[str], above: set[str], below: set[str]) -> int:
    """Count the arrows from nodes of the groups ``above`` to nodes of those ``below``."""
    keep = set(nodes)
    return sum(
        1
        for n in nodes
        if net.group_of(n) in below
        for p in net.spec.nodes[n].parents
        if p in keep and net.group_of(p) in above
    )


def overview_layout(
    net: Network, nodes: Sequence[str], width: float, *, top: float = TOP
) -> Overview:
    """Lay out the boxes of ``nodes``' groups for a figure ``width`` inches wide.

    Each tier's boxes sit side by side; a box takes more columns of labels while
    that makes its tier shorter and the tier still fits the width.

    Raises
    ------
    NoRoom
        When a tier's boxes, one column of labels each, are wider than ``width``,
        or the whole is taller than :data:`MAX_HEIGHT`.
    """
    with st.drawing(width):
        size, head = st.pt(st.NODE_FONT), st.pt(st.NOTE)
    line, head_line = size * LINE / 72, head * LINE / 72
    groups = [g for g in GROUPS if any(net.group_of(n) == g for n in nodes)]
    groups += sorted({net.group_of(n) for n in nodes} - set(groups))
    lines = {
        g: [
            (n, _label_lines(st.tagged(net.label(n), g), size))
            for n in nodes
            if net.group_of(n) == g
        ]
        for g in groups
    }
    heights = {g: [len(ls) for _, ls in lines[g]] for g in groups}
    column_w = {g: max(text_width(t, size) for _, ls in lines[g] for t in ls) for g in groups}
    boxes: list[Box] = []
    gutters: list[tuple[float, int]] = []
    y = -top
    tiers = _tiers(groups)
    for k, tier in enumerate(tiers):
        avail = width - 2 * MARGIN - GAP * (len(tier) - 1)
        cols = dict.fromkeys(tier, 1)

        def box_w(g: str, cols: Mapping[str, int] = cols) -> float:
            labels = cols[g] * column_w[g] + (cols[g] - 1) * COLUMN_GAP
            return max(labels, MIN_BOX - 2 * PAD) + 2 * PAD

        if sum(box_w(g) for g in tier) > avail + 1e-9:
            need = sum(box_w(g) for g in tier) + GAP * (len(tier) - 1) + 2 * MARGIN
            names = ", ".join(HEADINGS.get(g, (g, g))[1] for g in tier)
            raise NoRoom(
                f"the boxes of its {names} side by side, each listing its nodes at "
                f"{size:.1f} pt, need {need:.1f} in"
            )
        while True:  # a column more for the tallest box, while it fits and helps
            tallest = max(tier, key=lambda g: (_rows(heights[g], cols[g]), -tier.index(g)))
            rows = _rows(heights[tallest], cols[tallest])
            trial = {**cols, tallest: cols[tallest] + 1}
            if (
                cols[tallest] >= len(heights[tallest])
                or sum(box_w(g, trial) for g in tier) > avail + 1e-9
                or _rows(heights[tallest], trial[tallest]) >= rows
            ):
                break
            cols[tallest] += 1
        # the boxes share the width left over in proportion to their widths
        spread = avail / sum(box_w(g) for g in tier)
        drawn: list[tuple[str, float, list[str], list[str]]] = []
        for g in tier:
            w = box_w(g) * spread
            heading = f"{st.tagged(HEADINGS.get(g, (g, g))[0], g)} ({len(lines[g])})"
            heads = _bold_lines(heading, w - 2 * PAD, head)
            # italic runs a little wider than it measures upright
            said = unit_lines(_arrows_in(net, nodes, g)[0], (w - 2 * PAD) / 1.05, size)
            # the labels wrapped again, to the columns' width now that it is known
            cap = (w - 2 * PAD - (cols[g] - 1) * COLUMN_GAP) / cols[g]
            lines[g] = [(n, _label_lines(" ".join(ls), size, cap)) for n, ls in lines[g]]
            heights[g] = [len(ls) for _, ls in lines[g]]
            drawn.append((g, w, heads, said))
        tier_h = max(
            2 * PAD
            + len(heads) * head_line
            + (len(said) + _rows(heights[g], cols[g])) * line
            + 0.04
            for g, _, heads, said in drawn
        )
        x = MARGIN
        for g, w, heads, said in drawn:
            dealt = _deal(heights[g], cols[g])
            places, row, column = [], 0, 0
            for (node, ls), c in zip(lines[g], dealt, strict=True):
                row, column = (row, column) if c == column else (0, c)
                places.append((node, "\n".join(ls), c, row))
                row += len(ls)
            boxes.append(
                Box(g, x, y, w, tier_h, tuple(heads), tuple(said), tuple(places), cols[g])
            )
            x += w + GAP
        y -= tier_h
        if k < len(tiers) - 1:
            above = {g for t in tiers[: k + 1] for g in t}
            below = {g for t in tiers[k + 1 :] for g in t}
            gutters.append((y - TIER_GAP / 2, _across(net, nodes, above, below)))
            y -= TIER_GAP
    height = -y + MARGIN
    if height > MAX_HEIGHT + 1e-9:
        raise NoRoom(
            f"its {len(nodes)} nodes, listed by group at {size:.1f} pt, need {height:.1f} in "
            f"of height, more than a journal's {MAX_HEIGHT:g} in"
        )
    moved = tuple(replace(b, y=b.y + height) for b in boxes)  # y from the figure's bottom
    return Overview(moved, tuple((g + height, n) for g, n in gutters), width, height, (size, head))


def plot_network_overview(
    net: Network, nodes: Sequence[str], width: float, *, top: float = TOP
) -> Axes:
    """Draw the overview of ``nodes`` on a new figure ``width`` inches wide.

    Boxes have ``gid="group:<group>"``, labels ``"label:<node>"``, the counts of
    arrows into a box ``"arrows-in:<group>"`` and the arrows down between tiers
    ``"flow:<k>"`` (their counts ``"flow-count:<k>"``).

    Raises
    ------
    NoRoom
        As :func:`overview_layout` does.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrow

    lay = overview_layout(net, nodes, width, top=top)
    size, head = lay.sizes
    line, head_line = size * LINE / 72, head * LINE / 72
    fig = plt.figure(figsize=(width, lay.height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(0.0, lay.height)
    ax.set_axis_off()
    for b in lay.boxes:
        ink = "white" if b.group == "presentation" else st.TEXT
        box = group_box((b.x, b.y - b.h), b.w, b.h, b.group, 2)
        box.set_gid(f"group:{b.group}")
        ax.add_patch(box)

        def write(x: float, y: float, text: str, gid: str, ink: str = ink, **look: Any) -> None:
            ax.text(x, y, text, ha="left", va="top", color=ink, gid=gid, zorder=4, **look)

        at = b.y - PAD
        spaced = LINE * 0.9
        heading = "\n".join(b.heading)
        bold: dict[str, Any] = {"fontsize": head, "fontweight": "bold", "linespacing": spaced}
        write(b.x + PAD, at, heading, f"header:{b.group}", **bold)
        at -= len(b.heading) * head_line
        counts = "\n".join(b.arrows_in)
        italic: dict[str, Any] = {"fontsize": size, "fontstyle": "italic", "linespacing": spaced}
        write(b.x + PAD, at, counts, f"arrows-in:{b.group}", **italic)
        at -= len(b.arrows_in) * line + 0.04
        step = (b.w - 2 * PAD) / b.columns
        for node, label, column, row in b.places:
            x = b.x + PAD + column * step
            write(x, at - row * line, label, f"label:{node}", fontsize=size, linespacing=spaced)
    for k, (y, across) in enumerate(lay.gutters):
        arrow = FancyArrow(
            width / 2,
            y + TIER_GAP / 2 - 0.03,
            0.0,
            -(TIER_GAP - 0.06),
            width=0.05,
            head_width=0.16,
            head_length=0.1,
            length_includes_head=True,
            color=st.EDGE,
            alpha=0.6,
            lw=0,
            zorder=1,
        )
        arrow.set_gid(f"flow:{k}")
        ax.add_patch(arrow)
        ax.text(
            width / 2 + 0.14,
            y,
            f"{across} arrows down",
            ha="left",
            va="center",
            fontsize=size,
            color=st.TEXT,
            gid=f"flow-count:{k}",
        )
    return ax


def network_page(
    net: Network, nodes: Sequence[str], size: str, *, part: bool, dropped: bool
) -> Axes:
    """Draw the titled overview of ``nodes`` at a journal ``size``, or refuse it.

    ``part``: only some groups are drawn (the title says "part of"); ``dropped``: nodes
    of those groups not linked to their causes are left out (the title says so).

    Raises
    ------
    BackspasmError
        When the overview does not fit that width (a column), naming why and the
        least size it needs.
    """
    from backspasm.exceptions import BackspasmError

    width = st.SIZE_WIDTHS[size]
    edges = sum(1 for n in nodes for p in net.spec.nodes[n].parents if p in set(nodes))
    groups = len({net.group_of(n) for n in nodes})
    title = (
        f"{'Part of the' if part else 'The'} back-spasm network: {len(nodes)} nodes "
        f"in {groups} groups, {edges} arrows"
    )
    sub = (
        "each box names its nodes and counts the arrows into them by the group they "
        "come from; arrows run from cause to effect, top to bottom"
        + ("; only the nodes linked to the causes shown" if dropped else "")
    )
    with st.drawing(width):
        big, small = st.pt(st.TITLE - 1), st.pt(st.NOTE)
    sub_lines = unit_lines([f"{w} " for w in sub.split(" ")], width - 2 * MARGIN, small)
    top = 0.1 + big * LINE / 72 + len(sub_lines) * small * LINE / 72 + 0.1
    try:
        ax = plot_network_overview(net, nodes, width, top=top)
    except NoRoom as why:
        least = (
            "a slide, 13.33 x 7.5 in (size='slide')"
            if size == "page"
            else "a page, 7 in wide (size='page'), which names its nodes by group, or a "
            "slide, 13.33 x 7.5 in (size='slide'), which draws every arrow"
        )
        raise BackspasmError(
            f"plot_network cannot be drawn at size {size!r} ({width:g} in wide): {why}; "
            f"the least it needs is {least}."
        ) from None
    height = float(ax.get_ylim()[1])
    ax.text(
        MARGIN,
        height - 0.1,
        title,
        ha="left",
        va="top",
        fontsize=big,
        color=st.TEXT,
        gid="title",
    )
    ax.text(
        MARGIN,
        height - 0.1 - big * LINE / 72,
        "\n".join(sub_lines),
        ha="left",
        va="top",
        fontsize=small,
        color=st.TEXT,
        linespacing=LINE * 0.9,
        gid="subtitle",
    )
    return ax
