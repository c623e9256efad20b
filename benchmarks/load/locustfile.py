"""Locust users for the load test; ``run_load.py`` runs them (see benchmarks/README.md).

``Respondent``: each simulated respondent takes the next entry of the file named by
``LOAD_RESPONDENTS`` (a JSON list of personal tokens with the form data of a draft and of a
full submission), opens the form, saves the draft, opens the form again (as the redirect
would), submits, and from then on re-opens their form until the run ends. Every submission
answered with a redirect is appended (one token a line) to the file named by ``LOAD_ACKS``,
so the runner can check that each one is stored, and the browser's answer-key cookie to
the file named by ``LOAD_KEYS`` (one JSON object a line).

With ``LOAD_SUBMITTED`` set (the runner's later slices, after everybody has submitted),
a respondent starts with the answer-key cookie of the browser that submitted (a new locust
process is a new browser, which would otherwise get the locked page "another browser"
sees) and only re-opens their form, each one checked to show their saved answers.

``Hello``: GET / only, for the bare hello-world app, checked the same way.

Neither waits between requests (``constant(0)``): the point is the throughput the server
can sustain, not a realistic pace.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import re
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

# Bytes, not text: decoding every 70 KB page cost locust a third of a millisecond a
# request, CPU the server it shares the machine with could not use.
CSRF_RE = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
HELLO_RE = re.compile(rb"Hello, World!")
SAVED = b" checked"  # a saved answer, as the compiled page marks it
ANSWER_KEY_COOKIE = "pc_answer_"
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"}
PAGE_HEADERS = {"Accept-Language": "en"}

_respondents: list[dict] | None = None
_keys: dict[str, list[dict]] | None = None
_taken = itertools.count()  # users are greenlets of one process: a plain counter will do


def _next_respondent() -> dict | None:
    global _respondents
    if _respondents is None:
        path = Path(os.environ["LOAD_RESPONDENTS"])
        _respondents = json.loads(path.read_text(encoding="utf-8"))["respondents"]
    index = next(_taken)
    return _respondents[index] if index < len(_respondents) else None


def _acknowledge(token: str, jar: http.cookiejar.CookieJar) -> None:
    path = os.environ.get("LOAD_ACKS")
    if path:
        with open(path, "a", encoding="utf-8") as acks:
            acks.write(token + "\n")
    path = os.environ.get("LOAD_KEYS")
    if path:
        cookies = [
            {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path}
            for c in jar
            if c.name.startswith(ANSWER_KEY_COOKIE)
        ]
        with open(path, "a", encoding="utf-8") as keys:
            keys.write(json.dumps({"token": token, "cookies": cookies}) + "\n")


def _answer_keys(token: str) -> list[dict]:
    """The answer-key cookies the browser that submitted through ``token`` held."""
    global _keys
    if _keys is None:
        lines = Path(os.environ["LOAD_KEYS"]).read_text(encoding="utf-8").splitlines()
        _keys = {entry["token"]: entry["cookies"] for entry in map(json.loads, lines)}
    return _keys.get(token, [])


def _cookie(name: str, value: str, domain: str, path: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        version=0, name=name, value=value, port=None, port_specified=False,
        domain=domain, domain_specified=False, domain_initial_dot=False,
        path=path, path_specified=True, secure=False, expires=None, discard=True,
        comment=None, comment_url=None, rest={},
    )  # fmt: skip


class Respondent(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        me = _next_respondent()
        if me is None:
            raise StopUser()  # more users than prepared respondents
        self.token = me["token"]
        self.path = f"/r/{self.token}"
        self.draft = me["draft"]
        self.answers = me["submit"]
        self.submitted = bool(os.environ.get("LOAD_SUBMITTED"))
        if self.submitted:
            keys = _answer_keys(self.token)
            if not keys:
                raise StopUser()  # never submitted: nothing to re-open as its browser
            for cookie in keys:
                self.client.cookiejar.set_cookie(_cookie(**cookie))

    def open_form(self) -> str | None:
        """GET the form; the CSRF token on it, or None (and a failure) if there is none."""
        with self.client.get(
            self.path, name="GET /r/[token]", headers=PAGE_HEADERS, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return None
            found = CSRF_RE.search(response.content or b"")
            if not found:
                response.failure("no CSRF token on the form")
                return None
            if self.submitted and SAVED not in response.content:
                response.failure("the saved answers are not shown (not this browser's?)")
                return None
            return found.group(1).decode()

    def post(self, csrf: str, data: dict, button: str, name: str) -> bool:
        """POST the form as a button would; success is a redirect back to the form."""
        body = urlencode({**data, "csrf_token": csrf, button: "y"})
        with self.client.post(
            self.path,
            data=body,
            name=name,
            headers=FORM_HEADERS,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code in (302, 303) and location.endswith(self.path):
                response.success()
                return True
            response.failure(f"status {response.status_code}, Location {location!r}")
            return False

    @task
    def respond(self) -> None:
        csrf = self.open_form()
        if self.submitted or csrf is None:
            return
        if not self.post(csrf, self.draft, "save", "POST /r/[token] save draft"):
            return
        csrf = self.open_form()
        if csrf is None:
            return
        if self.post(csrf, self.answers, "submit_answers", "POST /r/[token] submit"):
            self.submitted = True
            _acknowledge(self.token, self.client.cookiejar)


class Hello(FastHttpUser):
    """The same client work per request as ``Respondent.open_form`` (a checked response,
    its body searched), so that the two runs differ in the server only: on a machine
    locust shares with the server, a lighter client leaves the server more CPU."""

    wait_time = constant(0)

    @task
    def hello(self) -> None:
        with self.client.get(
            "/", name="GET / (hello world)", headers=PAGE_HEADERS, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif not HELLO_RE.search(response.content or b""):
                response.failure("not the hello page")
