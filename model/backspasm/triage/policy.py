"""The triage policy of a network: its own ``[triage]`` table, or the bundled one's rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from backspasm._text import answer_words
from backspasm.spec import TRIAGE_LEVELS, TriagePolicy
from backspasm.spec.borrowed import borrow_policy
from backspasm.spec.reader import bundled_policy

if TYPE_CHECKING:
    from backspasm.network import Network

__all__ = [
    "EMERGENCY_HOLDS",
    "TRIAGE_ADVICE",
    "TRIAGE_LEVELS",
    "policy_of",
    "screen_nodes",
    "timeframe_words",
    "triage_advice",
    "triage_reason_text",
    "triage_reason_words",
]

#: What each level asks the person to do, in plain words (``diagnose``, ``ask`` and the
#: widget say them through :func:`triage_advice`). Staying active is the self-care
#: advice of the guidelines the policy reads (NICE NG59, Chou07). The ``see_doctor`` words end in
#: "soon", which a timeframe replaces: "see a doctor within 24 hours".
TRIAGE_ADVICE: Mapping[str, str] = {
    "emergency": "go to an emergency department now",
    "see_doctor": "see a doctor soon",
    "self_care": (
        "look after yourself at home, keeping as active as you can (most back pain "
        "settles within a few weeks), and come back if a warning sign appears"
    ),
}

#: Said right after an emergency's reasons and before any cause is listed, in
#: ``diagnose``, ``ask``, the notebook's table and the widget: the likeliest cause of an
#: emergency set by a red flag (saddle numbness) is often a harmless one, and a list
#: headed "most likely: muscle strain" after "go now" read as reassurance.
EMERGENCY_HOLDS = "This emergency stands, whatever the most likely cause."


def triage_reason_words(network: Network, reasons: Iterable[str]) -> tuple[str, ...]:
    """Say what set a triage level in words for a person: the one wording of every view.

    Every level is said in one style, each reason starting with a capital letter:
    a flag by its name, which says the answers and what they may mean (``Age 65 or
    over (a higher risk of fracture and cancer)``, ``Saddle numbness (a warning sign
    of cauda equina syndrome)``); a cause rule by the cause's probability and the
    threshold it reached (``Kidney stones 64.9% (>= 20% with fever (unsure))``, one
    rule per cause); a group threshold likewise (``Any serious cause 11.4% (>= 5%)``);
    and an answer that drove an emergency, written ``node=state`` by triage (the
    form of a scored file's ``red_flags`` column), by its label (``Blood in urine``,
    ``Location of spasms: flank``, a denial ``No fever``). A label shortened for a
    figure's width (``IV drug use / immunosuppr.``) is said by the first sentence of
    the node's description instead (``Injecting drugs, or a weakened immune
    system``). Text already in words is returned unchanged, so saying it twice
    changes nothing. :attr:`Diagnosis.triage_reasons
    <backspasm.diagnosis.Diagnosis.triage_reasons>` holds these words, and
    ``diagnose``, ``ask``, the JSON, the notebook's table, the widget and the figures
    show them.

    Parameters
    ----------
    network : Network
        Whose labels name the answers.
    reasons : iterable of str
        One reason each, as :func:`~backspasm.triage.triage_explained` joins them.

    Returns
    -------
    tuple of str
    """
    label = _unabbreviated(network)
    said = (answer_words(r, label, network.spec.nodes, network.label_no) for r in reasons)
    return tuple(_sentence(words) for words in said)


def triage_reason_text(network: Network, reasons: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Say each case's triage reasons in words, ``"; "``-joined (a scored file's column).

    ``reasons`` holds one :func:`~backspasm.triage.triage_explained` text per case;
    each comes back as :attr:`Diagnosis.triage_reasons
    <backspasm.diagnosis.Diagnosis.triage_reasons>` says it, joined by ``"; "``
    ("" for none). Each distinct text is worded once, however many cases share it.
    """
    raw = np.asarray(reasons, dtype=object).astype(str)
    distinct, index = np.unique(raw, return_inverse=True)
    said = [
        "; ".join(triage_reason_words(network, (s for s in text.split("; ") if s)))
        for text in distinct
    ]
    return np.asarray(said, dtype=object)[index.reshape(-1)]


