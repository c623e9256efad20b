"""The connection of an app context (assessment.db)."""

import os
import sqlite3

from assessment.db import get_db
from assessment.sqlite import connect


def test_get_db_is_cached_per_app_context_and_kept_for_the_thread(app):
    with app.app_context():
        db = get_db()
        assert get_db() is db
    with app.app_context():
        assert get_db() is db  # the same connection: no reconnect per request
        assert db.execute("SELECT 1").fetchone()[0] == 1


def test_nested_app_contexts_get_their_own_connection(app):
    with app.app_context():
        outer = get_db()
        with app.app_context():
            assert get_db() is not outer
        assert get_db() is outer


def test_a_transaction_left_open_is_rolled_back_at_teardown(app):
    with app.app_context():
        db = get_db()
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.execute(
            "INSERT INTO clients (name, created_at, updated_at) VALUES ('Ghost', 'now', 'now')"
        )
    with app.app_context():
        db = get_db()
        assert not db.conn.in_transaction
        assert db.execute("SELECT count(*) FROM clients WHERE name = 'Ghost'").fetchone()[0] == 0
        # and nothing holds the write lock: another connection can write at once
        other = connect(app.config["DATABASE"])
        other.execute("PRAGMA busy_timeout = 0")
        with other.conn:
            other.execute(
                "INSERT INTO clients (name, created_at, updated_at) VALUES ('Real', 'now', 'now')"
            )
        other.close()


def test_a_forked_child_opens_its_own_connection(app):
    with app.app_context():
        parent = get_db()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether it was handed the parent's connection
        try:
            with app.app_context():
                same = get_db() is parent
                get_db().execute("SELECT count(*) FROM users").fetchone()
            os.write(write, b"same" if same else b"own")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 10)
    os.waitpid(pid, 0)
    assert answer == b"own"
    with app.app_context():
        assert get_db() is parent


def test_the_connection_follows_a_changed_database_path(app, tmp_path):
    with app.app_context():
        first = get_db()
    app.config["DATABASE"] = str(tmp_path / "other.sqlite3")
    with app.app_context():
        other = get_db()
        assert other is not first
        assert other.execute("PRAGMA database_list").fetchone()[2].endswith("other.sqlite3")


def test_pragmas(app):
    with app.app_context():
        db = get_db()
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_keys_are_enforced(app):
    with app.app_context():
        db = get_db()
        try:
            db.execute(
                "INSERT INTO rounds (client_id, kind, period, questionnaire_id,"
                " questionnaire_version, created_at, updated_at)"
                " VALUES (999, 'kickoff', '2026-Q4', 'q', 1, 'now', 'now')"
            )
        except sqlite3.IntegrityError as exc:
            assert "FOREIGN KEY" in str(exc)
        else:
            raise AssertionError("a round for a missing client was stored")
