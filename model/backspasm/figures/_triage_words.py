"""The triage line of a figure's title: the level, P(a serious cause), and the notes.

:func:`triage_text` says the level and the probability as ``backspasm diagnose``
does, and :func:`serious_means` what that probability is (each figure that gives it
says so once, in the same words: :data:`SERIOUS_MEANING`, in its key with
:func:`serious_in_key`); :func:`screen_note` adds that screening questions are
unasked (a self-care or see-a-doctor triage is not settled until they are),
:func:`conflict_note` that the answers are jointly surprising; :func:`triage_lines`
and :func:`with_conflict` put them on lines of a given width.
:mod:`backspasm.figures._words` re-exports them.
"""

from __future__ import annotations

from typing import Any

from backspasm._text import percent
from backspasm.explain.conflict import JOINTLY_SURPRISING, conflict_flagged, conflict_words
from backspasm.figures._style import TRIAGE_NAMES
from backspasm.figures._wrap import wrap

__all__ = [
    "SERIOUS_MEANING",
    "SERIOUS_NAME",
    "SERIOUS_PLAIN",
    "SERIOUS_SHORT",
    "conflict_note",
    "screen_note",
    "serious_in_key",
    "serious_means",
    "triage_lines",
    "triage_text",
    "unasked_count",
    "with_conflict",
]

#: What the P(serious) of the figures is, as ``backspasm diagnose`` prints it ("P(at
#: least one serious cause: ...)") given the answers: one probability, not the sum of
#: the serious causes' bars (they can coexist). Said once by each figure that gives it.
SERIOUS_PLAIN = "the probability of at least one serious cause (⚠), given the answers"
#: As said beside the causes' bars (figures 03 and 07).
SERIOUS_MEANING = f"{SERIOUS_PLAIN}; not the sum of their bars"
#: The same in short, for a key with no line to spare (a journal column's).
SERIOUS_SHORT = "at least one"
#: The name the case figures' titles give it (figure 07's headings: ``P(serious)``).
SERIOUS_NAME = "P(a serious cause)"


def serious_means(name: str = SERIOUS_NAME, chars: int = 0, *, bars: bool = True) -> str:
    """``P(a serious cause): the probability of at least one serious cause ...``.

    What ``name`` is (:data:`SERIOUS_MEANING`; :data:`SERIOUS_PLAIN` without ``bars``,
    for a figure that draws no cause's bar), wrapped to ``chars`` characters a line
    unless 0.
    """
    said = f"{name}: {SERIOUS_MEANING if bars else SERIOUS_PLAIN}"
    return wrap(said, chars) if chars else said


#: Under this many characters a line, a key says what P(a serious cause) is in short.
_SHORT_KEY = 45


def serious_in_key(key: Any, chars: int, *, short: bool = False, bars: bool = True) -> None:
    """Say what P(a serious cause) is in a figure's key (a legend), once.

    The key's title, :func:`serious_means` wrapped to ``chars`` characters a line
    (unless 0), at the size of its entries (``gid="serious_means"``). With ``short``
    or fewer than 45 characters (a journal column's key, with no line to spare), in
    short, on a line of its own in the serious causes' entry instead (a label ending
    ``serious``), as figure 07 says it in a column. ``bars`` as for :func:`serious_means`.
    """
    entries = key.get_texts()
    serious = [t for t in entries if t.get_text().endswith("serious")]
    if (short or 0 < chars < _SHORT_KEY) and serious:
        serious[0].set_text(f"{serious[0].get_text()}\n({SERIOUS_NAME}: {SERIOUS_SHORT})")
        return
    size = entries[0].get_fontsize() if entries else None
    key.set_title(serious_means(chars=chars, bars=bars), prop={"size": size})
    key.get_title().set_gid("serious_means")


def triage_text(diagnosis: Any) -> str:
    """``triage: emergency · P(a serious cause) = 33.0%`` for a diagnosis.

    The probability as ``backspasm diagnose`` writes it (``99.99%``, never ``= >99.9%``).
    """
    triage = getattr(diagnosis, "triage", None)
    text = f"{SERIOUS_NAME} = {percent(float(diagnosis.p_serious))}"
    if triage:
        text = f"triage: {TRIAGE_NAMES.get(str(triage), str(triage))}  ·  " + text
    return text


