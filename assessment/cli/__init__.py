"""The ``assessment`` commands, registered in one place: ``COMMANDS`` and ``init_app``.

One module per kind of work: ``admin`` (set up and run an instance), ``questions``
(questionnaire files), ``report`` (PDFs), ``data`` (exports, the respondents import,
backups), ``worker`` (the background worker of ``jobs/``). The console script itself is
``assessment/__main__.py``. README's "Command line" table lists every command
(``tests/cli/test_cli.py`` checks it).
"""

from __future__ import annotations

from flask import Flask

from .admin import (
    create_user_command,
    demo_command,
    init_db_command,
    serve_command,
    set_password_command,
)
from .data import backup_command, export_group, import_respondents_command, restore_command
from .evidence import invoices_group
from .questions import questions
from .report import pack_command, report_command
from .worker import worker_command

__all__ = ["COMMANDS", "init_app"]

#: Every command of the app, in the order ``assessment --help`` lists them.
COMMANDS = (
    init_db_command,
    create_user_command,
    set_password_command,
    demo_command,
    serve_command,
    questions,
    report_command,
    pack_command,
    export_group,
    import_respondents_command,
    invoices_group,
    backup_command,
    restore_command,
    worker_command,
)


def init_app(app: Flask) -> None:
    """Register the commands on the app, so ``flask --app assessment`` has them too."""
    for command in COMMANDS:
        app.cli.add_command(command)
