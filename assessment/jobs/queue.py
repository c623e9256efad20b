"""The task queue: Huey with its SQLite storage, one instance per app, built from config.

Tasks are declared once, at import time, with ``task`` and ``periodic`` below (they take
Huey's own options: ``retries``, ``retry_delay``, ``priority``, ``expires``…), and are
registered on each app's Huey instance when it is built (``queue_for``), or, for a task
declared after that, when it is first queued. This module never imports the tasks (they
import it): whoever builds a queue to run them, ``assessment worker``, imports
``jobs.tasks`` first, so the worker knows every task and runs the periodic ones. The instance is
built from the app's settings, never at import time, so a test, a web worker and the
``assessment worker`` process each use the queue file their own config names
(``JOBS_DATABASE``), and Huey's immediate mode (``JOBS_IMMEDIATE``) runs every task at once
in the calling thread, for unit tests.

Each task runs inside an app context of the app that built its queue: the worker process
gets that app from the Flask CLI (``assessment worker``), a web process from the factory,
so this package never imports the factory or the web layer. A task's arguments are stored
in the queue file: pass ids, never objects or personal data.

To run a task in the background, ``enqueue(tasks.some_task, *args)``; calling the
function itself runs it here and now (it then needs an app context already).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app
from huey import SqliteHuey
from huey.api import Result

from ..sqlite import create_private

EXTENSION = "assessment.jobs"
QUEUE_NAME = "assessment"
HEARTBEAT_KEY = "worker-heartbeat"


@dataclass(frozen=True)
class _Declared:
    func: Callable
    options: dict = field(default_factory=dict)
    schedule: Callable | None = None  # a Huey crontab(): a periodic task

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


_DECLARED: dict[str, _Declared] = {}


def task(**options) -> Callable[[Callable], Callable]:
    """Declare a background task; ``options`` are Huey's (``retries``, ``retry_delay``…).

    The function is returned unchanged: calling it runs it at once, in the caller's app
    context. ``enqueue`` hands it to the worker instead.
    """

    def declare(func: Callable) -> Callable:
        declared = _Declared(func, options)
        _DECLARED[declared.name] = declared
        return func

    return declare


def periodic(schedule: Callable, **options) -> Callable[[Callable], Callable]:
    """Declare a task the worker runs on a schedule (``huey.crontab(...)``), taking no
    arguments. Only a running ``assessment worker`` runs them (not immediate mode)."""

    def declare(func: Callable) -> Callable:
        declared = _Declared(func, options, schedule)
        _DECLARED[declared.name] = declared
        return func

    return declare


def _in_app_context(app: Flask, func: Callable) -> Callable:
    """``func`` run inside a fresh app context of ``app``: its own database connection,
    its own ``g``, even when it runs inline in a request (immediate mode)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with app.app_context():
            return func(*args, **kwargs)

    return run


class Queue:
    """An app's Huey instance and its tasks by name."""

    def __init__(self, app: Flask):
        config = app.config
        immediate = bool(config["JOBS_IMMEDIATE"])
        if not immediate:  # the file holds task arguments: readable by its owner only
            create_private(config["JOBS_DATABASE"])
        self.huey = SqliteHuey(
            QUEUE_NAME,
            filename=config["JOBS_DATABASE"],
            immediate=immediate,
            results=False,  # tasks record what they did in the app's database
            utc=True,
            timeout=10,  # seconds to wait for the queue file's lock
        )
        if not immediate:  # a worker starting is a sign of life too
            self.huey.on_startup("heartbeat")(self.beat)
        self.app = app
        self.tasks = {}
        for declared in list(_DECLARED.values()):
            self._register(declared)

    def _register(self, declared: _Declared) -> Callable:
        wrapped = _in_app_context(self.app, declared.func)
        # Huey names a task "<module>.<name>": the function's own name completes it.
        short = declared.func.__qualname__
        if declared.schedule is None:
            decorator = self.huey.task(name=short, **declared.options)
        else:
            decorator = self.huey.periodic_task(declared.schedule, name=short, **declared.options)
        self.tasks[declared.name] = decorator(wrapped)
        return self.tasks[declared.name]

    def enqueue(self, func: Callable, *args, **kwargs) -> Result | None:
        """Queue ``func`` (declared with ``task``) for the worker; in immediate mode it
        runs before this returns."""
        name = f"{func.__module__}.{func.__qualname__}"
        registered = self.tasks.get(name)
        if registered is None:
            if name not in _DECLARED:
                raise LookupError(f"{name} is not declared as a task (queue.task)")
            registered = self._register(_DECLARED[name])  # declared after the queue was built
        return registered(*args, **kwargs)

    def pending(self) -> int:
        """How many tasks wait in the queue (not counting scheduled ones)."""
        return self.huey.pending_count()

    def beat(self) -> None:
        """Record that a worker is alive now (see ``last_beat``)."""
        self.huey.put(HEARTBEAT_KEY, datetime.now(UTC).isoformat())

    def last_beat(self) -> str | None:
        """When a worker last recorded that it is alive (UTC, ISO 8601), if ever."""
        return self.huey.get(HEARTBEAT_KEY, peek=True)


def queue_for(app: Flask) -> Queue:
    """The app's queue, built on first use (so apps that never queue make no file)."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = Queue(app)
    return found


def enqueue(func: Callable, *args, **kwargs) -> Result | None:
    """Queue ``func`` on the current app's queue (see ``Queue.enqueue``)."""
    return queue_for(current_app._get_current_object()).enqueue(func, *args, **kwargs)
