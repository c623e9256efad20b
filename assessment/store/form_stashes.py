"""Forms kept across an expired login: what a lead typed, until they log in again.

A form posted after the login or its CSRF token expired is not carried out (it cannot
be trusted as sent by them), and must not be lost either: its fields (never passwords or
files) are kept here under a one-time key held in the browser's session, for at most
``KEEP_HOURS``, and shown again once the person is logged in (``web/resume.py``). Only
the key's SHA-256 is stored. At most ``MAX_KEPT`` forms are kept (the oldest go first),
so posts from nobody cannot fill the database.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..sqlite import transaction, utc_stamp

KEEP_HOURS = 24
MAX_KEPT = 500
MAX_BYTES = 64 * 1024  # the fields as JSON; a larger form is not kept


@dataclass(frozen=True, slots=True)
class Stash:
    user_id: int | None  # who was logged in when it was posted, if anyone
    endpoint: str
    path: str  # where it was posted, with its query string
    fields: list[tuple[str, str]]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def put(
    db: Database, *, user_id: int | None, endpoint: str, path: str, fields: list[tuple[str, str]]
) -> str | None:
    """Keep a form; returns its one-time key, or None when it is too large to keep."""
    text = json.dumps(fields, ensure_ascii=False)
    if len(text.encode()) > MAX_BYTES or len(path) > 2000:
        return None
    key = secrets.token_urlsafe(24)
    now = utc_stamp()
    expires = (datetime.now(UTC) + timedelta(hours=KEEP_HOURS)).isoformat(timespec="seconds")
    with transaction(db, write=True):
        db.execute("DELETE FROM form_stashes WHERE expires_at <= ?", [now])
        db.execute(
            "DELETE FROM form_stashes WHERE id NOT IN"
            " (SELECT id FROM form_stashes ORDER BY id DESC LIMIT ?)",
            [MAX_KEPT - 1],
        )
        db.execute(
            "INSERT INTO form_stashes (key_hash, user_id, endpoint, path, fields, expires_at,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [_hash(key), user_id, endpoint, path, text, expires, now, now],
        )
    return key


def take(db: Database, key: str | None) -> Stash | None:
    """The form kept under ``key``, removed as it is read (a key works once); None when
    unknown or expired."""
    if not key or len(key) > 128:
        return None
    with transaction(db, write=True):
        row = db.execute(
            "SELECT id, user_id, endpoint, path, fields, expires_at FROM form_stashes"
            " WHERE key_hash = ?",
            [_hash(key)],
        ).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM form_stashes WHERE id = ?", [row[0]])
    if row[5] <= utc_stamp():
        return None
    fields = [(str(name), str(value)) for name, value in json.loads(row[4])]
    return Stash(row[1], row[2], row[3], fields)