#: A label shortened to fit a figure: a full stop, a slash or a comparison sign in it
#: (``IV drug use / immunosuppr.``, ``Morning stiffness > 30 min``).
_SHORTENED = re.compile(r"[./<>]")
#: The longest first sentence of a description that may stand for a shortened label.
_LONGEST_WORDS = 80


def _unabbreviated(network: Network) -> Callable[[str], str]:
    """Return a function saying a node by its label, or in full if the label is shortened.

    A shortened label is said by the first sentence of the node's description, without
    its parentheses and final full stop (``Injecting drugs, or a weakened immune
    system``), or, when that sentence is longer than a reason should be, by the node's
    name in words (``Spondylolysis or spondylolisthesis``).
    """

    def label(node: str) -> str:
        text = network.label(node)
        if not _SHORTENED.search(text):
            return text
        first = network.spec.nodes[node].description.split(". ")[0]
        first = re.sub(r"\s*\([^)]*\)", "", first).strip().rstrip(".").strip()
        if 0 < len(first) <= _LONGEST_WORDS:
            return first
        return _sentence(node.replace("_", " "))

    return label


def _sentence(text: str) -> str:
    """Start a reason with a capital letter (``age 65 or over`` -> ``Age 65 or over``)."""
    return text[:1].upper() + text[1:]


def timeframe_words(hours: float) -> str:
    """Say a timeframe in plain words: ``"within 24 hours"``, ``"within 2 days"``...

    Whole weeks from a week on and whole days from two days on are said in weeks and
    days (168: ``"within a week"``, 48: ``"within 2 days"``); anything else in hours
    (24: ``"within 24 hours"``, 36: ``"within 36 hours"``), or in minutes below an
    hour (0.5: ``"within 30 minutes"``).

    Parameters
    ----------
    hours : float
        Positive and finite (the policy's ``within_hours``).

    Returns
    -------
    str
    """
    if hours < 1:
        minutes = max(1, round(hours * 60))
        return "within a minute" if minutes == 1 else f"within {minutes} minutes"
    if hours % 168 == 0:
        unit, count = "week", hours / 168
    elif hours % 24 == 0 and hours >= 48:
        unit, count = "day", hours / 24
    else:
        unit, count = "hour", hours
    amount = f"{count:.2f}".rstrip("0").rstrip(".")
    if amount == "1":
        return f"within an {unit}" if unit == "hour" else f"within a {unit}"
    return f"within {amount} {unit}s"


def triage_advice(level: str, within_hours: float | None = None) -> str:
    """Say what a level asks the person to do, with its timeframe when it has one.

    The words of :data:`TRIAGE_ADVICE`; for ``see_doctor`` with a timeframe,
    :func:`timeframe_words` in place of "soon" (``"see a doctor within 24 hours"``).
    An unknown level is returned as it is.

    Parameters
    ----------
    level : str
        ``emergency``, ``see_doctor`` or ``self_care``.
    within_hours : float, optional
        How soon, in hours (see :attr:`backspasm.diagnosis.Diagnosis.triage_within_hours`);
        ignored for the other levels.

    Returns
    -------
    str
    """
    words = TRIAGE_ADVICE.get(level, level)
    if level != "see_doctor" or within_hours is None:
        return words
    return words.removesuffix(" soon") + " " + timeframe_words(within_hours)


def policy_of(network: Network) -> TriagePolicy:
    """Return the network's triage policy.

    A knowledge base without a ``[triage]`` table borrows the bundled policy's
    thresholds and those of its cause rules, flags and safety-net sentences whose
    nodes and states the network has (:func:`~backspasm.spec.borrowed.borrow_policy`,
    which ``backspasm check`` reports from too).
    """
    if network.spec.triage is not None:
        return network.spec.triage
    bundled = bundled_policy()
    assert bundled is not None, "the bundled knowledge base declares a triage policy"
    return borrow_policy(bundled, network.spec.nodes).policy


def screen_nodes(network: Network) -> frozenset[str]:
    """Return the nodes whose answers can set a triage level or its reasons.

    Every node a triage flag names (``when``, and the answers a flag counts, ``of``):
    cauda equina signs, fever, a cancer history, Murphy's sign, age 65 or over, pain
    in the middle of the back, a long duration, NICE's referral features of
    spondyloarthritis... An interview asks these, with the red-flag questions, before
    it may conclude, since an answer left unasked could change the advice.
    """
    return frozenset(node for flag in policy_of(network).flags for node in flag.holds_on)
