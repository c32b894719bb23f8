"""What the figures write: numbers, answers and titles, wrapped to fit.

Percentages that never read ``0%`` or ``100%`` short of certainty (:func:`percent`,
:func:`percent_to`, :func:`percent_sig`), odds ratios to three significant digits
(:func:`odds_ratio`), a case's answers in a few words (:func:`answer_list`,
:func:`answer_phrase`, :func:`describe_answers`) and the titles made of them
(:func:`case_title`, :func:`triage_text`); and the measure of a text in inches
(:func:`text_width`), by which titles and labels are wrapped to lines
(:func:`wrap`, :func:`wrap_phrases`, :func:`unit_lines`, :func:`fit_lines`).
Nothing here draws; the colours, type sizes and the slide size are
:mod:`backspasm.figures._style`'s.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from backspasm._text import lower_first as lower_first  # re-exported for the figures
from backspasm._text import odds_ratio as odds_ratio  # re-exported for the figures
from backspasm._text import percent_to as percent_to  # re-exported for the figures
from backspasm.figures._style import NODE_FONT, TRIAGE_NAMES, network_of

if TYPE_CHECKING:
    from backspasm.network import Network


# Measuring and wrapping text


# Bounded: every what-if step wraps new titles and labels (a few hundred lines each),
# and a whole teaching set measures fewer lines than this.
@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float = NODE_FONT) -> float:
    """Width in inches of one line of text in the default font at ``size`` points."""
    from matplotlib.textpath import TextPath

    return float(TextPath((0, 0), text, size=size).get_extents().width) / 72.0


def wrap(text: str, width: int) -> str:
    """Greedy wrap at spaces and after slashes, never inside a word (nor at a no-break space)."""
    pieces: list[tuple[str, str]] = []  # (piece, separator before it)
    for i, word in enumerate(re.split(r"[^\S\u00a0]+", text.strip())):
        parts = word.split("/")
        for j, part in enumerate(parts):
            piece = part + ("/" if j < len(parts) - 1 else "")
            if piece:
                pieces.append((piece, " " if j == 0 and i > 0 else ""))
    lines: list[str] = []
    for piece, sep in pieces:
        if lines and len(lines[-1]) + len(sep) + len(piece) <= width:
            lines[-1] += sep + piece
        else:
            lines.append(piece)
    return "\n".join(lines) or text


def wrap_capped(text: str, width: int, *, tail: str = "", lines: int = 2) -> str:
    """Wrap ``text + tail`` (see :func:`wrap`) to at most ``lines`` lines.

    A text too long for them is cut after a word and ends ``…`` before ``tail``,
    which is always kept whole: ``P(Fever = yes | Care setting emergency,…) = 0.0022``
    with ``tail=") = 0.0022"``. So a tick label never runs into its neighbours.
    """
    whole = wrap(text + tail, width)
    if whole.count("\n") < lines:
        return whole
    words = text.split()
    for keep in range(len(words) - 1, 0, -1):
        cut = wrap(" ".join(words[:keep]).rstrip(",;:(") + "…" + tail, width)
        if cut.count("\n") < lines:
            return cut
    return "\n".join(whole.split("\n")[:lines])


def phrase_units(head: str, phrases: Sequence[str]) -> list[str]:
    """``head`` and the ``phrases`` joined by commas, as units for :func:`wrap_phrases`."""
    return [head] + [p + ", " for p in phrases[:-1]] + list(phrases[-1:])


def wrap_phrases(units: Sequence[str], width: int, *, fill: float = 0.6) -> str:
    """Wrap units (each with its separator, ``"fever, "``) to lines of ``width`` characters.

    A line breaks between two units when it is at least ``fill`` full, else between
    words inside a unit; words joined by a slash (``a / b``) are never parted.
    """
    rows: list[str] = []
    for unit in units:
        if rows and len((rows[-1] + unit).rstrip()) <= width:
            rows[-1] += unit
            continue
        if not rows or len(rows[-1].rstrip()) >= fill * width:
            rows.append("")
        for word in _unit_words(unit):
            if rows[-1] and len((rows[-1] + word).rstrip()) > width:
                rows.append("")
            rows[-1] += word
    return "\n".join(r.rstrip() for r in rows if r.strip())


def _unit_words(unit: str) -> list[str]:
    """Split a unit into words with their trailing spaces, keeping ``a / b`` whole."""
    words: list[str] = []
    for word in unit.split(" "):
        if words and (word == "/" or words[-1].rstrip().endswith(" /")):
            words[-1] += word + " "
        elif words and word == "":
            continue
        else:
            words.append(word + " ")
    if words and not unit.endswith(" "):
        words[-1] = words[-1][:-1]
    return words


def unit_lines(units: Sequence[str], width: float, size: float) -> list[str]:
    """Lay ``units`` out on lines of ``width`` inches at ``size`` points.

    Each unit carries its own separator (``"fever, "``); lines break between units
    only, unless one unit alone is wider than a line (it then breaks between words).
    """

    def fits(text: str) -> bool:
        return text_width(text.rstrip(), size) <= width

    rows: list[str] = []
    for unit in units:
        if not unit:
            continue
        if rows and fits(rows[-1] + unit):
            rows[-1] += unit
        elif fits(unit):
            rows.append(unit)
        else:  # a unit wider than a line: break it between words
            for word in unit.split(" "):
                piece = word + " "
                if rows and fits(rows[-1] + piece):
                    rows[-1] += piece
                else:
                    rows.append(piece)
    return [r.rstrip() for r in rows if r.strip()]


def fit_lines(
    units: Sequence[str],
    width: float,
    size: float,
    *,
    lines: int,
    more: Any = None,
) -> str:
    """Lay ``units`` out on at most ``lines`` lines (see :func:`unit_lines`).

    What does not fit is left out from the end and, with ``more``, replaced by
    ``more(n)`` (``n`` units left out), e.g. ``"+2 more"``.
    """
    units = [u for u in units if u]
    for keep in range(len(units), -1, -1):
        parts = list(units[:keep])
        left = len(units) - keep
        if left and more is not None:
            parts.append(str(more(left)))
        rows = unit_lines(parts, width, size)
        if len(rows) <= lines:
            return "\n".join(rows)
    return "\n".join(unit_lines(units, width, size)[:lines])


# Probabilities and odds ratios


def percent(p: float) -> str:
    """Format a probability for a figure: ``<0.1%``, ``1.2%``, ``73%``, ``99.9%``.

    A probability above 0 never reads ``0%`` and one below 1 never ``100%``: they
    read ``<0.1%`` and ``99.9%`` or ``>99.9%``.
    """
    p = float(p)
    if p <= 0.0:
        return "0%"
    if p >= 1.0:
        return "100%"
    if p < 0.001:
        return "<0.1%"
    if p < 0.1:
        return f"{p:.1%}"
    if p < 0.995:
        return f"{p:.0%}"
    if p < 0.9995:
        return f"{p:.1%}"
    return ">99.9%"


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


def exact_percent(p: float) -> str:
    """Format a tick value as a percentage with as few decimals as show it exactly."""
    value = 100.0 * float(p)
    for d in range(7):
        if abs(round(value, d) - value) < 1e-9 * max(1.0, abs(value)):
            return f"{value:.{d}f}%"
    return f"{value:.6g}%"


def ge(text: str) -> str:
    """Write comparison operators as mathematical signs (``>=`` as ``≥``)."""
    return text.replace(">=", "≥").replace("<=", "≤")


# A case's answers and the titles made of them


def triage_text(diagnosis: Any) -> str:
    """``triage: emergency · P(a serious cause) = 33%`` for a diagnosis."""
    triage = getattr(diagnosis, "triage", None)
    text = f"P(a serious cause) = {percent(float(diagnosis.p_serious))}"
    if triage:
        text = f"triage: {TRIAGE_NAMES.get(str(triage), str(triage))}  ·  " + text
    return text


def _answer_words(question: Any, label: str, value: Any) -> str | None:
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
        return f"{label} ({percent(float(state[-1]))} likely)"
    if question.kind == "yes_no":
        return label if state == "yes" else f"no {label}"
    if question.column == "sex":
        return str(state)
    return f"{label}: {str(state).replace('_', ' ')}"


def _number_words(question: Any, label: str, value: str) -> str:
    """Say an answer to a number question: ``age 52``, ``duration of spasms 1 week``.

    The unit follows a number only; a band is said with its range
    (``duration of spasms: acute (under 6 weeks)``), unless its name says it
    (``age 40-64``).
    """
    if question.column == "age":
        return f"age {value}"
    unit = str(question.unit or "")
    if _is_number(value):
        if unit.endswith("s") and value in ("1", "1.0"):
            unit = unit[:-1]
        return f"{label} {value} {unit}".strip()
    band = next((b for b in question.bins if b[0] == value.lower()), None)
    if band is None or any(c.isdigit() for c in band[0]):
        return f"{label}: {value}"
    return f"{label}: {band[0]} ({_band_range(question.bins, band, unit)})"


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
        ``"no answers yet"``.
    """
    return ", ".join(answer_list(answers, network)) or "no answers yet"


