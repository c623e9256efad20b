"""Sessions and bad input against the real server (gunicorn, two workers), as deployed
behind the documented nginx: TRUSTED_PROXIES = 1 and SESSION_COOKIE_SECURE = true, every
request carrying the headers nginx adds.

Cookies captured before logout are replayed afterwards, several times so that both
workers (each with its own cache of verified cookies) answer them.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import sqlite3
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from live_server_helpers import (
    CSRF_RE,
    HOST,
    LiveServer,
    make_instance,
    prepare_round,
    request,
    serve_command,
)

from assessment.db import get_db
from assessment.store import users

WORKERS = 2
PASSWORD = "correct horse battery"
SITE = "check.example.com"
PROXY = {  # what nginx sends (docs/operations.md), the client being 203.0.113.7
    "Host": SITE,
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": SITE,
}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live-security")
    database = folder / "live.sqlite3"
    app = make_instance(folder / "instance", database)
    with (folder / "instance" / "config.toml").open("a", encoding="utf-8") as config:
        config.write("SESSION_COOKIE_SECURE = true\nTRUSTED_PROXIES = 1\n")
    with app.app_context():
        users.create_user(get_db(), email="lead@example.com", password=PASSWORD, role="lead")
    _round, tokens = prepare_round(app, 1)
    server = LiveServer(
        serve_command(WORKERS),
        folder,
        workers=WORKERS,
        env={"ASSESSMENT_INSTANCE_PATH": str(folder / "instance")},
    )
    try:
        yield {"server": server.start(), "database": database, "token": tokens[0]}
    finally:
        server.stop()


class Browser:
    """Cookies kept as a browser keeps them; every request through the "proxy"."""

    def __init__(self, port: int, **cookies: str):
        self.port = port
        self.cookies = dict(cookies)
        self.set_cookie_headers: list[str] = []

    def send(self, method: str, path: str, body: str | None = None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {**PROXY, "Referer": f"https://{SITE}{path}"}
        status, response_headers, text = request(
            self.port, method, path, body, cookie, headers=headers
        )
        for header in response_headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value and "1970" not in morsel["expires"]:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return status, response_headers, text

    def get(self, path: str):
        return self.send("GET", path)

    def post(self, path: str, data: dict, form_page: str):
        csrf = CSRF_RE.search(self.get(form_page)[2]).group(1)
        return self.send("POST", path, urlencode({**data, "csrf_token": csrf}))

    def login(self, remember: bool = False):
        data = {"email": "lead@example.com", "password": PASSWORD}
        if remember:
            data["remember"] = "y"
        status, headers, _text = self.post("/login", data, "/login")
        assert status == 302 and headers["Location"] == "/", status

    def logout(self):
        status, _headers, _text = self.post("/logout", {}, "/")
        assert status == 302


def _logged_in(port: int, **cookies: str) -> list[bool]:
    """Whether each of several requests with only ``cookies`` was let in."""
    return [Browser(port, **cookies).get("/")[0] == 200 for _ in range(2 * WORKERS)]


def test_a_session_cookie_captured_before_logout_is_refused_after_it(live):
    port = live["server"].port
    browser = Browser(port)
    browser.login()
    captured = browser.cookies["session"]
    assert _logged_in(port, session=captured) == [True] * (2 * WORKERS)
    browser.logout()
    assert _logged_in(port, session=captured) == [False] * (2 * WORKERS)
    status, headers, _text = Browser(port, session=captured).get("/")
    assert status == 302 and headers["Location"].startswith("/login")


def test_a_remember_me_cookie_captured_before_logout_is_refused_after_it(live):
    port = live["server"].port
    browser = Browser(port)
    browser.login(remember=True)
    captured = browser.cookies["remember_token"]
    assert _logged_in(port, remember_token=captured) == [True] * (2 * WORKERS)
    browser.logout()
    assert "remember_token" not in browser.cookies
    assert _logged_in(port, remember_token=captured) == [False] * (2 * WORKERS)


def test_behind_the_proxy_cookies_are_secure_and_https_is_kept(live):
    port = live["server"].port
    browser = Browser(port)
    browser.login(remember=True)
    status, headers, _text = browser.get("/")
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["Cache-Control"] == "no-store"
    browser.logout()
    assert browser.set_cookie_headers
    for cookie in browser.set_cookie_headers:
        assert "; Secure" in cookie, cookie


def test_login_throttling_counts_the_client_address_not_the_proxys(live):
    browser = Browser(live["server"].port)
    data = {"email": "nobody@example.com", "password": "wrong password"}
    assert browser.post("/login", data, "/login")[0] == 401
    with sqlite3.connect(live["database"]) as conn:
        addresses = {row[0] for row in conn.execute("SELECT ip FROM login_failures")}
    assert addresses == {"203.0.113.7"}


def test_the_respondent_form_is_no_store(live):
    status, headers, text = Browser(live["server"].port).get(f"/r/{live['token']}")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert CSRF_RE.search(text)


def _counts(database) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _chunked_post(port: int, path: str, cookie: str, body: bytes) -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        headers = {
            **PROXY,
            "Referer": f"https://{SITE}{path}",
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
        # the server may answer and close before the whole body is sent
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_the_413_page_and_stores_nothing(live):
    port, token = live["server"].port, live["token"]
    browser = Browser(port)
    csrf = CSRF_RE.search(browser.get(f"/r/{token}")[2]).group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    before = _counts(live["database"])
    body = f"csrf_token={csrf}&save=y&padding=".encode() + b"x" * (2 * 1024 * 1024 + 1)
    status, text = _chunked_post(port, f"/r/{token}", cookie, body)
    assert status == 413
    assert "Too large" in text and "form has expired" not in text
    assert _counts(live["database"]) == before


def test_an_id_too_large_for_sqlite_is_404(live):
    browser = Browser(live["server"].port)
    browser.login()
    for path in ("/rounds/99999999999999999999", "/clients/9223372036854775808/edit"):
        status, _headers, text = browser.get(path)
        assert status == 404 and re.search(r"Page not found", text), path
    assert "Traceback" not in live["server"].text()
