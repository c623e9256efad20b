"""A round's mail through the web: invitations when people are added, links kept from
leads in anonymous rounds, the sending log, Remind now, the due date."""

from __future__ import annotations

import re

import pytest
from conftest import csrf_token
from smtp_helpers import mail_app

from assessment import clock
from assessment.db import get_db
from assessment.questionnaire import load_directory
from assessment.store import audit, clients, outbox, respondents, responses, rounds


@pytest.fixture
def app(tmp_path, template_database, smtp):
    return mail_app(tmp_path, template_database, **smtp.config())


def new_round(app, *, anonymous=True, due="2030-06-30", period="2026-Q4", mirror=False):
    """A round of Acme's; with ``mirror``, client contacts can answer it too."""
    with app.app_context():
        db = get_db()
        client = clients.find_by_name(db, "Acme") or clients.create_client(db, name="Acme")
        catalog = load_directory(app.config["QUESTIONS_DIR"])
        return rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period=period,
            questionnaire=catalog["six-signs"],
            mirror=catalog["six-signs-client"] if mirror else None,
            due_date=due,
            anonymous=anonymous,
        )


def add(client, current, name, email="", role="delivery"):
    return client.post(
        f"/rounds/{current.id}/respondents",
        data={
            "name": name,
            "email": email,
            "role": role,
            "csrf_token": csrf_token(client, f"/rounds/{current.id}"),
        },
        follow_redirects=True,
    )


def post(client, url, round_id, **data):
    token = csrf_token(client, f"/rounds/{round_id}")
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)


def people_of(app, current):
    with app.app_context():
        return respondents.list_respondents(get_db(), current.id)


def test_adding_someone_with_an_email_sends_their_invitation(app, client, auth, smtp):
    auth.login("lead")
    current = new_round(app)
    page = add(client, current, "王芳", "wang@example.com").get_data(as_text=True)
    assert "Their invitation is on its way." in page
    (person,) = people_of(app, current)
    (mail,) = smtp.received
    assert mail.rcpt_tos == ["wang@example.com"]
    assert f"https://check.example.com/r/{person.token}" in mail.text()
    # Anonymous round, mail through a server: the lead never sees the link.
    assert person.token not in page
    assert "Sent by mail to wang@example.com" in page
    assert 'data-kind="invitation" data-status="sent"' in page
    with app.app_context():
        entries = [e.action for e in audit.entries(get_db())]
    assert "personal_link.issued" in entries


def test_adding_a_client_contact_with_an_email_sends_the_clients_invitation(
    app, client, auth, smtp
):
    current = new_round(app, anonymous=False, mirror=True)  # named: contacts are not
    auth.login("lead")
    page = post(
        client,
        f"/rounds/{current.id}/client-contacts",
        current.id,
        name="Kevin Moore",
        email="kevin@example.com",
        client_role="owner",
    ).get_data(as_text=True)
    assert "Kevin Moore added. Their invitation is on its way." in page
    (contact,) = people_of(app, current)
    assert contact.side == "client" and contact.token not in page  # always anonymous
    # ... within the client group; the round itself is named, and the page says so
    assert "as the round is anonymous" not in page
    assert "as client contacts always answer anonymously within the client group" in page
    (mail,) = smtp.wait_for(1)
    assert mail.rcpt_tos == ["kevin@example.com"]
    assert mail.subject.startswith("2026-Q4 · Quarterly review: how is our work together going?")
    assert f"https://check.example.com/r/{contact.token}" in mail.text()


def test_someone_without_an_email_keeps_their_link_on_the_page(app, client, auth, smtp):
    auth.login("lead")
    current = new_round(app)
    page = add(client, current, "Tom").get_data(as_text=True)
    assert "Send them their personal link." in page
    (person,) = people_of(app, current)
    assert person.token in page and smtp.received == []


def test_a_named_round_shows_links_as_before(app, client, auth, smtp):
    auth.login("lead")
    current = new_round(app, anonymous=False)
    page = add(client, current, "Tom", "tom@example.com").get_data(as_text=True)
    (person,) = people_of(app, current)
    assert person.token in page and len(smtp.received) == 1


def test_without_a_mail_server_links_stay_visible_and_mail_waits_in_the_outbox(
    tmp_path, template_database
):
    app = mail_app(tmp_path, template_database)
    client = app.test_client()
    from conftest import AuthActions

    AuthActions(client).login("lead")
    current = new_round(app)
    page = add(client, current, "Tom", "tom@example.com").get_data(as_text=True)
    (person,) = people_of(app, current)
    assert person.token in page
    assert "No mail server is configured" in page
    with app.app_context():
        (message,) = outbox.for_round(get_db(), current.id)
    assert message.status == "sent" and message.transport == "local"


