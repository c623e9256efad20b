"""Exports of answers and results (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from assessment import answers, exports, results
from assessment.anonymity import agreement_level
from assessment.cli import COMMANDS
from assessment.cli.data import export_group
from assessment.db import get_db
from assessment.figures import score_text
from assessment.scoring import item_health
from assessment.store import clients, respondents, responses, rounds

KEY = "test-only-secret"
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1:A2)", "\tTab", "\rCR"]


def _answers(q, kind, n: int) -> dict:
    """A full set of answers of every type, different for each respondent ``n``."""
    answers = {}
    for item in q.items():
        if not item.applies(kind):
            continue
        if item.type == "likert":
            answers[item.id] = 1 + (n + len(answers)) % 5
        elif item.type == "number":
            answers[item.id] = int(item.min) + n
        elif item.type == "choice":
            answers[item.id] = item.options[n % len(item.options)].id
        elif item.type == "text":
            answers[item.id] = f"Text of respondent {n}: 好"
    first_na = next(i for i in q.items() if getattr(i, "allow_na", False) and i.applies(kind))
    answers[first_na.id] = responses.NA
    return answers


@pytest.fixture
def filled(app, make_round):
    """Two rounds (named and anonymous) with four submissions and one draft each."""

    def make(*, anonymous: bool, names=None, period="2026-Q4", texts=None, close=None):
        """``close`` (default: anonymous rounds): close the round once everyone answered,
        as an anonymous round's answers can be exported only then."""
        current, people = make_round(anonymous=anonymous, respondents=0, period=period)
        names = names or [f"Person {n}" for n in range(5)]
        with app.app_context():
            db = get_db()
            people = [
                respondents.add_respondent(
                    db,
                    current.id,
                    name=name,
                    email=f"person{n}@example.com",
                    role=("finance", "delivery", "leadership")[n % 3],
                )
                for n, name in enumerate(names)
            ]
            q = current.questionnaire
            for n, person in enumerate(people):
                answers = _answers(q, current.kind, n)
                if texts:
                    text_item = next(i for i in q.items() if i.type == "text")
                    answers[text_item.id] = texts[n % len(texts)]
                submit = n < len(people) - 1
                responses.save_response(db, person.id, answers, {}, submit=submit)
            if anonymous if close is None else close:
                results.close_round(db, rounds.get_round(db, current.id))
        return current, people

    return make


def _read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _db_answers(app, round_id: int) -> list[dict]:
    with app.app_context():
        return list(
            get_db().query(
                "SELECT respondents.id AS respondent_id, respondents.name, respondents.role,"
                " responses.submitted_at, answers.* FROM answers"
                " JOIN responses ON responses.id = answers.response_id"
                " JOIN respondents ON respondents.id = responses.respondent_id"
                " WHERE respondents.round_id = ? AND responses.status = 'submitted'",
                [round_id],
            )
        )


def _invoke(app, command, args, **kwargs):
    return app.test_cli_runner().invoke(command, args, **kwargs)


# --- answers --------------------------------------------------------------------------------


