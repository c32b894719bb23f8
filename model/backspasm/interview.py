"""An interactive questionnaire: the screening questions, then the most informative one.

The interview first asks the screening questions (:attr:`Diagnosis.screen
<backspasm.diagnosis.Diagnosis.screen>`): every warning sign, a red-flag question
(:attr:`backspasm.questionnaire.Question.red_flag`), and every question whose answer
can set a triage level (:func:`backspasm.triage.screen_nodes`: Murphy's sign, age,
where and how long it hurts, pain below the knee with a cancer history...) that is not
answered yet, however little the answer would move the ranking of the causes. Then,
after every answer, the causes are re-ranked exactly and the next question is the
unanswered one with the highest expected information gain about the causes (see
:meth:`backspasm.diagnosis.Diagnosis.next_questions`, ``order="interview"``).

An emergency ends the questions ("go now"); there ``more`` lets a clinician record the
rest of the screen (by information gain, the advice unchanged), ``back`` undoes the
answer that set it. Each question is asked once: ``skip`` passes it (a skipped
screening question is reported as not answered at the end), ``back`` undoes the last
answer or skip,
``quit`` (or ``stop``) stops; an empty line or ``?`` shows the allowed answers and
asks again; "don't know" or "not sure" skips. Answers are read as a person types them
(:func:`as_asked`: ``45 years``, ``3 days``, ``lower back``, ``M``). The
interview ends when the screen is done and no question is worth asking (gain below
``min_gain`` bits), when every question has been asked, or when the user quits. It
speaks plain words to the person answering; ``show_information=True`` adds the
numbers a teacher wants (information gain in bits, P(serious), the full report).

Input and output are plain callables, so the same code serves a terminal, a pipe and
the tests.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from backspasm._answers import answer_hint
from backspasm._text import bits, percent, reason_for_person
from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.diagnosis.words import (
    COEXIST_NOTE,
    POINTED_TIP,
    screen_answered,
    screen_progress,
    unsure_lines,
)
from backspasm.exceptions import BackspasmError, EvidenceError, ImpossibleEvidenceError
from backspasm.explain.odds import factor_words, pointed_causes
from backspasm.network import Network, network_or_default
from backspasm.questionnaire import Question, evidence_state, get_question, questions_for
from backspasm.triage import (
    EMERGENCY_HOLDS,
    SAFETY_NET_HEADING,
    level_so_far,
    paired_screen_nodes,
)

__all__ = ["interview"]

SKIP_WORDS = ("skip", "s")
HELP_WORDS = ("?", "help", "")
QUIT_WORDS = ("quit", "q", "exit", "stop")
BACK_WORDS = ("back", "b", "undo")
#: After an emergency: go on recording the other screening questions (a clinician's).
MORE_WORDS = ("more", "m", "continue")
#: Said by a person who does not know: the question is skipped, as with ``skip``.
DONT_KNOW_WORDS = ("don't know", "dont know", "do not know", "not sure", "no idea", "dunno")
#: The units a person may write after a number, in the question's unit (weeks or years).
_IN_UNIT = {
    "weeks": {
        "hour": 1 / 168,
        "hr": 1 / 168,
        "h": 1 / 168,
        "day": 1 / 7,
        "d": 1 / 7,
        "week": 1.0,
        "wk": 1.0,
        "w": 1.0,
        "month": 52 / 12,
        "year": 52.0,
        "yr": 52.0,
    },
    "years": {"year": 1.0, "yr": 1.0, "y": 1.0, "yo": 1.0},
}
#: How long, said without a number, in weeks (``today``; ``2 hours`` has its unit).
_SAID_IN_WEEKS = {
    "today": 0.0,
    "this morning": 0.0,
    "last night": 1 / 7,
    "yesterday": 1 / 7,
    "since yesterday": 1 / 7,
}
#: Words for a choice that no start of it matches (``woman`` for ``female``).
_SAID_AS = {"man": "male", "woman": "female", "boy": "male", "girl": "female"}
_NUMBER_AND_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z][a-z ]*?)s?(?: old)?\.?")


def _because(d: Diagnosis) -> str:
    """Say what set the level, to the person answering: a threshold in words."""
    return "; ".join(reason_for_person(r) for r in d.triage_words)


def _status(d: Diagnosis, top: int, show_information: bool) -> str:
    causes = ", ".join(
        f"{r.label} {percent(r.posterior)}" for r in d.causes.head(top).itertuples(index=False)
    )
    if not d.answers:
        return f"  -> before any answer, the most likely causes are: {causes}."
    text = f"  -> so far: {d.advice}"
    if d.triage_reasons:
        text += f" (because of: {_because(d)})"
    if d.triage == "emergency":  # the reason first, then the causes: not a reassurance
        text += f". {EMERGENCY_HOLDS} Most likely: {causes}."
    else:
        text += f". Most likely: {causes}."
    if show_information:
        text += f" [triage {d.triage}; P(serious cause) {percent(d.p_serious)}]"
    return text


_NOT_ADVICE = "This is a teaching model, not medical advice."


def _screen_intro(d: Diagnosis) -> str:
    """Say what the screen is, once, before the first question."""
    screen = d.screen
    signs = sum(q.red_flag for q in screen)
    others = len(screen) - signs
    pairs = paired_screen_nodes(d.network)
    paired = sum(q.node in pairs for q in screen)
    text = (
        f"The {len(screen)} screening questions come first: the {signs} warning signs "
        f"and {others} other question{'s' if others != 1 else ''} whose answer can set "
        "the advice, alone or with another answer"
    )
    if paired:
        text += (
            f" ({paired} only with another: asked last, and left out once that answer "
            "rules them out)"
        )
    return text + "."


def _why_open(column: str, skipped: set[str], shown: set[str]) -> str:
    """Say why a screen question is still open: skipped, asked without an answer, or not asked."""
    if column in skipped:
        return "skipped"
    return "not answered" if column in shown else "not asked"


def _closing(
    d: Diagnosis,
    skipped: set[str],
    shown: set[str],
    top: int,
    show_information: bool,
) -> list[str]:
    """Return the final summary in plain words (and the full report with show_information)."""
    if not d.answers:
        lines = ["", "No question was answered: there is no advice to give."]
        if d.safety_net:
            lines.append("get help if anything below happens:")
            lines += [f"  - {s}" for s in d.safety_net]
        return [*lines, _NOT_ADVICE]
    unscreened = d.unscreened
    lines = ["", *d.notes, *unsure_lines(d.network, d.evidence)]
    # self care with screening questions unasked is only the level so far: quitting
    # early must not read as a verdict of self care
    lines.append(f"triage: {level_so_far(d.triage, len(unscreened))} - {d.advice}")
    if d.triage_reasons:
        lines.append(f"  because of: {_because(d)}")
    if d.triage == "emergency":
        lines.append(f"  {EMERGENCY_HOLDS}")
    lines.append("most likely causes:")
    shown_causes = max(top, 5)
    lines += [
        f"  {r.label:<40} {percent(r.posterior):>7}"
        for r in d.causes.head(shown_causes).itertuples(index=False)
    ]
    lines.append(f"  {COEXIST_NOTE}")
    pointed = pointed_causes(d.causes, shown_causes)
    if pointed:  # rare causes the answers point to, which the common ones hide
        lines.append(f"  lower down, the answers point to ({POINTED_TIP}):")
        rows = {r["cause"]: r for r in d.causes.to_dict("records")}
        for cause in pointed:
            r = rows[cause]
            factor = factor_words(r["odds_factor"])
            lines.append(f"  {r['label']:<40} {percent(r['posterior']):>7}  {factor}")
    screen = d.screen
    if unscreened and d.triage == "emergency":
        lines.append("screen: the other screening questions can wait; go now.")
    elif unscreened:
        lines.append(f"screen: {screen_progress(d)}; not answered:")
        lines += [
            f"  - {'(warning sign) ' if q.red_flag else ''}{q.prompt} "
            f"({_why_open(q.column, skipped, shown)})"
            for q in unscreened
        ]
        lines.append("  Unanswered screening questions leave this advice incomplete.")
    else:
        lines.append(f"screen: all {len(screen)} screening questions answered.")
    if d.safety_net:
        lines.append(SAFETY_NET_HEADING[d.triage])
        lines += [f"  - {s}" for s in d.safety_net]
    lines.append(_NOT_ADVICE)
    if show_information:
        lines += ["", d.summary(top=max(top, 5))]
    return lines


def as_asked(q: Question, line: str) -> Any:
    """Read an answer as a person types it into the form the question takes.

    A number with its unit (``45 years``; ``2 hours``, ``3 days``, ``2 months`` for a
    question in weeks, converted; ``today`` and ``yesterday`` too), a choice in words
    (``lower back`` for ``lower_back``) or by the start only one choice has (``m`` for
    ``male``; ``woman`` for ``female``).
    Anything else is returned as typed, to be read, or refused with its hint, by the
    question's own rules.
    """
    text = line.strip()
    if q.kind == "number" and q.unit == "weeks" and text.lower() in _SAID_IN_WEEKS:
        return _SAID_IN_WEEKS[text.lower()]
    if q.kind == "number" and q.unit in _IN_UNIT:
        match = _NUMBER_AND_UNIT.fullmatch(text.lower())
        factor = _IN_UNIT[q.unit].get(match.group(2).strip()) if match else None
        if match and factor is not None:
            return float(match.group(1)) * factor
    if q.kind == "choice":
        key = re.sub(r"[\s-]+", "_", text.lower())
        if _SAID_AS.get(key) in q.choices:  # 'woman' for female
            key = _SAID_AS[key]
        starts = [c for c in q.choices if key and c.startswith(key)]
        if key in q.choices or len(starts) == 1:
            return key if key in q.choices else starts[0]
    return text


def _choices_in_words(q: Question) -> str:
    """Say the allowed answers as the person may type them (``lower back``)."""
    return q.allowed.replace("_", " ") if q.kind == "choice" else q.allowed


def interview(
    read: Callable[[str], str | None],
    write: Callable[[str], Any],
    *,
    network: Network | None = None,
    answers: dict[str, Any] | None = None,
    min_gain: float = 0.01,
    top: int = 3,
    max_questions: int | None = None,
    show_information: bool = False,
) -> Diagnosis:
    """Screen the red flags, then ask in next-best order until no question is worth asking.

    Parameters
    ----------
    read : callable
        Shows a prompt and returns the user's line, or None at end of input.
    write : callable
        Shows one line of text.
    network : Network, optional
        Default: the bundled network.
    answers : dict, optional
        Answers already known; they are not asked again (and cannot be undone).
    min_gain : float, default 0.01
        Once every red flag has been asked, stop when the best remaining question's
        expected information gain (bits) is below this. A gain is never negative,
        so 0 (or less) asks every question.
    top : int, default 3
        How many causes to show after each answer.
    max_questions : int, optional
        Stop after this many questions.
    show_information : bool, default False
        Also show each question's expected information gain, P(serious cause) and
        the full report (for teaching); by default the interview speaks plain words.

    Returns
    -------
    Diagnosis
        The diagnosis from the last answers.
    """
    if not math.isfinite(min_gain) or min_gain < 0:
        # nan compared False with every gain: the interview never stopped on the gain
        raise BackspasmError(f"'min_gain' must be 0 or more bits, finite; got {min_gain!r}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise BackspasmError(f"'top' must be a whole number, 1 or more; got {top!r}")
    if max_questions is not None and (
        isinstance(max_questions, bool) or not isinstance(max_questions, int) or max_questions < 0
    ):
        raise BackspasmError(
            f"'max_questions' must be a whole number, 0 or more (or None); got {max_questions!r}"
        )
    net = network_or_default(network)
    questions = questions_for(net)
    shown: set[str] = set()
    given: dict[str, Any] = dict(answers or {})
    skipped: set[str] = set()
    history: list[tuple[str, bool]] = []  # (question, answered: False for a skip)
    d = diagnose(given, network=net)
    write(
        "backspasm ask: answer each question; 'skip' to pass, 'back' to undo the last "
        "answer, 'quit' to stop."
    )
    write(_screen_intro(d))
    write(_status(d, top, show_information))
    recording = False  # after an emergency: the other screening questions, if asked for
    told_yes_no: str | None = None  # the question that said the yes/no words in full
    while max_questions is None or len(history) < max_questions:
        recording = recording and d.triage == "emergency"
        if d.triage == "emergency" and not recording:
            # Nothing asked now can make the advice more urgent: send the person now
            # (planks and toe touching were asked after "go now"), but let a wrong
            # answer be undone, and a clinician record the other screening questions
            # (the causes shown after a cauda equina sign alone read as muscle strain).
            # No question comes before going (next_questions in interview order is
            # empty for an emergency).
            undo = bool(history and history[-1][1])
            line = read(
                f"{d.advice[:1].upper()}{d.advice[1:]}: the other questions can wait. "
                + (
                    "[Enter to finish; more to record the other warning signs; back to "
                    "undo the last answer] "
                    if undo
                    else "[Enter to finish; more to record the other warning signs] "
                )
            )
            word = "" if line is None else line.strip().lower()
            if line is not None and word in ("?", "help"):
                write(
                    "  Press Enter to finish, type more to record the other warning "
                    "signs" + (", or back to undo your last answer." if undo else ".")
                )
                continue
            if line is not None and word in MORE_WORDS:
                recording = True
                write(f"  The advice stays: {d.advice}.")
                continue
            if not undo or line is None or word not in BACK_WORDS:
                break
            column, _ = history.pop()
            given.pop(column, None)
            d = diagnose(given, network=net)
            write(f"  Undone: {get_question(column, questions).prompt}")
            write(_status(d, top, show_information))
            continue
        if recording:  # the screen's questions by information gain, and no others
            ranked = d.next_questions()
            ranked = ranked[ranked["screen"] & ~ranked["question"].isin(skipped)]
            if ranked.empty:
                write("Every screening question has been asked.")
                break
        else:
            ranked = d.next_questions(order="interview")
            ranked = ranked[~ranked["question"].isin(skipped)]
        if ranked.empty:
            write("Every question has been asked.")
            break
        gain = float(ranked["expected_information_gain"].iloc[0])
        if not bool(ranked["screen"].iloc[0]) and gain < min_gain:
            write("No remaining question is worth asking.")
            break
        q = get_question(str(ranked["question"].iloc[0]), questions)
        ahead = int(ranked["screen"].sum()) + int(
            ((~ranked["screen"]) & (ranked["expected_information_gain"] >= min_gain)).sum()
        )
        total = len(history) + max(ahead, 1)
        if max_questions is not None:
            total = min(total, max_questions)
        screened, in_screen = screen_answered(d)
        write(f"question {len(history) + 1} of about {total}; screen {screened}/{in_screen}")
        information = f"({bits(gain)} bits) " if show_information else ""
        unsure = "; unsure: how far you lean to yes, e.g. 70%" if q.kind == "yes_no" else ""
        shown.add(q.column)
        # a sign a clinician checks: a person interviewing themselves passes it
        exam = (
            "(a clinician's examination; skip if none was done) "
            if q.section == "examination"
            else ""
        )
        allowed = _choices_in_words(q)
        # the yes/no words in full once; after that, short (the audit read the same
        # 80 characters after every question; '?' and a refusal still say them all)
        choices = f"{allowed}{unsure}"
        if q.kind == "yes_no" and told_yes_no not in (None, q.column):
            choices = "yes/no, or a lean such as 70%"
        if q.kind == "yes_no" and told_yes_no is None:
            told_yes_no = q.column  # asked again, it says them in full again
        line = read(f"{exam}{q.prompt} [{choices}] {information}")
        word = "" if line is None else " ".join(line.strip().lower().split())
        if line is not None and word in HELP_WORDS:
            write(
                f"  Answer {allowed}{unsure}; or skip to pass, back to undo the last "
                "answer, quit to stop."
            )
            continue
        if line is None or word in QUIT_WORDS:
            write("Stopped.")
            break
        if word in BACK_WORDS:
            if not history:
                write("  Nothing to undo.")
                continue
            column, answered = history.pop()
            if answered:
                given.pop(column, None)
                d = diagnose(given, network=net)
            else:
                skipped.discard(column)
            write(f"  Undone: {get_question(column, questions).prompt}")
            if answered:
                write(_status(d, top, show_information))
            continue
        if word in SKIP_WORDS or word.replace("’", "'") in DONT_KNOW_WORDS:
            if word not in SKIP_WORDS:
                write(
                    "  Skipped." + (" If you lean one way, say how far (e.g. 70%)." * bool(unsure))
                )
            skipped.add(q.column)
            history.append((q.column, False))
            continue
        answer = as_asked(q, line)
        try:
            state = evidence_state(q, answer)
        except EvidenceError:  # said for this question, without its column name
            write(
                f"  {line.strip()!r} is not an answer to this question: answer {allowed}"
                f"{unsure}; or skip, back or quit.{answer_hint(q, line)}"
            )
            continue
        if state is None:  # "unknown", "na", a 50:50 lean
            write(f"  {line.strip()!r} answers nothing; type skip to pass the question.")
            continue
        try:
            d = diagnose({**given, q.column: answer}, network=net)
        except ImpossibleEvidenceError as exc:  # said without every answer so far
            why = str(exc).partition("}.")[2].strip()
            write(
                "  This answer is impossible together with your earlier answers under "
                f"this network (probability zero).{' ' + why if why else ''} Answer "
                "again, skip, or type back to change an earlier answer."
            )
            continue
        except EvidenceError as exc:
            write(f"  {exc}")
            continue
        given[q.column] = answer
        history.append((q.column, True))
        write(_status(d, top, show_information))
    for text in _closing(d, skipped, shown, top, show_information):
        write(text)
    return d
