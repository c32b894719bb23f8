"""Where and in which format :meth:`backspasm.network.Network.export` writes.

The format named or told by the file's extension, then a pgmpy writer
(:func:`backspasm.exporting.writer_for`) run on a temporary file that is renamed
into place, or copied to standard output for ``"-"``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from backspasm._files import atomic_path
from backspasm.exceptions import BackspasmError
from backspasm.spec.reader import origin_path

if TYPE_CHECKING:
    from backspasm.exporting import Network

__all__ = ["EXPORT_FORMATS", "ExportFormat", "export_format", "export_network"]

ExportFormat = Literal["bif", "xmlbif", "net", "xdsl", "uai"]
#: Formats :meth:`Network.export` writes, with the pgmpy writer used for each.
EXPORT_FORMATS: tuple[str, ...] = ("bif", "xmlbif", "net", "xdsl", "uai")


def export_network(
    network: Network, path: str | os.PathLike[str], *, format: ExportFormat | None = None
) -> Path:
    """Write ``network``'s pgmpy model to ``path``; return the path written.

    ``format`` is one of :data:`EXPORT_FORMATS`, or else told by the extension of
    ``path`` (``.xml`` for XMLBIF); ``"-"`` writes to standard output. The network
    lends its labels and layout to NET and XDSL files. :meth:`Network.export` says
    more of each format.

    Raises
    ------
    BackspasmError
        For a format backspasm does not write, or a folder that does not exist.
    """
    dest = Path(path)
    if str(path) != "-" and dest.is_dir():
        raise BackspasmError(f"cannot export to '{path}': it is a folder; name a file in it.")
    fmt = export_format(path, format)
    if fmt not in EXPORT_FORMATS:
        formats = ", ".join(EXPORT_FORMATS)
        said = (
            f"format {fmt!r} is not one backspasm writes"
            if fmt
            else "the name has no extension to tell the format"
        )
        raise BackspasmError(
            f"cannot export to '{path}': {said}; name the format ({formats}) or give "
            "the file its extension (.xml for xmlbif)."
        )
    from backspasm.exporting import writer_for  # reads the layout: loaded on use

    writer = writer_for(fmt, network.model, network if fmt in ("net", "xdsl") else None)
    if str(path) != "-":  # a file: refused before any warning about its content
        if not dest.parent.is_dir():
            raise BackspasmError(
                f"cannot export to '{path}': folder '{dest.parent}' does not exist."
            )
        _not_the_knowledge_base(network, dest, path)
    told = export_format(path)
    if format and told in EXPORT_FORMATS and told != fmt:  # -f xdsl -o x.bif
        warnings.warn(
            f"'{path}' is named as {told.upper()} but holds {fmt.upper()}, as asked: a "
            f"program that goes by the name will misread it",
            UserWarning,
            stacklevel=2,
        )
    if fmt == "net":
        _warn_unreadable_states(network)
    if fmt in ("bif", "xmlbif"):
        _warn_renamed_states(network, fmt)
    if str(path) == "-":  # standard output
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder) / f"model.{fmt}"
            writer(str(tmp))
            sys.stdout.write(tmp.read_text(encoding="utf-8"))
        return dest
    with atomic_path(dest) as tmp:
        writer(str(tmp))
    return dest


def _not_the_knowledge_base(network: Network, dest: Path, path: str | os.PathLike[str]) -> None:
    """Refuse to write over a file of the knowledge base, or a .toml into its folder.

    Either would leave a knowledge base that no longer loads (BIF text read as TOML).
    """
    found = origin_path(network.spec.origin)
    if found is None:
        return
    target, origin = dest.resolve(), found.resolve()
    # each file resolved too: a file of the folder may be a link to one elsewhere
    read = {origin} if origin.is_file() else {(found / f).resolve() for f in network.spec.files}
    joins = origin.is_dir() and target.parent == origin
    if target in read or (joins and target.suffix.lower() == ".toml"):
        raise BackspasmError(
            f"cannot export to '{path}': it would "
            + ("overwrite a file of" if target in read else "join")
            + f" the knowledge base being exported ('{network.spec.origin}'), which would "
            "then no longer load. Name a file elsewhere."
        )


def export_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """Return the format a file is exported in: ``format``, or else told by its extension."""
    suffix = Path(path).suffix.lower()
    return format or {".xml": "xmlbif"}.get(suffix, suffix[1:])


def _warn_renamed_states(network: Network, fmt: str) -> None:
    """Warn that a BIF or XMLBIF file names some states anew.

    BIF readers other than pgmpy's (pyAgrum's among them) take only ASCII letters,
    digits and ``_`` in a state name, so the BIF writer names ``18-39`` as ``18_39``
    (:func:`backspasm.exporting.bif_state_names`); pgmpy's XMLBIF writer does the same
    to every character that is not a letter, digit or underscore. Evidence for the
    model read back must use the new names; NET and XDSL keep them.
    """
    model = network.model
    if fmt == "bif":
        from backspasm.exporting import bif_state_names

        renamed = {
            old: new for names in bif_state_names(model).values() for old, new in names.items()
        }
        who = "BIF state names are ASCII letters, digits and '_', so this file renames"
    else:
        renamed = {
            str(state): re.sub(r"[^\w]", "_", str(state))
            for node in model.nodes()
            for state in model.get_cpds(node).state_names[node]
            if re.search(r"[^\w]", str(state))
        }
        who = "pgmpy's XMLBIF writer renames"
    if renamed:
        shown = ", ".join(f"{old!r} as {new!r}" for old, new in list(renamed.items())[:3])
        warnings.warn(
            f"{who} {len(renamed)} state name(s) ({shown}"
            f"{' ...' if len(renamed) > 3 else ''}): evidence for the model read back "
            "must use the new names; NET and XDSL keep them",
            UserWarning,
            stacklevel=3,
        )


def _warn_unreadable_states(network: Network) -> None:
    """Warn when pgmpy's NET reader could not read a state name back.

    NET writes any name in quotes, but pgmpy's ``NETReader`` takes a state name of
    printable ASCII without spaces, parentheses or commas (``légère`` ends its parse
    in an IndexError); XDSL reads such names back (BIF renames them).
    """
    model = network.model
    odd = [
        str(state)
        for node in model.nodes()
        for state in model.get_cpds(node).state_names[node]
        if any(not 33 <= ord(c) <= 126 or c in "()," for c in str(state))
    ]
    if odd:
        shown = ", ".join(repr(s) for s in odd[:3]) + (" ..." if len(odd) > 3 else "")
        warnings.warn(
            f"{len(odd)} state name(s) hold characters pgmpy's NET reader does not take "
            f"({shown}): the file is valid NET, but pgmpy cannot read it back; XDSL "
            "can",
            UserWarning,
            stacklevel=3,
        )
