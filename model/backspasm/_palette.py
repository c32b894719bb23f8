"""The colours and group names every view shares: figures, the widget, the HTML repr.

Okabe-Ito colours for the node groups (safe for colour-blind readers), and palettes
of their own, none of whose colours is near a group's, for what is not a group: the
triage levels, the pair that marks a probability raised or lowered by an answer, and
the lines of curves drawn one per cause (ROC, calibration); and neutral greys, one
of them hatched, for a number made larger or smaller in the sensitivity figure
(which draws no group). So a colour beside the causes always means a group of
causes. It imports only the knowledge base's declarations (each kind of cause's
names: :data:`~backspasm.spec.CAUSE_KINDS`), so the diagnosis, the widget and the
figures can all take their colours and group names from it.
"""

from __future__ import annotations

from collections.abc import Mapping

from backspasm.spec.schema import CAUSE_KINDS

__all__ = [
    "ALERT",
    "CAUSE_GROUP_COLOURS",
    "CAUSE_GROUP_WORDS",
    "DIVIDED",
    "FOCUS",
    "GROUP_COLOURS",
    "GROUP_NAMES",
    "LINE_COLOURS",
    "LOWERED",
    "MULTIPLIED",
    "PRIOR",
    "RAISED",
    "TRIAGE_COLOURS",
]

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
#: The kinds of cause in words, by the causes table's ``group`` (as
#: :data:`~backspasm.spec.CAUSE_KINDS` declares them).
CAUSE_GROUP_WORDS: Mapping[str, str] = {k.name: k.label for k in CAUSE_KINDS}
#: Their colours, by the same name.
CAUSE_GROUP_COLOURS: Mapping[str, str] = {k.name: GROUP_COLOURS[k.group] for k in CAUSE_KINDS}
#: Legend names of the node groups.
GROUP_NAMES: Mapping[str, str] = {
    "context": "Context",
    "exposure": "Exposure",
    **{k.group: f"Cause: {k.label}" for k in CAUSE_KINDS},
    "mechanism": "Mechanism (latent)",
    "presentation": "Presentation",
    "finding": "Finding (symptom, sign)",
    "complication": "Complication if untreated",
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
#: A probability raised / lowered by an answer: dark teal and brown, the
#: ends of ColorBrewer's colour-blind-safe BrBG scale. Neither is the colour of a
#: group (as the pathologic blue and serious vermillion they replace were), and both
#: are dark enough to write on white.
RAISED, LOWERED = "#01665E", "#8C510A"
#: A network number's odds multiplied / divided by a factor (the one-way sensitivity
#: figure): dark grey and a light grey (drawn hatched), neutral on purpose. Such a
#: change moves a probability either way, so it must not take the colours of
#: :data:`RAISED` and :data:`LOWERED`, which say which way a probability moved.
MULTIPLIED, DIVIDED = "#404040", "#BDBDBD"
#: Lines of curves drawn one per cause (ROC, calibration), twelve, so that a figure of
#: up to twelve curves gives each a colour of its own (the notebook's ROC of six
#: causes drew kidney stones and tight hamstrings in the same red, told apart by their
#: line style alone). Each is at least 20 (CIEDE2000, normal colour vision) from every
#: colour of :data:`GROUP_COLOURS` and :data:`TRIAGE_COLOURS`; the first six (as many
#: curves as there are serious causes) at least 20 from each other (the closest: red
#: and magenta, 20.7), all twelve at least 15 (each added the farthest, on a grid of
#: sRGB steps of 0x11, from those before it and from the groups). With simulated colour
#: blindness some pairs come closer (as near as 9), so the curves also differ in line
#: style, from the first curve on; past twelve, a colour comes again in another style.
#: They are not kept apart from :data:`RAISED` (the dark slate is near its teal): no
#: figure draws both.
LINE_COLOURS: tuple[str, ...] = (
    "#B2182B",  # red
    "#225555",  # dark slate
    "#BB0077",  # magenta (the closest to the red: never with its line style)
    "#441122",  # dark wine
    "#999933",  # olive
    "#664400",  # dark brown
    "#336600",  # dark green
    "#FF4455",  # light red
    "#444433",  # dark grey-olive
    "#661100",  # chestnut
    "#004422",  # dark pine
    "#774455",  # mauve
)
#: A warning in the widget (the mark of a red-flag question, a refused answer): the
#: red of :data:`LINE_COLOURS`, not the serious group's vermillion, which beside the
#: cause bars would read as a serious cause.
ALERT = LINE_COLOURS[0]
#: What the widget points the user to (the question to ask next): a dark slate, not
#: the pathologic group's blue.
FOCUS = LINE_COLOURS[1]
#: A probability before any answer (the prior bar beside a posterior), in every view.
PRIOR = "#BBBBBB"
