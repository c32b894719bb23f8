"""Figures of an :class:`~backspasm.learning.Evaluation`: calibration and ROC curves.

(This family was ``backspasm.learning_plots``.)

Both functions draw from numbers the evaluation already holds (compute once, draw
many times), take ``ax=None`` (a new figure) or an Axes to draw on, return the Axes,
and never call ``plt.show()`` or change global settings. Every artist carries a
label, so tests and readers can find what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm._palette import LINE_COLOURS
from backspasm.exceptions import BackspasmError
from backspasm.figures._roc_legend import Entry, panel_legend
from backspasm.figures._roc_zoom import zoom_on_the_corner
from backspasm.figures._words import title_width, wrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from backspasm.learning import Evaluation
    from backspasm.network import Network

__all__ = ["plot_calibration", "plot_roc"]


def _unknown_cause(name: str, known: Sequence[str]) -> BackspasmError:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return BackspasmError(f"'{name}' has no curve in this evaluation.{hint}")


def _labels(causes: Sequence[str], network: Network | None) -> dict[str, str]:
    """Words for causes: the network's labels (default the bundled one), else the names."""
    net = st.network_of(None, network)
    return {c: net.label(c) if c in net.spec.nodes else c for c in causes}


@st.sized("calibration")
def plot_calibration(
    evaluation: Evaluation,
    *,
    ax: Axes | None = None,
    cause: str | None = None,
    network: Network | None = None,
    size: str | None = None,
) -> Axes:
    """Draw predicted probability against observed frequency (reliability diagram).

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`backspasm.learning.evaluate`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    cause : str, optional
        One cause; default every cause pooled.
    network : Network, optional
        The network evaluated, for the cause's words in the title; default the
        bundled network.
    size : {"slide", "page", "column"}, optional
        The size of the new figure; default a slide. At a column's width the legend
        goes under the square, not beside it.

    Returns
    -------
    matplotlib.axes.Axes
        With the diagonal (label ``perfect calibration``) and one line with a
        marker per non-empty probability bin (label: the cause, or ``all causes``),
        in :data:`LINE_COLOURS`'s first colour, all markers of one size; each marker
        is annotated with the number of forecasts in its bin.
    """
    table = evaluation.calibration
    key = cause or "all"
    rows = table[table["cause"] == key]
    if rows.empty:
        raise _unknown_cause(key, sorted(set(table["cause"])))
    own = ax is None
    ax = st.new_axes(ax)
    name = "all causes" if cause is None else cause
    words = "all causes" if cause is None else _labels([cause], network)[cause]
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", label="perfect calibration")
    # one marker size for every bin: the number beside it says how many forecasts it
    # holds (a pale disc whose area grew with the count showed round the first bin
    # alone, scaled to its 31,329 forecasts, and said nothing a key explained: a
    # teacher's audit asked what the ring was)
    ax.plot(
        rows["mean_predicted"],
        rows["observed_rate"],
        color=LINE_COLOURS[0],
        marker="o",
        markersize=_MARKER,
        label=name,
    )
    counts = rows["count"].to_numpy()
    sizes = [float(_MARKER) ** 2] * len(counts)  # a marker's area, points squared
    placed: list[tuple[float, float, float, float]] = []  # a narrow plot's, in inches
    for x, y, n, s in zip(
        rows["mean_predicted"], rows["observed_rate"], counts, sizes, strict=True
    ):
        # Counts sit below-right of each point, away from the lines to and from it,
        # or right of it near the bottom edge; clear of its marker either way (a
        # marker's area is s points squared)
        # Near the right edge (the last bin) there is no room right of the point: the
        # count goes left of it and up, away from the line coming up to it.
        clear = math.sqrt(float(s)) / 2 + 2
        below = y >= 0.08
        look: dict[str, Any] = {
            "xytext": (clear, -clear if below else 0.0),
            "ha": "left",
            "va": "top" if below else "center",
        }
        if x > 0.85:
            high = y > 0.97  # by the top edge: level with the point
            look = {"xytext": (-clear, 0.0 if high else clear / 2), "ha": "right"}
            look["va"] = "center" if high else "bottom"
        if st.narrow(ax):  # a narrow plot: clear of the counts written before
            look = _clear_of(placed, ax, float(x), float(y), f"{int(n)}", clear, look)
        ax.annotate(
            f"{int(n)}",
            (x, y),
            textcoords="offset points",
            fontsize=st.pt(st.MIN_FONT),
            gid=f"calibration:count:{int(n)}",
            **look,
        )
    # A little room around the unit square, so points on its edges stay visible.
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    # the square keeps left, the legend beside it (in a column: keeps top, the legend under
    # it; in a panel of the user's, top left, so that the legend hangs within its cell)
    ax.set_aspect("equal", anchor="NW" if _narrow(ax) or not own else "W")
    ax.set_xlabel("mean predicted probability (bins of 0.1)", fontsize=st.pt(st.LABEL))
    ax.set_ylabel("observed frequency", fontsize=st.pt(st.LABEL))
    ax.tick_params(labelsize=st.pt(st.TICK))
    # the expected calibration error is of all causes pooled, as evaluate computes it
    error = f"; expected calibration error\u00a0{evaluation.ece:.4f}" if cause is None else ""
    put_title(
        ax,
        f"Calibration: {words} ({evaluation.n_cases} cases{error})",
        "points on the diagonal mean the stated probabilities come true as often as stated",
    )
    _legend(
        ax,
        fontsize=st.pt(st.LEGEND),
        title="numbers: forecasts per bin",
        title_fontsize=st.pt(st.NOTE),
        frameon=False,
    )
    if own and not _narrow(ax):
        _centre_on_slide(ax)
    return ax


