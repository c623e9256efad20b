"""Fifty respondents submit at the same moment to the real server (gunicorn, two workers).

``assessment serve`` runs as a subprocess on a loopback port, with ASSESSMENT_INSTANCE_PATH
set to a temporary instance folder whose config.toml points at a temporary database, so
nothing touches instance/ (the server helpers are in live_server_helpers.py, shared with
the fault test). Every respondent first opens their form (for the CSRF token and the
session cookie); a barrier then releases all fifty complete submissions at once. None may
fail or be lost.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from urllib.parse import urlencode

import pytest
from live_server_helpers import (
    LiveServer,
    applicable_items,
    complete_answers,
    log_in,
    make_instance,
    open_form,
    page_with_csrf,
    post_form,
    prepare_round,
    request,
    serve_command,
)

RESPONDENTS = 50
WORKERS = 2
TIMEOUT = 30


@pytest.fixture
def instance(tmp_path):
    """An instance folder of its own: config file, database, and a prepared round."""
    database = tmp_path / "concurrency.sqlite3"
    app = make_instance(tmp_path / "instance", database)  # makes the key, migrates
    current, tokens = prepare_round(app, RESPONDENTS)
    return {"path": tmp_path / "instance", "database": database, "round": current, "tokens": tokens}


@pytest.fixture
def server(instance, tmp_path):
    """``assessment serve`` (gunicorn, sync workers) for that instance folder, always stopped.

    ``ASSESSMENT_INSTANCE_PATH`` points the command at the temporary instance; gunicorn's
    control socket goes to the temporary folder too (XDG_RUNTIME_DIR), not to ~/.gunicorn.
    """
    live = LiveServer(
        serve_command(WORKERS),
        tmp_path,
        workers=WORKERS,
        env={"ASSESSMENT_INSTANCE_PATH": str(instance["path"])},
    )
    try:
        yield live.start()
    finally:
        live.stop()


def _logged_posts(server: LiveServer) -> int:
    """POSTs in the access log; a worker writes its line just after answering, so wait a bit."""
    deadline = time.monotonic() + 5
    while True:
        count = sum('"POST /r/' in line for line in server.access_lines())
        if count >= RESPONDENTS or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_fifty_respondents_submit_at_once(instance, server):
    port = server.port
    current = instance["round"]
    questionnaire = current.questionnaire
    barrier = threading.Barrier(RESPONDENTS, timeout=TIMEOUT)
    results: dict[int, object] = {}

    def respond(n: int, token: str) -> None:
        try:
            cookie, csrf = open_form(port, token)
            form = complete_answers(questionnaire, current.kind, n)
            barrier.wait()  # everyone submits at the same moment
            status, headers, _page = post_form(port, token, cookie, csrf, form, submit=True)
            results[n] = (status, headers.get("Location"))
        except Exception as exc:
            results[n] = exc
            barrier.abort()

    threads = [
        threading.Thread(target=respond, args=(n, token), daemon=True)
        for n, token in enumerate(instance["tokens"])
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 5)
    elapsed = time.monotonic() - started

    failures = {n: r for n, r in results.items() if isinstance(r, BaseException)}
    assert not failures, f"respondents failed: {failures}"
    assert len(results) == RESPONDENTS
    statuses = sorted({status for status, _location in results.values()})
    assert statuses in ([302], [303], [302, 303]), f"statuses: {statuses}"
    for n, (_status, location) in results.items():
        assert location and location.endswith(f"/r/{instance['tokens'][n]}"), location
    log = server.text()
    assert "Traceback" not in log and "[ERROR]" not in log, log
    assert _logged_posts(server) == RESPONDENTS
    assert elapsed < TIMEOUT

    # Every submission stored whole: one response each, all answers and comments.
    expected_answers = {item.id for item in applicable_items(questionnaire, current.kind)}
    with sqlite3.connect(instance["database"]) as db:
        rows = db.execute(
            "SELECT respondents.id, responses.id, responses.status, responses.submitted_at"
            " FROM respondents LEFT JOIN responses ON responses.respondent_id = respondents.id"
            " WHERE respondents.round_id = ?",
            [current.id],
        ).fetchall()
        assert len(rows) == RESPONDENTS
        assert all(status == "submitted" and at for _r, _id, status, at in rows), rows
        for _respondent_id, response_id, _status, _at in rows:
            answered = {
                row[0]
                for row in db.execute(
                    "SELECT item_id FROM answers WHERE response_id = ?", [response_id]
                )
            }
            assert answered == expected_answers
            comments = db.execute(
                "SELECT COUNT(*) FROM comments WHERE response_id = ?", [response_id]
            ).fetchone()[0]
            assert comments == len(questionnaire.signs)
        total = db.execute(
            "SELECT COUNT(*) FROM answers JOIN responses ON responses.id = answers.response_id"
            " WHERE responses.status = 'submitted'"
        ).fetchone()[0]
        assert total == RESPONDENTS * len(expected_answers)


# --- the lead closes the round while respondents submit ----------------------------------

CLOSING_RESPONDENTS = 40
LEAD_EMAIL = "closing-lead@example.com"
LEAD_PASSWORD = "close it while they answer"


@pytest.fixture
def closing_instance(tmp_path):
    """A round of 40 respondents and a lead who may close it."""
    from assessment.db import get_db
    from assessment.store import users

    database = tmp_path / "closing.sqlite3"
    app = make_instance(tmp_path / "instance", database)
    current, tokens = prepare_round(app, CLOSING_RESPONDENTS)
    with app.app_context():
        users.create_user(get_db(), email=LEAD_EMAIL, password=LEAD_PASSWORD, role="lead")
    return {"path": tmp_path / "instance", "database": database, "round": current, "tokens": tokens}


@pytest.fixture
def closing_server(closing_instance, tmp_path):
    live = LiveServer(
        serve_command(WORKERS),
        tmp_path,
        workers=WORKERS,
        env={"ASSESSMENT_INSTANCE_PATH": str(closing_instance["path"])},
    )
    try:
        yield live.start()
    finally:
        live.stop()


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15])
def test_closing_while_forty_respondents_submit(closing_instance, closing_server, delay):
    """The close succeeds, and each submission is either acknowledged and in the closed
    round's result, or refused as too late (403) and stored nowhere: none is lost or
    half stored, and nobody sees a server error."""
    port = closing_server.port
    current = closing_instance["round"]
    questionnaire = current.questionnaire
    tokens = closing_instance["tokens"]
    lead_cookie = log_in(port, LEAD_EMAIL, LEAD_PASSWORD)
    lead_cookie, lead_csrf = page_with_csrf(port, f"/rounds/{current.id}", lead_cookie)
    barrier = threading.Barrier(CLOSING_RESPONDENTS + 1, timeout=TIMEOUT)
    outcomes: dict[object, object] = {}

    def respond(n: int, token: str) -> None:
        try:
            cookie, csrf = open_form(port, token)
            form = complete_answers(questionnaire, current.kind, n)
            barrier.wait()
            status, _headers, _page = post_form(port, token, cookie, csrf, form, submit=True)
            outcomes[n] = status
        except Exception as exc:
            outcomes[n] = exc
            barrier.abort()

    def close() -> None:
        try:
            barrier.wait()
            time.sleep(delay)  # into the middle of the submissions
            body = urlencode({"csrf_token": lead_csrf})
            status, _headers, _page = request(
                port, "POST", f"/rounds/{current.id}/close", body, cookie=lead_cookie
            )
            outcomes["close"] = status
        except Exception as exc:
            outcomes["close"] = exc
            barrier.abort()

    threads = [threading.Thread(target=close, daemon=True)] + [
        threading.Thread(target=respond, args=(n, token), daemon=True)
        for n, token in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 5)

    failures = {n: r for n, r in outcomes.items() if isinstance(r, BaseException)}
    assert not failures, failures
    assert outcomes["close"] == 302, f"close answered {outcomes['close']}"
    statuses = {n: status for n, status in outcomes.items() if n != "close"}
    assert len(statuses) == CLOSING_RESPONDENTS
    assert set(statuses.values()) <= {302, 403}, statuses
    acknowledged = {tokens[n] for n, status in statuses.items() if status == 302}
    log = closing_server.text()
    assert "Traceback" not in log and "[ERROR]" not in log, log

    with sqlite3.connect(closing_instance["database"]) as db:
        status, results = db.execute(
            "SELECT status, results FROM rounds WHERE id = ?", [current.id]
        ).fetchone()
        stored = db.execute(
            "SELECT respondents.token, responses.status FROM responses"
            " JOIN respondents ON respondents.id = responses.respondent_id"
            " WHERE respondents.round_id = ?",
            [current.id],
        ).fetchall()
        answered = {
            row[0]
            for row in db.execute(
                "SELECT DISTINCT respondents.token FROM answers"
                " JOIN responses ON responses.id = answers.response_id"
                " JOIN respondents ON respondents.id = responses.respondent_id"
                " WHERE respondents.round_id = ?",
                [current.id],
            )
        }
    assert status == "closed"
    assert {token for token, _status in stored} == acknowledged  # the refused stored nothing
    assert {status for _token, status in stored} <= {"submitted"}
    assert answered == acknowledged
    assert json.loads(results)["respondents"] == len(acknowledged)  # all in the result
