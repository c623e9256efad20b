"""Rows of the questionnaire library: versions uploaded in the app (``library.py`` keeps
their files in the instance folder and decides what may be stored and published)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from ..sqlite import query_rows, utc_stamp
from .clients import NotFound

__all__ = ["Upload", "add", "get", "list_uploads", "publish", "rounds_by_digest"]


@dataclass(frozen=True)
class Upload:
    id: int
    questionnaire_id: str
    version: int
    digest: str
    file: str  # relative to the instance folder's questionnaires/
    source_name: str
    uploaded_by: int | None
    published_at: str | None
    created_at: str

    @property
    def published(self) -> bool:
        return self.published_at is not None


_COLUMNS = (
    "id, questionnaire_id, version, digest, file, source_name, uploaded_by, published_at,"
    " created_at"
)


def list_uploads(db: Database) -> list[Upload]:
    """Every uploaded version, by questionnaire id then version, newest first."""
    rows = query_rows(
        db,
        f"SELECT {_COLUMNS} FROM questionnaire_versions ORDER BY questionnaire_id, version DESC",
    )
    return [Upload(**row) for row in rows]


def get(db: Database, upload_id: int) -> Upload:
    rows = list(
        query_rows(db, f"SELECT {_COLUMNS} FROM questionnaire_versions WHERE id = ?", [upload_id])
    )
    if not rows:
        raise NotFound(upload_id)
    return Upload(**rows[0])


def add(
    db: Database,
    *,
    questionnaire_id: str,
    version: int,
    digest: str,
    file: str,
    source_name: str,
    user_id: int | None,
) -> int:
    """Record an uploaded version (in the caller's write transaction); its id."""
    now = utc_stamp()
    cursor = db.execute(
        "INSERT INTO questionnaire_versions (questionnaire_id, version, digest, file,"
        " source_name, uploaded_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [questionnaire_id, version, digest, file, source_name, user_id, now, now],
    )
    return cursor.lastrowid


def publish(db: Database, upload_id: int, user_id: int | None) -> None:
    now = utc_stamp()
    db.execute(
        "UPDATE questionnaire_versions SET published_at = ?, published_by = ?, updated_at = ?"
        " WHERE id = ? AND published_at IS NULL",
        [now, user_id, now, upload_id],
    )


def rounds_by_digest(db: Database) -> dict[str, list[dict]]:
    """The rounds that use each questionnaire snapshot (as the team's questionnaire or as
    its mirror): id, client, period, kind, status, newest first."""
    rows = query_rows(
        db,
        "SELECT r.id, r.period, r.kind, r.status, r.questionnaire_digest, r.mirror_digest,"
        " r.questionnaire_id, r.questionnaire_version, c.name AS client_name"
        " FROM rounds r JOIN clients c ON c.id = r.client_id ORDER BY r.created_at DESC, r.id DESC",
    )
    found: dict[str, list[dict]] = {}
    for row in rows:
        for digest in (row["questionnaire_digest"], row["mirror_digest"]):
            if digest:
                found.setdefault(digest, []).append(row)
    return found
