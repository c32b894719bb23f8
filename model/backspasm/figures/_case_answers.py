"""The one summary of a case's answers: which are named, in which order.

Every title that lists a case's answers (figures 02 to 07) and the alt text in
captions.md take them from :func:`case_answers`; a shorter form names the first of the
same list and counts the rest (``... and 5 more``). A teacher's audit found each figure
choosing and ordering them its own way, by the top cause even where a figure was not
about it: the order here depends on no one cause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from backspasm._numeric import lean_of
from backspasm.figures._style import network_of
from backspasm.figures._words import (
    Person,
    answer_list,
    answers_chars,
    answers_heading,
)

#: How the answers a figure names were chosen, as captions.md says it.
HOW_CHOSEN = (
    "Where a title or a sentence names a case's answers, they come in one order in "
    "every figure: first the person in one phrase (sex, age, where the spasms are and "
    "for how long, the care setting: man, 26, lower back, 30 weeks), then the answers "
    "that set the triage level, then the other warning signs present, then the rest, "
    "the answer that changed some cause's odds most first and a finding the person "
    "denies after those they have; a short title names the first of them and counts "
    "the others (… and 5 more)."
)

#: The answers said in the person's phrase, in its order.
PERSON = ("sex", "age", "spasm_location", "spasm_duration_weeks", "care_setting")
_SEX = {"male": "man", "female": "woman"}
_SETTING = {"primary_care": "in general practice", "emergency": "in A&E"}


def ordered_answers(diagnosis: Any) -> dict[str, Any]:
    """Return a case's answers (question to answer) in the one order of its summary.

    First the person's answers said in one phrase (:func:`person_of`: sex, age,
    location, duration, care setting), as a clinician presents a case; then the
    answers that set the triage level (the flag answers of
    :attr:`~backspasm.diagnosis.Diagnosis.red_flags`; for ``see_doctor``, the answers
    of the flags named in :attr:`~backspasm.diagnosis.Diagnosis.triage_reasons`),
    then every other warning sign present (a red-flag question answered with a
    symptom, not a denial), then the rest; each part by the largest change the answer
    made in the log-odds of any cause (``diagnosis.reasons``), largest first, but a
    denial (``no fever``) after the findings the person has: what a case has is what
    a teacher presents it by, its pertinent negatives after; ties and answers
    nothing weighs keep the case's order. An object without these (no network, no
    reasons) gives its answers as they are.
    """
    answers = dict(getattr(diagnosis, "answers", {}) or {})
    if not answers or not hasattr(diagnosis, "reasons") or not hasattr(diagnosis, "network"):
        return answers
    person = person_of(answers, diagnosis.network)
    moved = _largest_change(diagnosis)
    by_change = sorted(answers, key=lambda c: -moved.get(c, -1.0))  # stable: ties in order
    rank = _triage_rank(diagnosis)
    rest = sorted((c for c in by_change if c not in person), key=rank)
    return {c: answers[c] for c in [*person, *rest]}


def case_answers(diagnosis: Any) -> list[str]:
    """Say a case's answers in a few words each, in the order of :func:`ordered_answers`.

    The person's answers (:func:`person_of`) are one :class:`~._words.Person` phrase,
    the first: ``man, 26, lower back, 30 weeks``.
    """
    network = getattr(diagnosis, "network", None)
    return answers_said(ordered_answers(diagnosis), network_of(diagnosis), person=bool(network))


def answers_said(answers: Any, network: Any, *, person: bool = True) -> list[str]:
    """Say answers as :func:`case_answers` does: the person's phrase, then the others in order."""
    first = person_of(answers, network) if person else {}
    rest = answer_list({c: v for c, v in answers.items() if c not in first}, network)
    return [Person(", ".join(first.values())), *rest] if first else rest


def person_of(answers: Any, network: Any) -> dict[str, str]:
    """Return the person's answers said in a word or two each (column to words), in order.

    Sex (``man``), age (``26``, ``age 26`` without a sex), where the spasms are
    (``lower back``), for how long (``30 weeks``, as :func:`answer_list` says it
    after ``spasms for``) and the care setting (``in A&E``); an answer that is unsure
    or not in the evidence is none of them (it stays among the answers). Numbers
    are the answers' own. Nothing without a network.
    """
    if network is None:
        return {}
    said: dict[str, str] = {}
    for column in PERSON:
        if column not in answers:
            continue
        words = answer_list({column: answers[column]}, network)
        if not words or "unsure" in words[0]:
            continue
        state = _state_of(column, answers[column], network)
        if column == "sex":
            said[column] = _SEX.get(str(state), words[0])
        elif column == "age":
            said[column] = words[0] if "sex" not in said else words[0].removeprefix("age ")
        elif column == "spasm_location":
            said[column] = words[0].removeprefix("spasms: ")
        elif column == "care_setting":
            said[column] = _SETTING.get(str(state), words[0])
        else:
            said[column] = re.sub(r"^[^:]* for ", "", words[0])
    return said


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
    """Return the rank of an answer: 0 set the triage, 1 a sign present, 2 the rest, 3 a denial."""
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
        present = _present(net.states(str(question.node)), state)
        if question.red_flag and present:
            return 1
        return 3 if question.kind == "yes_no" and not present else 2  # a denial: after

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


def _state_of(column: str, value: Any, network: Any) -> Any:
    """Return the state an answer enters the evidence as (None if it does not)."""
    from backspasm.questionnaire import evidence_state, questions_for

    question = next((q for q in questions_for(network) if q.column == column), None)
    return None if question is None else evidence_state(question, value)
