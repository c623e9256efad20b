"""The outbox: every message the app sends, from the moment it is decided to its delivery.

A message is written here in the transaction of what caused it (a respondent added, a
round closed) and sent later by the worker (``jobs.mail``), so a crash or a mail server
that is down loses nothing. Its ``idempotency_key`` names its slot: ``queue`` writes
nothing when the slot is taken, so a task that runs twice, or a worker restarted in the
middle, never makes a second message for the same invitation or reminder.

Statuses: ``queued`` (waiting, or waiting for another try at ``next_attempt_at``),
``sending`` (claimed by a worker until ``claimed_until``: one killed meanwhile leaves it
to be claimed again), ``sent``, ``failed`` (with ``last_error``) and ``cancelled`` (no
longer needed: the round closed, the person submitted or was removed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from ..sqlite import query_rows, transaction, utc_stamp
from .clients import NotFound

STATUSES = ("queued", "sending", "sent", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    key: str
    kind: str
    round_id: int | None
    respondent_id: int | None
    user_id: int | None
    to_address: str
    to_name: str
    language: str | None
    details: dict
    queued_by: str
    status: str
    attempts: int
    next_attempt_at: str
    claimed_by: str | None
    last_error: str | None
    transport: str | None
    message_id: str | None
    subject: str | None
    sent_at: str | None
    created_at: str
    updated_at: str
    body_text: str | None = field(default=None, repr=False)
    body_html: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue: its slot (``key``), its kind and its recipient."""

    key: str
    kind: str
    to_address: str
    to_name: str = ""
    language: str | None = None
    round_id: int | None = None
    respondent_id: int | None = None
    user_id: int | None = None
    details: dict = field(default_factory=dict)


_LIST_COLUMNS = (
    "id, idempotency_key, kind, round_id, respondent_id, user_id, to_address, to_name,"
    " language, details, queued_by, status, attempts, next_attempt_at, claimed_by,"
    " last_error, transport, message_id, subject, sent_at, created_at, updated_at"
)


