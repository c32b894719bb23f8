"""What the figures write: numbers, answers and titles, wrapped to fit.

Percentages that never read ``0%`` or ``100%`` short of certainty (:func:`percent`,
the one rule :func:`backspasm.diagnose` prints with, :func:`percent_to`,
:func:`percent_sig`), odds ratios to three significant digits
(:func:`odds_ratio`), a case's answers in a few words (:func:`answer_list`,
:func:`answer_phrase`, :func:`describe_answers`), listed (:func:`answer_units`,
joined by :func:`answer_separator`; :func:`named_count`, the one rule of how many a
title names) and the titles made of them (:func:`triage_text`; :func:`case_title` is in
:mod:`._case_answers`, which owns the order of a case's answers,
with :func:`screen_note` while screening questions are unasked), information gains
in bits (:func:`bits`), the prompts of the next questions (:func:`question_prompts`),
wrapped to lines by :mod:`backspasm.figures._wrap`'s functions (re-exported here:
:func:`text_width`, :func:`wrap`, :func:`wrap_all`, :func:`wrap_phrases`,
:func:`fit_lines`, and the width of a title, :func:`title_width`).
Nothing here draws; the colours, type sizes and the slide size are
:mod:`backspasm.figures._style`'s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from backspasm._text import DIVIDED, TIMES, impact_words, lean_words, no_words
from backspasm._text import bits as bits  # re-exported for the figures
from backspasm._text import lower_first as lower_first  # re-exported for the figures
from backspasm._text import odds_ratio as odds_ratio  # re-exported for the figures
from backspasm._text import percent as percent  # one rule: as diagnose writes them
from backspasm._text import percent_to as percent_to  # re-exported for the figures
from backspasm.explain.odds import factor_words
from backspasm.figures._style import network_of, rows

# re-exported for the figures: the triage, screen and conflict lines of a title
from backspasm.figures._triage_words import conflict_note as conflict_note
from backspasm.figures._triage_words import screen_note as screen_note
from backspasm.figures._triage_words import triage_lines as triage_lines
from backspasm.figures._triage_words import triage_text as triage_text
from backspasm.figures._triage_words import unasked_count as unasked_count
from backspasm.figures._triage_words import with_conflict as with_conflict

# re-exported for the figures: wrapping text to lines, and the width of a title
from backspasm.figures._wrap import ACROSS_WIDTH as ACROSS_WIDTH
from backspasm.figures._wrap import TITLE_WIDTH as TITLE_WIDTH
from backspasm.figures._wrap import answers_chars as answers_chars
from backspasm.figures._wrap import fit_lines as fit_lines
from backspasm.figures._wrap import suptitle_width as suptitle_width
from backspasm.figures._wrap import text_width as text_width
from backspasm.figures._wrap import title_width as title_width
from backspasm.figures._wrap import unit_lines as unit_lines
from backspasm.figures._wrap import wrap as wrap
from backspasm.figures._wrap import wrap_all as wrap_all
from backspasm.figures._wrap import wrap_capped as wrap_capped
from backspasm.figures._wrap import wrap_even as wrap_even
from backspasm.figures._wrap import wrap_phrases as wrap_phrases

if TYPE_CHECKING:
    from backspasm.network import Network


# Probabilities and odds ratios


#: What stands between a cause's value and the odds factor of a cause the answers point to.
_FACTOR_GAP = "  "
#: What joins them: the gap, then the factor's sign (``"8.4%  ×8.3"``).
FACTOR_MARK = _FACTOR_GAP + TIMES


def with_factor(value: str, factor: float) -> str:
    """``"8.4%  ×8.3"``: a value, then the odds factor as ``diagnose`` gives it under "why"."""
    return f"{value}{_FACTOR_GAP}{factor_words(factor, TIMES)}"


def percent_sig(p: float, digits: int = 2) -> str:
    """Format a probability to ``digits`` significant digits of it, or of 1 minus it.

    The complement above 50%: ``0.013%``, ``13%``, ``99.90%``, ``99.9990%``. The
    way to tell apart values spread over orders of magnitude near 0 or near 1 (a
    log-odds axis); never ``0%`` or ``100%`` for a value strictly between them.
    """
    p = float(p)
    if p <= 0.0 or p >= 1.0:
        return percent_to(p, 0)
    small = float(f"{min(p, 1.0 - p) * 100.0:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(small)))
    return percent_to(p, min(decimals, 6), most=6)


def impact_said(change: float, posterior_with: float, posterior_without: float) -> str:
    """Say what one answer did to a cause's odds, as the evidence-impact figure does.

    :func:`backspasm._text.impact_words` (``odds ×26.2``, ``odds ×∞: now known``),
    except that a change too small to round away from 1 but not nil reads
    ``odds ×1.00`` (or ``÷1.00``): ``no effect`` is kept for an answer that changes
    nothing (a log-odds change under 1e-9, rounding noise).
    """
    said = impact_words(change, posterior_with, posterior_without)
    if said != "no effect" or abs(change) < 1e-9:
        return said
    return f"odds {TIMES if change > 0 else DIVIDED}{math.exp(abs(change)):.2f}"


def exact_percent(p: float) -> str:
    """Format a tick value as a percentage with as few decimals as show it exactly."""
    value = 100.0 * float(p)
    for d in range(7):
        if abs(round(value, d) - value) < 1e-9 * max(1.0, abs(value)):
            return f"{value:.{d}f}%"
    return f"{value:.6g}%"


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def ratio_ticks(limit: float) -> list[float]:
    """Round odds ratios for an axis reaching ``limit`` either way (natural log).

    ÷2, 1, ×2 within ÷3..×3; on a shorter axis ×1.25 and ×1.5 either way, or the
    largest of ×1.1, ×1.05, ... that it reaches (never 1 alone); ÷10, ÷3, 1, ×3, ×10
    up to about ÷40..×40; on a longer axis only powers of ten, thinned to at most
    three either way so that their labels never run into each other.
    """
    decades = limit / math.log(10.0)
    if limit < math.log(2.0):  # a short axis: ×1.25 and ×1.5, or a smaller ratio
        steps = [r for r in (1.25, 1.5) if math.log(r) <= limit] or [
            next((r for r in (1.1, 1.05, 1.02, 1.01) if math.log(r) <= limit), 1.001)
        ]
        return [1 / r for r in reversed(steps)] + [1.0] + steps
    if limit < math.log(3.0):
        return [1 / 2, 1.0, 2.0]
    if decades < 1.6:
        return [r for r in (1 / 10, 1 / 3, 1.0, 3.0, 10.0) if abs(math.log(r)) <= limit]
    step = next(s for s in (1, 2, 3, 5, 10, 20, 50, 100, 200) if decades // s <= 3)
    reach = int(decades // step)
    return [10.0 ** (k * step) for k in range(-reach, reach + 1)]


def ratio_tick(ratio: float) -> str:
    """``×10``, ``÷3``, ``×1000``, ``×10⁶``: an odds ratio of the top axis."""
    sign, r = (TIMES, ratio) if ratio >= 1 else (DIVIDED, 1.0 / ratio)
    if r <= 1000:
        return f"{sign}{r:g}"
    return f"{sign}10" + str(round(math.log10(r))).translate(_SUPERSCRIPTS)


def ge(text: str) -> str:
    """Write comparison operators as mathematical signs (``>=`` as ``≥``)."""
    return text.replace(">=", "≥").replace("<=", "≤")


# A case's answers and the titles made of them


def _answer_words(question: Any, label: str, value: Any, label_no: str = "") -> str | None:
    from backspasm.exceptions import BackspasmError
    from backspasm.questionnaire import parse_answer

    try:
        state = parse_answer(question, value)
    except BackspasmError:
        return f"{label} {value}"
    if state is None:
        return None
    if question.kind == "number":
        return _number_words(question, label, str(value).strip())
    if isinstance(state, tuple):
        return f"{label} (unsure, {lean_words(float(state[-1]))})"  # as diagnose says it
    if question.kind == "yes_no":
        return label if state == "yes" else no_words(label, label_no)
    if question.column == "sex":
        return str(state)
    return f"{label}: {str(state).replace('_', ' ')}"


def _number_words(question: Any, label: str, value: str) -> str:
    """Say an answer to a number question: ``age 52``, ``spasms for 1 week``.

    A duration (a node labelled ``Duration of ...``, in days, weeks, months or
    years) reads ``spasms for 3 weeks``, ``spasms for under a week`` (an answer of
    0) or, for a band, ``spasms for under 6 weeks (acute)``. Otherwise the unit
    follows a number only, and a band is said with its range (``<label>: acute
    (under 6 weeks)``), unless its name says it (``age 40-64``).
    """
    if question.column == "age":
        return f"age {value}"
    unit = str(question.unit or "")
    # a duration said as a student would: "spasms for 3 weeks", "spasms for under a
    # week" (an answer of 0 to "how long ..., in weeks?"), never "duration of spasms 0 weeks"
    thing = label[len(_DURATION) :] if label.lower().startswith(_DURATION) else None
    if thing and unit in _TIME_UNITS:
        if _is_number(value):
            amount = float(value)
            if amount == 0:
                return f"{thing} for under a {unit[:-1]}"
            if amount == 1:
                return f"{thing} for 1 {unit[:-1]}"
            if unit == "weeks" and 0 < amount < 1:  # 0.14 weeks: "1 day", as it was meant
                days = int(amount * 7 + 0.5)  # half a day up; 6.5 days or more: a week
                if days == 7:
                    return f"{thing} for 1 week"
                return f"{thing} for " + (
                    f"{days} day{'s' * (days != 1)}" if days else "under a day"
                )
            return f"{thing} for {value} {unit}"
        band = next((b for b in question.bins if b[0] == value.lower()), None)
        if band is not None and not any(c.isdigit() for c in band[0]):
            return f"{thing} for {_band_range(question.bins, band, unit)} ({band[0]})"
    if _is_number(value):
        if unit.endswith("s") and value in ("1", "1.0"):
            unit = unit[:-1]
        return f"{label} {value} {unit}".strip()
    band = next((b for b in question.bins if b[0] == value.lower()), None)
    if band is None or any(c.isdigit() for c in band[0]):
        return f"{label}: {value}"
    return f"{label}: {band[0]} ({_band_range(question.bins, band, unit)})"


#: A number question whose node's label starts so, in a unit of time, is a duration:
#: its answer reads "<the rest of the label> for <so long>".
_DURATION = "duration of "
_TIME_UNITS = ("days", "weeks", "months", "years")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _band_range(bins: Sequence[tuple[str, str, float]], band: Any, unit: str) -> str:
    """Say the range of a band: ``under 6 weeks``, ``6 to 12 weeks``, ``over 12 weeks``."""
    at = list(bins).index(band)
    _, op, edge = band
    if op in (">", ">="):
        words = f"{'over' if op == '>' else 'at least'} {edge:g}"
    elif at == 0:
        words = f"{'under' if op == '<' else 'up to'} {edge:g}"
    else:
        words = f"{bins[at - 1][2]:g} to {edge:g}"
    return f"{words} {unit}".strip()


def describe_answers(answers: Mapping[str, Any], network: Network | None = None) -> str:
    """Say a case's answers in a few words, for a figure title.

    Parameters
    ----------
    answers : mapping of str to object
        Column to answer, as given to :func:`backspasm.diagnose` (blank answers and
        the default ``back_spasm = yes`` are left out).
    network : Network, optional
        Gives the questions and the node labels; defaults to the bundled network.

    Returns
    -------
    str
        For example ``"age 39, spasms: flank, blood in urine, no fever"``, or
        ``"no answers yet"``; joined by semicolons when an answer has a comma (see
        :func:`answer_separator`).
    """
    said = answer_list(answers, network)
    return answer_separator(said).join(said) or "no answers yet"


def answer_list(answers: Mapping[str, Any], network: Network | None = None) -> list[str]:
    """Say each answer in a few words (see :func:`describe_answers`), in order.

    Only what enters the evidence: not a lean of 50% ("I don't know", no answer, as
    :func:`backspasm.questionnaire.evidence_state` takes it), nor a question's default
    (``back_spasm = yes``, what every case assumes).
    """
    from backspasm.questionnaire import evidence_state, questions_for

    net = network_of(None, network)
    questions = {q.column: q for q in questions_for(net)}
    words: list[str] = []
    for column, value in answers.items():
        q = questions.get(column)
        if q is None or q.node is None:
            continue
        state = evidence_state(q, value)
        if state is None or state == q.default:
            continue
        said = _answer_words(q, _answer_label(q, net), value, net.label_no(q.node))
        if said:
            words.append(said)
    return words


def _answer_label(question: Any, network: Network) -> str:
    if question.column == "age":
        return "age"
    if question.column == "spasm_location":
        return "spasms"
    return lower_first(network.label(question.node))


def answer_phrase(column: str, value: Any, network: Network | None = None) -> str:
    """Say one answer as the titles do, capitalised (``Fever``, ``Spasms: mid back``).

    For example ``No fever`` or ``Spasms for 1 week``.

    Parameters
    ----------
    column : str
        The question's column (or a node's name, for evidence set on a node).
    value : object
        The answer.
    network : Network, optional
        Gives the questions and the node labels; defaults to the bundled network.
    """
    from backspasm.questionnaire import questions_for

    net = network_of(None, network)
    q = {q.column: q for q in questions_for(net)}.get(column)
    said = None
    if q is not None and q.node is not None:
        said = _answer_words(q, _answer_label(q, net), value, net.label_no(q.node))
    if not said:
        state = str(value).replace("_", " ")
        if column in net.spec.nodes:
            label = net.label(column)
            said = (
                label
                if state == "yes"
                else no_words(label, net.label_no(column))
                if state == "no"
                else f"{label}: {state}"
            )
        else:
            said = f"{column.replace('_', ' ')}: {state}"
    return _upper_first(said)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def by_effect(diagnosis: Any, cause: str | None = None) -> dict[str, Any]:
    """Return a diagnosis's answers, those that moved ``cause`` most first.

    The order of ``diagnosis.reasons(cause)`` (the largest change in the cause's
    log-odds first, as ``backspasm diagnose`` weighs them), ``cause`` defaulting to
    the top cause; answers it does not weigh follow in their own order. Without
    reasons (no answers), the answers as they are.
    """
    answers = dict(getattr(diagnosis, "answers", {}) or {})
    cause = cause or getattr(diagnosis, "top_cause", None)
    if not answers or cause is None or not hasattr(diagnosis, "reasons"):
        return answers
    order = [str(q) for q in diagnosis.reasons(cause)["question"]]
    ranked = {q: answers[q] for q in order if q in answers}
    return {**ranked, **{k: v for k, v in answers.items() if k not in ranked}}


def answer_separator(answers: Sequence[str]) -> str:
    """Return what goes between answers in a list: ``", "``, or ``"; "`` if one has a comma.

    ``fever, no pain below the knee``, but ``fever; psoriasis, bowel or eye
    inflammation``: a comma inside an answer, in a list of commas, reads as the end
    of it. A comma within brackets (``fever (unsure, leaning yes 70%:30%)``) does not.
    """
    bare = [re.sub(r"\([^()]*\)", "", a) for a in answers if not isinstance(a, Person)]
    return "; " if any("," in a for a in bare) else ", "


class Person(str):
    """The person a case is about, in one phrase (``man, 26, lower back, 30 weeks``).

    The first of a list: its commas are its own (they do not make the list's
    separator a semicolon) and a semicolon follows it (see :func:`answer_units`).
    """


def answer_units(head: str, shown: Sequence[str], left: int = 0, more: str = "") -> list[str]:
    """Return ``head`` and the answers, each with its separator, as units of a list.

    Joined by :func:`answer_separator`; ``left`` answers not shown are counted at the
    end (``... and 12 more``, then ``more``, say what they are), after a semicolon
    too in a list of semicolons. The units are for :func:`wrap_phrases` or
    :func:`fit_lines`; ``"".join(...)`` is the list on one line.
    """
    sep = answer_separator(shown)
    seps = [sep] * len(shown)
    if shown and isinstance(shown[0], Person):  # "man, 26, lower back; fever, ..."
        seps[0] = "; " if len(shown) > 1 or "," in shown[0] else sep
    last = list(shown[-1:])
    if left and last:  # the count goes with the last answer: never a line of its own
        semi = seps[-1] == "; "  # "...; and 3 more", not "man, 26 and 3 more"
        last[-1] += ";" * semi + f" and {left} more" + f" {more}" * bool(more)
    return [
        u for u in [head, *(a + s for a, s in zip(shown[:-1], seps, strict=False)), *last] if u
    ]


#: The lines a title's head and the answers it names take (see :func:`named_count`).
ANSWER_LINES = 2
#: The share of the first of them a title's head is counted as, whatever its length.
HEAD_SHARE = 1 / 3


def named_count(
    answers: Sequence[str], chars: int, *, lines: int = ANSWER_LINES, headed: bool = True
) -> int:
    """Return how many of ``answers`` (the first) a title names; the others it counts.

    The one rule of every title that lists a case's answers: as many as fit, with the
    count of the others (``and 12 more``), on ``lines`` lines of ``chars`` characters
    after a head (if ``headed``) of :data:`HEAD_SHARE` of a line, broken between
    answers only. The title's own head is not measured, so that the titles of
    different heads drawn at one width name the same answers; at least one.
    """
    head = "x" * int(HEAD_SHARE * chars) + " " if headed else ""
    for keep in range(len(answers), 0, -1):
        units = answer_units(head, answers[:keep], len(answers) - keep)
        if wrap_phrases(units, chars, fill=0.0).count("\n") < lines:
            return keep
    return min(1, len(answers))


def answers_heading(
    head: str,
    answers: Sequence[str],
    width: int,
    *,
    chars: int | None = None,
    lines: int = ANSWER_LINES,
    fill: float = 0.6,
    more: str = "",
) -> str:
    """Return ``head`` and the answers, wrapped (see :func:`wrap_phrases`) to ``width``.

    The first :func:`named_count` answers (at ``chars``, default ``width``, on
    ``lines`` lines, after ``head`` if there is one), the others counted: ``..., no
    fever and 12 more`` and ``more``, which says what they are.
    """
    said = list(answers) or ["no answers yet"]
    keep = named_count(said, chars or width, lines=lines, headed=bool(head))
    units = answer_units(head, said[:keep], len(said) - keep, more)
    return wrap_phrases(units, width, fill=fill)


#: The widths (characters) a column of question prompts may take, narrowest first.
PROMPT_WIDTHS = (44, 48, 52, 56, 60)
#: The line spacing of a prompt wrapped to lines (a little closer than the default).
PROMPT_SPACING = 1.05


def question_prompts(table: Any) -> list[str]:
    """Return the prompt of each question of a ``next_questions`` table, as asked.

    A question of the clinician's examination is said so (``(clinician's exam) ...``);
    one without a prompt is named by its column.
    """
    return [
        ("(clinician's exam) " if bool(getattr(r, "examination", False)) else "")
        + str(getattr(r, "prompt", "") or r.question)
        for r in rows(table)
    ]


def whole_or_named(table: Any, wrapped: Sequence[str], network: Any, width: int) -> list[str]:
    """Return the wrapped prompts, or, if any was cut short (``…``), every question's name.

    A narrow figure has no room for a long prompt whole; cut mid-sentence ("or been
    unable to pass…") it does not say what was asked, so the questions are named
    instead, by their nodes' labels (``Bowel or bladder loss``), wrapped to ``width``
    characters: all of them, since a column of rows mixing whole questions with short
    names reads as two kinds of row.
    """
    if not any("…" in text for text in wrapped):
        return list(wrapped)
    said = []
    for r in rows(table):
        node = str(getattr(r, "node", "") or "")
        said.append(
            wrap(network.label(node) if node in network.node_names else str(r.question), width)
        )
    return said
