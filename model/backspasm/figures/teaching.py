"""The teaching set: every figure of a case and of the network, written to files.

The computation happens here, before a figure is drawn: the example case is
diagnosed, its sensitivity table computed, the case file scored with
:func:`backspasm.scoring.score_cases`, and synthetic cases drawn and evaluated with
:mod:`backspasm.learning`, each when the first figure that shows it is drawn (so
that a set of a few figures computes only what they show); the ``plot_*``
functions then only draw those results. Each figure gets one sentence of alt text,
written into its files and into :data:`CAPTIONS_FILE` beside them.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import backspasm.figures._style as st
from backspasm._files import SignalGuard
from backspasm._text import did_you_mean
from backspasm._text import percent as diagnose_percent
from backspasm.exceptions import BackspasmError
from backspasm.figures._save import (
    FIGURE_FORMATS,
    MAX_DPI,
    _check_dpi,
    _render,
    _write_files,
    describe_figure,
    save_figure,
)
from backspasm.figures._words import by_effect, percent, triage_text, wrap
from backspasm.figures.case import plot_causes, plot_evidence_impact, plot_next_questions
from backspasm.figures.casemix import plot_case_mix
from backspasm.figures.diagnostic import plot_diagnostic_view
from backspasm.figures.evaluation import plot_calibration, plot_roc
from backspasm.figures.network import plot_network, plot_network_beliefs
from backspasm.figures.scenarios import DEFAULT_CASE, SCENARIOS, plot_scenarios, scenario_answers
from backspasm.figures.sensitivity import plot_sensitivity

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from backspasm.diagnosis import Diagnosis
    from backspasm.learning import Evaluation
    from backspasm.network import Network

__all__ = [
    "CAPTIONS_FILE",
    "FIGURE_FORMATS",
    "FIGURE_GROUPS",
    "MAX_DPI",
    "TEACHING_FIGURES",
    "example_case_note",
    "save_figure",
    "select_figures",
    "write_teaching_figures",
]

_SYNTHETIC_N = 300
_EVALUATION_N = 2000

#: The figures of the teaching set, by file stem, in the order they are drawn.
TEACHING_FIGURES: tuple[str, ...] = (
    "01-network",
    "01b-diagnostic-view",
    "02-network-beliefs",
    "03-causes",
    "04-evidence-impact",
    "05-next-questions",
    "06-sensitivity",
    "07-scenarios",
    "08-case-mix",
    "09-calibration",
    "10-roc-serious",
)
#: Names for several figures of the set at once (``only=["case"]``, ``--only case``).
FIGURE_GROUPS: Mapping[str, tuple[str, ...]] = {
    "network": TEACHING_FIGURES[0:2],
    "case": TEACHING_FIGURES[2:7],
    "scenarios": TEACHING_FIGURES[7:8],
    "case-mix": TEACHING_FIGURES[8:9],
    "evaluation": TEACHING_FIGURES[9:11],
}
#: The file written beside the figures: one sentence of alt text per figure.
CAPTIONS_FILE = "captions.md"
#: The built-in scenario whose answers are :data:`DEFAULT_CASE`: in figure 07 the
#: example case of figures 02 to 06, whose place a case of a file takes.
_STAND_IN = "Epidural abscess"
#: What each figure is, in a few words: the title of its files (their metadata).
_WHAT: Mapping[str, str] = {
    "01-network": "The back-spasm network",
    "01b-diagnostic-view": "Diagnostic view of the network",
    "02-network-beliefs": "What the network believes for the case",
    "03-causes": "Causes before and after the answers",
    "04-evidence-impact": "How each answer moved a cause",
    "05-next-questions": "Which question to ask next",
    "06-sensitivity": "Which numbers of the network matter",
    "07-scenarios": "Cases side by side",
    "08-case-mix": "Most probable cause and triage level of many cases",
    "09-calibration": "Calibration",
    "10-roc-serious": "ROC curves of the serious causes",
}


def select_figures(only: Iterable[str] | None = None) -> tuple[str, ...]:
    """Return the file stems of the figures ``only`` names, in the set's order.

    Parameters
    ----------
    only : iterable of str, optional
        Each a figure's number (``03`` or ``3``, ``01b``), its file stem
        (``03-causes``) or a group of :data:`FIGURE_GROUPS`: ``network`` (01, 01b),
        ``case`` (02 to 06, the example case's figures), ``scenarios`` (07),
        ``case-mix`` (08) or ``evaluation`` (09, 10). None: every figure.

    Returns
    -------
    tuple of str
        Stems of :data:`TEACHING_FIGURES`, each once.

    Raises
    ------
    BackspasmError
        For a name of no figure, or no name at all.
    """
    if only is None:
        return TEACHING_FIGURES
    chosen: set[str] = set()
    for item in only:
        name = str(item).strip().lower()
        found = _figures_named(name)
        if not found:
            known = [*FIGURE_GROUPS, *TEACHING_FIGURES]
            raise BackspasmError(f"{_NAMING}; got {name!r}.{did_you_mean(name, known)}")
        chosen.update(found)
    if not chosen:
        raise BackspasmError(f"{_NAMING}; got none.")
    return tuple(stem for stem in TEACHING_FIGURES if stem in chosen)


def _numbers(stems: Sequence[str]) -> str:
    """``02-06`` for three figures or more, ``09, 10`` for two, ``07`` for one."""
    numbers = [stem.split("-")[0] for stem in stems]
    return f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 2 else ", ".join(numbers)


#: How a figure of the set is named (the message of a name of none).
_NAMING = (
    "a figure of the teaching set is named by its number ("
    + ", ".join(stem.split("-")[0] for stem in TEACHING_FIGURES)
    + "), its file name (03-causes) or a group: "
    + ", ".join(f"{group} ({_numbers(stems)})" for group, stems in FIGURE_GROUPS.items())
)


def _figures_named(name: str) -> tuple[str, ...]:
    """Return the stems one name of :func:`select_figures` names (none for a wrong one)."""
    if name in FIGURE_GROUPS:
        return FIGURE_GROUPS[name]
    if name in TEACHING_FIGURES:
        return (name,)
    number = re.fullmatch(r"(\d{1,2})([a-z]?)", name)
    if number is None:
        return ()
    said = f"{int(number[1]):02d}{number[2]}"
    return tuple(stem for stem in TEACHING_FIGURES if stem.split("-")[0] == said)


def example_case_note(
    cases: object, case_id: object, only: Iterable[str] | None = None
) -> str | None:
    """Say which case the case figures show when a case file is given without a case.

    ``write_teaching_figures(cases=..., case_id=None)`` draws figures 02 to 06 for
    :data:`DEFAULT_CASE`, not for a case of the file (the file feeds the case-mix
    figure); the command line prints this one line so that nobody takes them for
    the file's. None when there is nothing to say (or when ``only``, as
    :func:`select_figures` reads it, draws none of figures 02 to 06).
    """
    if cases is None or case_id is not None:
        return None
    if only is not None and not set(select_figures(only)) & set(FIGURE_GROUPS["case"]):
        return None
    return (
        "figures 02-06 show the built-in example case (age 52, epidural abscess), not a "
        "case of the file, which only feeds the case-mix figure; choose one of its cases "
        "with --case-id ID (its case_id, or its row number from 1 in a file without ids)"
    )


def _answers_of(cases: pd.DataFrame, case_id: object, network: Network) -> dict[str, Any]:
    """Return one case's answers (by case_id, else row number from 1) as diagnose reads a row."""
    from backspasm.diagnosis.build import _row_answers
    from backspasm.questionnaire import questions_for

    if "case_id" in cases.columns:
        match = cases[cases["case_id"].astype(str) == str(case_id)]
        if match.empty:
            ids = cases["case_id"].astype(str)
            held = (
                f"its {len(ids)} ids run {ids.iloc[0]!r} to {ids.iloc[-1]!r}"
                if len(ids)
                else "it has no rows"
            )
            raise BackspasmError(
                f"No case with case_id {case_id!r} in the cases table: {held} (a row "
                "number names a case only in a table without a case_id column)."
            )
        row = match.iloc[0]
    else:
        row = cases.iloc[_row_number(cases, case_id) - 1]
    questions = questions_for(network)
    answered = {q.column for q in questions if q.node is not None}
    return {
        k: v
        for k, v in _row_answers(row, questions).items()
        if k in answered
        and not (v is None or (isinstance(v, float) and math.isnan(v)))
        and str(v).strip() != ""
    }


