"""Writing figures to files: reproducibly, atomically, and the set whole or not at all.

:func:`save_figure` (re-exported by :mod:`backspasm.figures.teaching`) and what
:func:`~backspasm.figures.teaching.write_teaching_figures` writes its set with.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from backspasm._files import AtomicFile
from backspasm._signals import SignalGuard
from backspasm.exceptions import BackspasmError, CaseFileError
from backspasm.figures._edges import drawn_texts, freeze_layout, texts_cut
from backspasm.figures._style import SLIDE_SIZE, layout

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FIGURE_FORMATS",
    "MAX_DPI",
    "describe_figure",
    "drawn_texts",
    "save_figure",
    "texts_cut",
]

#: The file formats :func:`write_teaching_figures` and :func:`save_figure` write.
FIGURE_FORMATS = ("png", "svg", "pdf")
#: The highest PNG resolution written: a slide at 1200 dpi is 16000 x 9000 pixels
#: (about 600 MB to draw); a typo such as 5000 would need more than 10 GB.
MAX_DPI = 1200
# The resolution a figure is laid out at, whatever the format of its files (SVG and
# PDF measure text at 72 dpi); a PNG file of a lower resolution is laid out at its
# own, since text measured coarser takes a little more room and would be cut.
_LAYOUT_DPI = 72
# A figure narrower than a slide (a journal's) is laid out where text takes the room
# it takes in a PDF file or a fine PNG file: at 72 dpi, Agg measures a line of small
# type up to 7% narrower than that, and a narrow figure has no room to spare.
_NARROW_LAYOUT_DPI = 600
_METADATA: Mapping[str, Mapping[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}
#: The alt text of a figure, by figure, as :func:`describe_figure` set it: its title
#: and its description (one sentence), written into every file of the figure.
_ABOUT: weakref.WeakKeyDictionary[Figure, tuple[str, str]] = weakref.WeakKeyDictionary()
# Only for the duration of one save: SVG text stays text (editable, searchable),
# PDF embeds TrueType fonts, and the SVG ids do not change from run to run.
_SAVE_RC: Mapping[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "backspasm",
    "pdf.fonttype": 42,
    "path.simplify": True,
}


def describe_figure(fig: Figure, title: str, description: str) -> None:
    """Give a figure the alt text its files carry (read by screen readers and catalogues).

    Every file saved of the figure afterwards (:func:`save_figure`, the teaching set)
    holds ``title`` and ``description``: a PNG file as its ``Title`` and
    ``Description`` text chunks, an SVG file as its ``<title>`` and ``<desc>``
    elements (and its Dublin Core metadata), a PDF file as its ``Title`` and
    ``Subject``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    title : str
        What the figure is, in a few words.
    description : str
        What it shows, in a sentence: the alt text.
    """
    _ABOUT[fig] = (str(title), str(description))


def save_figure(
    fig: Figure,
    path: str | os.PathLike[str],
    *,
    dpi: int = 300,
    close: bool = True,
    title: str | None = None,
    description: str | None = None,
) -> Path:
    """Save a figure reproducibly and atomically, with text kept as text in SVG files.

    The format follows the file's extension (one of :data:`FIGURE_FORMATS`). The
    settings hold for this save only (a :func:`matplotlib.rc_context`); nothing
    global changes. The figure is laid out once, at its first save (for 72 dpi, or
    for ``dpi`` if lower; a figure narrower than a slide for 600 dpi, where text
    takes the room it takes in print; with more room at an edge its text runs past
    as measured at ``dpi``, see :func:`~backspasm.figures._edges.freeze_layout`),
    and keeps that layout: saved again with the same ``dpi``
    (another format, ``close=False``), it comes out the same, byte for byte, as if
    saved in that format alone. The figure is written to a
    hidden temporary file in the same folder and renamed over ``path`` only once
    complete (:class:`backspasm._files.AtomicFile`), so that a failed or interrupted
    save (Ctrl-C, SIGTERM) leaves the file that was there untouched and no temporary
    file behind. With ``close``, the figure is closed even when saving fails.

    The file has the figure's size, always: a PNG file is exactly its width and
    height in inches times ``dpi`` pixels, as a journal asks (a figure of 3.5 in
    stays 3.5 in). A figure made without a layout engine (such as
    ``plt.subplots(2, 2)`` given to the ``plot_*`` functions) is laid out with
    constrained layout first. A figure whose text still runs past its edges (a
    legend wider than its panel, a grid of panels too small for their labels) is
    written at its size all the same, and a :class:`UserWarning` names the texts cut
    at the edges, so that nothing changes size or goes missing unsaid; give such a
    figure more room, or draw its panels at a named size (``size="page"``). The
    figures the ``plot_*`` functions draw alone, at any named size, keep every text
    inside.

    The folder must exist: a missing one is refused, not created, so that a mistyped
    path is not taken for a new folder (:func:`write_teaching_figures`, and
    ``backspasm figures --out``, create theirs, and the command line says so).

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
    title, description : str, optional
        Alt text for the file (see :func:`describe_figure`, which these call), e.g.
        ``description="Bar chart of the causes of back spasm for ..."``; by default
        what :func:`describe_figure` gave the figure, if anything.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    BackspasmError
        For an extension it cannot write, a ``dpi`` out of range, a folder that does
        not exist (none is created), or a folder where the file cannot be written.
    backspasm._signals.Interrupted
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
        if title is not None or description is not None:
            known = _ABOUT.get(fig, ("", ""))
            describe_figure(
                fig,
                known[0] if title is None else title,
                known[1] if description is None else description,
            )
        if not out.parent.is_dir():
            there = "is not a folder" if out.parent.exists() else "does not exist"
            raise BackspasmError(
                f"cannot write '{out}': its folder '{out.parent}' {there} "
                "(save_figure creates no folder)"
            )
        with SignalGuard(f"interrupted; {out} left as it was") as guard:
            _write_files(
                [(out, _render(fig, fmt, dpi, keep_inside=True))],
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


def _render(fig: Figure, fmt: str, dpi: int, *, keep_inside: bool = False) -> bytes:
    """Return the bytes of a figure's file in ``fmt`` (its layout frozen first).

    With ``keep_inside`` (a figure of the user's, see :func:`save_figure`), a figure
    without a layout engine is laid out first, and one whose text runs past its
    edges all the same is written with a tight bounding box.
    """
    import matplotlib as mpl

    if keep_inside and fig.get_layout_engine() is None and _in_a_grid(fig):
        fig.set_layout_engine(layout(float(fig.get_figwidth())))
    narrow = float(fig.get_figwidth()) < SLIDE_SIZE[0] - 0.01
    laid = _NARROW_LAYOUT_DPI if narrow else min(dpi, _LAYOUT_DPI)
    freeze_layout(fig, laid, check=(dpi,))
    if keep_inside:  # measured as the file draws it, or as laid out (SVG, PDF)
        _warn_cut(fig, dpi if fmt == "png" else laid)
    buffer = io.BytesIO()
    rc: Any = dict(_SAVE_RC)
    title, description = _ABOUT.get(fig, ("", ""))
    with mpl.rc_context(rc):
        fig.savefig(
            buffer,
            format=fmt,
            dpi=dpi,
            metadata=_metadata(fmt, title, description),
            facecolor="white",
        )
    data = buffer.getvalue()
    if fmt == "svg" and description:
        data = _svg_desc(data, description)
    return data


def _in_a_grid(fig: Figure) -> bool:
    """Whether a figure's Axes are laid out by a grid (not placed by hand, as the network's)."""
    return any(ax.get_subplotspec() is not None for ax in fig.axes)


def _metadata(fmt: str, title: str, description: str) -> dict[str, Any]:
    """Return the metadata of a file: the alt text, and no date or software version."""
    said = dict(_METADATA[fmt])
    if title:
        said["Title"] = title
    if description:
        said["Subject" if fmt == "pdf" else "Description"] = description
    return said


def _svg_desc(data: bytes, description: str) -> bytes:
    """Add ``<desc>`` after an SVG file's ``<title>`` (matplotlib writes the title only).

    Read by screen readers as the picture's description, as ``<title>`` is its name.
    """
    desc = f"<desc>{escape(description)}</desc>\n".encode()
    end = data.find(b"</title>\n")
    if end < 0:  # no title: straight after the opening <svg ...> tag
        end = data.find(b">\n", data.find(b"<svg"))
        return data if end < 0 else data[: end + 2] + b" " + desc + data[end + 2 :]
    end += len(b"</title>\n")
    return data[:end] + b" " + desc + data[end:]


def _warn_cut(fig: Figure, dpi: float) -> None:
    """Warn, naming them, of the texts of a figure that run past its edges (see save_figure).

    Measured at ``dpi``, the file's: text measured at another resolution takes a
    little more or less room.
    """
    own = fig.dpi
    fig.set_dpi(dpi)
    try:
        cut = texts_cut(fig)
    finally:
        fig.set_dpi(own)
    if not cut:
        return
    width, height = fig.get_size_inches()
    shown = ", ".join(repr(t if len(t) <= 50 else t[:49] + "…") for t in cut[:5])
    more = f" and {len(cut) - 5} more" if len(cut) > 5 else ""
    warnings.warn(
        f"{len(cut)} text{'s' * (len(cut) != 1)} of the {width:g} x {height:g} in figure run "
        f"past its edges and are cut in its file: {shown}{more}; the file keeps the "
        "figure's size: give the figure more room or its panels fewer rows",
        UserWarning,
        stacklevel=4,
    )


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
                try:
                    targets.append(AtomicFile(path))
                except CaseFileError as exc:  # a figure is not a case file
                    raise BackspasmError(str(exc)) from None
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