def put_title(ax: Axes, *lines: str) -> None:
    """Title an evaluation figure, its lines wrapped at a journal's width.

    On a slide, over the plot from its left edge, a line each (the slide's width is
    theirs); at a journal's width, the figure's title
    (:func:`~backspasm.figures._style.put_title`), wrapped, so that a column's title
    is not cut at the figure's edge.
    """
    if st.scale() < 1.0:
        lines = tuple(wrap(line, title_width(ax)) for line in lines)
    st.put_title(ax, "\n".join(lines), fontsize=st.pt(st.TITLE - 2))


def _narrow(ax: Axes) -> bool:
    """Whether a figure is too narrow for a legend beside its square (a journal column)."""
    return float(st.figure_of(ax).get_figwidth()) < 5.0


def _legend(ax: Axes, **options: Any) -> Any:
    """Put the legend beside the square, or, in a narrow figure, under its axis label."""
    if _narrow(ax):
        options.setdefault("ncol", 1)
        st.legend_under(ax, options.pop("handles", None), left=True, **options)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0), **options)
    return ax.get_legend()


def _clear_of(
    placed: list[tuple[float, float, float, float]],
    ax: Axes,
    x: float,
    y: float,
    text: str,
    clear: float,
    look: dict[str, Any],
) -> dict[str, Any]:
    """Return where to write a count so that it runs into none written before it.

    Tried in turn: below-right of its point (``look``), above-left, right, left;
    the first clear of every box in ``placed`` (inches on the square, updated).
    """
    from backspasm.figures._words import text_width

    side = min(st.inches(ax)) * 0.8  # the square, once laid out
    wide, tall = text_width(text, st.pt(st.MIN_FONT)) + 0.02, st.pt(st.MIN_FONT) * 1.3 / 72
    px, py, c = x * side, y * side, clear / 72
    tries = [
        (look, (px + c, py - c - tall if look["va"] == "top" else py - tall / 2)),
        ({"xytext": (-clear, clear), "ha": "right", "va": "bottom"}, (px - c - wide, py + c)),
        ({"xytext": (clear, 0.0), "ha": "left", "va": "center"}, (px + c, py - tall / 2)),
        ({"xytext": (-clear, 0.0), "ha": "right", "va": "center"}, (px - c - wide, py - tall / 2)),
    ]
    for option, (x0, y0) in tries:
        box = (x0, y0, x0 + wide, y0 + tall)
        if not any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
        ):
            placed.append(box)
            return option
    return look