def test_a_refused_address_is_shown_with_its_reason_and_the_link_comes_back(
    app, client, auth, smtp
):
    smtp.recorder.refuse["nobody@example.com"] = "550 5.1.1 No such user"
    auth.login("lead")
    current = new_round(app)
    add(client, current, "Tom", "tom@example.com")
    page = add(client, current, "Nobody", "nobody@example.com").get_data(as_text=True)
    tom, nobody = people_of(app, current)
    assert 'data-testid="mail-failed"' in page
    assert "the mail server refused the address: 550 5.1.1 No such user" in page
    assert nobody.token in page  # the lead must deliver it another way
    assert tom.token not in page
    # In Chinese, the reason is translated and the server's words kept.
    client.post(
        "/language", data={"language": "zh-CN", "next": "/", "csrf_token": csrf_token(client, "/")}
    )
    page = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    assert "邮件服务器拒绝了该地址：550 5.1.1 No such user" in page
    # Remind now leaves the refused address out.
    post(client, f"/rounds/{current.id}/remind", current.id)
    assert [m.rcpt_tos for m in smtp.received].count(["nobody@example.com"]) == 0
    assert len(smtp.recorder.to("tom@example.com")) == 2


def test_importing_people_invites_those_with_an_email(app, client, auth, smtp):
    auth.login("lead")
    current = new_round(app)
    csv = (
        "name,email,role\n王芳,wang@example.com,finance\nTom,,delivery\nPriya,priya@example.com,\n"
    )
    import io

    response = client.post(
        f"/rounds/{current.id}/respondents/import",
        data={
            "file": (io.BytesIO(csv.encode()), "people.csv"),
            "csrf_token": csrf_token(client, f"/rounds/{current.id}"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "3 respondents imported." in page and "2 invitations are on their way." in page
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == [
        "priya@example.com",
        "wang@example.com",
    ]


def test_a_new_link_is_mailed_and_the_old_one_stops_working(app, client, auth, smtp):
    auth.login("lead")
    current = new_round(app)
    add(client, current, "Tom", "tom@example.com")
    (before,) = people_of(app, current)
    page = post(
        client, f"/rounds/{current.id}/respondents/{before.id}/new-link", current.id
    ).get_data(as_text=True)
    assert "the new one is on its way by mail" in page
    (after,) = people_of(app, current)
    assert after.token != before.token
    first, second = smtp.received
    assert before.token in first.text() and after.token in second.text()
    assert client.get(f"/r/{before.token}").status_code == 404


def test_send_the_invitation_again_once_a_day(app, client, auth, smtp):
    auth.login("lead")
    current = new_round(app)
    add(client, current, "Tom", "tom@example.com")
    (person,) = people_of(app, current)
    url = f"/rounds/{current.id}/respondents/{person.id}/invite"
    assert "is on its way again" in post(client, url, current.id).get_data(as_text=True)
    assert "already sent again today" in post(client, url, current.id).get_data(as_text=True)
    assert len(smtp.received) == 2


def test_send_invitations_to_everyone_not_invited_yet(app, client, auth, smtp):
    current = new_round(app)
    with app.app_context():  # added before mail existed, or by a script
        db = get_db()
        added = [
            respondents.add_respondent(db, current.id, name=f"P{n}", email=f"p{n}@example.com")
            for n in range(4)
        ]
    submit(app, added[3])  # answered through a link handed over by hand: needs no invitation
    auth.login("lead")
    page = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    assert "Send invitations to 3 people not invited yet" in page
    page = post(client, f"/rounds/{current.id}/invitations", current.id).get_data(as_text=True)
    assert "3 invitations are on their way." in page
    assert "not invited yet" not in page
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == [
        "p0@example.com",
        "p1@example.com",
        "p2@example.com",
    ]


def submit(app, person, *, draft=False):
    with app.app_context():
        db = get_db()
        current = rounds.get_round(db, person.round_id)
        answers = {item.id: 3 for item in current.questionnaire.items() if hasattr(item, "scale")}
        responses.save_response(db, person.id, answers, {}, submit=not draft)


def test_remind_now_reaches_only_those_who_have_not_submitted_never_twice_a_day(
    app, client, auth, smtp
):
    auth.login("lead")
    current = new_round(app)
    for name in ("Ann", "Bob", "Cy"):
        add(client, current, name, f"{name.lower()}@example.com")
    add(client, current, "Dee")  # no email
    ann, bob, _cy, _dee = people_of(app, current)
    submit(app, ann)
    submit(app, bob, draft=True)
    smtp.received.clear()
    page = post(client, f"/rounds/{current.id}/remind", current.id).get_data(as_text=True)
    assert "2 reminders are on their way." in page
    assert "1 person without an email has not submitted" in page
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == [
        "bob@example.com",
        "cy@example.com",
    ]
    (bob_mail,) = smtp.recorder.to("bob@example.com")
    assert "you have a draft" in bob_mail.subject
    assert "Open the link in the browser you saved the draft in" in bob_mail.text()
    (cy_mail,) = smtp.recorder.to("cy@example.com")
    assert "a reminder to answer" in cy_mail.subject
    page = post(client, f"/rounds/{current.id}/remind", current.id).get_data(as_text=True)
    assert "0 reminders" not in page and "Nobody was reminded, for the reasons below." in page
    assert "2 people were already reminded today (never twice a day)." in page
    assert len(smtp.received) == 2
    submit(app, bob)  # everyone with an email has submitted or was reminded: said so
    submit(app, _cy)
    page = post(client, f"/rounds/{current.id}/remind", current.id).get_data(as_text=True)
    assert "Nobody was reminded, for the reasons below." in page
    assert "1 person without an email has not submitted" in page
    log = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    assert log.count('data-kind="reminder" data-status="sent"') == 2
    with app.app_context():
        (entry,) = [e for e in audit.entries(get_db()) if e.action == "mail.reminders_queued"]
    assert entry.actor == "lead@example.com" and entry.details["count"] == 2


def test_remind_now_with_everyone_submitted_says_so(app, client, auth):
    """A lead of the round: Remind now when nobody is left says why nobody was reminded."""
    auth.login("lead")
    current = new_round(app)
    add(client, current, "Ann", "ann@example.com")
    (ann,) = people_of(app, current)
    submit(app, ann)
    page = post(client, f"/rounds/{current.id}/remind", current.id).get_data(as_text=True)
    assert "Nobody was reminded: everyone has submitted." in page


def test_a_refused_address_is_given_as_the_reason_nobody_was_reminded(app, client, auth):
    auth.login("lead")
    current = new_round(app)
    add(client, current, "Eve", "eve@example.com")
    (eve,) = people_of(app, current)
    with app.app_context():
        outbox.set_address_refused(get_db(), eve.id, "550 no such user")
    page = post(client, f"/rounds/{current.id}/remind", current.id).get_data(as_text=True)
    assert "Nobody was reminded, for the reasons below." in page
    assert "1 person was not reminded: the mail server refused their address." in page


def test_a_due_date_moved_to_today_shows_no_reminder_in_the_past(app, client, auth):
    """The round page (a lead's): with the due date today and reminders three days
    before, the automatic reminder is today, not three days ago; drafts are reminded
    once more on the due date."""
    auth.login("lead")
    current = new_round(app, due="2030-06-30")
    today = clock.local_today(app.config).isoformat()
    url = f"/rounds/{current.id}/schedule"
    page = post(client, url, current.id, due_date=today, reminder_days="3").get_data(as_text=True)
    assert f"Automatic reminder on {today} to those who have not submitted." in page
    assert f"On {today}, the last day, those with a draft not submitted" in page


def test_the_due_date_can_be_extended_while_open_never_into_the_past(app, client, auth):
    auth.login("lead")
    current = new_round(app, due="2030-06-30")
    url = f"/rounds/{current.id}/schedule"
    page = post(client, url, current.id, due_date="2030-07-15", reminder_days="2").get_data(
        as_text=True
    )
    assert "Answers are now due 2030-07-15" in page
    assert "Automatic reminder on 2030-07-13" in page
    with app.app_context():
        changed = rounds.get_round(get_db(), current.id)
    assert (changed.due_date, changed.reminder_days) == ("2030-07-15", 2)
    yesterday = clock.local_today(app.config).toordinal() - 1
    from datetime import date

    past = date.fromordinal(yesterday).isoformat()
    page = post(client, url, current.id, due_date=past, reminder_days="2").get_data(as_text=True)
    assert "The due date cannot be in the past." in page
    page = post(client, url, current.id, due_date="2030-07-15", reminder_days="99").get_data(
        as_text=True
    )
    assert re.search(r"Reminder, days before: Number must be between 0 and 60", page)
    with app.app_context():
        assert rounds.get_round(get_db(), current.id).due_date == "2030-07-15"
        db = get_db()
        entry = next(e for e in audit.entries(db) if e.action == "round.due_date_changed")
    assert entry.details["was"] == "2030-06-30" and entry.details["due_date"] == "2030-07-15"
    post(client, f"/rounds/{current.id}/close", current.id)
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, f"/rounds/{current.id}"), "due_date": "2030-08-01"},
    )
    assert response.status_code == 403
