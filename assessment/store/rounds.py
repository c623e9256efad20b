"""Rounds (one assessment of one client) and their respondents.

A round pins its questionnaire at creation: the whole questionnaire is stored as a
snapshot, so its results stay reproducible after the file in ``questions/`` changes.
Snapshots are stored once each in ``questionnaire_snapshots``, named by the SHA-256 of
their text; rounds of the same questionnaire share one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from ..anonymity import DEFAULT_FLOOR, DEFAULT_TEXT_FLOOR
from ..db import query_rows, utcnow, write_transaction
from ..lru import LRUCache, cached
from ..questionnaire import ROUND_KINDS, Questionnaire, questionnaire_from_snapshot
from ..vocab import ROLES
from .clients import NotFound

RESPONDENT_ROLES = ROLES  # named in vocab, like every fixed vocabulary
TOKEN_BYTES = 24  # 192 bits, URL-safe base64: 32 characters


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


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@cached(64)
def questionnaire_of(snapshot: str) -> Questionnaire:
    """The questionnaire of a stored snapshot, parsed once per process."""
    return questionnaire_from_snapshot(json.loads(snapshot))


SNAPSHOT_CACHE = 64  # snapshot texts per process, about 20 KB each
_snapshots: LRUCache[str, str] = LRUCache(SNAPSHOT_CACHE)


def snapshot_text(db: Database, digest: str) -> str:
    """The snapshot named ``digest``, read once per process: a digest names one text for
    good, whichever database it is in, so the text may be kept. Handing out the same
    string each time also spares ``questionnaire_of`` hashing 20 KB per call."""
    return _snapshots.get(digest, _read_snapshot, db, digest)


def _read_snapshot(db: Database, digest: str) -> str:
    row = db.execute(
        "SELECT snapshot FROM questionnaire_snapshots WHERE digest = ?", [digest]
    ).fetchone()
    if row is None:
        raise NotFound(digest)
    return row[0]


def store_snapshot(db: Database, questionnaire: Questionnaire) -> str:
    """Store the questionnaire's snapshot unless it is there already; its digest."""
    text = json.dumps(questionnaire.snapshot(), ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    now = utcnow()
    db.execute(
        "INSERT INTO questionnaire_snapshots (digest, snapshot, created_at, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
        [digest, text, now, now],
    )
    return digest


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

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def questionnaire(self) -> Questionnaire:
        return questionnaire_of(self.snapshot)


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
        snapshot=snapshot_text(db, row["questionnaire_digest"]),
        results=row["results"],
        anonymity_floor=row["anonymity_floor"],
        anonymity_text_floor=row["anonymity_text_floor"],
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
) -> Round:
    """A new open round; ``DuplicateRound`` if the client has one of this kind for this
    period already. The check and the insert hold the write lock together, so two leads
    creating the same round at once get one round and one clear refusal. ``floor`` and
    ``text_floor`` are the anonymity floors it keeps for good (the app's
    ``ANONYMITY_FLOOR`` and ``ANONYMITY_TEXT_FLOOR`` when it is created)."""
    if kind not in ROUND_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ROUND_KINDS)}")
    period = clean_period(period)
    if not period:
        raise ValueError("a round needs a period")
    now = utcnow()
    with write_transaction(db):  # the snapshot and the round that names it, or neither
        existing = find_round(db, client_id, kind, period)
        if existing is not None:
            raise DuplicateRound(existing)
        try:
            cursor = db.execute(
                "INSERT INTO rounds (client_id, kind, period, questionnaire_id,"
                " questionnaire_version, questionnaire_digest, due_date, anonymous,"
                " anonymity_floor, anonymity_text_floor, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    created_by,
                    now,
                    now,
                ],
            )
        except sqlite3.IntegrityError:  # the schema's UNIQUE (client, period, kind)
            existing = find_round(db, client_id, kind, period)
            if existing is None:
                raise
            raise DuplicateRound(existing) from None
        return get_round(db, cursor.lastrowid)


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
) -> None:
    """Close (storing the result and its summary, both JSON) or reopen a round."""
    if status not in ("open", "closed"):
        raise ValueError(status)
    now = utcnow()
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE rounds SET status = ?, closed_at = ?, results = ?, updated_at = ? WHERE id = ?",
            [status, now if status == "closed" else None, results, now, round_id],
        )
        if cursor.rowcount != 1:
            raise NotFound(round_id)
        db.execute("DELETE FROM round_summaries WHERE round_id = ?", [round_id])
        if summary is not None:
            save_summary(db, round_id, summary)


