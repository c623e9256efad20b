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

from .. import alerts, pack_jobs
from ..clock import local_today
from ..db import get_db
from . import alerts as alert_delivery
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
        after_close_soon(round_id)


@task(retries=2, retry_delay=60)
def render_round_reports(round_id: int) -> None:
    """Render a closed round's reports into the report cache (``jobs/reports.py``)."""
    reports.render_closed_round(current_app._get_current_object(), get_db(), round_id)


def after_close_soon(round_id: int) -> None:
    """Ask the worker to render a round's reports and to tell the firm's chat; call it
    after the transaction that closed the round commits. If the queue cannot take the
    tasks, the first reader renders the report, and the round's alerts are not sent."""
    for follow_up in (render_round_reports, alert_round_closed):
        try:
            enqueue(follow_up, round_id)
        except Exception:  # the queue file locked or broken
            log.exception("Could not queue %s for round %s", follow_up.__name__, round_id)


@task(retries=2, retry_delay=60)
def alert_round_closed(round_id: int) -> None:
    """Queue the alerts of a round that closed (``alerts.round_closed``), and send them."""
    app = current_app._get_current_object()
    if alerts.round_closed(app, get_db(), round_id):
        deliver_alerts_soon()


@task()
def deliver_alerts() -> None:
    """Send the alerts due now."""
    alert_delivery.deliver_due(current_app._get_current_object(), get_db())


@periodic(crontab(minute="*"))
def deliver_alerts_every_minute() -> None:
    """Send what is due: tries again after a failure, and anything queued while no
    worker ran."""
    alert_delivery.deliver_due(current_app._get_current_object(), get_db())


def deliver_alerts_soon() -> None:
    """Ask the worker to send the alerts just queued (the periodic run catches up if
    the queue cannot take the task)."""
    try:
        enqueue(deliver_alerts)
    except Exception:
        log.exception("Could not queue the delivery of alerts; the next periodic run sends them")


@periodic(crontab(minute="17"))
def alert_overdue() -> None:
    """Queue the alerts of actions and reviews that fell overdue (checked every hour; each
    is told once)."""
    app = current_app._get_current_object()
    if alerts.overdue(app, get_db(), local_today(app.config)):
        deliver_alerts_soon()


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
