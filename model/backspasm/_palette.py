"""The colours every view of a diagnosis shares: figures, the widget, the HTML repr.

Okabe-Ito colours for the node groups (safe for colour-blind readers), and palettes
of their own, none of whose colours is near a group's, for what is not a group: the
triage levels, the pair that marks a probability raised or lowered by an answer, and
the lines of curves drawn one per cause (ROC, calibration). So a colour beside the
causes always means a group of causes. A leaf module: it imports nothing of the
package, so the diagnosis, the widget and the figures can all take their colours
from it.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["GROUP_COLOURS", "LINE_COLOURS", "LOWERED", "RAISED", "TRIAGE_COLOURS"]

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
#: A probability raised / lowered by an answer or a number: dark teal and brown, the
#: ends of ColorBrewer's colour-blind-safe BrBG scale. Neither is the colour of a
#: group (as the pathologic blue and serious vermillion they replace were), and both
#: are dark enough to write on white.
RAISED, LOWERED = "#01665E", "#8C510A"
#: Lines of curves drawn one per cause (ROC, calibration): colours of Paul Tol's
#: colour-blind-safe "muted" scheme and ColorBrewer's BrBG, none near a group's colour
#: (blues and orange belong to the groups) or a triage level's.
LINE_COLOURS: tuple[str, ...] = (
    "#882255",  # wine
    "#117733",  # dark green
    "#999933",  # olive
    "#AA4499",  # purple
    "#661100",  # dark brown
    "#35978F",  # teal
    "#CC6677",  # rose
)
