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
        job = packs.create_job(
            db, period="2026-Q4", language="zh-CN", requested_by=lead, include_open=True
        )
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
            "include_open": "y",
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
        "recipients": 0,
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


@pytest.fixture
def mailing(tmp_path, template_database, smtp, questionnaires):
    from smtp_helpers import mail_app

    app = mail_app(tmp_path, template_database, **smtp.config())
    with app.app_context():
        load_demo(get_db(), questionnaires)
    return app


def _ask(client, **data):
    data = {"period": "2026-Q4", "language": "en", **data}
    data["csrf_token"] = csrf_token(client, "/portfolio/")
    return client.post("/portfolio/packs/", data=data)


def test_the_pack_is_mailed_to_leadership_with_the_pdf_attached(mailing, smtp):
    from conftest import AuthActions

    client = mailing.test_client()
    AuthActions(client).login("lead")
    response = _ask(client, recipients="ceo@example.com，CFO@example.com\ncfo@example.com")
    assert response.status_code == 303
    received = [r for r in smtp.received if r.subject.startswith("Leadership pack")]
    assert sorted(r.rcpt_tos[0] for r in received) == ["CFO@example.com", "ceo@example.com"]
    for mail in received:
        assert mail.subject == "Leadership pack 2026-Q4"
        [attachment] = list(mail.message.iter_attachments())
        assert attachment.get_filename() == "leadership-pack_2026-Q4_en.pdf"
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content().startswith(b"%PDF")
        assert "It is attached to this message" in mail.text()
    with mailing.app_context():
        db = get_db()
        [job] = packs.recent_jobs(db)
        assert job.recipients == ("ceo@example.com", "CFO@example.com")
        kept = db.execute("SELECT status, body_text FROM outbox WHERE kind = 'leadership_pack'")
        rows = kept.fetchall()
        assert [row[0] for row in rows] == ["sent", "sent"]
        assert all("%PDF" not in row[1] for row in rows)  # the outbox keeps no file
    page = client.get("/portfolio/").get_data(as_text=True)
    assert "mailed to 2 addresses" in page


def test_an_address_that_is_not_one_is_refused_and_nothing_is_made(mailing, smtp):
    from conftest import AuthActions

    client = mailing.test_client()
    AuthActions(client).login("lead")
    for typed in ("ceo@example.com\nBcc: evil@example.com", "not-an-address"):
        response = _ask(client, recipients=typed)
        assert response.status_code == 303
        page = client.get("/portfolio/").get_data(as_text=True)
        assert "is not an email address." in page
    with mailing.app_context():
        assert packs.recent_jobs(get_db()) == []
    assert not [r for r in smtp.received if "evil" in str(r.rcpt_tos)]


def test_leadership_addresses_setting_fills_the_form(app, client, auth, demo):
    app.config["LEADERSHIP_ADDRESSES"] = ["ceo@example.com", "cfo@example.com"]
    auth.login("lead")
    page = client.get("/portfolio/").get_data(as_text=True)
    assert "ceo@example.com\ncfo@example.com</textarea>" in page


def test_pack_workers_are_replaced_without_hanging(app, demo):
    """More reports than a worker may render: each worker is replaced after two reports
    (ProcessPoolExecutor's max_tasks_per_child hangs there on Python 3.11, CPython
    gh-115634; the pack uses multiprocessing.Pool, whose replacement works)."""
    import threading
    from io import BytesIO

    from pypdf import PdfReader

    from assessment.report import pack

    found = {}

    def run() -> None:
        with app.app_context():
            reports = pack.period_reports(get_db(), "2026-Q4", include_open=True) * 3
            found["pdf"] = pack.render_pack(
                reports, "en", period="2026-Q4", jobs=2, max_tasks_per_child=2, use_cache=False
            )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive(), "the pack hung"
    reader = PdfReader(BytesIO(found["pdf"]))
    titles = [item.title for item in reader.outline]
    assert titles[0] == "Portfolio summary" and len(titles) == 10


def test_a_chinese_pack_is_mailed_in_chinese(mailing, smtp):
    from conftest import AuthActions

    client = mailing.test_client()
    AuthActions(client).login("lead")
    _ask(client, language="zh-CN", recipients="ceo@example.com")
    [mail] = [r for r in smtp.received if "ceo@example.com" in r.rcpt_tos]
    assert mail.subject == "管理层汇报包 2026-Q4"
    assert "2026-Q4 的管理层汇报包已生成" in mail.text()
    assert "汇报包已作为附件随本邮件发送（leadership-pack_2026-Q4_zh-CN.pdf" in mail.text()
    assert "Leadership pack" not in mail.text()
    [attachment] = list(mail.message.iter_attachments())
    assert attachment.get_filename() == "leadership-pack_2026-Q4_zh-CN.pdf"


def test_the_pack_chooses_each_clients_round_as_the_portfolio_does(app, demo):
    """Each client's latest closed round of the period, as the portfolio; an open round
    only when asked for, then marked provisional; the portfolio page says which rule."""
    from io import BytesIO

    from pypdf import PdfReader

    from assessment import portfolio
    from assessment.report import pack
    from assessment.store import rounds

    with app.app_context():
        db = get_db()
        closed = pack.period_rounds(db, "2026-Q4")
        both = pack.period_rounds(db, "2026-Q4", include_open=True)
        assert closed and all(not r.is_open for r in closed)
        assert any(r.is_open for r in both) and len(both) > len(closed)
        latest = {
            row.client_id: row.round_id for row in portfolio.portfolio(db).rows if row.round_id
        }
        for current in closed:  # the same round as the portfolio, where that is of 2026-Q4
            if rounds.get_round(db, latest[current.client_id]).period == "2026-Q4":
                assert latest[current.client_id] == current.id
        texts = {}
        for include_open in (False, True):
            reports = pack.period_reports(db, "2026-Q4", include_open=include_open)
            data = pack.render_pack(reports, "en", period="2026-Q4", jobs=1, use_cache=False)
            texts[include_open] = " ".join(PdfReader(BytesIO(data)).pages[0].extract_text().split())
    assert "Each client's latest closed round of 2026-Q4, as on the portfolio." in texts[False]
    assert "provisional" not in texts[False]
    assert "a round still open where asked for, marked provisional" in texts[True]
