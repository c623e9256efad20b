"""Backup and restore: consistent while in use, refusing what is not ours, round-tripping."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from sqlite_utils import Database

from assessment import backup as backups
from assessment import create_app
from assessment.cli.data import backup_command, restore_command
from assessment.db import get_db
from assessment.migrations import migrations
from assessment.sqlite import connect
from assessment.store import clients
from assessment.upgrade import upgrade


def _integrity(path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]


def _dump(path) -> dict:
    """Every table's schema and rows, in rowid order."""
    with closing(sqlite3.connect(path)) as conn:
        schema = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = [name for kind, name, _, _ in schema if kind == "table"]
        rows = {
            table: conn.execute(f'SELECT rowid, * FROM "{table}" ORDER BY rowid').fetchall()
            for table in tables
        }
    return {"schema": schema, "rows": rows}


def _count(path, table="clients") -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _new_client(conn, name: str) -> None:
    conn.execute(
        "INSERT INTO clients (name, created_at, updated_at) VALUES (?, 'now', 'now')", [name]
    )


@pytest.fixture
def database(app) -> Path:
    return Path(app.config["DATABASE"])


# --- backup ---------------------------------------------------------------------------------


def test_backup_while_a_write_transaction_is_open(database, tmp_path):
    writer = sqlite3.connect(database, isolation_level=None)
    _new_client(writer, "Committed")
    writer.execute("BEGIN IMMEDIATE")
    _new_client(writer, "Not yet committed")
    try:
        target = backups.backup(database, tmp_path / "during.sqlite3")
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert _integrity(target) == ["ok"]
    with closing(sqlite3.connect(target)) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM clients")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert names == {"Committed"}, "one consistent moment: committed data only"
    assert not Path(f"{target}-wal").exists(), "a backup is a single file"
    assert target.stat().st_mode & 0o777 == 0o600, "only the owner may read a backup"
    assert list(tmp_path.glob(".*.tmp")) == [], "no temporary file is left behind"


def test_backup_during_a_stream_of_writes_is_consistent(database, tmp_path):
    """Each write adds two clients in one transaction: any consistent copy has an even count."""
    stop = threading.Event()
    written = []

    def write():
        with closing(sqlite3.connect(database, timeout=10, isolation_level=None)) as conn:
            n = 0
            while not stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                _new_client(conn, f"a{n}")
                _new_client(conn, f"b{n}")
                conn.execute("COMMIT")
                n += 1
            written.append(n)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = [backups.backup(database, tmp_path / f"copy{n}.sqlite3") for n in range(5)]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert written and written[0] > 0
    for copy in copies:
        assert _integrity(copy) == ["ok"]
        assert _count(copy) % 2 == 0


