"""The safety net: the red-flag questions that should bring a person sent home back."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from backspasm._numeric import BoolArray, IntArray, answered, lean_of
from backspasm.spec import BINARY_STATES, TriageFlag
from backspasm.triage.matching import matches, soft_leans
from backspasm.triage.policy import policy_of, screen_nodes

if TYPE_CHECKING:
    from backspasm.network import Network
    from backspasm.questionnaire import Question

__all__ = [
    "GAIN_RANK",
    "SAFETY_NET_HEADING",
    "SCREEN_NOT_FINISHED",
    "closed_screen",
    "emergency_nodes",
    "interview_rank",
    "level_so_far",
    "paired_screen_nodes",
    "safety_net",
    "screen_questions",
    "self_care_unscreened",
    "unanswered_screen",
]

#: What the safety net asks of the person, by triage level (the line above its list in
#: ``diagnose``, ``ask`` and the widget). Someone sent to the emergency department has none.
SAFETY_NET_HEADING: dict[str, str] = {
    "self_care": "come back, or get help, if anything below happens:",
    "see_doctor": "until you see the doctor, watch for these warning signs:",
}


def emergency_nodes(network: Network) -> frozenset[str]:
    """Return the nodes whose ``yes`` alone makes a case an emergency (saddle numbness...).

    The safety net and the interview put their questions first: they are the most
    time-critical, and a person may stop answering early.
    """
    flags = [dict(f.when) for f in policy_of(network).flags if f.level == "emergency"]
    return frozenset(node for when in flags for node in when if when == {node: "yes"})


def paired_screen_nodes(network: Network) -> frozenset[str]:
    """Return the screening nodes that only flags of two or more answers name.

    Their questions can set a level only with another answer (the thyroid question
    with tingling around the mouth, pain below the knee with a cancer history, the
    features a referral flag counts with age and duration), so an interview asks
    them after the rest of the screen, and they leave it once the other answers
    decide their flags (:func:`closed_screen`). A warning sign (a red-flag question)
    is screened for itself and is never one of them.
    """
    from backspasm.questionnaire import questions_for

    signs = {q.node for q in questions_for(network) if q.red_flag}
    named = [flag.holds_on for flag in policy_of(network).flags]  # a new dict each time
    return frozenset(
        node
        for node in screen_nodes(network) - signs
        if all(len(holds_on) > 1 for holds_on in named if node in holds_on)
    )


def closed_screen(
    network: Network, values: Mapping[str, npt.NDArray[Any]], n: int
) -> dict[str, BoolArray]:
    """Per screening node, the cases whose other answers already rule out its flags.

    A question that a triage flag names is screened because its answer could set a
    level. A flag of two answers (tingling after a thyroid operation, pain below the
    knee with a cancer history) cannot match once its other answer is given
    otherwise, nor once an unsure answer leans the other way, as
    :func:`~backspasm.triage.matching.matches` counts it: for a person without
    tingling, the thyroid question can no longer change the advice. A flag that
    counts answers (``at_least`` of ``of``) is decided without a counted answer once
    the others can no longer reach the count, or have reached it already: for a
    person of 50, or one who has denied three of NICE's six referral features, the
    other features no longer change the advice. A node is closed for a case when
    every flag that names it is decided so; a node that a flag names alone (age 65
    or over) never closes, nor does a warning sign (a red-flag question: tingling
    around the mouth is screened for itself). Only nodes closed for some case are
    returned.

    Parameters
    ----------
    network : Network
    values : mapping of str to numpy.ndarray
        Per node, codes ``(n,)`` (``-1`` = unanswered) or likelihoods ``(n, card)``.
    n : int
        The number of cases.
    """
    policy = policy_of(network)
    soft = soft_leans(policy, values)
    held: dict[tuple[str, str], BoolArray] = {}

    def holds(node: str, state: str) -> BoolArray:
        """Cases whose answer to ``node`` holds ``state`` (an unsure one by its lean)."""
        if (node, state) not in held:
            held[node, state] = matches({node: state}, values, network, n, soft)
        return held[node, state]

    def ruled_out(node: str, state: str) -> BoolArray:
        """Cases that answered ``node`` and whose answer does not hold ``state``."""
        given = values.get(node)
        if given is None:
            return np.zeros(n, dtype=bool)
        return answered(np.asarray(given)) & ~holds(node, state)

    def decided_without(flag: TriageFlag, node: str) -> BoolArray:
        """Cases whose other answers decide ``flag`` whatever ``node``'s answer is."""
        out = np.zeros(n, dtype=bool)
        for other, state in flag.when.items():
            if other != node:
                out |= ruled_out(other, state)
        if flag.of:
            rest = {k: v for k, v in flag.of.items() if k != node}
            denied = sum((ruled_out(k, v).astype(np.int64) for k, v in rest.items()), start=0)
            need = flag.at_least - (node in flag.of)
            out |= len(rest) - np.asarray(denied) < need  # the count is out of reach
            if node in flag.of:  # or reached without this answer
                met = sum((holds(k, v).astype(np.int64) for k, v in rest.items()), start=0)
                out |= np.asarray(met) >= flag.at_least
        return out

    closed: dict[str, BoolArray] = {}
    named = [(flag, flag.holds_on) for flag in policy.flags]  # a new dict each time
    for node in sorted(paired_screen_nodes(network)):
        shut = np.ones(n, dtype=bool)
        for flag, holds_on in named:
            if node in holds_on:
                shut &= decided_without(flag, node)
        if shut.any():
            closed[node] = shut
    return closed


