"""The teaching set: every figure of a case and of the network, written to files.

The computation happens here, before any drawing: the example case is diagnosed,
its sensitivity table computed, the case file scored with
:func:`backspasm.scoring.score_cases`, and synthetic cases drawn and evaluated with
:mod:`backspasm.learning`; the ``plot_*`` functions then only draw those results.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import backspasm.figures._style as st
from backspasm._files import AtomicFile, SignalGuard
from backspasm.exceptions import BackspasmError
from backspasm.figures.case import plot_causes, plot_evidence_impact, plot_next_questions
from backspasm.figures.casemix import plot_case_mix
from backspasm.figures.diagnostic import plot_diagnostic_view
from backspasm.figures.evaluation import plot_calibration, plot_roc
from backspasm.figures.network import plot_network, plot_network_beliefs
from backspasm.figures.scenarios import DEFAULT_CASE, SCENARIOS, plot_scenarios
from backspasm.figures.sensitivity import plot_sensitivity

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from backspasm.network import Network

__all__ = ["FIGURE_FORMATS", "save_figure", "write_teaching_figures"]

#: The file formats :func:`write_teaching_figures` and :func:`save_figure` write.
FIGURE_FORMATS = ("png", "svg", "pdf")
_SYNTHETIC_N = 300
_EVALUATION_N = 2000
_METADATA: Mapping[str, Mapping[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}
# Only for the duration of one save: SVG text stays text (editable, searchable),
# PDF embeds TrueType fonts, and the SVG ids do not change from run to run.
_SAVE_RC: Mapping[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "backspasm",
    "pdf.fonttype": 42,
    "path.simplify": True,
}


def save_figure(
    fig: Figure, path: str | os.PathLike[str], *, dpi: int = 300, close: bool = True
) -> Path:
    """Save a figure reproducibly and atomically, with text kept as text in SVG files.

    The format follows the file's extension (one of :data:`FIGURE_FORMATS`). The
    settings hold for this save only (a :func:`matplotlib.rc_context`); nothing
    global changes. The figure is written to a hidden temporary file in the same
    folder and renamed over ``path`` only once complete
    (:class:`backspasm._files.AtomicFile`), so that a failed or interrupted save
    (Ctrl-C, SIGTERM) leaves the file that was there untouched and no temporary
    file behind. With ``close``, the figure is closed even when saving fails.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path-like
        Where to write it; ``.png``, ``.svg`` or ``.pdf``.
    dpi : int, default 300
        Resolution of a PNG file.
    close : bool, default True
        Close the figure afterwards.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    BackspasmError
        For an extension it cannot write, or a folder where the file cannot be
        created (:class:`~backspasm.exceptions.CaseFileError`).
    backspasm._files.Interrupted
        When SIGINT or SIGTERM arrives during the save (the temporary file is gone).
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    try:
        out = Path(path)
        fmt = out.suffix.lstrip(".").lower()
        if fmt not in FIGURE_FORMATS:
            raise BackspasmError(
                f"The 'path' parameter of save_figure must end in one of "
                f"{', '.join('.' + f for f in FIGURE_FORMATS)}; got {out.name!r} instead."
            )
        rc: Any = dict(_SAVE_RC)
        with SignalGuard(f"interrupted; {out} left as it was") as guard:
            with guard.deferred():
                target = AtomicFile(out)
            try:
                with mpl.rc_context(rc):
                    fig.savefig(
                        target.fh,
                        format=fmt,
                        dpi=dpi,
                        metadata=dict(_METADATA[fmt]),
                        facecolor="white",
                    )
                target.finish()
                with guard.deferred(f"interrupted; {out} was written all the same"):
                    target.replace()
            finally:
                with guard.deferred():
                    target.discard()
    finally:
        if close:
            plt.close(fig)
    return out


def _answers_of(cases: pd.DataFrame, case_id: object) -> tuple[dict[str, Any], str]:
    from backspasm.questionnaire import default_questions

    if "case_id" in cases.columns:
        match = cases[cases["case_id"].astype(str) == str(case_id)]
    else:
        match = cases.iloc[[int(str(case_id))]] if str(case_id).isdigit() else cases.iloc[:0]
    if match.empty:
        raise BackspasmError(f"No case with case_id {case_id!r} in the cases table.")
    columns = {q.column for q in default_questions() if q.node is not None}
    row = match.iloc[0]
    answers = {
        k: v
        for k, v in row.items()
        if k in columns
        and not (v is None or (isinstance(v, float) and math.isnan(v)))
        and str(v).strip() != ""
    }
    return answers, f"case {case_id}"


