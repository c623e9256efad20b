"""Writing and sending mail (assessment.mail): languages, links, addresses, headers."""

from __future__ import annotations

from datetime import date

import pytest
from smtp_helpers import mail_app

from assessment.db import get_db
from assessment.jobs.mail import deliver_due
from assessment.mail import compose, kinds
from assessment.mail.compose import Rendered
from assessment.mail.transport import Outgoing, Refused, SmtpTransport
from assessment.questionnaire import load_directory
from assessment.store import clients, outbox, respondents, rounds


@pytest.fixture
def app(tmp_path, template_database, smtp):
    return mail_app(tmp_path, template_database, **smtp.config())


def open_round(app, *, client="Acme", anonymous=True, due="2026-12-15"):
    with app.app_context():
        db = get_db()
        found = clients.find_by_name(db, client) or clients.create_client(db, name=client)
        q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        return rounds.create_round(
            db,
            client_id=found.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=q,
            due_date=due,
            anonymous=anonymous,
        )


def invite(app, current, *people):
    """Add each (name, email, language) and queue their invitations; then deliver."""
    with app.app_context():
        db = get_db()
        added = [
            respondents.add_respondent(db, current.id, name=name, email=email, language=language)
            for name, email, language in people
        ]
        kinds.queue_invitations(db, current, added, by="test")
        done = deliver_due(app, db)
    return added, done


def test_an_invitation_in_the_respondents_language_with_their_link(app, smtp):
    current = open_round(app)
    (person,), done = invite(app, current, ("Tom Becker", "tom@example.com", "en"))
    assert done.sent == 1
    (mail,) = smtp.received
    message = mail.message
    assert mail.rcpt_tos == ["tom@example.com"]
    assert message["To"] == "Tom Becker <tom@example.com>"
    assert message["From"] == "Partnership Check <partnership-check@localhost>"
    # the longer subject is folded onto its next line (see below): the fold's space aside
    assert message["Subject"].strip() == "Acme · 2026-Q4 · Quarterly review: your view, please"
    link = f"https://check.example.com/r/{person.token}"
    for part in (mail.text(), mail.html()):
        assert link in part
        assert "Tuesday, December 15, 2026" in part
        assert "Quarterly review" in part
        assert "This round is anonymous" in part
        assert "请" not in part  # English only: his language is known
    assert '<html lang="en">' in mail.html()


def test_a_chinese_respondent_gets_chinese_and_unknown_languages_get_both(app, smtp):
    current = open_round(app)
    invite(
        app,
        current,
        ("王芳", "wang@example.com", "zh-CN"),
        ("Priya Nair", "priya@example.com", None),
    )
    (wang,) = smtp.recorder.to("wang@example.com")
    assert wang.message["To"] == "王芳 <wang@example.com>"
    headers = wang.data.split(b"\r\n\r\n", 1)[0].decode("ascii")  # all ASCII: encoded words
    assert "To: =?utf-8?" in headers
    assert wang.subject == "Acme · 2026-Q4 · 季度复盘：请您发表看法"
    assert '<html lang="zh-CN">' in wang.html()
    assert "2026年12月15日" in wang.text() and "Hello" not in wang.text()
    (priya,) = smtp.recorder.to("priya@example.com")
    # Flask-Mailman folds a long encoded subject onto its next line; mail programs drop
    # the fold's space, Python's parser keeps it.
    subject = priya.subject
    english, chinese = (part.strip() for part in subject.split(" / "))
    assert english == "Acme · 2026-Q4 · Quarterly review: your view, please" and "请" in chinese
    text = priya.text()
    assert text.index("Hello Priya Nair") < text.index(compose.LANGUAGE_DIVIDER.strip())
    assert "2026年12月15日" in text
    html = priya.html()
    assert '<div lang="en"' in html and '<div lang="zh-CN"' in html


def test_names_and_subjects_cannot_add_headers_or_recipients(app, smtp):
    current = open_round(app, client="Acme\r\nBcc: thief@example.com")
    invite(
        app,
        current,
        ("陈磊\r\nBcc: thief@example.com", "chen@example.com", None),
        ('Eve, "the boss" <boss@example.com>', "eve@example.com", "en"),
    )
    assert len(smtp.received) == 2
    assert sorted(r for mail in smtp.received for r in mail.rcpt_tos) == [
        "chen@example.com",
        "eve@example.com",
    ]
    assert "thief@example.com" not in smtp.recorder.rcpts_seen
    for mail in smtp.received:
        message = mail.message
        assert message["Bcc"] is None and message.get_all("Subject") is not None
        assert len(message.get_all("Subject")) == 1 and len(message.get_all("To")) == 1
        assert "\n" not in message["Subject"] and "\n" not in message["To"]
    (chen,) = smtp.recorder.to("chen@example.com")
    assert chen.message["To"].addresses[0].display_name == "陈磊 Bcc: thief@example.com"
    assert chen.message["To"].addresses[0].addr_spec == "chen@example.com"
    (eve,) = smtp.recorder.to("eve@example.com")
    assert eve.message["To"].addresses[0].display_name == 'Eve, "the boss" <boss@example.com>'
    assert eve.message["To"].addresses[0].addr_spec == "eve@example.com"
    assert eve.subject.startswith("Acme Bcc: thief@example.com · 2026-Q4")


