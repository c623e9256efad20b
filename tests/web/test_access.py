"""Deny by default: every route needs a login unless it is marked public."""

import pytest
from conftest import PASSWORD, csrf_token

PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    # Single sign-on's start and the provider's answer (issue 29).
    "sso.start",
    "sso.callback",
    "i18n.switch_language",
    "respond.answer",
    "respond.autosave",
    # Carrying a draft to another device, through the personal link (issue 25).
    "draft_transfer.offer",
    "draft_transfer.enter_code",
    "draft_transfer.mailed",
    "draft_transfer.start_again",
    "team.from_link",
    "results.shared_pdf",
    "evidence.incident_from_link",  # issue 28: the team logs incidents through its links
    "brand.logo",  # the firm's logo: client contacts have no login (issue 24)
    "password_reset.reset",  # the one-time link a user chooses a password with (issue 25)
    # The API: no login cookie, its own gate (a token in the Authorization header, else
    # 401: web/api.py, tests/web/test_api.py); its description holds no data.
    "api.openapi",
    "api.client_list",
    "api.client_detail",
    "api.client_rounds",
    "api.client_actions",
    "api.my_rounds",
    "api.round_detail",
    "api.round_results",
    "api.portfolio",
}


def _protected_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith("bootstrap."):
            continue
        yield rule


def test_only_the_known_endpoints_are_public(app):
    from assessment.web.access import is_public

    with app.test_request_context():
        public = {rule.endpoint for rule in app.url_map.iter_rules() if is_public(rule.endpoint)}
    assert public == PUBLIC_ENDPOINTS - {"static"}


@pytest.mark.parametrize("path", ["/", "/logout"])
def test_known_routes_require_login(client, path):
    response = client.get(path) if path != "/logout" else client.post(path)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login?next=")


def test_every_protected_route_redirects_anonymous_users(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    checked = 0
    for rule in _protected_rules(app):
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<{name}>", "1").replace(f"<int:{name}>", "1")
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, (rule, response.status_code)
        assert response.headers["Location"].startswith("/login"), rule
        checked += 1
    assert checked >= 2


def test_static_files_and_bootstrap_assets_are_public(client):
    assert client.get("/static/app.css").status_code == 200
    response = client.get("/login")
    assert b"bootstrap.min.css" in response.data
    asset = response.data.split(b'href="')[1].split(b'"')[0].decode()
    assert asset.startswith("/"), "Bootstrap must be served locally, not from a CDN"
    assert client.get(asset).status_code == 200


def test_a_remember_me_cookie_alone_still_logs_in_on_a_respondent_link(app, client, make_round):
    _round_id, tokens = make_round(respondents=1)
    client.post(
        "/login",
        data={
            "email": "lead@example.com",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_token(client),
        },
    )
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")  # the browser was closed: only the remember cookie
    page = client.get(f"/r/{tokens[0]}").get_data(as_text=True)
    assert "/logout" in page  # rendered for the logged-in lead
    stranger = app.test_client().get(f"/r/{tokens[0]}").get_data(as_text=True)
    assert "/logout" not in stranger  # and not compiled into the respondents' page
