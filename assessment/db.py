"""The SQLite store: one sqlite-utils Database per app context, named migrations.

An app context borrows its thread's connection on first use and hands it back at
teardown (rolled back if a transaction was left open), so a worker keeps one connection
for its life instead of paying for a new one, and SQLite's schema parse, on every
request. Every connection has foreign keys on and waits up to ``BUSY_TIMEOUT_MS`` for a
lock; the file uses WAL so readers never block the writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlite_utils import Database

from .migrations import migrations
from .sqlite import connect, transaction, use_wal


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


def migrate(database: Database) -> list[str]:
    """Bring the schema up to date; returns the names of the migrations applied.

    The whole check-and-apply holds the write lock, so server processes starting at the
    same time on a new database take turns: the first migrates, the others find nothing
    left to do (each migration still runs in a savepoint of its own).
    """
    use_wal(database)
    with transaction(database, write=True):
        pending = [m.name for m in migrations.pending(database)]
        migrations.apply(database)
        if pending:
            from .results import apply_floors, fill_missing_summaries

            apply_floors(database)
            fill_missing_summaries(database)
    return pending


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the instance folder, config file and database, or migrate it forward."""
    from .settings import write_example_config

    written = write_example_config(current_app.instance_path)
    if written:
        click.echo(f"Wrote {written}")
    database = get_db()
    migrate(database)
    names = [m.name for m in migrations.applied(database)]
    click.echo(f"Database {current_app.config['DATABASE']} is ready (schema: {names[-1]}).")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
