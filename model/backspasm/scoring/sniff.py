"""What a case file is, from its first bytes: packed or a workbook, and its delimiter.

:func:`packed` names a compressed file or a spreadsheet and the tool that unpacks
it (backspasm reads CSV or Parquet); :func:`sniff_delimiter` tells a comma from a
semicolon from a tab; :func:`read_header` reads the column names; ``_utf16`` tells
UTF-16 text; ``_Prefixed`` is a stream whose first bytes were read to tell what it is.
"""

from __future__ import annotations

import csv
import io
import shlex
from typing import Any, BinaryIO

from backspasm.exceptions import CaseFileError
from backspasm.scoring.records import _line_end, _record_end, first_record

__all__ = [
    "MAGIC_BYTES",
    "MAX_COLUMNS",
    "SNIFF_BYTES",
    "check_width",
    "packed",
    "read_header",
    "sniff_delimiter",
]

_DELIMITERS = ",;\t"
# csv.Sniffer's regular expressions take quadratic time on unlucky text (13 s for
# 64 KiB of `,"a`); a few KiB of whole lines are plenty to tell , from ; from tab.
SNIFF_BYTES = 8 * 1024


def sniff_delimiter(sample: str) -> str:
    """Return the delimiter of a sample of whole lines: ``,``, ``;`` or a tab.

    One that splits every line of the sample into as many fields as the header
    comes first (the one giving the most, when several do): a semicolon file with
    decimal commas and a column named ``weight, kg`` is a semicolon file. Otherwise
    :class:`csv.Sniffer`'s guess, if the header holds it; else the commonest in the
    header.
    """
    first = sample.split("\n", 1)[0]
    steady = {d: _width(sample, d) for d in _DELIMITERS if d in first}
    steady = {d: n for d, n in steady.items() if n > 1}
    if steady:
        return max(steady, key=lambda d: steady[d])
    try:
        found = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    if counts.get(found, 0) > 0:
        return found
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _width(sample: str, delimiter: str) -> int:
    """Return how many fields ``delimiter`` gives every line of the sample, or 0 if not one.

    The sample's last line may be cut short, so it is not counted.
    """
    try:  # newline=None: a file's lines may end at CR, LF or CRLF
        rows = [r for r in csv.reader(io.StringIO(sample, newline=None), delimiter=delimiter) if r]
    except csv.Error:  # a stray quote or NUL: let the sniffer and the header's counts decide
        return 0
    widths = {len(r) for r in rows[:-1]} if len(rows) > 1 else {len(rows[0])} if rows else set()
    return widths.pop() if len(widths) == 1 else 0


# What a file's first bytes say it is, and the tool that streams out its text.
_PACKED = (
    (b"\x1f\x8b", "gzip-compressed", "gzip -dc"),
    (b"BZh", "bzip2-compressed", "bzip2 -dc"),
    (b"\xfd7zXZ\x00", "xz-compressed", "xz -dc"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "zstd -dc"),
    (b"PK\x03\x04", "a zip archive", "unzip -p"),
)
# The first member of an Office file written by Excel, LibreOffice or openpyxl.
_OFFICE_MEMBERS = (
    b"[Content_Types].xml",
    b"_rels/",
    b"docProps/",
    b"xl/",
    b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
)
_WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")
# Files often given by mistake, by their first bytes.
_NOT_TEXT = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x7fELF", "a program (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
MAGIC_BYTES = 64


def packed(magic: bytes, path: str) -> str:
    """Say what a compressed or Excel file is and how to read it ("" for anything else)."""
    name = "FILE" if path == "-" else shlex.quote(path)
    xls = magic.startswith(b"\xd0\xcf\x11\xe0")  # an Excel 97-2003 workbook
    # A zip archive names its first member from byte 30 on.
    xlsx = magic.startswith(b"PK\x03\x04") and (
        magic[30:].startswith(_OFFICE_MEMBERS) or path.lower().endswith(_WORKBOOKS)
    )
    if xls or xlsx:
        return (
            "it is a spreadsheet workbook (Excel), not text; backspasm reads CSV or Parquet. "
            "Save the sheet as CSV UTF-8 (File > Save As in Excel or LibreOffice) and score "
            "that file."
        )
    for start, what, tool in _PACKED:
        if magic.startswith(start):
            return (
                f"it is {what}; backspasm reads CSV or Parquet. Unpack it first, or stream "
                f"it in: {tool} {name} | backspasm score - -o OUT."
            )
    for start, what in _NOT_TEXT:
        if magic.startswith(start):
            return f"it is {what}, not a table; backspasm reads CSV or Parquet."
    return ""


def _utf16(head: bytes) -> str:
    """Name UTF-16 text from its first bytes (with or without a byte-order mark), else ""."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 (with a byte-order mark)"
    sample = head[: len(head) // 2 * 2][:512]
    if len(sample) < 4:
        return ""
    even, odd = sample[0::2], sample[1::2]
    # Text in the Latin script has a zero byte beside every character.
    if odd.count(0) >= 0.9 * len(odd) and not even.count(0):
        return "UTF-16LE (without a byte-order mark)"
    if even.count(0) >= 0.9 * len(even) and not odd.count(0):
        return "UTF-16BE (without a byte-order mark)"
    return ""


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read: ``head``, then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: The most columns a case file may have (Excel's widest sheet). Reading costs about
#: 10 KB a column whatever the rows (pyarrow keeps a decoder per column), so a file
#: of 400,000 columns took 8 GB; at this limit a file stays near 0.5 GB.
MAX_COLUMNS = 16_384


def read_header(head: bytes, delimiter: str, name: str) -> list[str]:
    """Return the column names of a CSV file: its first record, read from ``head``.

    Read with the :mod:`csv` module (as pyarrow reads a record: ``"`` quotes, ``""``
    a quote inside them), not with ``pyarrow.csv.read_csv``, which builds a parser
    and a converter per column for one line and left about 8 KB a column with the C
    allocator (800 MB for a header of 100,000 names).

    Raises
    ------
    CaseFileError
        For a header that is not UTF-8, is empty, or has more than
        :data:`MAX_COLUMNS` columns (before any of them is read further).
    """
    end = _record_end(head)
    first = head[: (end if end >= 0 else _line_end(head, 0)) + 1] or head
    why = f"case file '{name}': cannot read the header row"
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFileError(
            f"{why}: byte 0x{first[exc.start]:02x} is not UTF-8 (save the file as UTF-8)"
        ) from None
    try:
        row = first_record(text, delimiter)
    except csv.Error as exc:
        raise CaseFileError(f"{why}: {exc}") from None
    if not row:
        raise CaseFileError(f"{why}: it is empty")
    check_width(len(row), name)
    return row


def check_width(columns: int, name: str) -> None:
    """Refuse a case file of more than :data:`MAX_COLUMNS` columns, naming both counts."""
    if columns > MAX_COLUMNS:
        raise CaseFileError(
            f"case file '{name}' has {columns:,} columns; backspasm reads at most "
            f"{MAX_COLUMNS:,} (memory grows by about 10 KB a column, whatever the rows): "
            "keep the questions and the columns you need and score that file."
        )
