"""Cases side by side: the example scenarios and their figure."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm.figures._style as st
from backspasm._text import percent as diagnose_percent
from backspasm.exceptions import BackspasmError
from backspasm.figures._bars import bar_labels, outlined, prior_and_posterior
from backspasm.figures._case_answers import case_answers
from backspasm.figures._triage_words import SCREEN_COUNTS, SERIOUS_SHORT, serious_means
from backspasm.figures._words import (
    answer_list,
    answers_heading,
    percent,
    text_width,
    unasked_count,
    wrap,
    wrap_capped,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.figure import Figure

    from backspasm.diagnosis import Diagnosis

__all__ = ["DEFAULT_CASE", "SCENARIOS", "SERIOUS_MEANS", "plot_scenarios", "scenario_answers"]

#: What the "P(serious)" of each panel's heading is, over the figure's key: in the
#: words every figure that gives it uses (:data:`~._triage_words.SERIOUS_MEANING`).
SERIOUS_MEANS = serious_means("P(serious)")

#: The example case of the teaching set: an epidural-abscess style presentation.
DEFAULT_CASE: Mapping[str, Any] = {
    "age": 52,
    "sex": "male",
    "spasm_duration_weeks": 1,
    "spasm_location": "mid_back",
    "fever": "yes",
    "iv_drug_use_or_immunosuppression": "yes",
    "muscle_weakness": "yes",
    "night_pain": "yes",
}

#: Four contrasting presentations for :func:`plot_scenarios`.
SCENARIOS: Mapping[str, Mapping[str, Any]] = {
    "Lifting strain": {
        "age": 34,
        "sex": "male",
        "spasm_duration_weeks": 0,
        "spasm_location": "lower_back",
        "recent_exertion": "yes",
        "fever": "no",
        "tingling_or_numbness": "no",
    },
    "Kidney stones": {
        "age": 38,
        "sex": "male",
        "spasm_location": "flank",
        "blood_in_urine": "yes",
        "nausea_or_vomiting": "yes",
        "fever": "no",
    },
    "Cauda equina": {
        "age": 55,
        "saddle_numbness": "yes",
        "bowel_or_bladder_loss": "yes",
        "leg_or_buttock_pain": "yes",
        "muscle_weakness": "yes",
    },
    "Epidural abscess": dict(DEFAULT_CASE),
}


@st.sized("scenarios")
def plot_scenarios(
    diagnoses: Sequence[Diagnosis],
    *,
    names: Sequence[str] | None = None,
    top: int = 8,
    title: str | None = None,
    size: str | None = None,
) -> Figure:
    """One to four cases side by side on a shared cause axis.

    The title says what differs between the panels: the answers (on the same
    network), the network (the same answers on networks with other numbers, a
    what-if), or both. Under each panel's name, its triage level and P(serious), the
    panel's answers, in the order of :func:`scenario_answers`: those that set the
    triage level first, then the warning signs present, then the rest by their
    effect on the top cause (as the case figures' titles order them); those with no
    room left are counted at the end (``and 2 more``), so that a red flag is never
    the answer left out. Over the key under the panels, what P(serious) is
    (:data:`SERIOUS_MEANS`: the probability of at least one serious cause, as
    ``backspasm diagnose`` gives it; in a column, in short, in the serious causes'
    entry of the key).

    A grey print keeps the kinds of cause apart: a serious cause is tagged ``⚠`` on
    its row and its bars are hatched (as in the legend); the prior's tick has a white
    outline, so that it shows inside a long bar.

    Parameters
    ----------
    diagnoses : sequence of Diagnosis
        One to four diagnoses (usually two or more, to compare).
    names : sequence of str, optional
        Scenario names for the panel titles (default "case 1", ...).
    top : int, default 8
        Causes shown: those with the highest posterior in any scenario.
    title : str, optional
        The figure's title instead of the default (what differs between the
        panels, then "leading causes of back spasm in 4 cases"), e.g. to say that
        the panels are built-in examples.
    size : {"slide", "page", "column"}, optional
        The size of the figure: a slide (default) puts the panels side by side, a
        page in two rows of two, a column one under the other.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per scenario; posterior bars ``gid="posterior:<i>:<cause>"``, prior
        ticks ``gid="prior:<i>:<cause>"`` and the posterior's value, at the end of
        its own bar, ``gid="value:<i>:<cause>"``; each panel's heading (name, triage
        level and P(serious)) ``gid="scenario:<i>"``; the key's title, saying what
        P(serious) is, ``gid="serious_means"``.

    Raises
    ------
    BackspasmError
        For no diagnosis or more than four, or ``names`` of another length.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    cases = list(diagnoses)
    for case in cases:
        st.check_diagnosis(case, "plot_scenarios")
    if not 1 <= len(cases) <= 4:
        raise BackspasmError(
            f"The 'diagnoses' parameter of plot_scenarios must hold 1 to 4 diagnoses; "
            f"got {len(cases)} instead."
        )
    titles = list(names) if names is not None else [f"case {i + 1}" for i in range(len(cases))]
    if len(titles) != len(cases):
        raise BackspasmError(
            f"The 'names' parameter of plot_scenarios must name each of the {len(cases)} "
            f"diagnoses; got {len(titles)} names instead."
        )
    tables = [{r.cause: r for r in st.rows(d.causes)} for d in cases]
    best = {c: max(float(t[c].posterior) for t in tables) for c in tables[0]}
    journal = st.scale() < 1.0
    room = st.new_size()
    # a slide: side by side; a page: two by two; a column: one under the other
    across = len(cases) if not journal else (min(2, len(cases)) if room[0] > 5.0 else 1)
    down = -(-len(cases) // across)
    if journal and across == 1:
        top = min(top, _COLUMN_ROWS)
    order = _rows_shown(tables, best, top)
    first = tables[0]
    fig, grid = plt.subplots(
        down,
        across,
        figsize=room,
        sharey=True,
        # a column's panels one under the other: their rows take the room between them
        # (five row labels 0.12 in apart touched at 72 to 100 dpi, where hinting makes
        # them taller)
        layout=st.layout(between=_COLUMN_PAD if journal and across == 1 else None),
        squeeze=False,
    )
    for extra in grid.flat[len(cases) :]:
        extra.remove()
    axes = np.asarray([list(grid.flat[: len(cases)])])
    # inches a panel's plot takes, beside the labels of the first column
    names = [st.tagged(str(first[c].label), st.cause_group(str(first[c].group))) for c in order]
    widest = max(text_width(n, st.pt(st.TICK)) for n in names) + 0.25
    panel = (room[0] - widest) / across
    ys = np.arange(len(order), dtype=float)[::-1]
    groups_seen: list[str] = []
    values: list[list[tuple[float, float, float | None, str]]] = []
    counted = False  # whether a heading counts its unasked screening questions
    for i, (ax, d, table, name) in enumerate(zip(axes[0], cases, tables, titles, strict=True)):
        values.append([])
        for yy, cause in zip(ys, order, strict=True):
            group = st.cause_group(str(table[cause].group))
            if group not in groups_seen:
                groups_seen.append(group)
            p = float(table[cause].posterior)
            prior = float(table[cause].prior)
            prior_and_posterior(
                ax,
                yy,
                p,
                prior,
                colour=st.colour(group),
                key=f"{i}:{cause}",
                label=str(table[cause].label),
                height=0.66,
                lw=1.6,
            )
            _second_cue(ax, f"{i}:{cause}", group)
            values[i].append((yy, p, prior, percent(p)))
        triage = str(getattr(d, "triage", ""))
        said = scenario_answers(d)
        # an answer is never split over two lines (not "IV drug | use", "under a | week")
        if journal:
            chars = max(20, int((panel - 0.15) / (0.078 * st.scale())))
            lines = 2 if across == 1 else 3
            given = answers_heading("", said, chars, lines=lines, fill=0.0)
        else:
            given = answers_heading("", said, 34, lines=6, fill=0.0)
        ax.set_title(given, fontsize=st.pt(st.NOTE), color=st.TEXT)
        level = st.TRIAGE_NAMES.get(triage, triage)
        # A self-care or doctor's level with screening questions unasked is not settled,
        # as the case figures and diagnose say (an emergency stands whatever they are).
        counts = unasked_count(d) if triage != "emergency" else None
        unsettled = ""
        counted = counted or bool(counts and counts[0] and not journal)
        if counts and counts[0]:  # the counts too where a panel has the width for them
            unsettled = "\nscreen incomplete" + (  # the counts on a line of their own:
                "" if journal else f"\n({counts[0]} of {counts[1]} unasked)"  # not past the edge
            )
        ax.annotate(
            # P(serious) as the case figures' titles and diagnose write it (16.2%, not 16%)
            f"{name}\n{level} · P(serious) {diagnose_percent(float(d.p_serious))}{unsettled}",
            xy=(0.5, 1.0),
            xycoords=ax.title,
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=st.pt(st.TICK),  # four such headings side by side leave the bars their room
            color=st.triage_ink(triage),
            fontweight="bold",
            gid=f"scenario:{i}",
        )
        ax.set_xlim(0, 1.0)
        # a tick (and grid line) at 100% too; panels side by side write their end
        # ticks inward ("0%" from its tick, "100%" up to it), clear of each other's
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
        if across > 1:
            ends = ax.get_xticklabels()
            ends[0].set_horizontalalignment("left")
            ends[-1].set_horizontalalignment("right")
        if not journal or i >= len(cases) - across:  # under the bottom row only
            ax.set_xlabel("probability after the answers", fontsize=st.pt(st.NOTE + 0.5))
        if journal:
            ax.tick_params(axis="x", labelsize=st.pt(st.TICK))
        ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="y", length=0)
    # a serious cause tagged as the causes figure tags it: ⚠, bold, in its colour
    groups = [st.cause_group(str(first[c].group)) for c in order]
    # a label longer than the bundled ones (30 characters) wrapped, so that the panels
    # keep their width (a 40-character label ran their ticks together)
    labels = [
        st.tagged(_tick_label(str(first[c].label)), g) for c, g in zip(order, groups, strict=True)
    ]
    axes[0, 0].set_yticks(ys, labels)
    for left in axes[0][::across]:  # the panels of the first column show the labels
        left.tick_params(axis="y", labelsize=st.pt(st.TICK))
        for tick, group in zip(left.get_yticklabels(), groups, strict=True):
            if group == "cause_serious":
                tick.set_color(st.colour(group))
                tick.set_fontweight("bold")
    axes[0, 0].set_ylim(-0.6, len(order) - 0.4)
    handles: list[Any] = kind_patches(groups_seen)
    prior_line = Line2D([], [], color=st.PRIOR_TICK, lw=1.6, label="before any answer (prior)")
    prior_line.set_path_effects(outlined(1.6))
    handles.append(prior_line)
    # the headings' P(serious) said once, over the key (a teacher's slide needs it); in a
    # column, whose four panels have no line to spare, in the serious causes' entry
    chars = int((room[0] - 0.3) / (0.075 * st.scale())) if journal else len(SERIOUS_MEANS)
    column = journal and across == 1
    if column and handles[0].get_label().endswith("serious"):
        handles[0].set_label(handles[0].get_label() + f" (P(serious): {SERIOUS_SHORT})")
    key = fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles) if not journal else (2 if across > 1 else 1),
        frameon=False,
        fontsize=st.pt(st.NOTE + 0.5),
        # and what a heading's "(24 of 29 unasked)" counts, where one shows it
        title=None
        if column
        else wrap(SERIOUS_MEANS, chars) + f"\n{wrap(SCREEN_COUNTS, chars)}" * counted,
        title_fontsize=st.pt(st.NOTE + 0.5),
    )
    if not column:
        key.get_title().set_gid("serious_means")
    if title is None:
        title = (
            _what_differs(cases) + "leading causes of back spasm in "
            f"{len(cases)} case{'s' * (len(cases) != 1)}"
        )
    fig.suptitle(title, fontsize=st.pt(st.TITLE - 1), x=0.01, ha="left")
    # each value at the end of its own bar, placed once the figure is laid out
    fig.draw_without_rendering()
    for i, ax in enumerate(axes[0]):
        gids = [f"value:{i}:{cause}" for cause in order]
        bar_labels(ax, values[i], size=st.pt(st.NOTE), gids=gids, laid_out=True)
        _thin_crowded_ticks(ax)
    return fig


