"""The diagnostic view: causes, the mechanisms they share and the findings, on one slide.

:func:`plot_diagnostic_view` is the compact companion of the whole-network drawings
of :mod:`backspasm.figures.network`: no context, exposures, presentation or
complications, so that a cause can be followed to the questions that reveal it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._graph import check_room, column_header, legend_under, title_room, title_x
from backspasm.figures._layout import layout
from backspasm.figures._paths import bezier
from backspasm.figures._words import text_width, unit_lines

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.network import Network

__all__ = ["plot_diagnostic_view"]


#: Height of a line of text, in multiples of its type size.
_LINE = 1.35
#: The marker of a cause by its kind: a second cue beside the colour.
_MARKERS = {"cause_serious": "^", "cause_pathologic": "s", "cause_fitness": "o"}


def _spread(nodes: Sequence[str], top: float, bottom: float) -> dict[str, float]:
    """Heights of nodes spread evenly from ``top`` down to ``bottom``, in order."""
    if len(nodes) == 1:
        return {nodes[0]: (top + bottom) / 2}
    step = (top - bottom) / (len(nodes) - 1)
    return {n: top - i * step for i, n in enumerate(nodes)}


def plot_diagnostic_view(
    network: Network | None = None, *, ax: Axes | None = None, size: str | None = None
) -> Axes:
    """Draw the diagnostic core of the network on one slide.

    Three columns: the causes (left, by kind), the latent mechanisms they share
    (middle) and the findings a doctor asks about (right); no context, exposures,
    presentation or complications. Lines run from each cause to the mechanisms and
    findings it produces and from each mechanism to its findings, coloured by the
    node they leave, so that a cause can be followed to the questions that reveal
    it. Nodes keep the vertical order of :func:`plot_network` (few crossings).

    Parameters
    ----------
    network : Network, optional
        Defaults to the bundled network.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new 13.33 x 7.5 in figure.
    size : {"slide"}, optional
        The size of the new figure: only a slide holds the view readably.

    Returns
    -------
    matplotlib.axes.Axes
        Node markers have ``gid="node:<name>"``, labels ``"label:<name>"`` and lines
        ``"edge:<parent>-><child>"``.

    Raises
    ------
    BackspasmError
        As :func:`~backspasm.figures.plot_network` does, for a size where the view
        cannot be read.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    net = network if network is not None else _default()
    causes = [n for g in st.CAUSE_GROUPS for n in net.nodes_in(g)]
    mechanisms = list(net.nodes_in("mechanism"))
    findings = list(net.nodes_in("finding"))
    nodes = [*causes, *mechanisms, *findings]
    check_room(ax, size, "plot_diagnostic_view", len(nodes))
    lay = layout(net, nodes, box_h=0.3)

    def by_height(group: Sequence[str]) -> list[str]:
        return sorted(group, key=lambda n: (-lay.pos[n][1], nodes.index(n)))

    if ax is None:
        fig = plt.figure(figsize=st.SLIDE_SIZE)
        ax = fig.add_axes((0.008, 0.07, 0.984, 0.8))
    width, height = st.SLIDE_SIZE[0], st.SLIDE_SIZE[1] * 0.8
    top, bottom = height - 0.45, 0.1
    finding_font = st.MIN_FONT + 0.5
    label_w = max(text_width(net.label(n), finding_font) for n in findings)
    # One line of finding labels per row while they fit the height; beyond that the
    # findings are dealt alternately into two staggered columns (vertical order kept),
    # so that neighbours in a column are two rows apart.
    stagger = len(findings) * _LINE * finding_font / 72 > top - bottom
    x_finding = width - label_w - 0.25
    x_findings = (x_finding - label_w - 0.3, x_finding) if stagger else (x_finding,)
    x_cause = 2.55
    x_mech = (x_cause + x_findings[0]) / 2
    mech_w = max(text_width(net.label(n), st.NOTE) for n in mechanisms) + 0.3
    y = {
        **_spread(by_height(causes), top - 0.05, bottom + 0.05),
        **_spread(by_height(mechanisms), top - 0.3, bottom + 0.3),
        **_spread(by_height(findings), top, bottom),
    }
    order = _beside_parents(by_height(findings), net) if stagger else by_height(findings)
    y.update(_spread(order, top, bottom))
    x_of = {n: x_findings[i % len(x_findings)] for i, n in enumerate(order)}
    column_of = {
        "mechanism": sorted(mechanisms, key=lambda n: -y[n]),
        "finding": [n for n in order if x_of[n] == x_findings[0]],
    }
    if stagger:
        column_of["finding_right"] = [n for n in order if x_of[n] == x_findings[-1]]

    def neighbours(a: str, b: str) -> bool:
        """Whether two nodes are next to each other in one column (nothing between)."""
        for column in column_of.values():
            if a in column and b in column:
                return abs(column.index(a) - column.index(b)) == 1
        return False

    def anchor(n: str, side: str) -> tuple[float, float]:
        group = net.group_of(n)
        if group == "mechanism":
            return (x_mech + (mech_w / 2 if side == "out" else -mech_w / 2), y[n])
        if group == "finding":
            return (x_of[n] - 0.08, y[n])
        return (x_cause + 0.08, y[n])

    keep = set(nodes)
    for child in nodes:
        for parent in net.spec.nodes[child].parents:
            if parent not in keep:
                continue
            start, end = anchor(parent, "out"), anchor(child, "in")
            kind = net.group_of(parent)
            if kind == "mechanism" == net.group_of(child) and neighbours(parent, child):
                # neighbours in the column: a short straight arrow from box to box
                sign = 1.0 if y[child] > y[parent] else -1.0
                path = _straight(
                    (x_mech, y[parent] + sign * 0.15), (x_mech, y[child] - sign * 0.15)
                )
            elif kind == "finding" == net.group_of(child):
                # one finding leading to another (set beside it in its column): a short
                # arc on the left of their dots, clear of every label
                path = _arc(
                    (x_of[parent] - 0.07, y[parent]), (x_of[child] - 0.07, y[child]), -0.16
                )
            elif kind[:5] == net.group_of(child)[:5]:
                # a cause of a cause, a mechanism of a mechanism: an arc on the side
                # the lines leave from
                path = _arc(start, anchor(child, "out"), 0.3)
            else:
                path = bezier([start, end])
            direct = net.group_of(child) == "finding" and net.is_cause(parent)
            line = FancyArrowPatch(
                path=path,
                arrowstyle="-|>,head_length=3.5,head_width=1.8",
                color=st.colour(net.group_of(parent)),
                lw=0.8,
                alpha=0.28 if direct else 0.6,
                zorder=1,
            )
            line.set_gid(f"edge:{parent}->{child}")
            ax.add_patch(line)
    for n in causes:
        group = net.group_of(n)
        (dot,) = ax.plot(
            [x_cause],
            [y[n]],
            _MARKERS.get(group, "o"),
            ms=7,
            color=st.colour(group),
            zorder=4,
            label=net.label(n),
        )
        dot.set_gid(f"node:{n}")
        ax.text(
            x_cause - 0.1,
            y[n],
            st.tagged(net.label(n), group),
            ha="right",
            va="center",
            fontsize=st.NOTE + 0.5,
            color=st.colour(group) if group == "cause_serious" else st.TEXT,
            fontweight="bold" if group == "cause_serious" else "normal",
            gid=f"label:{n}",
        )
    for n in mechanisms:
        box = FancyBboxPatch(
            (x_mech - mech_w / 2, y[n] - 0.15),
            mech_w,
            0.3,
            boxstyle="round,pad=0,rounding_size=0.06",
            facecolor=st.mix(st.colour("mechanism"), 0.72),
            edgecolor=st.colour("mechanism"),
            lw=1.0,
            zorder=3,
        )
        box.set_gid(f"node:{n}")
        box.set_label(net.label(n))
        ax.add_patch(box)
        ax.text(
            x_mech,
            y[n],
            net.label(n),
            ha="center",
            va="center",
            fontsize=st.NOTE,
            color=st.TEXT,
            zorder=5,
            gid=f"label:{n}",
        )
    for n in findings:
        (dot,) = ax.plot(
            [x_of[n]],
            [y[n]],
            "o",
            ms=5,
            color=st.bar_colour("finding"),
            zorder=4,
            label=net.label(n),
        )
        dot.set_gid(f"node:{n}")
        # the arrows to the right-hand column pass the labels of the left-hand one:
        # they run under a label's backing, faint there, so that no label is struck
        # through and the line still reads as going on
        ax.text(
            x_of[n] + 0.1,
            y[n],
            net.label(n),
            ha="left",
            va="center",
            fontsize=finding_font,
            color=st.TEXT,
            zorder=2,
            bbox={
                "boxstyle": "square,pad=0.05",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
            gid=f"label:{n}",
        )
    # each header over its own column: the causes' over their labels (right-aligned
    # to their markers), so that it never runs into the mechanisms'
    for x, text, ha in (
        (x_cause + 0.1, f"{len(causes)} causes", "right"),
        (x_mech, f"{len(mechanisms)} shared mechanisms\n(latent)", "center"),
        (
            (x_findings[0] + x_findings[-1] + label_w) / 2,
            f"{len(findings)} findings (symptoms, signs)",
            "center",
        ),
    ):
        column_header(ax, x, height - 0.05, text, va="top", size=st.LABEL, ha=ha)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    # the subtitle on as many lines as keep it clear of the figure's right edge
    room = title_room(float(st.figure_of(ax).get_figwidth()))
    ax.set_title(
        "Diagnostic view of the back-spasm network: which findings reveal which causes\n"
        + "\n".join(unit_lines(_SUBTITLE, room, st.TITLE - 1)),
        fontsize=st.TITLE - 1,
        loc="left",
        x=title_x(ax),
    )
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker=_MARKERS[g],
            ms=7,
            color=st.colour(g),
            label=st.tagged(st.GROUP_NAMES[g], g),
        )
        for g in st.CAUSE_GROUPS
    ] + [
        Patch(
            facecolor=st.mix(st.colour("mechanism"), 0.72),
            edgecolor=st.colour("mechanism"),
            label=st.GROUP_NAMES["mechanism"],
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=5,
            color=st.bar_colour("finding"),
            label=st.GROUP_NAMES["finding"],
        ),
    ]
    legend_under(ax, handles, ncol=len(handles), handletextpad=0.3, columnspacing=1.2)
    return ax


