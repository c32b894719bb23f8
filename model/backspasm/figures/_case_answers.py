"""The one summary of a case's answers: which are named, in which order.

Every title that lists a case's answers (figures 02 to 07) and the alt text in
captions.md take them from :func:`case_answers`; a shorter form names the first of the
same list and counts the rest (``... and 5 more``). A teacher's audit found each figure
choosing and ordering them its own way, by the top cause even where a figure was not
about it: the order here depends on no one cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backspasm._numeric import lean_of
from backspasm.figures._style import network_of
from backspasm.figures._words import answer_list, answers_chars, answers_heading

#: How the answers a figure names were chosen, as captions.md says it.
HOW_CHOSEN = (
    "Where a title or a sentence names a case's answers, they come in one order in "
    "every figure: first those that set the triage level, then the other warning signs "
    "present, then the rest, the answer that changed some cause's odds most first; a "
    "short title names the first of them and counts the others (… and 5 more)."
)


def ordered_answers(diagnosis: Any) -> dict[str, Any]:
    """Return a case's answers (question to answer) in the one order of its summary.

    First the answers that set the triage level (the flag answers of
    :attr:`~backspasm.diagnosis.Diagnosis.red_flags`; for ``see_doctor``, the answers
    of the flags named in :attr:`~backspasm.diagnosis.Diagnosis.triage_reasons`),
    then every other warning sign present (a red-flag question answered with a
    symptom, not a denial), then the rest; each part by the largest change the answer
    made in the log-odds of any cause (``diagnosis.reasons``), largest first; ties
    and answers nothing weighs keep the case's order. An object without these
    (no network, no reasons) gives its answers as they are.
    """
    answers = dict(getattr(diagnosis, "answers", {}) or {})
    if not answers or not hasattr(diagnosis, "reasons") or not hasattr(diagnosis, "network"):
        return answers
    moved = _largest_change(diagnosis)
    by_change = sorted(answers, key=lambda c: -moved.get(c, -1.0))  # stable: ties in order
    rank = _triage_rank(diagnosis)
    return {c: answers[c] for c in sorted(by_change, key=rank)}


def case_answers(diagnosis: Any) -> list[str]:
    """Say a case's answers in a few words each, in the order of :func:`ordered_answers`."""
    return answer_list(ordered_answers(diagnosis), network_of(diagnosis))


def case_title(
    what: str,
    diagnosis: Any,
    width: int,
    *,
    ax: Any,
    cause: str | None = None,
    it: bool = False,
) -> str:
    """Return ``<what> for: <answers>``, wrapped to lines of ``width`` characters.

    The answers in the one order of every figure and of the alt text
    (:func:`~backspasm.figures._case_answers.case_answers`, whatever the figure's
    cause: ``cause`` and ``it`` are kept for callers and change nothing), those a
    title has no room for counted at its end (``and 5 more``). As many are named
    as :func:`named_count` gives at ``ax``'s :func:`answers_chars`, the same in every
    figure of a size. Lines break between answers where that leaves the line well
    filled, and never around a slash (``IV drug use / immunosuppr.`` is not cut
    after ``/``).
    """
    del cause, it  # one summary of the answers, whichever cause a figure is about
    chars = answers_chars(ax, width)
    return answers_heading(f"{what} for: ", case_answers(diagnosis), width, chars=chars)


def _largest_change(diagnosis: Any) -> dict[str, float]:
    """Return each weighed answer's largest absolute change in a cause's log-odds."""
    moved: dict[str, float] = {}
    for cause in diagnosis.causes["cause"]:
        table = diagnosis.reasons(str(cause))
        for q, change in zip(table["question"], table["log_odds_change"], strict=True):
            size = abs(float(change))
            size = size if size == size else 0.0  # NaN: nothing to weigh
            moved[str(q)] = max(moved.get(str(q), 0.0), size)
    return moved


def _triage_rank(diagnosis: Any) -> Any:
    """Return the rank of a question's answer: 0 set the triage, 1 a sign present, 2 the rest."""
    from backspasm.questionnaire import questions_for
    from backspasm.triage import policy_of

    net = diagnosis.network
    nodes = set(net.spec.nodes)
    flags = getattr(diagnosis, "red_flags", ()) or ()
    setting = {f.partition("=")[0] for f in flags if "=" in f} & nodes
    # a see_doctor flag is named in the reasons (said as a sentence: compared in lower
    # case), with " (unsure)" after it when an unsure answer set it
    said = getattr(diagnosis, "triage_reasons", ()) or ()
    reasons = {r.lower().removesuffix(" (unsure)") for r in said}
    for flag in policy_of(net).flags:
        if flag.name.lower() in reasons:
            setting.update(flag.holds_on)
    node_of = {q.column: q for q in questions_for(net) if q.node is not None}

    def rank(column: str) -> int:
        question = node_of.get(column)
        if question is None:
            return 2
        if question.node in setting:
            return 0
        state = diagnosis.evidence.get(str(question.node))
        return 1 if question.red_flag and _present(net.states(str(question.node)), state) else 2

    return rank


def _present(states: Sequence[str], state: object) -> bool:
    """Whether an answer says a finding is there: a state other than the first (``no``).

    An unsure answer counts as the state it leans to, as the triage flags count it.
    """
    if isinstance(state, str):
        return state in states and states.index(state) > 0
    if isinstance(state, tuple | list) and len(state) == len(states):
        lean = lean_of([float(w) for w in state])
        return lean is not None and lean > 0
    return False
