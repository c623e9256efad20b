"""Running the real server (``assessment serve``, gunicorn) on loopback, for tests and benchmarks.

Nothing here depends on pytest, so ``benchmarks/load/run_load.py`` uses it too. A server
runs in a session of its own (``start_new_session``): its process group holds the gunicorn
master and every worker, so ``kill()`` ends all of them at once, and ``stop()`` always
leaves nothing running. Requests go to 127.0.0.1 only, with a timeout on each.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from assessment import create_app
from assessment.db import get_db
from assessment.questionnaire import ChoiceItem, LikertItem, NumberItem, TextItem, load_directory
from assessment.store import clients, rounds
from assessment.store.respondents import add_respondent
from assessment.web.answer_form import comment_field, item_field

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REQUEST_TIMEOUT = 30


class ServerError(RuntimeError):
    """The server did not start, or stopped when it should not have."""


def make_instance(folder: Path, database: Path):
    """An instance folder whose config.toml names ``database``; returns the app built on it
    (which makes the secret key and migrates the database)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        f"DATABASE = {str(database)!r}\nQUESTIONS_DIR = {str(REPO_ROOT / 'questions')!r}\n",
        encoding="utf-8",
    )
    app = create_app(instance_path=str(folder))
    if app.config["DATABASE"] != str(database):
        raise ServerError(f"instance uses {app.config['DATABASE']}, not {database}")
    return app


def prepare_round(app, respondents: int, *, client_name: str = "Load Test Ltd"):
    """One open quarterly round of the six-signs questionnaire with ``respondents``
    respondents; returns the round and their tokens, in order."""
    with app.app_context():
        db = get_db()
        questionnaire = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        client = clients.create_client(db, name=client_name)
        current = rounds.create_round(
            db, client_id=client.id, kind="quarterly", period="2026-Q4", questionnaire=questionnaire
        )
        tokens = [
            add_respondent(db, current.id, name=f"Respondent {n:03}", role="delivery").token
            for n in range(respondents)
        ]
    return current, tokens


def serve_command(workers: int, *, with_worker: bool = False) -> list[str]:
    """``assessment serve`` on a free loopback port, with this Python's install (without
    the background worker unless asked: a test's rounds close only when it says so)."""
    script = Path(sys.executable).with_name("assessment")
    if script.exists():
        command = [str(script)]
    else:  # not installed as a script beside this Python: run the same entry point
        command = [sys.executable, "-c", "from assessment.__main__ import main; main()"]
    worker = "--with-worker" if with_worker else "--without-worker"
    return [*command, "serve", "--host", HOST, "--port", "0", "--workers", str(workers), worker]


