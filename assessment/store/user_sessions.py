"""Logins: one row per login, checked on every request, deleted to end it.

A login is named by a random token that the session cookie (and the remember-me cookie,
if asked for) carries; the table keeps only its SHA-256, so a copy of the database (a
backup) logs nobody in. A cookie is only as good as its row: logging out deletes the row
of that login, a new password or deactivation deletes every row of the user, and a row
expires (``expires_at``), so a cookie captured earlier is refused afterwards even though
its signature is still good.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..sqlite import query_rows, transaction, utc_stamp
from .users import User, login_token_hash, user_from_row

TOKEN_BYTES = 32
_hash = login_token_hash


def start(db: Database, user_id: int, *, remember: bool, lifetime: timedelta) -> str:
    """Record a new login lasting ``lifetime``; returns its token (for the cookie only).

    Expired logins of everybody are cleared on the way, so the table stays small."""
    now = datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    expires = (now + lifetime).isoformat(timespec="seconds")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction(db, write=True):
        db.execute("DELETE FROM user_sessions WHERE expires_at <= ?", [stamp])
        db.execute(
            "INSERT INTO user_sessions"
            " (user_id, token_hash, remember, expires_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [user_id, _hash(token), int(remember), expires, stamp, stamp],
        )
    return token


def user_of(db: Database, token: str) -> User | None:
    """The active user whose unexpired login ``token`` names, else None."""
    rows = list(
        query_rows(
            db,
            "SELECT users.* FROM user_sessions JOIN users ON users.id = user_sessions.user_id"
            " WHERE user_sessions.token_hash = ? AND user_sessions.expires_at > ?"
            " AND users.active = 1",
            [_hash(token), utc_stamp()],
        )
    )
    return user_from_row(rows[0]) if rows else None


def end(db: Database, token: str) -> None:
    """End one login (logging out)."""
    db.execute("DELETE FROM user_sessions WHERE token_hash = ?", [_hash(token)])


def count(db: Database, user_id: int) -> int:
    """How many logins of a user are recorded (expired ones included until cleared)."""
    cursor = db.execute("SELECT COUNT(*) FROM user_sessions WHERE user_id = ?", [user_id])
    return cursor.fetchone()[0]
