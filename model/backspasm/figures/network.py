"""Drawings of the whole network on one slide: its graph, and its beliefs for a case.

:func:`plot_network` and :func:`plot_network_beliefs` draw every node on a
13.33 x 7.5 in slide with 9 pt labels: columns by role from left to right, the long
layers (causes, findings) dealt into staggered sub-columns, labels wrapped at word
boundaries, arrows drawn light and routed between boxes
(:func:`backspasm.figures._layout.slide_layout`), each ending with its head on its
own box (:func:`backspasm.figures._routing.route_edges`).
:func:`~backspasm.figures.diagnostic.plot_diagnostic_view` (re-exported here) is
the compact companion with only causes, mechanisms and findings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm._text import answer_words
from backspasm.figures._graph import (
    TITLE_INSET,
    draw_graph,
    frame_graph,
    graph_axes,
    graph_layout,
    group_legend,
    nodes_for,
    present_groups,
    title_x,
)
from backspasm.figures._style import NODE_FONT
from backspasm.figures._words import (
    answer_list,
    by_effect,
    fit_lines,
    ge,
    lower_first,
    percent,
    text_width,
    triage_text,
    unit_lines,
)
from backspasm.figures.diagnostic import plot_diagnostic_view

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.diagnosis import Diagnosis
    from backspasm.layout import Layout
    from backspasm.network import Network

__all__ = ["plot_diagnostic_view", "plot_network", "plot_network_beliefs"]

_TOP = 0.75  # inches above the drawing for a two-line title
_BELIEF_TITLE = st.TITLE - 3  # type size of the beliefs' title (points)
_BELIEF_TITLE_LINES = 4  # lines kept for it, whatever the case: 2 answers, 2 triage
_TITLE_LINE = _BELIEF_TITLE * 1.25 / 72  # inches per line of the beliefs' title
_BELIEF_TOP = 0.2 + _BELIEF_TITLE_LINES * _TITLE_LINE  # inches above the drawing
_BOX_H = 0.34  # a box holds a label of two lines
_BELIEF_BOX_H = 0.47  # a label of two lines over a belief bar
_BAR_H = 0.12
# Width of a title line: the slide less the inset on the left and as much on the right.
_TITLE_W = (st.SLIDE_SIZE[0] - 2 * TITLE_INSET) * 0.96  # rendered text runs wider
# A triage cause rule as triage words it: "Kidney stones 77% (>= 50% with fever=yes)".
_RULE = re.compile(r"^(?P<label>.+?) (?P<p>[<>]?[0-9.]+%) \(>= (?P<limit>[0-9.]+%)(?P<when>.*)\)$")


def plot_network(
    network: Network | None = None,
    *,
    ax: Axes | None = None,
    groups: Sequence[str] | None = None,
    show_legend: bool = True,
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

    Returns
    -------
    matplotlib.axes.Axes
        Node boxes have ``gid="node:<name>"``, edges ``gid="edge:<parent>-><child>"``.
    """
    from backspasm.network import default_network

    net = network if network is not None else default_network()
    nodes = nodes_for(net, groups)
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
    dropped = groups is not None and len(nodes) < sum(
        1 for n in net.spec.nodes if net.group_of(n) in groups
    )
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
        top=_BELIEF_TOP,
        min_box_w=_min_belief_w(),
        # an arrow ends on the side of a box only across a gutter at least SIDE_ENTRY
        # (0.08 in) wide, else on its top or bottom, so the gutters can be narrow:
        # 0.09 in keeps 9 pt labels for every node of the bundled network
        min_gap=0.09,
    )


def _flag_text(network: Network, flag: str) -> str:
    """Say a red flag in few words: an answer flag (``node=state``) by its label."""
    return ge(answer_words(flag, network.label, network.spec.nodes))


def _red_flags(diagnosis: Diagnosis, net: Network, *, detail: bool) -> list[str]:
    """Say what set the triage level, in words, a cause's rules merged.

    The reasons ``backspasm diagnose`` gives after ``because:`` (the triage's
    reasons: an emergency's red flags, or a see-a-doctor's ``nerve deficit:
    weakness``), in its words and numbers (``Kidney stones 99.9% (≥ 50%)``), with
    ``≥``; with ``detail``, the answers a cause rule asks for (``≥ 20% with hand or
    foot spasm``).
    """
    flags = tuple(
        getattr(diagnosis, "triage_reasons", None) or getattr(diagnosis, "red_flags", ()) or ()
    )
    said: dict[str, list[str]] = {}  # flag -> its thresholds (cause rules only)
    for flag in flags:
        rule = _RULE.match(flag)
        if rule is None:
            said.setdefault(_flag_text(net, flag), [])
            continue
        label, p = rule["label"], rule["p"]
        limit = f"≥ {rule['limit']}"
        when = [w for w in rule["when"].split(" with ") if w.strip()]
        if detail and when:
            words = [lower_first(_flag_text(net, w.strip())) for w in when]
            limit += " with " + " and ".join(words)
        limits = said.setdefault(f"{label} {p}", [])
        if limit not in limits:
            limits.append(limit)
    # without the answers they ask for, a cause's rules say the lowest threshold
    return [
        f"{k} ({'; '.join(v if detail else [min(v, key=_threshold)])})" if v else k
        for k, v in said.items()
    ]


def _threshold(limit: str) -> float:
    """Return the number of a threshold such as ``≥ 20% with fever`` (20.0)."""
    return float(limit.split()[1].rstrip("%"))


