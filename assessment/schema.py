"""The database's schema as the migrations leave it, as text to read (``docs/schema.sql``).

``docs/schema.sql`` is checked in so that the tables can be read in one place instead of
being pieced together from ``migrations.py``; ``tests/store/test_schema.py`` migrates a new
database and fails when the file no longer matches. After adding a migration, write it
again with::

    .venv/bin/python -m assessment.schema > docs/schema.sql
"""

from __future__ import annotations

import sys
import tempfile
import textwrap
from pathlib import Path

from .sqlite import connect
from .upgrade import upgrade

HEADER = (
    "-- The schema of Partnership Check's database, as the migrations in\n"
    "-- assessment/migrations.py leave it (written by `python -m assessment.schema`;\n"
    "-- tests/store/test_schema.py checks it). Do not edit: add a migration.\n"
)


def dump(database) -> str:
    """Every table, index, view and trigger of ``database`` (SQLite's own and the
    migrations' bookkeeping left out), tables first, each kind by name."""
    order = {"table": 0, "index": 1, "view": 2, "trigger": 3}
    rows = database.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        " AND name NOT LIKE 'sqlite_%' AND tbl_name != '_sqlite_migrations'"
    ).fetchall()
    rows = sorted(rows, key=lambda row: (order.get(row[0], 9), row[1]))
    return HEADER + "".join(f"\n{_tidy(sql)};\n" for _type, _name, sql in rows)


def _tidy(sql: str) -> str:
    """A statement as SQLite keeps it (as the migration wrote it, columns added later at
    the end), its lines after the first indented alike."""
    first, _, rest = sql.strip().partition("\n")
    if not rest:
        return first
    body: list[str] = []
    for line in textwrap.dedent(rest).splitlines():
        for part in _columns(line):
            if part == "," and body:  # a column added after a last line without a comma
                body[-1] += ","
            else:
                body.append(part)
    last = body[-1]
    if last != ")" and last.endswith(")") and last.count(")") > last.count("("):
        body[-1:] = [last[:-1], ")"]  # the table's own closing parenthesis on its line
    return "\n".join([first, *(("    " + line) if line != ")" else line for line in body)])


def _columns(line: str) -> list[str]:
    """A line split at its top-level commas: SQLite appends each column added later by
    ``ALTER TABLE`` to the last line of the table (", name TYPE, name TYPE")."""
    parts, depth, quote, start = [], 0, "", 0
    for n, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(line[start : n + 1].strip())
            start = n + 1
    rest = line[start:].strip()
    if rest:
        parts.append(rest)
    return parts or [line]


def current() -> str:
    """The schema of a new database migrated to the latest version."""
    with tempfile.TemporaryDirectory() as folder:
        db = connect(str(Path(folder) / "schema.sqlite3"))
        try:
            upgrade(db)
            return dump(db.conn)
        finally:
            db.close()


if __name__ == "__main__":
    sys.stdout.write(current())
