"""A curious lead against the real server: every way issue 13 found to learn what one
person answered in an anonymous round, tried over HTTP against ``assessment serve``
(gunicorn), yields nothing individual. Each attempt also runs on a named round, where
the same steps do show the person's answers: so each test can fail, and shows what the
anonymous round holds back.

The respondents answer through their links as they would in a browser; the lead logs in
with a password and uses only pages, downloads and links. See docs/anonymity.md.
"""

from __future__ import annotations

import csv
import http.client
import io
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pypdf
import pytest
from live_server_helpers import (
    CSRF_RE,
    HOST,
    LiveServer,
    complete_answers,
    make_instance,
    open_form,
    post_form,
    serve_command,
)

from assessment.db import get_db
from assessment.questionnaire import load_directory
from assessment.store import audit, clients, respondents, responses, rounds, users

PASSWORD = "a curious lead's password"
WORKERS = 1


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("curious")
    app = make_instance(folder / "instance", folder / "curious.sqlite3")
    with app.app_context():
        users.create_user(
            get_db(), email="curious@example.com", password=PASSWORD, role="lead", name="Cu"
        )
    return {"app": app, "folder": folder}


@pytest.fixture(scope="module")
def server(instance):
    live = LiveServer(
        serve_command(WORKERS),
        instance["folder"],
        workers=WORKERS,
        env={"ASSESSMENT_INSTANCE_PATH": str(instance["folder"] / "instance")},
    )
    try:
        yield live.start()
    finally:
        live.stop()


