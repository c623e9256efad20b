"""A lead's work survives an expired session (issue 25, item 3; assessment/web/resume.py).

Who may see ``/resume``: the logged-in person whose browser posted the form (a form posted
while logged in comes back only to that user); anyone else logged in finds nothing there,
and nobody logged out reaches it (tests/web/test_access_matrix.py)."""

from __future__ import annotations

import io

from conftest import PASSWORD, csrf_token

from assessment.db import get_db
from assessment.store import respondents


def _login(client, role="lead", url="/login"):
    """Log in from ``url`` (the login page keeps its ``next`` in the form's address)."""
    data = {"email": f"{role}@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)}
    return client.post(url, data=data)


def _names(app, round_id):
    with app.app_context():
        return [p.name for p in respondents.list_respondents(get_db(), round_id)]


def _stashes(app) -> int:
    with app.app_context():
        return get_db().execute("SELECT COUNT(*) FROM form_stashes").fetchone()[0]


def _send_resumed(client, page: str):
    """What a person does on the resumed page: press its button (the form as shown)."""
    import re

    action = re.search(r'action="([^"]+)"[^>]*data-testid="resumed-form"', page).group(1)
    data = {}
    form = page[page.index('data-testid="resumed-form"') :]
    form = form[: form.index("</form>")]
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            data[name.group(1)] = value.group(1) if value else ""
    for name, value in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected', form, re.S
    ):
        data[name] = value
    return client.post(action.replace("&amp;", "&"), data=data)


def test_an_expired_login_keeps_the_form_and_completes_it_after_login(app, client, make_round):
    """The login ended (expired on the server) while the round page was open: the post is
    not carried out, the lead is asked to log in, and the form comes back as typed, sent
    with one click."""
    current, _ = make_round(respondents=0)
    _login(client)
    token = csrf_token(client, f"/rounds/{current.id}")
    with app.app_context():
        get_db().execute("DELETE FROM user_sessions")  # the login expired
    posted = client.post(
        f"/rounds/{current.id}/respondents",
        data={
            "csrf_token": token,
            "name": "Emma Li",
            "email": "emma@example.com",
            "role": "finance",
            "language": "zh-CN",
        },
    )
    assert posted.status_code == 302
    assert posted.headers["Location"] == "/login?next=/resume"
    assert _names(app, current.id) == []  # nothing done without a login
    login_page = client.get("/login?next=/resume").text
    assert "Your session has expired, so nothing was sent yet" in login_page
    logged_in = _login(client, url="/login?next=/resume")
    assert logged_in.headers["Location"] == "/resume"
    page = client.get("/resume").text
    assert 'value="Emma Li"' in page and 'value="emma@example.com"' in page
    assert '<option value="finance" selected>' in page
    assert '<option value="zh-CN" selected>' in page
    assert f'action="/rounds/{current.id}/respondents"' in page
    assert _names(app, current.id) == []  # shown, not sent
    sent = _send_resumed(client, page)
    assert sent.status_code == 302, sent.text
    with app.app_context():
        (emma,) = respondents.list_respondents(get_db(), current.id)
    assert (emma.name, emma.email, emma.role, emma.language) == (
        "Emma Li",
        "emma@example.com",
        "finance",
        "zh-CN",
    )
    # The key worked once: the form is gone from the server and the session.
    assert _stashes(app) == 0
    assert client.get("/resume").status_code == 302


def test_a_stale_csrf_token_brings_the_form_back_with_a_fresh_one(app, client, make_round):
    """Still logged in, but the page's token is from before a new login in another tab:
    no bare 400; the form again, filled in, with a fresh token."""
    current, _ = make_round(respondents=0)
    _login(client)
    old = csrf_token(client, f"/rounds/{current.id}")
    client.post("/logout", data={"csrf_token": old})
    _login(client)  # a new CSRF secret: the old page's token no longer matches
    posted = client.post(
        f"/rounds/{current.id}/client-contacts",
        data={
            "csrf_token": old,
            "name": "黄涛",
            "email": "huang@example.com",
            "client_role": "owner",
        },
    )
    assert posted.status_code == 303 and posted.headers["Location"] == "/resume"
    page = client.get("/resume").text
    assert "had been open too long" in page and 'value="黄涛"' in page
    assert _send_resumed(client, page).status_code == 302
    assert _names(app, current.id) == ["黄涛"]


