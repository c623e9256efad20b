"""`assessment questions check` and `assessment questions schema`."""

import json
from pathlib import Path

import pytest

from assessment.cli.questions import questions
from assessment.questionnaire import questionnaire_json_schema

DATA = Path(__file__).resolve().parent.parent / "data"
MINIMAL = DATA / "valid" / "minimal.toml"


def test_registered_on_the_app(app):
    assert app.cli.get_command(None, "questions") is questions


def test_check_defaults_to_every_file_in_questions_dir(app, runner):
    result = runner.invoke(questions, ["check"])

    assert result.exit_code == 0, result.output
    folder = Path(app.config["QUESTIONS_DIR"])
    for name in ("six-signs.toml", "pulse.toml", "six-signs-client.toml"):
        assert f"{folder / name}: ok" in result.stdout
    assert "  id: six-signs, version 1: Partner or lord? Six warning signs" in result.stdout
    assert "  mirror: six-signs-client\n" in result.stdout
    assert "  answered by: the client's people (a mirror)\n" in result.stdout
    assert result.stdout.endswith("3 file(s) valid.\n")
    assert result.stderr == ""


def test_check_prints_a_summary_of_each_file(runner):
    other = DATA / "valid" / "other-model.toml"

    result = runner.invoke(questions, ["check", str(other)])

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{other}: ok\n"
        "  id: supplier-trust, version 3: Supplier trust\n"
        "  languages: en, zh-CN\n"
        "  bands: thriving, strained, broken\n"
        "  signs: 2 (reciprocity 2, candour 3)\n"
        "  items: 5 (likert 2, number 1, choice 1, text 1)\n"
        "1 file(s) valid.\n"
    )


def test_check_reports_invalid_files_on_stderr_and_fails(runner):
    bad = DATA / "invalid" / "bad-direction.toml"

    result = runner.invoke(questions, ["check", str(MINIMAL), str(bad)])

    assert result.exit_code == 1
    assert f"{MINIMAL}: ok" in result.stdout
    assert str(bad) not in result.stdout
    assert result.stderr == (
        f"{bad}:41: signs[0].items[0].direction: 'good' is not allowed;"
        " expected 'healthy' or 'warning'\n"
        "1 of 2 file(s) invalid.\n"
    )


def test_check_refuses_two_files_with_the_same_id(runner, tmp_path):
    copy = tmp_path / "copy.toml"
    copy.write_bytes(MINIMAL.read_bytes())

    result = runner.invoke(questions, ["check", str(MINIMAL), str(copy)])

    assert result.exit_code == 1
    assert f"{copy}:2: id: id 'minimal' is already used by {MINIMAL}" in result.stderr


def test_check_with_an_empty_questions_dir(app, runner, tmp_path):
    app.config["QUESTIONS_DIR"] = str(tmp_path)

    result = runner.invoke(questions, ["check"])

    assert result.exit_code == 1
    assert f"no questionnaire files (*.toml) in {tmp_path}" in result.stderr


def test_check_a_file_that_does_not_exist(runner):
    result = runner.invoke(questions, ["check", "nowhere.toml"])

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_schema_prints_the_json_schema(runner):
    result = runner.invoke(questions, ["schema"])

    assert result.exit_code == 0
    assert json.loads(result.stdout) == questionnaire_json_schema()


@pytest.mark.parametrize("args", [[], ["check"], ["schema"]])
def test_every_command_has_help(runner, args):
    result = runner.invoke(questions, [*args, "--help"])

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage:")
    help_text = result.stdout.split("\n\n")[1].strip()
    assert help_text and not help_text.startswith("Options:")


def test_check_refuses_a_team_file_whose_mirror_does_not_match(app, runner, tmp_path):
    source = Path(app.config["QUESTIONS_DIR"])
    (tmp_path / "six-signs.toml").write_bytes((source / "six-signs.toml").read_bytes())
    client = (source / "six-signs-client.toml").read_text(encoding="utf-8")
    (tmp_path / "client.toml").write_text(
        client.replace('id = "power"', 'id = "authority"'), encoding="utf-8"
    )

    result = runner.invoke(questions, ["check", str(tmp_path / "six-signs.toml")])

    assert result.exit_code == 1
    assert "mirror: mirror 'six-signs-client' lacks the signs power" in result.stderr
    assert "has signs this file lacks: authority" in result.stderr
