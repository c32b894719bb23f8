"""An interactive questionnaire that asks the most informative question next.

After every answer the causes are re-ranked exactly and the next question is the
unanswered one with the highest expected information gain about the causes (see
:meth:`backspasm.diagnosis.Diagnosis.next_questions`). The interview stops when no
question is worth asking (gain below ``min_gain`` bits), when every question has been
answered or skipped, or when the user quits. Input and output are plain callables,
so the same code serves a terminal, a pipe and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backspasm.diagnosis import Diagnosis, diagnose
from backspasm.exceptions import EvidenceError
from backspasm.network import Network, default_network
from backspasm.questionnaire import get_question, parse_answer, questions_for

__all__ = ["interview"]

SKIP_WORDS = ("skip", "s", "?", "")
QUIT_WORDS = ("quit", "q", "exit")


def _status(d: Diagnosis, top: int) -> str:
    causes = ", ".join(
        f"{r.cause} {r.posterior:.0%}" for r in d.causes.head(top).itertuples(index=False)
    )
    flags = f"; red flags: {'; '.join(d.red_flags)}" if d.red_flags else ""
    return f"  -> triage {d.triage} (P serious {d.p_serious:.1%}{flags}); top: {causes}"


def interview(
    read: Callable[[str], str | None],
    write: Callable[[str], Any],
    *,
    network: Network | None = None,
    answers: dict[str, Any] | None = None,
    min_gain: float = 0.01,
    top: int = 3,
    max_questions: int | None = None,
) -> Diagnosis:
    """Ask questions in next-best order until none is worth asking.

    Parameters
    ----------
    read : callable
        Shows a prompt and returns the user's line, or None at end of input.
    write : callable
        Shows one line of text.
    network : Network, optional
        Default: the bundled network.
    answers : dict, optional
        Answers already known; they are not asked again.
    min_gain : float, default 0.01
        Stop when the best remaining question's expected information gain (bits) is
        below this.
    top : int, default 3
        How many causes to show after each answer.
    max_questions : int, optional
        Stop after this many questions.

    Returns
    -------
    Diagnosis
        The diagnosis from the last answers.
    """
    net = network if network is not None else default_network()
    questions = questions_for(net.causes, {c: net.label(c) for c in net.causes})
    given: dict[str, Any] = dict(answers or {})
    skipped: set[str] = set()
    asked = 0
    d = diagnose(given, network=net)
    write("backspasm ask: answer each question; 'skip' to pass, 'quit' to stop.")
    write(_status(d, top))
    while max_questions is None or asked < max_questions:
        ranked = d.next_questions()
        ranked = ranked[~ranked["question"].isin(skipped)]
        if ranked.empty or float(ranked["expected_information_gain"].iloc[0]) < min_gain:
            write("No remaining question is worth asking.")
            break
        q = get_question(str(ranked["question"].iloc[0]), questions)
        gain = float(ranked["expected_information_gain"].iloc[0])
        line = read(f"{q.prompt} [{q.allowed}] ({gain:.2f} bits) ")
        if line is None or line.strip().lower() in QUIT_WORDS:
            write("Stopped.")
            break
        if line.strip().lower() in SKIP_WORDS:
            skipped.add(q.column)
            asked += 1
            continue
        try:
            parse_answer(q, line)
        except EvidenceError as exc:
            write(f"  {exc}")
            continue
        asked += 1
        given[q.column] = line.strip()
        d = diagnose(given, network=net)
        write(_status(d, top))
    write("")
    write(d.summary(top=max(top, 5)))
    return d
