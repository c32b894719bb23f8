"""The diagnostic view: causes, the mechanisms they share and the findings, on one slide.

:func:`plot_diagnostic_view` is the compact companion of the whole-network drawings
of :mod:`backspasm.figures.network`: no context, exposures, presentation or
complications, so that a cause can be followed to the questions that reveal it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import backspasm.figures._style as st
from backspasm.figures._graph import column_header, legend_under
from backspasm.figures._layout import bezier, layout
from backspasm.figures._words import text_width

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
    x_of = {n: x_findings[i % len(x_findings)] for i, n in enumerate(by_height(findings))}

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
        ax.text(
            x_of[n] + 0.1,
            y[n],
            net.label(n),
            ha="left",
            va="center",
            fontsize=finding_font,
            color=st.TEXT,
            gid=f"label:{n}",
        )
    for x, text in (
        (x_cause, f"{len(causes)} causes"),
        (x_mech, f"{len(mechanisms)} shared mechanisms (latent)"),
        (
            (x_findings[0] + x_findings[-1] + label_w) / 2,
            f"{len(findings)} findings (the questions)",
        ),
    ):
        column_header(ax, x, height - 0.05, text, va="top", size=st.LABEL)
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


def _default() -> Network:
    from backspasm.network import default_network

    return default_network()