def answer_list(answers: Mapping[str, Any], network: Network | None = None) -> list[str]:
    """Say each answer in a few words (see :func:`describe_answers`), in order."""
    from backspasm.questionnaire import questions_for

    net = network_of(None, network)
    questions = {q.column: q for q in questions_for(net)}
    words: list[str] = []
    for column, value in answers.items():
        q = questions.get(column)
        if q is None or q.node is None:
            continue
        if column == "back_spasm" and str(value).strip().lower() in ("yes", "y", "1", "true"):
            continue
        said = _answer_words(q, _answer_label(q, net), value)
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

    For example ``No fever`` or ``Duration of spasms 1 week``.

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
        said = _answer_words(q, _answer_label(q, net), value)
    if not said:
        state = str(value).replace("_", " ")
        if column in net.spec.nodes:
            label = net.label(column)
            said = (
                label
                if state == "yes"
                else f"no {lower_first(label)}"
                if state == "no"
                else f"{label}: {state}"
            )
        else:
            said = f"{column.replace('_', ' ')}: {state}"
    return _upper_first(said)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


#: The width, in characters, to which a case's title is wrapped.
TITLE_WIDTH = 80


def case_title(what: str, diagnosis: Any, width: int = TITLE_WIDTH) -> str:
    """Return ``<what> for: <answers>``, wrapped to lines of ``width`` characters.

    Lines break between answers where that leaves the line well filled, and never
    around a slash (``IV drug use / immunosuppr.`` is not cut after ``/``). At most
    :data:`TITLE_LINES` lines (see :func:`answers_heading`).
    """
    answers = answer_list(getattr(diagnosis, "answers", {}) or {}, network_of(diagnosis))
    return answers_heading(f"{what} for: ", answers, width)


#: The most lines the answers take in a title, so that a case with many answers
#: leaves room for the plot.
TITLE_LINES = 3


def answers_heading(
    head: str,
    answers: Sequence[str],
    width: int,
    *,
    lines: int = TITLE_LINES,
    fill: float = 0.6,
) -> str:
    """Return ``head`` and the answers, wrapped (see :func:`wrap_phrases`) to few lines.

    Answers that do not fit on ``lines`` lines of ``width`` characters are left out
    from the end and counted instead: ``..., no fever and 12 more``.
    """
    said = list(answers) or ["no answers yet"]
    text = ""
    for keep in range(len(said), 0, -1):
        left = len(said) - keep
        shown = said[:keep]
        if left:
            shown[-1] += f" and {left} more"
        text = wrap_phrases(phrase_units(head, shown), width, fill=fill)
        if text.count("\n") < lines:
            break
    return text