def unasked_count(diagnosis: Any) -> tuple[int, int] | None:
    """Return how many screening questions are unasked, and how many there are.

    The diagnosis's own ``unscreened`` and ``screen`` (never counted again here);
    None for an object without them.
    """
    unscreened = getattr(diagnosis, "unscreened", None)
    screen = getattr(diagnosis, "screen", None)
    if unscreened is None or screen is None:
        return None
    return len(unscreened), len(screen)


#: What a panel's "(24 of 29 unasked)" counts, in figure 07's key: a teacher read "24 of
#: 29" beside "29 of 35" with no word that the screen's size depends on the answers.
SCREEN_COUNTS = (
    "screen incomplete (n of m unasked): m screening questions apply to the case (the "
    "warning signs and the questions that can set the triage), n of them not yet asked; "
    "its answers can rule some out, so m differs from case to case"
)


def screen_note(diagnosis: Any, *, short: bool = False) -> str:
    """``screen incomplete: 18 of 25 screening questions unasked: the triage may change``.

    ``short``: ``screen incomplete: 18 of 25 unasked: the triage may change``, for a
    cramped panel, whose title's every line is a cause's row less.

    What ``backspasm diagnose`` says under a triage that is not an emergency while
    screening questions are unanswered ("the advice is incomplete until the others
    are"), so that a self-care or see-a-doctor triage does not look settled. ``""``
    for an emergency (it holds whatever the other answers) and for a complete screen.
    """
    counts = unasked_count(diagnosis)
    if getattr(diagnosis, "triage", None) == "emergency" or not counts or not counts[0]:
        return ""
    what = "" if short else " screening questions"
    return f"screen incomplete: {counts[0]} of {counts[1]}{what} unasked: the triage may change"


def triage_lines(diagnosis: Any, width: int, *, short: bool = False) -> str:
    """Return :func:`triage_text` and, when the screen is incomplete, :func:`screen_note`.

    On one line when they fit ``width`` characters, else the note on a line of its own
    (and the triage level and P(a serious cause) on two, when longer than ``width``);
    ``short``: the note in short (a cramped panel's). Then, for answers that conflict,
    :func:`conflict_note` on lines of its own.
    """
    triage, note = triage_text(diagnosis), screen_note(diagnosis, short=short)
    if len(triage) > width:  # a narrow figure's: the level, then the probability
        triage = triage.replace("  ·  ", "\n")
    if note:
        one = f"{triage}  ·  {note}"
        triage = one if len(one) <= width else f"{triage}\n{wrap(note, width)}"
    return with_conflict(triage, diagnosis, width)


def conflict_note(diagnosis: Any) -> str:
    """Say that a case's answers conflict, as ``backspasm diagnose`` warns; else ``""``.

    ``warning: these answers are jointly surprising for the model (conflict 2.09 >
    1.86); check them`` when :attr:`Diagnosis.conflicted
    <backspasm.diagnosis.Diagnosis.conflicted>`: its ``conflict`` above its
    ``conflict_threshold``. Nothing for an object without them, or whose network was
    edited since (no flag level).
    """
    from backspasm.exceptions import BackspasmError

    conflict = getattr(diagnosis, "conflict", None)
    if conflict is None:
        return ""
    try:
        threshold = float(diagnosis.conflict_threshold)
    except (AttributeError, BackspasmError):
        return ""
    if not conflict_flagged(float(conflict), threshold):
        return ""
    return (
        f"warning: {JOINTLY_SURPRISING} "
        f"(conflict {conflict_words(conflict)} > {conflict_words(threshold)}); check them"
    )


def with_conflict(title: str, diagnosis: Any, width: int) -> str:
    """Return ``title`` with :func:`conflict_note` on lines of ``width`` characters under it."""
    note = conflict_note(diagnosis)
    return f"{title}\n{wrap(note, width)}" if note else title
