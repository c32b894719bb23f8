"""Publication- and slide-quality figures of the network, of a case and of many cases.

Compute once, draw many times: every ``plot_*`` function takes a result (a
:class:`~backspasm.diagnosis.Diagnosis`, a sensitivity table, a scored case file, an
:class:`~backspasm.learning.Evaluation`), never the network plus answers to
recompute. A one-panel function takes ``ax=None`` (a new figure is made) and returns
the :class:`~matplotlib.axes.Axes` it drew on; the multi-panel ones return the
:class:`~matplotlib.figure.Figure` (:func:`plot_case_mix` may be given its two
``axes``; :func:`plot_scenarios` always makes its own figure). Type sizes are set for
a whole slide: in a smaller Axes of a grid of panels, titles are wrapped to the panel's
width, but rows and legends may crowd; :func:`save_figure` lays such a grid out and
keeps every text inside the file (see there).
Nothing here calls ``plt.show()`` or changes global ``rcParams``; matplotlib is
imported inside the functions, so that ``import backspasm`` stays light.

Every figure is drawn for a slide (:data:`SLIDE_SIZE`, 13.33 x 7.5 in) with no text
under 9 pt at that size, the two drawings of the whole network included (their long
layers are dealt into staggered sub-columns). Titles say what is shown and for which
answers.
Colours follow the Okabe-Ito palette, one colour per node group
(:data:`GROUP_COLOURS`), with a second cue where groups share a column (the border of a
box, ``⚠`` before a serious cause), so that a grey print keeps them apart; the triage
levels have a palette of their own (:data:`TRIAGE_COLOURS`), so that they never read as
a group of causes, and so have an answer that raised or lowered a probability (teal and
brown) and the curves drawn one per cause (``backspasm._palette.LINE_COLOURS``).
A probability is never written as ``100%`` or ``0%`` unless it is exactly that
(``99.9%``, ``>99.9%``, ``<0.1%``), and odds ratios always to three significant
digits (``×26.2``, ``÷5.02``). Drawn artists carry a ``gid`` such as ``"node:fever"`` or
``"posterior:kidney_stones"`` so that tests and users can find them.

The families, one module each:

``network``
    :func:`plot_network`, :func:`plot_network_beliefs` (the whole network on a slide).
``diagnostic``
    :func:`plot_diagnostic_view` (causes, shared mechanisms and findings).
``case``
    :func:`plot_causes`, :func:`plot_evidence_impact`, :func:`plot_next_questions`
    (in the order ``backspasm diagnose`` gives: screening questions first; none before
    going to an emergency department, with those that can wait greyed under it).
``sensitivity``
    :func:`plot_sensitivity`.
``scenarios``
    :func:`plot_scenarios`, :data:`SCENARIOS`, :data:`DEFAULT_CASE`.
``casemix``
    :func:`plot_case_mix`.
``evaluation``
    :func:`plot_calibration`, :func:`plot_roc`.
``teaching``
    :func:`write_teaching_figures`, :func:`save_figure` (SVG text kept as text; each
    file, and the set, written whole or not at all; a figure laid out once, so that
    its files do not depend on the other formats asked for; at most :data:`MAX_DPI`).
``_style``, ``_wrap``, ``_words``, ``_bars``, ``_layout``, ``_routing``, ``_graph``, ``_save``
    Colours, type sizes and the slide size; how wide a text is and its wrapping to
    lines; what the figures write (percentages, odds ratios, answers, titles);
    probability bars with their prior's tick and value; the layouts of the network
    on a slide (one for the network and its beliefs, so that no box moves between
    the two; a label too long for its box cut short, with a warning, rather than
    every label shrunk); the arrows' routes between its boxes; drawing its boxes,
    arrows, headers and legends; writing files. Each imports only those before it.
``_emergency``, ``_next_questions``
    The next-questions figure of ``case``: for an emergency, and in general.
``_selection``, ``_results``, ``_captions``
    The parts of ``teaching``: its figures by name (``--only``); what they show,
    computed when first needed; their alt text and the captions file.
"""

from __future__ import annotations

from backspasm.figures._style import (
    GROUP_COLOURS,
    GROUP_NAMES,
    MIN_FONT,
    SLIDE_SIZE,
    TRIAGE_COLOURS,
    TRIAGE_NAMES,
)
from backspasm.figures._words import describe_answers
from backspasm.figures.case import plot_causes, plot_evidence_impact, plot_next_questions
from backspasm.figures.casemix import plot_case_mix
from backspasm.figures.diagnostic import plot_diagnostic_view
from backspasm.figures.evaluation import plot_calibration, plot_roc
from backspasm.figures.network import plot_network, plot_network_beliefs
from backspasm.figures.scenarios import DEFAULT_CASE, SCENARIOS, plot_scenarios
from backspasm.figures.sensitivity import plot_sensitivity
from backspasm.figures.teaching import (
    FIGURE_FORMATS,
    MAX_DPI,
    save_figure,
    write_teaching_figures,
)

__all__ = [
    "DEFAULT_CASE",
    "FIGURE_FORMATS",
    "GROUP_COLOURS",
    "GROUP_NAMES",
    "MAX_DPI",
    "MIN_FONT",
    "SCENARIOS",
    "SLIDE_SIZE",
    "TRIAGE_COLOURS",
    "TRIAGE_NAMES",
    "describe_answers",
    "plot_calibration",
    "plot_case_mix",
    "plot_causes",
    "plot_diagnostic_view",
    "plot_evidence_impact",
    "plot_network",
    "plot_network_beliefs",
    "plot_next_questions",
    "plot_roc",
    "plot_scenarios",
    "plot_sensitivity",
    "save_figure",
    "write_teaching_figures",
]
