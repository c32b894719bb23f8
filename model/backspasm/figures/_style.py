"""The look shared by every figure: colours, type sizes, slide size and small helpers.

What the figures write (percentages, odds ratios, answers, titles) and the measure
of a text are :mod:`backspasm.figures._words`'s; the probability bars are
:mod:`backspasm.figures._bars`'s. This module imports no other module of the
figures but :mod:`~backspasm.figures._panel` (which imports none), so that every one
of them can import it. The colours of node groups,
triage levels and of a raised or lowered probability are :mod:`backspasm._palette`'s,
shared with the notebook widget and the HTML view of a diagnosis.

This is the one place for the size constants. A figure drawn at
:data:`SLIDE_SIZE` (13.33 x 7.5 in, a 16:9 slide) shows every text at its nominal
size; a figure drawn wider is shown smaller on a slide, by ``SLIDE_SIZE[0] / width``.
No text may end up under :data:`MIN_FONT` points once shown at slide size.

The named sizes (:data:`FIGURE_SIZES`, ``size=`` and ``backspasm figures --size``)
add two journal widths: ``page`` (7.0 in, 178 mm, a double column or a full page)
and ``column`` (3.5 in, 89 mm, a single column), each figure with a height of its
own (:data:`FIGURE_HEIGHTS`, at most 9 in). The rule for their type: a journal
figure is printed at its own size (100%), not shrunk, and every type size is the
slide's times :func:`type_scale` of the figure's width: 1 at a slide's width or more,
0.8 at a page's, 0.7 at a column's (and narrower), linear in between. So the
smallest, :data:`MIN_FONT` (9 pt), prints at 7.2 pt on a page and 6.3 pt in a
column, never under :data:`JOURNAL_MIN_FONT` (6 pt, the least journals accept);
a 15 pt title prints at 12 and 10.5 pt. The figures read the scaled sizes through
:func:`pt` while they draw (:func:`sized` sets the scale of the figure drawn).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import pandas as pd

# Re-exported for the figures (their one import of the look).
from backspasm._palette import DIVIDED as DIVIDED
from backspasm._palette import GROUP_COLOURS as GROUP_COLOURS
from backspasm._palette import GROUP_NAMES as GROUP_NAMES
from backspasm._palette import LOWERED as LOWERED
from backspasm._palette import MULTIPLIED as MULTIPLIED
from backspasm._palette import RAISED as RAISED
from backspasm._palette import TRIAGE_COLOURS as TRIAGE_COLOURS
from backspasm.figures._panel import fit_in_cell
from backspasm.spec import CAUSE_GROUPS as _DECLARED
from backspasm.spec.groups import cause_group as cause_group
from backspasm.spec.groups import cause_words as cause_words

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    from backspasm.network import Network

#: Width and height (inches) of a 16:9 slide; figures are drawn at this size.
SLIDE_SIZE: tuple[float, float] = (13.33, 7.5)
#: The smallest type size (points) allowed once a figure is shown at slide size.
MIN_FONT: float = 9.0
#: The smallest type size (points) of a journal figure, printed at its own size.
JOURNAL_MIN_FONT: float = 6.0

#: The named sizes of a figure, largest first: a 16:9 slide, a journal's full page
#: width (double column, 178 mm) and one journal column (89 mm).
FIGURE_SIZES: tuple[str, ...] = ("slide", "page", "column")
#: The width (inches) of each named size.
SIZE_WIDTHS: Mapping[str, float] = {"slide": SLIDE_SIZE[0], "page": 7.0, "column": 3.5}
#: The height (inches) of each figure at each journal size (at a slide's, 7.5 in):
#: as tall as its rows need at that width, never over 9 in (a journal's full page).
FIGURE_HEIGHTS: Mapping[str, Mapping[str, float]] = {
    "causes": {"page": 6.2, "column": 6.8},
    "evidence_impact": {"page": 4.6, "column": 4.8},
    "next_questions": {"page": 5.6, "column": 6.0},
    "sensitivity": {"page": 6.0, "column": 6.2},
    "scenarios": {"page": 7.4, "column": 9.0},
    "case_mix": {"page": 5.0, "column": 7.0},
    "calibration": {"page": 4.4, "column": 5.0},
    "roc": {"page": 4.4, "column": 7.2},
}
#: The type scale at a few widths (inches); linear in between (see :func:`type_scale`).
_SCALES: tuple[tuple[float, float], ...] = ((3.5, 0.7), (7.0, 0.8), (SLIDE_SIZE[0], 1.0))

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
CAUSE_GROUPS = tuple(reversed(_DECLARED))  # top to bottom: serious first
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


def new_axes(ax: Axes | None, size: tuple[float, float] | None = None) -> Axes:
    """Return ``ax``, or the Axes of a new figure of ``size`` inches.

    By default, the size of the figure being drawn (:func:`new_size`).
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size or new_size(), layout=layout())
    return new


