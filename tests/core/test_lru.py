"""The one bounded cache: least recently used dropped first, failures never kept."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from assessment.lru import LRUCache, cached


def test_at_most_maxsize_values_the_least_recently_used_dropped_first():
    cache: LRUCache[str, int] = LRUCache(2)
    made = []

    def make(key: str) -> int:
        made.append(key)
        return len(made)

    assert cache.get("a", make, "a") == 1
    assert cache.get("b", make, "b") == 2
    assert cache.get("a", make, "a") == 1  # kept, and now the most recently used
    assert cache.get("c", make, "c") == 3  # "b" goes
    assert cache.keys() == ["a", "c"] and len(cache) == 2
    assert "b" not in cache
    assert cache.get("b", make, "b") == 4  # made again
    assert made == ["a", "b", "c", "b"]
    assert cache.keys() == ["c", "b"]


def test_a_full_cache_drops_an_eighth_of_it_the_least_recently_used():
    cache: LRUCache[int, int] = LRUCache(16)
    for n in range(16):
        cache.put(n, n)
    for n in (0, 1, 2):
        cache.get(n, lambda: -1)  # used again: now the newest
    cache.put(16, 16)
    # 17 values: one too many, and 16 // 8 = 2 more go with it, the three least recently
    # used (3, 4 and 5); 0, 1 and 2 were used again and stay.
    assert cache.keys() == [*range(6, 16), 0, 1, 2, 16]
    assert len(cache) == 14


def test_a_value_that_fails_is_not_kept():
    cache: LRUCache[str, str] = LRUCache(4)
    calls = []

    def refuse() -> str:
        calls.append(1)
        raise ValueError("bad signature")

    for _ in range(2):
        with pytest.raises(ValueError):
            cache.get("cookie", refuse)
    assert len(calls) == 2 and len(cache) == 0


def test_none_is_a_value_like_any_other():
    cache: LRUCache[str, None] = LRUCache(4)
    calls = []
    for _ in range(3):
        assert cache.get("x", lambda: calls.append(1)) is None
    assert calls == [1]


def test_put_replaces_and_refreshes():
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)
    cache.put("c", 4)
    assert cache.keys() == ["a", "c"]
    assert cache.get("a", lambda: 0) == 3
    cache.clear()
    assert len(cache) == 0


def test_a_cache_holds_at_least_one_value():
    with pytest.raises(ValueError, match="at least one"):
        LRUCache(0)


def test_cached_keys_a_function_by_its_arguments():
    calls = []

    @cached(2)
    def square(n: int) -> int:
        """Squares."""
        calls.append(n)
        return n * n

    assert [square(2), square(2), square(3), square(2)] == [4, 4, 9, 4]
    assert calls == [2, 3]
    square(4)  # 3 is the least recently used
    assert square.cache.keys() == [(2,), (4,)]
    assert square.__doc__ == "Squares." and square.__name__ == "square"


def test_threads_never_see_more_than_maxsize_or_a_wrong_value():
    cache: LRUCache[int, int] = LRUCache(3)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(2000):
                key = (n + offset) % 7
                assert cache.get(key, lambda k=key: k * 10) == key * 10
                assert len(cache) <= 3
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) == 3


def test_the_helper_is_pure():
    """The store and the engine use it too: the standard library only."""
    source = (Path(__file__).parent.parent.parent / "assessment" / "lru.py").read_text("utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    standard = {"__future__", "collections", "functools", "heapq", "itertools", "threading"}
    assert imported == standard | {"typing"}
