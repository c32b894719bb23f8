"""A diagnosis as the text report ``backspasm diagnose`` prints (``print(d)``).

What :func:`~backspasm.diagnosis.page.diagnosis_html` shows as a table, in lines:
the triage and its reasons, the advice, the open screen, the safety net, the
conflict, the causes and why, the likeliest combination, the risks and the next
questions in interview order (none before an emergency).
"""

from __future__ import annotations

from backspasm._text import bits, percent
from backspasm.diagnosis.words import (
    COEXIST_NOTE,
    NO_QUESTION_BEFORE_GOING,
    POINTED_HEADING,
    Reported,
    group_shares,
    mpe_sentence,
    question_marks,
    screen_open,
    unsure_lines,
    why_sentences,
)
from backspasm.explain.conflict import (
    CONFLICT_RARITY,
    JOINTLY_SURPRISING,
    conflict_flagged,
    conflict_words,
)
from backspasm.spec import PRESENTATION
from backspasm.triage import EMERGENCY_HOLDS, SAFETY_NET_HEADING, level_so_far

__all__ = ["diagnosis_text"]


def diagnosis_text(
    d: Reported, threshold: float | None, top: int = 5, *, counterfactual: bool = False
) -> str:
    """Return the text of :meth:`~backspasm.diagnosis.result.Diagnosis.summary`.

    Parameters
    ----------
    d : Diagnosis
        The diagnosis.
    threshold : float or None
        Its conflict flag level, or None when the network was edited before it was
        known (the report then says there is none).
    top : int, default 5
        How many causes to list.
    counterfactual : bool, default False
        Also list the counterfactual ranking beside the posterior ranking.
    """
    causes, words = d.causes, d.triage_words
    lines = [*d.notes, *unsure_lines(d.network, d.evidence)]
    level = level_so_far(d.triage, len(d.unscreened))  # the level so far, not a verdict
    lines.append(f"triage: {level}" + (f" (because: {'; '.join(words)})" if words else ""))
    if d.triage == "see_doctor":  # how soon: the level whose urgency varies
        lines.append(f"advice: {d.advice}")
    elif d.triage == "emergency":
        # before any cause: a harmless likeliest cause does not lift it
        lines.append(f"advice: {d.advice}. {EMERGENCY_HOLDS}")
    lines += [f"{name} = {percent(p)}" for name, p in group_shares(d)]
    if d.triage != "emergency" and d.unscreened:
        lines.append(screen_open(d, "; `backspasm ask` asks them"))
    if d.safety_net:
        lines += [SAFETY_NET_HEADING[d.triage]]
        lines += [f"  - {s}" for s in d.safety_net]
    lines += _conflict_lines(d, threshold)
    lines += ["", f"{'cause':<36} {'prior':>7} {'posterior':>9}"]
    for r in causes.head(top).itertuples(index=False):
        lines.append(f"{r.cause:<36} {percent(r.prior):>7} {percent(r.posterior):>9}")
    lines.append(COEXIST_NOTE)
    lines += ["", "why:"]
    first, pointed = why_sentences(d)
    lines += [f"  {s}" for s in first]
    if pointed:
        lines += [f"  {POINTED_HEADING}", *(f"    {s}" for s in pointed)]
    lines += ["", mpe_sentence(d), "", "risk if left untreated:"]
    for r in d.complications.itertuples(index=False):
        lines.append(f"  {r.label:<40} {percent(r.risk):>7}")
    if counterfactual:
        table = d.counterfactual_ranking().head(top)
        lines += [
            "",
            "counterfactual ranking by expected disablement (the findings curing the "
            "cause would be expected to remove):",
        ]
        lines += [
            f"  {r.cause:<36} {r.expected_disablement:6.3f}  (posterior rank {r.posterior_rank})"
            for r in table.itertuples(index=False)
        ]
    return "\n".join(lines + _next_lines(d))


def _conflict_lines(d: Reported, threshold: float | None) -> list[str]:
    """Return the conflict warning, or the measure unflagged (two answers or more), or nothing."""
    rare = f"{CONFLICT_RARITY:.0%} of the presenters sampled from the network"
    conflict = conflict_words(d.conflict)
    if threshold is not None and conflict_flagged(d.conflict, threshold):
        return [
            f"warning: {JOINTLY_SURPRISING} (conflict {conflict} > "
            f"{conflict_words(threshold)}, a level fewer than {rare} reach); check them"
        ]
    if len([k for k in d.evidence if k != PRESENTATION]) < 2:
        return []
    if threshold is None:
        return [
            f"conflict: {conflict} (no flag level: the network was edited since this diagnosis)"
        ]
    return [
        f"conflict: {conflict}, not flagged (flagged above "
        f"{conflict_words(threshold)}, the level only {rare} exceed)"
    ]


def _next_lines(d: Reported) -> list[str]:
    """Return the next questions in interview order, the screen first; none before going."""
    if d.triage == "emergency":
        return [
            "",
            f"next questions: {NO_QUESTION_BEFORE_GOING}; ranked by information gain "
            "alone (for research): Diagnosis.next_questions()",
        ]
    nxt = d.next_questions(order="interview").head(3)
    if not len(nxt):
        return []
    lines = ["", "next questions worth asking (screening questions first):"]
    gains = nxt["expected_information_gain"].to_numpy(dtype=float)
    for r, gain in zip(nxt.itertuples(index=False), gains, strict=True):
        marks = question_marks(
            red_flag=bool(r.red_flag), screen=bool(r.screen), examination=bool(r.examination)
        )
        sign = "".join(f"  ({m})" for m in marks)
        # as figure 05 writes it: "<0.001", never a "0.000" that says nothing to learn
        lines.append(f"  {r.question:<34} {bits(gain):>6} bits{sign}")
    return lines
