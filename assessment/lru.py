"""The one bounded cache of the app: a least-recently-used table with a fixed size.

Every cache that keeps values per key (compiled answer pages, verified session cookies,
signed CSRF tokens, form classes, questionnaire snapshots...) is an ``LRUCache``, so
memory stays bounded whatever visitors send and no worker needs a restart to forget. What
is cached where, keyed by what, and when it would go stale is listed in one table, in
``assessment/web/fastpath/__init__.py``.

A respondent's page looks up eight of these caches, so a hit is kept cheap: one dict
lookup and a stamp of when the entry was last used, no lock. A dict lookup, and setting
an item of the entry's list, are each atomic, so threads (``flask run`` serves with
threads) may read while another adds; adding and dropping take the lock. When a cache is
full, adding drops the least recently used entries by their stamps, an eighth of the
cache at once (at least one), so the scan for them is paid once per many additions.

A value is made outside the lock: two threads missing the same key may both make it (the
one stored last is kept), and a ``make`` that raises stores nothing, so a failure is tried
again next time (a cookie whose signature is bad is never remembered as checked). Pure:
no Flask, no database, so the store and the engine may use it too.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most ``maxsize`` values by key; the least recently used are dropped first."""

    __slots__ = ("_clock", "_items", "_lock", "maxsize")

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"an LRUCache holds at least one value, not {maxsize}")
        self.maxsize = maxsize
        self._items: dict[K, list] = {}  # key → [value, stamp of its last use]
        self._lock = threading.Lock()
        self._clock = itertools.count()

    def get(self, key: K, make: Callable[..., V], *args: Any) -> V:
        """The value kept for ``key``, else ``make(*args)``, kept from now on."""
        entry = self._items.get(key)
        if entry is not None:
            entry[1] = next(self._clock)
            return entry[0]
        value = make(*args)
        self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` as the most recently used, dropping the oldest."""
        with self._lock:
            self._items[key] = [value, next(self._clock)]
            if len(self._items) > self.maxsize:
                self._drop(len(self._items) - self.maxsize + self.maxsize // 8)

    def _drop(self, count: int) -> None:
        """Drop the ``count`` least recently used entries (with the lock held)."""
        oldest = heapq.nsmallest(count, self._items.items(), key=_stamp)
        for key, _entry in oldest:
            del self._items[key]

    def keys(self) -> list[K]:
        """The keys kept, least recently used first."""
        with self._lock:
            return [key for key, _entry in sorted(self._items.items(), key=_stamp)]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()  # in place: cached() holds the dict

    def __len__(self) -> int:
        with self._lock:  # not between an addition and its drop
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


def _stamp(item: tuple[Any, list]) -> int:
    return item[1][1]


def cached(maxsize: int) -> Callable[[Callable[..., V]], Callable[..., V]]:
    """Decorate a function of positional, hashable arguments: its results are kept in an
    ``LRUCache`` of ``maxsize`` (``function.cache``), keyed by the arguments."""

    def decorate(function: Callable[..., V]) -> Callable[..., V]:
        cache: LRUCache[tuple, V] = LRUCache(maxsize)
        items, clock = cache._items, cache._clock

        @wraps(function)
        def wrapper(*args: Hashable) -> V:
            entry = items.get(args)  # LRUCache.get, inlined: the hit is the common case
            if entry is not None:
                entry[1] = next(clock)
                return entry[0]
            return cache.get(args, function, *args)

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate
