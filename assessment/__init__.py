"""Partnership Check: is your client a partner or a lord?"""

from __future__ import annotations

import os
from pathlib import Path

from .paths import TEMPLATE_FOLDER
from .settings import (
    CONFIG_FILENAME,
    ConfigError,
    check_anonymity,
    check_jobs,
    check_sso,
    defaults,
    ensure_secret_key,
    load_branding,
    load_config_file,
)

__all__ = ["ConfigError", "create_app"]


def create_app(test_config: dict | None = None, *, instance_path: str | None = None):
    """Build the app: config → instance → extensions → blueprints → ``upgrade``.

    ``test_config`` replaces the instance's config file; ``instance_path`` (else the
    ``ASSESSMENT_INSTANCE_PATH`` environment variable) moves the instance folder.
    """
    from flask import Flask  # here, so that importing the pure core never loads Flask

    instance_path = instance_path or os.environ.get("ASSESSMENT_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(TEMPLATE_FOLDER),
    )
    # Readable by the owner only when created here: it holds the secret key and, by
    # default, the database.
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    app.config.from_mapping(defaults(app.instance_path))

    if test_config is None:
        config_path = Path(app.instance_path) / CONFIG_FILENAME
        source = str(config_path)
        if config_path.exists():
            app.config.from_mapping(load_config_file(config_path))
    else:
        source = "test configuration"
        app.config.from_mapping(test_config)
        check_anonymity(app.config, source=source)
        check_jobs(test_config, source=source)
        check_sso(app.config, source=source)
    app.config["BRANDING"] = load_branding(app.config, app.instance_path, source=source)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = ensure_secret_key(app.instance_path)

    from . import cli, db
    from .upgrade import upgrade
    from .web import init_web

    db.init_app(app)
    cli.init_app(app)
    init_web(app)

    with app.app_context():
        upgrade(db.get_db())
    return app
