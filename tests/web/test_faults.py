"""The server is killed (SIGKILL, master and workers) in the middle of a burst of submissions.

Sixty respondents post complete submissions from threads to the real server
(``assessment serve``, gunicorn, two sync workers); a third of them had saved a draft
before. Once twenty submissions have been acknowledged (302 received), the whole process
group gets SIGKILL, as in a power cut or an OOM kill. The server is then started again on
the same database, and:

- ``PRAGMA integrity_check`` is ok;
- every acknowledged submission is there whole: status submitted, every answer and comment,
  with the values sent;
- nobody is half-written: each respondent has either their whole submission (it may have
  committed just before the kill, unacknowledged) or exactly what they had before (their
  draft, or nothing);
- the restarted server takes the submissions that were cut off, and then all sixty are
  stored whole.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from live_server_helpers import (
    LiveServer,
    applicable_items,
    complete_answers,
    draft_answers,
    make_instance,
    open_form,
    post_form,
    prepare_round,
    read,
    serve_command,
    wait_for_group_exit,
)

from assessment.db import get_db
from assessment.questionnaire import LikertItem, NumberItem
from assessment.store import respondents, responses
from assessment.web.answer_form import comment_field, item_field

RESPONDENTS = 60
KILL_AFTER = 15  # acknowledged submissions before each kill
BURSTS = 3
WORKERS = 2
TIMEOUT = 30


@pytest.fixture
def instance(tmp_path):
    """A temporary instance and database: one round, a third of its respondents with a draft."""
    database = tmp_path / "faults.sqlite3"
    app = make_instance(tmp_path / "instance", database)
    current, tokens = prepare_round(app, RESPONDENTS)
    questionnaire = current.questionnaire
    drafted = set(range(0, RESPONDENTS, 3))
    ids = {}
    with app.app_context():
        db = get_db()
        for n, token in enumerate(tokens):
            ids[n] = respondents.find_by_token(db, token).id
            if n in drafted:
                answers, comments = _store_values(
                    questionnaire, draft_answers(questionnaire, current.kind, n)
                )
                responses.save_response(db, ids[n], answers, comments, submit=False)
    return {
        "path": tmp_path / "instance",
        "database": database,
        "round": current,
        "tokens": tokens,
        "ids": ids,
        "drafted": drafted,
    }


@pytest.fixture
def servers():
    """Every server a test starts; all of them stopped (and their groups killed) at the end."""
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.stop()


def _start(servers, instance, folder, name: str) -> LiveServer:
    server = LiveServer(
        serve_command(WORKERS),
        folder,
        workers=WORKERS,
        env={"ASSESSMENT_INSTANCE_PATH": str(instance["path"])},
        name=name,
    )
    servers.append(server)
    return server.start()


def _store_values(questionnaire, form: dict[str, str]) -> tuple[dict, dict]:
    """Form data as the store takes it: numbers as numbers, choices and text as text."""
    answers = {}
    for item in questionnaire.items():
        if item_field(item.id) in form:
            value = form[item_field(item.id)]
            answers[item.id] = int(value) if isinstance(item, LikertItem | NumberItem) else value
    comments = {
        sign.id: form[comment_field(sign.id)]
        for sign in questionnaire.signs
        if comment_field(sign.id) in form
    }
    return answers, comments


def _expected(questionnaire, status: str, form: dict[str, str]) -> tuple:
    """What the database holds for that form data: (status, answers, comments)."""
    answers, comments = _store_values(questionnaire, form)
    numbers = {
        item_id: float(value) if isinstance(value, int) else value
        for item_id, value in answers.items()
    }
    return status, numbers, comments


def _stored(db: sqlite3.Connection, respondent_id: int) -> tuple:
    """(status, answers, comments) of a respondent, or (None, {}, {}) with no response row."""
    row = db.execute(
        "SELECT id, status, submitted_at FROM responses WHERE respondent_id = ?", [respondent_id]
    ).fetchone()
    if row is None:
        return None, {}, {}
    response_id, status, submitted_at = row
    assert (status == "submitted") == bool(submitted_at), row
    answers = {
        item_id: number if number is not None else text
        for item_id, number, text in db.execute(
            "SELECT item_id, value_number, value_text FROM answers WHERE response_id = ?",
            [response_id],
        )
    }
    comments = dict(
        db.execute("SELECT sign_id, body FROM comments WHERE response_id = ?", [response_id])
    )
    return status, answers, comments


def _integrity(database) -> str:
    with sqlite3.connect(database) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def _burst(port: int, tokens: dict[int, str], forms: dict, kill_after: int, kill) -> tuple:
    """Everyone in ``tokens`` opens their form, then all submit at once; ``kill()`` runs as
    soon as ``kill_after`` submissions are acknowledged. Returns (acknowledged, outcomes,
    acknowledged when the kill came, whether it came)."""
    barrier = threading.Barrier(len(tokens), timeout=TIMEOUT)
    lock = threading.Lock()
    enough = threading.Event()
    acknowledged: set[int] = set()
    outcomes: dict[int, object] = {}

    def respond(n: int) -> None:
        try:
            cookie, csrf = open_form(port, tokens[n])
        except BaseException as exc:
            outcomes[n] = exc
            barrier.abort()
            return
        try:
            barrier.wait()  # everyone submits at the same moment
            status, headers, _page = post_form(port, tokens[n], cookie, csrf, forms[n], submit=True)
        except BaseException as exc:  # cut off by the kill: refused, reset, closed
            outcomes[n] = exc
            return
        outcomes[n] = status
        if status in (302, 303) and headers.get("Location", "").endswith(f"/r/{tokens[n]}"):
            with lock:
                acknowledged.add(n)
                if len(acknowledged) >= kill_after:
                    enough.set()

    threads = [threading.Thread(target=respond, args=(n,), daemon=True) for n in tokens]
    for thread in threads:
        thread.start()
    fired = enough.wait(timeout=TIMEOUT)
    with lock:
        acked_at_kill = len(acknowledged)
    kill()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a respondent thread hung"
    with lock:
        return set(acknowledged), outcomes, acked_at_kill, fired


def test_kill_during_submission_bursts(instance, servers, tmp_path):
    """Three bursts, each killed part-way; the state is checked after every restart."""
    current = instance["round"]
    questionnaire = current.questionnaire
    tokens = dict(enumerate(instance["tokens"]))
    forms = {n: complete_answers(questionnaire, current.kind, n) for n in tokens}
    full = {n: _expected(questionnaire, "submitted", forms[n]) for n in tokens}
    before = {
        n: (
            _expected(questionnaire, "draft", draft_answers(questionnaire, current.kind, n))
            if n in instance["drafted"]
            else (None, {}, {})
        )
        for n in tokens
    }
    assert len(full[0][1]) == len(applicable_items(questionnaire, current.kind))
    assert len(full[0][2]) == len(questionnaire.signs)

    acked: set[int] = set()  # acknowledged to the client, in any burst
    stored: set[int] = set()  # found stored whole after a restart
    notes = []
    server = _start(servers, instance, tmp_path, "server-0")
    for burst in range(1, BURSTS + 1):
        pending = {n: tokens[n] for n in tokens if n not in stored}
        kill_after = min(KILL_AFTER, len(pending) // 2)

        def kill(server=server) -> None:
            server.kill()  # SIGKILL to the process group: the master and both workers
            assert not wait_for_group_exit(server.pgid, timeout=5), "left after SIGKILL"

        new_acks, outcomes, acked_at_kill, fired = _burst(
            server.port, pending, forms, kill_after, kill
        )
        assert fired, f"burst {burst}: {acked_at_kill} acknowledged in {TIMEOUT} s: {outcomes}"
        unexpected = {
            n: o for n, o in outcomes.items() if isinstance(o, int) and o not in (302, 303)
        }
        assert not unexpected, f"burst {burst}: answers other than a redirect: {unexpected}"
        assert "Traceback" not in server.text(), server.text()
        assert len(new_acks) < len(pending), f"burst {burst}: nothing was cut off"
        acked |= new_acks

        # Start again on the same database: SQLite recovers the WAL of the killed writers.
        server = _start(servers, instance, tmp_path, f"server-{burst}")
        assert _integrity(instance["database"]) == "ok"
        unacknowledged = 0
        with sqlite3.connect(instance["database"]) as db:
            for n in tokens:
                state = _stored(db, instance["ids"][n])
                if n in acked:
                    assert state == full[n], f"acknowledged submission {n} not whole: {state}"
                else:
                    assert state in (full[n], before[n]), f"respondent {n} half-written: {state}"
                if state == full[n]:
                    unacknowledged += n not in stored and n not in acked
                    stored.add(n)
        notes.append(
            f"burst {burst}: {len(pending)} posting, killed after {acked_at_kill}"
            f" acknowledged ({len(new_acks)} in all), {unacknowledged} stored unacknowledged"
        )

    # The last restarted server takes the submissions that were cut off.
    for n in sorted(set(tokens) - stored):
        cookie, csrf = open_form(server.port, tokens[n])
        status, _headers, _page = post_form(
            server.port, tokens[n], cookie, csrf, forms[n], submit=True
        )
        assert status in (302, 303), status
    assert _integrity(instance["database"]) == "ok"
    with sqlite3.connect(instance["database"]) as db:
        for n in tokens:
            assert _stored(db, instance["ids"][n]) == full[n], n
        total = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    assert total == RESPONDENTS * len(full[0][1])
    server.stop()
    log = read(server.log)
    assert "Traceback" not in log and "[ERROR]" not in log, log
    print("\n" + "\n".join(notes))
