"""Bringing a database up to date: migrations, then derived data (assessment.upgrade)."""

from assessment.db import get_db
from assessment.migrations import migrations
from assessment.sqlite import connect
from assessment.upgrade import upgrade


def _schema(db):
    return sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)


def test_migrations_applied_twice_change_nothing(tmp_path):
    db = connect(str(tmp_path / "twice.sqlite3"))
    first = upgrade(db)
    schema = _schema(db)
    applied = [m.name for m in migrations.applied(db)]
    assert first == applied
    assert upgrade(db) == []
    assert _schema(db) == schema
    assert [m.name for m in migrations.applied(db)] == applied


def test_older_schema_is_migrated_forward_on_start(tmp_path):
    from assessment import create_app

    path = tmp_path / "old.sqlite3"
    db = connect(str(path))
    last = migrations._migrations[-1].name
    migrations.apply(db, stop_before=last)
    assert [m.name for m in migrations.pending(db)] == [last]
    db.close()

    app = create_app({"DATABASE": str(path), "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    with app.app_context():
        assert migrations.pending(get_db()) == []


def _migrate_in_process(path, start, results):
    start.wait()
    try:
        results.put(("ok", upgrade(connect(path))))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(("error", repr(exc)))


def test_processes_starting_together_migrate_once(tmp_path):
    """Server workers booting at once on a new database must not race the migrations."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    path = str(tmp_path / "race.sqlite3")
    workers = [
        ctx.Process(target=_migrate_in_process, args=(path, start, results)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    assert [kind for kind, _ in outcomes] == ["ok"] * 4, outcomes
    applied = [names for _, names in outcomes if names]
    assert applied == [[m.name for m in migrations._migrations]], "exactly one process migrated"
