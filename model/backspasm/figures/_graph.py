"""Drawing the network graph on a slide: axes, boxes, arrows, headers and legends.

Shared by :func:`~backspasm.figures.network.plot_network` and
:func:`~backspasm.figures.network.plot_network_beliefs` (and the legend by
:func:`~backspasm.figures.diagnostic.plot_diagnostic_view`). One data unit is one
inch of the 13.33 x 7.5 in slide, so the sizes in points are the sizes on a slide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._layout import parents_within, slide_layout
from backspasm.figures._routing import EDGE_WIDTH, HEAD_LENGTH, HEAD_WIDTH, route_edges
from backspasm.layout import Layout
from backspasm.spec import GROUPS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.network import Network

BOTTOM = 0.55  # inches under the drawing for the legend
HEADER = 0.4  # inches above the top box for the column headers
FOOT = 0.06  # inches of the Axes under the lowest box, so that its outline is not cut
TITLE_INSET = 0.12  # inches between the slide's left edge and the title


def title_room(width: float) -> float:
    """Return the inches a line of a drawing's title may take in a figure ``width`` in wide.

    :data:`TITLE_INSET` clear of either edge, less 4%: text drawn at a low
    resolution runs wider than it measures (:func:`~backspasm.figures._wrap.text_width`).
    """
    return (width - 2 * TITLE_INSET) * 0.96


#: The smallest named size the drawings of the network are readable at: their
#: hundred boxes need a slide's 13.33 in with 9 pt labels (on a page's 7 in, a trial
#: layout took six or seven columns of 7 pt labels with gutters of a few hundredths
#: of an inch, the boxes of neighbouring columns touching).
NETWORK_SIZE = "slide"


def check_room(ax: Axes | None, size: str | None, where: str, nodes: int) -> None:
    """Refuse to draw the network at a size where it cannot be read.

    Raises
    ------
    BackspasmError
        For ``size`` other than :data:`NETWORK_SIZE`, or an ``ax`` on a figure
        narrower than a slide, naming the figure (``where``), the size asked and
        the least size it needs.
    """
    need = st.SLIDE_SIZE
    least = f"the least it needs is a slide, {need[0]:g} x {need[1]:g} in (size='slide')"
    why = (
        f"its {nodes} nodes cannot be read at that size (their labels would fall "
        f"under {st.JOURNAL_MIN_FONT:g} pt or their boxes overlap)"
    )
    if ax is not None and size is not None:
        raise BackspasmError(
            f"{where} takes 'size' or 'ax', not both: the size is that of a new figure."
        )
    if size is not None:
        st.check_size(size, where)
        if size != NETWORK_SIZE:
            wide = st.SIZE_WIDTHS[size]
            raise BackspasmError(
                f"{where} cannot be drawn at size {size!r} ({wide:g} in wide): {why}; {least}."
            )
    if ax is None:
        return
    fig = st.figure_of(ax)
    width, height = (float(v) for v in fig.get_size_inches())
    if width < need[0] - 0.01:
        raise BackspasmError(
            f"{where} cannot be drawn on an Axes of a {width:g} x {height:g} in figure: "
            f"{why}; {least}."
        )


def graph_layout(
    network: Network,
    nodes: Sequence[str],
    *,
    box_h: float,
    top: float,
    min_box_w: float = 0.0,
    min_gap: float = 0.28,
) -> Layout:
    """Lay ``nodes`` out for a slide, leaving ``top`` inches for the title.

    ``min_gap`` is the narrowest gap between columns (see
    :func:`~backspasm.figures._layout.slide_layout`).
    """
    height = st.SLIDE_SIZE[1] - top - BOTTOM - HEADER
    return slide_layout(
        network,
        nodes,
        box_h=box_h,
        width=st.SLIDE_SIZE[0],
        height=height,
        min_box_w=min_box_w,
        min_gap=min_gap,
    )


def graph_axes(ax: Axes | None, lay: Layout) -> Axes:
    """Axes on which one data unit is one inch of a new slide-sized figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    width, height = st.SLIDE_SIZE
    fig = plt.figure(figsize=st.SLIDE_SIZE)
    return fig.add_axes(
        (
            0.0,
            (BOTTOM - FOOT) / height,
            lay.width / width,
            (lay.height + HEADER + FOOT) / height,
        )
    )


