"""The alt text of the teaching set: one sentence per figure.

Each sentence says what a figure shows, for which case, and its key numbers as the
figure writes them (read back from the drawn figure by the ``gid`` of its artists);
it goes into the figure's files and into the captions file beside them
(:mod:`backspasm.figures._captions_file`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm._text import DIVIDED, TIMES
from backspasm._text import percent as diagnose_percent
from backspasm.figures._case_answers import case_answers
from backspasm.figures._context_mark import OVER
from backspasm.figures._results import (
    _SELF_CHECK,
    _SYNTHETIC,
    _case_name,
    _case_title,
    _Shown,
)
from backspasm.figures._triage_words import SCREEN_COUNTS, SERIOUS_MEANING, SERIOUS_PLAIN
from backspasm.figures._words import (
    FACTOR_MARK,
    answer_units,
    conflict_note,
    percent,
    triage_text,
)
from backspasm.figures.casemix import open_screen_count
from backspasm.figures.evaluation import ROC_INTERVAL_METHOD
from backspasm.figures.scenarios import SERIOUS_MEANS
from backspasm.spec import PRESENTATION

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from backspasm.diagnosis import Diagnosis
    from backspasm.network import Network


def _case_words(results: _Shown) -> str:
    """Name the case with the first three of its answers, as every title orders them."""
    said = case_answers(results.case)
    if not said:
        return _case_name(results)
    listed = "".join(answer_units("", said[:3], max(len(said) - 3, 0)))
    return f"{_case_name(results)} ({listed})"


def _triage_words(diagnosis: Diagnosis, *, bars: bool = True) -> str:
    """``triage: emergency, P(a serious cause) = 16.2%, the probability of ...``.

    As the case figures' titles say it, then what it is, as the figures say that
    (without ``bars``, for a figure that draws no cause's bar).
    """
    said = " ".join(triage_text(diagnosis).split()).replace(" · ", ", ")
    return f"{said}, {SERIOUS_MEANING if bars else SERIOUS_PLAIN}"


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


def _serious_marked(net: Network) -> str:
    """How both drawings of the whole network mark the serious causes (a caption's end)."""
    return f"the {len(net.serious_causes)} serious causes are marked ⚠."


def _caption_network(fig: Figure, r: _Shown) -> str:
    net = r.network
    arrows = sum(len(node.parents) for node in net.spec.nodes.values())
    boxes = _patches(fig, "group:")
    if boxes:  # a page: the structure for print, one box per group
        named = len(_texts(fig, "label:"))
        return (
            f"Overview of the back-spasm network for print: its {named} nodes named in "
            f"{len(boxes)} boxes, one per group, in tiers from top to bottom (context and "
            "exposures, causes, mechanisms and presentation, findings and complications); "
            f"each box counts the arrows into its nodes from each group, {arrows} arrows "
            f"from cause to effect in all; {_serious_marked(net)}"
        )
    columns = "context and exposures, causes, mechanisms, back spasm and complications, findings"
    return (
        f"Diagram of the back-spasm network: {len(net.node_names)} nodes in columns "
        f"({columns}) joined by {arrows} arrows from cause to effect; {_serious_marked(net)}"
    )


def _caption_diagnostic(fig: Figure, r: _Shown) -> str:
    net = r.network
    findings, mechanisms = len(net.nodes_in("finding")), len(net.nodes_in("mechanism"))
    return (
        f"Diagnostic view of the back-spasm network: which of its {findings} findings "
        f"(symptoms and signs) reveal which of its {len(net.causes)} causes, through "
        f"{mechanisms} shared mechanisms; {_serious_marked(net)}"
    )


def _caption_beliefs(fig: Figure, r: _Shown) -> str:
    n = sum(1 for node in r.case.evidence if node != PRESENTATION)
    return (
        f"The back-spasm network after {n} answer{'s' * (n != 1)} for {_case_words(r)}: "
        f"each node's probability drawn in its box, the answered nodes marked; "
        f"{_triage_words(r.case, bars=False)}."
    )


def _caption_causes(fig: Figure, r: _Shown) -> str:
    case, drawn = r.case, _texts(fig, "value:", lines=True)  # the mark keeps its spaces
    # a cause the answers point to has its odds factor after its value ("8.4%  ×8.3")
    split = {c: v.partition(FACTOR_MARK) for c, v in drawn.items()}
    values = {c: value for c, (value, _, _) in split.items()}
    factors = {c: factor for c, (_, mark, factor) in split.items() if mark}
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
    for cause, mark in factors.items():  # "3.3 over 0.2%": the factor and its baseline
        factor, _, base = mark.partition(OVER)
        said += (
            f"; lower down, the answers raised the odds of {rows[cause].label} "
            f"{factor}-fold over {base}, the belief for a person of the same age, sex and "
            "care setting "
            f"(marked {TIMES}{mark})"
        )
    return f"{said}; {_triage_words(case)}.{_conflict_words(case)}"


def _conflict_words(diagnosis: Diagnosis) -> str:
    """`` Warning: these answers are ... check them.`` for answers that conflict, else ``""``."""
    note = conflict_note(diagnosis)
    return f" {note[0].upper()}{note[1:]}." if note else ""


def _caption_impact(fig: Figure, r: _Shown) -> str:
    case, cause = r.case, r.followed
    row = st.rows(case.causes[case.causes["cause"] == cause])[0]
    said = (
        f"Bar chart of how each answer moved {row.label} for {_case_words(r)}, from "
        f"{diagnose_percent(float(row.prior))} before any answer to "
        f"{diagnose_percent(float(row.posterior))} after them"
    )
    reasons = case.reasons(cause)
    if reasons.empty:  # said first: the chart has no bar
        return (
            f"Empty chart: no answers to weigh for {_case_words(r)}, so none moved "
            f"{row.label} ({diagnose_percent(float(row.posterior))}, as before any answer)."
        )
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
            "grey, by expected information gain." + _conflict_words(case)
        )
    bars = _patches(fig, "gain:")
    if not bars:
        return (
            f"Which question to ask next for {_case_words(r)}: every question is answered."
            + _conflict_words(case)
        )
    ax = fig.get_axes()[0]
    labels = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    first = _one_line(labels[0].get_text()).removeprefix("⚠").strip() if labels else ""
    return (
        f"Bar chart of the {len(bars)} questions worth asking next for {_case_words(r)}, "
        f"screening questions first, then by expected information gain; first: {first}"
        + ("" if first.endswith("?") else ".")
        + _conflict_words(case)
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
    up, down = f"{TIMES}{factor:g}", f"{DIVIDED}{factor:g}"
    return (
        f"{head}, each number's odds {up} and {down} in turn: the one that "
        f"matters most, {number}, moves it to {next(iter(high.values()), '?')} ({up}) "
        f"and {next(iter(low.values()), '?')} ({down})."
    )


def _caption_scenarios(fig: Figure, r: _Shown) -> str:
    heads = _texts(fig, "scenario:", lines=True)
    means = _texts(fig, "serious_means").get("") or SERIOUS_MEANS  # a column: in short
    panels = []
    for i in sorted(heads, key=int):
        name, _, rest = heads[i].partition("\n")
        said = ", ".join(_one_line(line) for line in rest.split("\n"))
        said = said.replace(", (", " (")  # "screen incomplete (23 of 28 unasked)"
        panels.append(f"{name}: {said.replace(' · ', ', ')}")
    if _case_title(r) is None:
        who = f"{len(panels)} built-in example cases"
    else:
        who = f"{_case_name(r)} beside {len(panels) - 1} built-in example cases"
    return (
        f"Bar charts of the leading causes of back spasm in {who}, side by side: "
        + "; ".join(panels)
        # as the figure's key says it, what the counts count a sentence of its own
        + f". {_one_line(means).replace(' ' + SCREEN_COUNTS, '. ' + SCREEN_COUNTS)}."
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
    unscreened = open_screen_count(r.scored)  # a row not scored has no triage
    open_note = f" ({unscreened} of them with the screen incomplete)" if unscreened else ""
    counts = [
        f"{round(levels[level].get_height())} {st.TRIAGE_NAMES.get(level, level)}"
        + (open_note if level == "self_care" else "")
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
        f"{r.evaluation.ece:.4f}: {_SELF_CHECK}."
    )


def _caption_roc(fig: Figure, r: _Shown) -> str:
    legend = fig.get_axes()[0].get_legend()
    entries = (
        []
        if legend is None
        else [
            _one_line(t.get_text())
            for t in legend.get_texts()
            if t.get_gid() != "roc:not_drawn"  # in a column, the note is the last entry
        ]
    )
    # "(AUC 0.98, 0.86–1.00; ...)" on the figure, under the legend's title
    curves = [
        re.sub(r"AUC (\S+), (\S+)\u2013(\S+);", r"AUC \1, 95% CI \2 to \3;", e)
        for e in entries
        if e != "chance"
    ]
    said = f"ROC curves of the serious causes on {_SYNTHETIC} ({_SELF_CHECK}): " + "; ".join(
        curves
    )
    for note in _texts(fig, "roc:not_drawn", lines=True).values():
        said += "; " + _listed(note).rstrip(".")
    for zoom in fig.get_axes()[0].child_axes:
        if zoom.get_gid() == "roc:zoom":
            said += (
                "; an inset draws the curves again over false positive rates 0 to "
                f"{zoom.get_xlim()[1]:g}, where they climb"
            )
    return f"{said}; {ROC_INTERVAL_METHOD}." if curves else said + "."


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
