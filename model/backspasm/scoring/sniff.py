"""What a case file is, from its first bytes: packed or a workbook, and its delimiter.

:func:`packed` names a compressed file or a spreadsheet and the tool that unpacks
it (backspasm reads CSV or Parquet); :func:`sniff_delimiter` tells a comma from a
semicolon from a tab.
"""

from __future__ import annotations

import csv
import shlex

__all__ = ["MAGIC_BYTES", "SNIFF_BYTES", "packed", "sniff_delimiter"]

_DELIMITERS = ",;\t"
# csv.Sniffer's regular expressions take quadratic time on unlucky text (13 s for
# 64 KiB of `,"a`); a few KiB of whole lines are plenty to tell , from ; from tab.
SNIFF_BYTES = 8 * 1024


def sniff_delimiter(sample: str) -> str:
    """Return the delimiter of a sample of whole lines: ``,``, ``;`` or a tab."""
    first = sample.split("\n", 1)[0]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    if counts.get(found, 0) > 0:
        return found
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


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
    return ""
