"""Sending the alerts queued for the firm's chat (``store/alerts.py``), by the worker.

Each delivery is claimed, built for its channel (``alert_formats``: the chat's JSON, its
signature) and posted (``outbound``: public addresses only, unless an admin allowed the
host). A chat that does not take it, or does not answer within ``ALERT_TIMEOUT``, gets it
again later on the mail's schedule (``mail.next_attempt``: 1, 5 and 15 minutes, then
hours, for about two days), then the delivery is marked failed with the chat's answer in
the delivery log. An address that may not be posted to fails at once: trying again would
not change that. A delivery is marked sent only after the chat took it, so a chat that
fails and recovers gets each alert once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlite_utils import Database

from .. import alert_formats
from ..alerts import alert_from
from ..clock import stamp, utc_now
from ..store import alerts as store
from .mail import next_attempt
from .outbound import Refused, post

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300


@dataclass
class Sent:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(app: Flask, db: Database, *, now: datetime | None = None) -> Sent:
    """Post every delivery due now (``now``: a fixed moment, for tests)."""
    done = Sent()
    while True:
        moment = now or utc_now()
        delivery = store.claim_next(
            db, now=stamp(moment), until=stamp(moment + timedelta(seconds=CLAIM_SECONDS))
        )
        if delivery is None:
            break
        outcome = _deliver_one(app, db, delivery, moment)
        setattr(done, outcome, getattr(done, outcome) + 1)
    if done.sent or done.failed or done.retrying:
        log.info("Alerts: %s", done)
    return done


def _deliver_one(app: Flask, db: Database, delivery: store.Delivery, now: datetime) -> str:
    channel = store.get_channel(db, delivery.channel_id)
    alert = alert_from(delivery.alert)
    try:
        request = alert_formats.build(
            channel.kind, alert, url=channel.url, secret=channel.secret, now_s=int(time.time())
        )
        answer = post(
            request.url,
            request.body,
            request.headers,
            timeout=app.config["ALERT_TIMEOUT"],
            allowed_hosts=app.config["ALERT_ALLOWED_HOSTS"],
        )
    except (Refused, ValueError) as exc:  # a forbidden address, a missing secret
        store.mark_failed(db, delivery.id, error=str(exc))
        return "failed"
    except OSError as exc:  # nothing answered (in time)
        return _again(db, delivery, now, f"no answer: {exc}")
    ok, error = alert_formats.accepted(channel.kind, answer.status, answer.body)
    if ok:
        store.mark_sent(db, delivery.id)
        return "sent"
    return _again(db, delivery, now, error or "not taken")


def _again(db: Database, delivery: store.Delivery, now: datetime, error: str) -> str:
    later = next_attempt(delivery.attempts, now)
    if later is None:
        store.mark_failed(db, delivery.id, error=error)
        return "failed"
    store.mark_retry(db, delivery.id, error=error, next_attempt_at=later)
    return "retrying"
