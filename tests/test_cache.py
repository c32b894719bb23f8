"""The LRU cache behind the per-network caches (twins, thresholds, baselines, layouts)."""

from __future__ import annotations

import threading

from backspasm._cache import LruCache


def test_a_slow_value_does_not_hold_up_other_lookups() -> None:
    # A conflict threshold of an edited network takes about a second to make; the
    # lock was held meanwhile, so diagnose() in every other thread (a widget, a
    # Dask worker) waited for it, even for the bundled network's shipped value.
    cache: LruCache[str, int] = LruCache(4)
    cache.get("ready", lambda: 1)
    started, release = threading.Event(), threading.Event()

    def slow() -> int:
        started.set()
        release.wait(10)
        return 2

    maker = threading.Thread(target=cache.get, args=("slow", slow))
    maker.start()
    assert started.wait(10)
    served: list[int] = []
    reader = threading.Thread(target=lambda: served.append(cache.get("ready", lambda: 0)))
    reader.start()
    reader.join(5)
    release.set()
    maker.join(10)
    assert served == [1]
    assert cache.peek("slow") == 2


def test_the_first_value_kept_is_the_one_every_caller_gets() -> None:
    cache: LruCache[str, object] = LruCache(2)
    first, second = object(), object()
    inner: list[object] = []

    def make_first() -> object:
        # another caller makes and keeps the same key while this one is making it
        inner.append(cache.get("k", lambda: second))
        return first

    assert cache.get("k", make_first) is second
    assert inner == [second]
    assert cache.get("k", lambda: first) is second


def test_the_least_recently_used_value_goes_first() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # a used again: b is now the oldest
    cache.get("c", lambda: 3)
    assert cache.peek("b") is None
    assert (cache.peek("a"), cache.peek("c"), len(cache)) == (1, 3, 2)
