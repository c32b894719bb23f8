"""Small text helpers: "did you mean", the key names are compared in, and percentages."""

from __future__ import annotations

import difflib
import functools
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Container, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from backspasm._numeric import lean_of

__all__ = [
    "RULE_REASON",
    "answer_words",
    "bits",
    "cap_list",
    "close_match",
    "closest",
    "column_key",
    "did_you_mean",
    "impact_words",
    "lean_words",
    "lower_first",
    "no_words",
    "odds_ratio",
    "percent",
    "percent_to",
    "rate",
    "reason_for_person",
    "rule_limit",
    "show_cell",
]


def did_you_mean(value: object, choices: Iterable[object], *, cutoff: float = 0.6) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``.

    Parameters
    ----------
    value : object
        What the user wrote.
    choices : iterable
        What would have been allowed.
    cutoff : float, default 0.6
        Similarity below which no suggestion is made (see :mod:`difflib`).
    """
    close = closest(value, choices, cutoff=cutoff)
    return f" Did you mean '{close}'?" if close is not None else ""


def close_match(word: str, names: tuple[str, ...], cutoff: float) -> str | None:
    """Return the name :func:`difflib.get_close_matches` finds closest to ``word``, or None.

    The same match, found faster: difflib ranks by a ratio whose upper bound
    (:meth:`~difflib.SequenceMatcher.quick_ratio`: the characters shared, whatever
    their order) it counts name by name in Python, seconds at 16,000 columns; here
    it is counted for all ``names`` at once, and only those that reach ``cutoff``
    are handed on.
    """
    letters, counts, lengths = _letter_counts(names)
    have = np.bincount(
        np.array([letters[c] for c in word if c in letters], dtype=np.intp),
        minlength=len(letters),
    )
    shared = np.minimum(counts, have).sum(axis=1)
    near = [names[i] for i in np.flatnonzero(2.0 * shared / (lengths + len(word)) >= cutoff)]
    return next(iter(difflib.get_close_matches(word, near, 1, cutoff)), None) if near else None


@functools.lru_cache(maxsize=8)
def _letter_counts(
    names: tuple[str, ...],
) -> tuple[dict[str, int], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return the characters of ``names`` numbered, their counts (a row per name), the lengths."""
    letters = {c: i for i, c in enumerate(sorted({c for name in names for c in name}))}
    counts = np.zeros((len(names), len(letters)), dtype=np.int64)
    for row, name in enumerate(names):
        for c in name:
            counts[row, letters[c]] += 1
    return letters, counts, counts.sum(axis=1)


def column_key(name: str) -> str:
    """Return a column name in the form near misses are compared in.

    A name that differs from a question only in ways a reader cannot see, or does
    not mean, has the question's key: compatibility forms read as their plain letters
    (Unicode NFKC, so full-width ``ｆｅｖｅｒ`` is ``fever``), invisible format
    characters (category Cf: a zero-width space, a byte-order mark inside the
    header, a word joiner) are dropped, letters are lower-cased, and each run of
    spaces (a no-break space and a tab too) or hyphens is one underscore.

    Parameters
    ----------
    name : str
        A column label, or an answer's name.

    Returns
    -------
    str
        The key; a question's own name is its key.
    """
    if not name.isascii():
        name = unicodedata.normalize("NFKC", name)
        name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def closest(value: object, choices: Iterable[object], *, cutoff: float = 0.6) -> str | None:
    """Return the choice closest to ``value``, or None when none is close enough.

    Parameters
    ----------
    value, choices, cutoff
        As for :func:`did_you_mean`.

    Returns
    -------
    str or None
        The closest choice, as text.
    """
    text = str(value)
    options = [str(c) for c in choices]
    close = difflib.get_close_matches(text, options, n=len(options) or 1, cutoff=cutoff)
    if not close:
        return None
    # A typo (at most two edits) is put right by the fewest edits, a swap of two
    # neighbouring letters costing least ('lable' is 'label' swapped, 'table' one
    # letter changed); ties go to difflib's order (its similarity). A name further from
    # every choice is matched by that similarity alone, which sees 'spasm_duration' in
    # 'spasm_duration_weeks' where edits would count 'spasm_location' closer.
    best = min(close, key=lambda c: _edits(text, c))
    return best if _edits(text, best) <= _TYPO_EDITS else close[0]


