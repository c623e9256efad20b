"""An admin cannot become a member (issue 25, item 5): reset links instead of passwords
set by an admin, tried by a curious admin.

Who may reach what: ``/users/<id>/reset-link`` admins only (leads and members 403,
nobody is sent to log in, a respondent's or client's link holder has no login);
``/password-reset/<secret>`` whoever holds the link (it is public, one-time, expiring)."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, csrf_token
from smtp_helpers import mail_app

from assessment.cli.admin import set_password_command
from assessment.db import get_db
from assessment.store import draft_transfers, password_resets, respondents, responses, users

NEW = "violet harbour lantern"


def _login(client, email, password=PASSWORD) -> int:
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data).status_code


def _user_id(app, role) -> int:
    with app.app_context():
        return users.find_by_email(get_db(), f"{role}@example.com").id


def _member_answers(app, make_round, questionnaires):
    """The member in three rounds: an open anonymous one with a draft, an open anonymous
    one submitted, a named one with a draft. Returns the three invitations."""
    likert = next(i for i in questionnaires["six-signs"].items() if i.type == "likert")
    found = []
    for period, anonymous, submit in (
        ("2026-Q1", True, False),
        ("2026-Q2", True, True),
        ("2026-Q3", False, False),
    ):
        current, _ = make_round(respondents=0, period=period, anonymous=anonymous)
        with app.app_context():
            db = get_db()
            person = respondents.add_respondent(
                db, current.id, name="Member", email="member@example.com"
            )
            key = respondents.answer_key_hash("member-browser-key-0123456789")
            responses.save_response(
                db, person.id, {likert.id: 2}, {}, submit=submit, answer_key=key
            )
            found.append(respondents.get_respondent(db, person.id))
    assert all(person.user_id is not None for person in found)
    return found


def test_the_admin_edit_page_sets_no_password(app, client, auth):
    """The password field is gone; a password posted anyway changes nothing."""
    auth.login("admin")
    member_id = _user_id(app, "member")
    page = client.get(f"/users/{member_id}").text
    assert 'name="password"' not in page and "Password reset link" in page
    data = {"name": "Member", "role": "member", "active": "y", "password": NEW}
    data["csrf_token"] = csrf_token(client, f"/users/{member_id}")
    assert client.post(f"/users/{member_id}", data=data).status_code == 302
    assert _login(app.test_client(), "member@example.com", NEW) == 401
    assert _login(app.test_client(), "member@example.com") == 302


@pytest.mark.parametrize(("role", "status"), [("lead", 403), ("member", 403), (None, 302)])
def test_only_admins_reach_the_reset_link_page(app, client, auth, role, status):
    member_id = _user_id(app, "member")
    if role:
        auth.login(role)
    assert client.get(f"/users/{member_id}/reset-link").status_code == status
    response = client.post(f"/users/{member_id}/reset-link", data={})
    assert response.status_code in (400, 403, 302)
    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM password_resets").fetchone()[0] == 0


def test_an_admin_changes_their_own_password_like_everyone(app, client, auth):
    auth.login("admin")
    admin_id = _user_id(app, "admin")
    response = client.get(f"/users/{admin_id}/reset-link")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"


def test_with_a_mail_server_the_link_goes_to_the_user_alone(
    tmp_path, template_database, smtp, questionnaires
):
    """The curious admin sends a reset link: it reaches the member's inbox only (not the
    admin's page, not the outbox's copy, not the database in the clear); the member's
    answers are left alone; the link works once."""
    app = mail_app(tmp_path, template_database, **smtp.config())
    admin = app.test_client()
    assert _login(admin, "admin@example.com") == 302
    member = app.test_client()
    assert _login(member, "member@example.com") == 302
    member_id = _user_id(app, "member")
    page = admin.get(f"/users/{member_id}/reset-link").text
    assert "mailed to member@example.com" in page
    token = csrf_token(admin, f"/users/{member_id}/reset-link")
    sent = admin.post(f"/users/{member_id}/reset-link", data={"csrf_token": token})
    assert sent.status_code == 302
    assert "/password-reset/" not in admin.get(sent.headers["Location"]).text
    (mail,) = smtp.recorder.to("member@example.com")
    link = re.search(r"https://check\.example\.com(/password-reset/[\w.-]+)", mail.text()).group(1)
    secret = link.rsplit("/", 1)[1]
    with app.app_context():
        db = get_db()
        dump = "\n".join(str(tuple(row)) for row in db.execute("SELECT * FROM outbox"))
        dump += "\n".join(str(tuple(row)) for row in db.execute("SELECT * FROM password_resets"))
        assert secret not in dump and secret.split(".", 1)[1] not in dump
    # The admin, even holding the address of the page, has no link; a guess fails.
    assert admin.get("/password-reset/1.guess").status_code == 404
    # The member sets a password; their logins end; the link works once.
    form = member.get(link)
    assert form.status_code == 200 and "member@example.com" in form.text
    data = {"new": NEW, "confirm": NEW, "csrf_token": csrf_token(member, link)}
    assert member.post(link, data=data).status_code == 302
    assert _login(app.test_client(), "member@example.com") == 401
    assert _login(app.test_client(), "member@example.com", NEW) == 302
    again = app.test_client().get(link)
    assert again.status_code == 404 and "no longer works" in again.text
    with app.app_context():
        actions = [r[0] for r in get_db().execute("SELECT action FROM audit_log ORDER BY id")]
    assert "user.reset_link_sent" in actions and actions[-1] == "user.password_reset"


def test_without_a_mail_server_the_admin_holds_the_link_but_not_the_answers(
    app, client, auth, make_round, questionnaires
):
    """The curious admin: shown the member's link (no mail server), sets a password with
    it and logs in as the member. In the open anonymous rounds the account opens nothing
    any more, their draft is gone and their submitted answer is locked: not on the home
    page, not through the personal link (which an admin reads in the outbox when no
    mail server is configured). The named round is as it was."""
    draft, submitted, named = _member_answers(app, make_round, questionnaires)
    member_id = _user_id(app, "member")
    auth.login("admin")
    warning = client.get(f"/users/{member_id}/reset-link").text
    assert 'data-testid="release-warning"' in warning
    token = csrf_token(client, f"/users/{member_id}/reset-link")
    shown = client.post(f"/users/{member_id}/reset-link", data={"csrf_token": token})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    link = re.search(r'value="http://localhost(/password-reset/[\w.-]+)"', shown.text).group(1)
    assert "Invitations no longer opened through the account: 2." in shown.text
    assert "Drafts discarded: 1. Submitted answers locked (they still count): 1." in shown.text
    with app.app_context():
        db = get_db()
        after = {p.id: respondents.get_respondent(db, p.id) for p in (draft, submitted, named)}
        entry = db.execute(
            "SELECT details FROM audit_log WHERE action = 'user.reset_link_shown'"
        ).fetchone()[0]
    assert after[draft.id].user_id is None and after[draft.id].status == "invited"
    assert after[draft.id].answer_key is None  # starts afresh through the personal link
    assert after[submitted.id].user_id is None and after[submitted.id].status == "submitted"
    assert after[submitted.id].answer_key == respondents.LOCKED_KEY  # still counts, unseen
    assert after[named.id] == named  # a named round: nothing to protect, nothing changed
    assert '"answers_locked": 1' in entry
    # The admin becomes the member...
    auth.logout()
    data = {"new": NEW, "confirm": NEW, "csrf_token": csrf_token(client, link)}
    assert client.post(link, data=data).status_code == 302
    assert _login(client, "member@example.com", NEW) == 302
    home = client.get("/").text
    assert "2026-Q3" in home and "2026-Q1" not in home and "2026-Q2" not in home
    # ... and through the personal links sees nothing saved and cannot change it.
    page = client.get(f"/r/{submitted.token}").text
    assert "Answers have already been saved through this link from another browser" in page
    assert " checked" not in page  # the member's answer (a 2) is not shown
    token = csrf_token(client, f"/r/{submitted.token}")
    refused = client.post(f"/r/{submitted.token}", data={"csrf_token": token, "save_draft": "1"})
    assert refused.status_code == 403
    # The real member's browser (holding the old key) is locked out of it too: the
    # answer counts, and nobody ever sees it again.
    browser = app.test_client()
    browser.set_cookie(f"pc_answer_{submitted.id}", "member-browser-key-0123456789", path="/r/")
    page = browser.get(f"/r/{submitted.token}").text
    assert "Answers have already been saved through this link from another browser" in page
    assert " checked" not in page


def test_a_shown_reset_link_ends_offers_to_carry_a_draft(
    app, client, auth, make_round, questionnaires
):
    """Offers to continue on another device (a code on the screen, a link waiting for the
    worker) carry the member's answer key: once an admin is shown the member's reset link,
    none of them works any more, so the key cannot be carried to a browser the admin holds."""
    draft, submitted, _named = _member_answers(app, make_round, questionnaires)
    key = "member-browser-key-0123456789"
    with app.app_context():
        db = get_db()
        code = draft_transfers.offer_code(db, draft.id, key)
        offer = draft_transfers.offer_link(db, submitted.id, key, app.secret_key)
        assert draft_transfers.live_offers(db, draft.id) == 1
        assert draft_transfers.link_secret(db, offer, app.secret_key) is not None
    member_id = _user_id(app, "member")
    auth.login("admin")
    token = csrf_token(client, f"/users/{member_id}/reset-link")
    shown = client.post(f"/users/{member_id}/reset-link", data={"csrf_token": token})
    assert shown.status_code == 200
    with app.app_context():
        db = get_db()
        assert draft_transfers.live_offers(db, draft.id) == 0
        assert draft_transfers.live_offers(db, submitted.id) == 0
        assert draft_transfers.link_secret(db, offer, app.secret_key) is None  # never mailed
        with pytest.raises(draft_transfers.Unusable):
            draft_transfers.redeem_code(db, draft.id, code)


def test_reset_links_expire_and_a_newer_one_replaces_the_older(app):
    with app.app_context():
        db = get_db()
        member_id = users.find_by_email(db, "member@example.com").id
        first, first_secret = password_resets.issue(
            db, member_id, secret_key="k", delivery="mail", by=None
        )
        assert password_resets.find(db, first_secret) == first
        assert password_resets.secret_for(db, first.id, "k") == first_secret
        assert password_resets.secret_for(db, first.id, "another key") is None
        second, second_secret = password_resets.issue(
            db, member_id, secret_key="k", delivery="mail", by=None
        )
        assert password_resets.find(db, first_secret) is None  # replaced
        db.execute(
            "UPDATE password_resets SET expires_at = '2000-01-01T00:00:00+00:00' WHERE id = ?",
            [second.id],
        )
        assert password_resets.find(db, second_secret) is None  # expired
        with pytest.raises(password_resets.ResetRefused):
            password_resets.use(db, second_secret)
    assert app.test_client().get(f"/password-reset/{second_secret}").status_code == 404


def test_the_operators_set_password_puts_anonymous_answers_out_of_reach(
    app, make_round, questionnaires
):
    draft, submitted, named = _member_answers(app, make_round, questionnaires)
    result = app.test_cli_runner().invoke(
        set_password_command, ["member@example.com", "--password", NEW]
    )
    assert result.exit_code == 0, result.output
    assert "2 invitation(s) no longer opened through it" in result.output
    with app.app_context():
        db = get_db()
        assert respondents.get_respondent(db, submitted.id).answer_key == respondents.LOCKED_KEY
        assert respondents.get_respondent(db, draft.id).status == "invited"
        assert respondents.get_respondent(db, named.id).user_id is not None
        actor = db.execute(
            "SELECT actor FROM audit_log WHERE action = 'user.password_set_by_operator'"
        ).fetchone()[0]
    assert actor.startswith("command line")


def test_a_new_user_chooses_their_own_password_through_the_mailed_link(
    tmp_path, template_database, smtp
):
    """Creating a user sets no password the admin knows: the new user gets a welcome with
    a one-time link, in their language or both, and the admin's page shows no link."""
    app = mail_app(tmp_path, template_database, **smtp.config())
    admin = app.test_client()
    assert _login(admin, "admin@example.com") == 302
    data = {"email": "neu@example.com", "name": "Neu", "role": "member"}
    data["csrf_token"] = csrf_token(admin, "/users/")
    created = admin.post("/users/", data=data)
    assert created.status_code == 302 and created.headers["Location"] == "/users/"
    assert "/password-reset/" not in admin.get("/users/").text
    (mail,) = smtp.recorder.to("neu@example.com")
    english, chinese = mail.subject.split(" / ")
    assert english == "Your Partnership Check account: choose your password"
    assert "created an account for you" in mail.text() and "账户" in chinese
    link = re.search(r"https://check\.example\.com(/password-reset/[\w.-]+)", mail.text()).group(1)
    user = app.test_client()
    data = {"new": NEW, "confirm": NEW, "csrf_token": csrf_token(user, link)}
    assert user.post(link, data=data).status_code == 302
    assert _login(user, "neu@example.com", NEW) == 302