def screen_questions(network: Network, closed: Collection[str] = ()) -> tuple[Question, ...]:
    """Return the screening questions, those whose yes alone is an emergency first.

    Every warning sign (a red-flag question) and every question a triage flag names
    (:func:`backspasm.triage.screen_nodes`) but those whose nodes are in ``closed``
    (:func:`closed_screen`), in questionnaire order otherwise.
    """
    from backspasm.questionnaire import questions_for

    nodes, urgent = screen_nodes(network) - set(closed), emergency_nodes(network)
    known = set(network.node_names)
    asked = [
        q for q in questions_for(network) if q.node in known and (q.red_flag or q.node in nodes)
    ]
    return tuple(sorted(asked, key=lambda q: q.node not in urgent))


def unanswered_screen(
    network: Network,
    values: Mapping[str, npt.NDArray[Any]],
    n: int,
    closed: Mapping[str, BoolArray] | None = None,
) -> IntArray:
    """Per case, how many of its screening questions it left unanswered.

    The count of :attr:`Diagnosis.unscreened <backspasm.diagnosis.Diagnosis.unscreened>`
    for every case at once: the questions of :func:`screen_questions` whose node has no
    answer, less those the case's other answers have closed (:func:`closed_screen`).
    0 means the whole screen was answered; above 0, a ``self_care`` level means only
    that no warning sign has been found yet.

    Parameters
    ----------
    network : Network
    values : mapping of str to numpy.ndarray
        Per node, codes ``(n,)`` (``-1`` = unanswered) or likelihoods ``(n, card)``;
        a node left out is unanswered by every case.
    n : int
        The number of cases.
    closed : mapping of str to numpy.ndarray of bool, optional
        :func:`closed_screen` of the same cases, when already computed.
    """
    shut = closed_screen(network, values, n) if closed is None else closed
    count = np.zeros(n, dtype=np.int64)
    for node in (q.node for q in screen_questions(network)):
        assert node is not None, "a screening question informs a node of the network"
        given = values.get(node)
        unasked = np.ones(n, dtype=bool) if given is None else ~answered(np.asarray(given))
        ruled_out = shut.get(node)
        count += unasked if ruled_out is None else unasked & ~ruled_out
    return count


def self_care_unscreened(triage: npt.ArrayLike, screen_unanswered: npt.ArrayLike) -> BoolArray:
    """Return the cases triaged ``self_care`` that left screening questions unanswered.

    For them ``self_care`` means only that no warning sign was found yet (``diagnose``
    says "no warning sign yet"). ``screen_unanswered`` as :func:`unanswered_screen`
    counts it (NaN, for a case not scored, is not above 0). One case gives a 0-d array
    that reads as a bool: ``ask``, ``diagnose``, :attr:`Diagnosis.advice` and the widget
    test their case with it, ``score`` and the case-mix figure their columns.
    """
    left = np.asarray(screen_unanswered, dtype=np.float64)
    return np.asarray(np.asarray(triage, dtype=object) == "self_care") & (left > 0)


#: Said after ``self_care`` while screening questions are unanswered
#: (:func:`self_care_unscreened`): the level so far, not a verdict of self care, since
#: a person may stop there. ``ask``, ``diagnose`` and the widget say it.
SCREEN_NOT_FINISHED = "so far, screen not finished"


def level_so_far(triage: str, screen_unanswered: int) -> str:
    """Name one case's level as ``ask`` and ``diagnose`` print it.

    ``"self_care so far, screen not finished"`` while its screen is open (see
    :data:`SCREEN_NOT_FINISHED`), else the level itself.
    """
    if self_care_unscreened(triage, screen_unanswered):
        return f"{triage} {SCREEN_NOT_FINISHED}"
    return triage


#: The last :func:`interview_rank`: the questions outside the screen, asked by
#: information gain (a screening question whose flags can no longer match joins them).
GAIN_RANK = 3