def write_teaching_figures(
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("png",),
    network: Network | None = None,
    cases: pd.DataFrame | None = None,
    case_id: object = None,
    cause: str | None = None,
    dpi: int = 300,
) -> list[Path]:
    """Write the teaching set of figures, byte for byte the same on every run.

    The set: the network and its diagnostic view; the network's beliefs for an
    example case; its causes before and after the answers; the effect of each
    answer on one cause (its top cause unless ``cause`` is given); the next questions
    worth asking; the sensitivity of that cause to the network's numbers; four
    scenarios side by side; the case mix of a case file; and calibration and ROC
    (serious causes; one with no case in the sample is named, not drawn) figures on
    2000 synthetic cases drawn from the network with seed 0. Every figure is drawn on
    a 13.33 x 7.5 in slide with no text under 9 pt; SVG files keep their text as
    text. Each file is written atomically (see :func:`save_figure`).

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
    formats : sequence of {"png", "svg", "pdf"}, default ("png",)
        One file per figure and format.
    network : Network, optional
        Defaults to the bundled network.
    cases : pandas.DataFrame, optional
        A case table (the contract of ``data/example_cases.csv``); with ``case_id``
        it supplies the example case, and it is the table of the case-mix figure.
        Default: 300 synthetic presenters drawn from the network with seed 0 (the
        repository's ``data/example_cases.csv`` is not installed with the package;
        pass it, or any case file, here).
    case_id : object, optional
        The example case's ``case_id`` in ``cases`` (default: :data:`DEFAULT_CASE`).
    cause : str, optional
        The cause whose evidence impact and sensitivity are drawn, e.g. the cause a
        lesson is about. Default: the example case's top cause.
    dpi : int, default 300
        Resolution of PNG files.

    Returns
    -------
    list of Path
        The files written, in order.

    Raises
    ------
    BackspasmError
        For an unknown format, a ``case_id`` without ``cases`` or not in them, or a
        ``cause`` that is not a cause of the network.
    """
    from backspasm.diagnosis import diagnose
    from backspasm.learning import evaluate, sample_cases
    from backspasm.network import default_network
    from backspasm.scoring import score_cases
    from backspasm.sensitivity import sensitivity

    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        raise BackspasmError(
            f"The 'formats' parameter of write_teaching_figures must hold some of "
            f"{', '.join(FIGURE_FORMATS)}; got {list(formats)!r} instead."
        )
    net = network if network is not None else default_network()
    if cause is not None and cause not in net.causes:
        raise BackspasmError(
            f"The 'cause' parameter of write_teaching_figures must be a cause of the "
            f"network ({', '.join(net.causes)}); got {cause!r} instead."
        )
    if case_id is not None:
        if cases is None:
            raise BackspasmError("The 'case_id' parameter needs a 'cases' table.")
        answers, _ = _answers_of(cases, case_id)
    else:
        answers = dict(DEFAULT_CASE)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)  # only once the arguments are known good
    mix_name = "cases"
    if cases is None:
        cases, mix_name = _default_cases(net)

    # compute once ...
    case = diagnose(answers, network=net)
    followed = cause if cause is not None else case.top_cause
    table = sensitivity(case, followed)
    scenarios = [diagnose(a, network=net) for a in SCENARIOS.values()]
    scored = score_cases(cases, network=net)
    evaluation = evaluate(sample_cases(_EVALUATION_N, network=net, seed=0), network=net)
    # every serious cause: one with no case in the sample is named under the legend
    serious = list(net.serious_causes)

    # ... then draw
    written: list[Path] = []

    def save(fig: Figure, stem: str) -> None:
        import matplotlib.pyplot as plt

        try:
            for fmt in formats:
                written.append(save_figure(fig, out / f"{stem}.{fmt}", dpi=dpi, close=False))
        finally:
            plt.close(fig)

    save(st.figure_of(plot_network(net)), "01-network")
    save(st.figure_of(plot_diagnostic_view(net)), "01b-diagnostic-view")
    save(st.figure_of(plot_network_beliefs(case)), "02-network-beliefs")
    save(st.figure_of(plot_causes(case)), "03-causes")
    save(st.figure_of(plot_evidence_impact(case, followed)), "04-evidence-impact")
    save(st.figure_of(plot_next_questions(case)), "05-next-questions")
    save(st.figure_of(plot_sensitivity(table, top=12, answers=case.answers)), "06-sensitivity")
    save(plot_scenarios(scenarios, names=list(SCENARIOS)), "07-scenarios")
    mix = plot_case_mix(scored, network=net)
    mix.suptitle(
        mix.get_suptitle().replace("scored cases", f"scored {mix_name}"),
        fontsize=st.TITLE - 1,
        x=0.01,
        ha="left",
    )
    save(mix, "08-case-mix")
    synthetic = f"{_EVALUATION_N} synthetic cases drawn from the network itself (seed 0)"
    ax = plot_calibration(evaluation)
    ax.set_title(
        f"Calibration: all causes pooled, on {synthetic}\n"
        "points on the diagonal mean the stated probabilities come true as often as stated",
        fontsize=st.TITLE - 2,
    )
    save(st.figure_of(ax), "09-calibration")
    ax = plot_roc(evaluation, causes=serious)
    ax.set_title(
        f"ROC of the serious causes, on {synthetic}\n"
        "how well each cause's probability separates cases with it from cases without",
        fontsize=st.TITLE - 2,
    )
    save(st.figure_of(ax), "10-roc-serious")
    return written


def _default_cases(network: Network) -> tuple[pd.DataFrame, str]:
    """Return the case-mix table when none is given: a synthetic sample of presenters."""
    from backspasm.learning import sample_cases

    sample = sample_cases(_SYNTHETIC_N, network=network, seed=0)
    answers = [c for c in sample.columns if not str(c).startswith("true_")]
    return sample[answers], "synthetic cases"
