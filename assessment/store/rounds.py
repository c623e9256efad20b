"""Rounds: one assessment of one client, its period, status and stored results.

A round pins the questionnaire it was created with (``snapshots``); the people invited to
answer it are in ``respondents``.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from sqlite_utils import Database

from ..questionnaire import ROUND_KINDS, Questionnaire
from ..sqlite import query_rows, transaction, utc_stamp
from ..vocab import CLIENT_DISPLAYS, DEFAULT_CLIENT_FLOOR, DEFAULT_FLOOR, DEFAULT_TEXT_FLOOR
from .clients import NotFound
from .snapshots import questionnaire_of, snapshot_text, store_snapshot


class RoundClosed(PermissionError):
    """The round is closed: answers can no longer be changed."""


def suggest_period(day: date, taken: Iterable[str] = ()) -> str:
    """The quarter label for a day, e.g. ``2026-Q4``; if that period is ``taken``, the
    first later quarter that is not."""
    used = {period_key(period) for period in taken}
    year, quarter = day.year, (day.month - 1) // 3 + 1
    while f"{year}-Q{quarter}".casefold() in used:
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return f"{year}-Q{quarter}"


def clean_period(period: str) -> str:
    """A period as stored: compatibility forms folded (full-width ``２０２６－Ｑ４`` is
    ``2026-Q4``), whitespace trimmed and runs of it made one space."""
    return " ".join(unicodedata.normalize("NFKC", period).split())


def period_key(period: str) -> str:
    """What two periods must differ in to be different periods (not case or spacing)."""
    return clean_period(period).casefold()


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    client_id: int
    client_name: str
    kind: str
    period: str
    questionnaire_id: str
    questionnaire_version: int
    due_date: str | None
    anonymous: bool
    status: str
    closed_at: str | None
    created_at: str
    questionnaire_digest: str
    snapshot: str
    results: str | None
    anonymity_floor: int = DEFAULT_FLOOR
    anonymity_text_floor: int = DEFAULT_TEXT_FLOOR
    reminder_days: int | None = None  # None: the REMINDER_DAYS setting (issue 16)
    closed_on_due_date: str | None = None  # when the worker closed it on its due date
    #: Opened by the review calendar; its respondents wait for the lead's confirmation.
    invitations_held: bool = False
    #: The pinned mirror (the questionnaire client contacts answer), if the round has one.
    mirror_digest: str | None = None
    mirror_snapshot: str | None = None
    client_results: str | None = None
    client_summary_shared: bool = False
    #: How the client's answers are shown (``anonymity.CLIENT_DISPLAYS``): "combined", from
    #: ``client_floor`` client answers, or "attributed", each contact by name.
    client_display: str = "combined"
    client_floor: int = DEFAULT_CLIENT_FLOOR
    #: Whose questionnaire ``snapshot`` is: "team", or "client" in ``for_client()``.
    audience: str = "team"

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def questionnaire(self) -> Questionnaire:
        return questionnaire_of(self.snapshot)

    @property
    def client_attributed(self) -> bool:
        """Whether each client contact's view is shown to the team by name."""
        return self.client_display == "attributed"

    @property
    def mirror(self) -> Questionnaire | None:
        """The questionnaire the client's people answer, or None (no client side)."""
        return questionnaire_of(self.mirror_snapshot) if self.mirror_snapshot else None

    def for_client(self) -> Round:
        """The round as its client contacts answer it: the mirror as its questionnaire,
        and always anonymous within the client group (even in a named round), so the
        answer page and its checks need nothing else to serve a client contact."""
        if self.mirror_snapshot is None or self.mirror_digest is None:
            raise ValueError(f"round {self.id} has no client questionnaire")
        return replace(
            self,
            snapshot=self.mirror_snapshot,
            questionnaire_digest=self.mirror_digest,
            anonymous=True,
            audience="client",
        )

    def for_side(self, side: str) -> Round:
        return self.for_client() if side == "client" else self


