"""The teaching set: every figure of a case and of the network, written to files.

The computation happens here, before any drawing: the example case is diagnosed,
its sensitivity table computed, the case file scored with
:func:`backspasm.scoring.score_cases`, and synthetic cases drawn and evaluated with
:mod:`backspasm.learning`; the ``plot_*`` functions then only draw those results.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import backspasm.figures._style as st
from backspasm._files import SignalGuard
from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError
from backspasm.figures._save import (
    FIGURE_FORMATS,
    MAX_DPI,
    _check_dpi,
    _render,
    _write_files,
    save_figure,
)
from backspasm.figures._words import by_effect
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

    from backspasm.diagnosis import Diagnosis
    from backspasm.learning import Evaluation
    from backspasm.network import Network

__all__ = [
    "FIGURE_FORMATS",
    "MAX_DPI",
    "example_case_note",
    "save_figure",
    "write_teaching_figures",
]

_SYNTHETIC_N = 300
_EVALUATION_N = 2000


def example_case_note(cases: object, case_id: object) -> str | None:
    """Say which case the case figures show when a case file is given without a case.

    ``write_teaching_figures(cases=..., case_id=None)`` draws figures 02 to 06 for
    :data:`DEFAULT_CASE`, not for a case of the file (the file feeds the case-mix
    figure); the command line prints this one line so that nobody takes them for
    the file's. None when there is nothing to say.
    """
    if cases is None or case_id is not None:
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
) -> list[Path]:
    """Write the teaching set of figures, byte for byte the same on every run.

    The set: the network and its diagnostic view; the network's beliefs for an
    example case; its causes before and after the answers; the effect of each
    answer on one cause (its top cause unless ``cause`` is given); the next questions
    worth asking; the sensitivity of that cause to the network's numbers (a note
    when the case answers that cause itself, since then no number changes it); four
    scenarios side by side; the case mix of a case file; and calibration and ROC
    (serious causes; one with fewer than 5 cases in the sample is named, not drawn)
    figures on 2000 synthetic cases drawn from the network with seed 0. Every figure is drawn on
    a 13.33 x 7.5 in slide with no text under 9 pt; SVG files keep their text as
    text. The set is written whole or not at all: every figure is drawn first, and
    only then are the files replaced (each atomically, see :func:`save_figure`), so
    that a failure or an interruption before that leaves the files that were there
    as they were, never a set mixed from two runs; the folder is created only then.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
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

    Returns
    -------
    list of Path
        The files written, in order.

    Raises
    ------
    BackspasmError
        For an unknown format, a ``dpi`` out of range, a ``case_id`` without
        ``cases`` or not in them (a row number out of range), an answer of the case
        that cannot be read, a ``cause`` that is not a cause of the network, or an
        ``out_dir`` that is a file or cannot be created (said before any drawing);
        nothing is written, and no folder created.
    backspasm._files.Interrupted
        When SIGINT or SIGTERM arrives (the files are left as they were, unless
        the signal came while they were being renamed into place).
    """
    from backspasm.diagnosis import diagnose
    from backspasm.learning import evaluate, sample_cases
    from backspasm.network import default_network
    from backspasm.scoring.cases import score_table
    from backspasm.sensitivity import sensitivity

    formats = _check_formats(formats)
    _check_dpi(dpi, "write_teaching_figures")
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
        # compute once ...
        case = diagnose(answers, network=net)  # checks the answers
        followed = cause if cause is not None else case.top_cause
        mix_name = f"cases of {cases_name}" if cases_name else "cases"
        if cases is None:
            cases, mix_name = _default_cases(net)
        results = _Results(
            case=case,
            followed=followed,
            table=sensitivity(case, followed),
            scenarios=[diagnose(a, network=net) for a in SCENARIOS.values()],
            scored=score_table(cases, net, name_passed=False),  # notes kept on purpose
            mix_name=mix_name,
            evaluation=evaluate(sample_cases(_EVALUATION_N, network=net, seed=0), network=net),
        )
        # ... then draw every figure, and only then replace the files
        files = _render_all(_teaching_set(results), out, formats, dpi)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackspasmError(
                f"cannot create the folder '{out}' (--out): {exc.strerror or exc}; nothing written"
            ) from None
        _write_files(files, guard, f"interrupted; the figures in {out} were written all the same")
    return [path for path, _ in files]


@dataclass(frozen=True)
class _Results:
    """What the teaching set shows, computed before any figure is drawn."""

    case: Diagnosis
    followed: str  # the cause of the evidence-impact and sensitivity figures
    table: pd.DataFrame  # its sensitivity table
    scenarios: list[Diagnosis]
    scored: pd.DataFrame
    mix_name: str  # what the case-mix title calls the scored cases
    evaluation: Evaluation


def _render_all(
    drawn: Iterator[tuple[str, Figure]], out: Path, formats: Sequence[str], dpi: int
) -> list[tuple[Path, bytes]]:
    """Render each figure as it is drawn, in every format, and close it."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    files: list[tuple[Path, bytes]] = []
    try:
        for stem, fig in drawn:
            files += [(out / f"{stem}.{fmt}", _render(fig, fmt, dpi)) for fmt in formats]
            plt.close(fig)
    finally:  # the figure that was being drawn when something failed
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    return files


def _teaching_set(results: _Results) -> Iterator[tuple[str, Figure]]:
    """Draw the figures of the set one at a time: ``(file stem, figure)``."""
    case, net = results.case, results.case.network
    yield "01-network", st.figure_of(plot_network(net))
    yield "01b-diagnostic-view", st.figure_of(plot_diagnostic_view(net))
    yield "02-network-beliefs", st.figure_of(plot_network_beliefs(case))
    yield "03-causes", st.figure_of(plot_causes(case))
    yield "04-evidence-impact", st.figure_of(plot_evidence_impact(case, results.followed))
    yield "05-next-questions", st.figure_of(plot_next_questions(case))
    # the answers that moved the followed cause most first, as in 04's title
    answers = by_effect(case, results.followed)
    ax = plot_sensitivity(results.table, top=12, answers=answers, network=net)
    yield "06-sensitivity", st.figure_of(ax)
    yield "07-scenarios", plot_scenarios(results.scenarios, names=list(SCENARIOS))
    mix = plot_case_mix(results.scored, network=net)
    mix.suptitle(
        mix.get_suptitle().replace("scored cases", f"scored {results.mix_name}"),
        fontsize=st.TITLE - 1,
        x=0.01,
        ha="left",
    )
    yield "08-case-mix", mix
    synthetic = f"{_EVALUATION_N} synthetic cases drawn from the network itself (seed 0)"
    ax = plot_calibration(results.evaluation, network=net)
    yield (
        "09-calibration",
        _retitled(
            ax,
            f"Calibration: all causes pooled, on {synthetic}",
            "points on the diagonal mean the stated probabilities come true as often as stated",
        ),
    )
    # every serious cause: one with no case in the sample is named under the legend
    ax = plot_roc(results.evaluation, causes=list(net.serious_causes), network=net)
    yield (
        "10-roc-serious",
        _retitled(
            ax,
            f"ROC of the serious causes, on {synthetic}",
            "how well each cause's probability separates cases with it from cases without",
        ),
    )


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