def layout(
    width: float | None = None, *, labels: bool = True, between: float | None = None
) -> Any:
    """Return the layout engine of a new figure: constrained, with more room when narrow.

    A figure narrower than a slide (``width`` inches; by default the figure being
    drawn, a journal's when its type is scaled under 1) keeps :data:`NARROW_PAD`, not
    0.04 in, between its text and its edges: the same line of text measures up to
    about 6% wider or narrower from one resolution to another (the hinting of its
    glyphs), so a file written at another resolution than the layout's would cut a
    long label by a few hundredths of an inch.

    ``between`` (inches, under :data:`NARROW_PAD`) is the room kept between the text
    of panels one under the other, when less than at the edges: a column's stacked
    panels need the height for their rows. The top and bottom edges keep theirs.
    """
    narrow = scale() < 1.0 if width is None else width < SLIDE_SIZE[0] - 0.01
    if not narrow:
        return "constrained"
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    # row labels end at the plot and grow leftwards: at 80 dpi a column's 6.3 pt
    # labels measure up to 12% wider than at the layout's 600 dpi (a 1.5 in label,
    # 0.17 in), more than the pad; the left edge keeps LABEL_SLACK more (``labels``:
    # a figure with row labels at its left edge)
    inches = new_size()[0] if width is None else width
    left = LABEL_SLACK / inches if labels else 0.0
    pad = NARROW_PAD if between is None else min(between, NARROW_PAD)
    edge = (NARROW_PAD - pad) / new_size()[1]  # the rest of the edges' room, as a rect
    return ConstrainedLayoutEngine(
        w_pad=NARROW_PAD, h_pad=pad, rect=(left, edge, 1.0 - left, 1.0 - 2 * edge)
    )


#: The room (inches) between a narrow figure's text and its edges (see :func:`layout`).
NARROW_PAD = 0.12
#: The room (inches) a narrow figure keeps left of it more, for its row labels.
LABEL_SLACK = 0.08


# The type scale and the size of a new figure, while a figure is drawn (see sized).
_SCALE: ContextVar[float] = ContextVar("backspasm_type_scale", default=1.0)
_NEW_SIZE: ContextVar[tuple[float, float]] = ContextVar(
    "backspasm_figure_size", default=SLIDE_SIZE
)
# Whether the figure being drawn is one a plot_* function made (not the user's: see own).
_OWN: ContextVar[bool] = ContextVar("backspasm_own_figure", default=True)


def type_scale(width: float) -> float:
    """Return the factor of every type size in a figure ``width`` inches wide.

    1 at a slide's width or wider, 0.8 at a page's (7 in), 0.7 at a column's (3.5 in)
    or narrower, linear in between: the rule of the module's docstring.
    """
    if width >= _SCALES[-1][0]:
        return 1.0
    if width <= _SCALES[0][0]:
        return _SCALES[0][1]
    for (w0, s0), (w1, s1) in itertools.pairwise(_SCALES):
        if width <= w1:
            return s0 + (s1 - s0) * (width - w0) / (w1 - w0)
    return 1.0  # pragma: no cover (the first test covers it)


def pt(size: float) -> float:
    """Return a type size (points at slide size) as the figure being drawn prints it."""
    return size * _SCALE.get()


def scale() -> float:
    """Return the type scale of the figure being drawn (1 on a slide)."""
    return _SCALE.get()


def new_size() -> tuple[float, float]:
    """Return the size (inches) of a new figure of the figure being drawn."""
    return _NEW_SIZE.get()


def own() -> bool:
    """Whether the figure being drawn was made here (False: an Axes of the user's given).

    A panel of the user's grid is kept to its cell (:func:`sized`) and its title
    wrapped beside its row labels (:func:`~backspasm.figures._wrap.plot_width`).
    """
    return _OWN.get()