#: What the lines are: they also run from a mechanism to a mechanism and from a
#: finding to a finding (the duration of the spasms to no improvement after a month).
_SUBTITLE = (
    "each arrow runs from a cause, mechanism or finding to what it makes more likely; ",
    "exposures, context and complications are left out",
)


def _straight(start: tuple[float, float], end: tuple[float, float]) -> Any:
    """Return a straight line from ``start`` to ``end`` (its arrowhead set along it)."""
    from matplotlib.path import Path as MplPath

    return MplPath([start, end], [MplPath.MOVETO, MplPath.LINETO])


def _arc(start: tuple[float, float], end: tuple[float, float], bulge: float) -> Any:
    """Return a short arc from ``start`` to ``end``, bowed ``bulge`` in. sideways (left if < 0)."""
    from matplotlib.path import Path as MplPath

    side = (min if bulge < 0 else max)(start[0], end[0]) + bulge
    middle = (start[1] + end[1]) / 2
    return MplPath(
        [start, (side, start[1]), (side, middle), (side, middle), (side, end[1]), end],
        [
            MplPath.MOVETO,
            MplPath.CURVE3,
            MplPath.CURVE3,
            MplPath.LINETO,
            MplPath.CURVE3,
            MplPath.CURVE3,
        ],
    )


def _beside_parents(order: Sequence[str], network: Network) -> list[str]:
    """Move a finding that another finding leads to next to it in its column.

    The findings are dealt alternately into two staggered columns when they are
    many: a child one row from its parent would land in the other column, and the
    line between them would cross labels. The child changes places with its
    neighbour in the list, so that it sits two rows from the parent, in its column.
    """
    order = list(order)
    for child in list(order):
        for parent in network.spec.nodes[child].parents:
            if parent not in order:
                continue
            i, j = order.index(child), order.index(parent)
            if abs(i - j) % 2 == 0:  # already in the parent's column
                continue
            k = i + 1 if i < j else i - 1  # the neighbour on the parent's side ...
            if k == j:  # ... unless it is the parent: the one on the other side
                k = i - 1 if i < j else i + 1
            if 0 <= k < len(order):
                order[i], order[k] = order[k], order[i]
    return order


def _default() -> Network:
    from backspasm.network import default_network

    return default_network()