def box_look(group: str) -> tuple[Any, str, Any, float]:
    """Return a group's box look: face colour, edge colour, line style, width (points)."""
    face = st.colour(group) if group == "presentation" else st.mix(st.colour(group), 0.72)
    edge = st.colour(group) if group != "exposure" else st.BAR_SHADE["exposure"]
    style, width = st.border(group)
    return face, edge, style, width


def group_box(xy: tuple[float, float], w: float, h: float, group: str, zorder: int) -> Any:
    """Return a rounded box of ``group``'s look, its lower left corner at ``xy``."""
    from matplotlib.patches import FancyBboxPatch

    face, edge, style, width = box_look(group)
    return FancyBboxPatch(
        xy,
        w,
        h,
        boxstyle="round,pad=0,rounding_size=0.06",
        facecolor=face,
        edgecolor=edge,
        lw=width,
        linestyle=style,
        zorder=zorder,
    )


def draw_graph(
    network: Network,
    layout: Layout,
    ax: Axes,
    *,
    label_offset: float,
    edge_alpha: float = 0.5,
) -> dict[str, Any]:
    """Draw the edges, the node boxes and their labels; return the box patches.

    Edges run through the gaps between boxes and end on their child's box (see
    :func:`~backspasm.figures._routing.route_edges`): no line passes behind a box and
    no arrowhead sits between two boxes it does not join.
    """
    from matplotlib.patches import FancyArrowPatch

    edges = [(p, n) for n in layout.pos for p in network.spec.nodes[n].parents if p in layout.pos]
    outline = {n: st.border(network.group_of(n))[1] / 2 / 72 for n in layout.pos}
    for (p, n), route in route_edges(layout, edges, outline).items():
        # a head shortened to fit a narrow gap between two rows keeps its shape
        head = route.head
        arrow = FancyArrowPatch(
            path=route.path,
            arrowstyle=(
                f"-|>,head_length={head:.2f},head_width={head * HEAD_WIDTH / HEAD_LENGTH:.2f}"
                if head
                else "-"
            ),
            color=st.EDGE,
            lw=EDGE_WIDTH,
            alpha=edge_alpha,
            zorder=1,
        )
        arrow.set_gid(f"edge:{p}->{n}")
        ax.add_patch(arrow)
    boxes = {}
    h = layout.box_h
    for n, (x, y) in layout.pos.items():
        w = layout.box_w(n)
        group = network.group_of(n)
        dark = group == "presentation"
        box = group_box((x - w / 2, y - h / 2), w, h, group, 3)
        box.set_gid(f"node:{n}")
        box.set_label(network.label(n))
        ax.add_patch(box)
        boxes[n] = box
        ax.text(
            x,
            y + label_offset,
            layout.labels[n],
            ha="center",
            va="center",
            fontsize=layout.label_size,
            color="white" if dark else st.TEXT,
            zorder=5,
            linespacing=1.05,
            gid=f"label:{n}",
        )
    return boxes


def legend_under(ax: Axes, handles: Sequence[Any], *, ncol: int, **options: Any) -> None:
    """Put a frameless legend of ``handles`` right under the Axes."""
    ax.legend(
        handles=list(handles),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=ncol,
        frameon=False,
        fontsize=st.NOTE,
        **options,
    )


def group_legend(
    ax: Axes, groups: Sequence[str], extra: Sequence[Any] = (), *, ncol: int = 6
) -> None:
    """Legend of the node groups (and ``extra`` handles) under the drawing."""
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=face,
            edgecolor=edge,
            linestyle=style,
            lw=width,
            label=st.tagged(st.GROUP_NAMES.get(g, g), g),
        )
        for g in groups
        for face, edge, style, width in [box_look(g)]
    ]
    legend_under(
        ax, [*handles, *extra], ncol=ncol, handlelength=1.5, columnspacing=1.4, borderpad=0.2
    )


