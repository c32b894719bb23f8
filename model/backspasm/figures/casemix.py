"""Figure of a scored case file: top causes and triage levels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._words import wrap
from backspasm.figures.scenarios import SERIOUS_BAR, kind_patches
from backspasm.triage import self_care_unscreened

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from backspasm.network import Network

__all__ = ["open_screen_count", "plot_case_mix"]


@st.sized("case_mix")
def plot_case_mix(
    scored: pd.DataFrame,
    *,
    axes: Sequence[Axes] | None = None,
    network: Network | None = None,
    size: str | None = None,
) -> Figure:
    """Plot the counts of top causes and of triage levels in a scored case file.

    The causes are coloured by their group (:data:`GROUP_COLOURS`), a serious cause's
    bar hatched as well, so that a grey print tells it apart (the legend, under the
    causes' axis where it covers no bar, shows the same); the triage levels by a
    palette of their own (:data:`TRIAGE_COLOURS`: dark purple, purple, grey), so that
    no triage level shares a colour with a group of causes.

    Parameters
    ----------
    scored : pandas.DataFrame
        A scored file with ``top_cause``, ``triage`` and ``error`` columns.
    axes : pair of matplotlib.axes.Axes, optional
        Where to draw the two panels. Their figure is left without a title (it is
        the user's): the first panel's title counts the cases instead.
    network : Network, optional
        Gives cause labels and groups; defaults to the bundled network.
    size : {"slide", "page", "column"}, optional
        The size of the new figure: a slide (default) or a page puts the two panels
        side by side, a column one under the other. Not with ``axes``.

    Returns
    -------
    matplotlib.figure.Figure
        Bars ``gid="top_cause:<cause>"`` and ``"triage:<level>"`` with heights equal
        to the counts (under the self-care bar, how many of its rows left
        screening questions unanswered, ``screen_unanswered`` above 0: "screen
        incomplete", as a case figure's title says); each count written a few
        points beyond its bar's end (``gid="count:<gid of the bar>"``); whole-number
        ticks on the count axes.
    """
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import ScaledTranslation

    missing = [c for c in ("top_cause", "triage") if c not in scored.columns]
    if missing:
        raise BackspasmError(
            f"The 'scored' parameter of plot_case_mix must have the columns top_cause and "
            f"triage; {', '.join(missing)} missing."
        )
    from backspasm.network import network_or_default

    net = network_or_default(network)
    errors = (
        scored["error"].fillna("").astype(str).str.len() > 0
        if "error" in scored
        else (pd.Series(False, index=scored.index))
    )
    ok = scored[~errors]
    journal = st.scale() < 1.0
    if axes is None:
        import matplotlib.pyplot as plt

        room = st.new_size()
        # its row labels keep to the pad
        fig = plt.figure(figsize=room, layout=st.layout(labels=False))
        if room[0] < 5.0:  # a column: the triage levels under the causes
            # across the figure's width, not under the causes' plot alone (right of
            # their row labels): there its level names touched at 80 dpi. Each panel
            # in a subfigure of its own, so that the layout aligns neither's edges
            grid = fig.add_gridspec(2, 1, height_ratios=[2.6, 1])
            left = fig.add_subfigure(grid[0]).add_subplot()
            right = fig.add_subfigure(grid[1]).add_subplot()
        else:
            # side by side at a journal's page width, the triage panel takes more of it:
            # its three level names, one with the count of open screens, need the room
            # (at 70 dpi too, where they measure wider)
            grid = fig.add_gridspec(1, 2, width_ratios=[1.1 if journal else 1.6, 1])
            left, right = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
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
        # a serious cause's bar hatched too, as in the scenarios: a grey print tells it apart
        look = SERIOUS_BAR if group == "cause_serious" else {}
        bar = left.barh(
            yy, int(counts[cause]), height=0.66, color=st.colour(group), zorder=3, **look
        )[0]
        bar.set_gid(f"top_cause:{cause}")
        _count_label(left, bar, horizontal=True, size=st.pt(st.NOTE + 0.5))
    # a serious cause tagged as the causes and scenarios figures tag it: ⚠, bold, in its colour
    left.set_yticks(
        ys,
        [
            st.tagged(net.label(c), g) if c in net.spec.nodes else c
            for c, g in zip(causes, groups_seen, strict=True)
        ],
        fontsize=st.pt(st.NOTE + 0.5),
    )
    for tick, group in zip(left.get_yticklabels(), groups_seen, strict=True):
        if group == "cause_serious":
            tick.set_color(st.colour(group))
            tick.set_fontweight("bold")
    left.tick_params(axis="y", length=0)
    left.set_xlabel("cases with this cause ranked first", fontsize=st.pt(st.TICK))
    left.set_title("Most probable cause", fontsize=st.pt(st.TITLE - 1), loc="left")
    left.set_xlim(0, (max(counts.max(), 1) if len(counts) else 1) * 1.15)
    left.set_ylim(-0.6, max(len(causes), 1) - 0.4)
    left.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
    left.spines[["top", "right"]].set_visible(False)
    # under the axis label, where no bar can be (in a corner it lay over a bar's end)
    below = ScaledTranslation(0, -_LEGEND_DROP, fig.dpi_scale_trans)
    kinds = kind_patches(groups_seen)
    if journal:  # its right edge at the plot's, over the labels' column if need be
        st.legend_under(left, kinds, ncol=1)
    else:
        left.legend(
            handles=kinds,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            bbox_transform=left.transAxes + below,
            ncol=3,
            frameon=False,
            fontsize=st.pt(st.NOTE + 0.5),
        )
    levels = list(st.TRIAGE_COLOURS)
    tri = ok["triage"].astype(str).value_counts()
    extra = [lv for lv in tri.index if lv not in levels]
    xs = np.arange(len(levels) + len(extra) + (1 if errors.any() else 0), dtype=float)
    names = []
    for x, level in zip(xs, levels + extra, strict=False):
        n = int(tri.get(level, 0))
        bar = right.bar(
            x,
            n,
            width=0.66,
            color=st.TRIAGE_COLOURS.get(level, "#777777"),
            edgecolor=st.triage_ink(level),
            lw=0.8,
            zorder=3,
        )[0]
        bar.set_gid(f"triage:{level}")
        bar.set_label(level)
        _count_label(right, bar, horizontal=False, size=st.pt(st.TICK))
        name = st.TRIAGE_NAMES.get(level, level)
        unscreened = open_screen_count(ok) if level == "self_care" else 0
        if unscreened:  # self-care that only means "no warning sign yet"
            name = f"{name}\n({unscreened} screen\nincomplete)"
        names.append(name)
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
        _count_label(right, bar, horizontal=False, size=st.pt(st.TICK))
        names.append("not scored")
    right.set_xticks(xs, names, fontsize=st.pt(st.TICK))
    right.set_ylabel("cases", fontsize=st.pt(st.TICK))
    right.set_title("Triage level", fontsize=st.pt(st.TITLE - 1), loc="left")
    right.set_ylim(0, max(int(tri.max()) if len(tri) else 1, int(errors.sum()), 1) * 1.15)
    # counts of cases: whole numbers only on the axes
    fewer = {"nbins": 4} if journal else {}  # a narrow panel: fewer ticks, apart
    left.xaxis.set_major_locator(MaxNLocator(integer=True, **fewer))
    right.yaxis.set_major_locator(MaxNLocator(integer=True, **fewer))
    if journal:  # a narrow figure: ticks at its type, the triage levels on two lines
        for panel in (left, right):
            panel.tick_params(labelsize=st.pt(st.TICK))
        right.set_xticks(xs, [wrap(n, 8) for n in names], fontsize=st.pt(st.TICK))
        left.tick_params(axis="y", labelsize=st.pt(st.NOTE + 0.5))
    right.grid(axis="y", color="#E5E5E5", lw=0.8, zorder=0)
    right.spines[["top", "right"]].set_visible(False)
    failed = f" ({int(errors.sum())} could not be scored)" if errors.any() else ""
    if axes is not None:  # the user's figure: its title is theirs, the count on the panel
        said = wrap(f"Most probable cause of {len(scored)} scored cases{failed}", 40)
        left.set_title(said, fontsize=st.pt(st.TITLE - 1), loc="left")
        return fig
    said = f"Most probable cause and triage level of {len(scored)} scored cases{failed}"
    fig.suptitle(
        wrap(said, int(float(fig.get_figwidth()) / (0.11 * st.scale()))) if journal else said,
        fontsize=st.pt(st.TITLE - 1),
        x=0.01,
        ha="left",
    )
    return fig


def open_screen_count(scored: pd.DataFrame) -> int:
    """Count a scored file's self-care rows that left screening questions unanswered.

    :func:`backspasm.triage.self_care_unscreened` of its ``triage`` and
    ``screen_unanswered`` (read as numbers: a CSV read as text holds them so); 0 for a
    file scored before the column existed.
    """
    if "screen_unanswered" not in scored:
        return 0
    # as floats, blank as NaN: score_cases gives a nullable Int64 column
    left = pd.to_numeric(scored["screen_unanswered"], errors="coerce").astype(float)
    return int(self_care_unscreened(scored["triage"].astype(str), left).sum())


#: How far (inches) under the bottom of the causes' axis its legend starts: below
#: the tick labels and the axis label (11 pt each, with their pads).
_LEGEND_DROP = 0.55


def _count_label(ax: Axes, bar: Rectangle, *, horizontal: bool, size: float) -> None:
    """Write a bar's count a few points beyond its end (right of a horizontal bar).

    In points, not in data units, so that the gap is the same for 2 cases and for 200.
    """
    x, y, width, height = bar.get_x(), bar.get_y(), bar.get_width(), bar.get_height()
    ax.annotate(
        str(round(width if horizontal else height)),
        xy=(x + width, y + height / 2) if horizontal else (x + width / 2, y + height),
        xytext=(4, 0) if horizontal else (0, 3),
        textcoords="offset points",
        ha="left" if horizontal else "center",
        va="center" if horizontal else "bottom",
        fontsize=size,
        color=st.TEXT,
        gid=f"count:{bar.get_gid()}",
    )
