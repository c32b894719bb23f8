"""The teaching set: every figure of a case and of the network, written to files.

Nothing is computed before it is needed: what the figures show is computed when the
first figure that shows it is drawn (:mod:`backspasm.figures._results`), so that a
set of a few figures (:func:`select_figures`, from
:mod:`backspasm.figures._selection`) computes only what they show; the ``plot_*``
functions then only draw those results. Each figure gets one sentence of alt text
(:mod:`backspasm.figures._captions`), written into its files and into
:data:`CAPTIONS_FILE` beside them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import backspasm.figures._style as st
from backspasm._signals import SignalGuard
from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError
from backspasm.figures._captions import _caption
from backspasm.figures._captions_file import (
    CAPTIONS_FILE,
    _captions_file,
    _earlier_sizes,
    _size_name,
    network_said,
    other_networks,
    refuse_foreign_captions,
)
from backspasm.figures._case_answers import ordered_answers
from backspasm.figures._folder import _check_out, _left_over, _left_over_note, _missing_from
from backspasm.figures._inputs import (
    LOW_DPI,
    _check_formats,
    _low_dpi,
    _read_cases,
    asked_by,
    example_case_note,
)
from backspasm.figures._results import (
    _SELF_CHECK,
    _SYNTHETIC,
    _answers_of,
    _case_name,
    _case_title,
    _Shown,
    _Work,
)
from backspasm.figures._results import _Results as _Results  # kept here: tests build one
from backspasm.figures._save import (
    FIGURE_FORMATS,
    MAX_DPI,
    _check_dpi,
    _render,
    _write_files,
    describe_figure,
    save_figure,
)
from backspasm.figures._selection import (
    FIGURE_GROUPS,
    FIGURE_TITLES,
    TEACHING_FIGURES,
    drawn_size,
    network_on_a_slide,
    select_figures,
)
from backspasm.figures._words import suptitle_width, wrap_even
from backspasm.figures.case import plot_causes, plot_evidence_impact, plot_next_questions
from backspasm.figures.casemix import plot_case_mix
from backspasm.figures.diagnostic import plot_diagnostic_view
from backspasm.figures.evaluation import plot_calibration, plot_roc
from backspasm.figures.network import plot_network, plot_network_beliefs
from backspasm.figures.scenarios import DEFAULT_CASE, SCENARIOS, plot_scenarios
from backspasm.figures.sensitivity import plot_sensitivity

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from backspasm.network import Network

__all__ = [
    "CAPTIONS_FILE",
    "FIGURE_FORMATS",
    "FIGURE_GROUPS",
    "LOW_DPI",
    "MAX_DPI",
    "TEACHING_FIGURES",
    "example_case_note",
    "save_figure",
    "select_figures",
    "write_teaching_figures",
]

#: The built-in scenario whose answers are :data:`DEFAULT_CASE`: in figure 07 the
#: example case of figures 02 to 06, whose place a case of a file takes.
_STAND_IN = "Epidural abscess"


def write_teaching_figures(
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("png",),
    network: Network | None = None,
    cases: pd.DataFrame | str | os.PathLike[str] | None = None,
    case_id: object = None,
    answers: Mapping[str, Any] | None = None,
    cause: str | None = None,
    dpi: int = 300,
    cases_name: str | None = None,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    note: Callable[[str], None] | None = None,
    size: str = "slide",
) -> list[Path]:
    """Write the teaching set of figures, byte for byte the same on every run.

    The set: the network and its diagnostic view; the network's beliefs for an
    example case; its causes before and after the answers; the effect of each
    answer on one cause (its top cause unless ``cause`` is given); the next questions
    worth asking; the sensitivity of that cause to the network's numbers (a note
    when the case answers that cause itself, since then no number changes it); the
    example case beside built-in scenarios (with no ``case_id``, the four built-in
    :data:`SCENARIOS`, the last of which is :data:`DEFAULT_CASE`; with one, the case
    in that last place, beside the other three; the title says which are built-in);
    the case mix of a case file; and calibration and ROC (serious causes; one with
    fewer than 5 cases in the sample is named, not drawn)
    figures on 2000 synthetic cases drawn from the network with seed 0. By default
    every figure is drawn on a 13.33 x 7.5 in slide with no text under 9 pt; ``size``
    draws figures 03 to 10 for a journal instead, a page (7.0 in wide) or a column
    (3.5 in), each as tall as its rows need (at most 9 in), laid out anew for that
    width (fewer rows, wrapped labels, legends outside the plot) with no text under
    6 pt as printed (see :mod:`backspasm.figures._style`). The drawings of the whole
    network (01, 01b, 02) cannot be read narrower than a slide: in a set of another
    size they are drawn on a slide all the same (``note`` is told), and a set of
    them alone (``only=["01"]``) at another size is refused. SVG files keep their
    text as text. ``only`` draws some of the figures (and computes only what they
    show).

    Each figure gets one sentence of alt text (what it shows, for which case, its
    key numbers, as the figure writes them): in its files (a PNG file's
    ``Description``, an SVG file's ``<desc>``, a PDF file's ``Subject``; see
    :func:`~backspasm.figures._save.describe_figure`) and in :data:`CAPTIONS_FILE`
    (``captions.md``) beside them, which lists every figure file written under the
    size it was drawn at, and keeps the lines of the files of an earlier run left in
    the folder (figures not drawn now, ``only``, and formats not drawn now, said to
    ``note``), under their own size. A file is never deleted.

    The set is written whole or not at all: every figure is drawn first, and
    only then are the files replaced (each atomically, see :func:`save_figure`), so
    that a failure or an interruption before that leaves the files that were there
    as they were, never a set mixed from two runs. The folder is created only then,
    with any missing folders above it (``note`` is told), unlike
    :func:`save_figure`, which refuses a folder that does not exist.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed, with its missing parents).
    formats : sequence of {"png", "svg", "pdf"}, default ("png",)
        One file per figure and format (a format named twice is written once).
    network : Network, optional
        Defaults to the bundled network.
    cases : pandas.DataFrame or path-like, optional
        A case table (the contract of ``data/example_cases.csv``), or a case file to
        read as :func:`~backspasm.scoring.cases.read_case_table` reads it (read
        before anything is drawn, after ``out_dir`` is checked); with ``case_id``
        it supplies the example case (its row read as ``diagnose(row, network=...)``
        reads it), and it is the table of the case-mix figure.
        Default: 300 synthetic presenters drawn from the network with seed 0 (the
        repository's ``data/example_cases.csv`` is not installed with the package;
        pass it, or any case file, here).
    case_id : object, optional
        The example case's ``case_id`` in ``cases``, or, in a table without a
        ``case_id`` column, its row number counted from 1 (row 1 is the first case,
        as ``backspasm score`` counts). Default: :data:`DEFAULT_CASE`.
    answers : mapping, optional
        The example case by its answers, as :func:`~backspasm.diagnosis.diagnose`
        takes them (``{"age": 30, "fever": "yes"}``), named "the case given";
        instead of ``case_id``.
    cause : str, optional
        The cause whose evidence impact and sensitivity are drawn, e.g. the cause a
        lesson is about. Default: the example case's top cause.
    dpi : int, default 300
        Resolution of PNG files, 1 to :data:`MAX_DPI`.
    cases_name : str, optional
        What the case-mix title calls ``cases``, e.g. the file they were read from
        (``"53 scored cases of example_cases.csv"``); default the file's name for
        ``cases`` given as a file, ``"<n> scored cases"`` for a table, or ``"300
        scored synthetic cases"`` (the presenters sampled from the network) without
        them.
    only : iterable of str, optional
        The figures to draw, as :func:`select_figures` names them (``["case"]``
        for 02 to 06, ``["03", "05"]``); default every one.
    progress : callable, optional
        Called with one line per figure drawn (``"drew 4/11 03-causes in 1.2 s"``).
    note : callable, optional
        Called with ``"created folder ..."`` when ``out_dir`` did not exist; with
        the figures drawn on a slide whatever ``size`` (the network's); with
        :func:`example_case_note`'s line, and a warning for PNG files under
        :data:`LOW_DPI` dots per inch, before drawing; and, once the files are written,
        with the files of the figures drawn that were left from an earlier run in
        another format (never deleted; :data:`CAPTIONS_FILE` lists them under their
        size).
    size : {"slide", "page", "column"}, default "slide"
        The size of the figures (see :data:`~backspasm.figures.FIGURE_SIZES`): a
        16:9 slide, or a journal's page (7.0 in, 178 mm) or column (3.5 in, 89 mm)
        width. The PNG files are exactly the figure's inches times ``dpi`` pixels.

    Returns
    -------
    list of Path
        The figure files written, in order (:data:`CAPTIONS_FILE` is written beside
        them, not listed).

    Raises
    ------
    BackspasmError
        For an unknown format or ``size``, a ``dpi`` out of range, ``only`` naming
        drawings of the network alone at a size narrower than a slide, a ``case_id`` without
        ``cases`` or not in them (a row number out of range), an answer of the case
        that cannot be read, a ``cause`` that is not a cause of the network, a name
        of ``only`` that names no figure, or an ``out_dir`` that is a file or cannot
        be written or created (said before any drawing: tried with a nameless
        temporary file, see :func:`backspasm._files.cannot_write_in`); nothing is
        written, and no folder created.
    CaseFileError
        For ``cases`` given as a file that cannot be read (before any drawing).
    backspasm._signals.Interrupted
        When SIGINT or SIGTERM arrives (the files are left as they were, unless
        the signal came while they were being renamed into place).
    """
    from backspasm.network import network_or_default

    formats = _check_formats(formats)
    _check_dpi(dpi, "write_teaching_figures")
    st.check_size(size, "write_teaching_figures (--size)")
    try:
        stems = select_figures(only)
    except BackspasmError as exc:
        raise BackspasmError(
            f"The 'only' parameter of write_teaching_figures (--only): {exc}"
        ) from None
    on_a_slide = network_on_a_slide(stems, size)
    out = Path(out_dir)
    _check_out(out)
    refuse_foreign_captions(out)
    if cases is not None and not isinstance(cases, pd.DataFrame):
        cases, cases_name = _read_cases(cases, cases_name)
    said_case = example_case_note(cases, case_id, stems) if answers is None else None
    net = network_or_default(network)
    if cause is not None and cause not in net.causes:
        raise BackspasmError(
            f"The 'cause' parameter of write_teaching_figures (--cause) must be a cause "
            f"of the network ({', '.join(net.causes)}); got {cause!r} instead."
            + did_you_mean(cause, net.causes)
        )
    given = answers is not None
    if case_id is not None:
        if given:
            raise BackspasmError("Give the example case once: 'case_id' or 'answers'.")
        if cases is None:
            raise BackspasmError("The 'case_id' parameter needs a 'cases' table.")
        answers = _answers_of(cases, case_id, net)
    elif answers is None:
        answers = asked_by(DEFAULT_CASE, net, "Epidural abscess")
    tell = note if note is not None else (lambda line: None)
    if said_case:
        tell(f"note: {said_case}")
    coarse = _low_dpi(dpi, formats, size)
    if coarse:
        tell(f"warning: {coarse}")
    with SignalGuard(f"interrupted; the figures in {out} left as they were") as guard:
        work = _Work(
            net,
            answers,
            cause=cause,
            cases=cases,
            cases_name=cases_name,
            case_id=case_id,
            only=None if only is None else stems,
            size=size,
            given=given,
        )
        if set(stems) & {*FIGURE_GROUPS["case"], *FIGURE_GROUPS["scenarios"]}:
            work.case  # noqa: B018  (checks the answers before anything is drawn)
        if on_a_slide:
            tell(on_a_slide)
        # draw every figure (computing what each shows when first needed) ...
        files, captions = _render_all(_teaching_set(work), work, out, formats, dpi, progress)
        drawn_from = network_said(net)
        said = _captions_file(out, formats, captions, drawn_from)
        written = [path.name for path, _ in files]
        others = other_networks(out, written, drawn_from)
        left = _left_over(out, stems, formats)
        sizes = _earlier_sizes(out)
        # ... and only then replace the files
        created = _missing_from(out)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackspasmError(
                f"cannot create the folder '{out}' (--out): {exc.strerror or exc}; nothing written"
            ) from None
        if created is not None:
            above = f" (and the folders above it, from '{created}')" if created != out else ""
            tell(f"created folder '{out}'{above}")
        _write_files(
            [*files, (out / CAPTIONS_FILE, said)],
            guard,
            f"interrupted; the figures in {out} were written all the same",
        )
    if left:
        tell(f"warning: {_left_over_note(left, sizes, size, formats)}")
    if others:  # a variant's figures beside the bundled network's read as one set
        shown = ", ".join(others[:4]) + (" ..." if len(others) > 4 else "")
        tell(
            f"warning: {len(others)} figure file(s) in {out} were drawn from another "
            f"network than these ({drawn_from}): {shown}; captions.md says which drew "
            "each; delete them, or draw them again, for one set"
        )
    return [path for path, _ in files]


def _render_all(
    drawn: Iterator[tuple[str, Figure]],
    results: _Shown,
    out: Path,
    formats: Sequence[str],
    dpi: int,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[tuple[Path, bytes]], list[tuple[str, str, str]]]:
    """Render each figure as it is drawn, in every format, with its alt text, and close it.

    Returns the files and each figure's caption (stem, size drawn at, sentence).
    """
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    files: list[tuple[Path, bytes]] = []
    captions: list[tuple[str, str, str]] = []
    total = len(results.only or TEACHING_FIGURES)
    started = time.monotonic()
    try:
        for count, (stem, fig) in enumerate(drawn, start=1):
            caption = _caption(stem, fig, results)
            describe_figure(fig, f"{FIGURE_TITLES.get(stem, stem)} ({stem})", caption)
            files += [(out / f"{stem}.{fmt}", _render(fig, fmt, dpi)) for fmt in formats]
            captions.append((stem, _size_name(fig), caption))
            plt.close(fig)
            if progress is not None:
                now = time.monotonic()
                progress(f"drew {count}/{total} {stem} in {now - started:.1f} s")
                started = now
    finally:  # the figure that was being drawn when something failed
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    return files, captions


def _teaching_set(results: _Shown) -> Iterator[tuple[str, Figure]]:
    """Draw the figures of the set one at a time: ``(file stem, figure)``.

    Those of ``results.only`` (every one when None), in the set's order; drawn at
    matplotlib's default figure resolution, whatever the caller's rcParams say
    (``plt.rcParams["figure.dpi"] = 150`` in a notebook), since some figures
    measure their text in a draw made at the resolution they were created with:
    the files are the same on every run.
    """
    import matplotlib as mpl

    for stem in results.only or TEACHING_FIGURES:
        with mpl.rc_context({"figure.dpi": 100.0}):
            figure = _DRAW[stem](results)
        yield stem, figure


def _draw_sensitivity(results: _Shown) -> Figure:
    # the answers in the one order of every title (and of the alt text)
    answers = ordered_answers(results.case)
    size = results.size
    top = {"slide": 12, "page": 10, "column": 8}[size]
    ax = plot_sensitivity(
        results.table, top=top, answers=answers, network=results.network, size=size
    )
    return st.figure_of(ax)


def _draw_scenarios(results: _Shown) -> Figure:
    """Draw the built-in scenarios, said to be built-in; a file's case in the stand-in's place.

    A teacher who gives a case expects the folder's figures to be about it: the case
    takes the place of the built-in example case (:data:`DEFAULT_CASE`, the last
    scenario), beside the other three for contrast, and the title says which is which.
    """
    names = [f"{name} (built-in)" for name in SCENARIOS]
    shown = list(results.scenarios)
    title_of = _case_title(results)
    if title_of is None:
        lines = (
            f"Leading causes of back spasm in {len(shown)} built-in example cases, "
            "none from a case file",
            f"the {_STAND_IN.lower()} is the example case of figures 02-06; "
            "the same network, different answers",
        )
    else:
        at = list(SCENARIOS).index(_STAND_IN)
        shown[at], names[at] = results.case, title_of
        which = "examples" if results.given else "examples, not from the file"
        case = "the case given" if results.given else title_of[:1].lower() + title_of[1:]
        lines = (
            f"Leading causes of back spasm: {_case_name(results)} beside "
            f"{len(shown) - 1} built-in example cases",
            f"{case} is the case of figures 02-06; the built-in cases are {which}",
        )
    width = suptitle_width(results.size)
    title = "\n".join(wrap_even(line, width) for line in lines)
    return plot_scenarios(shown, names=names, title=title, size=results.size)


def _draw_case_mix(results: _Shown) -> Figure:
    mix = plot_case_mix(results.scored, network=results.network, size=results.size)
    said = mix.get_suptitle().replace("scored cases", f"scored {results.mix_name}")
    if results.size != "slide":
        said = wrap_even(" ".join(said.split()), suptitle_width(results.size))
    with st.drawing(st.SIZE_WIDTHS[results.size]):
        mix.suptitle(said, fontsize=st.pt(st.TITLE - 1), x=0.01, ha="left")
    return mix


def _draw_calibration(results: _Shown) -> Figure:
    ax = plot_calibration(results.evaluation, network=results.network, size=results.size)
    check = f": {_SELF_CHECK}"  # at every size: an ECE of 0.002 is not real patients'
    return _retitled(
        ax,
        results.size,
        f"Calibration: all causes pooled, on {_SYNTHETIC}",
        "points on the diagonal mean the stated probabilities come true as often as stated",
        f"expected calibration error {results.evaluation.ece:.4f}{check}",
    )


def _draw_roc(results: _Shown) -> Figure:
    # every serious cause: one with no case in the sample is named under the legend
    net = results.network
    ax = plot_roc(
        results.evaluation, causes=list(net.serious_causes), network=net, size=results.size
    )
    return _retitled(
        ax,
        results.size,
        f"ROC of the serious causes, on {_SYNTHETIC}",
        "how well each cause's probability separates cases with it from cases without it",
        _SELF_CHECK,
    )


def _case(plot: Callable[..., Axes]) -> Callable[[_Shown], Figure]:
    """Draw a figure of the example case (``plot(case, size=...)``) at the set's size."""
    return lambda r: st.figure_of(plot(r.case, size=r.size))


_DRAW: Mapping[str, Callable[[_Shown], Figure]] = {
    "01-network": lambda r: st.figure_of(plot_network(r.network, size=drawn_size("01", r.size))),
    "01b-diagnostic-view": lambda r: st.figure_of(plot_diagnostic_view(r.network)),
    "02-network-beliefs": lambda r: st.figure_of(plot_network_beliefs(r.case)),
    "03-causes": _case(plot_causes),
    "04-evidence-impact": lambda r: st.figure_of(
        plot_evidence_impact(r.case, r.followed, size=r.size)
    ),
    "05-next-questions": _case(plot_next_questions),
    "06-sensitivity": _draw_sensitivity,
    "07-scenarios": _draw_scenarios,
    "08-case-mix": _draw_case_mix,
    "09-calibration": _draw_calibration,
    "10-roc-serious": _draw_roc,
}


def _retitled(ax: Axes, size: str, *lines: str) -> Figure:
    """Give an evaluation figure the set's title (from the left edge of its plot).

    The square and its legend are centred on the slide again under the new title
    (at a journal's width, the title is the figure's, wrapped to its width; on a
    page the square and its legend are centred, in a column they keep left).
    """
    from backspasm.figures.evaluation import _centre_on_slide, put_title

    with st.drawing(st.SIZE_WIDTHS[size]):  # a journal's: the figure's title
        ax.set_title("", loc="left")
        put_title(ax, *lines)
        if size != "column":
            _centre_on_slide(ax)
    return st.figure_of(ax)
