"""Keep a long run's resident memory down: fewer allocator arenas, freed pages returned."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

__all__ = ["limit_malloc_arenas", "release_free_memory"]

_TRIM: Callable[[int], int] | None = None
_LOOKED = False
# glibc's mallopt parameter for the most arenas (M_ARENA_MAX in malloc.h).
_M_ARENA_MAX = -8


def _glibc(name: str) -> Callable[..., int] | None:
    """Return the glibc function ``name`` of this process, or None (not Linux, or musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(None), name)
    except (AttributeError, OSError):
        return None
    return function


def _malloc_trim() -> Callable[[int], int] | None:
    global _TRIM, _LOOKED
    if not _LOOKED:
        _LOOKED = True
        _TRIM = _glibc("malloc_trim")
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


def limit_malloc_arenas(count: int = 2) -> bool:
    """Cap glibc's allocator at ``count`` arenas for this process; True if it applied.

    For a process that scores and ends (``backspasm score``), not for a library call
    in a user's process. glibc gives each thread that allocates an arena of its own,
    up to 8 per core, and each keeps the pages of the arrays freed in it: the scoring
    pipeline's reader, writer and engine threads left a 1,000,000-row run about
    90 MB above what two arenas hold (peaks of 946 and 961 MiB against 870 and 844,
    interleaved runs at the same speed; four arenas: 919 and 894). ``mallopt`` does
    what ``MALLOC_ARENA_MAX=2`` does, from inside.
    Elsewhere (musl, macOS, Windows) nothing happens.
    """
    mallopt = _glibc("mallopt")
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, count))
