"""Reads reused while the database is unchanged: exactly what reading again would give."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from assessment.sqlite import connect, transaction
from assessment.web.fastpath import unchanged


@pytest.fixture
def path(tmp_path):
    database = connect(str(tmp_path / "t.sqlite3"))
    database.execute("PRAGMA journal_mode = WAL")
    database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    database.execute("INSERT INTO t VALUES (1, 'first')")
    database.conn.commit()
    database.close()
    return str(tmp_path / "t.sqlite3")


@pytest.fixture
def db(path):
    database = connect(path)
    yield database
    database.close()


class Reader:
    """``make`` for ``unchanged.read``: reads row 1 and counts how often it was asked."""

    def __init__(self, database):
        self.database, self.calls, self.in_transaction = database, 0, []

    def __call__(self):
        self.calls += 1
        self.in_transaction.append(self.database.conn.in_transaction)
        row = self.database.execute("SELECT v FROM t WHERE id = 1").fetchone()
        return row[0] if row else None


def test_a_value_is_read_once_while_nothing_changes(db):
    read = Reader(db)
    assert [unchanged.read(db, "k", read) for _ in range(5)] == ["first"] * 5
    assert read.calls == 1
    assert read.in_transaction == [True], "read in one read transaction"
    assert not db.conn.in_transaction


def test_a_commit_by_another_connection_is_seen(db, path):
    read = Reader(db)
    assert unchanged.read(db, "k", read) == "first"
    other = connect(path)
    other.execute("UPDATE t SET v = 'second' WHERE id = 1")
    other.conn.commit()
    other.close()
    assert unchanged.read(db, "k", read) == "second"
    assert unchanged.read(db, "k", read) == "second"
    assert read.calls == 2


def test_a_commit_by_another_process_is_seen(db, path):
    read = Reader(db)
    assert unchanged.read(db, "k", read) == "first"
    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
        " c.execute(\"UPDATE t SET v = 'elsewhere' WHERE id = 1\"); c.commit()"
    )
    subprocess.run([sys.executable, "-c", script, path], check=True)
    assert unchanged.read(db, "k", read) == "elsewhere"


def test_a_write_through_the_same_connection_is_seen(db):
    read = Reader(db)
    assert unchanged.read(db, "k", read) == "first"
    with transaction(db, write=True):
        db.execute("UPDATE t SET v = 'mine' WHERE id = 1")
    assert unchanged.read(db, "k", read) == "mine"


def test_any_change_drops_every_value(db, path):
    one, two = Reader(db), Reader(db)
    unchanged.read(db, "one", one)
    unchanged.read(db, "two", two)
    with transaction(db, write=True):
        db.execute("INSERT INTO t VALUES (2, 'unrelated')")
    unchanged.read(db, "one", one)
    unchanged.read(db, "two", two)
    assert (one.calls, two.calls) == (2, 2)


def test_nothing_found_is_not_kept(db):
    db.execute("DELETE FROM t")
    db.conn.commit()
    read = Reader(db)
    assert unchanged.read(db, "k", read) is None
    assert unchanged.read(db, "k", read) is None
    assert read.calls == 2


def test_inside_a_transaction_it_only_reads(db):
    read = Reader(db)
    with transaction(db, write=False):
        assert unchanged.read(db, "k", read) == "first"
        assert unchanged.read(db, "k", read) == "first"
    assert read.calls == 2
    assert unchanged.read(db, "k", read) == "first"
    assert read.calls == 3, "nothing was kept from inside the transaction"


def test_a_failed_read_keeps_nothing_and_leaves_no_transaction(db):
    def broken():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        unchanged.read(db, "k", broken)
    assert not db.conn.in_transaction
    read = Reader(db)
    assert unchanged.read(db, "k", read) == "first" and read.calls == 1


def test_values_are_kept_per_connection_and_bounded(db, path, monkeypatch):
    monkeypatch.setattr(unchanged, "BOUND", 8)
    other = connect(path)
    try:
        mine, theirs = Reader(db), Reader(other)
        unchanged.read(db, "k", mine)
        unchanged.read(other, "k", theirs)
        assert (mine.calls, theirs.calls) == (1, 1), "each connection reads for itself"
        for n in range(40):
            unchanged.read(db, n, Reader(db))
        state = getattr(db, unchanged._STATE)
        assert len(state.values) <= 8
    finally:
        other.close()


def test_a_restore_over_the_database_is_seen(db, path, tmp_path):
    """``assessment restore`` writes a backup over the live file with SQLite's backup API,
    through a connection of its own."""
    read = Reader(db)
    assert unchanged.read(db, "k", read) == "first"
    source = sqlite3.connect(tmp_path / "backup.sqlite3")
    source.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    source.execute("INSERT INTO t VALUES (1, 'restored')")
    source.commit()
    target = sqlite3.connect(path)
    try:
        source.backup(target, pages=-1)
    finally:
        source.close()
        target.close()
    assert unchanged.read(db, "k", read) == "restored"