def _row_number(cases: pd.DataFrame, case_id: object) -> int:
    """Return the row number (1 = the first case) a ``case_id`` names in a table without ids."""
    text = str(case_id).strip()
    if not text.isdigit() or not 1 <= int(text) <= len(cases):
        rows = f"1 to {len(cases)}" if len(cases) else "none: the table has no rows"
        raise BackspasmError(
            f"The cases table has no case_id column, so 'case_id' is a row number "
            f"(1 = the first case; {rows}); got {case_id!r} instead."
        )
    return int(text)


def _check_out(out: Path) -> None:
    """Raise, before anything is drawn, for an ``out_dir`` that is or lies in a file."""
    if out.exists() and not out.is_dir():
        raise BackspasmError(
            f"The 'out_dir' parameter of write_teaching_figures (--out) must be a folder; "
            f"'{out}' is a file."
        )
    # the nearest folder that exists: the figures' folder is created in it
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    problem = None
    if parent.exists() and not parent.is_dir():
        problem = f"'{parent}' is a file, not a folder"
    elif parent != out and parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
        problem = f"the folder '{parent}' is read-only"
    if problem:
        raise BackspasmError(f"cannot create the folder '{out}' (--out): {problem}.")


def _check_formats(formats: Sequence[str]) -> list[str]:
    """Return the formats asked for, each once, in the order first asked."""
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        raise BackspasmError(
            f"The 'formats' parameter of write_teaching_figures must hold some of "
            f"{', '.join(FIGURE_FORMATS)}; got {list(formats)!r} instead."
        )
    return list(dict.fromkeys(formats))