def _thin_crowded_ticks(ax: Any) -> None:
    """Leave 25% and 75% unwritten (their grid lines stay) where the labels would touch.

    A long heading narrows a panel once the figure is laid out: "75%100%" ran together.
    """
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    if any(a.x1 + 2 > b.x0 for a, b in itertools.pairwise(boxes)):
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "", "50%", "", "100%"])


#: The most causes a column's panels (one under the other) show.
_COLUMN_ROWS = 5
#: The room (inches) between the text of a column's panels, one under the other.
_COLUMN_PAD = 0.06


def _rows_shown(tables: list[dict[str, Any]], best: dict[str, float], top: int) -> list[str]:
    """Return the causes the panels show: the likeliest, and each panel's serious one.

    The ``top`` likeliest in any panel, except that each panel's likeliest serious
    cause, from 1% up, takes the place of the least likely of the others. A column's
    five rows dropped a cauda equina panel's spinal tumour (8.7%), so its "P(serious)
    17.2%" stood above no serious cause (teacher audit, session 57).
    """
    ranked = sorted(best, key=lambda c: -best[c])
    needed: list[str] = []
    for table in tables:
        serious = [c for c in table if st.cause_group(str(table[c].group)) == "cause_serious"]
        if serious:
            first = max(serious, key=lambda c: float(table[c].posterior))
            if float(table[first].posterior) >= 0.01 and first not in needed:
                needed.append(first)
    shown = ranked[:top]
    extra = [c for c in needed if c not in shown][: max(top - 1, 0)]
    if extra:
        kept = [c for c in shown if c in needed]
        others = [c for c in shown if c not in needed][: max(top - len(kept) - len(extra), 0)]
        shown = [c for c in ranked if c in {*kept, *others, *extra}]
    return shown


