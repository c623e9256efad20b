import re
from pathlib import Path

import click
from flask.cli import run_command

from assessment.__main__ import main
from assessment.cli import COMMANDS
from assessment.db import get_db
from assessment.migrations import migrations
from assessment.store import users


def test_every_command_has_help(app):
    with app.app_context():
        names = sorted(app.cli.list_commands(None))
    assert {"init-db", "create-user", "demo", "serve"} <= set(names)
    for name in names:
        command = app.cli.get_command(None, name)
        assert command.help or command.short_help, name
        result = app.test_cli_runner().invoke(args=[name, "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_console_script_is_the_flask_group():
    from flask.cli import FlaskGroup

    assert isinstance(main, FlaskGroup)


def test_create_user_asks_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-user", "new@example.com", "--role", "lead", "--name", "New Lead"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created lead new@example.com" in result.output
    with app.app_context():
        user = users.authenticate(get_db(), "new@example.com", "a long password")
    assert user is not None and user.role == "lead" and user.name == "New Lead"


def test_create_user_refuses_bad_input(runner):
    result = runner.invoke(args=["create-user", "lead@example.com", "--password", "long enough"])
    assert result.exit_code != 0
    assert "already exists" in result.output
    result = runner.invoke(args=["create-user", "x@example.com", "--password", "short"])
    assert "at least 8 characters" in result.output
    result = runner.invoke(args=["create-user", "y@example.com", "--role", "king"])
    assert result.exit_code == 2


def test_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Created user lead@demo.example" in first.output
    with app.app_context():
        count = get_db()["users"].count
    second = runner.invoke(args=["demo"])
    assert "already loaded" in second.output
    assert "Demo login: lead@demo.example" in second.output
    with app.app_context():
        assert get_db()["users"].count == count


def test_demo_user_can_log_in(app, runner, client):
    from conftest import csrf_token

    from assessment.demo import DEMO_PASSWORD

    runner.invoke(args=["demo"])
    response = client.post(
        "/login",
        data={
            "email": "lead@demo.example",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302


def test_serve_passes_options_to_gunicorn(app, runner, monkeypatch):
    from gunicorn.util import import_app

    calls = {}

    def fake_run(uri, **options):
        calls.update(options, uri=uri)

    monkeypatch.setattr("assessment.server.run_gunicorn", fake_run)
    result = runner.invoke(args=["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0, result.output
    assert calls["host"] == "0.0.0.0" and calls["port"] == 9000
    assert calls["workers"] >= 1
    # What each worker loads, as gunicorn loads it: an app of this instance.
    served = import_app(calls["uri"])
    assert served is not app and served.instance_path == app.instance_path


def test_create_user_refuses_common_and_repeated_passwords(app, runner):
    for password, reason in (
        ("password123", "one of the most common passwords"),
        ("abcabcabcabc", "repeated characters or words"),
        ("new@example.com", "too close to the user's email address"),
    ):
        result = runner.invoke(args=["create-user", "new@example.com", "--password", password])
        assert result.exit_code == 1 and reason in result.output, (password, result.output)
    with app.app_context():
        assert users.find_by_email(get_db(), "new@example.com") is None


def test_set_password_changes_it_and_ends_every_login(app, runner, client, auth):
    auth.login("lead")
    assert client.get("/").status_code == 200
    weak = "qwertyuiop\nqwertyuiop\n"
    result = runner.invoke(args=["set-password", "lead@example.com"], input=weak)
    assert result.exit_code == 1 and "most common passwords" in result.output
    assert client.get("/").status_code == 200, "a refused password changes nothing"
    result = runner.invoke(
        args=["set-password", "LEAD@example.com", "--password", "purple elephant tea"]
    )
    assert result.exit_code == 0, result.output
    assert "logged out everywhere" in result.output
    assert client.get("/").status_code == 302
    with app.app_context():
        assert users.authenticate(get_db(), "lead@example.com", "purple elephant tea")
    result = runner.invoke(args=["set-password", "nobody@example.com", "--password", "x"])
    assert result.exit_code == 1 and "no user with the email" in result.output


def test_init_db_command(runner, app):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "is ready" in result.output
    assert migrations._migrations[-1].name in result.output


README = Path(__file__).resolve().parent.parent.parent / "README.md"


def _readme_commands() -> list[str]:
    """The first cell of each row of README's "Command line" table, unescaped."""
    section = README.read_text(encoding="utf-8").split("\n## Command line\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    return [
        cell.replace("\\|", "|")
        for cell in re.findall(r"^\| `(assessment [^`]*)` \|", section, re.M)
    ]


def _leaves(group: click.Group, path=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _leaves(command, (*path, name))
        else:
            yield (*path, name), command


def _placeholders(words: list[str], command: click.Command) -> list[str]:
    """The words of a README row that stand for arguments: what is left once the
    options and their values are taken away."""
    tokens = [t for t in re.sub(r"[][()]", " ", " ".join(words)).split() if t != "|"]
    options = {opt: param for param in command.params for opt in param.opts + param.secondary_opts}
    found = []
    while tokens:
        token = tokens.pop(0)
        if token in options:
            if not options[token].is_flag:
                tokens.pop(0)  # its value
        else:
            found.append(token)
    return found


def test_readme_lists_every_command_and_only_real_options():
    """README's command table is the CLI's documentation: every command of cli.COMMANDS
    (and Flask's run) has a row, and every command, option and argument a row shows is
    one the command has."""
    everything = click.Group("assessment", commands=[*COMMANDS, run_command])
    registered = dict(_leaves(everything))
    documented = {}
    for row in _readme_commands():
        words, command, path = row.split()[1:], everything, []
        while isinstance(command, click.Group):
            assert words and words[0] in command.commands, f"README: no command {row!r}"
            path.append(words.pop(0))
            command = command.commands[path[-1]]
        documented[tuple(path)] = command
        # a --flag/--no-flag option's second name is one of its options too
        known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        shown = re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", " ".join(words))
        assert set(shown) <= known, f"{row!r}: {sorted(set(shown) - known)} not options"
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        assert len(_placeholders(words, command)) == len(arguments), f"{row!r}: arguments"
    assert sorted(documented) == sorted(registered), "README's table and the commands differ"
