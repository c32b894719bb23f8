"""Cases side by side: the example scenarios and their figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._bars import bar_labels, prior_and_posterior
from backspasm.figures._words import answer_list, answers_heading, percent

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.figure import Figure

    from backspasm.diagnosis import Diagnosis

__all__ = ["DEFAULT_CASE", "SCENARIOS", "plot_scenarios"]

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


def plot_scenarios(
    diagnoses: Sequence[Diagnosis],
    *,
    names: Sequence[str] | None = None,
    top: int = 8,
) -> Figure:
    """One to four cases side by side on a shared cause axis.

    The title says what differs between the panels: the answers (on the same
    network), the network (the same answers on networks with other numbers, a
    what-if), or both.

    Parameters
    ----------
    diagnoses : sequence of Diagnosis
        One to four diagnoses (usually two or more, to compare).
    names : sequence of str, optional
        Scenario names for the panel titles (default "case 1", ...).
    top : int, default 8
        Causes shown: those with the highest posterior in any scenario.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per scenario; posterior bars ``gid="posterior:<i>:<cause>"``, prior
        ticks ``gid="prior:<i>:<cause>"`` and the posterior's value, at the end of
        its own bar, ``gid="value:<i>:<cause>"``.

    Raises
    ------
    BackspasmError
        For no diagnosis or more than four, or ``names`` of another length.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cases = list(diagnoses)
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
    order = sorted(best, key=lambda c: -best[c])[:top]
    first = tables[0]
    fig, axes = plt.subplots(
        1,
        len(cases),
        figsize=st.SLIDE_SIZE,
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    ys = np.arange(len(order), dtype=float)[::-1]
    groups_seen: list[str] = []
    values: list[list[tuple[float, float, float | None, str]]] = []
    for i, (ax, d, table, title) in enumerate(zip(axes[0], cases, tables, titles, strict=True)):
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
            values[i].append((yy, p, prior, percent(p)))
        triage = str(getattr(d, "triage", ""))
        said = answer_list(getattr(d, "answers", {}) or {}, d.network)
        # an answer is never split over two lines (not "IV drug | use", "under a | week")
        given = answers_heading("", said, 34, lines=6, fill=0.0)
        ax.set_title(given, fontsize=st.NOTE, color=st.TEXT)
        level = st.TRIAGE_NAMES.get(triage, triage)
        ax.annotate(
            f"{title}\n{level} · P(serious) {percent(d.p_serious)}",
            xy=(0.5, 1.0),
            xycoords=ax.title,
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=st.LABEL,
            color=st.triage_ink(triage),
            fontweight="bold",
            gid=f"scenario:{i}",
        )
        ax.set_xlim(0, 1.0)
        ax.set_xticks([0, 0.25, 0.5, 0.75], ["0", "25%", "50%", "75%"])
        ax.set_xlabel("probability after the answers", fontsize=st.NOTE + 0.5)
        ax.grid(axis="x", color="#E5E5E5", lw=0.8, zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="y", length=0)
    labels = [str(first[c].label) for c in order]
    axes[0, 0].set_yticks(ys, labels)
    axes[0, 0].tick_params(axis="y", labelsize=st.TICK)
    axes[0, 0].set_ylim(-0.6, len(order) - 0.4)
    handles: list[Any] = [
        Patch(color=st.colour(g), label=st.GROUP_NAMES[g])
        for g in st.CAUSE_GROUPS
        if g in groups_seen
    ]
    handles.append(Line2D([], [], color=st.PRIOR_TICK, lw=1.6, label="before any answer (prior)"))
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles),
        frameon=False,
        fontsize=st.NOTE + 0.5,
    )
    fig.suptitle(
        _what_differs(cases) + "leading causes of back spasm in "
        f"{len(cases)} case{'s' * (len(cases) != 1)}",
        fontsize=st.TITLE - 1,
        x=0.01,
        ha="left",
    )
    # each value at the end of its own bar, placed once the figure is laid out
    fig.draw_without_rendering()
    for i, ax in enumerate(axes[0]):
        gids = [f"value:{i}:{cause}" for cause in order]
        bar_labels(ax, values[i], size=st.NOTE, gids=gids, laid_out=True)
    return fig


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