#: Line colours of the ROC curves (:data:`backspasm._palette.LINE_COLOURS`, none of
#: them the colour of a node group): a colour of its own for each of the first twelve
#: curves. The line styles change with every curve too, and a colour that comes again
#: (a thirteenth curve) comes in another style: no two of the first 48 look alike.
ROC_COLOURS = LINE_COLOURS
#: The fewest cases with a cause for :func:`plot_roc` to draw its curve: with fewer,
#: the curve is a step or two and its AUC mostly chance.
MIN_ROC_CASES = 5
#: The size (points) of a calibration bin's marker, the same for every bin.
_MARKER = 6.0
_ROC_STYLES = ("-", "--", ":", "-.")
#: What the interval after each AUC is, as the legend's title says it.
ROC_INTERVAL = "95% CI"
#: How it was computed, under the legend's title.
ROC_INTERVAL_SAID = "CI: Hanley & McNeil (1982) variance, score interval"
#: How it was computed, as the captions say it.
ROC_INTERVAL_METHOD = (
    "95% confidence intervals from Hanley and McNeil's (1982) variance, as a score interval"
)
#: The characters a line of the legend may take under a column's square.
_LEGEND_WIDTH = 44
#: The characters a line of the note of the causes not drawn may take.
_NOTE_WIDTH = 46
#: The characters a line of the legend may take beside a page's square, and the most
#: causes whose legend is written so (more: their lines would not fit its height).
_PAGE_WIDTH = 36
_PAGE_CAUSES = 8
#: The least side (inches) of the square of a user's panel that shows its corner enlarged.
_ZOOM_SIDE = 4.0


