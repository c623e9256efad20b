"""One person, one link; a language per person (issue 25, items 4 and 6).

Who may see the round page these tests use: leads and admins (tests/web/test_access_matrix.py
tries every other visitor); here a lead adds and imports people."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from conftest import PASSWORD, csrf_token
from smtp_helpers import mail_app

from assessment import respondent_import
from assessment.db import get_db
from assessment.jobs.mail import deliver_due
from assessment.mail import kinds
from assessment.migrations import migrations
from assessment.questionnaire import load_directory
from assessment.sqlite import connect
from assessment.store import clients, respondents, rounds
from assessment.vocab import email_key


def _people(app, round_id):
    with app.app_context():
        return respondents.list_respondents(get_db(), round_id)


@pytest.mark.parametrize(
    "written",
    [
        "emma@example.com",
        " EMMA@example.com ",
        "Emma@Example.COM",
        "ｅｍｍａ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    ],
)
def test_an_email_is_compared_trimmed_case_and_width_insensitively(written):
    assert email_key(written) == "emma@example.com"
    assert email_key("  ") is None and email_key(None) is None


def test_the_store_refuses_a_second_link_for_one_person_on_either_side(app, make_round):
    current, _ = make_round(respondents=0)
    with app.app_context():
        db = get_db()
        emma = respondents.add_respondent(db, current.id, name="Emma", email="emma@example.com")
        for side, role in (("team", None), ("client", "owner")):
            with pytest.raises(respondents.AlreadyInRound) as taken:
                respondents.add_respondent(
                    db,
                    current.id,
                    name="Emma again",
                    email=" EMMA@example.com",
                    side=side,
                    client_role=role,
                )
            assert taken.value.existing.id == emma.id
        # The unique index holds the rule even for a write that skipped the check.
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(
                "INSERT INTO respondents (round_id, name, token, token_issued_at, created_at,"
                " updated_at, email, email_key) VALUES (?, 'X', 'tok', 'now', 'now', 'now',"
                " 'emma@example.com', 'emma@example.com')",
                [current.id],
            )
        # Another round, or nobody's email, is no conflict.
        other, _ = make_round(respondents=0, period="2027-Q1")
        respondents.add_respondent(db, other.id, name="Emma", email="emma@example.com")
        respondents.add_respondent(db, current.id, name="No email")
        respondents.add_respondent(db, current.id, name="No email")
    assert [p.name for p in _people(app, current.id)] == ["Emma", "No email", "No email"]


def test_the_round_page_refuses_the_same_person_and_names_who_it_is(app, client, auth, make_round):
    """A lead adds Emma, then EMMA@ on the team and as a client contact: both refused with
    a message naming the existing entry, the typed fields kept, nobody added or invited."""
    current, _ = make_round(respondents=0, contacts=0)
    auth.login("lead")
    token = csrf_token(client, f"/rounds/{current.id}")
    added = client.post(
        f"/rounds/{current.id}/respondents",
        data={"csrf_token": token, "name": "Emma Li", "email": "emma@example.com", "role": "other"},
    )
    assert added.status_code == 302
    again = client.post(
        f"/rounds/{current.id}/respondents",
        data={"csrf_token": token, "name": "E. Li", "email": "EMMA@example.com", "role": "finance"},
    )
    assert again.status_code == 409
    page = again.text
    assert "Emma Li (emma@example.com) is already in this round, on the team" in page
    assert 'value="E. Li"' in page and 'value="EMMA@example.com"' in page
    assert '<option value="finance" selected>' in page
    contact = client.post(
        f"/rounds/{current.id}/client-contacts",
        data={
            "csrf_token": token,
            "name": "Emma",
            "email": "ｅｍｍａ@example.com",
            "client_role": "owner",
        },
    )
    assert contact.status_code == 409
    assert "Emma Li (emma@example.com) is already in this round" in contact.text
    assert [p.name for p in _people(app, current.id)] == ["Emma Li"]


def test_the_import_names_people_already_in_the_round_and_repeats_by_row(app, make_round):
    current, _ = make_round(respondents=0, contacts=0)
    with app.app_context():
        db = get_db()
        respondents.add_respondent(
            db,
            current.id,
            name="Kevin",
            email="kevin@example.com",
            side="client",
            client_role="owner",
        )
        respondents.add_respondent(db, current.id, name="Ann", email="ann@example.com")
        text = (
            "name,email\n"
            "New,new@example.com\n"
            "Kev,KEVIN@example.com\n"
            "A. N.,ａｎｎ@example.com\n"
            "Newer, NEW@example.com \n"
        )
        with pytest.raises(respondent_import.ImportRefused) as refused:
            respondent_import.import_respondents(db, current.id, text)
    problems = [(row, column, str(message)) for row, column, message in refused.value.problems]
    assert problems == [(5, "email", "the same email as row 2")]
    with app.app_context(), pytest.raises(respondent_import.ImportRefused) as refused:
        respondent_import.import_respondents(
            get_db(),
            current.id,
            "name,email\nNew,new@example.com\nKev,KEVIN@example.com\nA. N.,ａｎｎ@example.com\n",
        )
    problems = [(row, column, str(message)) for row, column, message in refused.value.problems]
    assert problems == [
        (
            3,
            "email",
            "already invited to this round: Kevin <kevin@example.com>, a client contact",
        ),
        (4, "email", "already invited to this round: Ann <ann@example.com>, on the team"),
    ]
    assert [p.name for p in _people(app, current.id)] == ["Kevin", "Ann"]  # nothing imported


def test_the_import_page_lists_the_rows_in_chinese_too(app, client, auth, make_round):
    current, _ = make_round(respondents=0)
    with app.app_context():
        respondents.add_respondent(get_db(), current.id, name="Ann", email="ann@example.com")
    auth.login("lead")
    token = csrf_token(client, f"/rounds/{current.id}")
    client.post("/language", data={"csrf_token": token, "language": "zh-CN", "next": "/"})
    response = client.post(
        f"/rounds/{current.id}/respondents/import",
        data={
            "csrf_token": token,
            "file": (__import__("io").BytesIO(b"name,email\nA,ANN@example.com\n"), "people.csv"),
        },
        follow_redirects=True,
    )
    page = response.text
    assert "第 2 行" in page and "Ann &lt;ann@example.com&gt;" in page
    assert [p.name for p in _people(app, current.id)] == ["Ann"]


def test_old_duplicates_do_not_stop_the_migration(tmp_path):
    """0014_people: a round from before that holds one person twice keeps both (either may
    have answered); the earliest holds the email key, and a third add is refused."""
    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before="0014_people")
    db.execute("INSERT INTO clients (name, created_at, updated_at) VALUES ('A', 'now', 'now')")
    db.execute(
        "INSERT INTO rounds (client_id, kind, period, questionnaire_id, questionnaire_version,"
        " created_at, updated_at) VALUES (1, 'quarterly', '2026-Q4', 'q', 1, 'now', 'now')"
    )
    for n, email in enumerate(["emma@example.com", "EMMA@example.com ", None, "bo@example.com"]):
        db.execute(
            "INSERT INTO respondents (round_id, name, email, token, token_issued_at,"
            " created_at, updated_at) VALUES (1, ?, ?, ?, 'now', 'now', 'now')",
            [f"P{n}", email, f"t{n}"],
        )
    migrations.apply(db)
    keys = db.execute("SELECT name, email_key FROM respondents ORDER BY id").fetchall()
    assert [tuple(row) for row in keys] == [
        ("P0", "emma@example.com"),
        ("P1", None),
        ("P2", None),
        ("P3", "bo@example.com"),
    ]
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE respondents SET email_key = 'bo@example.com' WHERE name = 'P0'")


# --- a language per person ------------------------------------------------------------


@pytest.fixture
def mail(tmp_path, template_database, smtp):
    return mail_app(tmp_path, template_database, **smtp.config())


def test_each_person_gets_mail_in_their_own_language(mail, smtp):
    """Set on the round page (team and client side) and imported from the CSV: Chinese
    only, English only, both only when the language is not known; reminders too."""
    with mail.app_context():
        db = get_db()
        found = clients.create_client(db, name="Acme")
        catalog = load_directory(mail.config["QUESTIONS_DIR"])
        current = rounds.create_round(
            db,
            client_id=found.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=catalog["six-signs"],
            mirror=catalog["six-signs-client"],
            due_date="2026-12-15",
        )
    web = mail.test_client()
    web.post(
        "/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": csrf_token(web)},
    )
    token = csrf_token(web, f"/rounds/{current.id}")
    for path, fields in (
        ("respondents", {"name": "王芳", "email": "wang@example.com", "language": "zh-CN"}),
        ("respondents", {"name": "Tom", "email": "tom@example.com", "language": "en"}),
        ("respondents", {"name": "Priya", "email": "priya@example.com", "language": ""}),
        ("client-contacts", {"name": "黄涛", "email": "huang@example.com", "language": "zh-CN"}),
        ("client-contacts", {"name": "Kevin", "email": "kevin@example.com", "language": "en"}),
    ):
        extra = {"role": "other"} if path == "respondents" else {"client_role": "owner"}
        response = web.post(
            f"/rounds/{current.id}/{path}", data={"csrf_token": token, **fields, **extra}
        )
        assert response.status_code == 302, response.text
    csv = (
        "姓名,邮箱,语言\n李雷,li@example.com,中文\nJo,jo@example.com,English\nAl,al@example.com,\n"
    )
    response = web.post(
        f"/rounds/{current.id}/respondents/import",
        data={"csrf_token": token, "file": (__import__("io").BytesIO(csv.encode()), "p.csv")},
    )
    assert response.status_code == 302
    page = web.get(f"/rounds/{current.id}").text  # the lead sees each person's language
    assert page.count('data-testid="person-language">简体中文') == 3
    assert page.count('data-testid="person-language">English') == 3
    with mail.app_context():
        db = get_db()
        people = respondents.list_respondents(db, current.id)
        assert {p.email: p.language for p in people} == {
            "wang@example.com": "zh-CN",
            "tom@example.com": "en",
            "priya@example.com": None,
            "huang@example.com": "zh-CN",
            "kevin@example.com": "en",
            "li@example.com": "zh-CN",
            "jo@example.com": "en",
            "al@example.com": None,
        }
        kinds.queue_reminders(
            db, rounds.get_round(db, current.id), people, by="t", day=date.today()
        )
        deliver_due(mail, db)
    expected = {
        "wang@example.com": "zh",
        "huang@example.com": "zh",
        "li@example.com": "zh",
        "tom@example.com": "en",
        "kevin@example.com": "en",
        "jo@example.com": "en",
        "priya@example.com": "both",
        "al@example.com": "both",
    }
    for address, language in expected.items():
        messages = smtp.recorder.to(address)
        assert len(messages) == 2, address  # the invitation and the reminder
        for message in messages:
            html = message.html()
            if language == "both":
                assert '<div lang="en"' in html and '<div lang="zh-CN"' in html, address
                assert " / " in message.subject
            else:
                tag = "zh-CN" if language == "zh" else "en"
                assert f'<html lang="{tag}">' in html, (address, message.subject)
                assert " / " not in message.subject


def test_the_form_opens_in_the_persons_language_unless_the_browser_chose(app, make_round):
    current, _ = make_round(respondents=0)
    with app.app_context():
        wang = respondents.add_respondent(get_db(), current.id, name="王芳", language="zh-CN")
        tom = respondents.add_respondent(get_db(), current.id, name="Tom", language="en")
    browser = app.test_client()
    english = {"Accept-Language": "en"}
    assert '<html lang="zh-CN"' in browser.get(f"/r/{wang.token}", headers=english).text
    chinese = {"Accept-Language": "zh-CN"}
    assert '<html lang="en"' in browser.get(f"/r/{tom.token}", headers=chinese).text


def test_a_bad_language_is_refused(app, make_round):
    current, _ = make_round(respondents=0)
    with app.app_context(), pytest.raises(ValueError):
        respondents.add_respondent(get_db(), current.id, name="X", language="fr")
    with pytest.raises(respondent_import.ImportRefused) as refused:
        respondent_import.parse_respondents("name,language\nAnn,français\n")
    assert refused.value.problems[0][:2] == (2, "language")
    assert "unknown language 'français'" in refused.value.problems[0][2]
