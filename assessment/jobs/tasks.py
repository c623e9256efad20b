"""The background tasks. Every module that declares tasks is imported here, so that
``queue.queue_for`` registers them all before the first task is queued or run.

Tasks do their work through ordinary functions that take the database (and are tested
as such); the tasks themselves only fetch the app context's connection and call them.
"""

from __future__ import annotations

from flask import current_app
from huey import crontab

from .queue import periodic, queue_for, task


@periodic(crontab(minute="*"))
def heartbeat() -> None:
    """Record that the worker is alive (shown to admins with the outbox)."""
    queue_for(current_app._get_current_object()).beat()


@task()
def ping() -> None:
    """Record a heartbeat now: queued by ``assessment worker --check`` and the tests to
    see that a worker takes tasks from this queue."""
    queue_for(current_app._get_current_object()).beat()