@st.sized("roc")
def plot_roc(
    evaluation: Evaluation,
    *,
    ax: Axes | None = None,
    causes: Sequence[str] | None = None,
    network: Network | None = None,
    min_cases: int = MIN_ROC_CASES,
    size: str | None = None,
) -> Axes:
    """Draw one ROC curve per cause, with its AUC, interval and cases in the legend.

    A cause asked for that has no curve (no case with it among those evaluated, or
    no case without it), or too few cases with it for a curve worth reading (fewer
    than ``min_cases``: one case makes a single step and an AUC of 0 or 1 by
    chance), is not drawn, and a note under the legend says so, for example
    ``Epidural abscess (no case with it among 2000)`` or ``Gallstones (only 1 case
    with it among 2000; a curve needs 5)``.

    Parameters
    ----------
    evaluation : Evaluation
        Its ``roc`` table (false and true positive rates by threshold) is drawn;
        made by :func:`backspasm.learning.evaluate`.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on (a new slide-sized figure when omitted). In an Axes of
        the user's figure the legend takes the form that fits its cell of the grid
        (each cause's numbers on a line of their own, or ``Kidney stones (0.97,
        0.81–1.00; 10)`` under the heading ``cause (AUC, 95% CI; cases with it)``,
        in one column or more, beside the square or under it: see
        :mod:`backspasm.figures._roc_legend`).
    causes : sequence of str, optional
        Which causes; default every cause with a curve (present in some cases and
        absent in others).
    network : Network, optional
        The network evaluated, for the causes' words in the legend; default the
        bundled network.
    min_cases : int, default :data:`MIN_ROC_CASES`
        The fewest cases with a cause for its curve to be drawn (1 draws every curve).
    size : {"slide", "page", "column"}, optional
        The size of the new figure; default a slide (see :func:`plot_calibration`).

    Returns
    -------
    matplotlib.axes.Axes
        One line per cause labelled ``"<cause> (AUC 0.87)"``, and the chance
        diagonal labelled ``chance``; the legend says each cause in words with its
        AUC's 95% confidence interval (the evaluation's ``auc_low`` and ``auc_high``,
        see :func:`~backspasm.learning.metrics.auc_interval`) and its number of cases
        (``"Kidney stones (AUC 0.99, 0.91–1.00; 5 cases)"``); the note of the causes
        not drawn has ``gid="roc:not_drawn"``.

    Raises
    ------
    BackspasmError
        For a cause the evaluation does not know, or ``min_cases`` under 1.
    """
    if min_cases < 1:
        raise BackspasmError(
            f"The 'min_cases' parameter of plot_roc must be >= 1; got {min_cases} instead."
        )
    roc = evaluation.roc
    per_cause = evaluation.per_cause
    present = dict(zip(per_cause["cause"], per_cause["n_present"], strict=True))
    available = list(dict.fromkeys(roc["cause"]))
    known = list(dict.fromkeys([*available, *per_cause["cause"]]))
    chosen = available if causes is None else list(dict.fromkeys(causes))
    for name in chosen:
        if name not in known:
            raise _unknown_cause(name, known)
    available = [c for c in available if int(present.get(c, 0)) >= min_cases]
    missing = [c for c in chosen if c not in available]
    chosen = [c for c in chosen if c in available]
    auc = dict(zip(per_cause["cause"], per_cause["auc"], strict=True))
    bounds = zip(per_cause["auc_low"], per_cause["auc_high"], strict=True)
    interval = dict(zip(per_cause["cause"], bounds, strict=True))
    own = ax is None
    ax = st.new_axes(ax)
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", label="chance")
    for i, name in enumerate(chosen):
        curve = roc[roc["cause"] == name]
        ax.plot(
            curve["fpr"],
            curve["tpr"],
            color=ROC_COLOURS[i % len(ROC_COLOURS)],
            # each time the colours come round again, the styles one step on
            linestyle=_ROC_STYLES[(i + i // len(ROC_COLOURS)) % len(_ROC_STYLES)],
            lw=2.0,
            label=f"{name} (AUC {auc[name]:.2f})",
        )
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    if own:  # a new figure: a slide, a page or a column (a user's panel: below)
        zoom_on_the_corner(ax, roc, chosen)
    # in a panel of the user's, on two lines each: the square is narrower than a slide's
    between = " " if own else "\n"
    ax.set_xlabel(f"false positive rate{between}(1 - specificity)", fontsize=st.pt(st.LABEL))
    ax.set_ylabel(f"true positive rate{between}(sensitivity)", fontsize=st.pt(st.LABEL))
    ax.tick_params(labelsize=st.pt(st.TICK))
    # the square keeps left, the legend beside it (in a column: keeps top, the legend under
    # it; in a panel of the user's, top left, so that the legend hangs within its cell)
    ax.set_aspect("equal", anchor="NW" if _narrow(ax) or not own else "W")
    title = (
        f"ROC per cause ({evaluation.n_cases} cases)",
        "how well each cause's probability separates cases with it from cases without it",
    )
    put_title(ax, *title)
    names = _labels([*chosen, *missing], network)
    lines = ax.get_lines()

    def cases(c: str) -> str:
        n = int(present.get(c, 0))
        return f"{n} case{'s' * (n != 1)}"

    # the legend says each cause in words; the lines keep their labels for code
    n = evaluation.n_cases

    def reason(c: str) -> str:
        k = int(present.get(c, 0))
        if k == 0:
            return f"no case with it among {n}"
        if k >= n:
            return f"no case without it among {n}"
        return f"only {cases(c)} with it among {n}; a curve needs {min_cases}"

    # each reason wrapped to about the legend's width: the square and its legend
    # are centred on the slide, and a long line would run off its right edge
    why = [wrap(f"{names[c]} ({reason(c)})", _NOTE_WIDTH) for c in missing]
    note = "not drawn:\n" + "\n".join(why)
    numbers = {
        c: f"(AUC {auc[c]:.2f}, {interval[c][0]:.2f}\u2013{interval[c][1]:.2f}; {cases(c)})"
        for c in chosen
    }
    heading = [f"cause (AUC, {ROC_INTERVAL}; cases with it)", ROC_INTERVAL_SAID]
    if not own:  # a user's panel, whose cell has no room for the reasons: the causes
        said_short = f"not drawn (fewer than {min_cases} cases with it, or without it): "
        short = {
            c: f"({auc[c]:.2f}, {interval[c][0]:.2f}\u2013{interval[c][1]:.2f}; "
            f"{int(present.get(c, 0))})"
            for c in chosen
        }
        side = panel_legend(
            ax,
            list(lines),
            [Entry(names[c], numbers[c], short[c]) for c in chosen],
            heading,
            said_short + ", ".join(names[c] for c in missing) if missing else None,
            title,
        )
        if st.scale() >= 1.0 and side >= _ZOOM_SIDE:  # a square as large as a slide's
            zoom_on_the_corner(ax, roc, chosen)
        return ax
    said = [f"{names[c]} {numbers[c]}" for c in chosen]
    # under a column's square: a long entry's numbers on a line of their own, the
    # causes not drawn its last entry
    # (on a page, a few causes: each one's numbers on a line of their own too, so
    # that the legend is narrower and the square, width-bound, fills the height
    # under the title, not a band of 0.7 in left empty over it)
    width = _LEGEND_WIDTH if _narrow(ax) else _PAGE_WIDTH
    paged = not _narrow(ax) and st.scale() < 1.0 and len(chosen) <= _PAGE_CAUSES
    if _narrow(ax) or paged:
        said = [
            f"{names[c]}\n{numbers[c]}" if len(words) > width else words
            for c, words in zip(chosen, said, strict=True)
        ]
        heading = [wrap(words, width) for words in heading]
    handles, labels = list(lines), ["chance", *said]
    below = (_narrow(ax) or paged) and bool(missing)  # (a note apart met the key)
    if below:  # under the legend's curves, as its last entry (laid out with it)
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], linestyle="none"))
        labels.append(note)
    legend = _legend(
        ax,
        handles=handles,
        labels=labels,
        fontsize=st.pt(st.LEGEND),
        ncol=1 if len(chosen) <= 24 else 2,
        frameon=False,
        title="\n".join(heading),
        title_fontsize=st.pt(st.NOTE),
    )
    if below:
        said = legend.get_texts()[-1]
        said.set(fontsize=st.pt(st.NOTE), color="#555555", gid="roc:not_drawn")
    elif missing:
        st.axes_note(
            ax,
            1.03,
            0.0,
            note,
            ha="left",
            va="bottom",
            fontsize=st.pt(st.NOTE),
            color="#555555",
            gid="roc:not_drawn",
        )
    if not _narrow(ax):
        _centre_on_slide(ax)
    return ax


