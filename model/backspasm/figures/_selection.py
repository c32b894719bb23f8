"""The figures of the teaching set by name: stems, groups, titles, and choosing some.

:func:`select_figures` reads the names of ``only=`` (``--only``): a figure's number,
its file stem or a group of :data:`FIGURE_GROUPS`. Imports no matplotlib, so that
the command line can check ``--only`` before it loads any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from backspasm._text import did_you_mean
from backspasm.exceptions import BackspasmError

__all__ = [
    "FIGURE_GROUPS",
    "FIGURE_TITLES",
    "NETWORK_FIGURES",
    "NETWORK_LEAST",
    "TEACHING_FIGURES",
    "drawn_size",
    "network_on_a_slide",
    "select_figures",
]

#: The figures of the teaching set, in the order they are drawn: each one's file
#: stem and what it is in a few words (the title of its files, in their metadata).
_FIGURES: tuple[tuple[str, str], ...] = (
    ("01-network", "The back-spasm network"),
    ("01b-diagnostic-view", "Diagnostic view of the network"),
    ("02-network-beliefs", "What the network believes for the case"),
    ("03-causes", "Causes before and after the answers"),
    ("04-evidence-impact", "How each answer moved a cause"),
    ("05-next-questions", "Which question to ask next"),
    ("06-sensitivity", "Which numbers of the network matter"),
    ("07-scenarios", "Cases side by side"),
    ("08-case-mix", "Most probable cause and triage level of many cases"),
    ("09-calibration", "Calibration"),
    ("10-roc-serious", "ROC curves of the serious causes"),
)
#: The figures of the teaching set, by file stem, in the order they are drawn.
TEACHING_FIGURES: tuple[str, ...] = tuple(stem for stem, _ in _FIGURES)
#: What each figure is, in a few words: the title of its files (their metadata).
FIGURE_TITLES: Mapping[str, str] = dict(_FIGURES)
#: Names for several figures of the set at once (``only=["case"]``, ``--only case``).
FIGURE_GROUPS: Mapping[str, tuple[str, ...]] = {
    "network": TEACHING_FIGURES[0:2],
    "case": TEACHING_FIGURES[2:7],
    "scenarios": TEACHING_FIGURES[7:8],
    "case-mix": TEACHING_FIGURES[8:9],
    "evaluation": TEACHING_FIGURES[9:11],
}


def select_figures(only: Iterable[str] | None = None) -> tuple[str, ...]:
    """Return the file stems of the figures ``only`` names, in the set's order.

    Parameters
    ----------
    only : iterable of str, optional
        Each a figure's number (``03`` or ``3``, ``01b``), its file stem
        (``03-causes``) or a group of :data:`FIGURE_GROUPS`: ``network`` (01, 01b),
        ``case`` (02 to 06, the example case's figures), ``scenarios`` (07),
        ``case-mix`` (08) or ``evaluation`` (09, 10). None: every figure.

    Returns
    -------
    tuple of str
        Stems of :data:`TEACHING_FIGURES`, each once.

    Raises
    ------
    BackspasmError
        For a name of no figure, or no name at all.
    """
    if only is None:
        return TEACHING_FIGURES
    chosen: set[str] = set()
    for item in only:
        name = str(item).strip().lower()
        found = _figures_named(name)
        if not found:
            known = [*FIGURE_GROUPS, *TEACHING_FIGURES]
            raise BackspasmError(f"{_NAMING}; got {name!r}.{did_you_mean(name, known)}")
        chosen.update(found)
    if not chosen:
        raise BackspasmError(f"{_NAMING}; got none.")
    return tuple(stem for stem in TEACHING_FIGURES if stem in chosen)


#: The drawings of the whole network: readable on a slide only, but for 01.
NETWORK_FIGURES: tuple[str, ...] = FIGURE_GROUPS["network"] + ("02-network-beliefs",)
#: The narrowest size each drawing of the network is drawn at (else on a slide): the
#: network's structure, one box per group (01), is read on a page.
NETWORK_LEAST: Mapping[str, str] = {"01-network": "page"}
_WIDEST_FIRST = ("slide", "page", "column")  # as backspasm.figures.FIGURE_SIZES


def drawn_size(name: str, size: str) -> str:
    """Return the size a figure (its stem or number) of a set of ``size`` is drawn at.

    ``size``, or a slide for a drawing of the network that cannot be read at it.
    """
    stem = name if name in TEACHING_FIGURES else _figures_named(name)[0]
    least = NETWORK_LEAST.get(stem, "slide") if stem in NETWORK_FIGURES else size
    fits = _WIDEST_FIRST.index(size) <= _WIDEST_FIRST.index(least)
    return size if fits else "slide"


def network_on_a_slide(stems: Sequence[str], size: str) -> str | None:
    """Say which drawings of the network a set of ``size`` draws on a slide, if any.

    The whole network cannot be read narrower than a slide, nor its structure (01)
    narrower than a page (see :func:`backspasm.figures._graph.check_room`): a set of
    another size draws those figures on a slide, and says so (the returned
    sentence), so that the whole set, or a group such as ``case`` (02-06), still
    comes out; a set of those figures alone (``only=["01b"]``, ``--only network``
    in a column) is refused, since nothing of it could be drawn at the size asked.

    Raises
    ------
    BackspasmError
        When ``stems`` are all drawings of the network that cannot be drawn at ``size``.
    """
    network = [stem for stem in stems if drawn_size(stem, size) != size]
    if not network:
        return None
    asked = len(network) == len(stems)
    from backspasm.figures._style import SIZE_WIDTHS, SLIDE_SIZE

    names = ", ".join(stem.split("-")[0] for stem in network)
    one = len(network) == 1
    figure, are = ("figure", "is") if one else ("figures", "are")
    wide = f"{size} size ({SIZE_WIDTHS[size]:g} in wide)"
    slide = f"a slide, {SLIDE_SIZE[0]:g} x {SLIDE_SIZE[1]:g} in"
    if asked:
        page = [stem.split("-")[0] for stem in network if NETWORK_LEAST.get(stem) == "page"]
        least = (
            f"a page, {SIZE_WIDTHS['page']:g} in wide (--size page), which names its "
            f"nodes by group, or {slide} (--size slide)"
            if page and one
            else f"{slide} (--size slide)"
            + (f"; {', '.join(page)} can be drawn on a page (--size page)" if page else "")
        )
        raise BackspasmError(
            f"{figure} {names} ({', '.join(network)}) cannot be drawn at {wide}: the whole "
            f"network cannot be read at that size; the least it needs is {least}; "
            "or ask for it with figures of that size (the whole set, or "
            f"--only case), which draws {'it' if one else 'them'} on a slide"
        )
    return (
        f"{figure} {names} (the whole network) {are} drawn on {slide}, not at {wide}: "
        "the network cannot be read at that size"
    )


def _numbers(stems: Sequence[str]) -> str:
    """``02-06`` for three figures or more, ``09, 10`` for two, ``07`` for one."""
    numbers = [stem.split("-")[0] for stem in stems]
    return f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 2 else ", ".join(numbers)


#: How a figure of the set is named (the message of a name of none).
_NAMING = (
    "a figure of the teaching set is named by its number ("
    + ", ".join(stem.split("-")[0] for stem in TEACHING_FIGURES)
    + "), its file name (03-causes) or a group: "
    + ", ".join(f"{group} ({_numbers(stems)})" for group, stems in FIGURE_GROUPS.items())
)


def _figures_named(name: str) -> tuple[str, ...]:
    """Return the stems one name of :func:`select_figures` names (none for a wrong one)."""
    if name in FIGURE_GROUPS:
        return FIGURE_GROUPS[name]
    if name in TEACHING_FIGURES:
        return (name,)
    number = re.fullmatch(r"(\d{1,2})([a-z]?)", name)
    if number is None:
        return ()
    said = f"{int(number[1]):02d}{number[2]}"
    return tuple(stem for stem in TEACHING_FIGURES if stem.split("-")[0] == said)
