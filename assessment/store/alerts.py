"""Alert channels (where alerts go) and alert deliveries (each alert to each channel).

A delivery is written when what it tells happened (a round closed, an action fell overdue)
and sent later by the worker (``jobs/alerts.py``), tried again with a growing delay while
the chat does not take it, and given up after two days. ``(channel_id, key)`` is unique:
queueing what is already queued writes nothing, so a task that runs twice, or a worker
killed in the middle, never makes a second delivery of the same alert to the same channel.
A delivery is claimed (``sending``, until ``claimed_until``) before it is posted: a worker
killed meanwhile leaves it to be claimed again once the claim runs out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from ..sqlite import query_rows, transaction, utc_stamp
from .clients import NotFound

STATUSES = ("queued", "sending", "sent", "failed")


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    name: str
    kind: str
    url: str
    secret: str | None
    language: str
    client_id: int | None
    client_name: str | None
    events: tuple[str, ...]
    enabled: bool
    created_at: str


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    channel_id: int
    channel_name: str
    key: str
    event: str
    alert: dict
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    sent_at: str | None
    created_at: str


_CHANNELS = (
    "SELECT alert_channels.*, clients.name AS client_name FROM alert_channels"
    " LEFT JOIN clients ON clients.id = alert_channels.client_id"
)
_DELIVERIES = (
    "SELECT alert_deliveries.*, alert_channels.name AS channel_name FROM alert_deliveries"
    " JOIN alert_channels ON alert_channels.id = alert_deliveries.channel_id"
)


def _channel(row: dict) -> Channel:
    return Channel(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        url=row["url"],
        secret=row["secret"],
        language=row["language"],
        client_id=row["client_id"],
        client_name=row["client_name"],
        events=tuple(json.loads(row["events"])),
        enabled=bool(row["enabled"]),
        created_at=row["created_at"],
    )


def _delivery(row: dict) -> Delivery:
    return Delivery(
        id=row["id"],
        channel_id=row["channel_id"],
        channel_name=row["channel_name"],
        key=row["key"],
        event=row["event"],
        alert=json.loads(row["alert"]),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        created_at=row["created_at"],
    )


def add_channel(
    db: Database,
    *,
    name: str,
    kind: str,
    url: str,
    secret: str | None,
    language: str,
    events: Iterable[str],
    client_id: int | None = None,
    created_by: int | None = None,
) -> Channel:
    now = utc_stamp()
    with transaction(db, write=True):
        cursor = db.execute(
            "INSERT INTO alert_channels (name, kind, url, secret, language, client_id, events,"
            " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                name,
                kind,
                url,
                secret or None,
                language,
                client_id,
                json.dumps(sorted(set(events))),
                created_by,
                now,
                now,
            ],
        )
    return get_channel(db, cursor.lastrowid)


def get_channel(db: Database, channel_id: int) -> Channel:
    rows = list(query_rows(db, _CHANNELS + " WHERE alert_channels.id = ?", [channel_id]))
    if not rows:
        raise NotFound(channel_id)
    return _channel(rows[0])


def list_channels(db: Database) -> list[Channel]:
    return [_channel(r) for r in query_rows(db, _CHANNELS + " ORDER BY alert_channels.id")]


def channels_for(db: Database, event: str, client_id: int | None) -> list[Channel]:
    """The enabled channels that take ``event``: the firm's, and the client's own."""
    found = []
    for channel in list_channels(db):
        if not channel.enabled or event not in channel.events:
            continue
        if channel.client_id is None or channel.client_id == client_id:
            found.append(channel)
    return found


def set_enabled(db: Database, channel_id: int, enabled: bool) -> None:
    with transaction(db, write=True):
        db.execute(
            "UPDATE alert_channels SET enabled = ?, updated_at = ? WHERE id = ?",
            [int(enabled), utc_stamp(), channel_id],
        )


def delete_channel(db: Database, channel_id: int) -> None:
    with transaction(db, write=True):
        db.execute("DELETE FROM alert_channels WHERE id = ?", [channel_id])


def queue(db: Database, channel_id: int, key: str, event: str, alert: dict) -> bool:
    """Queue ``alert`` for the channel unless this ``key`` was queued for it before; True
    if it is new."""
    now = utc_stamp()
    with transaction(db, write=True):
        cursor = db.execute(
            "INSERT INTO alert_deliveries (channel_id, key, event, alert, next_attempt_at,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel_id, key) DO NOTHING",
            [channel_id, key, event, json.dumps(alert, ensure_ascii=False), now, now, now],
        )
    return cursor.rowcount == 1


def claim_next(db: Database, *, now: str, until: str) -> Delivery | None:
    """The next delivery due at ``now`` (or whose claim ran out), claimed until ``until``."""
    with transaction(db, write=True):
        rows = list(
            query_rows(
                db,
                "SELECT id FROM alert_deliveries WHERE (status = 'queued' AND next_attempt_at"
                " <= ?) OR (status = 'sending' AND claimed_until <= ?)"
                " ORDER BY next_attempt_at, id LIMIT 1",
                [now, now],
            )
        )
        if not rows:
            return None
        db.execute(
            "UPDATE alert_deliveries SET status = 'sending', claimed_until = ?,"
            " attempts = attempts + 1, updated_at = ? WHERE id = ?",
            [until, now, rows[0]["id"]],
        )
    return get_delivery(db, rows[0]["id"])


def get_delivery(db: Database, delivery_id: int) -> Delivery:
    rows = list(query_rows(db, _DELIVERIES + " WHERE alert_deliveries.id = ?", [delivery_id]))
    if not rows:
        raise NotFound(delivery_id)
    return _delivery(rows[0])


def mark_sent(db: Database, delivery_id: int) -> None:
    now = utc_stamp()
    with transaction(db, write=True):
        db.execute(
            "UPDATE alert_deliveries SET status = 'sent', sent_at = ?, claimed_until = NULL,"
            " last_error = NULL, updated_at = ? WHERE id = ?",
            [now, now, delivery_id],
        )


def mark_retry(db: Database, delivery_id: int, *, error: str, next_attempt_at: str) -> None:
    with transaction(db, write=True):
        db.execute(
            "UPDATE alert_deliveries SET status = 'queued', claimed_until = NULL,"
            " last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
            [error[:500], next_attempt_at, utc_stamp(), delivery_id],
        )


def mark_failed(db: Database, delivery_id: int, *, error: str) -> None:
    with transaction(db, write=True):
        db.execute(
            "UPDATE alert_deliveries SET status = 'failed', claimed_until = NULL,"
            " last_error = ?, updated_at = ? WHERE id = ?",
            [error[:500], utc_stamp(), delivery_id],
        )


def recent(db: Database, limit: int = 50) -> list[Delivery]:
    """The delivery log, newest first."""
    sql = _DELIVERIES + " ORDER BY alert_deliveries.id DESC LIMIT ?"
    return [_delivery(r) for r in query_rows(db, sql, [limit])]