def test_a_lost_session_cookie_keeps_the_form_too(app, client, make_round):
    current, _ = make_round(respondents=0)
    _login(client)
    token = csrf_token(client, f"/rounds/{current.id}")
    client.delete_cookie("session")
    posted = client.post(
        f"/rounds/{current.id}/respondents",
        data={"csrf_token": token, "name": "Bo", "email": "", "role": "other"},
    )
    assert posted.status_code == 302 and posted.headers["Location"] == "/login?next=/resume"
    _login(client)
    page = client.get("/resume").text
    assert 'value="Bo"' in page
    assert _send_resumed(client, page).status_code == 302
    assert _names(app, current.id) == ["Bo"]


def test_passwords_and_files_are_never_kept(app, client, make_round):
    current, _ = make_round(respondents=0)
    _login(client, "admin")
    token = csrf_token(client, "/users/")
    client.delete_cookie("session")
    client.post(
        "/users/",
        data={
            "csrf_token": token,
            "email": "new@example.com",
            "role": "lead",
            "password": "secret words here",
        },
    )
    with app.app_context():
        (kept,) = get_db().execute("SELECT fields FROM form_stashes").fetchone()
    assert "new@example.com" in kept and "secret words" not in kept
    assert token not in kept
    _login(client, "admin")
    page = client.get("/resume").text
    assert 'value="new@example.com"' in page and "secret words" not in page
    # A file: the rest is kept, the file asked for again.
    _login_token = csrf_token(client, f"/rounds/{current.id}")
    client.delete_cookie("session")
    client.post(
        f"/rounds/{current.id}/respondents/import",
        data={"csrf_token": _login_token, "file": (io.BytesIO(b"name\nAnn\n"), "p.csv")},
    )
    _login(client, "admin")
    page = client.get("/resume").text
    assert 'type="file"' in page and "choose the file again" in page
    assert _names(app, current.id) == []


def test_a_form_kept_for_one_user_never_comes_back_to_another(app, client, make_round):
    current, _ = make_round(respondents=0)
    _login(client, "lead")
    old = csrf_token(client, f"/rounds/{current.id}")
    client.post("/logout", data={"csrf_token": old})
    _login(client, "lead")
    client.post(
        f"/rounds/{current.id}/respondents",
        data={"csrf_token": old, "name": "Private", "role": "other"},
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _login(client, "admin")
    page = client.get("/resume", follow_redirects=True).text
    assert "Private" not in page and "There is no form to resume" in page


def test_forged_or_foreign_posts_are_refused_as_before(app, client, make_round):
    """No token at all, or a post from another site: a 400 and nothing kept."""
    current, _ = make_round(respondents=0)
    _login(client)
    data = {"name": "X", "role": "other"}
    assert client.post(f"/rounds/{current.id}/respondents", data=data).status_code == 400
    client.delete_cookie("session")
    foreign = client.post(
        f"/rounds/{current.id}/respondents",
        data={**data, "csrf_token": "forged"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 400
    assert _stashes(app) == 0
    # Logging in or out is never kept.
    client.post(
        "/login", data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": "x"}
    )
    assert _stashes(app) == 0


def test_a_stale_login_or_logout_page_is_shown_again_not_refused(app, client):
    """Logging in from a page whose token went stale: the login page again, with a word,
    never a bare 400; logging out likewise asks for one more click."""
    token = csrf_token(client)
    client.delete_cookie("session")
    data = {"email": "lead@example.com", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=/clients/", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/clients/"
    assert "open too long" in client.get(response.headers["Location"]).text
    assert _stashes(app) == 0
    _login(client)
    stale = csrf_token(client, "/")
    client.post("/logout", data={"csrf_token": stale})
    _login(client)
    response = client.post("/logout", data={"csrf_token": stale})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # still logged in: nothing done unasked