def check_size(size: str, where: str) -> str:
    """Return ``size``, a name of :data:`FIGURE_SIZES`; raise naming ``where`` otherwise."""
    from backspasm.exceptions import BackspasmError

    if size not in FIGURE_SIZES:
        raise BackspasmError(
            f"The 'size' parameter of {where} must be one of {', '.join(FIGURE_SIZES)}; "
            f"got {size!r} instead."
        )
    return size


def figure_size(figure: str, size: str = "slide") -> tuple[float, float]:
    """Return the width and height (inches) of a figure (a key of :data:`FIGURE_HEIGHTS`)."""
    if size == "slide":
        return SLIDE_SIZE
    return (SIZE_WIDTHS[size], FIGURE_HEIGHTS[figure][size])


@contextlib.contextmanager
def drawing(width: float, new: tuple[float, float] = SLIDE_SIZE) -> Iterator[None]:
    """Draw, for the duration, into a figure ``width`` inches wide (a new one of ``new``)."""
    scale_token = _SCALE.set(type_scale(width))
    size_token = _NEW_SIZE.set(new)
    try:
        yield
    finally:
        _NEW_SIZE.reset(size_token)
        _SCALE.reset(scale_token)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def sized(figure: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Make a ``plot_*`` function draw at its ``size`` (a new figure) or at its Axes' size.

    The function's keyword ``size`` (a name of :data:`FIGURE_SIZES`, default
    ``"slide"``) sets the size of the figure it makes (:func:`figure_size` of
    ``figure``); given ``ax`` (or ``axes``), it draws at the width of that Axes'
    figure instead, and ``size`` must be left out: the figure is the user's
    (:func:`own` is False while it draws), and each Axes given is kept to its cell of
    the grid afterwards (:func:`~backspasm.figures._panel.fit_in_cell`). Either way,
    :func:`pt` gives the type sizes of that width while it draws.
    """

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def draw(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            from backspasm.exceptions import BackspasmError

            given = kwargs.get("ax")
            if given is None and kwargs.get("axes") is not None:
                given = next(iter(kwargs["axes"]))  # type: ignore[call-overload]
            size = kwargs.get("size")
            if given is not None and size is not None:
                raise BackspasmError(
                    f"{func.__name__} takes 'size' or 'ax', not both: the size is that of "
                    "a new figure, and an Axes keeps its own figure's size."
                )
            new = figure_size(figure, check_size(str(size or "slide"), func.__name__))
            width = float(figure_of(given).get_figwidth()) if given is not None else new[0]  # type: ignore[arg-type]
            own_token = _OWN.set(given is None)
            try:
                with drawing(width, new):
                    drawn = func(*args, **kwargs)
            finally:
                _OWN.reset(own_token)
            if given is not None:  # the user's figure: each Axes kept to its cell
                for ax in [kwargs.get("ax"), *(kwargs.get("axes") or ())]:  # type: ignore[misc]
                    if ax is not None:
                        fit_in_cell(ax)
            return drawn

        return draw

    return decorate


def check_diagnosis(value: object, where: str) -> None:
    """Refuse answers, or anything else that is no diagnosis, given to a figure function.

    Raises
    ------
    TypeError
        Naming the function and how to make a diagnosis of answers.
    """
    if isinstance(value, Mapping) or not hasattr(value, "causes"):
        said = "answers" if isinstance(value, Mapping) else type(value).__name__
        raise TypeError(
            f"{where} takes a Diagnosis, got {said}: diagnose the answers first, with "
            "backspasm.diagnose(answers)"
        )


#: Inches between a journal figure's edge and its title (see :func:`put_title`).
TITLE_MARGIN = 0.06


def put_title(ax: Axes, text: str, *, fontsize: float, across: bool = False) -> None:
    """Title an Axes from its left edge; a journal figure's one Axes from the figure's.

    On a slide (and on a panel of a grid), the Axes' left title. In a figure narrower
    than a slide with one Axes, the figure's title, :data:`TITLE_MARGIN` in from its
    left edge, so that the title has the figure's whole width, not only the plot's
    (a column's plot is half of it, beside its labels). With ``across``, a slide's
    one Axes gets the figure's title too: for a plot whose labels are long sentences
    (the questions of :func:`~backspasm.figures.plot_next_questions`), whose title
    over the plot alone would leave the third of the slide above the labels empty.
    The one Axes of the user's figure (:func:`own` False) gets the same title as the
    Axes' own, from the same place, never the figure's (which is the user's).
    """
    fig = figure_of(ax)
    x = TITLE_MARGIN / float(fig.get_figwidth())
    if (across or scale() < 1.0) and len(fig.axes) == 1:
        if own():
            fig.suptitle(text, x=x, ha="left", fontsize=fontsize, linespacing=1.15)
            return
        from matplotlib.transforms import blended_transform_factory

        title = ax.set_title(text, fontsize=fontsize, loc="left", linespacing=1.15)
        title.set_x(x)  # from the figure's left edge, over the labels, at the Axes' top
        offset = ax.titleOffsetTrans  # type: ignore[attr-defined]  # the title's pad
        title.set_transform(blended_transform_factory(fig.transFigure, ax.transAxes) + offset)
        return
    ax.set_title(text, fontsize=fontsize, loc="left")


def legend_under(
    ax: Axes,
    handles: list[Any] | None,
    *,
    ncol: int,
    label_lines: int = 1,
    left: bool = False,
    **options: Any,
) -> None:
    """Put a frameless legend under an Axes' axis label, its right edge at the plot's.

    ``label_lines``: the lines of the axis label (and its tick labels) it comes under;
    ``left``: its left edge at the plot's instead; ``handles`` None: those of the
    Axes. At :data:`NOTE` + 0.5 points (scaled, :func:`pt`) unless ``options`` say
    otherwise.
    """
    from matplotlib.transforms import ScaledTranslation

    fig = figure_of(ax)
    drop = (pt(TICK) * 1.5 + label_lines * pt(TICK) * 1.25 + 6.0) / 72.0
    if handles is not None:
        options["handles"] = handles
    ax.legend(
        loc="upper left" if left else "upper right",
        bbox_to_anchor=(0.0 if left else 1.0, 0.0),
        bbox_transform=ax.transAxes + ScaledTranslation(0, -drop, fig.dpi_scale_trans),
        ncol=ncol,
        **{"fontsize": pt(NOTE + 0.5), "frameon": False, **options},
    )


#: An Axes narrower than this (inches, before any layout) is laid out as a journal's
#: figure is, whatever its type scale: a panel of a grid on a slide (a slide's one
#: Axes is 10.3 in wide).
NARROW_AXES = 8.0


def narrow(ax: Axes) -> bool:
    """Whether to lay an Axes out for a narrow figure (see :mod:`backspasm.figures._narrow`).

    A journal's figure (type scaled under 1), or an Axes narrower than
    :data:`NARROW_AXES`, such as a panel of a grid; a slide's one Axes never.
    """
    return scale() < 1.0 or inches(ax)[0] < NARROW_AXES


def inches(ax: Axes) -> tuple[float, float]:
    """Return the width and height (inches) of an Axes, as placed before any layout."""
    fig = figure_of(ax)
    box = placed(ax)
    return float(box.width) * float(fig.get_figwidth()), float(box.height) * float(
        fig.get_figheight()
    )


def placed(ax: Axes) -> Bbox:
    """Return an Axes' box (figure fractions) as placed before any layout.

    A layout engine (constrained, tight) moves the Axes each time the figure is
    drawn, and the figures draw it to place their values; a panel of a grid is
    measured by its cell of the grid instead, so that panels drawn one after another
    measure alike, however the earlier ones moved it.
    """
    spec = ax.get_subplotspec()
    if spec is not None:
        return spec.get_position(figure_of(ax))
    return ax.get_position(original=True)


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
    "color": "#666666",
}


def axes_note(ax: Axes, x: float, y: float, text: str, **options: Any) -> Text:
    """Write a note at ``(x, y)`` in Axes fractions (beyond 0 to 1: outside the Axes).

    Centred, grey and :data:`LABEL` points (scaled, :func:`pt`) unless ``options``
    (passed on to :meth:`~matplotlib.axes.Axes.text`, such as ``ha`` or ``gid``) say
    otherwise; a ``transform`` among them replaces the Axes fractions. Returns the
    text drawn.
    """
    look = {**_NOTE_LOOK, "fontsize": pt(LABEL), "transform": ax.transAxes, **options}
    return ax.text(x, y, text, **look)


def empty_note(ax: Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty."""
    axes_note(ax, 0.5, 0.5, text)


def network_of(result: Any, network: Network | None = None) -> Network:
    """Return ``network``, else the result's network, else the bundled one."""
    from backspasm.network import network_or_default

    return network_or_default(network if network is not None else getattr(result, "network", None))
