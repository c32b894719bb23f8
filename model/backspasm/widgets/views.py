"""The live views of the questionnaire: HTML drawn from a :class:`Diagnosis`.

Each function takes what it shows and returns an HTML fragment for an
``ipywidgets.HTML`` view. The fragments carry classes and ``data-`` attributes
(``bs-cause`` with ``data-posterior``, ``bs-level``, ``bs-next``, ``bs-reason``...)
so that tests and notebooks can read what is shown.
"""

from __future__ import annotations

import html

import pandas as pd

from backspasm._palette import (
    ALERT,
    CAUSE_GROUP_COLOURS,
    FOCUS,
    GROUP_COLOURS,
    LOWERED,
    PRIOR,
    RAISED,
    TRIAGE_COLOURS,
)
from backspasm._text import impact_words, percent
from backspasm.diagnosis import Diagnosis
from backspasm.diagnosis.words import NO_QUESTION_BEFORE_GOING, POINTED_TIP, group_shares
from backspasm.explain.odds import factor_words, pointed_causes
from backspasm.spec import CAUSE_KINDS
from backspasm.triage import (
    EMERGENCY_HOLDS,
    SAFETY_NET_HEADING,
    SCREEN_NOT_FINISHED,
    self_care_unscreened,
)

__all__ = [
    "FLAG",
    "bars_html",
    "message_html",
    "next_html",
    "reasons_html",
    "title_html",
    "triage_html",
]

#: The mark of a red-flag question.
FLAG = (
    "<span class='bs-flag' title='red flag: a warning sign of serious disease' "
    f"style='color:{ALERT};font-weight:bold'>&#9873;&nbsp;</span>"
)


def title_html(case_id: str | None, answered: int, questions: int) -> str:
    """Return the title: the case, if one was loaded, and how many questions are answered."""
    case = f" &mdash; case <b>{html.escape(case_id)}</b>" if case_id else ""
    return (
        f"<h3 style='margin:4px 0'>backspasm questionnaire{case}</h3>"
        f"<span>{answered} of {questions} questions answered</span>"
    )


def message_html(text: str, *, notice: bool = False) -> str:
    """Return a message to the user; empty for none.

    A refusal (an answer refused, a row not found) is in the warning red; a
    ``notice`` (what a loaded row left out, which ``score`` would warn of too) in
    the text's own colour. Each line of ``text`` is shown on a line of its own.
    """
    if not text:
        return ""
    colour = "" if notice else f"color:{ALERT};"
    style = f"{colour}white-space:pre-line"
    return f"<div class='bs-message' style='{style}'>{html.escape(text, quote=False)}</div>"


def next_html(table: pd.DataFrame, *, emergency: bool = False) -> str:
    """Return the question to ask next and the three after it.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`Diagnosis.next_questions` in interview order (empty for an emergency).
    emergency : bool, default False
        The triage is an emergency: no question comes before going.

    Returns
    -------
    str
        The fragment (``bs-next`` with ``data-column`` for the first question).
    """
    if emergency:
        return (
            f"<div class='bs-next'><b>Ask next:</b> {NO_QUESTION_BEFORE_GOING}<br><small>"
            "Ranked by information gain alone (for research): "
            "<code>next_questions()</code>.</small></div>"
        )
    if not len(table):
        return "<div class='bs-next'>No question left that would change the picture.</div>"
    first = table.iloc[0]
    column = str(first["question"])
    flag = FLAG if bool(first["red_flag"]) else ""
    if not flag and bool(first.get("screen", False)):
        # a screening question, not a warning sign (pain below the knee)
        flag = (
            "<span class='bs-screen' title='screening question: its answer can set the "
            "triage level'>(screening question)</span> "
        )
    if bool(first.get("examination", False)):
        flag += "(a clinician's examination) "
    then = ", ".join(f"<code>{html.escape(str(c))}</code>" for c in table["question"][1:4])
    return (
        f"<div class='bs-next' data-column='{html.escape(column)}' "
        f"style='border-left:4px solid {FOCUS};padding-left:6px'>"
        f"<b>Ask next:</b> {flag}{html.escape(str(first['prompt']))} "
        f"<code>{html.escape(column)}</code>"
        f"<br><small>then {then or 'nothing else'}</small></div>"
    )


#: A number column of the cause table: right-aligned, kept apart from its neighbour.
_NUMBER = "text-align:right;padding-left:8px;white-space:nowrap"