#: The most edits :func:`closest` still reads as a typo of a choice.
_TYPO_EDITS = 2


def _edits(a: str, b: str) -> float:
    """Edit distance: insertions, deletions and changes cost 1, a swap of neighbours 0.5."""
    if abs(len(a) - len(b)) > 3 or max(len(a), len(b)) > 64:
        return math.inf if a != b else 0.0  # far apart or long: difflib's order decides
    before: list[float] = []
    previous = [float(j) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        row = [float(i)] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(
                previous[j] + 1,
                row[j - 1] + 1,
                previous[j - 1] + (a[i - 1] != b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] != a[i - 1]:
                row[j] = min(row[j], before[j - 2] + 0.5)
        before, previous = previous, row
    return previous[len(b)]


def cap_list(items: Iterable[object], *, most: int = 10, unit: str = "in all") -> str:
    """Join ``items`` with commas, cut after ``most`` of them for a message to read.

    ``s0, s1, s2`` when there are few; ``s0, s1, ..., s9, … (100,000 states)`` with
    ``unit="states"`` when there are more than ``most``.

    Parameters
    ----------
    items : iterable
        What to list, in order.
    most : int, default 10
        How many to show.
    unit : str, default "in all"
        What follows the count when the list is cut.
    """
    shown = [str(x) for x in items]
    if len(shown) <= most:
        return ", ".join(shown)
    return ", ".join(shown[:most]) + f", … ({len(shown):,} {unit})"


def percent(p: Any) -> str:
    """Format a probability as a percentage, keeping two digits for rare events.

    This is the one rule for a probability shown to people: :func:`backspasm.diagnose`,
    the triage reasons, the figures and the widget all write it so. A probability
    strictly between 0 and 1 never reads ``0%`` or ``100%``: near certainty it gets
    the decimals that tell it from 1 (``99.96%``); only a certainty (an answered
    cause) reads ``100%``, and an impossibility ``0%``.

    Parameters
    ----------
    p : float-like
        A probability (any value ``float()`` accepts, such as a pandas cell).

    Returns
    -------
    str
        ``"12.3%"``, ``"0.012%"`` below one in a thousand (``"0.000024%"``; below
        one in a hundred million ``"<0.000001%"``), ``"99.96%"`` or ``">99.9999%"``
        close to 1; ``"0%"`` and ``"100%"`` at the ends.
    """
    q = float(p)
    if q <= 0.0 or q >= 1.0:
        return percent_to(q, 0)
    if 0 < q < 0.001:
        # two significant digits in positional notation ("2.4e-05%" was printed)
        decimals = min(1 - math.floor(math.log10(100 * q)), 6)
        return percent_to(q, decimals, most=6)
    return percent_to(q, 1) if 0.999 < q < 1 else f"{q:.1%}"


def percent_to(p: float, decimals: int, *, most: int = 4) -> str:
    """Format a probability with ``decimals`` decimals of a percent, never ``0%``/``100%``.

    A probability strictly between 0 and 1 that would round to ``0`` or ``100`` gets
    more decimals (up to ``most``); past those it reads ``<0.0001%`` or ``>99.9999%``.
    """
    p = float(p)
    if p <= 0.0 or p >= 1.0:
        return f"{min(max(p, 0.0), 1.0):.0%}"
    for d in range(max(decimals, 0), most + 1):
        text = f"{100 * p:.{d}f}"
        if float(text) not in (0.0, 100.0):
            return text + "%"
    return f"<{10.0**-most:.{most}f}%" if p < 0.5 else f">{100 - 10.0**-most:.{most}f}%"


#: The multiplication sign of an odds ratio or factor in the figures and their captions
#: (``×26.2``, ``×8.3``), and the division sign of a ratio under 1 (``÷5.02``): the
#: true signs, which the figures' fonts draw, never the letter x (a teacher's audit).
TIMES = "\u00d7"
DIVIDED = "\u00f7"


def odds_ratio(ratio: float) -> str:
    """Format an odds ratio to 3 significant digits: ``×26.2``, ``×9.00``, ``÷5.02``.

    A ratio that rounds to 1 (under half a percent either way) reads ``no effect``.
    """
    ratio = float(ratio)
    if not ratio > 0.0:
        return f"{DIVIDED}∞"
    up = ratio >= 1.0
    r = ratio if up else 1.0 / ratio
    if r < 1.005:
        return "no effect"
    if r >= 1000:
        digits = f"{r:,.0f}"
    elif r >= 100:
        digits = f"{r:.0f}"
    else:
        digits = f"{r:#.3g}".rstrip(".")
    return (TIMES if up else DIVIDED) + digits


def impact_words(change: float, posterior_with: float, posterior_without: float) -> str:
    """Say what one answer did to a cause's odds: ``odds ×26.2`` or ``no effect``.

    An answer that makes the cause certain reads ``odds ×∞: now known`` or ``odds ÷∞:
    now ruled out`` (its log-odds change is then a clipped, meaningless number).

    Parameters
    ----------
    change : float
        Change in the cause's log-odds from the answer (natural log).
    posterior_with, posterior_without : float
        The cause's probability with all the answers and with this one withheld.
    """
    if posterior_with in (0.0, 1.0) and posterior_without != posterior_with:
        return (
            f"odds {TIMES}∞: now known"
            if posterior_with == 1.0
            else f"odds {DIVIDED}∞: now ruled out"
        )
    ratio = odds_ratio(math.exp(max(min(change, 700.0), -700.0)))
    return ratio if ratio == "no effect" else f"odds {ratio}"


def lower_first(label: str) -> str:
    """Lower-case a label's first letter unless it starts an abbreviation (``IV``)."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def rule_limit(p: float, when: str = "") -> str:
    """Write a triage threshold after the probability it was reached by: ``" (>= 50%)"``.

    The one writer of the threshold in a triage reason (a cause rule's, with the
    answers it asks for in ``when``: ``" (>= 20% with fever=yes)"``; a group
    threshold's, ``" (>= 5%)"``); :data:`RULE_REASON` reads it back.
    """
    return f" (>= {p:.0%}{when})"


#: A triage cause rule or group threshold as triage writes its reason (with
#: :func:`rule_limit`): ``"Kidney stones 77.1% (>= 50% with fever)"``, ``"Any serious
#: cause 11.4% (>= 5%)"``.
RULE_REASON = re.compile(
    r"^(?P<label>.+?) (?P<p>[<>]?[0-9.]+%) \(>= (?P<limit>[0-9.]+%)(?P<when>.*)\)$"
)


def reason_for_person(reason: str) -> str:
    """Say a triage reason to the person it is about, not to a reader of thresholds.

    A cause rule's ``"Spinal tumour 4.2% (>= 3%)"`` reads ``"a 4.2% chance of spinal
    tumour, at or above the 3% from which this advice is given"``; ``"Pyelonephritis
    63.8% (>= 30% with fever)"`` keeps its answers, ``"... given with fever"``. A flag's
    reason is already in words and is returned as it is.
    """
    rule = RULE_REASON.match(reason)
    if rule is None:
        return reason
    when = rule["when"].strip()
    said = (
        f"a {rule['p']} chance of {lower_first(rule['label'])}, at or above the "
        f"{rule['limit']} from which this advice is given"
    )
    return f"{said} {when}" if when else said


def lean_words(p: float) -> str:
    """Say an unsure answer's lean: ``leaning yes 70%:30%`` for a 0.7 lean to yes.

    The two numbers are the weights of yes and no (a likelihood ratio), not the
    probability of the finding, which the network then gives.
    """
    high, low = max(p, 1.0 - p), min(p, 1.0 - p)
    digits = 0
    while digits < 3 and percent_to(high, digits) == percent_to(low, digits) and high > low:
        digits += 1  # 0.504 leans yes: "50.4%:49.6%", not "50%:50%"
    said = f"{percent_to(high, digits)}:{percent_to(low, digits)}"
    lean = lean_of((1.0 - p, p))
    side = "neither way" if lean is None else ("no", "yes")[lean]
    return f"leaning {side} {said}"


def no_words(label: str, label_no: str = "") -> str:
    """Say a yes/no answer of no, lower-case: ``no fever``, or the node's ``label_no``.

    ``label_no`` is declared where ``"no "`` before the label reads badly
    (``Cannot touch toes`` -> ``can touch toes``).
    """
    return lower_first(label_no) if label_no else f"no {lower_first(label)}"


def answer_words(
    text: str,
    label: Callable[[str], str],
    nodes: Container[str],
    label_no: Callable[[str], str] = lambda node: "",
) -> str:
    """Say an answer written ``node=state`` in words, for a person, not a programmer.

    ``fever=yes`` reads ``Fever``, ``fever=no`` ``no fever``, ``spasm_location=flank``
    ``Spasm location: flank``; ``(unsure answer)`` becomes ``(unsure)``. Any other text
    (a cause rule such as ``Kidney stones 73.2% (>= 50%)``) keeps its words, with
    underscores read as spaces.

    Parameters
    ----------
    text : str
        One answer or reason, as triage writes it.
    label : callable
        A node's label (``network.label``).
    nodes : container of str
        The network's nodes.
    label_no : callable, optional
        How a node's no reads, when declared (``network.label_no``).
    """
    said, unsure, _ = text.partition(" (unsure answer)")
    node, sep, state = said.partition("=")
    tail = " (unsure)" if unsure else ""
    if not sep or node not in nodes:
        # a cause rule may name its answers inside: "... (>= 30% with fever=yes)"
        def inner(match: re.Match[str]) -> str:
            name, value = match.group(1), match.group(2)
            if name not in nodes:
                return match.group(0)
            return lower_first(_one_answer(name, value, label, label_no))

        text = _ANSWER.sub(inner, text)
        return text.replace(" (unsure answer)", " (unsure)").replace("_", " ")
    return _one_answer(node, state, label, label_no) + tail


#: An answer written ``node=state`` inside a longer reason.
_ANSWER = re.compile(r"\b([a-z][a-z0-9_]*)=([A-Za-z0-9_+.\-]+)")


def _one_answer(
    node: str, state: str, label: Callable[[str], str], label_no: Callable[[str], str]
) -> str:
    if state == "yes":
        return label(node)
    if state == "no":
        return no_words(label(node), label_no(node))
    return f"{label(node)}: {state.replace('_', ' ')}"


_CELL_CHARS = 40


def show_cell(value: object) -> str:
    """Show a cell in an error message, cut to about 40 characters.

    Text is quoted (its spaces show), unless it is a plain number; anything else (a
    number, a Parquet timestamp or date) is written plainly, ``2020-01-01 00:00:00``,
    not as a Python repr. A whole number reads the same whichever reader typed the
    column: the text ``17`` of a CSV and the float ``17.0`` of a pandas column with a
    blank both show as ``17``.
    """
    if isinstance(value, str):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return repr(value) if len(value) <= _CELL_CHARS else repr(value[:_CELL_CHARS]) + "..."
    whole = isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
    if whole and math.isfinite(value) and float(value).is_integer():  # type: ignore[arg-type]
        value = int(value)  # type: ignore[call-overload]
    text = str(value)
    return text if len(text) <= _CELL_CHARS + 2 else text[:_CELL_CHARS] + "..."


#: Text that :func:`show_cell` writes unquoted: a number as a person types it.
_PLAIN_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,15})?")


def bits(gain: float) -> str:
    """Format an expected information gain (bits) for a bar: ``0.264``, ``<0.001``.

    Three decimals, except that a gain above nil but under 0.001 reads ``<0.001``
    (never ``0.000``, which says "nothing to learn"); a gain of nil reads ``0``.
    """
    gain = float(gain)
    if gain >= 0.001:
        return f"{gain:.3f}"
    return "<0.001" if gain > _NO_GAIN else "0"


#: A gain at or under this (bits) is rounding noise: the question tells nothing.
_NO_GAIN = 1e-12


def rate(per_second: float) -> str:
    """Write a speed to two significant figures below 10 (``0.3``), else whole (``26,682``)."""
    return f"{per_second:,.0f}" if per_second >= 10 else f"{per_second:.2g}"
