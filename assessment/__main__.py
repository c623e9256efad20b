"""The ``assessment`` console script: the app's Flask CLI (``python -m assessment`` too).

The commands are registered on the app by the factory (``cli.init_app``); this group
builds the app from the instance (``ASSESSMENT_INSTANCE_PATH`` or ``instance/``).
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from . import create_app


def _make_app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
def main() -> None:
    """Partnership Check: run the app and manage its data."""


if __name__ == "__main__":
    main()
