"""Read a knowledge base: files, parsing, and :func:`load_spec`.

The TOML files are read through :mod:`importlib.resources` for the bundled knowledge
base, parsed into a :class:`~backspasm.spec.raw.RawSpec`, then validated and built
into a :class:`~backspasm.spec.schema.Spec` by :func:`load_spec`.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import os
import re
import tomllib
import warnings
from importlib import resources
from pathlib import Path

from backspasm.exceptions import SpecError
from backspasm.spec.merge import TOP_LEVEL, Declared, add_document, report_twice
from backspasm.spec.raw import RawSpec, problem
from backspasm.spec.rules import validate_spec
from backspasm.spec.schema import Spec, TriagePolicy

__all__ = [
    "BUNDLED_ORIGIN",
    "MAX_FILE_BYTES",
    "SkippedFileWarning",
    "bundled_policy",
    "load_spec",
    "origin_path",
    "parse",
    "read_files",
]

#: The origin (provenance) of the bundled knowledge base, whose files have no path a
#: user gave.
BUNDLED_ORIGIN = "backspasm/knowledge (bundled)"

#: The largest knowledge-base file read, and the most all its files may hold together
#: (the largest bundled file, the bibliography, is about 0.2 MB): a bigger file is
#: refused before it is read, so a wrong file cannot take the machine's memory.
MAX_FILE_BYTES = 16 * 2**20


def origin_path(origin: str) -> Path | None:
    """Return the file or folder a knowledge base was read from, or None if unknown.

    ``origin`` is a spec's; the bundled knowledge base's (:data:`BUNDLED_ORIGIN`, also
    when edited in place) is the package's ``knowledge`` folder, so that nothing is
    written over the installed files either.
    """
    if origin.startswith(BUNDLED_ORIGIN.removesuffix(")")):
        folder = Path(str(resources.files("backspasm").joinpath("knowledge")))
        return folder if folder.is_dir() else None
    path = Path(origin) if origin else None
    return path if path is not None and path.exists() else None


_NOT_REGULAR = (
    "not a regular file (a folder, named pipe or device); a knowledge base is read "
    "from regular *.toml files only"
)


def read_files(path: str | os.PathLike[str] | None) -> tuple[list[tuple[str, bytes]], str]:
    """Return the ``(file name, bytes)`` of every TOML file of a knowledge base, and its origin.

    Parameters
    ----------
    path : str, Path or None
        A folder of ``*.toml`` files, one TOML file, or None for the bundled knowledge
        base (read through :mod:`importlib.resources`).

    Returns
    -------
    files : list of (str, bytes)
        In file-name order.
    origin : str
        Where they were read, for provenance.

    Raises
    ------
    SpecError
        If the path does not exist, holds no TOML file, cannot be read, or holds
        more than :data:`MAX_FILE_BYTES` in a file or four times that in all.
    """
    if path is None:
        root = resources.files("backspasm").joinpath("knowledge")
        items = sorted(
            (entry.name, entry.read_bytes())
            for entry in root.iterdir()
            if entry.name.endswith(".toml")
        )
        return items, BUNDLED_ORIGIN
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"a knowledge base is given by the path of its folder or TOML file, not a "
            f"{type(path).__name__} (a Network is already loaded: use it as it is)"
        )
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.toml"))
        misnamed, nested = _skipped(p)
        if not files:
            raise SpecError(
                [f"{p}: no *.toml files in this folder [rule: files]", *misnamed, *nested]
            )
        if misnamed:
            raise SpecError(misnamed)
        for text in nested:  # a variant may keep old copies in a subfolder: a warning
            warnings.warn(text, SkippedFileWarning, stacklevel=3)
    elif p.is_file():
        files = [p]
    elif p.exists():
        raise SpecError([f"{p}: {_NOT_REGULAR} [rule: files]"])
    else:
        raise SpecError([f"{p}: no such file or folder [rule: files]"])
    items, problems = [], []
    room = 4 * MAX_FILE_BYTES
    for f in files:
        if not f.is_file():  # opening a named pipe would wait for a writer forever
            problems.append(f"{f}: {_NOT_REGULAR} [rule: files]")
            continue
        try:
            data = _read_at_most(f, min(MAX_FILE_BYTES, room))
        except OSError as exc:
            problems.append(f"{f}: cannot be read: {exc.strerror or exc} [rule: files]")
            continue
        if data is None:
            problems.append(_too_big(f, room))
            break
        room -= len(data)
        items.append((f.name, data))
    if problems:
        raise SpecError(problems)
    # absolute: provenance (a scored file's meta, captions.md) must name the folder
    # whatever the folder a command was run from
    return items, os.path.abspath(p)


def _read_at_most(path: Path, limit: int) -> bytes | None:
    """Return the file's bytes, or None when it holds more than ``limit`` (not read further)."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    return None if len(data) > limit else data


