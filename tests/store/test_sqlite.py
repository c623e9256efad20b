"""Plain SQLite helpers: connections, rows, transactions (assessment.sqlite)."""

import sqlite3

import pytest

from assessment.sqlite import connect, query_rows, transaction, use_wal


def test_query_rows_gives_dicts_without_a_savepoint_per_query(tmp_path):
    db = connect(str(tmp_path / "q.sqlite3"))
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO t (name) VALUES ('a'), ('b')")
    statements = []
    db.conn.set_trace_callback(statements.append)
    found = list(query_rows(db, "SELECT * FROM t WHERE id > ? ORDER BY id", [0]))
    assert found == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert list(query_rows(db, "SELECT name FROM t WHERE id = :id", {"id": 2})) == [{"name": "b"}]
    assert list(query_rows(db, "with x AS (SELECT 1 AS one) SELECT * FROM x")) == [{"one": 1}]
    assert not any("SAVEPOINT" in statement for statement in statements)


def test_query_rows_refuses_duplicate_columns_and_statements_without_rows(tmp_path):
    db = connect(str(tmp_path / "q.sqlite3"))
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO t (name) VALUES ('a')")
    with pytest.raises(ValueError, match="duplicate column names"):
        list(query_rows(db, "SELECT t.id, u.id FROM t JOIN t AS u"))
    with pytest.raises(ValueError, match="returns rows"):
        query_rows(db, "UPDATE t SET name = 'b'")
    assert db.execute("SELECT name FROM t").fetchone()[0] == "a"
    assert not db.conn.in_transaction


def test_a_read_transaction_sees_one_moment(tmp_path):
    path = str(tmp_path / "r.sqlite3")
    reader, writer = connect(path), connect(path)
    reader.enable_wal()
    reader.execute("CREATE TABLE t (n INTEGER)")
    reader.execute("INSERT INTO t VALUES (1)")
    with transaction(reader, write=False):
        assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
        writer.execute("INSERT INTO t VALUES (2)")  # another process commits meanwhile
        assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
        with transaction(reader, write=False):  # nested: part of the same one
            assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
        assert reader.conn.in_transaction
    assert not reader.conn.in_transaction
    assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2


def test_a_read_transaction_ends_when_its_block_fails(tmp_path):
    db = connect(str(tmp_path / "r.sqlite3"))
    with pytest.raises(LookupError), transaction(db, write=False):
        db.execute("SELECT 1").fetchone()
        raise LookupError
    assert not db.conn.in_transaction


def _counter(tmp_path):
    path = str(tmp_path / "w.sqlite3")
    first = connect(path)
    first.enable_wal()
    first.execute("CREATE TABLE t (n INTEGER)")
    first.execute("INSERT INTO t VALUES (0)")
    return path, first


def test_a_deferred_read_then_write_fails_where_a_write_transaction_waits(tmp_path):
    """Why every write that reads first takes the lock up front: in WAL mode a deferred
    transaction whose snapshot is stale cannot write, whatever the busy timeout."""
    import threading

    path, first = _counter(tmp_path)
    other = connect(path)
    with pytest.raises(sqlite3.OperationalError, match="locked"), first.atomic():
        first.execute("SELECT n FROM t").fetchone()
        other.execute("UPDATE t SET n = n + 1")  # commits between the read and the write
        first.execute("UPDATE t SET n = n + 10")

    done = []

    def bump():
        mine = connect(path)  # a connection belongs to its thread
        with transaction(mine, write=True):
            done.append(mine.execute("SELECT n FROM t").fetchone()[0])
            mine.execute("UPDATE t SET n = n + 1")

    with transaction(first, write=True):
        (before,) = first.execute("SELECT n FROM t").fetchone()
        thread = threading.Thread(target=bump)
        thread.start()
        thread.join(timeout=0.3)
        assert thread.is_alive(), "the other writer waits for the lock"
        first.execute("UPDATE t SET n = ?", [before + 10])
    thread.join(timeout=10)
    assert done == [before + 10]  # it read after the first one committed
    assert first.execute("SELECT n FROM t").fetchone()[0] == before + 11


def _switch_to_wal_when_released(path: str, barrier, results) -> None:
    barrier.wait()
    try:
        database = connect(path)
        use_wal(database)
        results.put(database.execute("PRAGMA journal_mode").fetchone()[0])
    except Exception as exc:
        results.put(repr(exc))


def test_processes_switching_a_new_database_to_wal_together_all_succeed(tmp_path):
    """SQLite refuses some of several simultaneous switches at once ("database is
    locked", no busy wait); servers starting together on a new instance must not."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for n in range(60):  # a race lost now and then must never be lost
        path = str(tmp_path / f"new-{n}.sqlite3")
        barrier, results = context.Barrier(8), context.Queue()
        workers = [
            context.Process(target=_switch_to_wal_when_released, args=(path, barrier, results))
            for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        found = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        assert found == ["wal"] * 8, f"round {n}: {found}"


def test_a_nested_write_transaction_is_a_savepoint(tmp_path):
    _path, db = _counter(tmp_path)
    with transaction(db, write=True):
        db.execute("UPDATE t SET n = 1")
        with pytest.raises(LookupError), transaction(db, write=True):
            db.execute("UPDATE t SET n = 2")
            raise LookupError
        assert db.execute("SELECT n FROM t").fetchone()[0] == 1
        with transaction(db, write=True):
            db.execute("UPDATE t SET n = 3")
        assert db.conn.in_transaction
    assert not db.conn.in_transaction
    assert db.execute("SELECT n FROM t").fetchone()[0] == 3


def test_a_write_transaction_cannot_begin_inside_a_read_one(tmp_path):
    """A read transaction holds no write lock: a write nested in it could fail on a stale
    snapshot, so it is refused before it writes anything."""
    _path, db = _counter(tmp_path)
    with transaction(db, write=False):
        refused = pytest.raises(RuntimeError, match="inside a read transaction")
        with refused, transaction(db, write=True):
            db.execute("UPDATE t SET n = 5")
        assert db.execute("SELECT n FROM t").fetchone()[0] == 0
    assert not db.conn.in_transaction
    with transaction(db, write=True):  # the mode is forgotten with the transaction
        db.execute("UPDATE t SET n = 6")
    assert db.execute("SELECT n FROM t").fetchone()[0] == 6


def test_a_transaction_whose_commit_fails_is_rolled_back(tmp_path):
    _path, db = _counter(tmp_path)
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), transaction(db, write=True):
        db.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT
        db.execute("INSERT INTO child VALUES (42)")
        db.execute("UPDATE t SET n = 7")
    assert not db.conn.in_transaction, "no transaction (and no write lock) is left open"
    assert db.execute("SELECT n FROM t").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 0
