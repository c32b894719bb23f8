"""The look shared by every figure: colours, type sizes, slide size and small helpers.

This is the one place for the slide-size constants. A figure drawn at
:data:`SLIDE_SIZE` (13.33 x 7.5 in, a 16:9 slide) shows every text at its nominal
size; a figure drawn wider is shown smaller on a slide, by ``SLIDE_SIZE[0] / width``.
No text may end up under :data:`MIN_FONT` points once shown at slide size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from backspasm.network import Network

#: Width and height (inches) of a 16:9 slide; figures are drawn at this size.
SLIDE_SIZE: tuple[float, float] = (13.33, 7.5)
#: The smallest type size (points) allowed once a figure is shown at slide size.
MIN_FONT: float = 9.0

# Type sizes (points at slide size).
TITLE = 15.0
SUBTITLE = 11.5
LABEL = 12.0
TICK = 11.0
NOTE = 10.0
LEGEND = 10.5

#: Okabe-Ito colours, one per node group, used by every figure.
GROUP_COLOURS: Mapping[str, str] = {
    "context": "#999999",
    "exposure": "#F0E442",
    "cause_fitness": "#009E73",
    "cause_pathologic": "#0072B2",
    "cause_serious": "#D55E00",
    "mechanism": "#CC79A7",
    "presentation": "#000000",
    "finding": "#56B4E9",
    "complication": "#E69F00",
}
#: Legend names of the node groups.
GROUP_NAMES: Mapping[str, str] = {
    "context": "Context",
    "exposure": "Exposure",
    "cause_fitness": "Cause: fitness deficiency",
    "cause_pathologic": "Cause: pathologic",
    "cause_serious": "Cause: serious",
    "mechanism": "Mechanism (latent)",
    "presentation": "Presentation",
    "finding": "Finding (a question)",
    "complication": "Complication if untreated",
}
#: Triage colours: vermillion, orange and bluish green from the same palette.
TRIAGE_COLOURS: Mapping[str, str] = {
    "emergency": "#D55E00",
    "see_doctor": "#E69F00",
    "self_care": "#009E73",
}
#: Words for the triage levels.
TRIAGE_NAMES: Mapping[str, str] = {
    "emergency": "emergency",
    "see_doctor": "see a doctor",
    "self_care": "self-care",
}
RAISED, LOWERED = "#0072B2", "#D55E00"  # blue / vermillion: the colour-blind-safe pair
PRIOR = "#BBBBBB"
EDGE = "#6E6E6E"
TEXT = "#222222"
GRID = "#E5E5E5"
CAUSE_GROUPS = ("cause_serious", "cause_pathologic", "cause_fitness")  # top to bottom
# Bars of these light colours need a darker shade to stand out on white.
BAR_SHADE = {"exposure": "#C2B40A", "context": "#7A7A7A", "finding": "#3A9AD9"}


def mix(colour: str, white: float) -> tuple[float, float, float]:
    """Blend a colour with white (``white`` = share of white)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r + (1 - r) * white, g + (1 - g) * white, b + (1 - b) * white)


def colour(group: str) -> str:
    """Return the colour of a node group."""
    return GROUP_COLOURS.get(group, "#777777")


def bar_colour(group: str) -> str:
    """Return the colour of a bar for a node group (darker for the light groups)."""
    return BAR_SHADE.get(group, colour(group))


def cause_group(group: str) -> str:
    """Return a cause table's group as a node group (``serious`` -> ``cause_serious``)."""
    return group if group.startswith("cause_") else f"cause_{group}"


def wrap(text: str, width: int) -> str:
    """Greedy wrap at spaces and after slashes, never inside a word."""
    pieces: list[tuple[str, str]] = []  # (piece, separator before it)
    for i, word in enumerate(text.split()):
        parts = word.split("/")
        for j, part in enumerate(parts):
            piece = part + ("/" if j < len(parts) - 1 else "")
            if piece:
                pieces.append((piece, " " if j == 0 and i > 0 else ""))
    lines: list[str] = []
    for piece, sep in pieces:
        if lines and len(lines[-1]) + len(sep) + len(piece) <= width:
            lines[-1] += sep + piece
        else:
            lines.append(piece)
    return "\n".join(lines) or text


def prior_and_posterior(
    ax: Axes,
    y: float,
    posterior: float,
    prior: float,
    *,
    colour: str,
    key: str,
    label: str,
    height: float,
    lw: float,
) -> None:
    """Draw a posterior bar with its prior as a black tick across it.

    The bar gets ``gid="posterior:<key>"`` (labelled ``label``) and the tick
    ``gid="prior:<key>"``; the tick is 1.2 bar heights tall.
    """
    bar = ax.barh(y, posterior, height=height, color=colour, zorder=3)[0]
    bar.set_gid(f"posterior:{key}")
    bar.set_label(label)
    (tick,) = ax.plot(
        [prior, prior],
        [y - 0.6 * height, y + 0.6 * height],
        color=TEXT,
        lw=lw,
        zorder=4,
        solid_capstyle="butt",
    )
    tick.set_gid(f"prior:{key}")


