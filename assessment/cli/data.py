"""Data commands: ``export``, ``import-respondents``, ``backup`` and ``restore``.

Thin click wrappers around ``assessment.exports``, ``assessment.respondent_import`` and
``assessment.backup``; the file formats and the caveats are in docs/data.md.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import backup as backups
from .. import exports, respondent_import
from ..db import get_db
from ..jobs.tasks import deliver_soon
from ..mail.kinds import queue_invitations
from ..sqlite import transaction
from ..store import audit
from ..store.clients import NotFound
from ..store.rounds import RoundClosed, get_round
from .options import Output, find_round, output_options, round_options


def _format_for(output: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    return "json" if output.lower().endswith(".json") else "csv"


def _write(out: Output, text: str, fmt: str) -> None:
    """Write an export; CSV files get a byte order mark (for Excel), standard output not."""
    encoding = exports.CSV_ENCODING if fmt == "csv" and not out.is_stdout else "utf-8"
    written = out.write(text.encode(encoding))
    if not out.is_stdout:
        click.echo(f"Wrote {written}.", err=True)


_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(exports.FORMATS),
    default=None,
    help="File format (default: json when the file name ends in .json, else csv).",
)


@click.group("export")
def export_group() -> None:
    """Export answers or results as CSV or JSON (columns: docs/data.md).

    CSV text cells that a spreadsheet would run as a formula (starting with = + - @,
    tab or carriage return) get a leading ' ; JSON values are left as they are.
    """


@export_group.command("answers")
@round_options
@_format_option
@output_options()
@with_appcontext
def export_answers_command(
    round_id: int | None,
    client: str | None,
    period: str | None,
    fmt: str | None,
    output: str,
    force: bool,
) -> None:
    """One row per submitted answer of a round (respondent × item).

    An anonymous round's answers come once it is closed with enough answers (its
    anonymity floor), without names, roles or times, one answer per row, sorted by
    question and answer so that rows cannot be tied together (docs/anonymity.md).
    """
    fmt = _format_for(output, fmt)
    out = Output(output, force)
    out.check()
    db = get_db()
    chosen = find_round(db, round_id, client, period)
    try:
        text = exports.export_answers(db, chosen.id, fmt)
    except exports.Withheld as withheld:
        raise click.ClickException(str(withheld)) from None
    _write(out, text, fmt)
    with transaction(db, write=True):
        audit.record_command(db, "answers.exported", "round", chosen.id, format=fmt)


@export_group.command("results")
@click.option(
    "--include-open",
    is_flag=True,
    help="Also open named rounds, scored from the answers submitted so far (default: closed"
    " only; anonymous rounds never while open).",
)
@_format_option
@output_options()
@with_appcontext
def export_results_command(include_open: bool, fmt: str | None, output: str, force: bool) -> None:
    """One row per round and sign: score, band, coverage, agreement, trend, round index."""
    fmt = _format_for(output, fmt)
    out = Output(output, force)
    out.check()
    db = get_db()
    text = exports.export_results(db, fmt, include_open=include_open)
    _write(out, text, fmt)
    with transaction(db, write=True):
        audit.record_command(db, "results.exported", "results", None, format=fmt)


@click.command("import-respondents")
@round_options
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def import_respondents_command(
    round_id: int | None, client: str | None, period: str | None, file: str
) -> None:
    """Invite the people listed in a CSV FILE (- for standard input) to a round.

    Columns: name (required), email and role (an id such as finance, or the name the app
    shows, in English or Chinese; default other) and language (en or zh-CN; empty: not
    known, mail in both). UTF-8 (with or without a byte order
    mark), UTF-16 or Chinese Excel's GBK. Every row is checked first; if any is wrong,
    each problem is listed by row and column and nobody is added.
    """
    db = get_db()
    round_id = find_round(db, round_id, client, period).id
    try:
        with click.open_file(file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise click.ClickException(f"could not read {file}: {exc.strerror or exc}") from exc
    try:
        with transaction(db, write=True):  # everyone and their invitations, or nobody
            added = respondent_import.import_respondents(db, round_id, data)
            current = get_round(db, round_id)
            invited = queue_invitations(db, current, added, by=audit.command_line_actor())
    except NotFound:  # deleted meanwhile
        raise click.ClickException(f"there is no round {round_id}") from None
    except RoundClosed:
        raise click.ClickException(
            f"round {round_id} is closed; reopen it to invite more people"
        ) from None
    except respondent_import.ImportRefused as refused:
        for problem in refused.problems:
            click.echo(respondent_import.describe_problem(problem), err=True)
        count = len(refused.problems)
        raise click.ClickException(
            f"nobody was added: {count} problem{'s' if count != 1 else ''} in {file}"
        ) from None
    for person in added:
        email = f" <{person.email}>" if person.email else ""
        click.echo(f"  {person.name}{email} ({person.role})")
    click.echo(
        f"Invited {len(added)} people to round {round_id}; their links are on the round page."
    )
    if invited:
        deliver_soon()
        click.echo(f"{len(invited)} invitations queued for the worker to send by mail.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: str, force: bool) -> None:
    """Copy the database to PATH, safely while the app is serving.

    Uses SQLite's online backup API: the copy is one consistent moment, written to a
    temporary file beside PATH and renamed into place once it passed an integrity check.
    """
    try:
        written = backups.backup(current_app.config["DATABASE"], path, force=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up {current_app.config['DATABASE']} to {written}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: str, yes: bool) -> None:
    """Replace the database with the backup at PATH.

    PATH must be a database of this app that passes PRAGMA integrity_check and was made
    by this version or an older one (an older one is migrated forward). The current
    database is kept as <database>.before-restore-<time>.

    Stop the server first when you can. The restore is one SQLite transaction, so a
    running server sees the old data or the new, never a mix, and its workers carry on
    with the new data; but requests during the restore may fail, anything saved after
    the safety copy is lost, and people stay logged in as whichever user has their
    user id in the restored data: after restoring another instance's backup, delete
    the instance's secret_key file and restart to log everyone out.
    """
    database = current_app.config["DATABASE"]
    try:
        info = backups.inspect_backup(path)
    except backups.RestoreRefused as exc:
        raise click.ClickException(f"not restored: {exc}") from None
    counts = ", ".join(
        f"{info.counts.get(table, 0)} {table}" for table in ("clients", "rounds", "users")
    )
    click.echo(f"{path}: {counts}; schema {info.applied[-1]}.")
    if info.pending:
        click.echo(f"It will be migrated forward: {', '.join(info.pending)}.")
    if not yes:
        click.confirm(f"Replace the database {database} with it?", abort=True)
    try:
        result = backups.restore(database, path)
    except backups.RestoreRefused as exc:
        raise click.ClickException(f"not restored: {exc}") from None
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {path} into {database}.")
    if result.previous:
        click.echo(f"The previous database is kept as {result.previous}.")
    click.echo("Restart the server so that every worker starts afresh.", err=True)