def bars_html(d: Diagnosis) -> str:
    """Return one row per cause: a grey prior bar over a coloured posterior bar.

    A cause lower down that the answers point to (as the text report names it under
    "why": :func:`~backspasm.explain.odds.pointed_causes`) shows its odds factor.
    """
    rows = []
    pointed = set(pointed_causes(d.causes))
    for r in d.causes.to_dict("records"):
        factor = ""
        if r["cause"] in pointed:
            factor = (
                f"<span class='bs-pointed' data-odds-factor='{float(r['odds_factor'])!r}' "
                f"title='{html.escape(POINTED_TIP)}'>{factor_words(r['odds_factor'])}</span>"
            )
        colour = CAUSE_GROUP_COLOURS.get(str(r["group"]), PRIOR)
        prior, post = float(r["prior"]), float(r["posterior"])
        rows.append(
            f"<tr class='bs-cause' data-cause='{html.escape(str(r['cause']))}' "
            f"data-prior='{prior!r}' data-posterior='{post!r}'>"
            f"<td style='text-align:left;padding-right:6px;white-space:nowrap'>"
            f"{html.escape(str(r['label']))}</td>"
            "<td style='width:160px'>"
            f"<div title='prior {percent(prior)}' style='height:5px;width:{100 * prior:.2f}%;"
            f"background:{PRIOR};margin-bottom:1px'></div>"
            f"<div title='posterior {percent(post)}' style='height:9px;"
            f"width:{100 * post:.2f}%;background:{colour}'></div></td>"
            f"<td style='{_NUMBER};color:#777'>{percent(prior)}</td>"
            f"<td style='{_NUMBER}'><b>{percent(post)}</b></td>"
            f"<td style='{_NUMBER};color:{FOCUS}'>{factor}</td></tr>"
        )
    legend = " ".join(
        f"<span style='color:{GROUP_COLOURS[k.group]}'>&#9632;</span>&nbsp;{k.label}"
        for k in CAUSE_KINDS
    )
    return (
        "<table class='bs-bars' style='border-collapse:collapse;font-size:12px'>"
        "<thead><tr><th style='text-align:left'>cause</th><th>"
        f"<span style='color:{PRIOR}'>&#9632;</span>&nbsp;before any answer, "
        "then now</th><th style='padding-left:8px'>before</th>"
        "<th style='padding-left:8px'>now</th>"
        f"<th title='{html.escape(POINTED_TIP)}' style='padding-left:8px;white-space:nowrap'>"
        "pointed to</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table><small>{legend}</small>"
    )


def triage_html(d: Diagnosis) -> str:
    """Return the triage level in words, what drove it and, short of emergency, the safety net."""
    colour = TRIAGE_COLOURS.get(d.triage, "#000000")
    words = d.advice
    if self_care_unscreened(d.triage, len(d.unscreened)):  # the level so far, as ask says it
        words = f"{SCREEN_NOT_FINISHED} \u2014 {words}"
    parts = [
        f"<div class='bs-triage' data-level='{html.escape(d.triage)}' "
        f"style='border-left:6px solid {colour};padding:2px 8px;margin-bottom:6px'>"
        f"Triage: <b class='bs-level' style='color:{colour};font-size:1.2em'>"
        f"{html.escape(d.triage)}</b> &mdash; {html.escape(words)}"
    ]
    # the reason leads, before the numbers and the causes beside it
    because = d.triage_reasons
    if because:
        items = "".join(f"<li class='bs-driver'>{html.escape(f)}</li>" for f in because)
        parts.append(f"<br>Because of:<ul style='margin:0'>{items}</ul>")
    if d.triage == "emergency":
        parts.append(f"<b class='bs-holds'>{html.escape(EMERGENCY_HOLDS)}</b><br>")
    else:
        parts.append("<br>")
    # both shares, as diagnose says them: a disc's cauda equina is an emergency with a
    # small serious share, which the structural one explains
    parts.append(
        "<br>".join(f"{html.escape(n)} = <b>{percent(p)}</b>" for n, p in group_shares(d))
    )
    for note in d.notes:
        parts.append(f"<br><i class='bs-note'>{html.escape(note)}</i>")
    if d.safety_net:
        items = "".join(f"<li class='bs-safety'>{html.escape(s)}</li>" for s in d.safety_net)
        parts.append(
            f"<details><summary>{html.escape(SAFETY_NET_HEADING[d.triage].rstrip(':'))} "
            f"({len(d.safety_net)} warning signs)</summary>"
            f"<ul style='margin:0'>{items}</ul></details>"
        )
    parts.append("</div>")
    return "".join(parts)


def reasons_html(d: Diagnosis, cause: str) -> str:
    """Return the sentence on one cause and the effect of each answer on it."""
    table = d.reasons(cause)
    sentence = html.escape(d.explanation(cause))
    if not len(table):
        return (
            f"<div class='bs-reasons' data-cause='{html.escape(cause)}'><p>{sentence}</p>"
            "<p>No answer yet: this is the prior.</p></div>"
        )
    rows = []
    for r in table.to_dict("records"):
        change = float(r["log_odds_change"])
        said = impact_words(change, float(r["posterior_with"]), float(r["posterior_without"]))
        arrow, colour = ("&#9650;", RAISED) if change > 0 else ("&#9660;", LOWERED)
        if said == "no effect":
            arrow, colour = "&middot;", "#777777"
        rows.append(
            f"<tr class='bs-reason' data-question='{html.escape(str(r['question']))}' "
            f"data-log-odds-change='{change!r}'>"
            f"<td><code>{html.escape(str(r['question']))}</code> = "
            f"{html.escape(str(r['answer']))}</td>"
            f"<td style='text-align:right;white-space:nowrap'>"
            f"{percent(float(r['posterior_without']))}</td>"
            f"<td style='color:{colour};text-align:right;white-space:nowrap'>{arrow} "
            f"{html.escape(said)}</td></tr>"
        )
    return (
        f"<div class='bs-reasons' data-cause='{html.escape(cause)}'><p>{sentence}</p>"
        "<table style='font-size:12px'><thead><tr><th>answer</th><th>without it</th>"
        f"<th>its effect</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
