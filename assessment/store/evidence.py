"""Evidence between rounds: the client's invoices (written by ``invoice_import``) and the
team's incident log. Rows only; the figures are ``assessment.evidence``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlite_utils import Database

from ..evidence import MOVES, Incident, Invoice
from ..sqlite import query_rows, utc_stamp
from .clients import NotFound

__all__ = [
    "EDIT_DAYS",
    "IncidentRow",
    "client_incidents",
    "client_invoices",
    "create_incident",
    "get_incident",
    "incidents_since",
    "invoice_count",
    "is_team_member",
    "my_incidents",
    "speak_up_days",
    "team_clients",
    "update_incident",
]

#: How long an author may edit their incident after logging it.
EDIT_DAYS = 7


def client_invoices(db: Database, client_id: int) -> list[Invoice]:
    """The client's invoices, by number."""
    return [
        Invoice(
            row["number"],
            date.fromisoformat(row["issued"]),
            date.fromisoformat(row["due"]),
            date.fromisoformat(row["paid"]) if row["paid"] else None,
            Decimal(row["amount"]),
            row["currency"],
        )
        for row in query_rows(
            db, "SELECT * FROM invoices WHERE client_id = ? ORDER BY number", [client_id]
        )
    ]


def invoice_count(db: Database, client_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM invoices WHERE client_id = ?", [client_id]).fetchone()[
        0
    ]


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: int
    client_id: int
    client_name: str
    author_id: int | None
    author_name: str | None
    sign: str
    happened: date
    text: str
    moves: frozenset[str]
    response: str
    signed: bool
    created_at: str
    signed_name: str = ""

    @property
    def shown_name(self) -> str:
        """The name a signed incident shows: its author's account, else the name it was
        signed with (through a personal link)."""
        return self.author_name or self.signed_name

    @property
    def incident(self) -> Incident:
        return Incident(self.sign, self.happened, self.moves)

    def editable_by(self, user_id: int, now: datetime) -> bool:
        """Its author may edit it for ``EDIT_DAYS`` after logging it."""
        logged = datetime.fromisoformat(self.created_at)
        return self.author_id == user_id and now - logged <= timedelta(days=EDIT_DAYS)


_SELECT = """
    SELECT incidents.*, clients.name AS client_name,
           COALESCE(NULLIF(users.name, ''), users.email) AS author_name
    FROM incidents JOIN clients ON clients.id = incidents.client_id
    LEFT JOIN users ON users.id = incidents.author_id
"""


def _incident(row: dict) -> IncidentRow:
    return IncidentRow(
        id=row["id"],
        client_id=row["client_id"],
        client_name=row["client_name"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        sign=row["sign"],
        happened=date.fromisoformat(row["happened"]),
        text=row["text"],
        moves=frozenset(m for m in row["moves"].split(",") if m),
        response=row["response"],
        signed=bool(row["signed"]),
        created_at=row["created_at"],
        signed_name=row["signed_name"],
    )


def _moves(moves) -> str:
    unknown = set(moves) - set(MOVES)
    if unknown:
        raise ValueError(f"unknown moves: {sorted(unknown)}")
    return ",".join(m for m in MOVES if m in moves)


def create_incident(
    db: Database,
    *,
    client_id: int,
    author_id: int | None,
    sign: str,
    happened: date,
    text: str,
    moves=(),
    response: str = "",
    signed: bool = False,
    signed_name: str = "",
) -> IncidentRow:
    now = utc_stamp()
    cursor = db.execute(
        "INSERT INTO incidents (client_id, author_id, sign, happened, text, moves, response,"
        " signed, signed_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            client_id,
            author_id,
            sign,
            happened.isoformat(),
            text,
            _moves(moves),
            response,
            int(signed),
            signed_name if signed else "",
            now,
            now,
        ],
    )
    return get_incident(db, cursor.lastrowid)


def update_incident(
    db: Database,
    incident_id: int,
    *,
    sign: str,
    happened: date,
    text: str,
    moves=(),
    response: str = "",
    signed: bool = False,
) -> None:
    db.execute(
        "UPDATE incidents SET sign = ?, happened = ?, text = ?, moves = ?, response = ?,"
        " signed = ?, updated_at = ? WHERE id = ?",
        [
            sign,
            happened.isoformat(),
            text,
            _moves(moves),
            response,
            int(signed),
            utc_stamp(),
            incident_id,
        ],
    )


def get_incident(db: Database, incident_id: int) -> IncidentRow:
    rows = list(query_rows(db, _SELECT + " WHERE incidents.id = ?", [incident_id]))
    if not rows:
        raise NotFound(incident_id)
    return _incident(rows[0])


def client_incidents(db: Database, client_id: int) -> list[IncidentRow]:
    """The client's incidents, oldest first."""
    return [
        _incident(row)
        for row in query_rows(
            db,
            _SELECT + " WHERE incidents.client_id = ? ORDER BY incidents.happened, incidents.id",
            [client_id],
        )
    ]


def incidents_since(db: Database, client_id: int, since: str | None) -> list[Incident]:
    """The client's incidents logged after ``since`` (a timestamp; None: all), as the
    figures take them (no texts, no authors)."""
    sql = "SELECT sign, happened, moves FROM incidents WHERE client_id = ?"
    params: list = [client_id]
    if since:
        sql += " AND created_at > ?"
        params.append(since)
    return [
        Incident(row[0], date.fromisoformat(row[1]), frozenset(m for m in row[2].split(",") if m))
        for row in db.execute(sql, params)
    ]


def speak_up_days(db: Database, client_id: int) -> dict[str, list[date]]:
    """Per sign, the days the team spoke up about it (incidents with a move), in order."""
    found: dict[str, list[date]] = {}
    for sign, happened in db.execute(
        "SELECT sign, happened FROM incidents WHERE client_id = ? AND moves != ''"
        " ORDER BY happened",
        [client_id],
    ):
        found.setdefault(sign, []).append(date.fromisoformat(happened))
    return found


def my_incidents(db: Database, user_id: int) -> list[IncidentRow]:
    """The incidents a person logged, newest first."""
    return [
        _incident(row)
        for row in query_rows(
            db,
            _SELECT + " WHERE incidents.author_id = ? ORDER BY incidents.created_at DESC,"
            " incidents.id DESC LIMIT 50",
            [user_id],
        )
    ]


def team_clients(db: Database, user_id: int) -> list[tuple[int, str]]:
    """The (active) clients whose team a person is on: invited to one of its rounds on the
    team's side under their account. By name."""
    return [
        (row[0], row[1])
        for row in db.execute(
            "SELECT DISTINCT clients.id, clients.name FROM respondents"
            " JOIN rounds ON rounds.id = respondents.round_id"
            " JOIN clients ON clients.id = rounds.client_id"
            " WHERE respondents.user_id = ? AND respondents.side = 'team'"
            " AND clients.archived_at IS NULL ORDER BY clients.name COLLATE NOCASE",
            [user_id],
        )
    ]


def is_team_member(db: Database, user_id: int, client_id: int) -> bool:
    return any(cid == client_id for cid, _name in team_clients(db, user_id))