def _too_big(path: Path, room: int) -> str:
    """Word the refusal of a file over :data:`MAX_FILE_BYTES` or over what the others left."""
    try:
        size = f"{path.stat().st_size / 2**20:,.1f} MB"
    except OSError:
        size = "too large"
    limit = MAX_FILE_BYTES // 2**20
    if room >= MAX_FILE_BYTES:
        why = f"a knowledge-base file may hold at most {limit} MB"
    else:
        why = f"a knowledge base's files may hold at most {4 * limit} MB together"
    return (
        f"{path}: {size}, not read: {why} (the bundled bibliography is 0.2 MB); is it "
        "the file you meant? [rule: files]"
    )


class SkippedFileWarning(UserWarning):
    """A ``*.toml`` file in a subfolder of a knowledge base, which is not read."""


def _skipped(folder: Path) -> tuple[list[str], list[str]]:
    """Problems of files that look like knowledge but would not be read.

    Only the ``*.toml`` files directly in the folder are read: one named ``*.TOML``
    (or another case) is refused, and a ``*.toml`` in a subfolder (the first ten of
    each) is warned about: either would silently leave its nodes out.

    Returns
    -------
    misnamed, nested : list of str
        One line each, worded as problems.
    """
    misnamed: list[str] = []
    nested: list[str] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return misnamed, nested
    for entry in entries:
        if entry.suffix.lower() == ".toml" and entry.suffix != ".toml" and entry.is_file():
            misnamed.append(
                problem(
                    str(entry),
                    "",
                    "",
                    "files",
                    f"not read: only files ending in '.toml' (lower case) are; rename it "
                    f"{entry.stem}.toml, or move it out of the folder.",
                )
            )
        elif entry.is_dir() and not entry.name.startswith((".", "__")):
            try:
                found = (f for f in entry.rglob("*.[tT][oO][mM][lL]") if f.is_file())
                inside = sorted(itertools.islice(found, 10))
            except OSError:
                continue
            nested.extend(
                problem(
                    str(f),
                    "",
                    "",
                    "files",
                    f"not read: it is in the subfolder '{entry.name}', and a knowledge base "
                    f"is the *.toml files of one folder ({folder}); move it there if it "
                    "belongs to the knowledge base.",
                )
                for f in inside
            )
    return misnamed, nested


#: A line that opens a table (``[nodes.fever]``), and one that starts with a key.
_TABLE_LINE = re.compile(r"\s*\[")
_KEY_LINE = re.compile(r"\s*([A-Za-z0-9_.\-]+)\s*=")


def _repeated_key(data: bytes, line: int) -> tuple[str, int] | None:
    """Return the key given twice in the table the parser stopped in, and its second line.

    The parser names the line where the second value ends, which for a value over
    several lines (``table = [ ... ]``) is not the key's.
    """
    lines = data.decode("utf-8", "replace").splitlines()[:line]
    start = max((i for i, text in enumerate(lines) if _TABLE_LINE.match(text)), default=0)
    seen: set[str] = set()
    for i in range(start, len(lines)):
        found = _KEY_LINE.match(lines[i])
        if found and found[1] in seen:
            return found[1], i + 1
        if found:
            seen.add(found[1])
    return None


def _said_plainly(text: str, data: bytes, line: int) -> tuple[str, int]:
    """Say a repeated key or table, the commonest slip of a hand-edited file, plainly.

    The parser says only "Cannot overwrite a value", "Cannot declare ('nodes',
    'fever') twice", "Duplicate inline table key" or "Cannot mutate immutable
    namespace"; the key and the line it is on are read from the file. Returns the
    words and the line to name.
    """
    twice = re.match(r"Cannot declare \((.*)\) twice", text)
    if twice:
        table = ".".join(part.strip().strip("'\"") for part in twice[1].split(",") if part.strip())
        return f"[{table}] is given twice (each table once: merge the two)", line
    inline = re.match(r"Duplicate inline table key '(.*)'", text)
    if inline:
        return f"the key {inline[1]!r} is given twice in one {{...}} table", line
    if text.startswith("Cannot mutate immutable namespace"):
        return (
            "a {...} table cannot be added to after its braces close: write the key inside them",
            line,
        )
    if text.startswith("Cannot overwrite a value"):
        repeated = _repeated_key(data, line)
        if repeated is None:
            return "a key is given a second value (each key once in a table)", line
        return (
            f"the key {repeated[0]!r} is given a second value (each key once in a table)",
            repeated[1],
        )
    return text, line