def percent(p: float) -> str:
    """Format a probability for a figure: ``<0.1%``, ``1.2%``, ``73%``."""
    if p < 0.001:
        return "<0.1%"
    if p < 0.1:
        return f"{p:.1%}"
    return f"{p:.0%}"


def new_axes(ax: Axes | None, size: tuple[float, float] = SLIDE_SIZE) -> Axes:
    """Return ``ax``, or the Axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def figure_of(ax: Axes) -> Figure:
    """Return the figure an Axes belongs to."""
    return ax.get_figure()  # type: ignore[return-value]


def rows(table: pd.DataFrame) -> list[Any]:
    """Rows as namespaces (attribute access, like ``itertuples``, but typed ``Any``)."""
    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in table.to_dict("records")]


def empty_note(ax: Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=LABEL,
        color="#666666",
    )


def network_of(result: Any, network: Network | None = None) -> Network:
    """Return ``network``, else the result's network, else the bundled one."""
    if network is not None:
        return network
    net = getattr(result, "network", None)
    if net is None:
        from backspasm.network import default_network

        return default_network()
    return net  # type: ignore[no-any-return]


def triage_text(diagnosis: Any) -> str:
    """``triage: emergency · P(a serious cause) = 33%`` for a diagnosis."""
    triage = getattr(diagnosis, "triage", None)
    text = f"P(a serious cause) = {percent(float(diagnosis.p_serious))}"
    if triage:
        text = f"triage: {TRIAGE_NAMES.get(str(triage), str(triage))}  ·  " + text
    return text


def _lower_first(label: str) -> str:
    """Lower-case a label's first letter unless it starts an abbreviation (``IV``)."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _answer_words(question: Any, label: str, value: Any) -> str | None:
    from backspasm.exceptions import BackspasmError
    from backspasm.questionnaire import parse_answer

    try:
        state = parse_answer(question, value)
    except BackspasmError:
        return f"{label} {value}"
    if state is None:
        return None
    if question.kind == "number":
        if question.column == "age":
            return f"age {value}"
        unit = str(question.unit or "")
        if unit.endswith("s") and str(value).strip() in ("1", "1.0"):
            unit = unit[:-1]
        return f"{label} {str(value).strip()} {unit}".strip()
    if isinstance(state, tuple):
        return f"{label} ({float(state[-1]):.0%} sure)"
    if question.kind == "yes_no":
        return label if state == "yes" else f"no {label}"
    if question.column == "sex":
        return str(state)
    return f"{label}: {str(state).replace('_', ' ')}"


def describe_answers(answers: Mapping[str, Any], network: Network | None = None) -> str:
    """Say a case's answers in a few words, for a figure title.

    Parameters
    ----------
    answers : mapping of str to object
        Column to answer, as given to :func:`backspasm.diagnose` (blank answers and
        the default ``back_spasm = yes`` are left out).
    network : Network, optional
        Gives the questions and the node labels; defaults to the bundled network.

    Returns
    -------
    str
        For example ``"age 39, flank pain, blood in urine, no fever"``, or
        ``"no answers yet"``.
    """
    from backspasm.questionnaire import questions_for

    net = network_of(None, network)
    questions = {q.column: q for q in questions_for(net)}
    words: list[str] = []
    for column, value in answers.items():
        q = questions.get(column)
        if q is None or q.node is None:
            continue
        if column == "back_spasm" and str(value).strip().lower() in ("yes", "y", "1", "true"):
            continue
        label = _lower_first(net.label(q.node)) if q.column != "age" else "age"
        if column == "spasm_location":
            label = "spasms"
        said = _answer_words(q, label, value)
        if said:
            words.append(said)
    return ", ".join(words) if words else "no answers yet"


def case_title(what: str, diagnosis: Any, width: int = 80) -> str:
    """Return ``<what> for: <answers>``, wrapped to lines of ``width`` characters."""
    answers = getattr(diagnosis, "answers", {}) or {}
    text = f"{what} for: {describe_answers(answers, network_of(diagnosis))}"
    return wrap_words(text, width)


def wrap_words(text: str, width: int) -> str:
    """Wrap at spaces only (keeps ``a/b`` and ``x, y`` readable in titles)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def legend_below(ax: Axes, handles: Sequence[Any], *, ncol: int) -> None:
    """Put a frameless legend centred under the Axes."""
    ax.legend(
        handles=list(handles),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=ncol,
        frameon=False,
        fontsize=LEGEND,
    )
