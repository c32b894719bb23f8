"""Writing figures to files: reproducibly, atomically, and the set whole or not at all.

:func:`save_figure` (re-exported by :mod:`backspasm.figures.teaching`) and what
:func:`~backspasm.figures.teaching.write_teaching_figures` writes its set with.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backspasm._files import AtomicFile, SignalGuard
from backspasm.exceptions import BackspasmError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FIGURE_FORMATS", "MAX_DPI", "save_figure"]

#: The file formats :func:`write_teaching_figures` and :func:`save_figure` write.
FIGURE_FORMATS = ("png", "svg", "pdf")
#: The highest PNG resolution written: a slide at 1200 dpi is 16000 x 9000 pixels
#: (about 600 MB to draw); a typo such as 5000 would need more than 10 GB.
MAX_DPI = 1200
# The resolution a figure is laid out at, whatever the format of its files (SVG and
# PDF measure text at 72 dpi); a PNG file of a lower resolution is laid out at its
# own, since text measured coarser takes a little more room and would be cut.
_LAYOUT_DPI = 72
_METADATA: Mapping[str, Mapping[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}
# Only for the duration of one save: SVG text stays text (editable, searchable),
# PDF embeds TrueType fonts, and the SVG ids do not change from run to run.
_SAVE_RC: Mapping[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "backspasm",
    "pdf.fonttype": 42,
    "path.simplify": True,
}


def save_figure(
    fig: Figure, path: str | os.PathLike[str], *, dpi: int = 300, close: bool = True
) -> Path:
    """Save a figure reproducibly and atomically, with text kept as text in SVG files.

    The format follows the file's extension (one of :data:`FIGURE_FORMATS`). The
    settings hold for this save only (a :func:`matplotlib.rc_context`); nothing
    global changes. The figure is laid out once, at its first save (for 72 dpi, or
    for ``dpi`` if lower), and keeps that layout: saved again with the same ``dpi``
    (another format, ``close=False``), it comes out the same, byte for byte, as if
    saved in that format alone. The figure is written to a
    hidden temporary file in the same folder and renamed over ``path`` only once
    complete (:class:`backspasm._files.AtomicFile`), so that a failed or interrupted
    save (Ctrl-C, SIGTERM) leaves the file that was there untouched and no temporary
    file behind. With ``close``, the figure is closed even when saving fails.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path-like
        Where to write it; ``.png``, ``.svg`` or ``.pdf``.
    dpi : int, default 300
        Resolution of a PNG file, 1 to :data:`MAX_DPI`.
    close : bool, default True
        Close the figure afterwards.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    BackspasmError
        For an extension it cannot write, a ``dpi`` out of range, or a folder where
        the file cannot be created (:class:`~backspasm.exceptions.CaseFileError`).
    backspasm._files.Interrupted
        When SIGINT or SIGTERM arrives during the save (the temporary file is gone).
    """
    import matplotlib.pyplot as plt

    try:
        out = Path(path)
        fmt = out.suffix.lstrip(".").lower()
        if fmt not in FIGURE_FORMATS:
            raise BackspasmError(
                f"The 'path' parameter of save_figure must end in one of "
                f"{', '.join('.' + f for f in FIGURE_FORMATS)}; got {out.name!r} instead."
            )
        _check_dpi(dpi, "save_figure")
        with SignalGuard(f"interrupted; {out} left as it was") as guard:
            _write_files(
                [(out, _render(fig, fmt, dpi))],
                guard,
                f"interrupted; {out} was written all the same",
            )
    finally:
        if close:
            plt.close(fig)
    return out


def _check_dpi(dpi: int, where: str) -> None:
    if not 1 <= dpi <= MAX_DPI:
        raise BackspasmError(
            f"The 'dpi' parameter of {where} must be 1 to {MAX_DPI}; got {dpi} instead."
        )


def _render(fig: Figure, fmt: str, dpi: int) -> bytes:
    """Return the bytes of a figure's file in ``fmt`` (its layout frozen first)."""
    import matplotlib as mpl

    _freeze_layout(fig, min(dpi, _LAYOUT_DPI))
    buffer = io.BytesIO()
    rc: Any = dict(_SAVE_RC)
    with mpl.rc_context(rc):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=dict(_METADATA[fmt]), facecolor="white")
    return buffer.getvalue()


def _freeze_layout(fig: Figure, dpi: float) -> None:
    """Lay a figure out once, at ``dpi``, and keep that layout for good.

    Constrained layout starts from where it left the Axes the last time and measures
    text at the resolution of the file, so without this a figure saved a second time
    (in another format) comes out shifted, and a PNG file differs with the formats
    saved before it.
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return
    own = fig.dpi
    fig.set_dpi(dpi)
    try:
        fig.draw_without_rendering()
    finally:
        fig.set_dpi(own)
    fig.set_layout_engine("none")


def _write_files(files: Sequence[tuple[Path, bytes]], guard: SignalGuard, written: str) -> None:
    """Write every file or none: each to a temporary file, all renamed at the end.

    A failure or a signal before the renames leaves every file as it was and no
    temporary file behind; a signal during the renames is held back until they
    are done (then raised with the message ``written``).
    """
    targets: list[AtomicFile] = []
    try:
        for path, data in files:
            with guard.deferred():
                targets.append(AtomicFile(path))
            targets[-1].fh.write(data)
            targets[-1].finish()
        with guard.deferred(written):
            _replace_all(targets)
    finally:
        with guard.deferred():
            for target in targets:
                target.discard()


def _replace_all(targets: Sequence[AtomicFile]) -> None:
    """Rename every temporary file into place, or put every old file back.

    Each target is checked first (a file or nothing, in a folder one may write to),
    and each old file is moved aside before its new one takes its place; should a
    rename still fail, the files renamed so far are undone and the old ones put
    back, so the set is never mixed from two runs.

    Raises
    ------
    BackspasmError
        Naming the figure that could not be written (not its temporary file).
    """
    for target in targets:
        _check_target(target)
    done: list[tuple[AtomicFile, Path | None]] = []
    current = None
    try:
        for target in targets:
            current, aside = target, None
            if os.path.lexists(target.target):
                aside = target.target.with_name(f".{target.target.name}.{os.getpid()}.old")
                os.replace(target.target, aside)
            done.append((target, aside))
            target.replace()
    except OSError as exc:
        for target, aside in reversed(done):
            with contextlib.suppress(OSError):
                if aside is not None:
                    os.replace(aside, target.target)
                elif target.tmp is None:  # a new file where there was none
                    target.target.unlink()
        raise BackspasmError(
            f"cannot write '{current.path if current else exc.filename}': "
            f"{exc.strerror or exc}; "
            "the figures there are left as they were"
        ) from None
    for _, aside in done:
        if aside is not None:
            with contextlib.suppress(OSError):
                aside.unlink()


def _check_target(target: AtomicFile) -> None:
    """Raise if a figure's file cannot be replaced: it is a folder, or read-only."""
    path = target.target
    problem = None
    if path.is_dir():
        problem = "it is a folder"
    elif path.exists() and not path.is_file():
        problem = "it is not a regular file"
    elif not os.access(path.parent, os.W_OK | os.X_OK):
        problem = "its folder is read-only"
    if problem:
        raise BackspasmError(
            f"cannot write '{target.path}': {problem}; the figures there are left as they were"
        )
