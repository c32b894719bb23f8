"""A small, thread-safe least-recently-used cache for results keyed by network numbers.

Several results depend only on a network's numbers and are costly to recompute (a
compiled twin network, the conflict threshold, the beliefs before any answer, a
figure's layout order). They are cached by :meth:`Network.fingerprint` (or by
:meth:`Network.numbers_fingerprint`, or a key of their own, when they depend on less
than the whole network: the conflict threshold on the numbers and the questions
asked); a what-if sweep makes a new fingerprint at every step, so each cache keeps
only the most recently used entries and memory stays bounded however long the sweep.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["LruCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """Keep the ``size`` most recently used values; make a missing one on demand.

    Examples
    --------
    >>> cache: LruCache[str, int] = LruCache(2)
    >>> cache.get("a", lambda: 1), cache.get("b", lambda: 2), cache.get("c", lambda: 3)
    (1, 2, 3)
    >>> len(cache), cache.peek("a") is None
    (2, True)
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"an LruCache keeps at least one value; got size={size}")
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def peek(self, key: K) -> V | None:
        """Return the value for ``key`` if it is cached (None otherwise), making nothing."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def get(self, key: K, make: Callable[[], V]) -> V:
        """Return the value for ``key``, calling ``make()`` and keeping it if missing.

        ``make()`` runs outside the lock: a value that takes a second to make does
        not hold up other threads' lookups. Two threads missing the same key at once
        may both make it; the first value kept is the one every caller gets.
        """
        value = self.peek(key)
        if value is not None:
            return value
        made = make()
        with self._lock:
            value = self._values.setdefault(key, made)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()
