"""Which answers match a flag or a rule, and the words that name them, per case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from backspasm._numeric import LEAN_HOLDS, BoolArray, FloatArray
from backspasm._text import percent as said_percent
from backspasm._text import rule_limit
from backspasm.spec import TriageCauseRule, TriageFlag, TriagePolicy

if TYPE_CHECKING:
    from backspasm.network import Network

__all__ = [
    "BoolArray",
    "FloatArray",
    "Text",
    "answer_words",
    "fires",
    "flag_holds",
    "flag_words",
    "matches",
    "percent",
    "rule_words",
    "soft_leans",
]


def soft_leans(
    policy: TriagePolicy, values: Mapping[str, npt.NDArray[Any]]
) -> dict[str, FloatArray]:
    """Each unsure answer that a flag or a rule names, as normalised likelihoods.

    A red flag screens what the person reports, so an unsure answer counts by how it
    leans (``fever=0.7`` leans yes), not by the posterior: a rare finding answered
    "probably yes" stays rare in the posterior, yet is the report the flag is for.
    """
    named = {node for flag in policy.flags for node in flag.answers}
    named |= {node for rule in policy.causes for node in rule.when}
    leans: dict[str, FloatArray] = {}
    for node in named:
        given = values.get(node)
        if given is not None and np.asarray(given).ndim == 2:
            weights = np.asarray(given, dtype=np.float64)
            leans[node] = weights / weights.sum(axis=1, keepdims=True)
    return leans


def matches(
    when: Mapping[str, str],
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
    n: int,
    soft: Mapping[str, FloatArray],
) -> BoolArray:
    """Cases whose answers satisfy every ``node = state`` pair of ``when``.

    A hard answer holds when it is that state; an unsure answer when it leans to
    that state (``saddle_numbness=0.8`` holds for "yes", ``0.5`` for neither).
    """
    match = np.ones(n, dtype=bool)
    for node, state in when.items():
        code = network.states(node).index(state)
        if node in soft:
            match &= soft[node][:, code] > LEAN_HOLDS  # as lean_of counts a lean
            continue
        values_of = values.get(node)
        if values_of is None:
            return np.zeros(n, dtype=bool)
        match &= values_of == code
    return match


def flag_holds(
    flag: TriageFlag,
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
    n: int,
    soft: Mapping[str, FloatArray],
) -> BoolArray:
    """Cases a flag applies to: its ``when`` :func:`matches` and no ``unless`` answer does.

    An ``unless`` answer counts as a ``when`` answer does (an unsure one by its lean);
    left unanswered, it does not take the flag away. A flag with a count needs at
    least ``at_least`` of its ``of`` answers to hold as well (unanswered: not held).
    """
    hold = matches(flag.when, values, network, n, soft)
    if flag.of:
        held = np.zeros(n, dtype=np.int64)
        for node, state in flag.of.items():
            held += matches({node: state}, values, network, n, soft)
        hold &= held >= flag.at_least
    for node, state in flag.unless.items():
        if node in values:
            hold &= ~matches({node: state}, values, network, n, soft)
    return hold


def fires(
    rule: TriageCauseRule,
    p: FloatArray,
    values: Mapping[str, npt.NDArray[Any]],
    network: Network,
    soft: Mapping[str, FloatArray],
) -> BoolArray:
    """Return the cases where a rule fires: ``P(cause) >= p`` and its ``when`` :func:`matches`."""
    p = np.nan_to_num(np.asarray(p, dtype=np.float64))
    return (p >= rule.p) & matches(rule.when, values, network, len(p), soft)


def answer_words(node: str, state: str, soft: Mapping[str, FloatArray]) -> str:
    """Return ``"fever=yes"``, or ``"fever=yes (unsure answer)"`` for a soft one."""
    return f"{node}={state}" + (" (unsure answer)" if node in soft else "")


def flag_words(flag: TriageFlag, on_sure: BoolArray) -> npt.NDArray[np.object_]:
    """Return a flag's reason per case: its name, ``"... (unsure answer)"`` where one counts.

    A flag's name is the reason triage gives, for a person and a clinician alike
    (``"saddle numbness (a warning sign of cauda equina syndrome)"``). It is marked
    unsure, as in a cause rule's words, for the cases where the flag does not hold
    on the sure answers alone (``on_sure``, :func:`flag_holds` without the unsure
    answers): an unsure answer among four counted features that the other three
    had met is not what set it.
    """
    return np.where(on_sure, flag.name, flag.name + " (unsure answer)").astype(object)


class Text:
    """Per-case ``"; "``-joined red-flag text, built column-wise (no loop over cases).

    Each piece has a key; a case gets a piece at most once per key (so an answer named
    by two flags, or by a flag and as a driver, appears once).
    """

    def __init__(self, n: int) -> None:
        self.text: npt.NDArray[np.object_] = np.full(n, "", dtype=object)
        self._seen: dict[str, BoolArray] = {}

    def add(self, mask: BoolArray, piece: str | npt.NDArray[np.object_], key: str) -> None:
        """Append ``piece`` (one text, or one per case) to the cases of ``mask``, once per key."""
        seen = self._seen.get(key)
        new = mask if seen is None else mask & ~seen
        if not new.any():
            return
        self._seen[key] = new if seen is None else seen | new
        words = piece[new] if isinstance(piece, np.ndarray) else piece
        current = self.text[new]
        self.text[new] = np.where(current == "", words, current + "; " + words)


def rule_words(
    rule: TriageCauseRule,
    p: FloatArray,
    fire: BoolArray,
    network: Network,
    soft: Mapping[str, FloatArray],
) -> npt.NDArray[np.object_]:
    """Return ``"Kidney stones 77.1% (>= 50%)"`` for the cases where a cause rule fired.

    The answers the rule asks for are said as :func:`answer_words` says them: ``with
    fever=yes (unsure answer)`` when the answer only leans that way.
    """
    asked = "".join(f" with {answer_words(k, v, soft)}" for k, v in rule.when.items())
    limit = rule_limit(rule.p, asked)
    return np.asarray(network.label(rule.cause) + " " + percent(p, fire) + limit, dtype=object)


def percent(p: FloatArray, mask: BoolArray) -> npt.NDArray[np.object_]:
    """Return ``"49.2%"`` for the cases of ``mask``, "" elsewhere (each value formatted once).

    The one rule for a probability shown to people (:func:`backspasm._text.percent`,
    as :func:`backspasm.diagnose`, the figures and the widget write it): one
    decimal, two significant digits below one in a thousand, and never ``0%`` or
    ``100%`` for a probability strictly between them (``99.98%``).
    """
    out: npt.NDArray[np.object_] = np.full(len(p), "", dtype=object)
    values, index = np.unique(np.nan_to_num(p[mask]), return_inverse=True)
    names = np.asarray([said_percent(v) for v in values], dtype=object)
    out[mask] = names[index.reshape(-1)]
    return out
