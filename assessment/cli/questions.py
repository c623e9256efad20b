"""`assessment questions`: check questionnaire files, print the format's JSON Schema, and
turn a questionnaire into a workbook and back (``questionnaire.workbook``)."""

import json
import sys
import tomllib
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
from ..questionnaire.loading import _validate
from ..questionnaire.workbook import (
    WorkbookError,
    describe,
    read_workbook,
    toml_text,
    workbook_bytes,
)
from ..vocab import LANGUAGES, normalize_lang, translations
from .options import Output, output_options


@click.group("questions")
def questions() -> None:
    """Check questionnaire files, describe their format, and edit them as workbooks.

    \b
    A questionnaire file (TOML) is the canonical format. To let someone edit it in Excel,
    WPS Office or LibreOffice, export it as a workbook and import the edited workbook:
      assessment questions export questions/six-signs.toml -o six-signs.xlsx
      assessment questions import six-signs.xlsx -o six-signs-v2.toml
    The workbook's sheets are described in docs/questionnaire-format.md.
    """


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


@questions.command("export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options()
def export_command(file: Path, output: str, force: bool) -> None:
    """Write the questionnaire FILE (TOML) as an .xlsx workbook.

    \b
    One sheet each for settings, scale, bands, signs, items, choices, breakpoints and
    next_steps; one row per entry, one column per language (text::en, text::zh-CN).
    Importing the workbook unchanged gives back the same questionnaire. Example:
      assessment questions export questions/six-signs.toml -o six-signs.xlsx
    """
    out = Output(output, force)
    out.check()
    try:
        questionnaire = load_questionnaire(file)
    except QuestionnaireError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    written = out.write(workbook_bytes(questionnaire))
    click.echo(
        f"Wrote {written}: {questionnaire.id}, version {questionnaire.version},"
        f" {len(questionnaire.items())} items.",
        err=out.is_stdout,
    )


def _language(_ctx, _param, value: str) -> str:
    try:
        return normalize_lang(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: choose {' or '.join(LANGUAGES)}") from None


@questions.command("import")
@click.argument("workbook", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@output_options()
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="[" + "|".join(LANGUAGES) + "]",
    callback=_language,
    help="Language of the problems reported.",
)
@with_appcontext
def import_command(workbook: Path, output: str, force: bool, lang: str) -> None:
    """Read an edited WORKBOOK (.xlsx) and write it as a questionnaire file (TOML).

    \b
    The workbook is checked as a whole first: every problem is reported at once, at its
    sheet and cell (items!F14), and nothing is written while there is any. Formulas are
    refused; the largest file and the most rows a sheet may have are the settings
    QUESTIONNAIRE_UPLOAD_MAX_BYTES and QUESTIONNAIRE_MAX_ROWS. '-' reads standard input.
    Example:
      assessment questions import six-signs.xlsx -o six-signs-v2.toml
    """
    out = Output(output, force)
    out.check()
    max_bytes = current_app.config["QUESTIONNAIRE_UPLOAD_MAX_BYTES"]
    try:
        if str(workbook) == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with workbook.open("rb") as fh:
                data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise click.ClickException(f"could not read {workbook}: {exc.strerror or exc}") from None
    try:
        document, questionnaire = read_workbook(
            data,
            max_bytes=max_bytes,
            max_rows=current_app.config["QUESTIONNAIRE_MAX_ROWS"],
            name=str(workbook),
        )
    except WorkbookError as exc:
        gettext = translations(lang).gettext
        for problem in exc.problems:
            click.echo(f"{workbook}: {describe(problem, gettext)}", err=True)
        count = len(exc.problems)
        click.echo(f"{count} problem(s); nothing written.", err=True)
        raise SystemExit(1) from None
    text = toml_text(document, source=Path(str(workbook)).name)
    # The file must load as the questionnaire the workbook held: check before writing.
    again = _validate(tomllib.loads(text), str(out.path), text, context={"file": True})
    if again.snapshot() != questionnaire.snapshot():
        raise click.ClickException("the file written would not match the workbook (a bug)")
    written = out.write(text.encode("utf-8"))
    click.echo(
        f"Wrote {written}: {questionnaire.id}, version {questionnaire.version},"
        f" {len(questionnaire.items())} items.",
        err=out.is_stdout,
    )