def interview_rank(
    network: Network,
    questions: Iterable[tuple[str, str | None]],
    closed: Collection[str] = (),
) -> list[int]:
    """Rank ``(column, node)`` questions for an interview: 0 asks first, 3 last.

    0: a warning sign whose yes alone is an emergency (saddle numbness, loss of
    bladder control); 1: any other screening question (a warning sign, that is a
    red-flag question, or a question a triage flag names alone,
    :func:`~backspasm.triage.screen_nodes`) of the history; 2: a screening question
    that sets a level only with another answer (:func:`paired_screen_nodes`), asked
    once the answers that may close it are in, unless its node is in ``closed`` (the
    case's other answers rule out every flag that names it, :func:`closed_screen`),
    and a screening sign of the examination (Murphy's sign), after the history as a
    clinician takes them; 3: the rest, asked by information gain. ``ask``,
    :meth:`Diagnosis.next_questions <backspasm.diagnosis.Diagnosis.next_questions>`
    (``order="interview"``) and a
    scored file's ``next_question`` follow it.
    """
    from backspasm.questionnaire import questions_for

    asked = questions_for(network)
    flagged = {q.column for q in asked if q.red_flag}
    examined = {q.column for q in asked if q.section == "examination"}
    screen, urgent = screen_nodes(network) - set(closed), emergency_nodes(network)
    paired = paired_screen_nodes(network)
    ranks = []
    for column, node in questions:
        if column in flagged or node in screen:
            later = node in paired or column in examined
            ranks.append(0 if node in urgent else 2 if later else 1)
        else:
            ranks.append(GAIN_RANK)
    return ranks


def safety_net(
    network: Network,
    evidence: Mapping[str, Any] | None = None,
    questions: tuple[Question, ...] | None = None,
    *,
    level: str = "self_care",
) -> tuple[str, ...]:
    """Return the red-flag questions that should bring a person back, in plain words.

    One sentence per red-flag question (:attr:`backspasm.questionnaire.Question.red_flag`)
    of the network: the policy's ``safety_net`` sentence for it, or one built from the
    question's prompt and the urgency of its flags. A denied history (a ``no`` to an
    exposure question, such as a past cancer) cannot newly appear and is left out, as
    is a symptom already answered yes; every other symptom stays, since any of them may
    still come on, and so does an exposure answered yes, whose sentence says what to
    watch for with it (a fever after a spinal procedure, a fall at 65 or over).

    The questions whose yes alone is an emergency (saddle numbness, loss of bladder
    control) come first. A person told to see a doctor gets the questions that can
    make the case an emergency (NICE CG75 asks that a person with cancer and spinal
    pain be told to seek help at once on new weakness, numbness or bladder trouble);
    one sent to the emergency department gets none.

    Parameters
    ----------
    network : Network
    evidence : mapping, optional
        Node to answered state (as in :attr:`backspasm.diagnosis.Diagnosis.evidence`).
    questions : tuple of Question, optional
        Default: the network's questionnaire.
    level : str, default "self_care"
        The triage level of the case: ``self_care``, ``see_doctor`` or ``emergency``.

    Returns
    -------
    tuple of str
    """
    from backspasm.questionnaire import questions_for

    if level not in SAFETY_NET_HEADING:
        return ()
    policy = policy_of(network)
    evidence = evidence or {}
    if questions is None:
        questions = questions_for(network)
    nodes = network.spec.nodes
    alone = emergency_nodes(network)
    escalates = {n for f in policy.flags if f.level == "emergency" for n in f.when}
    out: list[tuple[bool, str]] = []
    for q in questions:
        if not q.red_flag or q.node is None or q.node not in nodes:
            continue
        if level == "see_doctor" and q.node not in escalates:
            continue
        answer = _leaning(evidence.get(q.node))
        if q.section == "exposure" and answer == "no":
            continue
        if q.section != "exposure" and answer == "yes":
            continue  # a symptom already there (or leant to) cannot bring them back

        sentence = policy.safety_net.get(q.column) or policy.safety_net.get(q.node)
        if sentence is None:
            action = "Go to an emergency department at once" if q.node in alone else "See a doctor"
            sentence = f'{action} if your answer to "{q.prompt}" becomes yes.'
        if level == "see_doctor" and "emergency department" not in sentence.lower():
            continue  # "see a doctor if ..." tells nothing to someone told to see one
        out.append((q.node not in alone, sentence))
    return tuple(sentence for _, sentence in sorted(out, key=lambda item: item[0]))


def _leaning(value: Any) -> Any:
    """Return an unsure yes/no answer as the state it leans to (as triage counts it)."""
    if isinstance(value, tuple) and len(value) == 2:
        lean = lean_of(value)
        return None if lean is None else BINARY_STATES[lean]
    return value
