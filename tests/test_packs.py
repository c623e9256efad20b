"""The leadership pack made in the background from the web app (pack_jobs, web/packs.py)."""

from __future__ import annotations

import stat

import pytest
from conftest import csrf_token

from assessment import pack_jobs
from assessment.db import get_db
from assessment.demo import load_demo
from assessment.store import audit, packs


@pytest.fixture
def demo(app, questionnaires):
    app.config["JOBS_IMMEDIATE"] = True  # the worker's task runs inside the request
    with app.app_context():
        load_demo(get_db(), questionnaires)


def test_a_pack_is_made_once_with_its_progress_and_audit(app, demo, monkeypatch):
    seen = []
    with app.app_context():
        db = get_db()
        lead = db.execute("SELECT id FROM users WHERE email = 'lead@demo.example'").fetchone()[0]
        job = packs.create_job(db, period="2026-Q4", language="zh-CN", requested_by=lead)
        original = packs.set_progress

        def spy(db_, job_id, done, total):
            seen.append((done, total))
            original(db_, job_id, done, total)

        monkeypatch.setattr(packs, "set_progress", spy)
        made = pack_jobs.make_pack(app, db, job.id, jobs=1)
        assert (made.status, made.done, made.total) == ("done", 3, 3)
        assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
        path = pack_jobs.pack_path(app, made)
        assert path.read_bytes().startswith(b"%PDF")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        views = [e for e in audit.entries(db, limit=10) if e.action == "results.viewed"]
        assert len(views) == 3 and {e.actor for e in views} == {"lead@demo.example"}
        # Delivered again (a retried task): nothing is made twice.
        again = pack_jobs.make_pack(app, db, job.id, jobs=1)
        assert again == made and len(seen) == 4


def test_a_period_without_reviews_fails_with_a_reason(app, client, auth, demo):
    with app.app_context():
        db = get_db()
        job = packs.create_job(db, period="1999-Q1", language="en")
        failed = pack_jobs.make_pack(app, db, job.id, jobs=1)
    assert (failed.status, failed.error, failed.file) == ("failed", "empty", None)
    auth.login("lead")
    state = client.get(f"/portfolio/packs/{job.id}.json").get_json()
    assert state["finished"] and state["download"] is None
    assert state["message"] == "No client was reviewed in 1999-Q1."


def test_lead_asks_for_a_pack_and_downloads_it(app, client, auth, demo):
    auth.login("lead")
    page = client.get("/portfolio/").get_data(as_text=True)
    assert 'id="pack"' in page and '<option value="2026-Q4">' in page
    response = client.post(
        "/portfolio/packs/",
        data={
            "period": "2026-Q4",
            "language": "en",
            "csrf_token": csrf_token(client, "/portfolio/"),
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("#pack")
    with app.app_context():
        [job] = packs.recent_jobs(get_db())
    state = client.get(f"/portfolio/packs/{job.id}.json").get_json()
    assert state == {
        "id": job.id,
        "title": "2026-Q4 · English",
        "status": "done",
        "done": 3,
        "total": 3,
        "finished": True,
        "download": f"/portfolio/packs/{job.id}.pdf",
        "message": "Ready: 3 reports.",
    }
    pdf = client.get(state["download"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert "leadership-pack_2026-Q4_en.pdf" in pdf.headers["Content-Disposition"]
    page = client.get("/portfolio/").get_data(as_text=True)
    assert 'data-finished="true"' in page and "Ready: 3 reports." in page


def test_a_period_that_is_not_offered_is_refused(app, client, auth, demo):
    auth.login("lead")
    response = client.post(
        "/portfolio/packs/",
        data={
            "period": "<b>x</b>",
            "language": "en",
            "csrf_token": csrf_token(client, "/portfolio/"),
        },
    )
    assert response.status_code == 303
    with app.app_context():
        assert packs.recent_jobs(get_db()) == []
    assert "Choose a period with review rounds." in client.get("/portfolio/").get_data(as_text=True)


def test_old_pack_files_are_dropped(app, demo, monkeypatch):
    monkeypatch.setattr(pack_jobs, "KEEP", 2)
    with app.app_context():
        db = get_db()
        made = []
        for _ in range(3):
            job = packs.create_job(db, period="2026-Q4", language="en")
            made.append(pack_jobs.make_pack(app, db, job.id, jobs=1))
        first = packs.get_job(db, made[0].id)
        assert first.file is None and not pack_jobs.pack_path(app, made[0]).exists()
        assert all(packs.get_job(db, m.id).file for m in made[1:])


def test_a_pack_whose_maker_died_says_so(app, client, auth, demo):
    with app.app_context():
        db = get_db()
        job = packs.create_job(db, period="2026-Q4", language="en")
        packs.claim(db, job.id)
        db.execute(
            "UPDATE pack_jobs SET updated_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", [job.id]
        )
    auth.login("lead")
    state = client.get(f"/portfolio/packs/{job.id}.json").get_json()
    assert state["status"] == "running" and state["finished"] and state["download"] is None
    assert state["message"] == "The pack was interrupted. Make it again."
