"""The outbox: the store's slots and claims, and the admins' pages."""

from __future__ import annotations

from datetime import timedelta

from conftest import csrf_token
from smtp_helpers import mail_app

from assessment import clock
from assessment.db import get_db
from assessment.jobs.mail import deliver_due
from assessment.mail import kinds
from assessment.questionnaire import load_directory
from assessment.store import clients, outbox, respondents, rounds


def setup_round(app, *emails):
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name="Acme & <Sons>")
        q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        current = rounds.create_round(
            db, client_id=client.id, kind="kickoff", period="2026-Q4", questionnaire=q
        )
        people = [
            respondents.add_respondent(db, current.id, name=f"王{n}", email=email)
            for n, email in enumerate(emails)
        ]
        kinds.queue_invitations(db, current, people, by="lead@example.com")
        deliver_due(app, db)
    return current, people


def test_a_slot_takes_one_message_and_a_claim_one_worker(app):
    with app.app_context():
        db = get_db()
        message = outbox.NewMessage(key="k1", kind="invitation", to_address="a@example.com")
        assert len(outbox.queue(db, [message, message], queued_by="test")) == 1
        moment = clock.utc_now() + timedelta(seconds=1)
        now, later = clock.stamp(moment), clock.stamp(moment + timedelta(minutes=10))
        first = outbox.claim_next(db, worker="host:1", now=now, until=later)
        assert first.status == "sending" and first.attempts == 1
        assert outbox.claim_next(db, worker="host:2", now=now, until=later) is None
        # A claim that ran out is taken again (its worker died elsewhere).
        until = clock.stamp(moment + timedelta(minutes=20))
        again = outbox.claim_next(db, worker="host:2", now=later, until=until)
        assert again.id == first.id and again.attempts == 2 and again.claimed_by == "host:2"


def test_admins_read_each_message_as_its_recipient_sees_it(tmp_path, template_database):
    app = mail_app(tmp_path, template_database)  # the local outbox
    current, (person,) = setup_round(app, "wang@example.com")
    client = app.test_client()
    from conftest import AuthActions

    AuthActions(client).login("admin")
    page = client.get("/outbox/").get_data(as_text=True)
    assert "no mail server is configured" in page
    assert "王0" in page and "wang@example.com" in page
    assert "Acme &amp; &lt;Sons&gt; · 2026-Q4 · Kickoff: your view, please" in page
    assert "Not seen yet" in page or "Tasks run inside the web server" in page
    with app.app_context():
        (message,) = outbox.for_round(get_db(), current.id)
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert f'src="/outbox/{message.id}/html"' in page and "sandbox=" in page
    assert person.token in page  # the local outbox is the mailbox: the link is there
    framed = client.get(f"/outbox/{message.id}/html")
    csp = framed.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp and "sandbox" in csp
    assert "script-src" not in csp
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"
    body = framed.get_data(as_text=True)
    assert '<base target="_blank">' in body and "Acme &amp; &lt;Sons&gt;" in body
    assert client.get("/outbox/?status=failed").get_data(as_text=True).count("data-message=") == 0
    assert client.get("/outbox/?status=sent").get_data(as_text=True).count("data-message=") == 1


def test_with_a_mail_server_the_outbox_keeps_no_personal_link(tmp_path, template_database, smtp):
    app = mail_app(tmp_path, template_database, **smtp.config())
    _current, (person,) = setup_round(app, "wang@example.com")
    client = app.test_client()
    from conftest import AuthActions

    AuthActions(client).login("admin")
    page = client.get("/outbox/").get_data(as_text=True)
    assert f"127.0.0.1:{smtp.port}" in page
    page = client.get("/outbox/1").get_data(as_text=True)
    assert "handed to the mail server" in page and person.token not in page
    assert person.token not in client.get("/outbox/1/html").get_data(as_text=True)
    assert person.token in smtp.received[0].text()


def test_a_failed_message_can_be_sent_again(tmp_path, template_database, smtp):
    smtp.recorder.refuse["wang@example.com"] = "550 mailbox full"
    app = mail_app(tmp_path, template_database, **smtp.config())
    current, (_person,) = setup_round(app, "wang@example.com")
    client = app.test_client()
    from conftest import AuthActions

    AuthActions(client).login("admin")
    page = client.get("/outbox/1").get_data(as_text=True)
    assert "the mail server refused the address: 550 mailbox full" in page
    del smtp.recorder.refuse["wang@example.com"]
    response = client.post(
        "/outbox/1/retry",
        data={"csrf_token": csrf_token(client, "/outbox/1")},
        follow_redirects=True,
    )
    assert "The message will be sent again." in response.get_data(as_text=True)
    assert len(smtp.received) == 1  # immediate mode: sent at once
    with app.app_context():
        (message,) = outbox.for_round(get_db(), current.id)
        assert message.status == "sent"
        assert outbox.refused_addresses(get_db(), current.id) == {}
