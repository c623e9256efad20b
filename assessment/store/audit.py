"""The audit log: who did what, and when (rounds, actions, share links, users)."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass

from sqlite_utils import Database

from ..sqlite import query_rows, utc_stamp


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
    now = utc_stamp()
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


def command_line_actor() -> str:
    """Who an entry made from the command line is by: the operating system's user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = "unknown user"
    return f"command line ({user})"


def record_command(
    db: Database, action: str, object_type: str, object_id: int | None = None, **details
) -> None:
    """Append an entry for something done from the command line."""
    record(
        db,
        user_id=None,
        actor=command_line_actor(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
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
