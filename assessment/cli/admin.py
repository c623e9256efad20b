"""Setting up and running an instance: ``init-db``, ``create-user``, ``set-password``,
``demo`` and ``serve``."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_db
from ..sqlite import transaction
from ..store import audit, respondents, users


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the instance folder, config file and database, or migrate it forward."""
    from ..settings import write_example_config
    from ..upgrade import schema_version, upgrade

    written = write_example_config(current_app.instance_path)
    if written:
        click.echo(f"Wrote {written}")
    database = get_db()
    upgrade(database)
    click.echo(
        f"Database {current_app.config['DATABASE']} is ready (schema: {schema_version(database)})."
    )


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(users.USER_ROLES),
    default="member",
    show_default=True,
    help="What the user may do: admins manage users, leads manage clients and rounds.",
)
@click.option("--name", default="", help="The name shown in the app.")
@click.password_option(help="The password (asked for when not given).")
@with_appcontext
def create_user_command(email: str, role: str, name: str, password: str) -> None:
    """Create a user who can log in with EMAIL."""
    try:
        user = users.create_user(get_db(), email=email, password=password, role=role, name=name)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} {user.email}.")


@click.command("set-password")
@click.argument("email")
@click.password_option(help="The new password (asked for when not given).")
@with_appcontext
def set_password_command(email: str, password: str) -> None:
    """Give the user with EMAIL a new password; every login of theirs ends.

    For operators (a locked-out administrator). Whoever runs it will know the password,
    so first the account's answers in open anonymous rounds are put out of its reach, as
    when an admin is shown a reset link (docs/anonymity.md, "Admins"): its invitations
    there are no longer opened through it, drafts are discarded, submitted answers are
    locked. In the web app an admin sends the user a reset link instead."""
    db = get_db()
    user = users.find_by_email(db, email)
    if user is None:
        raise click.ClickException(f"there is no user with the email {email.strip()}")
    try:
        users.check_password_policy(password, user.email, user.name)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    released = respondents.release_account(db, user.id)
    users.set_password(db, user.id, password)
    with transaction(db, write=True):
        audit.record_command(
            db,
            "user.password_set_by_operator",
            "user",
            user.id,
            email=user.email,
            invitations_released=released.invitations,
            drafts_discarded=released.drafts,
            answers_locked=released.locked,
        )
    click.echo(f"Changed the password of {user.email}; they are logged out everywhere.")
    if released.invitations:
        click.echo(
            f"Their answers in open anonymous rounds are out of the account's reach:"
            f" {released.invitations} invitation(s) no longer opened through it,"
            f" {released.drafts} draft(s) discarded, {released.locked} submitted answer(s)"
            " locked."
        )


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (safe to run again: nothing is duplicated)."""
    from ..demo import DEMO_PASSWORD, DEMO_USERS, load_demo
    from ..jobs.tasks import deliver_soon
    from ..questionnaire import scan_directory

    scan = scan_directory(current_app.config["QUESTIONS_DIR"])
    for error in scan.errors:  # a broken extra file does not stop the demo
        click.echo(f"Skipped a questionnaire file that cannot be used:\n{error}", err=True)
    try:
        created = load_demo(get_db(), scan.questionnaires, config=current_app.config)
    except KeyError as missing:
        raise click.ClickException(
            f"the demo needs the questionnaire {missing}, which QUESTIONS_DIR does not offer"
        ) from None
    for line in created:
        click.echo(f"Created {line}.")
    if created:
        deliver_soon()  # the open round's invitations and reminders (mail.kinds)
    if not created:
        click.echo("Demo data already loaded.")
    click.echo(f"Demo login: {DEMO_USERS[1].email} / {DEMO_PASSWORD} (lead).")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Sync worker processes (default: one per CPU core).",
)
@click.option(
    "--with-worker/--without-worker",
    default=True,
    show_default=True,
    help="Run the background worker (mail, reminders, due dates) beside the server.",
)
@with_appcontext
def serve_command(host: str, port: int, workers: int | None, with_worker: bool) -> None:
    """Serve the app with gunicorn, the production server, and the background worker."""
    from ..server import app_uri, run_gunicorn

    workers = workers or os.cpu_count() or 1
    beside = " and the background worker" if with_worker else ""
    click.echo(f"Serving on http://{host}:{port} with {workers} worker(s){beside}.")
    uri = app_uri(current_app.import_name, current_app.instance_path)
    worker_instance = current_app.instance_path if with_worker else None
    run_gunicorn(uri, host=host, port=port, workers=workers, worker_instance=worker_instance)
