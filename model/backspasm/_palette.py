"""The colours every view of a diagnosis shares: figures, the widget, the HTML repr.

Okabe-Ito colours for the node groups (safe for colour-blind readers), a palette of
their own for the triage levels, and the pair that marks a probability raised or
lowered by an answer. A leaf module: it imports nothing of the package, so the
diagnosis, the widget and the figures can all take their colours from it.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["GROUP_COLOURS", "LOWERED", "RAISED", "TRIAGE_COLOURS"]

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
#: Triage colours: a palette of their own (dark purple, purple, grey), so that a
#: triage level never reads as a group of causes drawn beside it (none of them is a
#: colour of :data:`GROUP_COLOURS`); each is dark enough to write on white (contrast
#: at least 4.5:1), as the questionnaire widget does.
TRIAGE_COLOURS: Mapping[str, str] = {
    "emergency": "#4B1C7D",
    "see_doctor": "#7F63B8",
    "self_care": "#767676",
}
RAISED, LOWERED = "#0072B2", "#D55E00"  # blue / vermillion: the colour-blind-safe pair
