"""Password reset links: how an admin gets someone a new password without ever knowing it.

An admin never sets another user's password (they could then log in as that member and
read their answers in an open anonymous round: docs/anonymity.md, "Admins"). They issue a
reset link instead: one-time, expiring after ``RESET_HOURS``, mailed to the user, and
shown to the admin only when no mail server can deliver it, and then only after the
account's open anonymous answers were put out of its reach (``respondents.
release_account``, in the same transaction).

The link's secret is never stored: the row keeps its SHA-256 and a random ``salt``; the
secret is the HMAC of the salt under the instance's ``SECRET_KEY`` (``link_secret``), so
the worker can write it into the mail later while the database alone gives nothing.
Issuing a new link ends the user's earlier unused ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..sqlite import transaction, utc_stamp

RESET_HOURS = 24
DELIVERIES = ("mail", "shown")


@dataclass(frozen=True, slots=True)
class Reset:
    id: int
    user_id: int
    delivery: str
    expires_at: str
    used_at: str | None


class ResetRefused(ValueError):
    """The reset link is unknown, used or expired."""


def link_secret(secret_key: str | bytes, reset_id: int, salt: str) -> str:
    """The secret of a reset link (what its address carries), from the instance's key."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    digest = hmac.new(key, f"password-reset:{reset_id}:{salt}".encode(), "sha256").digest()
    return f"{reset_id}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    db: Database, user_id: int, *, secret_key: str | bytes, delivery: str, by: int | None
) -> tuple[Reset, str]:
    """A new reset link for the user (their earlier unused ones end); returns it and its
    secret. Call inside the transaction that also delivers it."""
    if delivery not in DELIVERIES:
        raise ValueError(f"delivery must be one of {', '.join(DELIVERIES)}")
    now = utc_stamp()
    expires = (datetime.now(UTC) + timedelta(hours=RESET_HOURS)).isoformat(timespec="seconds")
    salt = secrets.token_urlsafe(16)
    with transaction(db, write=True):
        db.execute(
            "UPDATE password_resets SET used_at = ?, updated_at = ?"
            " WHERE user_id = ? AND used_at IS NULL",
            [now, now, user_id],
        )
        cursor = db.execute(
            "INSERT INTO password_resets (user_id, token_hash, salt, delivery, created_by,"
            " expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [user_id, "pending:" + salt, salt, delivery, by, expires, now, now],
        )
        reset_id = cursor.lastrowid
        secret = link_secret(secret_key, reset_id, salt)
        db.execute(
            "UPDATE password_resets SET token_hash = ? WHERE id = ?", [_hash(secret), reset_id]
        )
    return Reset(reset_id, user_id, delivery, expires, None), secret


def secret_for(db: Database, reset_id: int, secret_key: str | bytes) -> str | None:
    """The secret of a link still usable (for the worker writing its mail), else None
    (used, expired, replaced, or made under another ``SECRET_KEY``)."""
    row = db.execute(
        "SELECT token_hash, salt, used_at, expires_at FROM password_resets WHERE id = ?",
        [reset_id],
    ).fetchone()
    if row is None or row[2] is not None or row[3] <= utc_stamp():
        return None
    secret = link_secret(secret_key, reset_id, row[1])
    return secret if hmac.compare_digest(_hash(secret), row[0]) else None


def find(db: Database, secret: str) -> Reset | None:
    """The usable reset a link's secret names, or None (unknown, used or expired)."""
    if not secret or len(secret) > 128:
        return None
    row = db.execute(
        "SELECT id, user_id, delivery, expires_at, used_at FROM password_resets"
        " WHERE token_hash = ?",
        [_hash(secret)],
    ).fetchone()
    if row is None or row[4] is not None or row[3] <= utc_stamp():
        return None
    return Reset(row[0], row[1], row[2], row[3], row[4])


def use(db: Database, secret: str) -> Reset:
    """Mark the link used (``ResetRefused`` if it is not usable); call in the transaction
    that sets the password, so a link works exactly once."""
    with transaction(db, write=True):
        reset = find(db, secret)
        if reset is None:
            raise ResetRefused(secret[:8])
        now = utc_stamp()
        cursor = db.execute(
            "UPDATE password_resets SET used_at = ?, updated_at = ?"
            " WHERE id = ? AND used_at IS NULL",
            [now, now, reset.id],
        )
        if cursor.rowcount != 1:
            raise ResetRefused(secret[:8])
    return reset