def column_header(
    ax: Axes,
    x: float,
    y: float,
    text: str,
    *,
    va: str = "bottom",
    size: float = st.NOTE,
    ha: str = "center",
) -> None:
    """Write a bold column header at ``x``, centred on it by default (``gid="header:<text>"``)."""
    ax.text(
        x,
        y,
        text,
        ha=ha,
        va=va,
        fontsize=size,
        fontweight="bold",
        color=st.TEXT,
        linespacing=1.0,
        gid=f"header:{text}",
    )


def frame_graph(ax: Axes, layout: Layout) -> None:
    """Column headers over the drawing; limits at one unit per inch; no axis lines.

    A layer dealt into several sub-columns has its header centred over all of them
    and a thin rule under it from the first one's left edge to the last one's right
    edge, so that no sub-column reads as unheaded.
    """
    spans = layout.spans or tuple((x, x) for _, x in layout.columns)
    for (title, x), (left, right) in zip(layout.columns, spans, strict=True):
        column_header(ax, x, layout.height + 0.06, title)
        if right - left > max(layout.column_w, default=0.0) + 1e-9:  # several sub-columns
            ax.plot(
                [left, right],
                [layout.height + 0.035] * 2,
                color="#9A9A9A",
                lw=0.8,
                solid_capstyle="butt",
                gid=f"header-rule:{title}",
            )
    ax.set_xlim(0.0, layout.width)
    ax.set_ylim(-FOOT, layout.height + HEADER)
    ax.set_aspect("equal")
    ax.set_axis_off()


def title_x(ax: Axes) -> float:
    """Return the x (Axes fraction) of a title :data:`TITLE_INSET` in from the figure's edge."""
    fig = ax.get_figure(root=True)
    width = float(fig.get_figwidth()) if fig is not None else st.SLIDE_SIZE[0]
    box = ax.get_position()
    return max(TITLE_INSET - float(box.x0) * width, 0.0) / max(float(box.width) * width, 1e-6)


def nodes_for(network: Network, groups: Sequence[str] | None) -> list[str]:
    """Return the network's nodes in ``groups`` (all by default), checking the names.

    When ``groups`` names some causes, the nodes of the other groups are kept only
    if they are linked to those causes within the groups drawn: the effects of the
    causes (and their effects, such as the findings a mechanism produces) and their
    causes (the exposures that lead to them). So ``("cause_serious", "mechanism",
    "finding")`` draws the serious causes, the mechanisms they act through and the
    findings that reveal them.
    """
    if groups is None:
        return list(network.spec.nodes)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise BackspasmError(
            f"The 'groups' parameter of plot_network must name groups among "
            f"{', '.join(GROUPS)}; got {unknown[0]!r} instead."
        )
    nodes = [n for n in network.spec.nodes if network.group_of(n) in groups]
    if not nodes:
        raise BackspasmError(
            f"The 'groups' parameter of plot_network must name at least one group with "
            f"nodes in the network (among {', '.join(GROUPS)}); got {list(groups)!r} instead."
        )
    causes = [n for n in nodes if network.is_cause(n)]
    if not causes:
        return nodes
    parents = parents_within(network, nodes)
    children = {n: [m for m in nodes if n in parents[m]] for n in nodes}
    linked = set(causes)
    for step in (children, parents):  # effects downstream, causes upstream
        todo = list(causes)
        while todo:
            for m in step[todo.pop()]:
                if m not in linked:
                    linked.add(m)
                    todo.append(m)
    return [n for n in nodes if n in linked]


def present_groups(network: Network, nodes: Sequence[str]) -> list[str]:
    """Return the groups of ``nodes``, in the order of :data:`backspasm.spec.GROUPS`."""
    have = {network.group_of(n) for n in nodes}
    return [g for g in GROUPS if g in have]