class Browser:
    """One browser: its own cookies, raw bytes back (PDFs and CSV files too)."""

    def __init__(self, port: int):
        self.port = port
        self.jar = SimpleCookie()

    def request(self, method: str, path: str, data: dict | None = None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Accept-Language": "en"}
        cookie = "; ".join(f"{k}={m.value}" for k, m in self.jar.items() if m.value)
        if cookie:
            headers["Cookie"] = cookie
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                self.jar.load(header)
            return response.status, response.read()
        finally:
            connection.close()

    def get(self, path: str):
        return self.request("GET", path)

    def text(self, path: str) -> tuple[int, str]:
        status, body = self.get(path)
        return status, body.decode("utf-8", "replace")

    def post(self, path: str, data: dict, *, form_page: str):
        _status, page = self.text(form_page)
        token = CSRF_RE.search(page)
        assert token, f"no CSRF token on {form_page}"
        return self.request("POST", path, {**data, "csrf_token": token.group(1)})

    def login(self) -> Browser:
        status, _ = self.post(
            "/login",
            {"email": "curious@example.com", "password": PASSWORD},
            form_page="/login",
        )
        assert status == 302, "logged in"
        return self


@pytest.fixture
def lead(server):
    return Browser(server.port).login()


_names = iter(range(1000))


@pytest.fixture
def make(instance):
    """An open round of its own (a new client each time) with ``roles`` respondents."""
    app = instance["app"]

    def make(anonymous: bool, roles=("delivery",) * 4):
        with app.app_context():
            db = get_db()
            q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
            client = clients.create_client(db, name=f"Client {next(_names)}")
            current = rounds.create_round(
                db,
                client_id=client.id,
                kind="quarterly",
                period="2026-Q4",
                questionnaire=q,
                anonymous=anonymous,
            )
            people = [
                respondents.add_respondent(db, current.id, name=f"Person {n}", role=role)
                for n, role in enumerate(roles)
            ]
        return current, people

    return make


def answer(port: int, current, person, n: int) -> None:
    """Person ``n`` submits a full set of answers through their link, as in a browser."""
    cookie, csrf = open_form(port, person.token)
    data = complete_answers(current.questionnaire, current.kind, n)
    status, _headers, _body = post_form(port, person.token, cookie, csrf, data, submit=True)
    assert status == 302, f"{person.name} submitted"


def close(lead: Browser, current) -> None:
    url = f"/rounds/{current.id}"
    status, _ = lead.post(f"{url}/close", {}, form_page=url)
    assert status == 302


def pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def personal(text: str, n: int) -> bool:
    """Whether ``text`` holds something only person ``n`` wrote (a comment, a text answer)."""
    return f"Comment {n} on" in text or f"Observation from respondent {n}." in text


# --- the attempts -------------------------------------------------------------------------


@pytest.mark.parametrize("anonymous", [True, False])
def test_opening_someone_elses_link(server, lead, make, anonymous):
    """The lead has every link. In an anonymous round, opening one (logged in, or in a
    private window) shows nothing that person saved, and nothing can be changed."""
    current, people = make(anonymous)
    answer(server.port, current, people[0], 0)

    status, page = lead.text(f"/r/{people[0].token}")
    assert status == 200 and not personal(page, 0), "logged in: never shown, in any round"
    status, _ = lead.post(
        f"/r/{people[0].token}",
        {"c_boundaries": "changed by the lead", "submit_answers": "y"},
        form_page=f"/r/{people[0].token}",
    )
    assert status == 403, "logged in: refused, in any round"

    private = Browser(server.port)  # a private window: no login, no answer key
    status, page = private.text(f"/r/{people[0].token}")
    assert status == 200
    # A change to a submission keeps an answered question (store.responses).
    likert = next(i for i in current.questionnaire.items() if i.type == "likert")
    status, _ = private.post(
        f"/r/{people[0].token}",
        {"c_boundaries": "changed in private", f"q_{likert.id}": "3", "save": "y"},
        form_page=f"/r/{people[0].token}",
    )
    with instance_db(server) as db:
        saved = responses.load_draft(db, people[0].id).comments["boundaries"]
        refused = [e for e in audit.entries(db) if e.action == "personal_link.refused"]
    assert refused and refused[0].actor == "curious@example.com"
    if anonymous:
        assert not personal(page, 0)
        assert status == 403 and saved == "Comment 0 on boundaries."
    else:  # a named round's link shows and changes what was saved
        assert personal(page, 0)
        assert status == 302 and saved == "changed in private"


@pytest.mark.parametrize("anonymous", [True, False])
def test_export_with_one_or_two_submitted(server, lead, make, anonymous):
    current, people = make(anonymous)
    url = f"/rounds/{current.id}"
    for n in range(2):
        answer(server.port, current, people[n], n)
        status, body = lead.get(f"{url}/answers.csv")
        if anonymous:
            assert status == 403 and not personal(body.decode(), n), "open: nothing"
        else:
            rows = csv_rows(body)
            assert status == 200 and {r["respondent"] for r in rows} == {
                f"Person {k}" for k in range(n + 1)
            }
    close(lead, current)  # two answers: under the floor of three
    status, body = lead.get(f"{url}/answers.csv")
    _, pdf = lead.get(f"{url}/report.pdf")
    _, json_body = lead.get(f"{url}/answers.json")
    if anonymous:
        assert status == 403 and b"Withheld to protect anonymity" in body
        for text in (body.decode(), json_body.decode("utf-8", "replace")):
            assert not personal(text, 0) and not personal(text, 1)
        assert not pdf.startswith(b"%PDF")
    else:
        assert status == 200 and personal(body.decode(), 1) and pdf.startswith(b"%PDF")


@pytest.mark.parametrize("anonymous", [True, False])
def test_export_before_and_after_a_submission(server, lead, make, anonymous):
    """Two exports around one person's submission would isolate that person's rows."""
    current, people = make(anonymous)
    url = f"/rounds/{current.id}"
    for n in range(3):
        answer(server.port, current, people[n], n)
    if anonymous:
        assert lead.get(f"{url}/answers.csv")[0] == 403, "nothing while open"
        close(lead, current)
    status, before = lead.get(f"{url}/answers.csv")
    assert status == 200
    if anonymous:  # reopening to let one more person in is refused
        status, _ = lead.post(f"{url}/reopen", {}, form_page=url)
        assert status == 303
        cookie, csrf = open_form(server.port, people[3].token)
        data = complete_answers(current.questionnaire, current.kind, 3)
        status, *_ = post_form(server.port, people[3].token, cookie, csrf, data, submit=True)
        assert status == 403, "the round stays closed"
    else:
        answer(server.port, current, people[3], 3)
    status, after = lead.get(f"{url}/answers.csv")
    assert status == 200
    new_rows = [row for row in csv_rows(after) if row not in csv_rows(before)]
    if anonymous:
        assert after == before and new_rows == []
        assert {row["respondent"] for row in csv_rows(after)} == {""}
    else:  # the difference is exactly person 3's answers, under their name
        assert new_rows and {row["respondent"] for row in new_rows} == {"Person 3"}


@pytest.mark.parametrize("anonymous", [True, False])
@pytest.mark.parametrize("count", [2, 3])
def test_lowest_and_highest_with_two_or_three(server, lead, make, anonymous, count):
    current, people = make(anonymous, roles=("delivery",) * count)
    url = f"/rounds/{current.id}"
    for n in range(count):
        answer(server.port, current, people[n], n)
    close(lead, current)
    status, body = lead.get(f"{url}/report.pdf")
    _, page = lead.text(f"{url}/results")
    extremes = re.compile(r"lowest \d+, highest \d+")
    if anonymous and count < 3:
        assert status == 403 and not body.startswith(b"%PDF")
        assert not extremes.search(page) and 'data-testid="index"' not in page
        assert "Withheld to protect anonymity" in page
        return
    assert status == 200
    text = pdf_text(body)
    exact_agreement = re.compile(r"r\s*wg\s*[01]\.\d\d")
    if anonymous:
        assert not extremes.search(text) and not extremes.search(page)
        assert not exact_agreement.search(text) and not exact_agreement.search(page)
        assert "agreement" in text, "agreement in words"
        assert "favourable" in text, "a coarse distribution instead"
    else:
        assert extremes.search(text)
        assert exact_agreement.search(text)


@pytest.mark.parametrize("anonymous", [True, False])
def test_live_subtraction(server, lead, make, anonymous):
    """Scores read before and after one submission would give that person's scores."""
    current, people = make(anonymous)
    url = f"/rounds/{current.id}"
    seen = []
    for n in range(4):
        answer(server.port, current, people[n], n)
        _, page = lead.text(url)
        found = re.search(r'data-testid="index">(\d+)<', page)
        seen.append(found.group(1) if found else None)
        for path in ("/results", "/charts/radar.svg", "/report.pdf"):
            status, _body = lead.get(url + path)
            assert (status == 200) is (not anonymous), path
        status, _ = lead.post(
            f"{url}/share", {"language": "en", "days": "3"}, form_page=f"{url}/results"
        )
        assert (status == 302) is (not anonymous), "share link"
        if anonymous:
            assert 'data-sign="' not in page and "Results come when the round closes" in page
            assert f"{n + 1} submitted" in page, "progress is shown"
    if anonymous:
        assert seen == [None] * 4
    else:
        # The six-signs questionnaire scores from two answers; then the score moves.
        assert None not in seen[1:] and len(set(seen[1:])) > 1, "it moves with each answer"


@pytest.mark.parametrize("anonymous", [True, False])
def test_a_role_of_one(server, lead, make, anonymous):
    current, people = make(anonymous, roles=("delivery", "delivery", "delivery", "finance"))
    for n, person in enumerate(people):
        answer(server.port, current, person, n)
    close(lead, current)
    status, body = lead.get(f"/rounds/{current.id}/report.pdf")
    assert status == 200
    text = pdf_text(body)
    by_role = re.findall(r"By role: ([^:]*?)(?: Coverage|$)", text)
    if anonymous:  # finance alone would be one person; with delivery it is everyone
        assert by_role == [] and "Finance 1" not in text
    else:
        assert by_role and all("Finance" in line for line in by_role)


@pytest.mark.parametrize("anonymous", [True, False])
def test_comments_below_the_text_floor(server, lead, make, anonymous):
    current, people = make(anonymous)
    for n, person in enumerate(people):
        answer(server.port, current, person, n)
    close(lead, current)  # four answers: results shown, comments (floor 5) not
    _, page = lead.text(f"/rounds/{current.id}/results")
    _, body = lead.get(f"/rounds/{current.id}/report.pdf")
    text = pdf_text(body)
    if anonymous:
        assert "Comments and answers to open questions are withheld to protect anonymity" in page
        assert not any(personal(page, n) or personal(text, n) for n in range(4))
    else:
        assert personal(page, 0) and "— Person 0" in page and personal(text, 3)


def test_everything_the_lead_did_is_in_the_audit_log(server, lead, make):
    current, people = make(True)
    for n, person in enumerate(people[:3]):
        answer(server.port, current, person, n)
    close(lead, current)
    url = f"/rounds/{current.id}"
    lead.get(f"{url}/results")
    lead.get(f"{url}/report.pdf")
    lead.get(f"{url}/answers.csv")
    lead.post(f"{url}/respondents/{people[3].id}/new-link", {}, form_page=url)
    with instance_db(server) as db:
        mine = [
            (e.actor, e.action, e.details.get("page"))
            for e in reversed(audit.entries(db, limit=1000))
            if e.object_id == current.id and e.object_type == "round"
        ]
    assert mine == [
        ("curious@example.com", "round.closed", None),
        ("curious@example.com", "results.viewed", "results"),
        ("curious@example.com", "results.viewed", "pdf"),
        ("curious@example.com", "answers.exported", None),
        ("curious@example.com", "results.viewed", "round"),
        ("curious@example.com", "personal_link.reissued", None),
    ]


class instance_db:
    """The server's database, read from the test (``with instance_db(server) as db``)."""

    def __init__(self, server: LiveServer):
        from assessment.sqlite import connect

        path = server.env["ASSESSMENT_INSTANCE_PATH"]
        self.database = connect(str(_database_of(path)))

    def __enter__(self):
        return self.database

    def __exit__(self, *exc):
        self.database.close()


def _database_of(instance_path: str):
    from pathlib import Path

    text = (Path(instance_path) / "config.toml").read_text()
    return re.search(r"DATABASE = '([^']+)'", text).group(1)
