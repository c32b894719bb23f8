"""Drawings of the whole network: its graph (on a slide or a page), its beliefs for a case.

:func:`plot_network` and :func:`plot_network_beliefs` draw every node on a
13.33 x 7.5 in slide with 9 pt labels: columns by role from left to right, the long
layers (causes, findings) dealt into staggered sub-columns, labels wrapped at word
boundaries, arrows drawn light and routed between boxes
(:func:`backspasm.figures._layout.slide_layout`), each ending with its head on its
own box (:func:`backspasm.figures._routing.route_edges`).
:func:`~backspasm.figures.diagnostic.plot_diagnostic_view` (re-exported here) is
the compact companion with only causes, mechanisms and findings. At a page's width,
:func:`plot_network` draws the structure for print instead, one box per node group
(:mod:`backspasm.figures._overview`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.figures._beliefs_words import (
    BELIEF_TITLE,
    BELIEF_TOP,
    belief_value,
    beliefs_title,
    fitted_value,
    min_belief_w,
    shortened,
)
from backspasm.figures._graph import (
    NETWORK_SIZE,
    check_room,
    draw_graph,
    frame_graph,
    graph_axes,
    graph_layout,
    group_legend,
    nodes_for,
    present_groups,
    title_x,
)
from backspasm.figures._overview import network_page
from backspasm.figures._words import (
    text_width,
)
from backspasm.figures.diagnostic import plot_diagnostic_view

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis
    from backspasm.layout import Layout
    from backspasm.network import Network

__all__ = ["plot_diagnostic_view", "plot_network", "plot_network_beliefs"]

_TOP = 0.75  # inches above the drawing for a two-line title
_BOX_H = 0.34  # a box holds a label of two lines
_BELIEF_BOX_H = 0.42  # a label of two lines over a belief bar
_BAR_H = 0.10


def plot_network(
    network: Network | None = None,
    *,
    ax: Axes | None = None,
    groups: Sequence[str] | None = None,
    show_legend: bool = True,
    size: str | None = None,
) -> Axes:
    """Draw the whole network on one slide, cause on the left, effect on the right.

    Columns: context, exposures, causes (serious, pathologic and fitness blocks),
    mechanisms, back spasm with the complications, and the findings (the
    questions). Nodes keep the vertical order of the layered layout (barycentric
    sweeps, few crossings); the long layers (context and exposures, causes, findings)
    are dealt into staggered sub-columns so that every node of the bundled network
    fits a 13.33 x 7.5 in slide with 9 pt labels.
    Arrows are drawn light and run through the gaps between boxes, never behind one;
    each ends with its head on its own box: on its side, or, in the later
    sub-columns of a layer (whose gutters are too narrow for a head), on its top or
    bottom, coming along the gap between two rows
    (:func:`~backspasm.figures._routing.route_edges`). The title counts the nodes
    and arrows drawn; the drawing shows the structure only (no probabilities: see
    :func:`plot_network_beliefs`). The drawing is deterministic.

    Parameters
    ----------
    network : Network, optional
        Defaults to the bundled network.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 13.33 x 7.5 in figure by default.
    groups : sequence of str, optional
        Draw only the nodes of these groups (see :data:`backspasm.spec.GROUPS`);
        when they include causes, only the nodes linked to those causes (their
        effects and their effects' effects, and their own causes), so that
        ``["cause_serious", "mechanism", "finding"]`` draws the serious causes, the
        mechanisms they act through and the findings that reveal them.
    show_legend : bool, default True
        Legend of the node groups under the drawing.
    size : {"slide", "page"}, optional
        The size of the new figure. A slide draws every node and arrow; a page
        (7 in wide, as tall as it needs, at most 9 in) draws the network's structure
        for print instead (:func:`~backspasm.figures._overview.plot_network_overview`):
        one box per node group, in tiers from top to bottom (context and exposures,
        causes, mechanisms and presentation, findings and complications), naming
        every node and counting the arrows into each box by the group they come
        from, with no text under 7 pt (``show_legend`` is not needed: each box is
        headed). A column (3.5 in) cannot hold it and is refused.

    Returns
    -------
    matplotlib.axes.Axes
        Node boxes have ``gid="node:<name>"``, edges ``gid="edge:<parent>-><child>"``;
        on a page, group boxes ``gid="group:<group>"`` and labels ``"label:<node>"``.

    Raises
    ------
    BackspasmError
        For ``size="column"``, or an ``ax`` on a figure narrower than a slide: the
        message names the size asked and the least the drawing needs.
    """
    from backspasm.network import network_or_default

    net = network_or_default(network)
    nodes = nodes_for(net, groups)
    dropped = groups is not None and len(nodes) < sum(
        1 for n in net.spec.nodes if net.group_of(n) in groups
    )
    if ax is None and size is not None and st.check_size(size, "plot_network") != NETWORK_SIZE:
        return network_page(net, nodes, size, part=groups is not None, dropped=dropped)
    check_room(ax, size, "plot_network", len(nodes))
    if groups is None:
        # the boxes where the beliefs' slide puts them (only lower: no bar), so that a
        # lecture going from this slide to that one moves no node
        layout = replace(_beliefs_layout(net), box_h=_BOX_H)
    else:
        layout = graph_layout(net, nodes, box_h=_BOX_H, top=_TOP)
    ax = graph_axes(ax, layout)
    draw_graph(net, layout, ax, label_offset=0.0)
    frame_graph(ax, layout)
    n_edges = sum(1 for n in nodes for p in net.spec.nodes[n].parents if p in layout.pos)
    ax.set_title(
        f"{'Part of the' if groups is not None else 'The'} back-spasm network: "
        f"{len(nodes)} nodes, {n_edges} arrows"
        "\neach arrow points from a cause to its effect; read left to right"
        + ("; only the nodes linked to the causes shown" if dropped else ""),
        fontsize=st.TITLE - 1,
        loc="left",
        pad=4,
        x=title_x(ax),
    )
    if show_legend:
        group_legend(ax, present_groups(net, nodes))
    return ax


def _beliefs_layout(net: Network) -> Layout:
    """Return the layout of the whole network with a belief bar in every box.

    :func:`plot_network` puts its boxes at the same places.
    """
    return graph_layout(
        net,
        list(net.spec.nodes),
        box_h=_BELIEF_BOX_H,
        # the same room for the title whatever its length, so that no box moves
        # from one case's slide to the next
        top=BELIEF_TOP,
        min_box_w=min_belief_w(),
        # an arrow ends on the side of a box only across a gutter at least SIDE_ENTRY
        # (0.08 in) wide, else on its top or bottom, so the gutters can be narrow:
        # 0.09 in keeps 9 pt labels for every node of the bundled network
        min_gap=0.09,
    )


def plot_network_beliefs(
    diagnosis: Diagnosis,
    *,
    ax: Axes | None = None,
    network: Network | None = None,
    size: str | None = None,
) -> Axes:
    """Draw the network with every node's posterior as a small bar inside its box.

    Binary nodes show P(yes) as a bar and a percentage; multi-state nodes show their
    distribution as a stacked bar (darker = later state) and the most probable state.
    Observed nodes (the answers) get a thick black outline and their observed value
    written on a full bar; an unsure (soft) answer gets a dashed outline. The arrows
    run as on :func:`plot_network`'s slide, fainter; where the gap between two rows
    is too narrow for a head (these boxes are taller), an arrow ends on its box
    without one rather than touch the box across the gap.

    Parameters
    ----------
    diagnosis : Diagnosis
        Provides ``beliefs``, ``evidence``, ``triage`` and ``p_serious``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    network : Network, optional
        Defaults to the diagnosis's network.
    size : {"slide"}, optional
        The size of the new figure: only a slide holds the network readably.

    Returns
    -------
    matplotlib.axes.Axes
        Belief bars have ``gid="belief:<node>"`` (binary: width = P(yes) times the
        track width) or ``"belief:<node>:<state>"``; tracks ``"track:<node>"``;
        evidence outlines ``"evidence:<node>"``.

    Raises
    ------
    BackspasmError
        As :func:`plot_network` does, for a size where the network cannot be read.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyBboxPatch, Rectangle

    st.check_diagnosis(diagnosis, "plot_network_beliefs")
    net = st.network_of(diagnosis, network)
    check_room(ax, size, "plot_network_beliefs", len(net.spec.nodes))
    evidence = getattr(diagnosis, "evidence", {})
    title = beliefs_title(diagnosis, evidence, net)
    values = {n: belief_value(net, n, diagnosis.beliefs[n]) for n in net.spec.nodes}
    layout = _beliefs_layout(net)
    ax = graph_axes(ax, layout)
    h = layout.box_h
    draw_graph(net, layout, ax, label_offset=h / 2 - 0.145, edge_alpha=0.25)
    evidence = getattr(diagnosis, "evidence", {})
    for n, (x, y) in layout.pos.items():
        w = layout.box_w(n)
        group = net.group_of(n)
        states = net.states(n)
        dist = diagnosis.beliefs[n]
        left = x - w / 2 + 0.07
        bar_y = y - h / 2 + 0.03
        bar_h = _BAR_H
        observed = evidence.get(n)
        hard = isinstance(observed, str)
        # the value is written right of a bar at least 0.12 in long
        value = fitted_value(*values[n], w - 0.14 - 0.12, size=layout.label_size)
        # the value is written right of its bar, so the bar leaves it room
        room = text_width(value, layout.label_size) * 1.1 + 0.06
        track_w = (w - 0.14) if hard else max(w - 0.14 - room, 0.12)
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
                shortened(
                    str(observed).replace("_", " "),
                    str(observed),
                    track_w - 0.04,
                    prefix="= ",
                    size=layout.label_size,
                ),
                ha="center",
                va="center",
                fontsize=layout.label_size,
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
                fontsize=layout.label_size,
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
                boxstyle="round,pad=0.02,rounding_size=0.07",
                facecolor="none",
                edgecolor="black",
                lw=2.4,
                linestyle="-" if hard else (0, (2.5, 1.5)),
                zorder=9,
            )
            ring.set_gid(f"evidence:{n}")
            ring.set_label(f"observed {n}")
            ax.add_patch(ring)
    frame_graph(ax, layout)
    ax.set_title(title, fontsize=BELIEF_TITLE, loc="left", pad=4, x=title_x(ax))
    extra: list[Any] = [Line2D([], [], color="black", lw=2.4, label="observed (an answer)")]
    if any(not isinstance(v, str) for v in evidence.values()):
        extra.append(
            Line2D([], [], color="black", lw=2.4, ls=(0, (2.5, 1.5)), label="unsure answer")
        )
    group_legend(ax, present_groups(net, list(layout.pos)), extra, ncol=6)
    return ax
