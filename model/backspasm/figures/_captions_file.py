"""The captions file of a teaching set's folder: what it lists, keeps and refuses.

:func:`_captions_file` writes :data:`CAPTIONS_FILE`: each figure file under the size it
was drawn at, with its sentence (:mod:`backspasm.figures._captions`), the network each
file was drawn from, and the lines a user added, kept; the lines of files drawn by an
earlier run and still in the folder stay. :func:`refuse_foreign_captions` stops a run
that would replace a captions.md backspasm did not write.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import backspasm.figures._style as st
from backspasm.exceptions import BackspasmError
from backspasm.figures._case_answers import HOW_CHOSEN
from backspasm.figures._selection import TEACHING_FIGURES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The file written beside the figures: one sentence of alt text per figure.
CAPTIONS_FILE = "captions.md"

_CAPTIONS_HEAD = """# Alt text of the teaching figures

One sentence per figure: what it shows, for which case, and its key numbers as the
figure writes them; for the alt text of a slide or a web page. Each PNG file holds its
sentence as its Description, each SVG file as its `<desc>`, each PDF file as its Subject.
The files are listed under the size they were drawn at; a folder drawn into at two sizes
or in other formats by different runs keeps the older files, under their own size.

"""
#: How the answers named in the titles and the sentences were chosen, after the head.
_HOW_CHOSEN = textwrap.fill(HOW_CHOSEN, 88) + "\n\n"
#: The heading of the files of each size in :data:`CAPTIONS_FILE`.
_SIZE_HEADINGS: Mapping[str, str] = {
    "slide": "## Slide size: 13.33 x 7.5 in (16:9)",
    "page": "## Page size: 7.0 in (178 mm) wide",
    "column": "## Column size: 3.5 in (89 mm) wide",
}
_NO_SIZE = "## Size not recorded (listed by an earlier version)"
_SIZE_ORDER: tuple[str | None, ...] = (*_SIZE_HEADINGS, None)
#: A line of :data:`CAPTIONS_FILE`: ``- `03-causes.png`, `03-causes.svg`: sentence``.
_CAPTION_LINE = re.compile(r"^- ((?:`[^`]+`)(?:, `[^`]+`)*): (.+)$")


#: A line of the captions file: (size or None, stem, files, sentence, 1 if kept from before).
_Entry = tuple[str | None, str, list[str], str, int]


def _captions_file(
    out: Path,
    formats: Sequence[str],
    captions: Sequence[tuple[str, str, str]],
    network: str = "",
) -> bytes:
    """Return :data:`CAPTIONS_FILE`: a line per figure, with every file of it written.

    ``captions`` gives each figure drawn now as (stem, size, sentence). The lines
    go under a heading per size (:data:`_SIZE_HEADINGS`), a figure's files under the
    size it was drawn at. The lines of an earlier run are kept for those of their
    files still in the folder and not written now: the figures not drawn now
    (``only``), and a figure's formats not drawn now (under the size they were drawn
    at), so that the file says every figure file there and its size. ``network``
    (:func:`network_said`) is said for the files written now, and the earlier files
    keep theirs, in a section of its own.
    """
    written = {f"{stem}.{fmt}" for stem, _, _ in captions for fmt in formats}
    entries: list[_Entry] = [
        (size, stem, [f"{stem}.{fmt}" for fmt in formats], text, 0)
        for stem, size, text in captions
    ]
    for earlier, names, text in _earlier_captions(out / CAPTIONS_FILE):
        kept = [n for n in names if n not in written and (out / n).is_file()]
        if kept:
            entries.append((earlier, Path(kept[0]).stem, kept, text, 1))

    def place(entry: _Entry) -> tuple[int, int, str, int]:
        size, stem, _, _, earlier = entry
        known = stem in TEACHING_FIGURES
        at = TEACHING_FIGURES.index(stem) if known else len(TEACHING_FIGURES)
        return (_SIZE_ORDER.index(size), at, stem, earlier)

    lines: list[str] = []
    for size, _, names, text, _ in sorted(entries, key=place):
        heading = _SIZE_HEADINGS.get(size or "", _NO_SIZE)
        if heading not in lines:
            lines += ["", heading, ""] if lines else [heading, ""]
        lines.append(f"- {', '.join(f'`{name}`' for name in names)}: {text}")
    drawn_from = {
        name: said
        for name, said in _earlier_networks(out / CAPTIONS_FILE).items()
        if name not in written and (out / name).is_file()
    }
    drawn_from.update(dict.fromkeys(sorted(written), network) if network else {})
    by_network: dict[str, list[str]] = {}
    for name, said in drawn_from.items():
        by_network.setdefault(said, []).append(name)
    if by_network:
        lines += ["", _NETWORKS_HEADING, ""]
        lines += [
            f"- {said}: {', '.join(f'`{n}`' for n in sorted(names))}"
            for said, names in by_network.items()
        ]
    notes = _notes_of(out / CAPTIONS_FILE)
    if notes:  # what the user wrote into the file is theirs: kept, at its end
        lines += ["", _NOTES_HEADING, "", *notes]
    return (_CAPTIONS_HEAD + _HOW_CHOSEN + "\n".join(lines) + "\n").encode("utf-8")


#: Where :data:`CAPTIONS_FILE` keeps the lines a user added to it.
_NOTES_HEADING = "## Notes kept from the earlier captions.md"
#: Where it says the network each figure file was drawn from.
_NETWORKS_HEADING = "## The network each figure was drawn from"
_NETWORK_LINE = re.compile(r"^- (.+, fingerprint [0-9a-f]{12}): ((?:`[^`]+`)(?:, `[^`]+`)*)$")


def network_said(network: Any) -> str:
    """Name a network for the captions file: where it was read, and its fingerprint."""
    return f"{network.spec.origin}, fingerprint {network.fingerprint()[:12]}"


def _earlier_networks(path: Path) -> dict[str, str]:
    """Return the network an earlier captions file says each figure file was drawn from."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = line == _NETWORKS_HEADING
        match = _NETWORK_LINE.match(line) if inside else None
        if match:
            found.update(dict.fromkeys(re.findall(r"`([^`]+)`", match[2]), match[1]))
    return found


def other_networks(out: Path, written: Sequence[str], network: str) -> list[str]:
    """Return the files kept beside those written now that another network drew."""
    return [
        name
        for name, said in _earlier_networks(out / CAPTIONS_FILE).items()
        if said != network and name not in written and (out / name).is_file()
    ]


def _notes_of(path: Path) -> list[str]:
    """Return the lines a user added to a captions file: none of its head, headings or lines.

    Everything after the first heading that is not a heading, a figure's line or a
    blank line at either end of the notes, in order; the file's head (whatever
    version wrote it) is not a note.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    ours = {*_SIZE_HEADINGS.values(), _NO_SIZE, _NOTES_HEADING, _NETWORKS_HEADING}
    notes: list[str] = []
    headed = listing = False
    for line in text.splitlines():
        headed = headed or line.startswith("## ")
        if line.startswith("## "):
            listing = line == _NETWORKS_HEADING
        if listing and _NETWORK_LINE.match(line):
            continue
        if headed and line not in ours and not _CAPTION_LINE.match(line):
            notes.append(line)
    while notes and not notes[0].strip():
        notes.pop(0)
    while notes and not notes[-1].strip():
        notes.pop()
    return notes


def refuse_foreign_captions(out: Path) -> None:
    """Raise, before anything is drawn, when ``out`` holds a captions.md backspasm did not write.

    The teaching set rewrites its own captions file (keeping what a user added to it,
    :func:`_notes_of`); a file of the same name that it did not write would be lost.
    """
    path = out / CAPTIONS_FILE
    if not path.exists():
        return
    try:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    except (OSError, UnicodeDecodeError):
        first = ""
    if first != _CAPTIONS_HEAD.split("\n", 1)[0]:
        raise BackspasmError(
            f"'{path}' is not a captions file backspasm wrote (its first line is not "
            f"{_CAPTIONS_HEAD.split(chr(10), 1)[0]!r}), and the figures would replace it; "
            "move it, or draw into another folder (--out); nothing written."
        )


def _size_name(fig: Figure) -> str:
    """Return the named size a figure was drawn at (slide, page or column), by its width."""
    width = float(fig.get_figwidth())
    return min(st.SIZE_WIDTHS, key=lambda name: abs(st.SIZE_WIDTHS[name] - width))


def _earlier_sizes(out: Path) -> dict[str, str | None]:
    """Return the size each file of an earlier captions file was drawn at (None: not said)."""
    return {
        name: size for size, names, _ in _earlier_captions(out / CAPTIONS_FILE) for name in names
    }


def _earlier_captions(path: Path) -> list[tuple[str | None, list[str], str]]:
    """Return the lines of a captions file written before: (size, files, sentence).

    The size is that of the heading the line is under; None under none (a captions
    file written before sizes were recorded) or an unknown one. None without a file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    by_heading = {heading: size for size, heading in _SIZE_HEADINGS.items()}
    found: list[tuple[str | None, list[str], str]] = []
    size: str | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            size = by_heading.get(line)
        match = _CAPTION_LINE.match(line)
        if match:
            found.append((size, [name.strip("`") for name in match[1].split(", ")], match[2]))
    return found
