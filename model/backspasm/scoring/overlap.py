"""Reading ahead, writing behind, loading early: a file's I/O overlapped with its scoring.

pyarrow releases the GIL while it parses, encodes and writes, so one helper thread
reads (and factorises) the next chunk and writes the previous one while the main
thread and the engine's workers score the current one. At most one chunk is read
ahead and one written behind, so memory stays bounded by a few chunks; rows keep
their order (one helper thread does every read and write, in turn). Errors of the
helper come out in the main thread where the work was waited for, and
:meth:`Overlap.close` waits for whatever is still running, so that nothing touches
the output once the caller cleans up. :func:`warm_engine` loads the engine's
compiled kernel (numba's cache, most of a second) while the first chunk is parsed.
:func:`pipelined` scores two engine batches of a chunk at once: the Python half of
one batch (planning, triage) runs while the other's compiled kernel (which releases
the GIL) keeps the second core busy.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy.typing as npt
import pyarrow as pa

from backspasm.engine.fused import _preload

__all__ = ["Overlap", "pipelined", "warm_engine"]

_T = TypeVar("_T")
_R = TypeVar("_R")
# Files at least this big load the kernel at once: their first batch runs it anyway.
_WARM_BYTES = 256 * 1024


@contextmanager
def warm_engine(path: str) -> Iterator[None]:
    """Load the fused kernel in a helper thread while the block runs (big files only).

    The thread is waited for when the block ends, so that it never outlives the run.
    """
    try:
        big = path != "-" and os.path.getsize(path) >= _WARM_BYTES
    except OSError:
        big = False
    helper = threading.Thread(target=_preload, name="backspasm-warm", daemon=True)
    if big:
        helper.start()
    try:
        yield
    finally:
        if big:
            helper.join()


class Overlap:
    """One helper thread for reading chunks ahead and writing them behind.

    Parameters
    ----------
    write : callable
        Writes one chunk's input table and output columns (run in the helper thread).
    """

    def __init__(self, write: Callable[[pa.Table, Mapping[str, npt.NDArray[Any]]], None]) -> None:
        self._write = write
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backspasm-io")
        self._behind: Future[None] | None = None

    def ahead(self, items: Iterator[_T]) -> Iterator[_T]:
        """Yield ``items``, each produced in the helper thread while the previous is used."""
        done = object()
        pending = self._pool.submit(next, items, done)
        while True:
            item = pending.result()
            if item is done:
                return
            pending = self._pool.submit(next, items, done)
            yield item  # type: ignore[misc]

    def write(self, table: pa.Table, columns: Mapping[str, npt.NDArray[Any]]) -> None:
        """Queue one chunk's write, after waiting for the previous one (one in flight)."""
        self.flush()
        self._behind = self._pool.submit(self._write, table, columns)

    def flush(self) -> None:
        """Wait for the last queued write (raising its error, if any)."""
        behind, self._behind = self._behind, None
        if behind is not None:
            behind.result()

    def close(self) -> None:
        """Drop work not yet started and wait for the helper thread to finish."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def pipelined(
    function: Callable[[_T], _R], items: Sequence[_T], *, first_alone: bool = True
) -> Iterator[_R]:
    """Yield ``function(item)`` for each item, in order, two items computed at a time.

    With ``first_alone``, the first item runs alone, so that the engine's caches
    (junction trees and plans, which some of its choices depend on) are filled as by
    a sequential run. Then two threads share the items, at most two in flight
    (bounded memory). The results do not depend on the threads: each item is
    computed by the same code on the same inputs.
    """
    start = 1 if first_alone and items else 0
    if start:
        yield function(items[0])
    if len(items) <= start:
        return
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="backspasm-batch") as pool:
        pending = [pool.submit(function, item) for item in items[start : start + 2]]
        for later in items[start + 2 :]:
            done = pending.pop(0).result()
            pending.append(pool.submit(function, later))
            yield done
        for future in pending:
            yield future.result()
