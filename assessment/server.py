"""Running the app under gunicorn, from ``assessment serve``, with the background worker.

The worker (``assessment worker``) is a child of gunicorn's master process: started once
the server listens, started again if it dies, stopped when the server stops
(``jobs.process.WorkerProcess``).
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, instance_path: str):
        self.options = options
        self.instance_path = instance_path
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app(instance_path=self.instance_path)


def run_gunicorn(
    instance_path: str, *, host: str, port: int, workers: int, with_worker: bool = False
) -> None:
    """Serve with sync workers; each worker builds its own app from the same instance.
    ``with_worker`` runs the background worker beside them."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 60,
    }
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        # gunicorn 27+ opens a control socket in the home folder, shared by every server
        # on the machine; this app needs none.
        options["control_socket_disable"] = True
    if with_worker:
        options.update(_worker_hooks(instance_path))
    _Gunicorn(options, instance_path).run()


def _worker_hooks(instance_path: str) -> dict:
    """gunicorn server hooks that run the background worker beside the master."""
    from .jobs.process import WorkerProcess

    worker = WorkerProcess(instance_path)

    def when_ready(server) -> None:
        worker.start()
        server.log.info("Background worker started (pid %s)", worker.process.pid)

    def on_exit(server) -> None:
        code = worker.stop()
        server.log.info("Background worker stopped (%s)", code)

    return {"when_ready": when_ready, "on_exit": on_exit}
