"""Evidence beside the scores (assessment/round_evidence.py): the results page and the
PDF show the period's incidents and invoice facts per sign, and a note where perception
and evidence disagree, in both languages; never an incident's text."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pdfplumber
import pytest

from assessment import results
from assessment.db import get_db
from assessment.report import pdf
from assessment.report.data import round_report
from assessment.round_evidence import incidents_since_last_round, round_evidence
from assessment.store import evidence as store
from assessment.store import responses, rounds

SECRET = "Finance director shouted at Wang"
NOTE_EN = (
    "The team scores Paying on time 75, Healthy; invoices: 6 of 8 paid late, 31 days on average."
)


@pytest.fixture
def healthy_payer_who_pays_late(app, make_round):
    """A closed named round (2026-Q1) where the team scores every sign 4 of 5 (75,
    healthy); invoices: 6 of 8 due in the period paid late, 31 days on average; three
    payment incidents, two of them with the team speaking up; one other sign incident."""
    current, people = make_round(period="2026-Q1", respondents=2, anonymous=False)
    with app.app_context():
        db = get_db()
        q = current.questionnaire
        answers = {
            i.id: 4 if i.direction == "healthy" else 2
            for i in q.items()
            if i.type == "likert" and i.applies("quarterly")
        }
        for person in people:
            responses.save_response(db, person.id, answers, {}, submit=True)
        due = date(2026, 2, 1)
        for n, late in enumerate([10, 20, 30, 40, 31, 55, 0, 0]):
            db.execute(
                "INSERT INTO invoices (client_id, number, issued, due, paid, amount, currency,"
                " created_at, updated_at) VALUES (?, ?, '2026-01-02', ?, ?, '100.00', 'EUR',"
                " 'x', 'x')",
                [
                    current.client_id,
                    f"N{n}",
                    due.isoformat(),
                    (due + timedelta(days=late)).isoformat(),
                ],
            )
        for day, moves in (
            (date(2026, 1, 10), ()),
            (date(2026, 3, 3), ("term",)),
            (date(2026, 2, 2), ("boundary",)),
        ):
            store.create_incident(
                db,
                client_id=current.client_id,
                author_id=None,
                sign="payment",
                happened=day,
                text=SECRET,
                moves=moves,
            )
        store.create_incident(
            db,
            client_id=current.client_id,
            author_id=None,
            sign="power",
            happened=date(2026, 2, 9),
            text=SECRET,
        )
        results.close_round(db, rounds.get_round(db, current.id))
    return current


def test_the_figures_of_the_round(app, healthy_payer_who_pays_late):
    current = healthy_payer_who_pays_late
    with app.app_context():
        db = get_db()
        current = rounds.get_round(db, current.id)
        found = round_evidence(
            db, current, results.score(results.load(db, current)), date(2026, 6, 1)
        )
    assert (found.start, found.end, found.as_of) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        date(2026, 3, 31),
    )
    payment = found.sign("payment")
    assert (payment.incidents.count, payment.incidents.spoke_up) == (3, 2)
    assert (payment.invoices.due, payment.invoices.late, payment.invoices.average_days_late) == (
        8,
        6,
        31,
    )
    assert payment.disagreement.direction == "evidence_worse"
    assert payment.disagreement.invoices and payment.disagreement.incidents
    assert found.sign("power").incidents.count == 1 and found.sign("power").disagreement is None
    assert found.sign("power").invoices is None


def test_results_page_shows_the_note_with_the_numbers(
    app, client, auth, healthy_payer_who_pays_late
):
    auth.login("lead")
    page = client.get(f"/rounds/{healthy_payer_who_pays_late.id}/results").get_data(as_text=True)
    section = page.split('data-testid="evidence"')[1].split("</section>")[0]
    flat = re.sub(r"\s+", " ", section)
    assert NOTE_EN in flat
    assert "3 incidents (the team spoke up 2 times)" in flat
    assert SECRET not in page


def test_results_page_in_chinese(app, client, auth, healthy_payer_who_pays_late):
    auth.login("lead")
    page = client.get(
        f"/rounds/{healthy_payer_who_pays_late.id}/results", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    section = re.sub(r"\s+", " ", page.split('data-testid="evidence"')[1].split("</section>")[0])
    assert "团队给“按时付款”打了 75 分（健康）；发票：8 张中 6 张逾期付款，平均 31 天。" in section
    assert SECRET not in page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", NOTE_EN),
        ("zh-CN", "团队给“按时付款”打了75分（健康）；发票：8张中6张逾期付款，平均31天。"),
    ],
)
def test_the_pdf_shows_the_note(app, healthy_payer_who_pays_late, lang, expected):
    with app.app_context():
        db = get_db()
        report = round_report(db, rounds.get_round(db, healthy_payer_who_pays_late.id))
        data = pdf.render_pdf(report, lang)
    with pdfplumber.open(io.BytesIO(data)) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
    dense = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", expected) in dense
    assert re.sub(r"\s+", "", SECRET) not in dense


def test_a_withheld_round_carries_no_evidence(app, make_round):
    current, _people = make_round(period="2026-Q1", respondents=3, anonymous=True)
    with app.app_context():
        db = get_db()
        store.create_incident(
            db,
            client_id=current.client_id,
            author_id=None,
            sign="payment",
            happened=date(2026, 1, 5),
            text="x",
        )
        report = round_report(db, rounds.get_round(db, current.id))
    assert report.evidence is None


def test_counts_since_the_last_round(app, make_round):
    first, _p = make_round(period="2026-Q1", respondents=1)
    with app.app_context():
        db = get_db()
        store.create_incident(
            db,
            client_id=first.client_id,
            author_id=None,
            sign="payment",
            happened=date(2026, 1, 5),
            text="old",
        )
        db.execute("UPDATE incidents SET created_at = '2000-01-01T00:00:00+00:00'")
        db.execute("UPDATE rounds SET created_at = '2001-01-01T00:00:00+00:00'")
    second, _p = make_round(period="2026-Q2", respondents=1)
    with app.app_context():
        db = get_db()
        for sign in ("payment", "payment", "power"):
            store.create_incident(
                db,
                client_id=first.client_id,
                author_id=None,
                sign=sign,
                happened=date(2026, 4, 5),
                text="new",
            )
        assert incidents_since_last_round(db, rounds.get_round(db, second.id)) == {
            "payment": 2,
            "power": 1,
        }
        # before the client's first round: every incident logged so far
        assert incidents_since_last_round(db, rounds.get_round(db, first.id)) == {
            "payment": 3,
            "power": 1,
        }


def test_the_next_quarterly_form_shows_counts_to_the_team_never_to_the_client(
    app, client, make_round
):
    """Before a sign's questions: the count since the last round, for the team's people
    (compiled page and live page alike); the client's people see none; never a text."""
    first, _p = make_round(period="2026-Q1", respondents=1)
    with app.app_context():
        db = get_db()
        db.execute("UPDATE rounds SET created_at = '2001-01-01T00:00:00+00:00'")
    _second, people = make_round(period="2026-Q2", respondents=1, contacts=1)
    team_link, client_link = f"/r/{people[0].token}", f"/r/{people[1].token}"
    page = client.get(team_link).get_data(as_text=True)
    assert "incidents-since" not in page  # none logged yet
    with app.app_context():
        for _n in range(2):
            store.create_incident(
                get_db(),
                client_id=first.client_id,
                author_id=None,
                sign="payment",
                happened=date(2026, 4, 5),
                text=SECRET,
            )
    page = client.get(team_link).get_data(as_text=True)  # the compiled page, anew
    assert "Since the last review the team logged 2 incidents for this sign." in page
    assert 'data-sign="payment"' in page and SECRET not in page
    zh = client.get(team_link, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "上次评估以来，团队为这个信号记录了 2 个事件。" in zh
    other = app.test_client().get(client_link).get_data(as_text=True)
    assert "incidents-since" not in other and SECRET not in other


def test_the_portfolio_shows_the_disagreement(app, client, auth, healthy_payer_who_pays_late):
    auth.login("lead")
    page = client.get("/portfolio/").get_data(as_text=True)
    section = re.sub(r"\s+", " ", page.split('data-testid="portfolio-evidence"')[1])
    assert NOTE_EN in section.split("</section>")[0]
    assert SECRET not in page
    zh = client.get("/portfolio/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "发票：8 张中 6 张逾期付款，平均 31 天。" in zh


def test_the_lead_may_include_invoice_facts_never_incidents_in_the_client_summary(
    app, client, auth, make_round
):
    from conftest import csrf_token
    from test_client_side import CLIENT_PAYMENT, TEAM_PAYMENT, _answer_all, _pdf_text

    current, people = make_round(period="2026-Q1", respondents=3, anonymous=False, contacts=3)
    _answer_all(app, people[:3], TEAM_PAYMENT)
    _answer_all(app, people[3:], CLIENT_PAYMENT)
    with app.app_context():
        db = get_db()
        for n, paid in enumerate(["2026-03-20", "2026-03-25", None]):
            db.execute(
                "INSERT INTO invoices (client_id, number, issued, due, paid, amount, currency,"
                " created_at, updated_at) VALUES (?, ?, '2026-01-02', '2026-02-01', ?,"
                " '100.00', 'EUR', 'x', 'x')",
                [current.client_id, f"N{n}", paid],
            )
        store.create_incident(
            db,
            client_id=current.client_id,
            author_id=None,
            sign="payment",
            happened=date(2026, 2, 3),
            text=SECRET,
            signed=True,
        )
        results.close_round(db, rounds.get_round(db, current.id))
    auth.login()
    page = f"/rounds/{current.id}/results"
    client.post(
        f"/rounds/{current.id}/client-summary",
        data={"csrf_token": csrf_token(client, page), "shared": "on"},
    )
    pdf_url = f"/rounds/{current.id}/client-summary.pdf"
    before = _pdf_text(client.get(f"{pdf_url}?lang=en").data)
    assert "Invoice facts" not in before and "paid late" not in before
    assert "Include the invoice facts" in client.get(page).get_data(as_text=True)
    response = client.post(
        f"/rounds/{current.id}/client-summary/invoices",
        data={"csrf_token": csrf_token(client, page), "include": "on"},
    )
    assert response.status_code == 302
    texts = {lang: _pdf_text(client.get(f"{pdf_url}?lang={lang}").data) for lang in ("en", "zh-CN")}
    assert "Invoice facts" in texts["en"] and "3 of 3 paid late" in re.sub(r"\s+", " ", texts["en"])
    assert "发票数据" in texts["zh-CN"]
    for text in texts.values():
        assert SECRET not in text and "incident" not in text.lower() and "事件" not in text
    with app.app_context():
        actions = [r[0] for r in get_db().execute("SELECT action FROM audit_log")]
    assert "client_summary.invoices_included" in actions
    client.post(
        f"/rounds/{current.id}/client-summary/invoices",
        data={"csrf_token": csrf_token(client, page), "include": "off"},
    )
    assert "Invoice facts" not in _pdf_text(client.get(f"{pdf_url}?lang=en").data)
