"""Running the app under gunicorn, from ``assessment serve``."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app()


def run_gunicorn(instance_path: str, *, host: str, port: int, workers: int) -> None:
    """Serve with sync workers; each worker builds its own app (and DB connections)."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
        }
    ).run()