_ROUND_SELECT = """
    SELECT rounds.*, clients.name AS client_name FROM rounds
    JOIN clients ON clients.id = rounds.client_id
"""


def _round(db: Database, row: dict) -> Round:
    return Round(
        id=row["id"],
        client_id=row["client_id"],
        client_name=row["client_name"],
        kind=row["kind"],
        period=row["period"],
        questionnaire_id=row["questionnaire_id"],
        questionnaire_version=row["questionnaire_version"],
        due_date=row["due_date"],
        anonymous=bool(row["anonymous"]),
        status=row["status"],
        closed_at=row["closed_at"],
        created_at=row["created_at"],
        questionnaire_digest=row["questionnaire_digest"],
        snapshot=snapshot_text(db, row["questionnaire_digest"], row.get("snapshot_text")),
        results=row["results"],
        anonymity_floor=row["anonymity_floor"],
        anonymity_text_floor=row["anonymity_text_floor"],
        reminder_days=row.get("reminder_days"),
        closed_on_due_date=row.get("closed_on_due_date"),
        invitations_held=bool(row["invitations_held"]),
        mirror_digest=row["mirror_digest"],
        mirror_snapshot=snapshot_text(db, row["mirror_digest"], row.get("mirror_snapshot_text"))
        if row["mirror_digest"]
        else None,
        client_results=row["client_results"],
        client_summary_shared=bool(row["client_summary_shared"]),
        client_display=row["client_display"],
        client_floor=row["client_floor"],
    )


class DuplicateRound(ValueError):
    """The client already has a round of that kind for that period."""

    def __init__(self, existing: Round):
        self.existing = existing
        super().__init__(f"{existing.period} ({existing.kind}): round {existing.id}")


def find_round(db: Database, client_id: int, kind: str, period: str) -> Round | None:
    """The client's round of this kind for this period (spelled in any case or spacing)."""
    key = period_key(period)
    rows = query_rows(
        db,
        _ROUND_SELECT + " WHERE rounds.client_id = ? AND rounds.kind = ? ORDER BY rounds.id",
        [client_id, kind],
    )
    for row in rows:
        if period_key(row["period"]) == key:
            return _round(db, row)
    return None


def taken_periods(db: Database, client_id: int, kind: str) -> list[str]:
    """The periods the client already has a round of this kind for."""
    return [
        row[0]
        for row in db.execute(
            "SELECT period FROM rounds WHERE client_id = ? AND kind = ?", [client_id, kind]
        )
    ]


