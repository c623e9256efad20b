"""`assessment questions`: check questionnaire files and print the format's JSON Schema."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..questionnaire import (
    Problem,
    Questionnaire,
    QuestionnaireError,
    duplicate_id_error,
    load_questionnaire,
    mirror_problems,
    questionnaire_json_schema,
    scan_directory,
    summarize,
)


@click.group("questions")
def questions() -> None:
    """Check the questionnaire files and describe their format."""


@questions.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def check_command(files: tuple[Path, ...]) -> None:
    """Validate questionnaire FILES (default: every *.toml in QUESTIONS_DIR) and summarize them.

    Exits with status 1 when a file is invalid; the problems, each with its field path and line,
    go to standard error.
    """
    if not files:
        folder = Path(current_app.config["QUESTIONS_DIR"])
        files = tuple(sorted(folder.glob("*.toml")))
        if not files:
            raise click.ClickException(f"no questionnaire files (*.toml) in {folder}")
    seen: dict[str, Path] = {}
    loaded: dict[str, Questionnaire] = {}
    failed = 0
    for file in files:
        try:
            questionnaire = load_questionnaire(file)
            if questionnaire.id in seen:
                raise duplicate_id_error(file, questionnaire.id, seen[questionnaire.id])
            if questionnaire.mirror is not None:
                _check_mirror(file, questionnaire, loaded)
        except QuestionnaireError as exc:
            failed += 1
            click.echo(str(exc), err=True)
            continue
        seen[questionnaire.id] = file
        loaded[questionnaire.id] = questionnaire
        click.echo(_describe(file, summarize(questionnaire)))
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) invalid.", err=True)
        raise SystemExit(1)
    click.echo(f"{len(files)} file(s) valid.")


@questions.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the questionnaire format.

    Save it and point your editor at it, for example with a `#:schema ./questionnaire.schema.json`
    first line in the TOML file (Taplo, Even Better TOML).
    """
    click.echo(json.dumps(questionnaire_json_schema(), indent=2, ensure_ascii=False))


def _check_mirror(file: Path, team: Questionnaire, loaded: dict[str, Questionnaire]) -> None:
    """QuestionnaireError unless the file's mirror (among the files checked so far, else in
    the file's folder) is its client side: same signs, same bands."""
    mirror = loaded.get(team.mirror) or scan_directory(file.parent).questionnaires.get(team.mirror)
    problems = mirror_problems(team, mirror)
    if problems:
        raise QuestionnaireError(file, [Problem("mirror", None, p) for p in problems])


def _describe(file: Path, summary: dict) -> str:
    signs = ", ".join(f"{sign['id']} {sign['items']}" for sign in summary["signs"])
    types = ", ".join(f"{kind} {count}" for kind, count in summary["items_by_type"].items())
    return "\n".join(
        [
            f"{file}: ok",
            f"  id: {summary['id']}, version {summary['version']}: {summary['title']['en']}",
            f"  languages: {', '.join(summary['languages'])}",
            *(
                ["  answered by: the client's people (a mirror)"]
                if summary["audience"] == "client"
                else []
            ),
            *([f"  mirror: {summary['mirror']}"] if summary["mirror"] else []),
            f"  bands: {', '.join(summary['bands'])}",
            f"  signs: {len(summary['signs'])} ({signs})",
            f"  items: {summary['items']} ({types})",
        ]
    )