def _centre_on_slide(ax: Axes) -> None:
    """Centre the square plot, its axis label and the legend beside it on the slide.

    The layout places the Axes' box across the whole width and keeps no room for a
    legend outside it: a square kept left leaves the right half of the slide empty.
    Once laid out, the square is slid along its box (its anchor) so that the space
    left of the axis label equals the space right of the legend (and of the note of
    the causes not drawn).
    """
    for _ in range(2):  # the first layout of a figure is not yet its last
        _slide_square(ax)


def _slide_square(ax: Axes) -> None:
    fig = st.figure_of(ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    plot = ax.get_window_extent(renderer)
    parts = [ax.yaxis.get_tightbbox(renderer), plot]
    legend = ax.get_legend()
    if legend is not None:
        parts.append(legend.get_window_extent(renderer))
    parts += [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == "roc:not_drawn"]
    left = min(b.x0 for b in parts if b is not None)
    right = max(b.x1 for b in parts if b is not None)
    box = ax.get_position(original=True).transformed(fig.transFigure)
    free = box.width - plot.width
    if free <= 1.0:
        return
    shift = ((fig.bbox.width - right) - left) / 2
    share = min(max((plot.x0 + shift - box.x0) / free, 0.0), 1.0)
    ax.set_anchor((round(share, 4), 0.5))