def _message(row: dict) -> Message:
    return Message(
        id=row["id"],
        key=row["idempotency_key"],
        kind=row["kind"],
        round_id=row["round_id"],
        respondent_id=row["respondent_id"],
        user_id=row["user_id"],
        to_address=row["to_address"],
        to_name=row["to_name"],
        language=row["language"],
        details=json.loads(row["details"]),
        queued_by=row["queued_by"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        claimed_by=row["claimed_by"],
        last_error=row["last_error"],
        transport=row["transport"],
        message_id=row["message_id"],
        subject=row["subject"],
        sent_at=row["sent_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        body_text=row.get("body_text"),
        body_html=row.get("body_html"),
    )


def queue(db: Database, messages: Iterable[NewMessage], *, queued_by: str) -> list[int]:
    """Write the messages whose slot is free; returns the ids of those written.

    Call it inside the transaction of the change that causes them. One statement per
    message, with ``ON CONFLICT DO NOTHING`` on the slot: no read first, so hundreds
    cost a few milliseconds.
    """
    now = utc_stamp()
    written = []
    sql = (
        "INSERT INTO outbox (idempotency_key, kind, round_id, respondent_id, user_id,"
        " to_address, to_name, language, details, queued_by, next_attempt_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO NOTHING"
    )
    with transaction(db, write=True):
        execute = db.conn.execute  # the plain driver: hundreds of rows in one request
        for message in messages:
            details = (
                json.dumps(message.details, ensure_ascii=False, sort_keys=True)
                if message.details
                else "{}"
            )
            cursor = execute(
                sql,
                [
                    message.key,
                    message.kind,
                    message.round_id,
                    message.respondent_id,
                    message.user_id,
                    message.to_address,
                    message.to_name,
                    message.language,
                    details,
                    queued_by,
                    now,
                    now,
                    now,
                ],
            )
            if cursor.rowcount == 1:
                written.append(cursor.lastrowid)
    return written


def get(db: Database, message_id: int) -> Message:
    rows = list(query_rows(db, "SELECT * FROM outbox WHERE id = ?", [message_id]))
    if not rows:
        raise NotFound(message_id)
    return _message(rows[0])


def claim_next(db: Database, *, worker: str, now: str, until: str) -> Message | None:
    """Take the next message due for sending (or abandoned by a worker whose claim ran
    out) for ``worker`` until ``until``; counts the attempt. None when nothing is due."""
    with transaction(db, write=True):
        row = db.execute(
            "SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= ?)"
            " OR (status = 'sending' AND claimed_until <= ?)"
            " ORDER BY next_attempt_at, id LIMIT 1",
            [now, now],
        ).fetchone()
        if row is None:
            return None
        db.execute(
            "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_until = ?,"
            " attempts = attempts + 1, updated_at = ? WHERE id = ?",
            [worker, until, now, row[0]],
        )
        return get(db, row[0])


def release(db: Database, message_ids: Sequence[int], *, now: str) -> int:
    """Make claimed messages due again at once (their worker is known to be gone)."""
    if not message_ids:
        return 0
    marks = ", ".join("?" for _ in message_ids)
    cursor = db.execute(
        f"UPDATE outbox SET status = 'queued', claimed_by = NULL, claimed_until = NULL,"
        f" next_attempt_at = ?, updated_at = ? WHERE status = 'sending' AND id IN ({marks})",
        [now, now, *message_ids],
    )
    return cursor.rowcount


def claims(db: Database) -> list[tuple[int, str]]:
    """Every message being sent, with who claimed it."""
    return [
        (row[0], row[1] or "")
        for row in db.execute("SELECT id, claimed_by FROM outbox WHERE status = 'sending'")
    ]


def mark_sent(
    db: Database,
    message_id: int,
    *,
    transport: str,
    message_header_id: str,
    subject: str,
    body_text: str,
    body_html: str,
    language: str | None,
    headers: dict[str, str] | None = None,
) -> None:
    """Delivered (to the mail server, or kept in the local outbox), with what was sent,
    in which language (None: both) and the headers it carried besides the usual ones
    (``{"from": ..., "reply_to": ...}``, kept in ``details``)."""
    now = utc_stamp()
    db.execute(
        "UPDATE outbox SET status = 'sent', transport = ?, message_id = ?, subject = ?,"
        " body_text = ?, body_html = ?, language = ?, sent_at = ?, last_error = NULL,"
        " details = json_patch(details, ?),"
        " claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?",
        [
            transport,
            message_header_id,
            subject,
            body_text,
            body_html,
            language,
            now,
            json.dumps(headers or {}, ensure_ascii=False, sort_keys=True),
            now,
            message_id,
        ],
    )


def mark_retry(db: Database, message_id: int, *, error: str, next_attempt_at: str) -> None:
    """Not delivered this time; try again at ``next_attempt_at``."""
    db.execute(
        "UPDATE outbox SET status = 'queued', last_error = ?, next_attempt_at = ?,"
        " claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?",
        [error, next_attempt_at, utc_stamp(), message_id],
    )


def mark_failed(db: Database, message_id: int, *, error: str, subject: str | None = None) -> None:
    """Given up: ``error`` says why (shown on the round page and in the outbox)."""
    db.execute(
        "UPDATE outbox SET status = 'failed', last_error = ?, subject = COALESCE(?, subject),"
        " claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?",
        [error, subject, utc_stamp(), message_id],
    )


def mark_cancelled(db: Database, message_id: int, *, reason: str) -> None:
    """No longer needed (``reason`` says why); never sent."""
    db.execute(
        "UPDATE outbox SET status = 'cancelled', last_error = ?, claimed_by = NULL,"
        " claimed_until = NULL, updated_at = ? WHERE id = ?",
        [reason, utc_stamp(), message_id],
    )


def defer_due(db: Database, *, now: str, error: str, next_attempt_at) -> list[int]:
    """Every message waiting now gets its attempt counted and a later try: the mail
    server could not be reached, which all of them would have found too.
    ``next_attempt_at(attempts)`` gives the time of the next try after that many
    attempts, or None to give up. Returns the ids given up on."""
    failed = []
    with transaction(db, write=True):
        rows = db.execute(
            "SELECT id, attempts FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?",
            [now],
        ).fetchall()
        for message_id, attempts in rows:
            later = next_attempt_at(attempts + 1)
            if later is None:
                db.execute(
                    "UPDATE outbox SET status = 'failed', attempts = attempts + 1,"
                    " last_error = ?, updated_at = ? WHERE id = ?",
                    [error, now, message_id],
                )
                failed.append(message_id)
            else:
                db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?,"
                    " next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    [error, later, now, message_id],
                )
    return failed


def retry(db: Database, message_id: int) -> bool:
    """Send a failed message again from scratch (an admin's or lead's decision)."""
    now = utc_stamp()
    cursor = db.execute(
        "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?,"
        " last_error = NULL, updated_at = ? WHERE id = ? AND status = 'failed'",
        [now, now, message_id],
    )
    return cursor.rowcount == 1


def for_round(db: Database, round_id: int) -> list[Message]:
    """A round's messages, oldest first, without their bodies."""
    return [
        _message(row)
        for row in query_rows(
            db, f"SELECT {_LIST_COLUMNS} FROM outbox WHERE round_id = ? ORDER BY id", [round_id]
        )
    ]


def listing(
    db: Database, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Message], int]:
    """Newest first, without bodies; and how many there are in all."""
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    total = db.execute(f"SELECT COUNT(*) FROM outbox {where}", params).fetchone()[0]
    rows = query_rows(
        db,
        f"SELECT {_LIST_COLUMNS} FROM outbox {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_message(row) for row in rows], total


def counts(db: Database) -> dict[str, int]:
    found = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    return {status: found.get(status, 0) for status in STATUSES}


def set_address_refused(db: Database, respondent_id: int, reason: str | None) -> None:
    """Mark (or, with None, clear) a respondent whose address the mail server refused:
    the round page says so, and no reminder is queued for them."""
    if reason is None:
        db.execute(
            "UPDATE respondents SET mail_refused = NULL WHERE id = ? AND mail_refused IS NOT NULL",
            [respondent_id],
        )
    else:
        db.execute("UPDATE respondents SET mail_refused = ? WHERE id = ?", [reason, respondent_id])


def refused_addresses(db: Database, round_id: int) -> dict[int, str]:
    """The round's respondents whose address was refused, with the server's words."""
    return dict(
        db.execute(
            "SELECT id, mail_refused FROM respondents WHERE round_id = ?"
            " AND mail_refused IS NOT NULL",
            [round_id],
        ).fetchall()
    )
