"""The portfolio: one row per active client from stored summaries, worst first."""

import csv
import io
import re
from datetime import date

from conftest import csrf_token

from assessment.db import get_db
from assessment.portfolio import portfolio
from assessment.store import clients


def _names(found):
    return [row.name for row in found.rows]


def test_sorted_by_risk_with_summaries(app, demo):
    with app.app_context():
        found = portfolio(get_db(), today=date(2026, 11, 22))
    assert _names(found) == ["Apex Retail Group", "Meridian Tech", "Harbor & Pine Foods"]
    apex, meridian, harbor = found.rows
    assert (apex.band_id, apex.escalations, apex.overdue_actions) == ("at-risk", 3, 1)
    assert apex.worst_sign_id == "payment" and apex.trend.direction == "down"
    assert meridian.period == "2026-Q3" and meridian.open_round_id is not None
    assert harbor.band_id == "healthy" and harbor.escalations == 0
    # From the review calendar: quarterly after its 2026-Q4 review.
    assert (harbor.next_review_period, harbor.next_review_due) == ("2027-Q1", date(2027, 1, 1))


def test_filters(app, demo):
    with app.app_context():
        db = get_db()
        assert _names(portfolio(db, band_id="healthy")) == ["Harbor & Pine Foods"]
        assert _names(portfolio(db, industry="Software")) == ["Meridian Tech"]
        admin = db.execute("SELECT id FROM users WHERE email = 'admin@demo.example'").fetchone()
        assert _names(portfolio(db, lead_id=admin[0])) == ["Meridian Tech"]


def test_archived_clients_and_clients_without_rounds(app, demo):
    with app.app_context():
        db = get_db()
        clients.set_archived(db, clients.find_by_name(db, "Meridian Tech").id, True)
        clients.create_client(db, name="Newcomer")
        found = portfolio(db)
    assert _names(found) == ["Apex Retail Group", "Harbor & Pine Foods", "Newcomer"]
    assert found.rows[-1].round_id is None and found.rows[-1].next_review_due is None


