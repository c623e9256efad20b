"""The one bounded cache of the app: a least-recently-used table with a fixed size.

Every cache that keeps values per key (compiled answer pages, verified session cookies,
signed CSRF tokens, form classes, questionnaire snapshots...) is an ``LRUCache``, so
memory stays bounded whatever visitors send and no worker needs a restart to forget. What
is cached where, keyed by what, and when it would go stale is listed in one table, in
``assessment/web/fastpath/__init__.py``.

A value is made outside the lock: two threads missing the same key may both make it (the
one stored last is kept), and a ``make`` that raises stores nothing, so a failure is tried
again next time (a cookie whose signature is bad is never remembered as checked). A lock
guards the table because ``flask run`` serves with threads. Pure: no Flask, no database,
so the store and the engine may use it too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING = object()


class LRUCache(Generic[K, V]):
    """At most ``maxsize`` values by key; the least recently used is dropped first."""

    __slots__ = ("_items", "_lock", "maxsize")

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"an LRUCache holds at least one value, not {maxsize}")
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[..., V], *args: Any) -> V:
        """The value kept for ``key``, else ``make(*args)``, kept from now on."""
        with self._lock:
            value = self._items.get(key, _MISSING)
            if value is not _MISSING:
                self._items.move_to_end(key)
                return value  # type: ignore[return-value]
        value = make(*args)
        self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` as the most recently used, dropping the oldest."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def keys(self) -> list[K]:
        """The keys kept, least recently used first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


def cached(maxsize: int) -> Callable[[Callable[..., V]], Callable[..., V]]:
    """Decorate a function of positional, hashable arguments: its results are kept in an
    ``LRUCache`` of ``maxsize`` (``function.cache``), keyed by the arguments."""

    def decorate(function: Callable[..., V]) -> Callable[..., V]:
        cache: LRUCache[tuple, V] = LRUCache(maxsize)

        @wraps(function)
        def wrapper(*args: Hashable) -> V:
            return cache.get(args, function, *args)

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate
