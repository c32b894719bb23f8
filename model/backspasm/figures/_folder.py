"""The folder a teaching set is written to: checked before drawing, and what it keeps.

:func:`_check_out` refuses, before any figure is drawn, a folder that is a file or
that cannot be written or created (nothing is created to find out);
:func:`_missing_from` says which folders the writing will create; :func:`_left_over`
finds the files of the figures drawn now that this run will not replace (another
format, from an earlier run), and :func:`_left_over_note` says them, with the size
:data:`~backspasm.figures._captions_file.CAPTIONS_FILE` gives them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from backspasm._files import cannot_write_in
from backspasm.exceptions import BackspasmError
from backspasm.figures._save import FIGURE_FORMATS


def _check_out(out: Path) -> None:
    """Raise, before anything is drawn, for an ``out_dir`` that cannot take the figures.

    A file; a folder in which no file can be created; a missing folder whose nearest
    existing folder above is a file or takes no new folder. The test leaves nothing
    behind (see :func:`backspasm._files.cannot_write_in`), and creates no folder.
    """
    if out.exists() and not out.is_dir():
        raise BackspasmError(
            f"The 'out_dir' parameter of write_teaching_figures (--out) must be a folder; "
            f"'{out}' is a file."
        )
    if out.is_dir():
        problem = cannot_write_in(out)
        if problem:
            raise BackspasmError(
                f"cannot write into the folder '{out}' (--out): it {problem}; nothing written."
            )
        return
    # the nearest folder that exists: the figures' folder is created in it
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        problem = f"'{parent}' is a file, not a folder"
    else:
        problem = cannot_write_in(parent)
        problem = problem and f"the folder '{parent}' {problem}"
    if problem:
        raise BackspasmError(
            f"cannot create the folder '{out}' (--out): {problem}; nothing written."
        )


def _missing_from(out: Path) -> Path | None:
    """Return the topmost folder of ``out`` (``out`` itself, or above it) that is missing."""
    if out.exists():
        return None
    top = out
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    return top


def _left_over(out: Path, stems: Sequence[str], formats: Sequence[str]) -> list[str]:
    """Return the files of the figures drawn now in the formats not drawn now.

    They stay as they were (a file the user made is never deleted); the names, in
    figure then format order.
    """
    return [
        f"{stem}.{fmt}"
        for stem in stems
        for fmt in FIGURE_FORMATS
        if fmt not in formats and (out / f"{stem}.{fmt}").is_file()
    ]


def _left_over_note(
    names: Sequence[str], sizes: Mapping[str, str | None], size: str, formats: Sequence[str]
) -> str:
    """Say the files left from an earlier run beside the figures drawn now.

    ``sizes`` gives the size each file was drawn at, as the captions file says it
    (None: not recorded).
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(f"{sizes[name]} size" if sizes.get(name) else "size not recorded", [])
        groups[f"{sizes[name]} size" if sizes.get(name) else "size not recorded"].append(name)
    said = "; ".join(f"{', '.join(files)} ({where})" for where, files in groups.items())
    return (
        f"left as they were, from an earlier run: {said}; beside the figures of the same "
        f"names drawn now at {size} size in {', '.join(formats)}, which they may not match "
        "(another case, size or network). captions.md lists each file under its "
        "size; delete the old files, or draw their formats too (--format), for one set"
    )
