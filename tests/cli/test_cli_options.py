"""What the commands share (assessment/cli/options.py): naming a round, writing a file."""

from __future__ import annotations

import json
import stat

import pytest

from assessment.db import get_db
from assessment.store import audit, respondents


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args, **kwargs: runner.invoke(args=list(args), **kwargs)


# --- a round, named one way everywhere ------------------------------------------------------


def test_every_command_on_one_round_takes_the_same_options(app):
    from assessment.cli import COMMANDS

    def leaves(commands):
        for command in commands:
            yield from leaves(getattr(command, "commands", {}).values())
            if not getattr(command, "commands", None):
                yield command

    on_a_round = [c for c in leaves(COMMANDS) if any(p.name == "round_id" for p in c.params)]
    assert {c.name for c in on_a_round} == {"report", "answers", "import-respondents"}
    for command in on_a_round:
        options = {
            p.name: p.opts for p in command.params if p.name in {"round_id", "client", "period"}
        }
        assert options == {
            "round_id": ["--round"],
            "client": ["--client"],
            "period": ["--period"],
        }, command.name
        assert not [
            p for p in command.params if p.param_type_name == "argument" and "round" in p.name
        ]


def test_a_round_found_by_client_and_period_in_any_spelling(app, run, make_round, tmp_path):
    current, _ = make_round(client="Acme Ltd", anonymous=False, respondents=0)
    people = tmp_path / "people.csv"
    people.write_text("name\nAnn\n", encoding="utf-8")
    result = run(
        "import-respondents", "--client", "acme ltd", "--period", "２０２６－ｑ４", str(people)
    )
    assert result.exit_code == 0, result.output
    assert f"Invited 1 people to round {current.id}" in result.output
    result = run("export", "answers", "--client", "ACME LTD", "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["round"]["id"] == current.id
    with app.app_context():
        assert [r.name for r in respondents.list_respondents(get_db(), current.id)] == ["Ann"]


def test_two_rounds_in_a_period_the_latest_is_used_and_the_others_named(run, make_round):
    kickoff, _ = make_round(kind="kickoff", client="Acme", anonymous=False, respondents=0)
    quarterly, _ = make_round(kind="quarterly", client="Acme", anonymous=False, respondents=0)
    result = run("export", "answers", "--client", "Acme", "--period", "2026-Q4", "-o", "-")
    assert result.exit_code == 0, result.output
    assert f"using the latest (quarterly, round {quarterly.id})" in result.stderr
    assert f"{kickoff.id} (kickoff)" in result.stderr
    assert result.stdout.splitlines()[0].startswith("round_id,")


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        ((), "name the round: --round ID, or --client NAME [--period PERIOD]", 2),
        (("--period", "2026-Q4"), "--period needs --client NAME", 2),
        (("--round", "1", "--period", "2026-Q4"), "--round names the round by itself", 2),
        (("--round", "424242"), "there is no round 424242", 1),
        (("--round", "0"), "0 is not a round id", 2),
        (("--round", str(2**63)), "is not a round id", 2),
        (("--client", "Nobody"), "No client named 'Nobody'. Clients: none yet.", 1),
    ],
)
def test_a_round_that_is_not_named_well_is_refused_the_same_way(run, tmp_path, args, message, code):
    people = tmp_path / "people.csv"
    people.write_text("name\nAnn\n", encoding="utf-8")
    for command in (
        ["export", "answers", *args, "-o", "-"],
        ["import-respondents", *args, str(people)],
    ):
        result = run(*command)
        assert result.exit_code == code, (command, result.output)
        assert message in result.output, (command, result.output)


# --- one output writer, one overwrite rule --------------------------------------------------


def _entries(app) -> int:
    with app.app_context():
        return len(audit.entries(get_db()))


@pytest.mark.parametrize(
    "command",
    [
        ["export", "results"],
        ["export", "answers", "--client", "Acme"],
    ],
)
def test_an_existing_file_is_kept_unless_forced(app, run, make_round, tmp_path, command):
    make_round(client="Acme", anonymous=False)
    target = tmp_path / "out.csv"
    target.write_bytes(b"keep me")
    before = _entries(app)
    result = run(*command, "-o", str(target))
    assert result.exit_code == 1 and f"{target} exists; use --force" in result.output
    assert target.read_bytes() == b"keep me"
    assert _entries(app) == before, "refused before any work: nothing exported, nothing audited"
    result = run(*command, "-o", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith("\ufeffround_id".encode())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600, "people's answers: owner only"
    assert list(tmp_path.glob(".*.part")) == []


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--client", "Apex Retail Group", "--period", "2026-Q3"],
        ["pack", "--period", "2026-Q4"],
        ["export", "results"],
    ],
)
def test_every_writer_refuses_the_same_paths_before_working(demo_app, tmp_path, command):
    runner = demo_app.test_cli_runner()
    existing = tmp_path / "old.pdf"
    existing.write_bytes(b"old")
    with demo_app.app_context():
        before = len(audit.entries(get_db()))
    for output, code, message in (
        (existing, 1, "exists; use --force to overwrite it"),
        (tmp_path, 2, "is a directory"),
        (tmp_path / "missing" / "x.pdf", 2, "does not exist"),
    ):
        result = runner.invoke(args=[*command, "-o", str(output)])
        assert result.exit_code == code, (output, result.output)
        assert message in result.output
    assert existing.read_bytes() == b"old"
    with demo_app.app_context():
        assert len(audit.entries(get_db())) == before, "nothing rendered, exported or audited"


def test_a_report_replaces_a_file_only_when_forced(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    target = tmp_path / "apex.pdf"
    target.write_bytes(b"old")
    args = ["report", "--client", "Apex Retail Group", "--period", "2026-Q3", "-o", str(target)]
    result = runner.invoke(args=[*args, "--force"])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
