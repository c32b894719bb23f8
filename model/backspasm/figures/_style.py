"""The look shared by every figure: colours, type sizes, slide size and small helpers.

What the figures write (percentages, odds ratios, answers, titles) and the measure
of a text are :mod:`backspasm.figures._words`'s; the probability bars are
:mod:`backspasm.figures._bars`'s. This module imports no other module of the
figures, so that every one of them can import it. The colours of node groups,
triage levels and of a raised or lowered probability are :mod:`backspasm._palette`'s,
shared with the notebook widget and the HTML view of a diagnosis.

This is the one place for the slide-size constants. A figure drawn at
:data:`SLIDE_SIZE` (13.33 x 7.5 in, a 16:9 slide) shows every text at its nominal
size; a figure drawn wider is shown smaller on a slide, by ``SLIDE_SIZE[0] / width``.
No text may end up under :data:`MIN_FONT` points once shown at slide size.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd

# Re-exported for the figures (their one import of the look).
from backspasm._palette import DIVIDED as DIVIDED
from backspasm._palette import GROUP_COLOURS as GROUP_COLOURS
from backspasm._palette import GROUP_NAMES as GROUP_NAMES
from backspasm._palette import LOWERED as LOWERED
from backspasm._palette import MULTIPLIED as MULTIPLIED
from backspasm._palette import RAISED as RAISED
from backspasm._palette import TRIAGE_COLOURS as TRIAGE_COLOURS

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
#: Type size of node labels (points) at slide size.
NODE_FONT = 9.0

#: Words for the triage levels.
TRIAGE_NAMES: Mapping[str, str] = {
    "emergency": "emergency",
    "see_doctor": "see a doctor",
    "self_care": "self-care",
}
#: A second cue beside the colour, for a grey print or a colour-blind reader: the
#: border of a node box (line style, width in points) where the groups share a
#: column (context and exposures; the three kinds of cause).
GROUP_BORDERS: Mapping[str, tuple[Any, float]] = {
    "context": ((0, (1.2, 1.2)), 1.3),  # dotted
    "cause_serious": ("-", 2.2),  # heavy, and its label tagged (GROUP_TAGS)
    "cause_pathologic": ((0, (3.5, 1.8)), 1.4),  # dashed
}
#: A tag written before the label of a node of the group (as the causes figure does).
GROUP_TAGS: Mapping[str, str] = {"cause_serious": "⚠\u00a0"}  # never a line of its own
PRIOR_TICK = "#6A6A6A"  # the prior's tick across a posterior bar
EDGE = "#6E6E6E"
TEXT = "#222222"
GRID = "#E5E5E5"
CAUSE_GROUPS = ("cause_serious", "cause_pathologic", "cause_fitness")  # top to bottom
# Bars of these light colours need a darker shade to stand out on white.
BAR_SHADE = {"exposure": "#C2B40A", "context": "#7A7A7A", "finding": "#3A9AD9"}


def triage_ink(level: str) -> str:
    """Return the colour in which to write a triage level (readable on white)."""
    return TRIAGE_COLOURS.get(level, TEXT)


def mix(colour: str, white: float) -> tuple[float, float, float]:
    """Blend a colour with white (``white`` = share of white)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r + (1 - r) * white, g + (1 - g) * white, b + (1 - b) * white)


def colour(group: str) -> str:
    """Return the colour of a node group."""
    return GROUP_COLOURS.get(group, "#777777")


def border(group: str) -> tuple[Any, float]:
    """Return the line style and width (points) of a node box's border for a group."""
    return GROUP_BORDERS.get(group, ("-", 1.0))


def tagged(label: str, group: str) -> str:
    """Return a node's label with its group's tag (``⚠ Kidney stones``, no-break space)."""
    return GROUP_TAGS.get(group, "") + label


def bar_colour(group: str) -> str:
    """Return the colour of a bar for a node group (darker for the light groups)."""
    return BAR_SHADE.get(group, colour(group))


def cause_group(group: str) -> str:
    """Return a cause table's group as a node group (``serious`` -> ``cause_serious``)."""
    return group if group.startswith("cause_") else f"cause_{group}"


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


#: How a note on an Axes is written unless told otherwise (see :func:`axes_note`).
_NOTE_LOOK: Mapping[str, Any] = {
    "ha": "center",
    "va": "center",
    "fontsize": LABEL,
    "color": "#666666",
}


def axes_note(ax: Axes, x: float, y: float, text: str, **options: Any) -> None:
    """Write a note at ``(x, y)`` in Axes fractions (beyond 0 to 1: outside the Axes).

    Centred, grey and :data:`LABEL` points unless ``options`` (passed on to
    :meth:`~matplotlib.axes.Axes.text`, such as ``ha`` or ``gid``) say otherwise.
    """
    ax.text(x, y, text, transform=ax.transAxes, **{**_NOTE_LOOK, **options})


def empty_note(ax: Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty."""
    axes_note(ax, 0.5, 0.5, text)


def network_of(result: Any, network: Network | None = None) -> Network:
    """Return ``network``, else the result's network, else the bundled one."""
    if network is not None:
        return network
    net = getattr(result, "network", None)
    if net is None:
        from backspasm.network import default_network

        return default_network()
    return net  # type: ignore[no-any-return]
