"""The safety net: the red-flag questions that should bring a person sent home back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backspasm.triage.policy import policy_of

if TYPE_CHECKING:
    from backspasm.network import Network
    from backspasm.questionnaire import Question

__all__ = ["safety_net"]


def safety_net(
    network: Network,
    evidence: Mapping[str, Any] | None = None,
    questions: tuple[Question, ...] | None = None,
) -> tuple[str, ...]:
    """Return the red-flag questions that should bring a person sent home back, in plain words.

    One sentence per red-flag question (:attr:`backspasm.questionnaire.Question.red_flag`)
    of the network: the policy's ``safety_net`` sentence for it, or one built from the
    question's prompt and the urgency of its flags. A denied history (a ``no`` to an
    exposure question, such as a past cancer) cannot newly appear and is left out, as
    is a symptom already answered yes; every other symptom stays, since any of them may
    still come on, and so does an exposure answered yes, whose sentence says what to
    watch for with it (a fever after a spinal procedure, a fall at 65 or over).

    Parameters
    ----------
    network : Network
    evidence : mapping, optional
        Node to answered state (as in :attr:`backspasm.diagnosis.Diagnosis.evidence`).
    questions : tuple of Question, optional
        Default: the network's questionnaire.

    Returns
    -------
    tuple of str
    """
    from backspasm.questionnaire import questions_for

    policy = policy_of(network)
    evidence = evidence or {}
    if questions is None:
        questions = questions_for(network)
    nodes = network.spec.nodes
    out: list[str] = []
    for q in questions:
        if not q.red_flag or q.node is None or q.node not in nodes:
            continue
        if q.section == "exposure" and evidence.get(q.node) == "no":
            continue
        if q.section != "exposure" and evidence.get(q.node) == "yes":
            continue  # a symptom already there cannot bring them back

        sentence = policy.safety_net.get(q.column) or policy.safety_net.get(q.node)
        if sentence is None:
            urgent = any(
                f.level == "emergency" and dict(f.when) == {q.node: "yes"} for f in policy.flags
            )
            action = "Go to an emergency department at once" if urgent else "See a doctor"
            sentence = f'{action} if your answer to "{q.prompt}" becomes yes.'
        out.append(sentence)
    return tuple(out)
