"""Running the app under gunicorn, from ``assessment serve``.

Each worker builds its own app, from the same instance: gunicorn imports it by name as
it would from its own command line, ``gunicorn 'assessment:create_app(instance_path=...)'``,
so the server needs nothing of the app's code (and the CLI that starts it no factory).

The background worker (``assessment worker``) runs as a child of gunicorn's master process
when asked: started once the server listens, started again if it dies, stopped when the
server stops (``jobs.process.WorkerProcess``).
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS
from gunicorn.util import import_app


def app_uri(package: str, instance_path: str) -> str:
    """gunicorn's name for the app of ``package``'s factory on ``instance_path``."""
    return f"{package}:create_app(instance_path={instance_path!r})"


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, uri: str):
        self.options = options
        self.uri = uri
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return import_app(self.uri)


def run_gunicorn(
    uri: str, *, host: str, port: int, workers: int, worker_instance: str | None = None
) -> None:
    """Serve the app named ``uri`` (see ``app_uri``) with sync workers; with
    ``worker_instance`` (an instance folder), the background worker of that instance
    runs beside them."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "accesslog": "-",
        # gunicorn's usual format without the query string (%(U)s, not %(r)s): whatever
        # an address carries after "?" (an API token sent there by mistake) is not logged.
        "access_log_format": '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s'
        ' "%(f)s" "%(a)s"',
        "errorlog": "-",
        "timeout": 60,
    }
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        # gunicorn 27+ opens a control socket in the home folder, shared by every server
        # on the machine; this app needs none.
        options["control_socket_disable"] = True
    if worker_instance is not None:
        options.update(_worker_hooks(worker_instance))
    _Gunicorn(options, uri).run()


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
