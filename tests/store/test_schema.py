"""docs/schema.sql is the schema the migrations make (assessment/schema.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assessment import schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent.parent / "docs" / "schema.sql"


def test_the_checked_in_schema_is_what_the_migrations_make():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.current(), (
        "docs/schema.sql is out of date: write it again with"
        " `.venv/bin/python -m assessment.schema > docs/schema.sql`"
    )


def test_the_file_is_runnable_sql_giving_the_same_tables_and_columns(tmp_path):
    """Reformatting (one column a line) changed nothing: the file builds the same schema."""
    built = sqlite3.connect(tmp_path / "from-file.sqlite3")
    built.executescript(SCHEMA_FILE.read_text(encoding="utf-8"))
    migrated = sqlite3.connect(tmp_path / "migrated.sqlite3")
    from assessment.sqlite import connect
    from assessment.upgrade import upgrade

    db = connect(str(tmp_path / "migrated.sqlite3"))
    upgrade(db)
    db.close()

    def shape(conn):
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations' ORDER BY name"
            )
        ]
        return {
            table: [tuple(col) for col in conn.execute(f'PRAGMA table_xinfo("{table}")')]
            for table in tables
        }

    assert shape(built) == shape(migrated)
    indexes = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name != '_sqlite_migrations' ORDER BY 1"
    )
    assert list(built.execute(indexes)) == list(migrated.execute(indexes))
