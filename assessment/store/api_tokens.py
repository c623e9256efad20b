"""Personal access tokens for the read-only API (``web/api.py``).

A token is ``pc_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits);
it is shown to its owner once, when it is made, and only its SHA-256 is kept (a copy of
the database, a backup, gives nobody a working token). Each token has a name, a
read-only scope, an expiry of at most a year, and is refused from the moment it is
revoked: by its owner, or with every login of the user (``users.end_logins``, which
revokes them itself: this module imports ``users``, not the other way round).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..sqlite import query_rows, utc_stamp
from .users import User, user_from_row

PREFIX = "pc_"
TOKEN_BYTES = 32
#: The lifetimes a token may be given, in days (the account page offers these).
LIFETIMES = (30, 90, 365)
MAX_DAYS = 366
NAME_MAX = 100
#: How often "last used" is written for one token (every request would be a write each).
LAST_USED_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be made as asked."""


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str  # the first characters, to recognise it in the list
    scope: str
    expires_at: str
    last_used_at: str | None
    revoked_at: str | None
    created_at: str

    def active(self, now: str) -> bool:
        return self.revoked_at is None and self.expires_at > now


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(row: dict) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        prefix=row["prefix"],
        scope=row["scope"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
        created_at=row["created_at"],
    )


def create(db: Database, user_id: int, *, name: str, days: int) -> tuple[ApiToken, str]:
    """Make a read-only token for ``user_id`` lasting ``days``; returns it and its secret
    text (shown once, never stored). Call inside a write transaction."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise TokenError(f"a token needs a name of 1 to {NAME_MAX} characters")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"a token lasts 1 to {MAX_DAYS} days")
    secret = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    now = datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    expires = (now + timedelta(days=days)).isoformat(timespec="seconds")
    cursor = db.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scope, expires_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, 'read', ?, ?, ?)",
        [user_id, name, token_hash(secret), secret[:8], expires, stamp, stamp],
    )
    return get(db, cursor.lastrowid), secret


def get(db: Database, token_id: int) -> ApiToken | None:
    rows = list(query_rows(db, "SELECT * FROM api_tokens WHERE id = ?", [token_id]))
    return _token(rows[0]) if rows else None


def of_user(db: Database, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first (revoked and expired ones too, for the record)."""
    return [
        _token(row)
        for row in query_rows(
            db, "SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id DESC", [user_id]
        )
    ]


def authenticate(db: Database, secret: str) -> tuple[ApiToken, User] | None:
    """The unrevoked, unexpired token named by ``secret`` and its active user, else None.
    Notes when it was used (at most once a minute)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    now = utc_stamp()
    rows = list(
        query_rows(
            db,
            "SELECT api_tokens.*, users.email AS u_email, users.name AS u_name,"
            " users.role AS u_role, users.language AS u_language, users.active AS u_active"
            " FROM api_tokens JOIN users ON users.id = api_tokens.user_id"
            " WHERE api_tokens.token_hash = ? AND api_tokens.revoked_at IS NULL"
            " AND api_tokens.expires_at > ? AND users.active = 1",
            [token_hash(secret), now],
        )
    )
    if not rows:
        return None
    row = rows[0]
    token = _token(row)
    user = user_from_row(
        {
            "id": row["user_id"],
            "email": row["u_email"],
            "name": row["u_name"],
            "role": row["u_role"],
            "language": row["u_language"],
            "active": row["u_active"],
        }
    )
    since = (datetime.now(UTC) - LAST_USED_EVERY).isoformat(timespec="seconds")
    if token.last_used_at is None or token.last_used_at < since:
        db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now, token.id])
    return token, user


def revoke(db: Database, user_id: int, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None if it is not theirs or already revoked."""
    now = utc_stamp()
    cursor = db.execute(
        "UPDATE api_tokens SET revoked_at = ?, updated_at = ?"
        " WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        [now, now, token_id, user_id],
    )
    return get(db, token_id) if cursor.rowcount == 1 else None
