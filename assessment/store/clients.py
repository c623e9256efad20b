"""Clients: the organisations whose relationship with us is assessed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from ..review_calendar import CADENCES
from ..sqlite import query_rows, utc_stamp


class NotFound(LookupError):
    """No record with that id."""


@dataclass(frozen=True, slots=True)
class Client:
    id: int
    name: str
    industry: str
    lead_id: int | None
    lead_name: str | None
    start_date: str | None
    notes: str
    archived: bool
    rounds: int = 0
    review_cadence: str = "quarterly"  # review_calendar.CADENCES
    review_auto_send: bool = False  # rounds the calendar opens invite at once


_SELECT = """
    SELECT clients.*, COALESCE(NULLIF(users.name, ''), users.email) AS lead_name,
           (SELECT COUNT(*) FROM rounds WHERE rounds.client_id = clients.id) AS round_count
    FROM clients LEFT JOIN users ON users.id = clients.lead_id
"""


def _from_row(row: dict) -> Client:
    return Client(
        id=row["id"],
        name=row["name"],
        industry=row["industry"],
        lead_id=row["lead_id"],
        lead_name=row["lead_name"],
        start_date=row["start_date"],
        notes=row["notes"],
        archived=row["archived_at"] is not None,
        rounds=row["round_count"],
        review_cadence=row["review_cadence"],
        review_auto_send=bool(row["review_auto_send"]),
    )


def create_client(
    db: Database,
    *,
    name: str,
    industry: str = "",
    lead_id: int | None = None,
    start_date: str | None = None,
    notes: str = "",
) -> Client:
    now = utc_stamp()
    cursor = db.execute(
        "INSERT INTO clients (name, industry, lead_id, start_date, notes, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [name.strip(), industry.strip(), lead_id, start_date, notes, now, now],
    )
    return get_client(db, cursor.lastrowid)


def update_client(
    db: Database,
    client_id: int,
    *,
    name: str,
    industry: str,
    lead_id: int | None,
    start_date: str | None,
    notes: str,
) -> Client:
    cursor = db.execute(
        "UPDATE clients SET name = ?, industry = ?, lead_id = ?, start_date = ?, notes = ?,"
        " updated_at = ? WHERE id = ?",
        [name.strip(), industry.strip(), lead_id, start_date, notes, utc_stamp(), client_id],
    )
    if cursor.rowcount != 1:
        raise NotFound(client_id)
    return get_client(db, client_id)


def set_review_calendar(db: Database, client_id: int, *, cadence: str, auto_send: bool) -> None:
    """The client's review cadence (``review_calendar.CADENCES``) and whether rounds the
    calendar opens invite their respondents at once."""
    if cadence not in CADENCES:
        raise ValueError(f"review cadence must be one of {', '.join(CADENCES)}")
    cursor = db.execute(
        "UPDATE clients SET review_cadence = ?, review_auto_send = ?, updated_at = ? WHERE id = ?",
        [cadence, int(auto_send), utc_stamp(), client_id],
    )
    if cursor.rowcount != 1:
        raise NotFound(client_id)


def set_archived(db: Database, client_id: int, archived: bool) -> None:
    now = utc_stamp()
    cursor = db.execute(
        "UPDATE clients SET archived_at = ?, updated_at = ? WHERE id = ?",
        [now if archived else None, now, client_id],
    )
    if cursor.rowcount != 1:
        raise NotFound(client_id)


def get_client(db: Database, client_id: int) -> Client:
    rows = list(query_rows(db, _SELECT + " WHERE clients.id = ?", [client_id]))
    if not rows:
        raise NotFound(client_id)
    return _from_row(rows[0])


def find_by_name(db: Database, name: str) -> Client | None:
    rows = list(query_rows(db, _SELECT + " WHERE clients.name = ? COLLATE NOCASE", [name.strip()]))
    return _from_row(rows[0]) if rows else None


def list_clients(db: Database, *, search: str = "", archived: bool = False) -> list[Client]:
    """Clients by name; ``search`` matches name, industry or lead (case-insensitive)."""
    where = ["(clients.archived_at IS NOT NULL) = ?"]
    params: list = [int(archived)]
    if search.strip():
        pattern = (
            "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(
            "(clients.name LIKE ? ESCAPE '\\' OR clients.industry LIKE ? ESCAPE '\\'"
            " OR users.name LIKE ? ESCAPE '\\')"
        )
        params += [pattern, pattern, pattern]
    sql = _SELECT + " WHERE " + " AND ".join(where) + " ORDER BY clients.name COLLATE NOCASE"
    return [_from_row(row) for row in query_rows(db, sql, params)]
