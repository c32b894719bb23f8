"""Publication- and slide-quality figures of the network, of a case and of many cases.

Compute once, draw many times: every ``plot_*`` function takes a result (a
:class:`~backspasm.diagnosis.Diagnosis`, a sensitivity table, a scored case file, an
:class:`~backspasm.learning.Evaluation`), never the network plus answers to
recompute. A one-panel function takes ``ax=None`` (a new figure is made) and returns
the :class:`~matplotlib.axes.Axes` it drew on; the multi-panel ones return the
:class:`~matplotlib.figure.Figure` (:func:`plot_case_mix` may be given its two
``axes``; :func:`plot_scenarios` always makes its own figure).

Sizes: a function that makes its own figure takes ``size``, one of
:data:`FIGURE_SIZES`: ``"slide"`` (the default, 13.33 x 7.5 in), ``"page"`` (a
journal's full width, 7.0 in) or ``"column"`` (one journal column, 3.5 in), each
figure at a height of its own (:data:`FIGURE_HEIGHTS`). At a journal size the type is
the slide's scaled down (:func:`type_scale`: 0.8 on a page, 0.7 in a column, so never
under :data:`JOURNAL_MIN_FONT`, 6 pt, as printed) and the layout is made for the
width: row labels wrapped, as many rows as the height holds (the most telling ones;
the causes' and the answers' titles say how many of how many), legends under the
plot, notes from the figure's left edge. Given an ``ax`` instead, a function draws at
the width of that Axes' figure the same way (a 3.5 in wide figure of the user's is
drawn as a column), and a panel narrower than 8 in (of a grid on a slide) is laid out
as narrow too.
The drawings of the whole network (:func:`plot_network`,
:func:`plot_network_beliefs`, :func:`plot_diagnostic_view`) are readable on a slide
only, and refuse a smaller size with an error that names it; but at a page's width
:func:`plot_network` draws the network's structure for print (one box per node
group naming its nodes, the arrows into each counted by group: ``_overview``), and
refuses a column. :func:`save_figure`
never changes a figure's size: a text that runs past its edges is named in a warning.
Nothing here calls ``plt.show()`` or changes global ``rcParams``; matplotlib is
imported inside the functions, so that ``import backspasm`` stays light.

By default every figure is drawn for a slide (:data:`SLIDE_SIZE`, 13.33 x 7.5 in) with
no text under 9 pt at that size, the two drawings of the whole network included (their long
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
``_panel``, ``_style``, ``_wrap``, ``_words``, ``_bars``, ``_layout``, ``_paths``,
``_routing``, ``_graph``, ``_save``
    A plot drawn into an Axes of the user's figure kept to its cell of the grid (a
    figure without a layout engine; nothing is ever drawn on the user's figure
    itself); colours, type sizes and the named sizes (slide, page, column); how wide a text
    is and its wrapping to lines; what the figures write (percentages, odds ratios,
    answers, titles);
    probability bars with their prior's tick and value; the layouts of the network
    on a slide (one for the network and its beliefs, so that no box moves between
    the two; a label too long for its box cut short, with a warning, rather than
    every label shrunk); the arrows' paths (smooth curves, runs with rounded turns)
    and their routes between its boxes; drawing its boxes,
    arrows, headers and legends; writing files. Each imports only those before it.
``_emergency``, ``_next_questions``
    The next-questions figure of ``case``: for an emergency, and in general.
``_narrow``, ``_emergency_narrow``
    Laying a figure out for a journal's width or a narrow panel: labels wrapped to a
    share of it, room for the values at the bars' ends, rows that fit the height,
    notes from the figure's left edge; an emergency's next-questions panel so laid out.
``_beliefs_words``
    What the drawing of the network's beliefs writes: its title, each box's value.
``_overview``
    The network's structure on a page: one box per group, its nodes named.
``_selection``, ``_results``, ``_captions``
    The parts of ``teaching``: its figures by name (``--only``); what they show,
    computed when first needed; their alt text and the captions file.
"""

from __future__ import annotations

from backspasm.figures._style import (
    FIGURE_HEIGHTS,
    FIGURE_SIZES,
    GROUP_COLOURS,
    GROUP_NAMES,
    JOURNAL_MIN_FONT,
    MIN_FONT,
    SIZE_WIDTHS,
    SLIDE_SIZE,
    TRIAGE_COLOURS,
    TRIAGE_NAMES,
    type_scale,
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
    "FIGURE_HEIGHTS",
    "FIGURE_SIZES",
    "GROUP_COLOURS",
    "GROUP_NAMES",
    "JOURNAL_MIN_FONT",
    "MAX_DPI",
    "MIN_FONT",
    "SCENARIOS",
    "SIZE_WIDTHS",
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
    "type_scale",
    "write_teaching_figures",
]
