"""A closed round's reports are rendered by the worker (jobs/reports.py), so that the first
person to open one is served from the report cache, as every later one is."""

from __future__ import annotations

import pytest
from conftest import csrf_token
from factories import every_answer

from assessment.db import get_db
from assessment.jobs import reports as report_jobs
from assessment.report import cache, pdf
from assessment.store import responses, rounds


@pytest.fixture
def submitted(app, make_round):
    """An open round that ``n`` people submitted."""

    def make(n=3, *, anonymous=False):
        current, people = make_round(anonymous=anonymous, respondents=n)
        with app.app_context():
            db = get_db()
            for i, person in enumerate(people):
                responses.save_response(
                    db,
                    person.id,
                    every_answer(current.questionnaire, current.kind, i),
                    {},
                    submit=True,
                )
        return current

    return make


@pytest.fixture
def renders(monkeypatch):
    """Count WeasyPrint layouts (each still renders for real)."""
    calls = []
    real = pdf.html_to_pdf

    def counting(html: str, **options) -> bytes:
        calls.append(html)
        return real(html, **options)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return calls


def _close(client, auth, round_id):
    auth.login("lead")
    url = f"/rounds/{round_id}"
    response = client.post(f"{url}/close", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302


def test_closing_renders_both_languages_and_the_first_opening_is_a_cache_hit(
    app, client, auth, submitted, renders
):
    app.config["JOBS_IMMEDIATE"] = True  # the worker's task runs inside the request
    current = submitted()
    _close(client, auth, current.id)
    assert len(renders) == 2 and len(cache.app_cache(app).entries()) == 2
    for lang in ("en", "zh-CN"):
        response = client.get(f"/rounds/{current.id}/report.pdf?lang={lang}")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(renders) == 2, "both openings came from the cache"


def test_a_round_withheld_for_anonymity_has_nothing_rendered(app, client, auth, submitted, renders):
    app.config["JOBS_IMMEDIATE"] = True
    current = submitted(2, anonymous=True)  # under the floor of 3
    _close(client, auth, current.id)
    with app.app_context():
        assert report_jobs.render_closed_round(app, get_db(), current.id) == []
    assert renders == [] and cache.app_cache(app).entries() == []


def test_an_open_reopened_or_deleted_round_or_no_cache_renders_nothing(app, submitted, renders):
    current = submitted()
    with app.app_context():
        db = get_db()
        assert report_jobs.render_closed_round(app, db, current.id) == []  # still open
        assert report_jobs.render_closed_round(app, db, 999_999) == []  # no such round
        from assessment import results

        results.close_round(db, rounds.get_round(db, current.id))
        app.config["REPORT_CACHE_MB"] = 0
        assert report_jobs.render_closed_round(app, db, current.id) == []
        app.config["REPORT_CACHE_MB"] = 200
        assert report_jobs.render_closed_round(app, db, current.id) == ["en", "zh-CN"]
    assert len(renders) == 2


def test_closing_queues_the_task_for_the_worker_without_rendering_in_the_request(
    app, client, auth, submitted, renders
):
    from assessment.jobs import queue

    current = submitted()
    _close(client, auth, current.id)
    assert renders == []  # a real worker renders them (not running in this test)
    with app.app_context():
        assert queue.queue_for(app).pending() == 2  # its reports, and its alerts


def test_the_worker_knows_the_task(app):
    from assessment.cli import worker  # noqa: F401  (what `assessment worker` imports)
    from assessment.jobs import queue, tasks

    built = queue.Queue(app)
    name = f"{tasks.render_round_reports.__module__}.{tasks.render_round_reports.__qualname__}"
    assert name in built.tasks


def test_a_round_closed_on_its_due_date_by_the_worker_is_rendered_too(app, questionnaires, renders):
    from assessment.jobs import tasks
    from assessment.store import clients, respondents

    app.config["JOBS_IMMEDIATE"] = True
    with app.app_context():
        db = get_db()
        acme = clients.create_client(db, name="Acme")
        current = rounds.create_round(
            db,
            client_id=acme.id,
            kind="quarterly",
            period="2020-Q1",
            questionnaire=questionnaires["six-signs"],
            due_date="2020-03-10",
            anonymous=False,
        )
        for n in range(3):
            person = respondents.add_respondent(db, current.id, name=f"P{n}", role="delivery")
            answers = every_answer(current.questionnaire, current.kind, n)
            responses.save_response(db, person.id, answers, {}, submit=True)
        tasks.close_rounds_past_due()
        assert not rounds.get_round(db, current.id).is_open
    assert len(renders) == 2 and len(cache.app_cache(app).entries()) == 2
