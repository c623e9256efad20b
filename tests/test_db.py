import os
import sqlite3
from pathlib import Path

import pytest

from assessment.db import get_db
from assessment.migrations import migrations
from assessment.sqlite import connect, query_rows, transaction, use_wal
from assessment.upgrade import upgrade

EXPECTED_TABLES = {
    "users",
    "clients",
    "rounds",
    "respondents",
    "responses",
    "answers",
    "comments",
    "actions",
    "share_links",
}


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


def test_schema_has_the_product_tables(app):
    with app.app_context():
        assert set(get_db().table_names()) >= EXPECTED_TABLES


def test_every_table_has_utc_timestamps(app):
    with app.app_context():
        db = get_db()
        for name in EXPECTED_TABLES:
            columns = db[name].columns_dict
            assert "created_at" in columns, name
            assert "updated_at" in columns, name


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


def test_snapshots_move_out_of_rounds_once_each(tmp_path):
    """0004: rounds kept a whole snapshot each; after it they name a shared one."""
    import hashlib

    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before="0004_questionnaire_snapshots")
    db.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('A', 'now', 'now')")
    texts = ['{"id": "six-signs", "v": 1}', '{"id": "six-signs", "v": 1}', '{"是": "二"}']
    for number, text in enumerate(texts):
        db.execute(
            "INSERT INTO rounds (client_id, kind, period, questionnaire_id,"
            " questionnaire_version, questionnaire_snapshot, created_at, updated_at)"
            " VALUES (1, 'quarterly', ?, 'six-signs', 1, ?, 'now', 'now')",
            [f"P{number}", text],
        )
    upgrade(db)
    assert "questionnaire_snapshot" not in db["rounds"].columns_dict
    stored = dict(db.execute("SELECT digest, snapshot FROM questionnaire_snapshots"))
    assert sorted(stored.values()) == sorted(set(texts))
    named = [row[0] for row in db.execute("SELECT questionnaire_digest FROM rounds ORDER BY id")]
    assert [stored[digest] for digest in named] == texts
    assert all(d == hashlib.sha256(stored[d].encode()).hexdigest() for d in named)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_init_db_command(runner, app):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "is ready" in result.output
    assert migrations._migrations[-1].name in result.output


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


def _without_exact_values(data: dict) -> dict:
    """A stored result as written before results kept exact values (the older layout)."""
    data = {k: v for k, v in data.items() if not k.startswith("exact_")}
    data["signs"] = [
        {k: v for k, v in sign.items() if not k.startswith("exact_")} for sign in data["signs"]
    ]
    return data


@pytest.mark.parametrize(
    "start",
    ["0006_anonymity", "0005_user_sessions"],
    ids=["with-user-sessions", "before-both"],
)
def test_anonymity_migration_locks_old_answers_and_rescores_closed_rounds(tmp_path, start):
    """0006: floors for every round, old anonymous answers locked, and closed anonymous
    rounds scored again with the floor (no extremes kept); named rounds left alone. On a
    database that has 0005_user_sessions already, and on one from before both (whose
    stored results have the layout without exact values)."""
    import json

    from assessment.questionnaire import load_directory
    from assessment.scoring import Response, RoundResult, score_round
    from assessment.store import rounds

    names = [m.name for m in migrations._migrations]
    assert names.index("0005_user_sessions") < names.index("0006_anonymity")
    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before=start)
    older = start == "0005_user_sessions"
    q = load_directory(Path(__file__).parent.parent / "questions")["six-signs"]
    digest = rounds.store_snapshot(db, q)
    db.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('A', 'now', 'now')")
    likert = [i.id for i in q.items() if i.type == "likert" and i.applies("quarterly")]
    for number, anonymous in enumerate((1, 0), start=1):
        answers = [{item: 1 + (n + k) % 5 for k, item in enumerate(likert)} for n in range(3)]
        legacy = score_round(
            q, [Response(str(n), "delivery", a) for n, a in enumerate(answers)], kind="quarterly"
        )
        assert legacy.signs[0].lowest is not None
        db.execute(
            "INSERT INTO rounds (id, client_id, kind, period, questionnaire_id,"
            " questionnaire_version, questionnaire_digest, anonymous, status, closed_at, results,"
            " created_at, updated_at) VALUES (?, 1, 'quarterly', ?, 'six-signs', ?, ?, ?,"
            " 'closed', 'then', ?, ?, 'now')",
            [number, f"P{number}", q.version, digest, anonymous,
             json.dumps(_without_exact_values(legacy.to_dict()) if older else legacy.to_dict()),
             f"2026-0{number}"],
        )  # fmt: skip
        for n, given in enumerate(answers):
            respondent = 10 * number + n
            db.execute(
                "INSERT INTO respondents (id, round_id, name, role, token, token_issued_at,"
                " created_at, updated_at) VALUES (?, ?, ?, 'delivery', ?, 'now', 'now', 'now')",
                [respondent, number, f"P{respondent}", f"token-{respondent}"],
            )
            db.execute(
                "INSERT INTO responses (id, respondent_id, status, created_at, updated_at)"
                " VALUES (?, ?, 'submitted', 'now', 'now')",
                [respondent, respondent],
            )
            for item, value in given.items():
                db.execute(
                    "INSERT INTO answers (response_id, item_id, value_number, created_at,"
                    " updated_at) VALUES (?, ?, ?, 'now', 'now')",
                    [respondent, item, value],
                )
    applied = upgrade(db)
    assert applied == names[names.index(start) :]
    assert "user_sessions" in db.table_names()
    floors = db.execute("SELECT anonymity_floor, anonymity_text_floor FROM rounds").fetchall()
    assert floors == [(3, 5), (3, 5)]
    keys = dict(db.execute("SELECT id, answer_key FROM respondents"))
    assert {keys[i] for i in (10, 11, 12)} == {"!"} and {keys[i] for i in (20, 21, 22)} == {None}
    anonymous, named = (rounds.get_round(db, i) for i in (1, 2))
    rescored = RoundResult.from_dict(json.loads(anonymous.results))
    assert json.loads(anonymous.results)["anonymity_floor"] == 3
    assert all(s.lowest is None and s.highest is None for s in rescored.signs)
    assert anonymous.closed_at == "then", "when it closed stays"
    named_result = RoundResult.from_dict(json.loads(named.results))
    assert named_result.signs[0].lowest is not None
    assert named_result.signs[0].score == legacy.signs[0].score, "read in either layout"
    assert rescored.signs[0].exact_score == legacy.signs[0].exact_score
    summary = db.execute("SELECT summary FROM round_summaries WHERE round_id = 1").fetchone()
    assert json.loads(summary[0])["index"] == rescored.index
