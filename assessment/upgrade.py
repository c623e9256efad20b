"""Bringing a database up to date: its schema, then the data derived from it.

``upgrade`` runs when the app starts (``create_app``), on ``assessment init-db`` and on a
restore (on the restored copy, before it replaces the database). It holds the write lock
throughout, so server processes starting together on a new database take turns: the first
does the work, the others find nothing left to do.

1. The schema: the pending migrations of ``migrations.py``, each in a savepoint of its own.
2. Data that no migration can compute, because it needs the scoring engine: the summary of
   every closed round that has none (``results.fill_missing_summaries``; rounds closed
   before summaries existed) and closed anonymous rounds scored again with their floor
   (``results.apply_floors``; rounds closed before floors existed). Both find what they
   need with one query and do nothing on an up-to-date database, so they run on every
   upgrade, also after ``sqlite-utils migrate`` applied the migrations by itself.

Kept apart from ``db.py`` (the connection of a request) and from the migrations (which
import nothing of the app), so that neither depends on the engine.
"""

from __future__ import annotations

from sqlite_utils import Database

from .migrations import migrations
from .results import apply_floors, fill_missing_summaries
from .sqlite import transaction, use_wal

__all__ = ["fill_derived_data", "schema_version", "upgrade"]


def upgrade(database: Database) -> list[str]:
    """Migrate the database and fill its derived data; the names of the migrations
    applied now (none when it was up to date)."""
    use_wal(database)
    with transaction(database, write=True):
        pending = [m.name for m in migrations.pending(database)]
        migrations.apply(database)
        fill_derived_data(database)
    return pending


def fill_derived_data(database: Database) -> None:
    """Store what the migrations leave to the engine (see the module's docstring)."""
    apply_floors(database)
    fill_missing_summaries(database)


def schema_version(database: Database) -> str | None:
    """The name of the last migration applied, or None for an empty database."""
    applied = migrations.applied(database)
    return applied[-1].name if applied else None
