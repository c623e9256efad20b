"""Leadership packs made in the background: one row per pack asked for (``pack_jobs``).

A pack goes ``queued`` → ``running`` (``claim``: once, however often its task is
delivered) → ``done`` (with its file) or ``failed`` (with the reason shown to the lead).
``done`` of ``total`` reports is written as the reports are rendered, so any page, and a
page opened again later, shows how far it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..sqlite import query_rows, utc_stamp
from .clients import NotFound

STATUSES = ("queued", "running", "done", "failed")
STALLED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class PackJob:
    id: int
    period: str
    language: str
    status: str
    done: int
    total: int
    recipients: tuple[str, ...]
    file: str | None
    error: str | None
    requested_by: int | None
    created_at: str
    updated_at: str
    finished_at: str | None
    include_open: bool = False  # open rounds of the period too (provisional)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def stalled(self, now: datetime | None = None) -> bool:
        """Being made, but nothing done for ``STALLED_AFTER``: the process making it ended
        (a report takes seconds). Ask for it again."""
        if self.status != "running":
            return False
        now = now or datetime.now(UTC)
        return now - datetime.fromisoformat(self.updated_at) > STALLED_AFTER


def _job(row: dict) -> PackJob:
    return PackJob(
        id=row["id"],
        period=row["period"],
        language=row["language"],
        status=row["status"],
        done=row["done"],
        total=row["total"],
        recipients=tuple(line for line in row["recipients"].splitlines() if line),
        file=row["file"],
        error=row["error"],
        requested_by=row["requested_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
        include_open=bool(row["include_open"]),
    )


def create_job(
    db: Database,
    *,
    period: str,
    language: str,
    recipients: tuple[str, ...] = (),
    requested_by: int | None = None,
    include_open: bool = False,
) -> PackJob:
    now = utc_stamp()
    cursor = db.execute(
        "INSERT INTO pack_jobs (period, language, recipients, requested_by, created_at,"
        " updated_at, include_open) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [period, language, "\n".join(recipients), requested_by, now, now, int(include_open)],
    )
    return get_job(db, cursor.lastrowid)


def get_job(db: Database, job_id: int) -> PackJob:
    rows = list(query_rows(db, "SELECT * FROM pack_jobs WHERE id = ?", [job_id]))
    if not rows:
        raise NotFound(job_id)
    return _job(rows[0])


def recent_jobs(db: Database, limit: int = 5) -> list[PackJob]:
    """The latest packs asked for, newest first."""
    sql = "SELECT * FROM pack_jobs ORDER BY created_at DESC, id DESC LIMIT ?"
    return [_job(row) for row in query_rows(db, sql, [limit])]


def claim(db: Database, job_id: int) -> bool:
    """Mark a queued pack as being made; False if it is not queued (taken already)."""
    cursor = db.execute(
        "UPDATE pack_jobs SET status = 'running', updated_at = ?"
        " WHERE id = ? AND status = 'queued'",
        [utc_stamp(), job_id],
    )
    return cursor.rowcount == 1


def set_progress(db: Database, job_id: int, done: int, total: int) -> None:
    db.execute(
        "UPDATE pack_jobs SET done = ?, total = ?, updated_at = ? WHERE id = ?",
        [done, total, utc_stamp(), job_id],
    )


def finish(db: Database, job_id: int, file: str) -> None:
    now = utc_stamp()
    db.execute(
        "UPDATE pack_jobs SET status = 'done', done = total, file = ?, updated_at = ?,"
        " finished_at = ? WHERE id = ?",
        [file, now, now, job_id],
    )


def fail(db: Database, job_id: int, error: str) -> None:
    now = utc_stamp()
    db.execute(
        "UPDATE pack_jobs SET status = 'failed', error = ?, updated_at = ?, finished_at = ?"
        " WHERE id = ?",
        [error, now, now, job_id],
    )


def files_to_drop(db: Database, keep: int) -> list[tuple[int, str]]:
    """(id, file) of finished packs older than the newest ``keep`` that still have a file."""
    sql = (
        "SELECT id, file FROM pack_jobs WHERE file IS NOT NULL AND id NOT IN"
        " (SELECT id FROM pack_jobs WHERE file IS NOT NULL ORDER BY id DESC LIMIT ?)"
    )
    return [(row["id"], row["file"]) for row in query_rows(db, sql, [keep])]


def forget_file(db: Database, job_id: int) -> None:
    db.execute(
        "UPDATE pack_jobs SET file = NULL, updated_at = ? WHERE id = ?", [utc_stamp(), job_id]
    )