def save_summary(db: Database, round_id: int, summary: str) -> None:
    now = utcnow()
    db.execute(
        "INSERT INTO round_summaries (round_id, summary, created_at, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (round_id) DO UPDATE SET summary = excluded.summary,"
        " updated_at = excluded.updated_at",
        [round_id, summary, now, now],
    )


# --- respondents ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Respondent:
    id: int
    round_id: int
    user_id: int | None
    name: str
    email: str | None
    role: str
    language: str | None
    token: str
    status: str  # "invited", "draft" or "submitted"
    updated_at: str | None
    answer_key: str | None = None  # see bind_answer_key


_RESPONDENT_SELECT = """
    SELECT respondents.*, responses.status AS response_status,
           responses.updated_at AS response_updated_at
    FROM respondents LEFT JOIN responses ON responses.respondent_id = respondents.id
"""


def _respondent(row: dict) -> Respondent:
    return Respondent(
        id=row["id"],
        round_id=row["round_id"],
        user_id=row["user_id"],
        name=row["name"],
        email=row["email"],
        role=row["role"],
        language=row["language"],
        token=row["token"],
        status=row["response_status"] or "invited",
        updated_at=row["response_updated_at"],
        answer_key=row["answer_key"],
    )


def add_respondent(
    db: Database,
    round_id: int,
    *,
    name: str,
    email: str | None = None,
    role: str = "other",
    language: str | None = None,
) -> Respondent:
    """Invite someone to an open round (``RoundClosed`` otherwise); a user with the same
    email sees the round on their home page."""
    if role not in RESPONDENT_ROLES:
        raise ValueError(f"role must be one of {', '.join(RESPONDENT_ROLES)}")
    email = (email or "").strip() or None
    with write_transaction(db):
        status = db.execute("SELECT status FROM rounds WHERE id = ?", [round_id]).fetchone()
        if status is None:
            raise NotFound(round_id)
        if status[0] != "open":
            raise RoundClosed(round_id)
        user_id = None
        if email:
            user = db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()
            user_id = user[0] if user else None
        now = utcnow()
        cursor = db.execute(
            "INSERT INTO respondents (round_id, user_id, name, email, role, language, token,"
            " token_issued_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [round_id, user_id, name.strip(), email, role, language, new_token(), now, now, now],
        )
        return get_respondent(db, cursor.lastrowid)


def get_respondent(db: Database, respondent_id: int) -> Respondent:
    rows = list(query_rows(db, _RESPONDENT_SELECT + " WHERE respondents.id = ?", [respondent_id]))
    if not rows:
        raise NotFound(respondent_id)
    return _respondent(rows[0])


def find_by_token(db: Database, token: str) -> Respondent | None:
    if not token or len(token) > 128:
        return None
    rows = list(query_rows(db, _RESPONDENT_SELECT + " WHERE respondents.token = ?", [token]))
    if not rows or not secrets.compare_digest(rows[0]["token"], token):
        return None
    return _respondent(rows[0])


def submitted_count(db: Database, round_id: int) -> int:
    """How many of the round's respondents have submitted."""
    return db.execute(
        "SELECT COUNT(*) FROM respondents JOIN responses"
        " ON responses.respondent_id = respondents.id"
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'",
        [round_id],
    ).fetchone()[0]


