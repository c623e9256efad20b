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


@dataclass(frozen=True)
class Filters:
    """Which entries the audit page lists: about one client (itself, its rounds and their
    actions), by one user, of one action, between two moments (UTC ISO text, ``until``
    excluded). None: any."""

    client_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    since: str | None = None
    until: str | None = None


def _where(filters: Filters | None) -> tuple[str, list]:
    if filters is None:
        return "", []
    clauses, params = [], []
    if filters.client_id is not None:
        clauses.append(
            "((object_type = 'client' AND object_id = ?)"
            " OR (object_type = 'round' AND object_id IN"
            " (SELECT id FROM rounds WHERE client_id = ?))"
            " OR (object_type = 'action' AND object_id IN (SELECT actions.id FROM actions"
            " JOIN rounds ON rounds.id = actions.round_id WHERE rounds.client_id = ?)))"
        )
        params += [filters.client_id] * 3
    if filters.user_id is not None:
        clauses.append("user_id = ?")
        params.append(filters.user_id)
    if filters.action is not None:
        clauses.append("action = ?")
        params.append(filters.action)
    if filters.since is not None:
        clauses.append("created_at >= ?")
        params.append(filters.since)
    if filters.until is not None:
        clauses.append("created_at < ?")
        params.append(filters.until)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def entries(
    db: Database, *, limit: int = 100, offset: int = 0, filters: Filters | None = None
) -> list[Entry]:
    """The newest entries first (those ``filters`` let through)."""
    where, params = _where(filters)
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
            db,
            f"SELECT * FROM audit_log{where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    ]


def count(db: Database, filters: Filters | None = None) -> int:
    where, params = _where(filters)
    return db.execute(f"SELECT COUNT(*) FROM audit_log{where}", params).fetchone()[0]