def test_reopening_drops_the_summary_and_closing_stores_it(app, client, auth, demo):
    auth.login("lead")
    with app.app_context():
        db = get_db()
        apex = clients.find_by_name(db, "Apex Retail Group")
        latest = db.execute(
            "SELECT id FROM rounds WHERE client_id = ? ORDER BY created_at DESC LIMIT 1",
            [apex.id],
        ).fetchone()[0]
    url = f"/rounds/{latest}"
    # The demo's rounds are anonymous: one whose results were shown stays closed.
    client.post(f"{url}/reopen", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        row = next(r for r in portfolio(get_db()).rows if r.name == "Apex Retail Group")
    assert row.period == "2026-Q4" and row.open_round_id is None
    with app.app_context():  # a named round without a client side shown can be reopened
        db = get_db()
        with db.conn:
            db.execute(
                "UPDATE rounds SET anonymous = 0, mirror_digest = NULL, client_results = NULL"
                " WHERE id = ?",
                [latest],
            )
    client.post(f"{url}/reopen", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        row = next(r for r in portfolio(get_db()).rows if r.name == "Apex Retail Group")
    assert row.period == "2026-Q3" and row.open_round_id == latest
    client.post(f"{url}/close", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        row = next(r for r in portfolio(get_db()).rows if r.name == "Apex Retail Group")
    assert row.period == "2026-Q4" and row.escalations == 3


def test_page_shows_rows_heat_map_and_filters(app, client, auth, demo):
    auth.login("lead")
    page = client.get("/portfolio/").get_data(as_text=True)
    assert page.index("Apex Retail Group") < page.index("Harbor &amp; Pine Foods")
    assert "Heat map" in page and page.count('class="text-center heat"') == 18
    filtered = client.get("/portfolio/?band=healthy").get_data(as_text=True)
    assert "Harbor &amp; Pine Foods" in filtered and "Apex Retail Group" not in filtered
    chinese = client.get("/portfolio/", headers={"Accept-Language": "zh-CN"})
    assert "按时付款" in chinese.get_data(as_text=True)


def test_results_export_download(app, client, auth, demo):
    auth.login("lead")
    response = client.get("/portfolio/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert {row["client"] for row in rows} == {
        "Apex Retail Group",
        "Meridian Tech",
        "Harbor & Pine Foods",
    }
    assert client.get("/portfolio/results.xml").status_code == 404


def test_members_cannot_see_the_portfolio(client, auth):
    auth.login("member")
    assert client.get("/portfolio/").status_code == 403
    assert client.get("/portfolio/results.csv").status_code == 403


def _edit_summary(app, client_name, change):
    import json

    with app.app_context():
        db = get_db()
        found = portfolio(db)
        row = next(r for r in found.rows if r.name == client_name)
        stored = db.execute(
            "SELECT summary FROM round_summaries WHERE round_id = ?", [row.round_id]
        ).fetchone()[0]
        summary = json.loads(stored)
        change(summary)
        db.execute(
            "UPDATE round_summaries SET summary = ? WHERE round_id = ?",
            [json.dumps(summary), row.round_id],
        )
        db.conn.commit()
        return next(r for r in portfolio(db).rows if r.name == client_name)


def test_worst_sign_ties_keep_the_questionnaire_order(app, demo):
    # "power" comes before "expectations" in six-signs.toml, after it alphabetically.
    def tie(summary):
        for sign_id in summary["signs"]:
            summary["signs"][sign_id][1] = 80.0
        summary["signs"]["power"][1] = summary["signs"]["expectations"][1] = 12.5

    assert _edit_summary(app, "Harbor & Pine Foods", tie).worst_sign_id == "power"


def test_the_trend_direction_is_the_one_decided_exactly_at_closing(app, demo):
    # A change a hair under the threshold of 5 rounds to the float 5.0: the direction decided
    # on the exact values when the round closed ("steady") stands; it is not recomputed.
    def just_under_five(summary):
        summary["index"], summary["trend"], summary["trend_direction"] = 65.0, 5.0, "steady"

    assert _edit_summary(app, "Harbor & Pine Foods", just_under_five).trend.direction == "steady"


def test_a_round_withheld_for_anonymity_says_so(app, client, auth, make_round):
    from assessment import results as results_module
    from assessment.store import responses, rounds

    created, people = make_round(respondents=2, client="Tiny Team")
    with app.app_context():
        db = get_db()
        likert = {i.id: 4 for i in created.questionnaire.items() if i.type == "likert"}
        for person in people:
            responses.save_response(db, person.id, likert, {}, submit=True)
        results_module.close_round(db, rounds.get_round(db, created.id))
        row = next(r for r in portfolio(db).rows if r.name == "Tiny Team")
    assert row.withheld and row.index is None
    assert row.withheld_signs == {s.id for s in created.questionnaire.signs}
    auth.login("lead")
    for url in ("/portfolio/", f"/clients/{created.client_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Withheld for anonymity" in page and "Insufficient data" not in page, url
    heat = client.get("/portfolio/").get_data(as_text=True).split("heatmap", 1)[1]
    cells = re.search(r"Tiny Team</th>(.*?)</tr>", heat, re.S).group(1)
    assert cells.count('class="text-center text-body-secondary small withheld-cell"') == 6
    assert ">–<" not in cells, "a withheld sign is not shown as missing"


def test_next_review_comes_from_the_review_calendar(app, demo):
    with app.app_context():
        db = get_db()
        harbor = clients.find_by_name(db, "Harbor & Pine Foods")
        clients.set_review_calendar(db, harbor.id, cadence="yearly", auto_send=False)
        row = next(r for r in portfolio(db, today=date(2026, 11, 22)).rows if r.name == harbor.name)
        assert (row.next_review_period, row.next_review_due) == ("2027-Q4", date(2027, 10, 1))
        clients.set_review_calendar(db, harbor.id, cadence="off", auto_send=False)
        row = next(r for r in portfolio(db, today=date(2026, 11, 22)).rows if r.name == harbor.name)
        assert row.next_review_due is None and not row.review_overdue
        # A quarterly client whose last review is two quarters back is overdue.
        clients.set_review_calendar(db, harbor.id, cadence="quarterly", auto_send=False)
        row = next(r for r in portfolio(db, today=date(2027, 5, 2)).rows if r.name == harbor.name)
        assert (row.next_review_period, row.next_review_due) == ("2027-Q2", date(2027, 4, 1))
        assert row.review_overdue


def test_the_perception_gap_column_and_filter(app, make_round, auth, client):
    """The latest review's widest gap between the two sides, its flagged signs, and a
    filter for the clients whose client sees things very differently."""
    from assessment import results
    from assessment.store import responses

    current, people = make_round(client="Gapco", respondents=3, anonymous=False, contacts=3)
    team = {
        "days-paid-late": 60,
        "invoice-handling": "paid-after-chasing",
        "invoicing-process-clear": 2,
        "work-while-overdue": 5,
    }
    theirs = {"c-paid-within-terms": 5, "c-invoice-handling": "paid-on-receipt"}
    make_round(client="Quietco", respondents=3, anonymous=False)
    with app.app_context():
        db = get_db()
        for person in people[:3]:
            responses.save_response(db, person.id, team, {}, submit=True)
        for person in people[3:]:
            responses.save_response(db, person.id, theirs, {}, submit=True)
        results.close_round(db, current)
    auth.login()
    page = client.get("/portfolio/").get_data(as_text=True)
    row = page[page.index(">Gapco<") :].split("</tr>")[0]
    assert "+85" in row and "Paying on time" in row.split('class="gap-cell"')[1]
    wide = client.get("/portfolio/?gap=wide").get_data(as_text=True)
    assert ">Gapco<" in wide and ">Quietco<" not in wide
    assert ">Quietco<" in client.get("/portfolio/?gap=nonsense").get_data(as_text=True)


def test_a_page_is_the_slice_of_the_whole_order_built_in_full(app, demo):
    """Paging changes which rows are built, never their order or their contents."""
    with app.app_context():
        db = get_db()
        for n in range(4):  # clients without rounds sort last, by name
            clients.create_client(db, name=f"Zeta {n}")
        whole = portfolio(db, today=date(2026, 11, 22))
        pages = [portfolio(db, today=date(2026, 11, 22), page=n, per_page=3) for n in (1, 2, 3)]
        filtered = portfolio(db, band_id="healthy", page=1, per_page=3)
    assert whole.total == 7 and whole.pages == 1
    assert [p.pages for p in pages] == [3, 3, 3] and {p.total for p in pages} == {7}
    assert [row for p in pages for row in p.rows] == whole.rows
    assert _names(filtered) == ["Harbor & Pine Foods"] and filtered.total == 1
    assert pages[0].industries == whole.industries and pages[0].leads == whole.leads
    assert pages[2].questionnaire is whole.questionnaire or (
        pages[2].questionnaire.id == whole.questionnaire.id
    )


def test_the_page_is_paged_riskiest_first_and_a_page_past_the_end_is_404(
    app, client, auth, demo, monkeypatch
):
    """Leads and admins page through the dashboard (members: see the test above)."""
    from assessment.web import portfolio as portfolio_view

    monkeypatch.setattr(portfolio_view, "PER_PAGE", 2)
    auth.login("lead")
    first = client.get("/portfolio/").get_data(as_text=True)
    assert "Apex Retail Group" in first and "Harbor &amp; Pine Foods" not in first
    assert "3 clients, sorted by risk" in first and "Page 1 of 2" in first
    assert 'href="/portfolio/?page=2" rel="next"' in first
    second = client.get("/portfolio/?page=2").get_data(as_text=True)
    assert "Harbor &amp; Pine Foods" in second and "Apex Retail Group" not in second
    assert 'href="/portfolio/?page=1" rel="prev"' in second
    assert second.count('class="text-center heat"') == 6  # the heat map of this page's client
    industry = client.get("/portfolio/?industry=Software&page=1").get_data(as_text=True)
    assert "Page 1 of" not in industry  # one page: no pager
    for page in ("3", "0", "-1", "99999999999999999999999"):
        assert client.get(f"/portfolio/?page={page}").status_code == 404, page
    chinese = client.get("/portfolio/", headers={"Accept-Language": "zh-CN"})
    assert "风险较低的客户" in chinese.get_data(as_text=True)
    auth.logout()
    assert client.get("/portfolio/?page=2").status_code == 302  # nobody: to the login
