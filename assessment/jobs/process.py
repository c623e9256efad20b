"""The worker as a child process of a server (``assessment serve``, ``make run``).

One command starts the web server and the worker together and stops both: the server
starts ``assessment worker`` on the same instance folder, restarts it if it dies, and
stops it when the server stops (a graceful SIGINT, then SIGKILL after ``grace``
seconds). Ctrl+C in a terminal reaches both processes anyway (same process group).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)


def worker_command(*options: str) -> list[str]:
    """``assessment worker`` with this Python's install (the script beside the
    interpreter, or the same entry point through ``-c``)."""
    script = Path(sys.executable).with_name("assessment")
    if script.exists():
        return [str(script), "worker", *options]
    return [
        sys.executable,
        "-c",
        "from assessment.__main__ import main; main()",
        "worker",
        *options,
    ]


class WorkerProcess:
    """``assessment worker`` on ``instance_path`` as a child process, kept running."""

    def __init__(self, instance_path: str, *, options: tuple[str, ...] = (), grace: float = 20):
        self.command = worker_command(*options)
        self.env = {**os.environ, "ASSESSMENT_INSTANCE_PATH": instance_path}
        self.grace = grace
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> WorkerProcess:
        self._stopping.clear()
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="worker-watch", daemon=True)
        self._watcher.start()
        return self

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env)
        log.info("Started the background worker (pid %s).", self.process.pid)

    def _watch(self) -> None:
        """Start the worker again when it exits on its own (not after a SIGKILL by
        ``stop``): a crash must not stop mail until the next restart of the server."""
        pause = 1.0
        while not self._stopping.wait(0.5):
            code = self.process.poll()
            if code is None:
                continue
            log.warning("The background worker exited with %s; starting it again.", code)
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, 60.0)
            self.restarts += 1
            self._spawn()

    def stop(self) -> int | None:
        """Stop the worker: SIGINT (it finishes the task in hand), then SIGKILL."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        process = self.process
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait(timeout=5)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None