class LiveServer:
    """A gunicorn server started from ``command``, logging into ``folder``.

    ``ready_path`` is fetched until it answers 200; ``port`` is read from gunicorn's
    "Listening at" line, so the command should bind port 0 on 127.0.0.1.
    """

    def __init__(
        self,
        command: list[str],
        folder: Path,
        *,
        workers: int,
        env: dict[str, str] | None = None,
        ready_path: str = "/login",
        name: str = "gunicorn",
    ):
        self.command = command
        self.workers = workers
        self.ready_path = ready_path
        self.log = folder / f"{name}.log"
        self.access_log = folder / f"{name}.access.log"
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(folder), **(env or {})}
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    def start(self, timeout: float = 30) -> LiveServer:
        offset = len(self.text())  # a restart appends to the same log
        with self.log.open("ab") as errors, self.access_log.open("ab") as access:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=access,
                stderr=errors,
                start_new_session=True,  # a process group of its own: master and workers
            )
        try:
            self.port = self._wait_until_serving(timeout, offset)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_serving(self, timeout: float, offset: int) -> int:
        deadline = time.monotonic() + timeout
        port = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"server exited with {self.process.returncode}:\n{self.text()}")
            text = self.text()[offset:]
            found = re.findall(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if found:
                port = int(found[-1])
            if port and text.count("Booting worker") >= self.workers:
                try:
                    status, _headers, _body = request(port, "GET", self.ready_path, timeout=5)
                except OSError:
                    status = None
                if status == 200:
                    return port
            time.sleep(0.1)
        raise ServerError(f"server did not start in {timeout} s:\n{self.text()}")

    @property
    def pgid(self) -> int:
        return self.process.pid  # start_new_session: the master leads its own group

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once, as a power cut would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_for_group_exit(self.pgid, timeout=10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL to the whole group if need be. Idempotent."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        if group_members(self.pgid):  # a worker left behind (the master is reaped by now)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=5)
        wait_for_group_exit(self.pgid, timeout=5)

    def text(self) -> str:
        return read(self.log)

    def access_lines(self) -> list[str]:
        return read(self.access_log).splitlines()


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc (without /proc: the
    group leader's id, so that callers signal the group anyway)."""
    if not Path("/proc/self/stat").exists():
        return [pgid]
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()  # after "pid (comm) "
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


def wait_for_group_exit(pgid: int, timeout: float) -> list[int]:
    """Wait until no live process is left in the group; returns any that are."""
    if not Path("/proc/self/stat").exists():
        return []
    deadline = time.monotonic() + timeout
    while True:
        left = group_members(pgid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def request(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    cookie: str = "",
    *,
    timeout: float = REQUEST_TIMEOUT,
    headers: dict[str, str] | None = None,
):
    """One request to 127.0.0.1:port (``headers`` added); returns status, headers and
    body text."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Accept-Language": "en", **(headers or {})}
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def open_form(port: int, token: str) -> tuple[str, str]:
    """GET the respondent's form: the session cookie and the CSRF token to post with."""
    status, headers, page = request(port, "GET", f"/r/{token}")
    if status != 200:
        raise AssertionError(f"GET /r/{token}: {status}")
    jar = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        jar.load(header)
    csrf = CSRF_RE.search(page)
    if not csrf:
        raise AssertionError("no CSRF token on the form")
    return "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items()), csrf.group(1)


def merge_cookies(cookie: str, headers) -> str:
    """The Cookie header to send next: ``cookie`` updated with a response's Set-Cookie."""
    jar = SimpleCookie()
    if cookie:
        jar.load(cookie)
    for header in headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items())


def page_with_csrf(port: int, path: str, cookie: str = "") -> tuple[str, str]:
    """GET a page: the (updated) cookie and the CSRF token of its first form."""
    status, headers, page = request(port, "GET", path, cookie=cookie)
    if status != 200:
        raise AssertionError(f"GET {path}: {status}")
    csrf = CSRF_RE.search(page)
    if not csrf:
        raise AssertionError(f"no CSRF token on {path}")
    return merge_cookies(cookie, headers), csrf.group(1)


def log_in(port: int, email: str, password: str) -> str:
    """Log in through the login form; the session cookie."""
    cookie, csrf = page_with_csrf(port, "/login")
    body = urlencode({"email": email, "password": password, "csrf_token": csrf})
    status, headers, _page = request(port, "POST", "/login", body, cookie=cookie)
    if status not in (302, 303):
        raise AssertionError(f"login as {email}: {status}")
    return merge_cookies(cookie, headers)


def post_form(port: int, token: str, cookie: str, csrf: str, data: dict, *, submit: bool):
    """POST the form as its "Submit anyway" (on the review of unanswered items) or "Save
    draft" button would."""
    form = {
        **data,
        "csrf_token": csrf,
        **({"submit_answers": "anyway"} if submit else {"save": "y"}),
    }
    return request(port, "POST", f"/r/{token}", urlencode(form), cookie=cookie)


def applicable_items(questionnaire, kind: str) -> list:
    return [item for item in questionnaire.items() if item.applies(kind)]


def answer_value(item, n: int) -> str:
    """The form value respondent ``n`` gives ``item``; varies with ``n``."""
    if isinstance(item, LikertItem):
        return str(n % 5 + 1)
    if isinstance(item, NumberItem):
        return str(int(item.min) + n % 5)
    if isinstance(item, ChoiceItem):
        return item.options[n % len(item.options)].id
    if isinstance(item, TextItem):
        return f"Observation from respondent {n}."
    raise AssertionError(f"unknown item type {item.type}")


def complete_answers(questionnaire, kind: str, n: int) -> dict[str, str]:
    """A full submission (every item of the round and a comment per sign), as form data."""
    data = {
        item_field(item.id): answer_value(item, n) for item in applicable_items(questionnaire, kind)
    }
    for sign in questionnaire.signs:
        data[comment_field(sign.id)] = f"Comment {n} on {sign.id}."
    return data


def draft_answers(questionnaire, kind: str, n: int) -> dict[str, str]:
    """A partial draft: every other item, with values unlike the full submission's."""
    items = applicable_items(questionnaire, kind)[::2]
    data = {item_field(item.id): answer_value(item, n + 2) for item in items}
    data[comment_field(questionnaire.signs[0].id)] = f"Draft note {n}."
    return data
