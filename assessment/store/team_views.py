"""The team view of a closed round: whether its lead shares a read-only summary with the
people who answered, and which of the round's next steps it shows (by sign id).

What the summary may show at all is decided elsewhere (``results.policy``: closed, and at
or above the anonymity floor); this only records the lead's choice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from ..sqlite import query_rows, transaction, utc_stamp


@dataclass(frozen=True, slots=True)
class TeamView:
    round_id: int
    shared: bool = False
    steps: tuple[str, ...] = ()  # sign ids of the next steps shown


def get(db: Database, round_id: int) -> TeamView:
    """The round's choice; nothing shared if the lead never chose."""
    rows = list(query_rows(db, "SELECT * FROM team_views WHERE round_id = ?", [round_id]))
    if not rows:
        return TeamView(round_id)
    row = rows[0]
    return TeamView(round_id, bool(row["shared"]), tuple(json.loads(row["steps"])))


def shared_rounds(db: Database, round_ids: Iterable[int]) -> set[int]:
    """Which of these rounds share their summary."""
    ids = list(round_ids)
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(
        f"SELECT round_id FROM team_views WHERE shared = 1 AND round_id IN ({marks})", ids
    ).fetchall()
    return {row[0] for row in rows}


def save(
    db: Database, round_id: int, *, shared: bool, steps: Iterable[str], user_id: int | None
) -> TeamView:
    """Record the lead's choice (inside the caller's transaction if there is one)."""
    chosen = tuple(dict.fromkeys(steps))
    with transaction(db, write=True):
        db.execute(
            "INSERT INTO team_views (round_id, shared, steps, updated_by, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(round_id) DO UPDATE SET"
            " shared = excluded.shared, steps = excluded.steps,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            [round_id, int(shared), json.dumps(list(chosen)), user_id, utc_stamp()],
        )
    return TeamView(round_id, shared, chosen)
