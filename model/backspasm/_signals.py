"""SIGINT, SIGTERM and SIGHUP turned into an exception, so that a run cleans up on its way out.

:class:`SignalGuard` raises :class:`Interrupted` in the main thread when one of those
signals arrives, and holds it back while a temporary file is created, renamed or
removed (:meth:`SignalGuard.deferred`) or while the main thread is inside Python's
import machinery: CPython 3.11 takes its import lock in plain Python code, and an
exception raised between taking and releasing it leaves the lock held for good, so
that the next import in any other thread waits forever (a helper thread loading the
compiled kernel did, and the process never ended). The signal is then raised again as
soon as the import is over.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Interrupted", "SignalGuard"]

# How long a signal that came during an import waits before it is raised again.
_RETRY_SECONDS = 0.01


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP arrived; the files being written were removed.

    A :class:`KeyboardInterrupt`, so that code which handles Ctrl-C handles it too.

    Parameters
    ----------
    signum : int
        The signal received.
    message : str
        What became of the output, e.g. ``"interrupted; nothing written"``.
    """

    def __init__(self, signum: int, message: str = "interrupted") -> None:
        super().__init__(message)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP."""
        return 128 + self.signum


# The signals a guard turns into Interrupted, with the handler it replaces.
_GUARDED: list[tuple[int, object]] = [
    (signal.SIGINT, signal.default_int_handler),
    (signal.SIGTERM, signal.SIG_DFL),
]
if sys.platform != "win32":
    _GUARDED.append((signal.SIGHUP, signal.SIG_DFL))


class SignalGuard:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Interrupted` while the guard is entered.

    SIGHUP comes when the terminal or SSH session of the run closes. Only the main
    thread can handle signals, and a signal whose handler someone changed (ignored
    under ``nohup``, or a handler of the caller's) is left alone: the guard only
    replaces Python's default Ctrl-C handler and the default SIGTERM and SIGHUP
    actions, and restores them on exit. The first signal raises; later ones are
    ignored so that the clean-up runs to the end. Inside :meth:`deferred` a signal is
    only recorded, and raised when the block ends. During an import (see the module's
    text) it is raised again every :data:`_RETRY_SECONDS` until the import is over;
    one that is still waiting when the guard exits is passed on to the handler the
    guard restores.

    Parameters
    ----------
    message : str
        The message of the :class:`Interrupted` raised.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        self._saved: dict[int, object] = {}
        self._depth = 0
        self._pending: int | None = None
        self._fired = False
        self._waiting: int | None = None  # a signal that came during an import
        self._retry: threading.Timer | None = None

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum, default in _GUARDED:
            if signal.getsignal(signum) is default:
                self._saved[signum] = default
                signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        retry, self._retry = self._retry, None
        if retry is not None:
            retry.cancel()
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._saved.clear()
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not self._fired:
            signal.raise_signal(waiting)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._fired:
            return
        if not self._depth and _importing(frame):
            self._waiting = signum
            if self._retry is None:
                self._retry = threading.Timer(_RETRY_SECONDS, self._again)
                self._retry.daemon = True
                self._retry.start()
            return
        self._fired, self._waiting = True, None
        if self._depth:
            self._pending = signum
            return
        raise Interrupted(signum, self.message)

    def _again(self) -> None:
        """Deliver the signal that came during an import once more (in a timer thread)."""
        self._retry = None
        signum = self._waiting
        if signum is not None and signum in self._saved:
            _thread.interrupt_main(signal.Signals(signum))

    @contextmanager
    def deferred(self, message: str | None = None) -> Iterator[None]:
        """Hold signals back inside the block; raise one that came when it ends.

        Parameters
        ----------
        message : str, optional
            The message if a signal came during the block (default: the guard's).
        """
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0 and self._pending is not None:
            signum, self._pending = self._pending, None
            raise Interrupted(signum, message if message is not None else self.message)


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` or a frame that called it runs Python's import machinery."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith("<frozen importlib.") or name.endswith(
            ("importlib/_bootstrap.py", "importlib/_bootstrap_external.py")
        ):
            return True
        frame = frame.f_back
    return False
