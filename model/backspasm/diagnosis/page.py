"""A diagnosis as the HTML table Jupyter shows: what its text summary says."""

from __future__ import annotations

import html

from backspasm._palette import CAUSE_GROUP_WORDS, TRIAGE_COLOURS
from backspasm._text import percent
from backspasm.diagnosis.words import (
    NO_QUESTION_BEFORE_GOING,
    POINTED_HEADING,
    Shown,
    group_shares,
    mpe_sentence,
    question_marks,
    screen_open,
    unsure_lines,
    why_sentences,
)
from backspasm.explain.conflict import JOINTLY_SURPRISING, conflict_words
from backspasm.triage import EMERGENCY_HOLDS, SAFETY_NET_HEADING

__all__ = ["diagnosis_html"]


def diagnosis_html(d: Shown) -> str:
    """Return the HTML of :meth:`Diagnosis._repr_html_`.

    What :meth:`~backspasm.diagnosis.result.Diagnosis.summary` says, as a table: the
    advice, the open screen, the safety net and the next questions in interview order
    (none before an emergency).
    """
    esc = html.escape
    causes = d.causes
    rows = "".join(
        f"<tr><td>{esc(str(r.label))}</td>"
        f"<td>{esc(CAUSE_GROUP_WORDS.get(str(r.group), str(r.group)))}</td>"
        f"<td style='text-align:right'>{percent(r.prior)}</td>"
        f"<td style='text-align:right'><b>{percent(r.posterior)}</b></td></tr>"
        for r in causes.itertuples(index=False)
    )
    given = ", ".join(f"{esc(str(k))}={esc(str(v))}" for k, v in d.answers.items())
    flags = f" &mdash; because: {esc('; '.join(d.triage_reasons))}" if d.triage_reasons else ""
    holds = f". {esc(EMERGENCY_HOLDS)}" if d.triage == "emergency" else ""
    shares = "<br>".join(f"{esc(name)} = <b>{percent(p)}</b>" for name, p in group_shares(d))
    screen = ""
    if d.triage != "emergency" and d.unscreened:
        screen = f"<p>{esc(screen_open(d))}</p>"
    net = ""
    if d.safety_net:
        items = "".join(f"<li>{esc(line)}</li>" for line in d.safety_net)
        net = (
            f"<details><summary>{esc(SAFETY_NET_HEADING[d.triage])}</summary>"
            f"<ul>{items}</ul></details>"
        )
    first, pointed = why_sentences(d)
    why = "".join(f"<li>{esc(s)}</li>" for s in first)
    if pointed:
        items = "".join(f"<li>{esc(s)}</li>" for s in pointed)
        why += f"<li>{esc(POINTED_HEADING)}<ul>{items}</ul></li>"
    if d.triage == "emergency":
        nxt = (
            f"{NO_QUESTION_BEFORE_GOING}<br><small>Ranked by information gain alone (for "
            "research): <code>next_questions()</code>; what to ask is "
            "<code>next_questions(order='interview')</code>, empty before an "
            "emergency.</small>"
        )
    else:
        asked = d.next_questions(order="interview").head(3)
        nxt = ", ".join(
            esc(str(r.question))
            + "".join(
                f" ({m})"
                for m in question_marks(
                    red_flag=bool(r.red_flag),
                    screen=bool(r.screen),
                    examination=bool(r.examination),
                )
            )
            for r in asked.itertuples(index=False)
        )
    note = "".join(
        f"<p>{esc(line)}</p>" for line in (*d.notes, *unsure_lines(d.network, d.evidence))
    )
    if d.conflicted:
        screen += (
            f"<p><b>warning</b>: {JOINTLY_SURPRISING} (conflict "
            f"{conflict_words(d.conflict)}); check them</p>"
        )
    risks = "".join(
        f"<tr><td>{esc(str(r.label))}</td><td style='text-align:right'>{percent(r.risk)}</td></tr>"
        for r in d.complications.itertuples(index=False)
    )
    combination = esc(mpe_sentence(d))
    return (
        "<div><p><b>backspasm diagnosis</b> &mdash; answers: "
        f"{given or '(none)'}</p>{note}<p>triage: <b style='color:"
        f"{TRIAGE_COLOURS.get(d.triage, 'black')}'>{esc(d.triage)}</b>{flags}<br>"
        f"advice: {esc(d.advice)}{holds}<br>{shares}</p>{screen}{net}"
        "<table><thead><tr><th>cause</th><th>group</th><th>prior</th>"
        f"<th>posterior</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p>Why:</p><ul>{why}</ul>"
        f"<p>{combination[0].upper()}{combination[1:]}</p>"
        "<p>Risk if left untreated:</p><table><tbody>"
        f"{risks}</tbody></table>"
        f"<p>Next questions worth asking: {nxt or '(none)'}</p>"
        "</div>"
    )
