"""The bytes of a CSV file on their way to pyarrow: hashed, UTF-8, lines bounded.

:class:`_Guard` sits between the file (or standard input) and pyarrow's streaming
CSV reader. It passes on whole lines only, hashes every byte, checks that the text
is UTF-8 (naming the line of a bad byte), drops a BOM and blank lines before the
header and after the last record (those between records wait for the next one),
and replaces a line longer than the limit by a marker line (:data:`_DROPPED`) that
pyarrow hands back as an invalid row, so memory stays bounded whatever the file
holds. A line ends at LF, CR or CRLF (a quoted cell over several lines counts each).

pyarrow's streaming reader would read far ahead of its parser; the blocks it holds
are counted and bounded by :class:`backspasm.scoring.held._Held`, at most
:data:`_HELD_BLOCKS` at a time.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from collections import deque
from collections.abc import Callable
from typing import Any, BinaryIO

from backspasm.exceptions import CaseFileError
from backspasm.scoring.held import _Held
from backspasm.scoring.records import _count_lines, _line_end, _record_end
from backspasm.scoring.sniff import _utf16

__all__: list[str] = []

_READ_BYTES = 1024 * 1024
_HEADER_BYTES = 64 * 1024
_BOM = b"\xef\xbb\xbf"
# Stands for a dropped line; a NUL never occurs in text, and the delimiters added
# after it make the row too wide for any header, so pyarrow hands it back.
_DROPPED = "\0backspasm: dropped line "
# A marker made while the header was still being read, before the delimiter and the
# width were known: :meth:`_Guard.configure` adds them.
_BARE_MARKER = re.compile(rb"(\x00backspasm: dropped line \d+)\n")
# How much of a dropped line is kept for the cells it begins with.
_START_BYTES = 4096
# Blocks pyarrow's CSV reader may hold at once: the three its parser needs together and
# one read ahead of it (see _Held).
_HELD_BLOCKS = 4


class _Guard(io.RawIOBase):
    """The bytes of a CSV file as pyarrow reads them: hashed, UTF-8, lines bounded.

    Only whole lines are passed on (a line ends at LF, CR or CRLF); a line that grows
    past ``max_line`` bytes is dropped up to its end and replaced by a marker line that
    pyarrow hands back as an invalid row. Blank lines (empty, or spaces and tabs that
    are not the delimiter) wait until a record follows: between records they are
    rows, after the last one they are dropped. Memory: at most ``max_line`` plus one
    read, the blank lines held (as bytes up to one read, then as a count), and the
    blocks pyarrow holds, at most ``held.most`` (:class:`_Held`).
    """

    def __init__(self, raw: BinaryIO, name: str, max_line: int) -> None:
        super().__init__()
        self.raw = raw
        self.held = _Held(_HELD_BLOCKS)
        self.name = name
        self.max_line = max_line
        self.sha256 = hashlib.sha256()
        self.nbytes = 0
        self.quotes = 0
        self.tail = b""  # the last byte of the file that is not a line break
        self.width = 1
        self.delimiter = ","
        self._configured = False  # whether delimiter and width are the file's
        self._released = 0
        self._eof = False
        self._pending = bytearray()  # the current, unfinished line
        self._out = bytearray()  # whole lines, ready for pyarrow
        self._line = 1  # line number of the first byte of _pending
        self._dropping = 0  # line number of the line being dropped, 0 = none
        # the start of each dropped line not yet handed back, by line number: the reader
        # keeps the whole cells in it (a case_id), so that the row can be found
        self.starts: dict[int, bytes] = {}
        self._skip_lf = False  # a dropped line ended with CR: an LF next is its end
        self._blank = bytearray()  # blank lines after the last record passed on
        self._owed = 0  # and before them, more blank lines, only counted
        self._flushing = 0  # blank lines (LF) still to pass on before _after
        self._after = bytearray()  # what follows those blank lines
        self._started = False
        self.leading = 0  # blank lines before the header
        self.bom = False  # whether the file began with a UTF-8 byte-order mark
        # (lines passed on, input bytes they end at), a mark per read: where a row is.
        self._marks: deque[tuple[int, int]] = deque([(0, 0)])
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        want = _READ_BYTES if size is None or size < 0 else size
        with self.held.turn() as going:
            if not going:  # the source was closed: nothing more is parsed
                want = 0
            while len(self._out) < want and self._more():
                self._pull()
            with memoryview(self._out) as view:
                data = self.held.take(view[:want])
            del self._out[:want]
            return data

    def head(self) -> bytes:
        """Return the first whole lines (BOM and blank lines dropped), unconsumed.

        At least :data:`_HEADER_BYTES` of them, and the whole header record however
        long: up to the first line end outside quotes, or the first line if the
        quotes never balance within ``max_line`` bytes (a longer first line is
        refused by :meth:`_pull`).
        """
        while self._more() and (
            len(self._out) < _HEADER_BYTES
            or (_record_end(self._out) < 0 and len(self._out) <= self.max_line)
        ):
            self._pull()
        end = _record_end(self._out)
        if end < 0:
            end = _line_end(self._out, 0)
        return bytes(self._out[: max(_HEADER_BYTES, end + 1)])

    def position(self, lines: int) -> int:
        """Return about where in the input the first ``lines`` lines end, in bytes.

        Interpolated between the marks left by each read; the marks before are
        dropped, so ``lines`` must not decrease from call to call.
        """
        marks = self._marks
        while len(marks) > 1 and marks[1][0] <= lines:
            marks.popleft()
        line, at = marks[0]
        if len(marks) == 1:
            return at if line >= lines else self.nbytes
        next_line, next_at = marks[1]
        return at + (next_at - at) * (lines - line) // max(next_line - line, 1)

    def skip(self, size: int) -> None:
        """Drop the first ``size`` bytes not yet read (hashed all the same)."""
        del self._out[:size]

    def _more(self) -> bool:
        """Whether :meth:`_pull` has more to pass on."""
        return not self._eof or self._flushing > 0

    def _pull(self) -> None:
        if self._flushing:
            self._flush()
            return
        # Reads no longer than the limit: a line completes only if at most twice the
        # limit long, which a parse block of twice the limit always holds.
        data = self.raw.read(min(_READ_BYTES, self.max_line))
        self.sha256.update(data)
        self.nbytes += len(data)
        if not data:
            self._eof = True
            tail = bytes(self._pending)
            # pyarrow needs the last record ended, the header of a header-only file too.
            if tail and not tail.endswith((b"\n", b"\r")):
                tail += b"\n"
            self._release(tail, final=True)
            self._pending.clear()
            if self._dropping:
                self._mark_dropped()
            # Blank lines after the last record are no rows.
            self._blank.clear()
            self._owed = 0
            return
        if self._skip_lf:
            self._skip_lf = False
            data = data[1:] if data.startswith(b"\n") else data
            if not data:
                return
        if not self._started:
            data = self._start(data)
        if self._dropping:
            end = _line_end(data, 0)
            if end < 0:
                return
            if data[end : end + 2] == b"\r\n":
                end += 1
            elif end == len(data) - 1 and data.endswith(b"\r"):
                self._skip_lf = True
            self._mark_dropped()
            data = data[end + 1 :]
        self._pending += data
        self._drop_long_first_line()
        # A CR at the very end may be the first half of a CRLF: it waits for the next read.
        stop = len(self._pending) - self._pending.endswith(b"\r")
        last = max(self._pending.rfind(b"\n", 0, stop), self._pending.rfind(b"\r", 0, stop))
        if last >= 0:
            lines = bytes(self._pending[: last + 1])
            del self._pending[: last + 1]
            self._release(lines)
            self._marks.append((self._line - 1, self.nbytes - len(self._pending)))
        if len(self._pending) > self.max_line:
            if not self._released:
                raise CaseFileError(
                    f"case file '{self.name}': the header line is longer than "
                    f"{self.max_line:,} bytes."
                )
            self._dropping = self._line
            self.starts[self._line] = bytes(self._pending[:_START_BYTES])
            ended = self._pending.endswith(b"\r")  # the line is over, its CR read
            self._pending.clear()
            if ended:
                self._mark_dropped()
                self._skip_lf = True

    def _drop_long_first_line(self) -> None:
        """Drop the pending line if it ended in this read but is over the limit.

        A line that began in earlier reads grows by a read at a time, so it can end
        up to one read past the limit before :meth:`_pull` sees it over: the limit
        is kept exactly here, as for a line that grows past it.
        """
        end = _line_end(self._pending, 0)
        if end <= self.max_line:  # none ended, or it is within the limit
            return
        if not self._released:
            raise CaseFileError(
                f"case file '{self.name}': the header line is longer than {self.max_line:,} bytes."
            )
        if self._pending[end : end + 2] == b"\r\n":
            end += 1
        elif end == len(self._pending) - 1 and self._pending.endswith(b"\r"):
            self._skip_lf = True  # its LF, if it has one, comes with the next read
        self.starts[self._line] = bytes(self._pending[: min(end, _START_BYTES)])
        del self._pending[: end + 1]
        self._dropping = self._line
        self._mark_dropped()

    def _start(self, data: bytes) -> bytes:
        """Drop a BOM and blank lines before the header; refuse UTF-16."""
        head = bytes(self._pending) + data
        self._pending.clear()
        wide = _utf16(head)
        if wide:
            raise CaseFileError(
                f"case file '{self.name}' is {wide} text; save it as UTF-8 (CSV UTF-8 in "
                f"Excel), e.g. iconv -f {wide.split()[0]} -t utf-8."
            )
        if len(head) < len(_BOM) and _BOM.startswith(head) and data:
            self._pending += head
            return b""
        if head.startswith(_BOM):
            self.bom = True
            head = head[len(_BOM) :]
        stripped = head.lstrip(b" \t\r\n")
        if not stripped and data:
            ended = head.endswith(b"\r")  # maybe half of a CRLF: counted with its LF
            self._line += _count_lines(head[: len(head) - ended])
            self._pending += b"\r" * ended
            return b""
        cut = len(head) - len(stripped)
        cut = max(head.rfind(b"\n", 0, cut), head.rfind(b"\r", 0, cut)) + 1
        self._line += _count_lines(head[:cut])
        self.leading = self._line - 1
        self._started = True
        return head[cut:]

    def _release(self, lines: bytes, *, final: bool = False) -> None:
        try:
            self._decoder.decode(lines, final)
        except UnicodeDecodeError as exc:
            line = self._line + _count_lines(lines[: max(exc.start, 0)])
            byte = lines[max(exc.start, 0) : max(exc.start, 0) + 1]
            # Excel on Windows writes cp1252, whose curly quotes and dashes are 0x80-0x9f
            # (control characters in latin1, which agrees with cp1252 above them).
            windows = b"\x80" <= byte <= b"\x9f"
            raise CaseFileError(
                f"case file '{self.name}' is not UTF-8 text: byte 0x{byte.hex() or '??'} on "
                f"line {line} cannot be decoded; save the file as UTF-8"
                + (
                    " (it looks like Windows text, cp1252 or windows-1252: "
                    "iconv -f cp1252 -t utf-8)."
                    if windows
                    else " (e.g. iconv -f cp1252 -t utf-8 for Windows text, or -f latin1)."
                )
            ) from None
        self._line += _count_lines(lines)
        self.quotes += lines.count(b'"')
        # Where the last line that is not blank ends: the blank lines after it wait.
        last = len(lines.rstrip(b" \t\r\n".replace(self.delimiter.encode(), b"")))
        if not last:
            self._hold(lines)
            return
        end = _line_end(lines, last)
        end = len(lines) if end < 0 else end + 1 + (lines[end : end + 2] == b"\r\n")
        self.tail = lines[:end].rstrip(b"\r\n")[-1:]
        self._released += end
        self._put(lines[:end] if end < len(lines) else lines)
        if end < len(lines):
            self._hold(lines[end:])

    def _hold(self, blank: bytes) -> None:
        """Keep blank lines back until a record follows them (none: they are dropped)."""
        self._blank += blank
        if len(self._blank) > _READ_BYTES:
            if self.quotes % 2:  # perhaps inside a quoted cell: passed on as they are
                self._put(b"")
            else:  # memory stays bounded: counted, and passed on as empty lines
                self._owed += _count_lines(self._blank)
                self._blank.clear()

    def _put(self, records: bytes) -> None:
        """Pass on lines that end with a record, after the blank lines held before them."""
        self._flushing += self._owed
        self._owed = 0
        out = self._after if self._flushing else self._out
        out += self._blank
        out += records
        self._blank.clear()
        if self._flushing:
            self._flush()

    def _flush(self) -> None:
        """Pass on counted blank lines, at most one read of them at a time."""
        size = min(self._flushing, _READ_BYTES)
        self._out += b"\n" * size
        self._flushing -= size
        if not self._flushing:
            self._out += self._after
            self._after.clear()

    def configure(self, delimiter: str, width: int) -> None:
        """Set the file's delimiter and header width, once the header is read.

        A line dropped while the header was read (a long line within the first reads)
        was marked before either was known; its marker gets them now, so that pyarrow
        hands it back as an invalid row like any other, never as a row of data.
        """
        self.delimiter, self.width, self._configured = delimiter, width, True
        pad = (delimiter * width).encode()
        for held in (self._out, self._after):
            held[:] = _BARE_MARKER.sub(lambda m: m[1] + pad + b"\n", held)

    def _mark_dropped(self) -> None:
        pad = self.delimiter * self.width if self._configured else ""
        marker = f"{_DROPPED}{self._dropping}{pad}\n"
        self._line = self._dropping + 1
        self._dropping = 0
        self._put(marker.encode())


class _Feed(io.RawIOBase):
    """The guard as the file pyarrow reads; :class:`_Held` counts it until pyarrow lets go."""

    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self._guard = guard
        self._held = guard.held
        self._held.keep()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._guard.readinto(buffer)

    def read(self, size: int | None = -1) -> bytes:
        return self._guard.read(size)

    def __del__(self) -> None:
        try:
            self._held.keep(-1)
        finally:
            super().__del__()


class _Handler:
    """pyarrow's handler of invalid rows; :class:`_Held` counts it until pyarrow lets go."""

    def __init__(self, handle: Callable[[Any], str], held: _Held) -> None:
        self._handle = handle
        self._held = held
        held.keep()

    def __call__(self, row: Any) -> str:
        return self._handle(row)

    def __del__(self) -> None:
        self._held.keep(-1)