def test_the_library_refuses_a_header_with_a_line_break_even_if_one_got_through(app, smtp):
    """``compose.one_line`` keeps line breaks out of names and subjects; were one to get
    through, Flask-Mailman refuses the message instead of sending a header of it."""
    bad_subject = Rendered("Hi\nBcc: thief@example.com", "x", "<p>x</p>", "en")
    fine = Rendered("Hi", "x", "<p>x</p>", "en")
    with app.app_context(), SmtpTransport(app) as transport:
        with pytest.raises(Refused, match="cannot be written") as refused:
            transport.send(Outgoing("Tom <tom@example.com>", bad_subject, "<x@localhost>"))
        assert not refused.value.recipient
        with pytest.raises(Refused, match="cannot be written"):
            transport.send(Outgoing("Tom\r\nBcc: <thief@example.com>", fine, "<y@localhost>"))
    assert smtp.received == []
    assert smtp.recorder.rcpts_seen == []


def test_user_text_is_inert_in_the_html_part(app, smtp):
    current = open_round(app, client='<img src=x onerror="alert(1)"> & Co')
    invite(app, current, ('<script>alert("x")</script>', "tom@example.com", "en"))
    (mail,) = smtp.received
    html = mail.html()
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    assert '<img src=x onerror="alert(1)"> & Co' in mail.text()  # plain text stays as typed


def test_the_kept_copy_leaves_the_personal_link_out_when_mail_goes_through_a_server(app, smtp):
    current = open_round(app)
    (person,), _done = invite(app, current, ("Tom", "tom@example.com", "en"))
    (mail,) = smtp.received
    assert person.token in mail.text()  # the recipient has it
    with app.app_context():
        (kept,) = outbox.listing(get_db())[0]
        kept = outbox.get(get_db(), kept.id)
    assert kept.status == "sent" and kept.transport == "smtp"
    assert person.token not in kept.body_text and person.token not in kept.body_html
    assert "It is not kept in the outbox" in kept.body_text
    assert kept.subject == mail.subject
    assert kept.message_id == mail.message["Message-ID"]


def test_without_a_mail_server_messages_stay_in_the_outbox_links_included(
    tmp_path, template_database
):
    app = mail_app(tmp_path, template_database)  # no MAIL_SERVER
    current = open_round(app)
    (person,), done = invite(app, current, ("Tom", "tom@example.com", "en"))
    assert done.sent == 1
    with app.app_context():
        (kept,) = outbox.listing(get_db())[0]
        kept = outbox.get(get_db(), kept.id)
    assert kept.transport == "local"
    assert f"https://check.example.com/r/{person.token}" in kept.body_text


def test_the_message_id_is_the_same_for_every_try():
    first = compose.message_id("reminder:7:2026-12-12", 42, "Check <check@example.com>")
    assert first == compose.message_id("reminder:7:2026-12-12", 42, "Check <check@example.com>")
    assert first.startswith("<outbox-42-") and first.endswith("@example.com>")
    assert first != compose.message_id("reminder:7:2026-12-13", 42, "Check <check@example.com>")


def test_a_client_contact_is_asked_about_the_work_together_never_about_the_team(app, smtp):
    """A client contact's invitation and reminder are written for the client: no team
    wording ("how does this client treat the team"), no verdict words, in both languages."""
    with app.app_context():
        db = get_db()
        found = clients.create_client(db, name="Apex Retail")
        catalog = load_directory(app.config["QUESTIONS_DIR"])
        current = rounds.create_round(
            db,
            client_id=found.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=catalog["six-signs"],
            mirror=catalog["six-signs-client"],
            due_date="2026-12-15",
        )
        contacts = [
            respondents.add_respondent(
                db, current.id, name=name, email=email, side="client", client_role="owner"
            )
            for name, email in (("黄涛", "huang@example.com"), ("Kevin Moore", "kevin@example.com"))
        ]
        kinds.queue_invitations(db, current, contacts, by="test")
        kinds.queue_reminders(db, current, contacts, by="test", day=date(2026, 12, 12))
        assert deliver_due(app, db).sent == 4
    for address in ("huang@example.com", "kevin@example.com"):
        invitation, reminder = smtp.recorder.to(address)
        english, chinese = invitation.subject.split(" / ")
        assert english == "2026-Q4 · Quarterly review: how is our work together going?"
        assert chinese == "2026-Q4 · 季度复盘：我们的合作进展如何？"
        for mail in (invitation, reminder):
            for part in (mail.text(), mail.html()):
                assert "we see only the group's view" in part and "只看到整体" in part
                for internal in ("treat the team", "对待我们团队", "lord", "老爷", "Apex Retail ·"):
                    assert internal not in part
        assert "how our work together is going" in reminder.text()
