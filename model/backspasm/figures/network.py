"""Drawings of the network: the whole graph, its beliefs for a case, a diagnostic view.

:func:`plot_network` and :func:`plot_network_beliefs` draw every node in columns by
role at slide width (13.33 in; the figure is as tall as the longest column needs),
with 9 pt labels. :func:`plot_diagnostic_view` is the slide-sized companion: only
the causes, the mechanisms they share and the findings, on one 13.33 x 7.5 in slide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._layout import NODE_FONT, edge_path, layout, text_width
from backspasm.layout import Layout
from backspasm.spec import GROUPS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis
    from backspasm.network import Network

__all__ = ["plot_diagnostic_view", "plot_network", "plot_network_beliefs"]

_TOP = 1.0  # inches above the drawing for the title
_BOTTOM = 0.75  # inches below it for the legend
_HEADER = 0.55  # inches above the top box for the column headers


def _graph_axes(ax: Axes | None, lay: Layout) -> Axes:
    """Axes on which one data unit is one inch of a slide-wide figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    height = lay.height + _HEADER + _TOP + _BOTTOM
    fig = plt.figure(figsize=(st.SLIDE_SIZE[0], height))
    return fig.add_axes(
        (0.0, _BOTTOM / height, lay.width / st.SLIDE_SIZE[0], (lay.height + _HEADER) / height)
    )


def _draw_graph(
    network: Network,
    layout: Layout,
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
                path=edge_path(layout, p, n),
                arrowstyle="-|>,head_length=4,head_width=2.2",
                color=st.EDGE,
                lw=0.7,
                alpha=0.55,
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
        box = FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.07",
            facecolor=st.colour(group) if dark else st.mix(st.colour(group), 0.72),
            edgecolor=st.colour(group) if group != "exposure" else st.BAR_SHADE["exposure"],
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
            layout.labels[n],
            ha="center",
            va="center",
            fontsize=fontsize,
            color="white" if dark else st.TEXT,
            zorder=5,
            linespacing=1.1,
            gid=f"label:{n}",
        )
    return boxes


def _group_legend(
    ax: Axes, groups: Sequence[str], extra: Sequence[Any] = (), *, ncol: int = 5
) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=st.colour(g) if g == "presentation" else st.mix(st.colour(g), 0.72),
            edgecolor=st.colour(g) if g != "exposure" else st.BAR_SHADE["exposure"],
            label=st.GROUP_NAMES.get(g, g),
        )
        for g in groups
    ]
    ax.legend(
        handles=[*handles, *extra],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=ncol,
        frameon=False,
        fontsize=st.NOTE,
        handlelength=1.6,
        columnspacing=1.6,
    )


def _frame_graph(ax: Axes, layout: Layout) -> None:
    for title, x in layout.columns:
        ax.text(
            x,
            layout.height + 0.12,
            title,
            ha="center",
            va="bottom",
            fontsize=st.NOTE,
            fontweight="bold",
            color=st.TEXT,
            gid=f"header:{title}",
        )
    ax.set_xlim(0.0, layout.width)
    ax.set_ylim(0.0, layout.height + _HEADER)
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


