"""The audit log: who did what, and when (rounds, actions, share links, users)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from ..db import query_rows, utcnow


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    at: str
    actor: str
    action: str
    object_type: str
    object_id: int | None
    details: dict


def record(
    db: Database,
    *,
    user_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | None = None,
    details: dict | None = None,
) -> None:
    """Append an entry; call it inside the transaction of the change it describes."""
    now = utcnow()
    db.execute(
        "INSERT INTO audit_log (user_id, actor, action, object_type, object_id, details,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            user_id,
            actor,
            action,
            object_type,
            object_id,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
            now,
            now,
        ],
    )


def entries(db: Database, *, limit: int = 100, offset: int = 0) -> list[Entry]:
    """The newest entries first."""
    return [
        Entry(
            id=row["id"],
            at=row["created_at"],
            actor=row["actor"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            details=json.loads(row["details"]),
        )
        for row in query_rows(
            db, "SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset]
        )
    ]


def count(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
