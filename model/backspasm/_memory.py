"""Hand the memory a long run has freed back to the operating system."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

__all__ = ["release_free_memory"]

_TRIM: Callable[[int], int] | None = None
_LOOKED = False


def _malloc_trim() -> Callable[[int], int] | None:
    global _TRIM, _LOOKED
    if not _LOOKED:
        _LOOKED = True
        if sys.platform.startswith("linux"):
            try:
                _TRIM = ctypes.CDLL(None).malloc_trim  # glibc; absent from musl
            except (AttributeError, OSError):
                _TRIM = None
    return _TRIM


def release_free_memory() -> None:
    """Ask glibc's allocator to return its free pages (``malloc_trim``); elsewhere, nothing.

    numpy arrays of up to a few megabytes come from the allocator's arenas (one per
    thread that allocates), which keep the pages of freed arrays: chunk after chunk, a
    scoring run's resident memory grew although no more arrays were alive. Returning
    them after each chunk took the peak of a 300,000-row run from 938 to 841 MB at the
    same speed (``scripts/bench_scoring.py`` measures the 1,000,000-row peak). This is
    the remedy Dask documents for its workers.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
