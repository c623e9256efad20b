"""Actions: what the team agreed to do about a sign, with an owner and a due date.

An action made from a recommended next step, its words unchanged, keeps the step's
identity (``step``, ``playbook.NextStep.key``): pages and PDFs then show the step's words
in their own language (``playbook.step_text``); ``title`` is what was typed, shown when
there is no step or it names nothing in the questionnaire."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from ..sqlite import query_rows, utc_stamp
from .clients import NotFound


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    round_id: int
    round_period: str
    sign_id: str
    title: str
    owner_id: int | None
    owner_name: str
    due_date: str | None
    status: str  # "open" or "done"
    completed_at: str | None
    created_at: str
    step: str | None = None
    round_kind: str = "quarterly"

    @property
    def done(self) -> bool:
        return self.status == "done"


_SELECT = """
    SELECT actions.*, rounds.period AS round_period, rounds.kind AS round_kind,
           COALESCE(NULLIF(actions.owner_name, ''), NULLIF(users.name, ''), users.email, '')
               AS owner_display
    FROM actions JOIN rounds ON rounds.id = actions.round_id
    LEFT JOIN users ON users.id = actions.owner_id
"""


def _action(row: dict) -> Action:
    return Action(
        id=row["id"],
        round_id=row["round_id"],
        round_period=row["round_period"],
        sign_id=row["sign_id"],
        title=row["title"],
        owner_id=row["owner_id"],
        owner_name=row["owner_display"],
        due_date=row["due_date"],
        status=row["status"],
        completed_at=row["completed_at"],
        created_at=row["created_at"],
        step=row["step"],
        round_kind=row["round_kind"],
    )


def create_action(
    db: Database,
    round_id: int,
    *,
    sign_id: str,
    title: str,
    owner_id: int | None = None,
    owner_name: str = "",
    due_date: str | None = None,
    created_by: int | None = None,
    step: str | None = None,
) -> Action:
    now = utc_stamp()
    cursor = db.execute(
        "INSERT INTO actions (round_id, sign_id, title, owner_id, owner_name, due_date,"
        " created_by, created_at, updated_at, step) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            round_id,
            sign_id,
            title.strip(),
            owner_id,
            owner_name.strip(),
            due_date,
            created_by,
            now,
            now,
            step,
        ],
    )
    return get_action(db, cursor.lastrowid)


def get_action(db: Database, action_id: int) -> Action:
    rows = list(query_rows(db, _SELECT + " WHERE actions.id = ?", [action_id]))
    if not rows:
        raise NotFound(action_id)
    return _action(rows[0])


def set_done(db: Database, action_id: int, done: bool, *, when: str | None = None) -> Action:
    """Mark an action done (now, or ``when``) or open again."""
    now = utc_stamp()
    cursor = db.execute(
        "UPDATE actions SET status = ?, completed_at = ?, updated_at = ? WHERE id = ?",
        ["done" if done else "open", (when or now) if done else None, now, action_id],
    )
    if cursor.rowcount != 1:
        raise NotFound(action_id)
    return get_action(db, action_id)


def client_actions(db: Database, client_id: int) -> list[Action]:
    """Every action on the client, open ones first, then by due date."""
    return [
        _action(row)
        for row in query_rows(
            db,
            _SELECT + " WHERE rounds.client_id = ?"
            " ORDER BY actions.status = 'done', actions.due_date IS NULL, actions.due_date,"
            " actions.id",
            [client_id],
        )
    ]