def test_answers_csv_file_matches_the_database(app, filled, tmp_path):
    anonymous = False
    current, _ = filled(anonymous=anonymous)
    out = tmp_path / "answers.csv"
    result = _invoke(app, export_group, ["answers", "--round", str(current.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV files carry a BOM for Excel"
    with out.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == exports.ANSWER_COLUMNS
        exported = list(reader)

    stored = _db_answers(app, current.id)
    assert len(exported) == len(stored) > 0
    by_key = {(row["respondent"], row["item_id"]): row for row in exported}
    assert len(by_key) == len(exported), "one row per respondent and item"
    q = current.questionnaire
    label_of = {answer["respondent_id"]: answer["name"] for answer in stored}
    for answer in stored:
        row = by_key[(label_of[answer["respondent_id"]], answer["item_id"])]
        item = q.item(answer["item_id"])
        assert row["client"] == "Acme"
        assert row["round_id"] == str(current.id)
        assert row["period"] == current.period
        assert row["round_kind"] == current.kind
        assert row["questionnaire_id"] == current.questionnaire_id
        assert int(row["questionnaire_version"]) == current.questionnaire_version
        assert row["sign_id"] == q.items_by_id[item.id][0].id
        assert row["item_type"] == item.type
        assert row["not_applicable"] == ("true" if answer["not_applicable"] else "false")
        if answer["not_applicable"]:
            assert row["answer"] == ""
        elif answer["value_text"] is not None:
            assert row["answer"] == answer["value_text"]
        else:
            assert float(row["answer"]) == answer["value_number"]
        value = answers.from_columns(
            answer["value_number"], answer["value_text"], answer["not_applicable"]
        )
        expected = None if value is responses.NA else item_health(item, value)
        assert (float(row["health"]) if row["health"] else None) == expected
        assert row["respondent_role"] == answer["role"]
        assert row["submitted_at"] == answer["submitted_at"]


def _cell(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, float) and value == int(value) else str(value)


def test_anonymous_answers_are_unlinked_and_floored(app, filled, tmp_path):
    """Each answer a row of its own, sorted by question and answer: the rows hold the
    same answers as the database, but none can be tied to another of the same person.
    Questions fewer than 3 people answered, and text below 5 answers, are left out."""
    current, _ = filled(anonymous=True)
    out = tmp_path / "answers.csv"
    result = _invoke(app, export_group, ["answers", "--round", str(current.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    q = current.questionnaire
    stored = _db_answers(app, current.id)
    answered = {}
    for answer in stored:
        if not answer["not_applicable"]:
            answered[answer["item_id"]] = answered.get(answer["item_id"], 0) + 1
    kept = [
        a
        for a in stored
        if q.item(a["item_id"]).type != "text" and answered.get(a["item_id"], 0) >= 3
    ]
    assert len(kept) < len(stored), "the fixture has a text question and an all-N/A one"

    def key(row):
        return (row["item_id"], row["answer"], row["not_applicable"])

    expected = sorted(
        (
            a["item_id"],
            "" if a["not_applicable"] else _cell(a["value_text"] or a["value_number"]),
            "true" if a["not_applicable"] else "false",
        )
        for a in kept
    )
    assert sorted(key(row) for row in exported) == expected
    assert {(r["respondent"], r["respondent_role"], r["submitted_at"]) for r in exported} == {
        ("", "", "")
    }
    order = {item.id: n for n, item in enumerate(q.items())}
    positions = [order[row["item_id"]] for row in exported]
    assert positions == sorted(positions), "by question"
    for item_id in {row["item_id"] for row in exported}:
        if q.item(item_id).type in ("likert", "number"):
            values = [
                float(r["answer"]) for r in exported if r["item_id"] == item_id and r["answer"]
            ]
            assert values == sorted(values), f"{item_id}: by answer, not by person"


def test_drafts_are_not_exported(app, filled):
    current, people = filled(anonymous=False)
    with app.app_context():
        rows = exports.answer_rows(get_db(), current.id, key=KEY)
    assert {row["respondent"] for row in rows} == {p.name for p in people[:-1]}
    assert people[-1].name not in {row["respondent"] for row in rows}


def test_anonymous_export_has_no_names_emails_or_roles(app, filled):
    current, _ = filled(anonymous=True, names=[f"Zed Secret{n}" for n in range(5)])
    with app.app_context():
        db = get_db()
        csv_text = exports.export_answers(db, current.id, "csv", key=KEY)
        json_text = exports.export_answers(db, current.id, "json", key=KEY)
    for text in (csv_text, json_text):
        assert "Secret" not in text
        assert "@example.com" not in text
        assert "person0" not in text.lower()
    rows = _read_csv(csv_text)
    assert {row["respondent_role"] for row in rows} == {""}
    assert {row["submitted_at"] for row in rows} == {""}
    assert {row["respondent_role"] for row in json.loads(json_text)["rows"]} == {None}
    assert {row["respondent"] for row in rows} == {""}


def test_anonymous_answers_do_not_depend_on_who_answered_first(app, filled):
    """The same answers given by the same people in another order export the same rows:
    nothing in them follows the order of invitations or submissions."""
    first, _ = filled(anonymous=True, names=[f"A{n}" for n in range(5)], period="2026-Q3")
    second, _ = filled(anonymous=True, names=[f"B{n}" for n in reversed(range(5))])
    with app.app_context():
        db = get_db()
        one = exports.answer_rows(db, first.id)
        two = exports.answer_rows(db, second.id)

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in ("round_id", "period")} for r in rows]

    assert strip(one) == strip(two)


def test_anonymous_answers_are_withheld_while_open_and_below_the_floor(app, filled, make_round):
    current, _ = filled(anonymous=True, close=False)
    small, people = make_round(anonymous=True, respondents=2, period="2026-Q2", client="Small")
    with app.app_context():
        db = get_db()
        for person in people:
            responses.save_response(db, person.id, {}, {}, submit=True)
        results.close_round(db, rounds.get_round(db, small.id))
        with pytest.raises(exports.Withheld, match="still open"):
            exports.export_answers(db, current.id, "csv")
        with pytest.raises(exports.Withheld, match="fewer than 3"):
            exports.answer_rows(db, small.id)
    result = _invoke(app, export_group, ["answers", "--round", str(current.id), "-o", "-"])
    assert result.exit_code == 1 and "still open" in result.output
    assert result.stdout.count("\n") <= 1, "nothing exported"


def test_named_export_shows_name_and_role_but_no_email(app, filled):
    current, people = filled(anonymous=False)
    with app.app_context():
        text = exports.export_answers(get_db(), current.id, "csv", key=KEY)
    rows = _read_csv(text)
    assert {(r["respondent"], r["respondent_role"]) for r in rows} == {
        (p.name, p.role) for p in people[:-1]
    }
    assert "@example.com" not in text


def test_json_export_parses_and_equals_the_rows(app, filled):
    current, _ = filled(anonymous=True)
    with app.app_context():
        db = get_db()
        document = json.loads(exports.export_answers(db, current.id, "json", key=KEY))
        rows = exports.answer_rows(db, current.id, key=KEY)
    assert document["export"] == "answers"
    assert document["format"] == exports.FORMAT_VERSION
    assert document["columns"] == list(exports.ANSWER_COLUMNS)
    assert document["round"]["id"] == current.id and document["round"]["anonymous"] is True
    assert document["round"]["anonymity_floor"] == 3
    assert document["round"]["anonymity_text_floor"] == 5
    assert document["rows"] == rows
    text_item = next(i.id for i in current.questionnaire.items() if i.type == "text")
    assert text_item in document["withheld_items"], "4 answers: below the text floor"
    types = {row["item_type"]: row["answer"] for row in rows if not row["not_applicable"]}
    assert isinstance(types["likert"], int)
    assert isinstance(types["number"], int)
    assert isinstance(types["choice"], str) and "text" not in types
    # The fixture's one N/A question was answered by nobody: left out, N/A rows and all.
    first_na = next(row for row in _db_answers(app, current.id) if row["not_applicable"])
    assert first_na["item_id"] in document["withheld_items"]
    assert not any(row["not_applicable"] for row in rows)


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-3.5, -3.5),
        (-2, -2),
        (None, None),
    ],
)
def test_escape_formula(value, escaped):
    assert exports.escape_formula(value) == escaped


def test_formula_injection_is_escaped_in_csv_only(app, filled, questionnaires):
    texts = ["=1+1", "-3.5", "@cmd", "\t+SUM(1)"]
    current, _ = filled(anonymous=False, names=FORMULAS[:5], texts=texts)
    with app.app_context():
        db = get_db()
        clients.update_client(
            db,
            current.client_id,
            name='=HYPERLINK("http://evil.example")',
            industry="",
            lead_id=None,
            start_date=None,
            notes="",
        )
        csv_text = exports.export_answers(db, current.id, "csv", key=KEY)
        document = json.loads(exports.export_answers(db, current.id, "json", key=KEY))
    rows = _read_csv(csv_text)
    names = {row["respondent"] for row in rows}
    assert names == {"'" + name for name in FORMULAS[:4]}
    for row in rows:
        assert row["client"] == '\'=HYPERLINK("http://evil.example")'
        for column, cell in row.items():
            assert not cell.startswith(exports.FORMULA_PREFIXES), (column, cell)
        if row["item_type"] == "text":
            assert row["answer"] in {"'" + t for t in texts}
    # Numbers stay numbers: no quote before a likert answer or a health value.
    assert all(re.fullmatch(r"[0-9.]+", r["health"]) for r in rows if r["health"])
    # JSON is for programs: values as typed.
    assert {row["respondent"] for row in document["rows"]} == set(FORMULAS[:4])
    assert {row["answer"] for row in document["rows"] if row["item_type"] == "text"} <= set(texts)


def test_export_answers_cli_to_stdout_and_errors(app, filled, tmp_path):
    current, _ = filled(anonymous=True)
    result = _invoke(app, export_group, ["answers", "--round", str(current.id), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith("\ufeff"), "no BOM on standard output"
    assert _read_csv(result.stdout)[0]["respondent"] == ""

    result = _invoke(
        app, export_group, ["answers", "--round", str(current.id), "--format", "json", "-o", "-"]
    )
    assert json.loads(result.stdout)["export"] == "answers"

    out = tmp_path / "a.json"  # the format follows the file name
    result = _invoke(app, export_group, ["answers", "--round", str(current.id), "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["export"] == "answers"
    result = _invoke(app, export_group, ["answers", "--round", str(current.id), "-o", str(out)])
    assert result.exit_code == 1 and "use --force" in result.output
    args = ["answers", "--round", str(current.id), "-o", str(out), "--force", "--format", "csv"]
    assert _invoke(app, export_group, args).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("round_id,client")

    result = _invoke(app, export_group, ["answers", "--round", "9999", "-o", "-"])
    assert result.exit_code == 1 and "no round 9999" in result.output


# --- results --------------------------------------------------------------------------------


def test_results_export_has_one_row_per_closed_round_and_sign(app, demo):
    with app.app_context():
        db = get_db()
        closed = [
            rounds.get_round(db, row[0])
            for row in db.execute("SELECT id FROM rounds WHERE status = 'closed'").fetchall()
        ]
        expected = {r.id: results.score(results.load(db, r)) for r in closed}
        result_q = {r.id: r.questionnaire for r in closed}
        rows = exports.result_rows(db)
        everything = exports.result_rows(db, include_open=True)
        csv_rows = _read_csv(exports.export_results(db, "csv"))
        document = json.loads(exports.export_results(db, "json"))
    assert len(rows) == sum(len(result.signs) for result in expected.values())
    assert document["rows"] == rows and document["export"] == "results"
    assert len(csv_rows) == len(rows)
    for row, csv_row in zip(rows, csv_rows, strict=True):
        result = expected[row["round_id"]]
        sign = result.sign(row["sign_id"])
        shown = exports._shown(result_q[row["round_id"]], sign.exact_score)
        assert row["score"] == shown and row["band"] == sign.band_id
        assert row["coverage"] == sign.coverage
        assert row["rwg"] is None, "the demo's rounds are anonymous: agreement in words only"
        assert row["agreement"] == agreement_level(sign.rwg)
        assert row["trend_delta"] == (sign.trend.delta if sign.trend else None)
        # Rounded as the pages show it (figures.score_text): 65.95 is 66.
        index = exports._shown(result_q[row["round_id"]], result.exact_index)
        assert row["round_index"] == index and row["round_band"] == result.band_id
        assert str(index) == score_text(result_q[row["round_id"]], result.exact_index)
        assert row["industry"] and row["lead"], "the demo's clients have both"
        assert row["round_status"] == "closed"
        for column in exports.RESULT_COLUMNS:
            value = row[column]
            if isinstance(value, float):
                assert float(csv_row[column]) == value, column
            elif value is None:
                assert csv_row[column] == ""
    # Declining signs keep their minus sign as numbers, not escaped text.
    negative = [r for r in csv_rows if r["trend_delta"].startswith("-")]
    assert negative, "the demo has signs that got worse"
    assert all(float(r["trend_delta"]) < 0 for r in negative)
    # The demo's open round is anonymous: nothing of it, even with include_open.
    assert everything == rows


def test_export_results_cli(app, demo, tmp_path, filled):
    named, _ = filled(anonymous=False, period="2027-Q1")  # a named round shows while open
    out = tmp_path / "results.csv"
    result = _invoke(app, export_group, ["results", "--include-open", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {row["round_status"] for row in rows} == {"closed", "open"}
    assert {row["round_id"] for row in rows if row["round_status"] == "open"} == {str(named.id)}
    result = _invoke(app, export_group, ["results", "--format", "json", "-o", "-"])
    assert {row["round_status"] for row in json.loads(result.stdout)["rows"]} == {"closed"}


# --- the commands ---------------------------------------------------------------------------


def _all_commands(commands):
    for command in commands:
        yield [command.name], command
        for name, sub in getattr(command, "commands", {}).items():
            yield [command.name, name], sub


def test_every_data_command_has_help(app):
    import click

    group = click.Group("assessment", commands=list(COMMANDS))
    names = [path for path, _ in _all_commands(COMMANDS)]
    assert ["export", "answers"] in names and ["restore"] in names
    for path, command in _all_commands(COMMANDS):
        assert command.help, path
        result = app.test_cli_runner().invoke(group, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (path, param.name)


def test_exports_mark_signs_a_kickoff_does_not_ask(app, make_round):
    current, people = make_round(kind="kickoff", respondents=3, period="2026-Q1")
    with app.app_context():
        db = get_db()
        q = current.questionnaire
        for n, person in enumerate(people):
            responses.save_response(db, person.id, _answers(q, "kickoff", n), {}, submit=True)
        results.close_round(db, rounds.get_round(db, current.id))
        answers_csv = _read_csv(exports.export_answers(db, current.id, "csv", key=KEY))
        answers_json = json.loads(exports.export_answers(db, current.id, "json", key=KEY))
        results_csv = _read_csv(exports.export_results(db, "csv"))
        results_json = json.loads(exports.export_results(db, "json"))
    not_asked = {s.id for s in q.signs if not s.scored_items("kickoff")}
    assert not_asked == {"payment"}
    # Results: the sign's row says not_asked, with no score, band or coverage figure to misread.
    (row,) = [r for r in results_csv if r["sign_id"] == "payment"]
    assert (row["sign_status"], row["score"], row["band"]) == ("not_asked", "", "")
    (row,) = [r for r in results_json["rows"] if r["sign_id"] == "payment"]
    assert row["sign_status"] == "not_asked" and row["score"] is None
    # Answers: every sign's status in the JSON header (the not-asked one has no rows at all),
    # and each row carries its sign's status.
    assert answers_json["round"]["signs"]["payment"] == "not_asked"
    assert set(answers_json["round"]["signs"]) == {s.id for s in q.signs}
    assert "sign_status" in answers_csv[0]
    assert {r["sign_status"] for r in answers_csv} <= {"scored", "insufficient"}
    assert all(r["sign_id"] != "payment" for r in answers_csv)


def test_the_portfolio_export_keeps_the_pages_filters(app, client, auth, demo):
    auth.login("lead")
    page = client.get("/portfolio/?industry=Retail").get_data(as_text=True)
    assert "/portfolio/results.csv?industry=Retail" in page
    rows = _read_csv(client.get("/portfolio/results.csv?industry=Retail").get_data(as_text=True))
    everything = _read_csv(client.get("/portfolio/results.csv").get_data(as_text=True))
    assert rows and len(rows) < len(everything)
    assert {row["industry"] for row in rows} == {"Retail"}
    assert len({row["industry"] for row in everything}) > 1
    assert all(row["lead"] for row in rows)
