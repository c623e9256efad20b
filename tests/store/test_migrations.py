"""The schema and its named migrations (assessment.migrations)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assessment.db import get_db
from assessment.migrations import migrations
from assessment.sqlite import connect
from assessment.upgrade import upgrade

MIGRATIONS_FILE = Path(__file__).parent.parent.parent / "assessment" / "migrations.py"
SQLITE_UTILS = Path(sys.executable).parent / "sqlite-utils"


def sqlite_utils_migrate(path, *options):
    """``sqlite-utils migrate`` run as docs/operations.md shows, in a process of its own."""
    return subprocess.run(
        [str(SQLITE_UTILS), "migrate", str(path), str(MIGRATIONS_FILE), *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


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


def _without_exact_values(data: dict) -> dict:
    """A stored result as written before results kept exact values (the older layout)."""
    data = {k: v for k, v in data.items() if not k.startswith("exact_")}
    data["signs"] = [
        {k: v for k, v in sign.items() if not k.startswith("exact_")} for sign in data["signs"]
    ]
    return data


@pytest.mark.parametrize("by", ["upgrade", "sqlite-utils"])
@pytest.mark.parametrize(
    "start",
    ["0006_anonymity", "0005_user_sessions"],
    ids=["with-user-sessions", "before-both"],
)
def test_anonymity_migration_locks_old_answers_and_rescores_closed_rounds(tmp_path, start, by):
    """0006: floors for every round, old anonymous answers locked, and closed anonymous
    rounds scored again with the floor (no extremes kept); named rounds left alone. On a
    database that has 0005_user_sessions already, and on one from before both (whose
    stored results have the layout without exact values). Migrated by the app's
    ``upgrade``, or by ``sqlite-utils migrate`` first: then the app's next upgrade applies
    no migration and still scores the rounds again."""
    import json

    from assessment.questionnaire import load_directory
    from assessment.scoring import Response, RoundResult, score_round
    from assessment.store import rounds, snapshots

    names = [m.name for m in migrations._migrations]
    assert names.index("0005_user_sessions") < names.index("0006_anonymity")
    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before=start)
    older = start == "0005_user_sessions"
    q = load_directory(Path(__file__).parent.parent.parent / "questions")["six-signs"]
    digest = snapshots.store_snapshot(db, q)
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
    if by == "sqlite-utils":
        db.close()
        done = sqlite_utils_migrate(tmp_path / "old.sqlite3")
        assert done.returncode == 0, done.stderr
        db = connect(str(tmp_path / "old.sqlite3"))
        assert [m.name for m in migrations.applied(db)][-1] == names[-1]
        assert upgrade(db) == []
    else:
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


def test_sqlite_utils_migrate_runs_the_migrations_file(tmp_path):
    """docs/operations.md: ``sqlite-utils migrate`` finds the migration set in
    assessment/migrations.py (it runs the file with no package around it) and builds the
    schema ``upgrade`` builds; ``--list`` shows what is applied and pending."""
    path = tmp_path / "cli.sqlite3"
    listed = sqlite_utils_migrate(path, "--list")
    assert listed.returncode == 0, listed.stderr
    assert "Migrations for: assessment" in listed.stdout
    names = [m.name for m in migrations._migrations]
    pending = listed.stdout.split("Pending:")[1].split()
    assert pending == names
    assert not path.exists(), "--list changes nothing"

    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # as docs/operations.md says
    done = sqlite_utils_migrate(path)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    db = connect(str(path))
    assert [m.name for m in migrations.applied(db)] == names
    by_app = connect(str(tmp_path / "app.sqlite3"))
    upgrade(by_app)
    schema = "SELECT type, name, sql FROM sqlite_master WHERE name != 'sqlite_sequence'"
    assert sorted(db.execute(schema).fetchall(), key=str) == sorted(
        by_app.execute(schema).fetchall(), key=str
    )
    again = sqlite_utils_migrate(path, "--list")
    assert "(none)" in again.stdout.split("Pending:")[1]


def test_review_calendar_migration_gives_every_client_the_quarterly_default(tmp_path):
    """0009: clients reviewed quarterly, nothing sent at once, no round holding invitations;
    a cadence the app does not know is refused by the schema."""
    import sqlite3

    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before="0009_review_calendar")
    db.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('A', 'now', 'now')")
    migrations.apply(db)
    row = db.execute("SELECT review_cadence, review_auto_send FROM clients").fetchone()
    assert tuple(row) == ("quarterly", 0)
    assert "invitations_held" in db.table("rounds").columns_dict
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE clients SET review_cadence = 'monthly'")


def test_client_display_migration_keeps_what_old_rounds_promised(tmp_path):
    """0012: rounds from before are combined, with their anonymity floor as client floor
    (their contacts were told their answers are combined under that floor); the schema
    refuses an unknown display and a client floor under 2."""
    import sqlite3

    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before="0012_client_display")
    db.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('A', 'now', 'now')")
    db.execute(
        "INSERT INTO questionnaire_snapshots (digest, snapshot, created_at, updated_at)"
        " VALUES ('d', '{}', 'now', 'now')"
    )
    for period, floor in (("2026-Q1", 3), ("2026-Q2", 4)):
        db.execute(
            "INSERT INTO rounds (client_id, kind, period, questionnaire_id,"
            " questionnaire_version, questionnaire_digest, anonymity_floor, created_at,"
            " updated_at) VALUES (1, 'quarterly', ?, 'q', 1, 'd', ?, 'now', 'now')",
            [period, floor],
        )
    migrations.apply(db)
    rows = db.execute("SELECT client_display, client_floor FROM rounds ORDER BY period").fetchall()
    assert [tuple(r) for r in rows] == [("combined", 3), ("combined", 4)]
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE rounds SET client_display = 'named'")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE rounds SET client_floor = 1")


def test_action_steps_migration_finds_the_step_of_an_unchanged_title(tmp_path):
    """0015: an action whose title is a step's words (English or Chinese, spacing aside)
    gets that step; one with words of its own keeps none."""
    import json

    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before="0015_action_steps")
    advice = {"owner": "account", "text": {"en": "Talk  to them.", "zh-CN": "和他们谈谈。"}}
    snapshot = {
        "signs": [
            {
                "id": "power",
                "recommendations": {"watch": advice},
                "persisting": {
                    "owner": "leadership",
                    "text": {"en": "Escalate.", "zh-CN": "升级。"},
                },
            }
        ]
    }
    db.execute(
        "INSERT INTO questionnaire_snapshots (digest, snapshot, created_at, updated_at)"
        " VALUES ('d1', ?, 'now', 'now')",
        [json.dumps(snapshot)],
    )
    db.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('A', 'now', 'now')")
    columns = db.table("rounds").columns_dict
    values = {
        "client_id": 1,
        "kind": "quarterly",
        "period": "2026-Q1",
        "questionnaire_digest": "d1",
        "created_at": "now",
        "updated_at": "now",
    }
    if "questionnaire_id" in columns:
        values["questionnaire_id"] = "six-signs"
    if "questionnaire_version" in columns:
        values["questionnaire_version"] = 1
    db.table("rounds").insert(values)
    for title in ("Talk to them.", "和他们谈谈。", "Escalate.", "Our own words"):
        db.execute(
            "INSERT INTO actions (round_id, sign_id, title, owner_name, created_at, updated_at)"
            " VALUES (1, 'power', ?, '', 'now', 'now')",
            [title],
        )
    migrations.apply(db)
    steps = [row[0] for row in db.execute("SELECT step FROM actions ORDER BY id")]
    assert steps == ["band:power:watch", "band:power:watch", "persisting:power", None]