def create_round(
    db: Database,
    *,
    client_id: int,
    kind: str,
    period: str,
    questionnaire: Questionnaire,
    due_date: str | None = None,
    anonymous: bool = True,
    created_by: int | None = None,
    floor: int = DEFAULT_FLOOR,
    text_floor: int = DEFAULT_TEXT_FLOOR,
    invitations_held: bool = False,
    mirror: Questionnaire | None = None,
    client_display: str = "combined",
    client_floor: int = DEFAULT_CLIENT_FLOOR,
) -> Round:
    """A new open round; ``DuplicateRound`` if the client has one of this kind for this
    period already. The check and the insert hold the write lock together, so two leads
    creating the same round at once get one round and one clear refusal. ``floor`` and
    ``text_floor`` are the anonymity floors it keeps for good (the app's
    ``ANONYMITY_FLOOR`` and ``ANONYMITY_TEXT_FLOOR`` when it is created). ``mirror`` is the
    questionnaire's client side (its ``mirror``), pinned with it. ``invitations_held``: its
    respondents wait for the lead's confirmation (a round the review calendar opens).
    ``client_display`` and ``client_floor``: how the client's answers are shown, kept for
    good (the app's ``CLIENT_FLOOR`` when it is created)."""
    if client_display not in CLIENT_DISPLAYS:
        raise ValueError(f"client_display must be one of {', '.join(CLIENT_DISPLAYS)}")
    if mirror is not None and (mirror.id != questionnaire.mirror or mirror.audience != "client"):
        raise ValueError(f"{mirror.id!r} is not the mirror of {questionnaire.id!r}")
    if kind not in ROUND_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ROUND_KINDS)}")
    period = clean_period(period)
    if not period:
        raise ValueError("a round needs a period")
    now = utc_stamp()
    with transaction(db, write=True):  # the snapshot and the round that names it, or neither
        existing = find_round(db, client_id, kind, period)
        if existing is not None:
            raise DuplicateRound(existing)
        try:
            cursor = db.execute(
                "INSERT INTO rounds (client_id, kind, period, questionnaire_id,"
                " questionnaire_version, questionnaire_digest, due_date, anonymous,"
                " anonymity_floor, anonymity_text_floor, invitations_held, created_by,"
                " created_at, updated_at, mirror_digest, client_display, client_floor)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    client_id,
                    kind,
                    period,
                    questionnaire.id,
                    questionnaire.version,
                    store_snapshot(db, questionnaire),
                    due_date,
                    int(anonymous),
                    floor,
                    text_floor,
                    int(invitations_held),
                    created_by,
                    now,
                    now,
                    store_snapshot(db, mirror) if mirror is not None else None,
                    client_display,
                    client_floor,
                ],
            )
        except sqlite3.IntegrityError:  # the schema's UNIQUE (client, period, kind)
            existing = find_round(db, client_id, kind, period)
            if existing is None:
                raise
            raise DuplicateRound(existing) from None
        return get_round(db, cursor.lastrowid)


def release_invitations(db: Database, round_id: int) -> bool:
    """The lead confirmed the respondents of a round the calendar opened: its invitations
    may go out. False if they were not held (already released, or never held)."""
    cursor = db.execute(
        "UPDATE rounds SET invitations_held = 0, updated_at = ? WHERE id = ? AND invitations_held",
        [utc_stamp(), round_id],
    )
    return cursor.rowcount == 1


def get_round(db: Database, round_id: int) -> Round:
    rows = list(query_rows(db, _ROUND_SELECT + " WHERE rounds.id = ?", [round_id]))
    if not rows:
        raise NotFound(round_id)
    return _round(db, rows[0])


def list_rounds(db: Database, client_id: int) -> list[Round]:
    """A client's rounds, newest first."""
    sql = (
        _ROUND_SELECT
        + " WHERE rounds.client_id = ? ORDER BY rounds.created_at DESC, rounds.id DESC"
    )
    return [_round(db, row) for row in query_rows(db, sql, [client_id])]


def previous_closed_round(db: Database, current: Round) -> Round | None:
    """The client's latest closed round of the same questionnaire id before ``current``."""
    rows = list(
        query_rows(
            db,
            _ROUND_SELECT + " WHERE rounds.client_id = ? AND rounds.questionnaire_id = ?"
            " AND rounds.status = 'closed' AND rounds.id != ?"
            " AND (rounds.created_at < ? OR (rounds.created_at = ? AND rounds.id < ?))"
            " ORDER BY rounds.created_at DESC, rounds.id DESC LIMIT 1",
            [
                current.client_id,
                current.questionnaire_id,
                current.id,
                current.created_at,
                current.created_at,
                current.id,
            ],
        )
    )
    return _round(db, rows[0]) if rows else None


def set_status(
    db: Database,
    round_id: int,
    status: str,
    results: str | None = None,
    summary: str | None = None,
    client_results: str | None = None,
) -> None:
    """Close (storing the result, its summary and the client side's result, all JSON) or
    reopen a round (dropping them)."""
    if status not in ("open", "closed"):
        raise ValueError(status)
    now = utc_stamp()
    with transaction(db, write=True):
        cursor = db.execute(
            "UPDATE rounds SET status = ?, closed_at = ?, results = ?, client_results = ?,"
            " updated_at = ? WHERE id = ?",
            [status, now if status == "closed" else None, results, client_results, now, round_id],
        )
        if cursor.rowcount != 1:
            raise NotFound(round_id)
        db.execute("DELETE FROM round_summaries WHERE round_id = ?", [round_id])
        if summary is not None:
            save_summary(db, round_id, summary)


