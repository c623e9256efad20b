"""Plain SQLite helpers: opening a connection, reading rows, transactions.

Nothing here knows Flask, the app's tables or its requests: the store, the migrations,
backups and the tests use the same helpers as the web app. Every connection has foreign
keys on and waits up to ``BUSY_TIMEOUT_MS`` for a lock; the file uses WAL so readers never
block the writer.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000


def utc_stamp() -> str:
    """The current time in UTC as ISO 8601 text, the form every timestamp is stored in."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def create_private(path: str | os.PathLike) -> None:
    """Create the (empty) database file readable by its owner only, unless it exists.

    The database holds password hashes and everybody's answers. SQLite creates a missing
    file with the process's umask (usually readable by all) and gives its ``-wal`` and
    ``-shm`` files the database file's permissions, so creating the file first, mode
    0600, keeps all three private, as backups are (``backup.py``). An existing file is
    left as it is (docs/operations.md says how to tighten an older one).
    """
    if str(path) in ("", ":memory:"):
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def connect(path: str) -> Database:
    """Open the database file (created private) with the pragmas every connection needs."""
    create_private(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    database = Database(conn)
    database.execute("PRAGMA foreign_keys = ON")
    database.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return database


def query_rows(database: Database, sql: str, params: Sequence = ()) -> Iterator[dict]:
    """The rows of one of the store's SELECTs, each as a dict of its columns.

    ``Database.query`` runs every query inside a savepoint (three statements instead of
    one) so that it can undo a statement that turns out to return no rows. The store only
    reads with SELECTs (anything else is refused here before it runs); on a respondent's
    page those savepoints were a third of the time spent in the database. Duplicate
    column names are refused rather than lost.
    """
    if not sql.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
        raise ValueError(f"not a query that returns rows: {sql.strip()[:60]!r}")
    cursor = database.conn.execute(sql, params)
    keys = [column[0] for column in cursor.description]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate column names {keys} in {sql.strip()[:60]!r}")
    return (dict(zip(keys, row, strict=True)) for row in cursor)


#: Set on a Database while ``transaction`` holds its outermost transaction: "read" or
#: "write", so that a write block nested in a read one can be refused.
_MODE = "_assessment_transaction"


@contextlib.contextmanager
def transaction(database: Database, *, write: bool) -> Iterator[Database]:
    """One transaction; with ``write=True`` it takes the write lock at once.

    ``write=True`` (``BEGIN IMMEDIATE``) is for anything that writes. Read-then-write in
    a deferred transaction can fail with SQLITE_BUSY when another writer commits in
    between (in WAL mode at once, whatever the busy timeout: the reads saw a snapshot
    that is no longer the latest); taking the lock first makes concurrent writers wait
    their turn (up to the busy timeout) instead, so nobody's save is lost. Every write
    that reads first (a status, a count, a duplicate) does its reads inside this.

    ``write=False`` (``BEGIN``) is for several reads that must see the database as of
    one moment. Outside a transaction every SELECT is a transaction of its own: another
    process may commit between two of them (a round closed between reading the
    respondent and the round), and SQLite takes and releases its WAL read lock for each.

    Inside a transaction already, a block is a savepoint of it: a store function can
    take the lock itself and still be part of a larger change (a round and its audit
    entry), and a block that fails undoes only its own part. A write block inside a read
    transaction of this helper raises ``RuntimeError``: that one holds no write lock, so
    the write could fail on a stale snapshot; take the write lock outermost instead.
    """
    conn = database.conn
    if conn.in_transaction:
        if write and getattr(database, _MODE, None) == "read":
            raise RuntimeError(
                "a write transaction cannot begin inside a read transaction (it holds no"
                " write lock): use transaction(db, write=True) for the whole block"
            )
        with database.atomic():  # a savepoint
            yield database
        return
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    setattr(database, _MODE, "write" if write else "read")
    try:
        yield database
        conn.execute("COMMIT")
    except BaseException:
        database.rollback()  # nothing to do if the error ended the transaction already
        raise
    finally:
        setattr(database, _MODE, None)


def use_wal(database: Database) -> None:
    """Switch the file to WAL unless it is already.

    On a new database several processes starting together (gunicorn's workers) all try;
    SQLite answers some of them "database is locked" at once, without waiting the busy
    timeout (waiting could deadlock). So the switch is tried again, for as long as the
    busy timeout would have waited, until it is done (by this process or another).
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while database.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            database.enable_wal()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
