"""Reads reused while the database has not changed since they were made.

A respondent's page reads the respondent, the round and the saved draft on every request:
a read transaction and five SELECTs, a quarter of the page's time in the worker. Once
everybody has answered, the same rows are read again and again. SQLite says whether they
could have changed: ``PRAGMA data_version`` changes when another connection (in any
process) has committed since this connection last looked, and the connection's
``total_changes`` grows with every row it wrote itself. While both are what they were when
a value was read, the database holds exactly what it held then, so the value is what
reading again would give; any commit anywhere (a save, a round closed, a link reissued,
a restore) changes them, and the next request reads afresh.

The values are kept per connection (on the ``Database``: a ``data_version`` means
something only to the connection that asked), at most ``BOUND`` of them, and all dropped
at the first change. A value is read inside one read transaction, stamped with the state
that transaction saw, and must be immutable (frozen dataclasses, read-only mappings): the
next request gets the same object. Nobody's answers are cached past a change, and who
may see them is still decided on every request from these values (``web.respond``).

Not for use inside a transaction (the state outside it is not the one the caller sees):
``read`` then simply reads. A schema change made through the same connection is not
seen (``total_changes`` counts rows only); the app changes its schema only when it
starts (``upgrade``), before any request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlite_utils import Database

from ...lru import LRUCache
from ...sqlite import transaction

V = TypeVar("V")

BOUND = 1024  # values per connection (a respondent's page: about 5 KB each)
_STATE = "_assessment_unchanged_reads"


class _Reads:
    __slots__ = ("stamp", "values")

    def __init__(self) -> None:
        self.stamp: tuple[int, int] | None = None
        self.values: LRUCache[Hashable, object] = LRUCache(BOUND)


def _stamp(database: Database) -> tuple[int, int]:
    """What this connection knows of the database's state: other connections' commits
    (``data_version``) and its own rows written (``total_changes``)."""
    conn = database.conn
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


def read(database: Database, key: Hashable, make: Callable[[], V | None]) -> V | None:
    """``make()``'s result for ``key``, run in one read transaction, or the value it gave
    before if the database has not changed since. ``None`` (nothing found) is not kept."""
    if database.conn.in_transaction:
        return make()
    state = getattr(database, _STATE, None)
    if state is None:
        state = _Reads()
        setattr(database, _STATE, state)
    if _stamp(database) == state.stamp and key in state.values:
        return state.values.get(key, make)  # type: ignore[return-value]
    with transaction(database, write=False):
        stamp = _stamp(database)  # the state this transaction reads
        value = make()
    if stamp != state.stamp:
        state.values.clear()
        state.stamp = stamp
    if value is not None:
        state.values.put(key, value)
    return value