def save_summary(db: Database, round_id: int, summary: str) -> None:
    now = utc_stamp()
    db.execute(
        "INSERT INTO round_summaries (round_id, summary, created_at, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (round_id) DO UPDATE SET summary = excluded.summary,"
        " updated_at = excluded.updated_at",
        [round_id, summary, now, now],
    )


def submitted_count(db: Database, round_id: int, side: str = "team") -> int:
    """How many of the round's respondents on one side have submitted."""
    return db.execute(
        "SELECT COUNT(*) FROM respondents JOIN responses"
        " ON responses.respondent_id = respondents.id"
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'"
        " AND respondents.side = ?",
        [round_id, side],
    ).fetchone()[0]


def set_client_summary_shared(db: Database, round_id: int, shared: bool) -> None:
    """The lead's switch: whether the client-facing summary may be downloaded and shared."""
    with transaction(db, write=True):
        cursor = db.execute(
            "UPDATE rounds SET client_summary_shared = ?, updated_at = ? WHERE id = ?",
            [int(shared), utc_stamp(), round_id],
        )
        if cursor.rowcount != 1:
            raise NotFound(round_id)


def replace_results(db: Database, round_id: int, results: str, summary: str | None) -> None:
    """Store a closed round's result (and summary) again, keeping when it closed."""
    with transaction(db, write=True):
        db.execute(
            "UPDATE rounds SET results = ?, updated_at = ? WHERE id = ? AND status = 'closed'",
            [results, utc_stamp(), round_id],
        )
        db.execute("DELETE FROM round_summaries WHERE round_id = ?", [round_id])
        if summary is not None:
            save_summary(db, round_id, summary)


class OpenRound(NamedTuple):
    """An open round with how many of each side were invited and have submitted."""

    round: Round
    invited: int  # the team
    submitted: int
    client_invited: int  # client contacts answering the mirror
    client_submitted: int


def open_rounds(db: Database) -> list[OpenRound]:
    """Every open round with its team's and its client contacts' respondent and submission
    counts (apart: the two sides answer different questionnaires), oldest due first."""
    counts = []
    for side in ("team", "client"):
        counts.append(
            f" (SELECT COUNT(*) FROM respondents WHERE round_id = rounds.id"
            f"  AND side = '{side}') AS {side}_invited,"
            f" (SELECT COUNT(*) FROM respondents JOIN responses"
            f"  ON responses.respondent_id = respondents.id WHERE round_id = rounds.id"
            f"  AND side = '{side}' AND responses.status = 'submitted') AS {side}_submitted,"
        )
    rows = query_rows(
        db,
        _ROUND_SELECT.replace("SELECT rounds.*,", "SELECT rounds.*," + "".join(counts))
        + " WHERE rounds.status = 'open' AND clients.archived_at IS NULL"
        " ORDER BY rounds.due_date IS NULL, rounds.due_date, rounds.id",
    )
    return [
        OpenRound(
            _round(db, row),
            row["team_invited"],
            row["team_submitted"],
            row["client_invited"],
            row["client_submitted"],
        )
        for row in rows
    ]


def set_timestamps(
    db: Database, round_id: int, *, created_at: str, closed_at: str | None = None
) -> None:
    """Give a round the dates it really had (imports and demo data of past quarters)."""
    db.execute(
        "UPDATE rounds SET created_at = ?, closed_at = COALESCE(?, closed_at) WHERE id = ?",
        [created_at, closed_at, round_id],
    )
