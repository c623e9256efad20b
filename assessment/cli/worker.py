"""``assessment worker``: the process that runs the background tasks."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from ..jobs import tasks
from ..jobs.queue import queue_for


@click.command("worker")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Tasks run at the same time.",
)
@click.option(
    "--worker-type",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
    help="Run tasks in threads, or in processes (for CPU-bound work such as PDFs).",
)
@click.option(
    "--max-tasks",
    type=click.IntRange(min=1),
    default=None,
    help="Replace a worker after this many tasks (keeps the memory of process workers flat).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Do not run tasks: queue a test task and wait up to 15 s for a running worker to take"
    " it (exit status 1 if none does).",
)
@with_appcontext
def worker_command(workers: int, worker_type: str, max_tasks: int | None, check: bool) -> None:
    """Run the background worker: it sends mail, reminders and closes rounds on their due
    date. Stop it with Ctrl+C (it finishes the task in hand) or SIGTERM.

    `assessment serve` and `make run` start one beside the web server; run it on its own
    under systemd when the web server runs without it (docs/operations.md).
    """
    app = current_app._get_current_object()
    if app.config["JOBS_IMMEDIATE"]:
        raise click.ClickException(
            "JOBS_IMMEDIATE is set: tasks run inside the web process, there is nothing for"
            " a worker to do"
        )
    queue = queue_for(app)
    if check:
        _check(queue)
        return
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    click.echo(f"Worker on {app.config['JOBS_DATABASE']} ({workers} {worker_type} workers).")
    consumer = queue.huey.create_consumer(
        workers=workers,
        worker_type=worker_type,
        periodic=True,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,  # look for new tasks at least every second (a cheap SQLite query)
        max_tasks=max_tasks,
        check_worker_health=True,
    )
    consumer.run()


def _check(queue) -> None:
    before = queue.last_beat()
    queue.enqueue(tasks.ping)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        beat = queue.last_beat()
        if beat and beat != before:
            click.echo(f"A worker took the test task (heartbeat {beat}).")
            return
        time.sleep(0.2)
    if before:
        age = datetime.now(UTC) - datetime.fromisoformat(before)
        seen = f"last seen {int(age.total_seconds() // 60)} min ago"
    else:
        seen = "never seen"
    raise click.ClickException(f"no worker took the test task within 15 s ({seen})")