def _syntax_problem(name: str, data: bytes, exc: Exception) -> str:
    """One problem for a file that is not valid TOML, naming the line."""
    if isinstance(exc, UnicodeDecodeError):
        line = data[: exc.start].count(b"\n") + 1
        message = f"not valid TOML: not UTF-8 text (byte {exc.start} of the file)."
    elif isinstance(exc, RecursionError):
        line = 0
        message = "not valid TOML: arrays or tables nested too deeply."
    else:
        text = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)$", text)
        if found:
            text, line = _said_plainly(text[: found.start()].rstrip(), data, int(found[1]))
            column = f", at column {found[2]}" if line == int(found[1]) else ""
            text = f"{text}{column}"
        elif text.endswith("(at end of document)"):
            line = data.rstrip().count(b"\n") + 1
            text = text[: -len("(at end of document)")].rstrip() + ", at the end of the file"
        else:  # e.g. an integer of thousands of digits: not a TOMLDecodeError
            line = 0
            text = text.split(";")[0]
        message = f"not valid TOML: {text}."
    return problem(name, f"line {line}" if line else "", "", "toml-syntax", message)


def parse(files: list[tuple[str, bytes]]) -> RawSpec:
    """Parse TOML files into one :class:`RawSpec`, recording syntax and naming problems.

    Parameters
    ----------
    files : list of (str, bytes)
        File names and contents, as :func:`read_files` returns them.

    Returns
    -------
    RawSpec
        What the files said; nothing is raised here.
    """
    raw = RawSpec(texts=dict(files))
    declared: Declared = {}
    for name, data in files:
        if data.startswith(codecs.BOM_UTF8):
            raw.problems.append(
                problem(
                    name,
                    "line 1",
                    "",
                    "toml-syntax",
                    "not valid TOML: the file starts with a byte-order mark (BOM); save it "
                    "as UTF-8 without BOM.",
                )
            )
            raw.failed_files.append(name)
            continue
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # TOMLDecodeError, UnicodeDecodeError
            raw.problems.append(_syntax_problem(name, data, exc))
            raw.failed_files.append(name)
            continue
        if not doc and len(files) > 1:  # alone, it "declares no nodes"
            # What it held is unknown: names not found may have been there.
            raw.dropped_tables.update(TOP_LEVEL)
            raw.problems.append(
                problem(
                    name,
                    "",
                    "",
                    "files",
                    "the file declares nothing (no nodes, sources or triage table): most "
                    "likely a failed save or copy. Fill it in, or delete it.",
                )
            )
        add_document(raw, name, doc, declared)
    report_twice(raw, declared)
    return raw


_BUNDLED_POLICY: list[TriagePolicy | None] = []


def bundled_policy() -> TriagePolicy | None:
    """Return the bundled knowledge base's triage policy (read once per process).

    Returns
    -------
    TriagePolicy or None
        What a knowledge base without a ``[triage]`` table borrows.
    """
    if not _BUNDLED_POLICY:
        _BUNDLED_POLICY.append(load_spec().triage)
    return _BUNDLED_POLICY[0]


def load_spec(path: str | os.PathLike[str] | None = None) -> Spec:
    """Read and validate a knowledge base.

    Parameters
    ----------
    path : str or Path, optional
        A folder of ``*.toml`` files or one TOML file. By default the bundled
        knowledge base, read through :mod:`importlib.resources`.

    Returns
    -------
    Spec
        Frozen, validated declarations.

    Raises
    ------
    SpecError
        If the files cannot be read or break any rule; the message lists every
        problem with its file, node, field, rule and a suggested fix.
    """
    files, origin = read_files(path)
    # A knowledge base without [triage] borrows the bundled policy (not the bundled
    # knowledge base itself: it declares its own).
    try:
        spec = validate_spec(parse(files), bundled_policy=None if path is None else bundled_policy)
    except SpecError as exc:
        raise SpecError(exc.problems, origin=origin) from None
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode() + b"\0" + data + b"\0")
    return Spec(
        nodes=spec.nodes,
        sources=spec.sources,
        origin=origin,
        digest=digest.hexdigest(),
        triage=spec.triage,
        files=tuple(name for name, _ in files),
    )
