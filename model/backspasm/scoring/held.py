"""The blocks of input pyarrow's streaming CSV reader holds, bounded.

pyarrow's streaming reader reads in a background thread, up to 32 blocks (of
``chunk_bytes`` each) ahead of its parser, and holds each block until it is parsed:
256 MiB of input at the default chunk size, whatever is scored at a time. :class:`_Held`
counts the blocks pyarrow holds and keeps its reading thread waiting while it holds
``most`` of them (:data:`backspasm.scoring.lines._HELD_BLOCKS`: the three its parser
needs at once, a record may straddle two blocks and the next block tells whether a
block is the last, and one read ahead). It counts the file and row handler pyarrow
keeps too: a pyarrow thread letting go of them (or of a block) as the interpreter
shuts down aborts the process, so closing waits, a moment at most, until pyarrow
holds nothing of ours.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

__all__: list[str] = []

# A parser kept waiting this long for a block while no block was freed gets one more
# all the same: a pyarrow that needs more blocks at once is slowed, not stuck.
_STALL_SECONDS = 1.0


_OPEN: weakref.WeakSet[_Held] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """Let every reading thread go before the interpreter shuts down (see _Held.close).

    Atexit hooks run while other threads may still take the interpreter's lock, so
    this is the last moment a thread of pyarrow's can let go of our objects safely.
    """
    for held in list(_OPEN):
        held.close()
        held.settle()


class _Block(bytes):
    """A block of input handed to pyarrow; when pyarrow lets go of it, it says so."""

    held: _Held | None = None

    def __del__(self) -> None:
        if self.held is not None:
            self.held.release()


class _Held:
    """The blocks pyarrow holds: its reading thread waits while it holds ``most`` of them.

    Without it, pyarrow's reading thread keeps up to 32 blocks of input ahead of its
    parser. Every block handed over is counted until pyarrow frees it
    (:class:`_Block`). The reading thread goes on at once when the source is closed, and
    after :data:`_STALL_SECONDS` without a block freed while the parser is waiting for
    one (:meth:`wanted`), so that a pyarrow that needs more blocks at once is slowed,
    never stuck.
    """

    def __init__(self, most: int) -> None:
        _OPEN.add(self)
        self.most = most
        self.count = 0
        self.kept = 0  # other objects of ours pyarrow keeps (its file, its row handler)
        self.closed = False
        self._wanted = False
        self._moved = time.monotonic()  # when a block was last freed or a wait began
        self._reader: int | None = None  # pyarrow's reading thread, once it has read
        self._reading = False  # it is in a read
        self._ended = False  # it was told the input ends (or a read failed)
        self._turn = threading.Condition()

    @contextmanager
    def turn(self) -> Iterator[bool]:
        """Wait (in pyarrow's reading thread) until pyarrow may hold one more block.

        Then read: the value is True unless the source was closed (no bytes are read).
        """
        with self._turn:
            self._reader, self._reading = threading.get_ident(), True
            while not self.closed and self.count >= self.most:
                if self._wanted and time.monotonic() - self._moved >= _STALL_SECONDS:
                    self._moved = time.monotonic()
                    break
                self._turn.wait(_STALL_SECONDS if self._wanted else None)
            going = not self.closed
        try:
            yield going
        except BaseException:
            self._ended = True
            raise
        finally:
            with self._turn:
                self._reading = False
                self._turn.notify_all()

    def take(self, data: memoryview) -> bytes:
        """Copy ``data`` into a block counted until pyarrow frees it (empty: the end)."""
        if not data.nbytes:
            self._ended = True
        block = _Block(data)
        with self._turn:
            self.count += 1
        block.held = self
        return block

    def release(self) -> None:
        with self._turn:
            self.count -= 1
            self._moved = time.monotonic()
            self._turn.notify_all()

    def keep(self, change: int = 1) -> None:
        """Count an object that pyarrow keeps (:class:`_Feed`, ``_Handler``); -1: let go."""
        with self._turn:
            self.kept += change
            self._turn.notify_all()

    def settle(self) -> None:
        """Wait, a moment at most, until pyarrow holds no block and no object of ours.

        Called once pyarrow's reader was dropped (and at exit): what pyarrow's threads
        still hold is let go of while the interpreter can still take it back.
        """
        with self._turn:
            if self._reader in (None, threading.get_ident()) or sys.is_finalizing():
                return
            self._turn.wait_for(
                lambda: not self.count and not self.kept and not self._reading,
                timeout=_STALL_SECONDS,
            )

    def close(self) -> None:
        """Let the reading thread go and wait (a moment) until it has read the end.

        pyarrow reads no more after the end: its thread is neither left waiting (which
        would keep the process from exiting) nor in Python code when the interpreter
        shuts down (a fatal error).
        """
        with self._turn:
            self.closed = True
            self._turn.notify_all()
            if self._reader not in (None, threading.get_ident()) and not sys.is_finalizing():
                self._turn.wait_for(
                    lambda: self._ended and not self._reading, timeout=_STALL_SECONDS
                )

    @contextmanager
    def wanted(self) -> Iterator[None]:
        """Mark a call that waits for pyarrow's parser (which may wait for a block)."""
        with self._turn:
            self._wanted = True
            self._moved = time.monotonic()
            self._turn.notify_all()
        try:
            yield
        finally:
            with self._turn:
                self._wanted = False