def _draw_layout(network: Network, nodes: Sequence[str], *, box_h: float) -> Layout:
    return layout(network, nodes, box_h)


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
    layout = _draw_layout(net, nodes, box_h=0.4)
    ax = _graph_axes(ax, layout)
    _draw_graph(net, layout, ax, label_offset=0.0, fontsize=NODE_FONT)
    _frame_graph(ax, layout)
    n_edges = sum(1 for n in nodes for p in net.spec.nodes[n].parents if p in layout.pos)
    ax.set_title(
        f"{'Part of the' if groups is not None else 'The'} back-spasm network: "
        f"{len(nodes)} nodes, {n_edges} arrows "
        "\neach arrow points from a cause to its effect; read left to right",
        fontsize=st.TITLE,
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

    net = st.network_of(diagnosis, network)
    layout = _draw_layout(net, list(net.spec.nodes), box_h=0.6)
    ax = _graph_axes(ax, layout)
    _draw_graph(net, layout, ax, label_offset=0.09, fontsize=NODE_FONT)
    h = layout.box_h
    evidence = getattr(diagnosis, "evidence", {})
    for n, (x, y) in layout.pos.items():
        w = layout.box_w(n)
        group = net.group_of(n)
        states = net.states(n)
        dist = diagnosis.beliefs[n]
        left = x - w / 2 + 0.08
        bar_y = y - h / 2 + 0.06
        bar_h = 0.15
        observed = evidence.get(n)
        hard = isinstance(observed, str)
        if len(states) == 2 and tuple(states) == ("no", "yes"):
            value = st.percent(float(dist["yes"]))
        else:
            top = max(states, key=lambda s: float(dist[s]))
            value = f"{_short_state(top)} {float(dist[top]):.0%}"
        # the value is written right of its bar, so the bar leaves it room
        room = text_width(value, NODE_FONT) * 1.1 + 0.06
        track_w = (w - 0.16) if hard else max(w - 0.16 - room, 0.2)
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
        fill = "#222222" if hard else st.bar_colour(group)
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
                    facecolor="#222222" if hard else st.mix(st.bar_colour(group), shade),
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
                fontsize=NODE_FONT,
                color="white",
                fontweight="bold",
                zorder=8,
                gid=f"observed:{n}",
            )
        else:
            ax.text(
                left + track_w + 0.05,
                bar_y + bar_h / 2,
                value,
                ha="left",
                va="center",
                fontsize=NODE_FONT,
                color="white" if group == "presentation" else st.TEXT,
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
    what = (
        f"What the network believes after {n_answers} answer{'s' * (n_answers != 1)}"
        if n_answers
        else "What the network believes before any answer"
    )
    ax.set_title(
        st.case_title(what, diagnosis, width=110)
        + f"\n{st.triage_text(diagnosis)}"
        + (f"; red flags: {'; '.join(f.replace('_', ' ') for f in flags)}" if flags else ""),
        fontsize=st.TITLE - 2,
        loc="left",
    )
    extra: list[Any] = [Line2D([], [], color="black", lw=2.4, label="observed (an answer)")]
    if any(not isinstance(v, str) for v in evidence.values()):
        extra.append(
            Line2D([], [], color="black", lw=2.4, ls=(0, (2.5, 1.5)), label="unsure answer")
        )
    _group_legend(ax, _present_groups(net, list(layout.pos)), extra, ncol=6)
    return ax


_DIAGNOSTIC_GROUPS = ("cause_serious", "cause_pathologic", "cause_fitness", "mechanism", "finding")


def _spread(nodes: Sequence[str], top: float, bottom: float) -> dict[str, float]:
    """Heights of nodes spread evenly from ``top`` down to ``bottom``, in order."""
    if len(nodes) == 1:
        return {nodes[0]: (top + bottom) / 2}
    step = (top - bottom) / (len(nodes) - 1)
    return {n: top - i * step for i, n in enumerate(nodes)}


def plot_diagnostic_view(network: Network | None = None, *, ax: Axes | None = None) -> Axes:
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

    Returns
    -------
    matplotlib.axes.Axes
        Node markers have ``gid="node:<name>"``, labels ``"label:<name>"`` and lines
        ``"edge:<parent>-><child>"``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    from backspasm.figures._layout import bezier

    net = network if network is not None else _default()
    causes = [n for g in st.CAUSE_GROUPS for n in net.nodes_in(g)]
    mechanisms = list(net.nodes_in("mechanism"))
    findings = list(net.nodes_in("finding"))
    nodes = [*causes, *mechanisms, *findings]
    lay = layout(net, nodes, box_h=0.3)

    def by_height(group: Sequence[str]) -> list[str]:
        return sorted(group, key=lambda n: (-lay.pos[n][1], nodes.index(n)))

    if ax is None:
        fig = plt.figure(figsize=st.SLIDE_SIZE)
        ax = fig.add_axes((0.008, 0.07, 0.984, 0.8))
    width, height = st.SLIDE_SIZE[0], st.SLIDE_SIZE[1] * 0.8
    top, bottom = height - 0.45, 0.1
    x_cause, x_finding, x_mech = 2.55, width - 2.6, width / 2 - 0.3
    mech_w = max(text_width(net.label(n), st.NOTE) for n in mechanisms) + 0.3
    y = {
        **_spread(by_height(causes), top - 0.05, bottom + 0.05),
        **_spread(by_height(mechanisms), top - 0.3, bottom + 0.3),
        **_spread(by_height(findings), top, bottom),
    }

    def anchor(n: str, side: str) -> tuple[float, float]:
        group = net.group_of(n)
        if group == "mechanism":
            return (x_mech + (mech_w / 2 if side == "out" else -mech_w / 2), y[n])
        if group == "finding":
            return (x_finding - 0.08, y[n])
        return (x_cause + 0.08, y[n])

    keep = set(nodes)
    for child in nodes:
        for parent in net.spec.nodes[child].parents:
            if parent not in keep:
                continue
            start, end = anchor(parent, "out"), anchor(child, "in")
            same = net.group_of(parent)[:5] == net.group_of(child)[:5]
            if same:  # a cause of a cause, or a mechanism of a mechanism: loop right
                bulge = start[0] + 0.45
                path = bezier([start, (bulge, (start[1] + end[1]) / 2), anchor(child, "out")])
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
            [x_cause], [y[n]], "o", ms=7, color=st.colour(group), zorder=4, label=net.label(n)
        )
        dot.set_gid(f"node:{n}")
        ax.text(
            x_cause - 0.1,
            y[n],
            net.label(n),
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
            [x_finding],
            [y[n]],
            "o",
            ms=5,
            color=st.bar_colour("finding"),
            zorder=4,
            label=net.label(n),
        )
        dot.set_gid(f"node:{n}")
        ax.text(
            x_finding + 0.1,
            y[n],
            net.label(n),
            ha="left",
            va="center",
            fontsize=st.MIN_FONT + 0.5,
            color=st.TEXT,
            gid=f"label:{n}",
        )
    for x, text in (
        (x_cause, f"{len(causes)} causes"),
        (x_mech, f"{len(mechanisms)} shared mechanisms (latent)"),
        (x_finding, f"{len(findings)} findings (the questions)"),
    ):
        ax.text(
            x,
            height - 0.05,
            text,
            ha="center",
            va="top",
            fontsize=st.LABEL,
            fontweight="bold",
            color=st.TEXT,
            gid=f"header:{text}",
        )
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    ax.set_title(
        "Diagnostic view of the back-spasm network: which findings reveal which causes\n"
        "each line runs from a cause or mechanism to what it produces; "
        "exposures, context and complications are left out",
        fontsize=st.TITLE - 1,
        loc="left",
    )
    handles = [
        Line2D([], [], ls="", marker="o", ms=7, color=st.colour(g), label=st.GROUP_NAMES[g])
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
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=st.NOTE,
        handletextpad=0.3,
        columnspacing=1.2,
    )
    return ax


def _default() -> Network:
    from backspasm.network import default_network

    return default_network()