def write_teaching_figures(
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("png",),
    network: Network | None = None,
    cases: pd.DataFrame | None = None,
    case_id: object = None,
    cause: str | None = None,
    dpi: int = 300,
    cases_name: str | None = None,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    note: Callable[[str], None] | None = None,
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
    figures on 2000 synthetic cases drawn from the network with seed 0. Every figure is drawn on
    a 13.33 x 7.5 in slide with no text under 9 pt; SVG files keep their text as
    text. ``only`` draws some of the figures (and computes only what they show).

    Each figure gets one sentence of alt text (what it shows, for which case, its
    key numbers, as the figure writes them): in its files (a PNG file's
    ``Description``, an SVG file's ``<desc>``, a PDF file's ``Subject``; see
    :func:`~backspasm.figures._save.describe_figure`) and in :data:`CAPTIONS_FILE`
    (``captions.md``) beside them, which lists every figure file written, and keeps
    the lines of the figures of an earlier run left in the folder (``only``).

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
    cases : pandas.DataFrame, optional
        A case table (the contract of ``data/example_cases.csv``); with ``case_id``
        it supplies the example case (its row read as ``diagnose(row, network=...)``
        reads it), and it is the table of the case-mix figure.
        Default: 300 synthetic presenters drawn from the network with seed 0 (the
        repository's ``data/example_cases.csv`` is not installed with the package;
        pass it, or any case file, here).
    case_id : object, optional
        The example case's ``case_id`` in ``cases``, or, in a table without a
        ``case_id`` column, its row number counted from 1 (row 1 is the first case,
        as ``backspasm score`` counts). Default: :data:`DEFAULT_CASE`.
    cause : str, optional
        The cause whose evidence impact and sensitivity are drawn, e.g. the cause a
        lesson is about. Default: the example case's top cause.
    dpi : int, default 300
        Resolution of PNG files, 1 to :data:`MAX_DPI`.
    cases_name : str, optional
        What the case-mix title calls ``cases``, e.g. the file they were read from
        (``"53 scored cases of example_cases.csv"``); default ``"53 scored cases"``.
    only : iterable of str, optional
        The figures to draw, as :func:`select_figures` names them (``["case"]``
        for 02 to 06, ``["03", "05"]``); default every one.
    progress : callable, optional
        Called with one line per figure drawn (``"drew 3/11 03-causes in 1.2 s"``).
    note : callable, optional
        Called with ``"created folder ..."`` when ``out_dir`` did not exist.

    Returns
    -------
    list of Path
        The figure files written, in order (:data:`CAPTIONS_FILE` is written beside
        them, not listed).

    Raises
    ------
    BackspasmError
        For an unknown format, a ``dpi`` out of range, a ``case_id`` without
        ``cases`` or not in them (a row number out of range), an answer of the case
        that cannot be read, a ``cause`` that is not a cause of the network, a name
        of ``only`` that names no figure, or an
        ``out_dir`` that is a file or cannot be created (said before any drawing);
        nothing is written, and no folder created.
    backspasm._files.Interrupted
        When SIGINT or SIGTERM arrives (the files are left as they were, unless
        the signal came while they were being renamed into place).
    """
    from backspasm.network import default_network

    formats = _check_formats(formats)
    _check_dpi(dpi, "write_teaching_figures")
    try:
        stems = select_figures(only)
    except BackspasmError as exc:
        raise BackspasmError(
            f"The 'only' parameter of write_teaching_figures (--only): {exc}"
        ) from None
    net = network if network is not None else default_network()
    if cause is not None and cause not in net.causes:
        raise BackspasmError(
            f"The 'cause' parameter of write_teaching_figures (--cause) must be a cause "
            f"of the network ({', '.join(net.causes)}); got {cause!r} instead."
            + did_you_mean(cause, net.causes)
        )
    if case_id is not None:
        if cases is None:
            raise BackspasmError("The 'case_id' parameter needs a 'cases' table.")
        answers = _answers_of(cases, case_id, net)
    else:
        answers = dict(DEFAULT_CASE)
    out = Path(out_dir)
    _check_out(out)
    with SignalGuard(f"interrupted; the figures in {out} left as they were") as guard:
        work = _Work(
            net,
            answers,
            cause=cause,
            cases=cases,
            cases_name=cases_name,
            case_id=case_id,
            only=None if only is None else stems,
        )
        if set(stems) & {*FIGURE_GROUPS["case"], *FIGURE_GROUPS["scenarios"]}:
            work.case  # noqa: B018  (checks the answers before anything is drawn)
        # draw every figure (computing what each shows when first needed) ...
        files, captions = _render_all(_teaching_set(work), work, out, formats, dpi, progress)
        said = _captions_file(out, formats, captions)
        # ... and only then replace the files
        created = _missing_from(out)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackspasmError(
                f"cannot create the folder '{out}' (--out): {exc.strerror or exc}; nothing written"
            ) from None
        if created is not None and note is not None:
            above = f" (and the folders above it, from '{created}')" if created != out else ""
            note(f"created folder '{out}'{above}")
        _write_files(
            [*files, (out / CAPTIONS_FILE, said)],
            guard,
            f"interrupted; the figures in {out} were written all the same",
        )
    return [path for path, _ in files]


def _missing_from(out: Path) -> Path | None:
    """Return the topmost folder of ``out`` (``out`` itself, or above it) that is missing."""
    if out.exists():
        return None
    top = out
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    return top


@dataclass(frozen=True)
class _Results:
    """What the teaching set shows, computed before any figure is drawn."""

    case: Diagnosis
    followed: str  # the cause of the evidence-impact and sensitivity figures
    table: pd.DataFrame  # its sensitivity table
    scenarios: list[Diagnosis]  # of the built-in SCENARIOS, in their order
    scored: pd.DataFrame
    mix_name: str  # what the case-mix title calls the scored cases
    evaluation: Evaluation
    case_id: object = None  # the case's case_id (row number) in its file; None: DEFAULT_CASE
    cases_name: str | None = None  # the file of the cases (its name)
    only: tuple[str, ...] | None = None  # the figures drawn (stems); None: every one

    @property
    def network(self) -> Network:
        return self.case.network


class _Work:
    """What the teaching set shows, each part computed when a figure first needs it.

    The attributes of :class:`_Results`, so that :func:`_teaching_set` draws either.
    """

    def __init__(
        self,
        network: Network,
        answers: Mapping[str, Any],
        *,
        cause: str | None,
        cases: pd.DataFrame | None,
        cases_name: str | None,
        case_id: object,
        only: tuple[str, ...] | None,
    ) -> None:
        self.network = network
        self._answers = answers
        self._cause = cause
        self._cases = cases
        self.cases_name = cases_name
        self.case_id = case_id
        self.only = only

    @cached_property
    def case(self) -> Diagnosis:
        from backspasm.diagnosis import diagnose

        return diagnose(self._answers, network=self.network)  # checks the answers

    @cached_property
    def followed(self) -> str:
        return self._cause if self._cause is not None else self.case.top_cause

    @cached_property
    def table(self) -> pd.DataFrame:
        from backspasm.sensitivity import sensitivity

        return sensitivity(self.case, self.followed)

    @cached_property
    def scenarios(self) -> list[Diagnosis]:
        from backspasm.diagnosis import diagnose

        return [diagnose(a, network=self.network) for a in SCENARIOS.values()]

    @cached_property
    def _mix(self) -> tuple[pd.DataFrame, str]:
        from backspasm.scoring.cases import score_table

        if self._cases is None:
            cases, name = _default_cases(self.network)
        else:
            cases = self._cases
            name = f"cases of {self.cases_name}" if self.cases_name else "cases"
        return score_table(cases, self.network, name_passed=False), name  # notes kept

    @property
    def scored(self) -> pd.DataFrame:
        return self._mix[0]

    @property
    def mix_name(self) -> str:
        return self._mix[1]

    @cached_property
    def evaluation(self) -> Evaluation:
        from backspasm.learning import evaluate, sample_cases

        sample = sample_cases(_EVALUATION_N, network=self.network, seed=0)
        return evaluate(sample, network=self.network)


_Shown = _Results | _Work


def _render_all(
    drawn: Iterator[tuple[str, Figure]],
    results: _Shown,
    out: Path,
    formats: Sequence[str],
    dpi: int,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[tuple[Path, bytes]], list[tuple[str, str]]]:
    """Render each figure as it is drawn, in every format, with its alt text, and close it.

    Returns the files and each figure's caption (stem, sentence).
    """
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    files: list[tuple[Path, bytes]] = []
    captions: list[tuple[str, str]] = []
    total = len(results.only or TEACHING_FIGURES)
    started = time.monotonic()
    try:
        for count, (stem, fig) in enumerate(drawn, start=1):
            caption = _caption(stem, fig, results)
            describe_figure(fig, f"{_WHAT.get(stem, stem)} ({stem})", caption)
            files += [(out / f"{stem}.{fmt}", _render(fig, fmt, dpi)) for fmt in formats]
            captions.append((stem, caption))
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

    Those of ``results.only`` (every one when None), in the set's order.
    """
    for stem in results.only or TEACHING_FIGURES:
        yield stem, _DRAW[stem](results)


def _draw_sensitivity(results: _Shown) -> Figure:
    # the answers that moved the followed cause most first, as in 04's title
    answers = by_effect(results.case, results.followed)
    ax = plot_sensitivity(results.table, top=12, answers=answers, network=results.network)
    return st.figure_of(ax)


def _draw_scenarios(results: _Shown) -> Figure:
    """Draw the built-in scenarios, said to be built-in; a file's case in the stand-in's place.

    A teacher who gives a case expects the folder's figures to be about it: the case
    takes the place of the built-in example case (:data:`DEFAULT_CASE`, the last
    scenario), beside the other three for contrast, and the title says which is which.
    """
    names = [f"{name} (built-in)" for name in SCENARIOS]
    shown = list(results.scenarios)
    if results.case_id is None:
        title = (
            f"Leading causes of back spasm in {len(shown)} built-in example cases, "
            "none from a case file\n"
            f"the {_STAND_IN.lower()} is the example case of figures 02-06; "
            "the same network, different answers"
        )
    else:
        at = list(SCENARIOS).index(_STAND_IN)
        shown[at], names[at] = results.case, f"Case {results.case_id}"
        title = "\n".join(
            wrap(line, _SUPTITLE_WIDTH)
            for line in (
                f"Leading causes of back spasm: {_case_name(results)} beside "
                f"{len(shown) - 1} built-in example cases",
                f"case {results.case_id} is the case of figures 02-06; the built-in cases "
                "are examples, not from the file",
            )
        )
    return plot_scenarios(shown, names=names, title=title)


#: The characters a line of a figure's title (TITLE - 1 points) may take on a slide.
_SUPTITLE_WIDTH = 110


def _draw_case_mix(results: _Shown) -> Figure:
    mix = plot_case_mix(results.scored, network=results.network)
    mix.suptitle(
        mix.get_suptitle().replace("scored cases", f"scored {results.mix_name}"),
        fontsize=st.TITLE - 1,
        x=0.01,
        ha="left",
    )
    return mix


_SYNTHETIC = f"{_EVALUATION_N} synthetic cases drawn from the network itself (seed 0)"


def _draw_calibration(results: _Shown) -> Figure:
    ax = plot_calibration(results.evaluation, network=results.network)
    return _retitled(
        ax,
        f"Calibration: all causes pooled, on {_SYNTHETIC}",
        "points on the diagonal mean the stated probabilities come true as often as stated",
    )


def _draw_roc(results: _Shown) -> Figure:
    # every serious cause: one with no case in the sample is named under the legend
    net = results.network
    ax = plot_roc(results.evaluation, causes=list(net.serious_causes), network=net)
    return _retitled(
        ax,
        f"ROC of the serious causes, on {_SYNTHETIC}",
        "how well each cause's probability separates cases with it from cases without",
    )


_DRAW: Mapping[str, Callable[[_Shown], Figure]] = {
    "01-network": lambda r: st.figure_of(plot_network(r.network)),
    "01b-diagnostic-view": lambda r: st.figure_of(plot_diagnostic_view(r.network)),
    "02-network-beliefs": lambda r: st.figure_of(plot_network_beliefs(r.case)),
    "03-causes": lambda r: st.figure_of(plot_causes(r.case)),
    "04-evidence-impact": lambda r: st.figure_of(plot_evidence_impact(r.case, r.followed)),
    "05-next-questions": lambda r: st.figure_of(plot_next_questions(r.case)),
    "06-sensitivity": _draw_sensitivity,
    "07-scenarios": _draw_scenarios,
    "08-case-mix": _draw_case_mix,
    "09-calibration": _draw_calibration,
    "10-roc-serious": _draw_roc,
}


def _retitled(ax: Axes, *lines: str) -> Figure:
    """Give an evaluation figure the set's title (from the left edge of its plot).

    The square and its legend are centred on the slide again under the new title.
    """
    from backspasm.figures.evaluation import _centre_on_slide

    ax.set_title("\n".join(lines), fontsize=st.TITLE - 2, loc="left")
    _centre_on_slide(ax)
    return st.figure_of(ax)


def _default_cases(network: Network) -> tuple[pd.DataFrame, str]:
    """Return the case-mix table when none is given: a synthetic sample of presenters."""
    from backspasm.learning import sample_cases

    sample = sample_cases(_SYNTHETIC_N, network=network, seed=0)
    answers = [c for c in sample.columns if not str(c).startswith("true_")]
    return sample[answers], "synthetic cases"


# Captions: one sentence of alt text per figure, its numbers as the figure writes them


def _case_name(results: _Shown) -> str:
    """``case EX18 of example_cases.csv``, or ``the built-in example case``."""
    if results.case_id is None:
        return "the built-in example case"
    named = f"case {results.case_id}"
    return f"{named} of {results.cases_name}" if results.cases_name else named


def _case_words(results: _Shown) -> str:
    """Name the case with its first answers, those that set its triage first (as in 07)."""
    said = scenario_answers(results.case)
    if not said:
        return _case_name(results)
    more = f" and {len(said) - 3} more" if len(said) > 3 else ""
    return f"{_case_name(results)} ({', '.join(said[:3])}{more})"


def _triage_words(diagnosis: Diagnosis) -> str:
    """``triage: emergency, P(a serious cause) = 16.2%``, as the case figures' titles say."""
    return " ".join(triage_text(diagnosis).split()).replace(" · ", ", ")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _texts(fig: Figure, prefix: str, *, lines: bool = False) -> dict[str, str]:
    """Return the texts of a figure whose gid starts with ``prefix``, by the rest of it.

    On one line each, unless ``lines``.
    """
    import matplotlib.text

    return {
        str(t.get_gid())[len(prefix) :]: t.get_text() if lines else _one_line(t.get_text())
        for t in fig.findobj(matplotlib.text.Text)
        if str(t.get_gid()).startswith(prefix)
    }


def _patches(fig: Figure, prefix: str) -> dict[str, Any]:
    """Return the patches (bars) of a figure whose gid starts with ``prefix``, by the rest."""
    return {
        str(p.get_gid())[len(prefix) :]: p
        for ax in fig.get_axes()
        for p in ax.patches
        if str(p.get_gid()).startswith(prefix)
    }


def _caption_network(fig: Figure, r: _Shown) -> str:
    net = r.network
    arrows = sum(len(node.parents) for node in net.spec.nodes.values())
    return (
        f"Diagram of the back-spasm network: {len(net.node_names)} "
        f"nodes in columns (context and exposures, causes, mechanisms, back spasm and "
        f"complications, findings) joined by {arrows} arrows from cause to effect; the "
        f"{len(net.serious_causes)} serious causes are marked ⚠."
    )


def _caption_diagnostic(fig: Figure, r: _Shown) -> str:
    net = r.network
    return (
        f"Diagnostic view of the back-spasm network: which of its "
        f"{len(net.nodes_in('finding'))} findings (the questions) reveal which of its "
        f"{len(net.causes)} causes, through {len(net.nodes_in('mechanism'))} shared "
        f"mechanisms; the {len(net.serious_causes)} serious causes are marked ⚠."
    )


def _caption_beliefs(fig: Figure, r: _Shown) -> str:
    n = sum(1 for node in r.case.evidence if node != "back_spasm")
    return (
        f"The back-spasm network after {n} answer{'s' * (n != 1)} for {_case_words(r)}: "
        f"each node's probability drawn in its box, the answered nodes marked; "
        f"{_triage_words(r.case)}."
    )


def _caption_causes(fig: Figure, r: _Shown) -> str:
    case, values = r.case, _texts(fig, "value:")
    rows = {row.cause: row for row in st.rows(case.causes)}
    top = rows[case.top_cause]
    said = (
        f"Bar chart of the causes of back spasm for {_case_words(r)}, before and after "
        f"the answers: most probable {top.label} {values.get(top.cause, percent(top.posterior))} "
        f"(before any answer {percent(float(top.prior))})"
    )
    serious = [row for row in st.rows(case.causes) if row.group == "serious"]
    if serious and serious[0].cause != top.cause:
        first = serious[0]
        said += (
            f", most probable serious cause {first.label} "
            f"{values.get(first.cause, percent(first.posterior))}"
        )
    return f"{said}; {_triage_words(case)}."


def _caption_impact(fig: Figure, r: _Shown) -> str:
    case, cause = r.case, r.followed
    row = st.rows(case.causes[case.causes["cause"] == cause])[0]
    said = (
        f"Bar chart of how each answer moved {row.label} for {_case_words(r)}, from "
        f"{diagnose_percent(float(row.prior))} before any answer to "
        f"{diagnose_percent(float(row.posterior))} after them"
    )
    reasons = case.reasons(cause)
    if reasons.empty:
        return f"{said}; no answers to weigh."
    change = reasons["log_odds_change"].abs().to_numpy(dtype=float)
    largest = str(reasons["question"].iloc[int(change.argmax())])
    bar = _patches(fig, "impact:").get(largest)
    odds = _texts(fig, "odds:").get(largest, "")
    words = _one_line(bar.get_label()) if bar is not None else largest
    return f"{said}; {words} moved it most ({odds})." if odds else f"{said}; {words} most."


def _caption_questions(fig: Figure, r: _Shown) -> str:
    case = r.case
    if case.triage == "emergency":
        later = _patches(fig, "later:")
        return (
            f"For {_case_words(r)}, triaged emergency: no question to ask before going to "
            f"an emergency department; {len(later)} questions that can wait are drawn in "
            "grey, by expected information gain."
        )
    bars = _patches(fig, "gain:")
    if not bars:
        return f"Which question to ask next for {_case_words(r)}: every question is answered."
    ax = fig.get_axes()[0]
    labels = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    first = _one_line(labels[0].get_text()).removeprefix("⚠").strip() if labels else ""
    return (
        f"Bar chart of the {len(bars)} questions worth asking next for {_case_words(r)}, "
        f"screening questions first, then by expected information gain; first: {first}"
        + ("" if first.endswith("?") else ".")
    )


def _caption_sensitivity(fig: Figure, r: _Shown) -> str:
    table = r.table
    first = table.sort_values("swing", ascending=False, kind="stable").iloc[0]
    target = str(first.get("target_label", first["target"]))
    head = (
        f"Which numbers of the network matter for P({target}) = "
        f"{percent(float(first['p_base']))} for {_case_words(r)}"
    )
    settled = _texts(fig, "sens_settled")
    if settled:
        return f"{head}: {next(iter(settled.values()))}"
    low, high = _texts(fig, "sens_low_value:0"), _texts(fig, "sens_high_value:0")
    factor = float(first["factor"])
    ax = fig.get_axes()[0]
    labels = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    number = _one_line(labels[0].get_text()) if labels else str(first["label"])
    return (
        f"{head}, each number's odds ×{factor:g} and ÷{factor:g} in turn: the one that "
        f"matters most, {number}, moves it to {next(iter(high.values()), '?')} (×{factor:g}) "
        f"and {next(iter(low.values()), '?')} (÷{factor:g})."
    )


def _caption_scenarios(fig: Figure, r: _Shown) -> str:
    heads = _texts(fig, "scenario:", lines=True)
    panels = []
    for i in sorted(heads, key=int):
        name, _, rest = heads[i].partition("\n")
        panels.append(f"{name}: {_one_line(rest).replace(' · ', ', ')}")
    if r.case_id is None:
        who = f"{len(panels)} built-in example cases"
    else:
        who = f"{_case_name(r)} beside {len(panels) - 1} built-in example cases"
    return f"Bar charts of the leading causes of back spasm in {who}, side by side: " + (
        "; ".join(panels) + "."
    )


def _caption_case_mix(fig: Figure, r: _Shown) -> str:
    causes = _patches(fig, "top_cause:")
    levels = _patches(fig, "triage:")
    net = r.network
    said = (
        "Bar charts of the most probable cause and the triage level of "
        f"{len(r.scored)} scored {r.mix_name}"
    )
    if causes:
        top = max(causes, key=lambda c: (causes[c].get_width(), c))
        label = net.label(top) if top in net.spec.nodes else top
        said += f": {label} ranked first most often ({round(causes[top].get_width())} cases)"
    counts = [
        f"{round(levels[level].get_height())} {st.TRIAGE_NAMES.get(level, level)}"
        for level in levels
        if level != "error"
    ]
    if "error" in levels:
        counts.append(f"{round(levels['error'].get_height())} not scored")
    return f"{said}; {', '.join(counts)}." if counts else f"{said}."


def _caption_calibration(fig: Figure, r: _Shown) -> str:
    return (
        f"Calibration plot on {_SYNTHETIC}, all causes pooled: each bin's observed "
        f"frequency against its mean predicted probability; expected calibration error "
        f"{r.evaluation.ece:.4f}."
    )


def _caption_roc(fig: Figure, r: _Shown) -> str:
    legend = fig.get_axes()[0].get_legend()
    entries = [] if legend is None else [_one_line(t.get_text()) for t in legend.get_texts()]
    curves = [e for e in entries if e != "chance"]
    said = f"ROC curves of the serious causes on {_SYNTHETIC}: " + "; ".join(curves)
    for note in _texts(fig, "roc:not_drawn", lines=True).values():
        said += "; " + _listed(note).rstrip(".")
    return said + "."


def _listed(note: str) -> str:
    """Say the note of the causes not drawn on one line: ``not drawn: A (...); B (...)``.

    Each cause of the note is ``name (why)``, wrapped over lines of its own.
    """
    head, colon, rest = _one_line(note).partition(":")
    if not colon:
        return head
    return f"{head}: " + re.sub(r"\)\s+(?=\S)", "); ", rest.strip())


_CAPTIONS: Mapping[str, Callable[[Figure, _Shown], str]] = {
    "01-network": _caption_network,
    "01b-diagnostic-view": _caption_diagnostic,
    "02-network-beliefs": _caption_beliefs,
    "03-causes": _caption_causes,
    "04-evidence-impact": _caption_impact,
    "05-next-questions": _caption_questions,
    "06-sensitivity": _caption_sensitivity,
    "07-scenarios": _caption_scenarios,
    "08-case-mix": _caption_case_mix,
    "09-calibration": _caption_calibration,
    "10-roc-serious": _caption_roc,
}


def _caption(stem: str, fig: Figure, results: _Shown) -> str:
    """One sentence of alt text for a figure of the set, on one line."""
    return _one_line(_CAPTIONS[stem](fig, results))


_CAPTIONS_HEAD = """# Alt text of the teaching figures

One sentence per figure: what it shows, for which case, and its key numbers as the
figure writes them; for the alt text of a slide or a web page. Each PNG file holds its
sentence as its Description, each SVG file as its `<desc>`, each PDF file as its Subject.

"""
#: A line of :data:`CAPTIONS_FILE`: ``- `03-causes.png`, `03-causes.svg`: sentence``.
_CAPTION_LINE = re.compile(r"^- ((?:`[^`]+`)(?:, `[^`]+`)*): (.+)$")


def _captions_file(
    out: Path, formats: Sequence[str], captions: Sequence[tuple[str, str]]
) -> bytes:
    """Return :data:`CAPTIONS_FILE`: a line per figure, with every file of it written.

    The lines of an earlier run's figures not drawn now (``only``) are kept while
    their files are in the folder, so that the file still says every figure there.
    """
    entries = {stem: ([f"{stem}.{fmt}" for fmt in formats], text) for stem, text in captions}
    for stem, (names, text) in _earlier_captions(out / CAPTIONS_FILE).items():
        kept = [name for name in names if (out / name).is_file()]
        if stem not in entries and kept:
            entries[stem] = (kept, text)

    def place(stem: str) -> tuple[int, str]:
        known = stem in TEACHING_FIGURES
        return (TEACHING_FIGURES.index(stem) if known else len(TEACHING_FIGURES), stem)

    lines = [
        f"- {', '.join(f'`{name}`' for name in entries[stem][0])}: {entries[stem][1]}"
        for stem in sorted(entries, key=place)
    ]
    return (_CAPTIONS_HEAD + "\n".join(lines) + "\n").encode("utf-8")


def _earlier_captions(path: Path) -> dict[str, tuple[list[str], str]]:
    """Return the lines of a captions file written before, by figure (none without one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, tuple[list[str], str]] = {}
    for line in text.splitlines():
        match = _CAPTION_LINE.match(line)
        if match:
            names = [name.strip("`") for name in match[1].split(", ")]
            found[Path(names[0]).stem] = (names, match[2])
    return found