def test_backup_refuses_to_overwrite_unless_forced(app, database, tmp_path):
    target = tmp_path / "backup.sqlite3"
    target.write_text("keep me")
    runner = app.test_cli_runner()
    result = runner.invoke(backup_command, [str(target)])
    assert result.exit_code == 1 and "exists; use --force" in result.output
    assert target.read_text() == "keep me"
    result = runner.invoke(backup_command, [str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and _integrity(target) == ["ok"]

    result = runner.invoke(backup_command, [str(tmp_path / "missing" / "b.sqlite3")])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = runner.invoke(backup_command, [str(database), "--force"])
    assert result.exit_code == 1 and "the database itself" in result.output


# --- restore: round trip --------------------------------------------------------------------


@pytest.fixture
def fresh_app(tmp_path, template_database):
    """A second instance with its own database, as on another machine."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    path = folder / "fresh.sqlite3"
    shutil.copyfile(template_database, path)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "another-test-secret",
            "DATABASE": str(path),
            "QUESTIONS_DIR": str(REPO_ROOT / "questions"),
        },
        instance_path=str(folder / "instance"),
    )


def test_backup_restored_into_a_fresh_instance_round_trips_every_row(
    app, demo, fresh_app, tmp_path
):
    target = tmp_path / "demo-backup.sqlite3"
    result = app.test_cli_runner().invoke(backup_command, [str(target)])
    assert result.exit_code == 0, result.output

    fresh_db = Path(fresh_app.config["DATABASE"])
    before = _dump(fresh_db)
    result = fresh_app.test_cli_runner().invoke(restore_command, [str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output

    original, restored = _dump(app.config["DATABASE"]), _dump(fresh_db)
    assert restored["schema"] == original["schema"]
    assert restored["rows"].keys() == original["rows"].keys()
    for table, rows in original["rows"].items():
        assert restored["rows"][table] == rows, table
    assert sum(len(rows) for rows in original["rows"].values()) > 100
    # every table, the evidence of issue 28 too (the demo has invoices and incidents)
    assert original["rows"]["incidents"] and original["rows"]["invoices"]
    assert original["rows"]["invoice_columns"]
    assert _integrity(fresh_db) == ["ok"]
    with closing(sqlite3.connect(fresh_db)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    kept = list(fresh_db.parent.glob("fresh.sqlite3.before-restore-*"))
    assert len(kept) == 1 and str(kept[0]) in result.output
    assert _dump(kept[0]) == before, "the replaced database is kept as it was"
    assert [p.name for p in fresh_db.parent.glob(".*.tmp*")] == []

    with fresh_app.app_context():  # the app works on the restored data
        assert clients.find_by_name(get_db(), "Apex Retail Group") is not None


def test_a_database_restored_where_there_was_none_is_private(database, tmp_path):
    import os

    backup_file = backups.backup(database, tmp_path / "copy.sqlite3")
    target = tmp_path / "new-home" / "restored.sqlite3"
    target.parent.mkdir()
    old_umask = os.umask(0o022)
    try:
        backups.restore(target, backup_file)
    finally:
        os.umask(old_umask)
    assert target.stat().st_mode & 0o777 == 0o600
    for other in target.parent.iterdir():  # WAL files; no staged copy is left
        assert other.stat().st_mode & 0o777 == 0o600, other


def test_an_open_connection_sees_the_restored_data(app, database, tmp_path):
    backup_file = backups.backup(database, tmp_path / "before.sqlite3")
    reader = connect(str(database))  # as a server worker holds it
    with closing(reader.conn):
        _new_client(reader.conn, "Added after the backup")
        reader.conn.commit()
        assert reader.execute("SELECT COUNT(*) FROM clients").fetchone()[0] == 1
        backups.restore(database, backup_file)
        assert reader.execute("SELECT COUNT(*) FROM clients").fetchone()[0] == 0
    assert _integrity(database) == ["ok"]


def test_restore_migrates_an_older_backup_forward(app, database, tmp_path):
    old = tmp_path / "old.sqlite3"
    db = Database(str(old))
    migrations.apply(db, stop_before="0002_audit_log_and_result_summary")
    _new_client(db.conn, "From the old version")
    db.conn.commit()
    db.close()

    info = backups.inspect_backup(old)
    assert info.applied == ("0001_initial",)
    later = tuple(backups.known_migrations())[1:]
    assert info.pending == later
    result = backups.restore(database, old)
    assert result.migrated == later
    assert result.previous is not None and result.previous.exists()
    with closing(sqlite3.connect(database)) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
        assert names == list(backups.known_migrations())
        assert [r[0] for r in conn.execute("SELECT name FROM clients")] == ["From the old version"]
    reference = tmp_path / "reference.sqlite3"
    fresh = connect(str(reference))
    upgrade(fresh)
    fresh.close()
    assert _dump(database)["schema"] == _dump(reference)["schema"], "the current schema"
    assert backups.inspect_backup(old).applied == ("0001_initial",), "the file is untouched"


def test_restore_asks_before_replacing(app, database, tmp_path):
    backup_file = backups.backup(database, tmp_path / "b.sqlite3")
    with closing(sqlite3.connect(database)) as conn:
        _new_client(conn, "Still here")
        conn.commit()
    result = app.test_cli_runner().invoke(restore_command, [str(backup_file)], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "Replace the database" in result.output
    assert _count(database) == 1
    assert list(database.parent.glob("*.before-restore-*")) == []


# --- restore: refusals ----------------------------------------------------------------------


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.sqlite3"
    path.write_text("name,email\nAnn,ann@example.com\n" * 20)
    return path


def _other_app(tmp_path: Path) -> Path:
    path = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('hello')")
        conn.commit()
    return path


def _other_migration_set(tmp_path: Path) -> Path:
    from sqlite_utils.migrations import Migrations

    other = Migrations("blog")

    @other(name="0001_posts")
    def _posts(db):
        db.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY)")

    path = tmp_path / "blog.sqlite3"
    db = Database(str(path))
    other.apply(db)
    db.close()
    return path


def _newer(tmp_path: Path, database: Path) -> Path:
    path = backups.backup(database, tmp_path / "newer.sqlite3")
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('assessment', '0099_from_the_future', '2030-01-01')"
        )
        conn.commit()
    return path


def _truncated(tmp_path: Path, database: Path) -> Path:
    path = backups.backup(database, tmp_path / "truncated.sqlite3")
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    return path


def _scrambled(tmp_path: Path, database: Path) -> Path:
    path = backups.backup(database, tmp_path / "scrambled.sqlite3")
    data = bytearray(path.read_bytes())
    page = 4096
    for n in range(page * 2, len(data), 7):
        data[n] = (data[n] + 91) % 256
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp, db: _text_file(tmp), "is not an SQLite database"),
        (lambda tmp, db: _other_app(tmp), "has no _sqlite_migrations table"),
        (lambda tmp, db: _other_migration_set(tmp), "no migrations of the set 'assessment'"),
        (_newer, "newer version of the app"),
        (_truncated, "damaged"),
        (_scrambled, "damaged"),
        (lambda tmp, db: tmp / "missing.sqlite3", "is not a file"),
    ],
    ids=["text", "other-app", "other-migrations", "newer", "truncated", "scrambled", "missing"],
)
def test_restore_refuses_what_is_not_a_backup_of_this_app(app, database, tmp_path, make, reason):
    with closing(sqlite3.connect(database)) as conn:
        _new_client(conn, "Untouched")
        conn.commit()
    before = _dump(database)
    candidate = make(tmp_path, database)
    original = candidate.read_bytes() if candidate.exists() else None

    with pytest.raises(backups.RestoreRefused, match=reason):
        backups.inspect_backup(candidate)
    result = app.test_cli_runner().invoke(restore_command, [str(candidate), "--yes"])
    assert result.exit_code == 1
    assert "not restored" in result.output and reason in result.output
    with pytest.raises(backups.RestoreRefused, match=reason):
        backups.restore(database, candidate)

    assert _dump(database) == before
    assert list(database.parent.glob("*.before-restore-*")) == []
    assert [p.name for p in database.parent.glob(".*")] == []
    if original is not None:
        assert candidate.read_bytes() == original, "checking a file does not change it"


def test_restore_refuses_the_database_itself(database):
    with pytest.raises(backups.RestoreRefused, match="the database itself"):
        backups.restore(database, database)
