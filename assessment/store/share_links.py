"""Read-only links to one round's PDF for leadership (or to its client-facing summary, for
the client): no login, expiring, revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..sqlite import query_rows, utc_stamp
from .clients import NotFound

DEFAULT_DAYS = 14
#: What a link opens: the leadership report, or the summary for the client.
DOCUMENTS = ("report", "client_summary")
TOKEN_BYTES = 24


@dataclass(frozen=True, slots=True)
class ShareLink:
    id: int
    round_id: int
    token: str
    language: str
    expires_at: str
    revoked_at: str | None
    created_at: str
    document: str = "report"  # or "client_summary" (report/client_summary.py)

    def usable(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.revoked_at is None and datetime.fromisoformat(self.expires_at) > now


def _link(row: dict) -> ShareLink:
    return ShareLink(
        id=row["id"],
        round_id=row["round_id"],
        token=row["token"],
        language=row["language"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        created_at=row["created_at"],
        document=row["document"],
    )


def create_link(
    db: Database,
    round_id: int,
    *,
    language: str,
    days: int = DEFAULT_DAYS,
    created_by: int | None = None,
    now: datetime | None = None,
    document: str = "report",
) -> ShareLink:
    if document not in DOCUMENTS:
        raise ValueError(f"a share link opens one of {', '.join(DOCUMENTS)}")
    if days < 1:
        raise ValueError("a share link lasts at least one day")
    now = now or datetime.now(UTC)
    expires = (now + timedelta(days=days)).isoformat(timespec="seconds")
    stamp = utc_stamp()
    cursor = db.execute(
        "INSERT INTO share_links (round_id, token, language, created_by, expires_at,"
        " created_at, updated_at, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            round_id,
            secrets.token_urlsafe(TOKEN_BYTES),
            language,
            created_by,
            expires,
            stamp,
            stamp,
            document,
        ],
    )
    return get_link(db, cursor.lastrowid)


def get_link(db: Database, link_id: int) -> ShareLink:
    rows = list(query_rows(db, "SELECT * FROM share_links WHERE id = ?", [link_id]))
    if not rows:
        raise NotFound(link_id)
    return _link(rows[0])


def find(db: Database, token: str) -> ShareLink | None:
    """The link with this token, usable or not (expired and revoked links are kept, so
    that their page can say what became of them)."""
    if not token or len(token) > 128:
        return None
    rows = list(query_rows(db, "SELECT * FROM share_links WHERE token = ?", [token]))
    if not rows or not secrets.compare_digest(rows[0]["token"], token):
        return None
    return _link(rows[0])


def revoke(db: Database, link_id: int) -> None:
    now = utc_stamp()
    db.execute(
        "UPDATE share_links SET revoked_at = COALESCE(revoked_at, ?), updated_at = ? WHERE id = ?",
        [now, now, link_id],
    )


def revoke_round_documents(db: Database, round_id: int, document: str) -> int:
    """Revoke a round's links to one kind of document that still work; how many."""
    now = utc_stamp()
    cursor = db.execute(
        "UPDATE share_links SET revoked_at = ?, updated_at = ?"
        " WHERE round_id = ? AND document = ? AND revoked_at IS NULL AND expires_at > ?",
        [now, now, round_id, document, now],
    )
    return cursor.rowcount


def round_links(db: Database, round_id: int) -> list[ShareLink]:
    return [
        _link(row)
        for row in query_rows(
            db, "SELECT * FROM share_links WHERE round_id = ? ORDER BY id DESC", [round_id]
        )
    ]
