"""Delivering the outbox: the worker's side of mail.

``deliver_due`` takes the due messages one at a time (``store.outbox.claim_next``: a
claim per message, so several workers never send the same one), writes each as things
stand now (``mail.kinds``), hands it to the mail server over one connection, and records
the outcome in its own transaction:

- accepted: ``sent``, with the copy admins read (the personal link left out when mail
  went through a server);
- refused for good (a 5xx answer): ``failed`` with the server's words at once, the
  respondent marked when their address was refused, and the next message goes on;
- not now (the server unreachable, a 4xx answer): tried again later, after 1, 5 and 15
  minutes, 1, 3, 6, 12 and 24 hours (``RETRY_DELAYS``), then ``failed``, 46 hours after
  the first try. When the server cannot be reached at all, every waiting message counts
  the attempt and waits.

A worker killed while it sends leaves its message claimed (``sending``). The next
delivery run on the same machine sees that the claiming process is gone and sends it
again; elsewhere the claim runs out after ``CLAIM_SECONDS``. The message's slot stays
the same and so does its Message-ID, so nothing is queued twice, and the one message that
may have reached the server just before the kill is the same message again.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlite_utils import Database

from ..clock import stamp, utc_now
from ..mail import compose, kinds, uses_smtp
from ..mail import draft_transfer as _draft_transfer  # noqa: F401 (registers its kind)
from ..mail.transport import UNWRITABLE, Outgoing, Refused, Unavailable, transport_for
from ..sqlite import transaction
from ..store import outbox

log = logging.getLogger(__name__)

#: Seconds to wait before the 2nd, 3rd… try; after the last, the message fails (~2 days).
RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
#: How long a claim keeps other workers off a message (longer than any send can take).
CLAIM_SECONDS = 600


@dataclass
class Delivery:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    retrying: int = 0
    unreachable: str | None = None  # why the server could not be reached, if it could not


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def next_attempt(attempts: int, now: datetime) -> str | None:
    """When to try a message again after ``attempts`` tries, or None to give up."""
    if attempts > len(RETRY_DELAYS):
        return None
    return stamp(now + timedelta(seconds=RETRY_DELAYS[attempts - 1]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def release_orphans(db: Database, now: datetime) -> int:
    """Claims of processes on this machine that no longer run: due again at once."""
    host = socket.gethostname()
    orphans = []
    for message_id, claimed_by in outbox.claims(db):
        claim_host, _, pid = claimed_by.rpartition(":")
        if claim_host == host and pid.isdigit() and not _alive(int(pid)):
            orphans.append(message_id)
    if orphans:
        with transaction(db, write=True):
            released = outbox.release(db, orphans, now=stamp(now))
        log.warning("Sending again %s message(s) left by a worker that stopped.", released)
        return released
    return 0


def deliver_due(app: Flask, db: Database, *, now: datetime | None = None) -> Delivery:
    """Send every message due now (``now``: a fixed moment, for tests)."""
    done = Delivery()
    release_orphans(db, now or utc_now())
    smtp = uses_smtp(app.config)
    me = worker_name()
    with transport_for(app) as transport:
        while True:
            moment = now or utc_now()
            message = outbox.claim_next(
                db,
                worker=me,
                now=stamp(moment),
                until=stamp(moment + timedelta(seconds=CLAIM_SECONDS)),
            )
            if message is None:
                break
            outcome = _deliver_one(app, db, transport, message, moment, smtp=smtp)
            if outcome == "unreachable":
                done.unreachable = _last_error(db, message.id)
                _defer_the_rest(db, moment, done.unreachable)
                break
            setattr(done, outcome, getattr(done, outcome) + 1)
    if done.sent or done.failed or done.unreachable:
        log.info("Mail: %s", done)
    return done


def _last_error(db: Database, message_id: int) -> str:
    return outbox.get(db, message_id).last_error or ""


def _defer_the_rest(db: Database, now: datetime, error: str) -> None:
    failed = outbox.defer_due(
        db, now=stamp(now), error=error, next_attempt_at=lambda n: next_attempt(n, now)
    )
    if failed:
        log.error("Gave up on %s message(s): %s", len(failed), error)


def _deliver_one(app, db, transport, message: outbox.Message, now: datetime, *, smtp: bool):
    try:
        written = kinds.render(app, db, message, keep_link=True)
        if isinstance(written, compose.Cancel):
            with transaction(db, write=True):
                outbox.mark_cancelled(db, message.id, reason=written.reason)
            return "cancelled"
        kept = kinds.render(app, db, message, keep_link=False) if smtp else written
    except Exception as exc:  # a bug or a broken template: this message fails, not the run
        log.exception("Could not write message %s", message.id)
        with transaction(db, write=True):
            outbox.mark_failed(db, message.id, error=f"{UNWRITABLE}: {exc}")
        return "failed"
    sender = app.config["MAIL_DEFAULT_SENDER"]
    outgoing = Outgoing(
        to=compose.address(message.to_name, message.to_address),
        rendered=written,
        message_id=compose.message_id(message.key, message.id, sender),
    )
    try:
        transport.send(outgoing)
    except Refused as refused:
        with transaction(db, write=True):
            outbox.mark_failed(db, message.id, error=str(refused), subject=written.subject)
            if refused.recipient and message.respondent_id is not None:
                outbox.set_address_refused(db, message.respondent_id, str(refused))
        log.warning("Message %s refused: %s", message.id, refused)
        return "failed"
    except Unavailable as unavailable:
        later = next_attempt(message.attempts, now)
        with transaction(db, write=True):
            if later is None:
                outbox.mark_failed(db, message.id, error=str(unavailable), subject=written.subject)
            else:
                outbox.mark_retry(db, message.id, error=str(unavailable), next_attempt_at=later)
        log.warning("Message %s not sent (%s); next try %s", message.id, unavailable, later)
        if unavailable.whole_server:
            return "unreachable"
        return "failed" if later is None else "retrying"
    with transaction(db, write=True):
        outbox.mark_sent(
            db,
            message.id,
            transport=transport.name,
            message_header_id=outgoing.message_id,
            subject=kept.subject,
            body_text=kept.text,
            body_html=kept.html,
            language=written.language,
            headers={
                "from": compose.readable(compose.sender(app.config, written)),
                "reply_to": compose.readable(written.reply_to),
            },
        )
        if message.respondent_id is not None:
            outbox.set_address_refused(db, message.respondent_id, None)
    return "sent"