def _beliefs_title(diagnosis: Diagnosis, evidence: dict[str, Any], net: Network) -> str:
    """Say what the beliefs are for: the answers, the triage and what set it.

    At most :data:`_BELIEF_TITLE_LINES` lines fitted to the slide's width: the
    answers on two, those that moved the top cause most first (answers that do not
    fit are counted, not named: they are outlined in the drawing), the triage and
    its reasons (``because: ...``, as ``backspasm diagnose`` says them) on two (their
    thresholds without the answers they ask for, then only as many as fit).
    """
    n_answers = sum(1 for k in evidence if k != "back_spasm")
    what = (
        f"What the network believes after {n_answers} answer{'s' * (n_answers != 1)}"
        if n_answers
        else "What the network believes before any answer"
    )
    # those that moved the top cause most first: the ones left out are the least telling
    answers = answer_list(by_effect(diagnosis), net) or ["no answers yet"]
    units = [f"{what} for: "] + [a + ", " for a in answers[:-1]] + [answers[-1]]
    size = _BELIEF_TITLE
    head = fit_lines(
        units,
        _TITLE_W,
        size,
        lines=2,
        more=lambda n: f"and {n} more (outlined)",
    )
    triage = triage_text(diagnosis)
    for detail in (True, False):  # the answers a rule asks for, if there is room
        flags = _red_flags(diagnosis, net, detail=detail)
        parts = [triage + ("  ·  because: " if flags else "")]
        parts += [f + "; " for f in flags[:-1]] + flags[-1:]
        if len(unit_lines(parts, _TITLE_W, size)) <= 2:
            break
    text = fit_lines(parts, _TITLE_W, size, lines=2, more=lambda n: f"+{n} more")
    return head + "\n" + text


def _belief_value(
    network: Network, node: str, dist: Mapping[str, float]
) -> tuple[str, str | None]:
    """Return the text written right of a node's bar and the state it names, if any.

    A yes/no node shows P(yes); another node its likeliest state and that state's
    probability.
    """
    states = network.states(node)
    if tuple(states) == ("no", "yes"):
        return percent(float(dist["yes"])), None
    top = max(states, key=lambda s: float(dist[s]))
    return f"{_short_state(top)} {percent(float(dist[top]))}", top


def _min_belief_w() -> float:
    """Narrowest box that holds a short belief bar and any value (``<0.1%``, ``>99.9%``)."""
    widest = max(text_width(v, NODE_FONT) for v in ("<0.1%", ">99.9%", "99.9%"))
    return 0.14 + 0.25 + widest * 1.1 + 0.06


def _fitted_value(value: str, state: str | None, room: float, size: float = NODE_FONT) -> str:
    """Shorten a ``"<state> <percent>"`` value until it fits ``room`` inches.

    See :func:`_shortened`; a plain percentage is returned as it is.
    """
    if state is None:
        return value
    name, pct = value.rsplit(" ", 1)
    return _shortened(name, state, room, suffix=f" {pct}", size=size)


def _shortened(
    name: str,
    state: str,
    room: float,
    *,
    prefix: str = "",
    suffix: str = "",
    size: float = NODE_FONT,
) -> str:
    """Return ``prefix + name + suffix``, shortened until it fits ``room`` inches.

    The name loses letters (ending in a full stop, keeping at least four), then
    becomes the initials of the state's words (``primary_care`` -> ``PC``); failing
    that, only the prefix and suffix are kept. A band of numbers (``40-64``) is
    never cut, since a part of it reads as another number (``4``): it is kept whole
    without the suffix, or left out.
    """

    def fits(text: str) -> bool:
        return text_width(text, size) * 1.1 + 0.06 <= room

    band = any(c.isdigit() for c in name)
    initials = "".join(word[0] for word in state.split("_") if word).upper()
    cuts = [f"{name[:keep]}." for keep in range(len(name) - 1, 3, -1)]
    tries = [f"{prefix}{shown}{suffix}" for shown in [name, *([] if band else [*cuts, initials])]]
    if band:
        tries.append(f"{prefix}{name}")
    for text in tries:
        if fits(text):
            return text
    return f"{prefix}{suffix}".strip() or f"{prefix}{name}{suffix}"


def _short_state(state: str) -> str:
    return state.split("_")[0]


def plot_network_beliefs(
    diagnosis: Diagnosis, *, ax: Axes | None = None, network: Network | None = None
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
    evidence = getattr(diagnosis, "evidence", {})
    title = _beliefs_title(diagnosis, evidence, net)
    values = {n: _belief_value(net, n, diagnosis.beliefs[n]) for n in net.spec.nodes}
    layout = _beliefs_layout(net)
    ax = graph_axes(ax, layout)
    h = layout.box_h
    draw_graph(net, layout, ax, label_offset=h / 2 - 0.155, edge_alpha=0.25)
    evidence = getattr(diagnosis, "evidence", {})
    for n, (x, y) in layout.pos.items():
        w = layout.box_w(n)
        group = net.group_of(n)
        states = net.states(n)
        dist = diagnosis.beliefs[n]
        left = x - w / 2 + 0.07
        bar_y = y - h / 2 + 0.035
        bar_h = _BAR_H
        observed = evidence.get(n)
        hard = isinstance(observed, str)
        # the value is written right of a bar at least 0.12 in long
        value = _fitted_value(*values[n], w - 0.14 - 0.12, size=layout.label_size)
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
                _shortened(
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
    ax.set_title(title, fontsize=_BELIEF_TITLE, loc="left", pad=4, x=title_x(ax))
    extra: list[Any] = [Line2D([], [], color="black", lw=2.4, label="observed (an answer)")]
    if any(not isinstance(v, str) for v in evidence.values()):
        extra.append(
            Line2D([], [], color="black", lw=2.4, ls=(0, (2.5, 1.5)), label="unsure answer")
        )
    group_legend(ax, present_groups(net, list(layout.pos)), extra, ncol=6)
    return ax
