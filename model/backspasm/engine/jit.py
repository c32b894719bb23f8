"""numba for the engine's compiled loops: imported on demand, cached outside the package.

Two loops are compiled: the fused message-passing kernel (:mod:`~backspasm.engine.fused`)
and the greedy elimination search (:mod:`~backspasm.engine.elimination`). Both have a
plain Python or numpy stand-in with the same results, used when numba is absent, cannot
compile, or is switched off with the environment variable ``BACKSPASM_ENGINE=numpy``.
Nothing here imports numba at import time, so that ``import backspasm`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__: list[str] = []


def _switched_off() -> bool:
    return os.environ.get("BACKSPASM_ENGINE", "").lower() == "numpy"


def load_numba() -> ModuleType | None:
    """Import numba (a few hundred milliseconds the first time); None when unusable."""
    if _switched_off():
        return None
    try:
        numba = importlib.import_module("numba")
    except ImportError:
        return None
    _cache_outside_the_package()
    return numba


def numba_if_loaded() -> ModuleType | None:
    """Return numba when this process has already imported it (and it is not switched off).

    For loops worth compiling only when numba's import is already paid: the search
    for an elimination order runs once per tree, not per case.
    """
    if _switched_off() or "numba" not in sys.modules:
        return None
    return load_numba()


def compile_loop(
    numba: ModuleType, func: Callable[..., Any], signature: str, what: str, fallback: str
) -> Callable[..., Any] | None:
    """``func`` compiled now (the result is cached on disk), or None with a warning.

    Compiled at once, so that a failure falls back here rather than in the middle of a
    query; ``what`` names the loop, ``fallback`` says what runs instead.
    """
    try:
        try:
            compiled: Callable[..., Any] = numba.njit(signature, nogil=True, cache=True)(func)
        except RuntimeError as exc:
            if "cannot cache" not in str(exc):
                raise
            # No writable cache folder (a read-only home, say): compile for this
            # process only rather than lose the compiled loop.
            warnings.warn(
                f"numba found no writable folder to cache {what} in ({exc!s:.200}); it "
                "is compiled anew in each process. Set NUMBA_CACHE_DIR to a writable "
                "folder to keep it.",
                RuntimeWarning,
                stacklevel=3,
            )
            compiled = numba.njit(signature, nogil=True)(func)
    except Exception as exc:  # numba's own errors have no common base class
        warnings.warn(
            f"numba is installed but could not compile {what} ({exc!s:.200}); "
            f"{fallback} Set BACKSPASM_ENGINE=numpy to choose it without this warning.",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return compiled


def _cache_outside_the_package() -> None:
    """Send numba's on-disk cache of this package's modules to the user's cache folder.

    By default numba writes it into ``__pycache__`` beside the source, inside an
    installed package, where ``pip uninstall`` leaves it behind (a stale folder that
    ``import backspasm`` then finds as an empty namespace package). A locator for
    this package's files only is put ahead of numba's own, after the one that obeys
    ``NUMBA_CACHE_DIR``, and numba's in-tree locator is kept off this package's files,
    so that a user cache folder that cannot be written (a read-only home) leaves no
    locator rather than the package's ``__pycache__`` (:func:`compile_loop` then
    compiles without a cache). numba's internals differ between versions, so on any
    failure numba keeps its default.
    """
    try:
        from numba.core import caching

        impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl  # type: ignore[attr-defined]
        user_wide = getattr(caching, "UserWideCacheLocator", None) or caching._UserWideCacheLocator  # type: ignore[attr-defined]
        in_tree = getattr(caching, "InTreeCacheLocator", None) or caching._InTreeCacheLocator  # type: ignore[attr-defined]
        classes = impl._locator_classes
        if any(getattr(c, "_backspasm", False) for c in classes):
            return
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

        def inside(py_file: str) -> bool:
            return os.path.abspath(py_file).startswith(package + os.sep)

        class _PackageCacheLocator(user_wide):  # type: ignore[misc, valid-type]
            _backspasm = True

            @classmethod
            def from_function(cls, py_func: Any, py_file: str) -> Any:
                if not inside(py_file):
                    return None
                return super().from_function(py_func, py_file)

        class _InTreeElsewhere(in_tree):  # type: ignore[misc, valid-type]
            _backspasm_in_tree = True

            @classmethod
            def from_function(cls, py_func: Any, py_file: str) -> Any:
                if inside(py_file):
                    return None
                return super().from_function(py_func, py_file)

        classes[:] = [_InTreeElsewhere if c is in_tree else c for c in classes]
        classes.insert(1, _PackageCacheLocator)
    except Exception:  # any change in numba's internals: keep its default
        return
