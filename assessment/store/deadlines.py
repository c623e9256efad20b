"""Due dates: changing a round's, finding the rounds whose due date has passed, and
remembering which rounds closed themselves (issue 16)."""

from __future__ import annotations

from sqlite_utils import Database

from ..sqlite import transaction, utc_stamp
from .rounds import Round, RoundClosed, get_round


def set_schedule(
    db: Database, round_id: int, *, due_date: str | None, reminder_days: int | None
) -> Round:
    """Change an open round's due date and its reminder days (``RoundClosed`` otherwise)."""
    with transaction(db, write=True):
        cursor = db.execute(
            "UPDATE rounds SET due_date = ?, reminder_days = ?, updated_at = ?"
            " WHERE id = ? AND status = 'open'",
            [due_date, reminder_days, utc_stamp(), round_id],
        )
        if cursor.rowcount != 1:
            get_round(db, round_id)  # NotFound for a round that does not exist
            raise RoundClosed(round_id)
        return get_round(db, round_id)


def open_with_due_date(db: Database) -> list[int]:
    """Every open round that has a due date, soonest due first."""
    return [
        row[0]
        for row in db.execute(
            "SELECT id FROM rounds WHERE status = 'open' AND due_date IS NOT NULL"
            " ORDER BY due_date, id"
        )
    ]


def past_due(db: Database, today: str) -> list[int]:
    """Open rounds due before ``today`` (the instance's date): their last day is over."""
    return [
        row[0]
        for row in db.execute(
            "SELECT id FROM rounds WHERE status = 'open' AND due_date IS NOT NULL"
            " AND due_date < ? ORDER BY due_date, id",
            [today],
        )
    ]


def mark_closed_on_due_date(db: Database, round_id: int) -> None:
    """Record that the round just closed because its due date passed (its closing time)."""
    db.execute(
        "UPDATE rounds SET closed_on_due_date = closed_at WHERE id = ? AND status = 'closed'",
        [round_id],
    )


def closed_on_due_date_since(db: Database, since: str) -> list[Round]:
    """Rounds that closed themselves on their due date since ``since`` (UTC) and are still
    closed from that closing (not reopened, not closed again by hand), newest first."""
    ids = [
        row[0]
        for row in db.execute(
            "SELECT rounds.id FROM rounds JOIN clients ON clients.id = rounds.client_id"
            " WHERE rounds.status = 'closed' AND rounds.closed_on_due_date = rounds.closed_at"
            " AND rounds.closed_on_due_date >= ? AND clients.archived_at IS NULL"
            " ORDER BY rounds.closed_on_due_date DESC, rounds.id DESC",
            [since],
        )
    ]
    return [get_round(db, round_id) for round_id in ids]
