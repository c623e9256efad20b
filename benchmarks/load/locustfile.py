"""Locust users for the load test; ``run_load.py`` runs them (see benchmarks/README.md).

``Respondent``: each simulated respondent takes the next entry of the file named by
``LOAD_RESPONDENTS`` (a JSON list of personal tokens with the form data of a draft and of a
full submission), opens the form, saves the draft, opens the form again (as the redirect
would), submits, and from then on re-opens their form until the run ends. Every submission
answered with a redirect is appended (one token a line) to the file named by ``LOAD_ACKS``,
so the runner can check that each one is stored.

``Hello``: GET / only, for the bare hello-world app, checked the same way.

Neither waits between requests (``constant(0)``): the point is the throughput the server
can sustain, not a realistic pace.
"""

from __future__ import annotations

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
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"}
PAGE_HEADERS = {"Accept-Language": "en"}

_respondents: list[dict] | None = None
_taken = itertools.count()  # users are greenlets of one process: a plain counter will do


def _next_respondent() -> dict | None:
    global _respondents
    if _respondents is None:
        path = Path(os.environ["LOAD_RESPONDENTS"])
        _respondents = json.loads(path.read_text(encoding="utf-8"))["respondents"]
    index = next(_taken)
    return _respondents[index] if index < len(_respondents) else None


def _acknowledge(token: str) -> None:
    path = os.environ.get("LOAD_ACKS")
    if path:
        with open(path, "a", encoding="utf-8") as acks:
            acks.write(token + "\n")


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
        self.submitted = False

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
            _acknowledge(self.token)


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
