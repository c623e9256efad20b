"""Delivering the outbox (assessment.jobs.mail) to a real SMTP server on 127.0.0.1:
retries, refusals, a server that is down and comes back, a worker killed mid-send."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta

import pytest
from smtp_helpers import mail_app

from assessment import clock, create_app
from assessment.db import get_db
from assessment.jobs import mail as delivery
from assessment.jobs import queue, tasks
from assessment.jobs.process import worker_command
from assessment.mail import kinds
from assessment.questionnaire import load_directory
from assessment.store import clients, outbox, respondents, responses, rounds

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def app(tmp_path, template_database, smtp):
    return mail_app(tmp_path, template_database, **smtp.config())


def make_round(app, emails, *, anonymous=True):
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name="Acme")
        q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        current = rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=q,
            due_date="2026-12-15",
            anonymous=anonymous,
        )
        people = [
            respondents.add_respondent(
                db, current.id, name=f"Person {n}", email=email, language="en"
            )
            for n, email in enumerate(emails)
        ]
    return current, people


def queue_invitations(app, current, people):
    with app.app_context():
        return kinds.queue_invitations(get_db(), current, people, by="test")


def statuses(app) -> dict[int, tuple[str, int, str | None]]:
    with app.app_context():
        found, _total = outbox.listing(get_db(), limit=1000)
    return {m.id: (m.status, m.attempts, m.last_error) for m in found}


def recipients(smtp) -> list[str]:
    return sorted(r for m in smtp.received for r in m.rcpt_tos)


def deliver(app, now=None):
    with app.app_context():
        return delivery.deliver_due(app, get_db(), now=now)


def test_each_invitation_is_delivered_once_and_recorded(app, smtp):
    current, people = make_round(app, ["a@example.com", "b@example.com", None])
    ids = queue_invitations(app, current, people)
    assert len(ids) == 2  # nobody without an email
    assert queue_invitations(app, current, people) == []  # the same slots: nothing new
    done = deliver(app)
    assert (done.sent, done.failed) == (2, 0)
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == [
        "a@example.com",
        "b@example.com",
    ]
    assert {s for s, _a, _e in statuses(app).values()} == {"sent"}
    assert deliver(app).sent == 0  # nothing is sent twice
    assert len(smtp.received) == 2


def test_a_refused_recipient_is_marked_and_the_others_go_on(app, smtp):
    smtp.recorder.refuse["b@example.com"] = "550 5.1.1 <b@example.com>: no such user"
    current, people = make_round(app, ["a@example.com", "b@example.com", "c@example.com"])
    queue_invitations(app, current, people)
    done = deliver(app)
    assert (done.sent, done.failed) == (2, 1)
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == [
        "a@example.com",
        "c@example.com",
    ]
    with app.app_context():
        db = get_db()
        refused = outbox.refused_addresses(db, current.id)
        (failed,) = [m for m in outbox.for_round(db, current.id) if m.status == "failed"]
    assert refused == {people[1].id: failed.last_error}
    assert failed.last_error == (
        "the mail server refused the address: 550 5.1.1 <b@example.com>: no such user"
    )
    assert failed.attempts == 1  # refused for good: not tried again


def test_smtp_down_then_up_loses_nothing(app, smtp):
    current, people = make_round(app, [f"p{n}@example.com" for n in range(5)])
    queue_invitations(app, current, people)
    smtp.stop()
    start = clock.utc_now()
    done = deliver(app, now=start)
    assert done.sent == 0 and done.unreachable.startswith("cannot reach the mail server")
    before = statuses(app)
    assert {(s, a) for s, a, _e in before.values()} == {("queued", 1)}  # all waiting, once
    assert all(
        e.startswith("cannot reach the mail server: 127.0.0.1:") for _s, _a, e in before.values()
    )
    # Before the next try is due, nothing is attempted.
    assert deliver(app, now=start + timedelta(seconds=30)).unreachable is None
    # Down again at the second try: each waits longer (1 min, then 5 min).
    done = deliver(app, now=start + timedelta(seconds=61))
    assert {(s, a) for s, a, _e in statuses(app).values()} == {("queued", 2)}
    smtp.start()  # back up
    assert deliver(app, now=start + timedelta(seconds=120)).sent == 0  # next try not due yet
    done = deliver(app, now=start + timedelta(seconds=61 + 301))
    assert done.sent == 5
    assert Counter(r for m in smtp.received for r in m.rcpt_tos) == Counter(
        {f"p{n}@example.com": 1 for n in range(5)}
    )
    assert {s for s, _a, _e in statuses(app).values()} == {"sent"}


def test_a_message_that_never_gets_through_fails_with_its_reason(app, smtp):
    current, people = make_round(app, ["a@example.com"])
    queue_invitations(app, current, people)
    smtp.recorder.temporary = "451 4.3.0 Mailbox busy, try again later"
    moment = clock.utc_now()
    for attempt in range(len(delivery.RETRY_DELAYS) + 1):
        done = deliver(app, now=moment)
        ((status, attempts, error),) = statuses(app).values()
        assert attempts == attempt + 1
        if attempt < len(delivery.RETRY_DELAYS):
            assert status == "queued" and done.retrying == 1
            moment += timedelta(seconds=delivery.RETRY_DELAYS[attempt] + 1)
    assert status == "failed"
    assert error == "the mail server refused the address: 451 4.3.0 Mailbox busy, try again later"
    assert moment - clock.utc_now() > timedelta(hours=46)  # nearly two days of trying
    assert smtp.received == []


def test_messages_no_longer_needed_are_cancelled_not_sent(app, smtp):
    current, people = make_round(app, ["a@example.com", "b@example.com", "c@example.com"])
    queue_invitations(app, current, people)
    with app.app_context():
        db = get_db()
        q = current.questionnaire
        answers = {item.id: 3 for item in q.items() if getattr(item, "scale", None)}
        responses.save_response(db, people[0].id, answers, {}, submit=True)
        respondents.remove_respondent(db, people[1].id)
    deliver(app)
    assert [r for m in smtp.received for r in m.rcpt_tos] == ["c@example.com"]
    with app.app_context():
        reasons = sorted(
            m.last_error for m in outbox.for_round(get_db(), current.id) if m.status == "cancelled"
        )
    assert reasons == ["the person was removed from the round", "they have submitted their answers"]


def test_a_new_link_gets_a_new_invitation_and_the_mail_carries_the_link_that_works(app, smtp):
    current, (person,) = make_round(app, ["a@example.com"])
    queue_invitations(app, current, [person])
    with app.app_context():
        renewed = respondents.reissue_token(get_db(), person.id)
    (_second,) = queue_invitations(app, current, [renewed])  # a new slot: a new link
    deliver(app)
    (mail,) = smtp.received  # the first, for the old link, is not sent
    assert renewed.token in mail.text() and person.token not in mail.text()
    with app.app_context():
        first, second = outbox.for_round(get_db(), current.id)
    assert first.status == "cancelled" and first.last_error.startswith("a new link replaced")
    assert second.status == "sent"


def ask_for_delivery(app) -> None:
    """What the web app does after queuing mail: a task for the worker (which also
    delivers every minute on its own)."""
    with app.app_context():
        queue.enqueue(tasks.deliver_mail)


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(tmp_path, smtp):
    """A real `assessment worker` process is killed (SIGKILL) while the server is slowly
    answering for the third message; a new worker sends the rest, each message once."""
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "config.toml").write_text(
        f"DATABASE = {str(tmp_path / 'db.sqlite3')!r}\n"
        f"QUESTIONS_DIR = {os.path.join(REPO_ROOT, 'questions')!r}\n"
        f'MAIL_SERVER = "127.0.0.1"\nMAIL_PORT = {smtp.port}\nMAIL_TIMEOUT = 10\n'
        'PUBLIC_URL = "https://check.example.com"\n',
        encoding="utf-8",
    )
    app = create_app(instance_path=str(folder))
    current, people = make_round(app, [f"p{n}@example.com" for n in range(6)])
    queue_invitations(app, current, people)
    smtp.recorder.rcpt_delay = 0.6  # each message takes a while: time to be killed mid-send
    env = {**os.environ, "ASSESSMENT_INSTANCE_PATH": str(folder)}
    log = (tmp_path / "worker.log").open("ab")
    first = subprocess.Popen(worker_command("--workers", "1"), env=env, stdout=log, stderr=log)
    ask_for_delivery(app)
    try:
        # Wait until the third message is in the middle of its SMTP exchange (its
        # recipient asked, not yet answered).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(smtp.recorder.rcpts_seen) < 3:
            time.sleep(0.02)
        assert len(smtp.recorder.rcpts_seen) == 3, (tmp_path / "worker.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert len(smtp.received) == 2
    in_flight = [m for m in statuses(app).values() if m[0] == "sending"]
    assert len(in_flight) == 1  # claimed by the dead worker
    smtp.recorder.rcpt_delay = 0
    second = subprocess.Popen(worker_command("--workers", "1"), env=env, stdout=log, stderr=log)
    ask_for_delivery(app)
    try:
        smtp.wait_for(6, timeout=90)
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)
        log.close()
    counts = Counter(r for m in smtp.received for r in m.rcpt_tos)
    assert counts == Counter({f"p{n}@example.com": 1 for n in range(6)}), counts
    assert {s for s, _a, _e in statuses(app).values()} == {"sent"}
    assert "left by a worker that stopped" in (tmp_path / "worker.log").read_text()
