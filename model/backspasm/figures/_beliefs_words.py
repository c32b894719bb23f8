"""What the drawing of the network's beliefs writes: its title and each box's value.

The title of :func:`~backspasm.figures.network.plot_network_beliefs` (the answers,
the triage and what set it, fitted to the slide's width) and the value written right
of each node's belief bar, shortened to fit its box.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm._text import RULE_REASON, answer_words
from backspasm.figures._case_answers import case_answers
from backspasm.figures._graph import title_room
from backspasm.figures._style import NODE_FONT
from backspasm.figures._triage_words import SERIOUS_PLAIN, SERIOUS_SHORT
from backspasm.figures._words import (
    TITLE_WIDTH,
    answer_units,
    fit_lines,
    ge,
    lower_first,
    named_count,
    percent,
    screen_note,
    text_width,
    triage_text,
    unit_lines,
)
from backspasm.spec import PRESENTATION

__all__ = [
    "BELIEF_TITLE",
    "BELIEF_TOP",
    "belief_value",
    "beliefs_title",
    "fitted_value",
    "min_belief_w",
    "shortened",
]

if TYPE_CHECKING:
    from backspasm.diagnosis import Diagnosis
    from backspasm.network import Network

BELIEF_TITLE = st.TITLE - 3  # type size of the beliefs' title (points)
_BELIEF_TITLE_LINES = 4  # lines kept for it, whatever the case: 2 answers, 2 triage
_TITLE_LINE = BELIEF_TITLE * 1.25 / 72  # inches per line of the beliefs' title
BELIEF_TOP = 0.2 + _BELIEF_TITLE_LINES * _TITLE_LINE  # inches above the drawing
_TITLE_W = title_room(st.SLIDE_SIZE[0])  # inches a line of the title may take


#: What P(a serious cause) is, after its number in the title: whole, then in short.
_SERIOUS_SAID = (
    (", ", SERIOUS_PLAIN),
    (" ", "(at least one serious cause, ⚠)"),
    (" ", f"({SERIOUS_SHORT})"),
)


def _flag_text(network: Network, flag: str) -> str:
    """Say a red flag in few words: an answer flag (``node=state``) by its label."""
    return ge(answer_words(flag, network.label, network.spec.nodes, network.label_no))


def _red_flags(diagnosis: Diagnosis, net: Network, *, detail: bool) -> list[str]:
    """Say what set the triage level, in words, a cause's rules merged.

    The reasons ``backspasm diagnose`` gives after ``because:`` (the triage's
    reasons: an emergency's red flags, or a see-a-doctor's ``nerve deficit:
    weakness``), in its words and numbers (``Kidney stones 99.9% (≥ 50%)``), with
    ``≥``; with ``detail``, the answers a cause rule asks for (``≥ 20% with hand or
    foot spasm``).
    """
    flags = tuple(
        getattr(diagnosis, "triage_reasons", None) or getattr(diagnosis, "red_flags", ()) or ()
    )
    said: dict[str, list[str]] = {}  # flag -> its thresholds (cause rules only)
    for flag in flags:
        rule = RULE_REASON.match(flag)
        if rule is None:
            said.setdefault(_flag_text(net, flag), [])
            continue
        label, p = rule["label"], rule["p"]
        limit = f"≥ {rule['limit']}"
        when = [w for w in rule["when"].split(" with ") if w.strip()]
        if detail and when:
            words = [lower_first(_flag_text(net, w.strip())) for w in when]
            limit += " with " + " and ".join(words)
        limits = said.setdefault(f"{label} {p}", [])
        if limit not in limits:
            limits.append(limit)
    # without the answers they ask for, a cause's rules say the lowest threshold
    return [
        f"{k} ({'; '.join(v if detail else [min(v, key=_threshold)])})" if v else k
        for k, v in said.items()
    ]


def _threshold(limit: str) -> float:
    """Return the number of a threshold such as ``≥ 20% with fever`` (20.0)."""
    return float(limit.split()[1].rstrip("%"))


def beliefs_title(diagnosis: Diagnosis, evidence: dict[str, Any], net: Network) -> str:
    """Say what the beliefs are for: the answers, the triage and what set it.

    At most :data:`_BELIEF_TITLE_LINES` lines fitted to the slide's width: the
    answers on two, those that moved the top cause most first (answers that do not
    fit are counted, not named: they are outlined in the drawing), the triage and
    its reasons (``because: ...``, as ``backspasm diagnose`` says them) on two (their
    thresholds without the answers they ask for, then only as many as fit), what
    P(a serious cause) is said after it (:data:`SERIOUS_PLAIN`, as figures 03, 05
    and 07 say it in their keys; in short, ``(at least one serious cause, ⚠)`` or
    ``(at least one)``, where the whole of it would leave out a reason shown without it).
    """
    n_answers = sum(1 for k in evidence if k != PRESENTATION)
    what = (
        f"What the network believes after {n_answers} answer{'s' * (n_answers != 1)}"
        if n_answers
        else "What the network believes before any answer"
    )
    # the one summary of the case's answers (as every title and the alt text); as many
    # named as in the case figures' titles on a slide (named_count)
    answers = case_answers(diagnosis) or ["no answers yet"]
    keep = named_count(answers, TITLE_WIDTH)
    units = answer_units(f"{what} for: ", answers[:keep], len(answers) - keep, "(outlined)")
    size = BELIEF_TITLE
    head = fit_lines(units, _TITLE_W, size, lines=2, more=lambda n: f"and {n} more (outlined)")
    # what P(a serious cause) is, beside it, as the other figures say it in their
    # keys: in short where the whole of it would leave out a reason, or its detail
    said = [_triage_lines(diagnosis, net, between, meaning) for between, meaning in _SERIOUS_SAID]
    text = next(t for t, kept in said if kept == said[-1][1])
    # unasked screening questions, as the other case figures say (not for an emergency)
    note = screen_note(diagnosis)
    return head + "\n" + text + ("\n" + note if note else "")


def _triage_lines(
    diagnosis: Diagnosis, net: Network, between: str, meaning: str
) -> tuple[str, tuple[bool, int]]:
    """Return the title's triage lines, and what of the reasons they keep.

    The triage, P(a serious cause) and ``meaning`` after it, and the reasons (with
    the answers a rule asks for, if there is room) on two lines; what they keep:
    whether the rules' answers, and how many reasons.
    """
    for detail in (True, False):  # the answers a rule asks for, if there is room
        flags = _red_flags(diagnosis, net, detail=detail)
        parts = [triage_text(diagnosis) + between, meaning + ("  ·  " if flags else "")]
        # "because:" with the first reason, on its line
        parts += [("because: " if i == 0 else "") + f + "; " for i, f in enumerate(flags[:-1])]
        parts += [("because: " if len(flags) == 1 else "") + f for f in flags[-1:]]
        if len(unit_lines(parts, _TITLE_W, BELIEF_TITLE)) <= 2:
            break
    text = fit_lines(parts, _TITLE_W, BELIEF_TITLE, lines=2, more=lambda n: f"+{n} more")
    left = re.search(r"\+(\d+) more$", text)
    return text, (detail, len(flags) - (int(left[1]) if left else 0))


def belief_value(network: Network, node: str, dist: Mapping[str, float]) -> tuple[str, str | None]:
    """Return the text written right of a node's bar and the state it names, if any.

    A yes/no node shows P(yes); another node its likeliest state and that state's
    probability.
    """
    states = network.states(node)
    if tuple(states) == ("no", "yes"):
        return percent(float(dist["yes"])), None
    top = max(states, key=lambda s: float(dist[s]))
    return f"{_short_state(top)} {percent(float(dist[top]))}", top


def min_belief_w() -> float:
    """Narrowest box that holds a short belief bar and any value (``<0.1%``, ``>99.9%``)."""
    widest = max(text_width(v, NODE_FONT) for v in ("<0.1%", ">99.9%", "99.9%"))
    return 0.14 + 0.25 + widest * 1.1 + 0.06


def fitted_value(value: str, state: str | None, room: float, size: float = NODE_FONT) -> str:
    """Shorten a ``"<state> <percent>"`` value until it fits ``room`` inches.

    See :func:`shortened`; a plain percentage is returned as it is.
    """
    if state is None:
        return value
    name, pct = value.rsplit(" ", 1)
    return shortened(name, state, room, suffix=f" {pct}", size=size)


#: The word a network figure's box writes for a state whose name does not fit it, where
#: a name cut short would be an abbreviation a student cannot read (``prim. 59.0%``
#: in figure 02, a teacher's audit): what a patient calls the place.
BOX_WORDS: Mapping[str, str] = {"primary_care": "GP", "emergency": "A&E"}


def shortened(
    name: str,
    state: str,
    room: float,
    *,
    prefix: str = "",
    suffix: str = "",
    size: float = NODE_FONT,
) -> str:
    """Return ``prefix + name + suffix``, shortened until it fits ``room`` inches.

    A state with a word of :data:`BOX_WORDS` takes it first (``primary_care`` ->
    ``GP``, not ``prim.``). Otherwise the name loses letters (ending in a full stop,
    keeping at least four), then becomes the initials of the state's words
    (``lower_back`` -> ``LB``); failing that, only the prefix and suffix are kept.
    A band of numbers (``40-64``) is never cut, since a part of it reads as another
    number (``4``): it is kept whole without the suffix, or left out.
    """

    def fits(text: str) -> bool:
        return text_width(text, size) * 1.1 + 0.06 <= room

    band = any(c.isdigit() for c in name)
    initials = "".join(word[0] for word in state.split("_") if word).upper()
    cuts = [f"{name[:keep]}." for keep in range(len(name) - 1, 3, -1)]
    if state in BOX_WORDS:  # a word a student reads, never a cut one
        cuts = [BOX_WORDS[state]]
    tries = [f"{prefix}{shown}{suffix}" for shown in [name, *([] if band else [*cuts, initials])]]
    if band:
        tries.append(f"{prefix}{name}")
    for text in tries:
        if fits(text):
            return text
    return f"{prefix}{suffix}".strip() or f"{prefix}{name}{suffix}"


def _short_state(state: str) -> str:
    return state.split("_")[0]
