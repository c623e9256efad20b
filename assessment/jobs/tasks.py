"""The background tasks. Every module that declares tasks is imported here, and the
worker (``cli/worker.py``) imports this one before it builds its queue, so that the
worker knows them all (see ``queue``).

Tasks do their work through ordinary functions that take the database (and are tested
as such); the tasks themselves only fetch the app context's connection and call them.
"""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from .. import pack_jobs
from ..db import get_db
from . import calendar, deadlines, mail, reminders, reports
from .queue import enqueue, periodic, queue_for, task

log = logging.getLogger(__name__)


@periodic(crontab(minute="*"))
def heartbeat() -> None:
    """Record that the worker is alive (shown to admins with the outbox)."""
    queue_for(current_app._get_current_object()).beat()


@task()
def ping() -> None:
    """Record a heartbeat now: queued by ``assessment worker --check`` and the tests to
    see that a worker takes tasks from this queue."""
    queue_for(current_app._get_current_object()).beat()


@task()
def deliver_mail() -> None:
    """Send the messages due now (queued after a change that writes messages)."""
    mail.deliver_due(current_app._get_current_object(), get_db())


@periodic(crontab(minute="*"))
def deliver_mail_every_minute() -> None:
    """Send what is due: tries again after a failure, and anything queued while no
    worker ran or whose task was lost."""
    mail.deliver_due(current_app._get_current_object(), get_db())


def deliver_soon() -> None:
    """Ask the worker to send the messages just queued; call it after the transaction
    that wrote them commits (the worker must find them). If the queue cannot take the
    task, nothing is lost: the worker's run every minute sends them."""
    try:
        enqueue(deliver_mail)
    except Exception:  # the queue file locked or broken: the periodic run catches up
        log.exception("Could not queue the delivery of mail; the next periodic run sends it")


@periodic(crontab(minute="*"))
def close_rounds_past_due() -> None:
    """Close the rounds whose due date ended (checked every minute), and tell their leads."""
    app = current_app._get_current_object()
    closed = deadlines.close_past_due(get_db(), app.config)
    if closed:
        deliver_soon()
    for round_id in closed:
        render_reports_soon(round_id)


@task(retries=2, retry_delay=60)
def render_round_reports(round_id: int) -> None:
    """Render a closed round's reports into the report cache (``jobs/reports.py``)."""
    reports.render_closed_round(current_app._get_current_object(), get_db(), round_id)


def render_reports_soon(round_id: int) -> None:
    """Ask the worker to render a round's reports; call it after the transaction that
    closed the round commits. If the queue cannot take the task, nothing is lost: the
    first reader renders the report, as before."""
    try:
        enqueue(render_round_reports, round_id)
    except Exception:  # the queue file locked or broken
        log.exception("Could not queue the reports of round %s; rendered when first read", round_id)


@periodic(crontab(minute="*/5"))
def send_reminders() -> None:
    """Queue the automatic reminders due now (checked every five minutes)."""
    app = current_app._get_current_object()
    if reminders.send_due_reminders(get_db(), app.config):
        deliver_soon()


@periodic(crontab(minute="7"))
def open_scheduled_reviews() -> None:
    """Open the reviews the calendar says are due (checked every hour: a period starts
    at midnight in TIMEZONE), with the invitations of clients that send them at once."""
    if calendar.open_due(current_app._get_current_object(), get_db()):
        deliver_soon()


@task()
def make_leadership_pack(job_id: int) -> None:
    """Make a leadership pack asked for on the portfolio page (``pack_jobs``), and queue
    its mail when it has recipients."""
    app = current_app._get_current_object()
    if pack_jobs.make_pack(app, get_db(), job_id).status == "done":
        deliver_soon()
