"""Output files: checked before any work, written atomically, never left half-done.

* :func:`check_paths` refuses, before anything is read or computed, an output (or its
  ``.meta.json`` provenance sidecar) that would replace the input, by name, by link or
  through standard input; an output that is a folder or sits in a folder that is
  missing or not writable; and an extension that cannot be written.
  :func:`cannot_write_in` is the one test of "can a file be created in this folder".
* :class:`AtomicFile` writes to a hidden temporary file in the output's folder and
  renames it into place only when everything is written; :func:`atomic_path` does
  the same for a writer that takes a file name (pgmpy's network writers). An output
  that is a symbolic link is written through to the file it points to, and a file
  replaced keeps its permissions. Temporary files of the same output left by a run
  that was killed (SIGKILL, a power cut) are removed by the next one.

The signals that may stop a write are turned into an exception by
:class:`backspasm._signals.SignalGuard`, so that the temporary files are removed on
the way out.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from backspasm.exceptions import CaseFileError

if sys.platform != "win32":
    import fcntl

__all__ = [
    "CSV_SUFFIXES",
    "META_SUFFIX",
    "PARQUET_SUFFIXES",
    "AtomicFile",
    "atomic_path",
    "cannot_write_in",
    "check_folder",
    "check_paths",
    "output_format",
]

#: Output names written as delimited text (with the input's delimiter).
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
#: Output names written as Parquet.
PARQUET_SUFFIXES = (".parquet", ".pq")
#: The provenance sidecar of ``OUT`` is ``OUT`` + this.
META_SUFFIX = ".meta.json"
_STDIO = "-"
# A temporary file untouched this long, and locked by no one, was left by a killed run
# (a live writer holds its lock; the age covers the moment before it takes it).
_STALE_SECONDS = 60.0


def output_format(output: str) -> str:
    """Return ``"csv"`` or ``"parquet"`` for an output name; refuse any other extension.

    Parameters
    ----------
    output : str
        The output path, or ``"-"`` for standard output (CSV).

    Returns
    -------
    str
        ``"parquet"`` for ``.parquet``/``.pq``, ``"csv"`` for ``.csv``/``.tsv``/``.txt``
        and ``"-"`` (any case).

    Raises
    ------
    CaseFileError
        For any other extension, listing the ones that can be written.
    """
    if output == _STDIO:
        return "csv"
    if not str(output).strip():  # Path("") is the current folder
        raise CaseFileError("cannot write to an empty name: name a file, or - for stdout.")
    if Path(output).is_dir():
        raise CaseFileError(f"cannot write '{output}': it is a folder; name a file in it.")
    name = Path(output).name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    suffix = Path(output).suffix
    found = f"extension '{suffix}'" if suffix else "no extension"
    known = ", ".join((*CSV_SUFFIXES, *PARQUET_SUFFIXES))
    raise CaseFileError(
        f"cannot write '{output}': {found} is not a format backspasm writes; "
        f"use one of {known} (or - for CSV on standard output)."
    )


def check_paths(input: str | os.PathLike[str], output: str | os.PathLike[str]) -> str:
    """Check, before any work, that scoring ``input`` into ``output`` is safe and possible.

    Parameters
    ----------
    input : path-like or "-"
        The case file (``"-"``: standard input).
    output : path-like or "-"
        The scored file (``"-"``: standard output); its sidecar is ``output.meta.json``.

    Returns
    -------
    str
        The output format, ``"csv"`` or ``"parquet"``.

    Raises
    ------
    CaseFileError
        When the output or its sidecar would replace the input (same name, a hard or
        symbolic link to it, or the file standard input reads), when the output is a
        folder or not a regular file, when its folder is missing or not writable, or
        when its extension is not one that can be written. Nothing has been created.
    """
    src, dst = os.fspath(input), os.fspath(output)
    if dst == _STDIO:
        return "csv"
    meta = dst + META_SUFFIX
    given = "the file standard input reads" if src == _STDIO else f"the input file '{src}'"
    if _is_input(src, dst):
        raise CaseFileError(
            f"refusing to overwrite the input: output '{dst}' is {given}; "
            "choose another output path."
        )
    if _is_input(src, meta):
        raise CaseFileError(
            f"refusing to overwrite the input: the provenance sidecar '{meta}' of output "
            f"'{dst}' is {given}; choose another output path."
        )
    _check_target(dst, "")
    fmt = output_format(dst)
    _check_target(meta, "the provenance sidecar ")
    check_folder(dst)
    return fmt


def check_folder(dst: str | os.PathLike[str]) -> None:
    """Refuse an output whose folder is missing, not a folder, or not writable.

    Raises
    ------
    CaseFileError
        Naming the output and what is wrong with its folder.
    """
    folder = Path(dst).parent
    if not folder.exists():
        raise CaseFileError(f"cannot write '{dst}': folder '{folder}' does not exist.")
    if not folder.is_dir():
        raise CaseFileError(f"cannot write '{dst}': '{folder}' is not a folder.")
    problem = cannot_write_in(folder)
    if problem:
        raise CaseFileError(f"cannot write '{dst}': folder '{folder}' {problem}.")


def cannot_write_in(folder: str | os.PathLike[str]) -> str | None:
    """Say why no file can be created in an existing folder; None when one can.

    The folder's modes first (``os.access``); then a nameless temporary file is
    opened in it and closed, since the modes say yes to root everywhere and say
    nothing of ``/proc``, ``/sys`` or a read-only mount. Nothing is left behind.

    Parameters
    ----------
    folder : path-like
        A folder that exists.

    Returns
    -------
    str or None
        ``"is not writable"``, with the system's reason when the trial file said it
        (``"is not writable (Read-only file system)"``), or None.
    """
    if not os.access(folder, os.W_OK | os.X_OK):
        return "is not writable"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        # The folder exists: /proc's "No such file or directory" would mislead.
        gone = exc.errno in (errno.ENOENT, errno.EOPNOTSUPP)
        return f"is not writable ({'no file can be made there' if gone else exc.strerror or exc})"
    return None


def _check_target(path: str, what: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode):
        raise CaseFileError(f"cannot write {what}'{path}': it is a folder.")
    if not stat.S_ISREG(mode):
        raise CaseFileError(
            f"cannot write {what}'{path}': it is not a regular file (use - for standard output)."
        )


def _is_input(src: str, target: str) -> bool:
    """Tell whether writing ``target`` would replace the file ``src`` names."""
    if src == _STDIO:
        return _is_stdin(target)
    try:
        return os.path.samefile(src, target)
    except OSError:
        return os.path.realpath(src) == os.path.realpath(target)


def _is_stdin(target: str) -> bool:
    try:
        given = os.fstat(sys.stdin.fileno())
        there = os.stat(target)
    except (AttributeError, OSError, ValueError):
        return False
    return stat.S_ISREG(given.st_mode) and (given.st_dev, given.st_ino) == (
        there.st_dev,
        there.st_ino,
    )


class AtomicFile:
    """A binary file written under a hidden temporary name in its folder.

    :meth:`finish` flushes it to disk, :meth:`replace` renames it into place and
    :meth:`discard` removes it; until :meth:`replace`, the target is untouched. A
    ``path`` that is a symbolic link stays one: the file it points to is replaced. A
    file replaced keeps its permission bits. The temporary file is locked while it is
    open, and temporary files of the same target that no one holds and that were
    left untouched for a minute (a run killed with SIGKILL) are removed.

    Parameters
    ----------
    path : Path
        The file to write.

    Raises
    ------
    CaseFileError
        When the temporary file cannot be created.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # The file a symbolic link points to is the one replaced; the link stays.
        self.target = Path(os.path.realpath(path)) if path.is_symlink() else path
        try:
            mode: int | None = stat.S_IMODE(os.stat(self.target).st_mode)
        except OSError:
            mode = None
        name = self.target.name
        self.tmp: Path | None = self.target.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            self.fh: BinaryIO = open(self.tmp, "xb")  # noqa: SIM115 - closed by finish/discard
        except OSError as exc:
            self.tmp = None
            raise CaseFileError(f"cannot write '{path}': {exc.strerror or exc}") from None
        _lock(self.fh)
        self.mode = mode  # given to the file once written (a writer may reopen it by name)
        _remove_stale(self.target, keep=self.tmp)

    def finish(self) -> None:
        """Flush and sync the temporary file to disk and close it."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()

    def replace(self, left: str = "it was left as it was") -> None:
        """Rename the temporary file to the target (after :meth:`finish`).

        Raises
        ------
        CaseFileError
            When the rename fails (the temporary file is left for :meth:`discard`),
            saying in parentheses what became of the target (``left``).
        """
        if self.tmp is not None:
            if self.mode is not None:
                # Another user's file in a shared folder may refuse: the default mode, then.
                with suppress(OSError):
                    os.chmod(self.tmp, self.mode)
            try:
                os.replace(self.tmp, self.target)
            except OSError as exc:
                raise CaseFileError(
                    f"cannot write '{self.path}': {exc.strerror or exc} ({left})"
                ) from None
            self.tmp = None

    def discard(self) -> None:
        """Close and remove the temporary file, if it is still there."""
        if self.tmp is None:
            return
        try:
            # closing flushes the buffer: on a full disk that fails again, and its
            # error would hide the one that named the file
            with suppress(OSError):
                self.fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a hidden temporary name beside ``path``; move it into place on success.

    For writers that take a file name rather than a file: the block writes to the
    yielded path, which replaces ``path`` only when the block ends without an
    exception, and is removed otherwise.

    Parameters
    ----------
    path : Path
        The file to write.

    Yields
    ------
    Path
        The temporary file to write to (it exists, empty).

    Raises
    ------
    CaseFileError
        When the temporary file cannot be created.
    """
    target = AtomicFile(path)
    try:
        assert target.tmp is not None
        # The writer opens the name itself; the file stays open here only to hold the
        # lock that keeps another run from taking it for a stale one.
        yield target.tmp
        target.fh.close()
        target.replace()
    finally:
        target.discard()


def _lock(fh: BinaryIO) -> bool:
    """Take the lock that marks a temporary file as in use; tell whether it was free."""
    if sys.platform == "win32":
        return False
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _remove_stale(target: Path, *, keep: Path) -> None:
    """Remove temporary files of ``target`` left by killed runs (see :class:`AtomicFile`).

    Only names :class:`AtomicFile` gives (``.NAME.<8 hex digits>.tmp``) that no open
    :class:`AtomicFile` holds the lock of and that were not written for a minute.
    """
    if sys.platform == "win32":
        return  # no lock tells a live writer from a dead one
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{8}}\.tmp")
    try:
        names = [e.name for e in os.scandir(target.parent) if pattern.fullmatch(e.name)]
    except OSError:
        return
    now = time.time()
    for name in names:
        tmp = target.with_name(name)
        if tmp == keep:
            continue
        try:
            with open(tmp, "rb") as fh:
                info = os.fstat(fh.fileno())
                if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < _STALE_SECONDS:
                    continue
                if _lock(fh):
                    tmp.unlink()
        except OSError:
            continue  # gone already, or not ours to read: leave it
