"""The database of an app context: one sqlite-utils Database, borrowed and handed back.

An app context borrows its thread's connection on first use and hands it back at
teardown (rolled back if a transaction was left open), so a worker keeps one connection
for its life instead of paying for a new one, and SQLite's schema parse, on every
request. Flask glue only: opening connections and transactions is ``sqlite.py``, the
schema ``migrations.py`` and bringing a database up to date ``upgrade.py``.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, current_app, g
from sqlite_utils import Database

from .sqlite import connect


class ConnectionKeeper:
    """One open connection per thread and process for an app's database.

    The process id is part of the key: a connection must never be used on both sides of
    a ``fork`` (gunicorn forks workers), so a child opens its own.
    """

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()

    def acquire(self) -> Database:
        kept = getattr(self._local, "kept", None)
        if kept is not None and kept[0] == os.getpid():
            self._local.kept = None  # lent out: a nested app context gets its own
            return kept[1]
        return connect(self.path)

    def release(self, database: Database) -> None:
        """Take a connection back; one left in a transaction is rolled back first."""
        try:
            if database.conn.in_transaction:
                database.conn.rollback()
        except sqlite3.Error:
            database.close()
            return
        kept = getattr(self._local, "kept", None)
        if kept is None or kept[0] != os.getpid():
            self._local.kept = (os.getpid(), database)
        else:
            database.close()


def _keeper() -> ConnectionKeeper:
    path = current_app.config["DATABASE"]
    keeper = current_app.extensions.get("assessment.db")
    if keeper is None or keeper.path != path:
        keeper = current_app.extensions["assessment.db"] = ConnectionKeeper(path)
    return keeper


def get_db() -> Database:
    """The app context's database, borrowed on first use."""
    if "db" not in g:
        g.db = _keeper().acquire()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    database = g.pop("db", None)
    if database is not None:
        _keeper().release(database)


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