#: The second cue of a serious cause's bar, beside its colour (and of its legend
#: entry): hatched in a dark shade of it, so that a grey print, where the serious
#: vermilion and the fitness green are the same grey, still tells them apart.
SERIOUS_BAR: Mapping[str, Any] = {"hatch": "///", "edgecolor": "#7A2E00", "linewidth": 0.8}


def kind_patches(groups: Sequence[str]) -> list[Any]:
    """Return the legend entries of the kinds of cause among ``groups``, serious hatched."""
    from matplotlib.patches import Patch

    return [
        Patch(
            facecolor=st.colour(g),
            label=st.tagged(st.GROUP_NAMES[g], g),
            **(SERIOUS_BAR if g == "cause_serious" else {"edgecolor": "none"}),
        )
        for g in st.CAUSE_GROUPS
        if g in groups
    ]


def _second_cue(ax: Any, key: str, group: str) -> None:
    """Hatch a serious cause's bar (its prior's tick is outlined by prior_and_posterior)."""
    bar = ax.patches[-1]  # what prior_and_posterior just drew
    assert bar.get_gid() == f"posterior:{key}"
    if group == "cause_serious":
        bar.set(**SERIOUS_BAR)


def scenario_answers(diagnosis: Diagnosis) -> list[str]:
    """Say a case's answers in the order a scenario's panel lists them: :func:`case_answers`.

    The one order of every figure's title and of the alt text
    (:mod:`backspasm.figures._case_answers`).
    """
    return case_answers(diagnosis)


def _what_differs(cases: Sequence[Diagnosis]) -> str:
    """Return the start of the title: what differs between the panels, if anything."""
    if len(cases) < 2:
        return "The "
    networks = len({d.network.fingerprint() for d in cases}) > 1
    answers = len({_answers_key(d) for d in cases}) > 1
    if networks and answers:
        return "Different networks and different answers: "
    if networks:
        return "The same answers, different networks (numbers): "
    if answers:
        return "The same network, different answers: "
    return "The same network and the same answers: "


def _answers_key(diagnosis: Diagnosis) -> str:
    """Return the answers of a diagnosis as its panel says them, in a comparable order."""
    said = answer_list(getattr(diagnosis, "answers", {}) or {}, diagnosis.network)
    return "; ".join(sorted(said))


def _tick_label(label: str, longest: int = 30) -> str:
    """Return a cause label as the panels' ticks show it: lines of ``longest`` at most.

    Three lines at most, the third ended ``…`` if the label needs more (check allows
    80 characters).
    """
    return label if len(label) <= longest else wrap_capped(label, longest, lines=3)