def replace_results(db: Database, round_id: int, results: str, summary: str | None) -> None:
    """Store a closed round's result (and summary) again, keeping when it closed."""
    with write_transaction(db):
        db.execute(
            "UPDATE rounds SET results = ?, updated_at = ? WHERE id = ? AND status = 'closed'",
            [results, utcnow(), round_id],
        )
        db.execute("DELETE FROM round_summaries WHERE round_id = ?", [round_id])
        if summary is not None:
            save_summary(db, round_id, summary)


def list_respondents(db: Database, round_id: int) -> list[Respondent]:
    sql = _RESPONDENT_SELECT + " WHERE respondents.round_id = ? ORDER BY respondents.id"
    return [_respondent(row) for row in query_rows(db, sql, [round_id])]


def reissue_token(db: Database, respondent_id: int) -> Respondent:
    """Revoke the respondent's link and issue a new one; their answers stay, but no
    browser holds their answer key any more (the next to save through the new link
    replaces them, without ever seeing them)."""
    now = utcnow()
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE respondents SET token = ?, token_issued_at = ?, answer_key = NULL,"
            " updated_at = ? WHERE id = ?",
            [new_token(), now, now, respondent_id],
        )
        if cursor.rowcount != 1:
            raise NotFound(respondent_id)
        return get_respondent(db, respondent_id)


class AlreadyAnswered(PermissionError):
    """The respondent has saved or submitted answers: the invitation cannot be removed."""


#: ``answer_key`` of answers no browser can claim (saved before keys existed).
LOCKED_KEY = "!"


def answer_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def holds_answer_key(respondent: Respondent, secret: str | None) -> bool:
    """Whether ``secret`` (from a browser's cookie) is the respondent's answer key."""
    if not secret or not respondent.answer_key or len(secret) > 128:
        return False
    return secrets.compare_digest(respondent.answer_key, answer_key_hash(secret))


def new_answer_key() -> str:
    """A browser's answer key (the secret for its cookie; the store keeps its hash)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def remove_respondent(db: Database, respondent_id: int) -> None:
    """Remove an invitation nobody has answered yet (``AlreadyAnswered`` otherwise). The
    check and the delete hold the write lock together, so a draft saved a moment before
    is never deleted with the invitation."""
    with write_transaction(db):
        answered = db.execute(
            "SELECT 1 FROM responses WHERE respondent_id = ?", [respondent_id]
        ).fetchone()
        if answered:
            raise AlreadyAnswered(respondent_id)
        db.execute("DELETE FROM respondents WHERE id = ?", [respondent_id])


def rounds_for_user(db: Database, user_id: int) -> list[tuple[Round, Respondent]]:
    """The rounds a member takes part in, with their own invitation, newest first."""
    rows = query_rows(
        db,
        _RESPONDENT_SELECT + " WHERE respondents.user_id = ? ORDER BY respondents.id DESC",
        [user_id],
    )
    return [
        (get_round(db, respondent.round_id), respondent)
        for respondent in (_respondent(row) for row in rows)
    ]


def open_rounds(db: Database) -> list[tuple[Round, int, int]]:
    """Every open round with its respondent and submission counts, oldest due first."""
    rows = query_rows(
        db,
        _ROUND_SELECT.replace(
            "SELECT rounds.*,",
            "SELECT rounds.*,"
            " (SELECT COUNT(*) FROM respondents WHERE round_id = rounds.id) AS invited,"
            " (SELECT COUNT(*) FROM respondents JOIN responses"
            "  ON responses.respondent_id = respondents.id"
            "  WHERE round_id = rounds.id AND responses.status = 'submitted') AS submitted,",
        )
        + " WHERE rounds.status = 'open' AND clients.archived_at IS NULL"
        " ORDER BY rounds.due_date IS NULL, rounds.due_date, rounds.id",
    )
    return [(_round(db, row), row["invited"], row["submitted"]) for row in rows]


def set_timestamps(
    db: Database, round_id: int, *, created_at: str, closed_at: str | None = None
) -> None:
    """Give a round the dates it really had (imports and demo data of past quarters)."""
    db.execute(
        "UPDATE rounds SET created_at = ?, closed_at = COALESCE(?, closed_at) WHERE id = ?",
        [created_at, closed_at, round_id],
    )
