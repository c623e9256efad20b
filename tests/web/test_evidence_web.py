"""The incident log and the client's evidence page (assessment/web/evidence.py): who may
reach each page (admin, lead, member, team link, client link, share link, nobody), what
leaders see of incidents under the text floor, invoice uploads, the export."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from conftest import PASSWORD, AuthActions, csrf_token

from assessment.db import get_db
from assessment.store import evidence as store
from assessment.store import share_links, users
from assessment.store.respondents import add_respondent

VISITORS = ("nobody", "team_link", "client_link", "share_link", "member", "lead", "admin")
OUTSIDERS = ("nobody", "team_link", "client_link", "share_link")


@pytest.fixture
def world(app, make_round):
    """A named round of Acme with the member on its team (by email), one client contact,
    and a share link; the member's incident."""
    current, people = make_round(period="2026-Q1", respondents=1, anonymous=False, contacts=1)
    with app.app_context():
        db = get_db()
        add_respondent(db, current.id, name="Member", email="member@example.com")
        member = users.find_by_email(db, "member@example.com")
        link = share_links.create_link(db, current.id, language="en")
        incident = store.create_incident(
            db,
            client_id=current.client_id,
            author_id=member.id,
            sign="payment",
            happened=date(2026, 1, 10),
            text="Invoice 7 rejected again for a missing PO number",
        )
    return {
        "client": current.client_id,
        "round": current.id,
        "team_token": people[0].token,
        "client_token": people[1].token,
        "share": link.token,
        "incident": incident.id,
        "member": member.id,
    }


def visitor(app, kind, world):
    """A browser of one kind of visitor: logged in, or holding one kind of link."""
    client = app.test_client()
    if kind in ("member", "lead", "admin"):
        AuthActions(client).login(kind)
    elif kind == "team_link":
        assert client.get(f"/r/{world['team_token']}").status_code == 200
    elif kind == "client_link":
        assert client.get(f"/r/{world['client_token']}").status_code == 200
    elif kind == "share_link":
        assert client.get(f"/s/{world['share']}").status_code == 200
    return client


# Who may reach which page: logging an incident is for the team (members on a client's
# team, leads, admins); changing one for its author only (the member here); the evidence
# page, the upload and the export for leads and admins. Nobody without an account.
PAGES = [
    ("GET", "/incidents/new", {"member": 200, "lead": 200, "admin": 200}),
    ("GET", "/incidents/{incident}/edit", {"member": 200, "lead": 404, "admin": 404}),
    ("GET", "/clients/{client}/evidence", {"member": 403, "lead": 200, "admin": 200}),
    ("GET", "/clients/{client}/incidents.csv", {"member": 403, "lead": 200, "admin": 200}),
    ("POST", "/clients/{client}/invoices", {"member": 403, "lead": 400, "admin": 400}),
    ("POST", "/incidents/new", {"member": 400, "lead": 400, "admin": 400}),
    ("POST", "/rounds/{round}/client-summary/invoices", {"member": 403, "lead": 400, "admin": 400}),
]


@pytest.mark.parametrize("kind", VISITORS)
def test_every_page_against_every_kind_of_visitor(app, world, kind):
    client = visitor(app, kind, world)
    for method, template, allowed in PAGES:
        url = template.format(**world)
        if method == "GET":
            response = client.get(url)
        else:
            token = csrf_token(client, "/" if kind not in OUTSIDERS else "/login")
            response = client.post(url, data={"csrf_token": token})
        if kind in OUTSIDERS:
            assert response.status_code == 302, (kind, url)
            assert response.headers["Location"].startswith("/login"), (kind, url)
        else:
            assert response.status_code == allowed[kind], (kind, method, url)
        # The member's unsigned text: only its author sees it (leads: under the text floor).
        if kind != "member":
            assert "PO number" not in response.get_data(as_text=True), (kind, url)


def login(app, role):
    client = app.test_client()
    client.post(
        "/login",
        data={
            "email": f"{role}@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    return client


def log_incident(client, **fields):
    data = {
        "csrf_token": csrf_token(client, "/incidents/new"),
        "client_id": fields.pop("client_id"),
        "sign": "payment",
        "text": "Paid 40 days late again",
        "happened": date.today().isoformat(),
        **fields,
    }
    return client.post("/incidents/new", data=data)


def test_a_member_logs_an_incident_from_the_home_page(app, world):
    client = login(app, "member")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/incidents/new"' in home
    page = client.get("/incidents/new").get_data(as_text=True)
    assert "Acme" in page and "Stated a boundary" in page
    response = log_incident(
        client, client_id=world["client"], moves=["boundary", "term"], response="They agreed"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        db = get_db()
        (latest, *_rest) = store.my_incidents(db, world["member"])
        assert latest.moves == frozenset({"boundary", "term"}) and not latest.signed
        assert latest.response == "They agreed"
        entry = db.execute(
            "SELECT action, object_type, object_id, details FROM audit_log"
            " WHERE action = 'incident.logged'"
        ).fetchone()
    assert tuple(entry[:3]) == ("incident.logged", "client", world["client"])
    assert "incident" not in entry[3]  # an unsigned one: the log names no incident
    assert "Paid 40 days late again" in client.get("/").get_data(as_text=True)


def test_no_sign_a_future_date_or_another_clients_sign_is_refused_and_nothing_stored(app, world):
    client = login(app, "member")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for fields, message in (
        ({"sign": ""}, "Choose the sign."),
        ({"happened": tomorrow}, "The day is in the future."),
        ({"sign": "no-such-sign"}, "Not a valid choice"),
        ({"text": "  "}, "Say what happened."),
        ({"moves": ["bribe"]}, "not a valid choice"),
    ):
        response = log_incident(client, client_id=world["client"], **fields)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), fields
    with app.app_context():
        assert len(store.client_incidents(get_db(), world["client"])) == 1


def test_a_member_cannot_log_for_a_client_whose_team_they_are_not_on(app, world, make_round):
    other, _people = make_round(client="Other Co", period="2026-Q1")
    client = login(app, "member")
    response = log_incident(client, client_id=other.client_id)
    assert response.status_code == 400
    with app.app_context():
        assert store.client_incidents(get_db(), other.client_id) == []


def test_the_author_edits_for_a_week_then_not(app, world):
    client = login(app, "member")
    url = f"/incidents/{world['incident']}/edit"
    data = {
        "csrf_token": csrf_token(client, url),
        "sign": "payment",
        "text": "Corrected text",
        "happened": "2026-01-11",
        "signed": "y",
    }
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        db = get_db()
        changed = store.get_incident(db, world["incident"])
        assert changed.text == "Corrected text" and changed.signed
        assert changed.client_id == world["client"]
        db.execute("UPDATE incidents SET created_at = '2020-01-01T00:00:00+00:00'")
    response = client.get(url)
    assert response.status_code == 302
    data["text"] = "Too late"
    client.post(url, data=data)
    with app.app_context():
        assert store.get_incident(get_db(), world["incident"]).text == "Corrected text"


def _incidents_by(app, world, authors: int, *, signed=False):
    with app.app_context():
        db = get_db()
        for n in range(authors):
            user = users.create_user(
                db, email=f"p{n}@example.com", password=PASSWORD, role="member", name=f"P{n}"
            )
            store.create_incident(
                db,
                client_id=world["client"],
                author_id=user.id,
                sign="power",
                happened=date(2026, 2, 1 + n),
                text=f"Secret detail number {n}",
                signed=signed,
            )


def test_leaders_see_counts_but_no_unsigned_texts_under_the_text_floor(app, world):
    _incidents_by(app, world, 3)  # four people in all: below the text floor of 5
    client = login(app, "lead")
    page = client.get(f"/clients/{world['client']}/evidence").get_data(as_text=True)
    assert "Secret detail" not in page and "PO number" not in page
    assert "texts of 4 unsigned incidents are withheld" in page
    assert "P0" not in page and "Member" not in page
    csv_text = client.get(f"/clients/{world['client']}/incidents.csv").get_data(as_text=True)
    assert "Secret detail" not in csv_text and "PO number" not in csv_text


def test_at_the_text_floor_texts_are_shown_without_names_or_days(app, world):
    _incidents_by(app, world, 4)  # five people: at the floor
    client = login(app, "lead")
    page = client.get(f"/clients/{world['client']}/evidence").get_data(as_text=True)
    assert "Secret detail number 3" in page and "PO number" in page
    for n in range(4):
        assert f">P{n}<" not in page and f"P{n} ·" not in page
    assert "2026-02-0" not in page  # no days of unsigned incidents
    csv_text = client.get(f"/clients/{world['client']}/incidents.csv").get_data(as_text=True)
    assert "Secret detail number 3" in csv_text and "P3" not in csv_text


def test_a_signed_incident_is_shown_with_its_author_at_once(app, world):
    _incidents_by(app, world, 1, signed=True)
    page = login(app, "lead").get(f"/clients/{world['client']}/evidence").get_data(as_text=True)
    assert "Secret detail number 0" in page and "P0" in page
    assert "PO number" not in page  # the member's unsigned one stays withheld


def test_counts_per_sign_and_month(app, world):
    _incidents_by(app, world, 2)
    with app.app_context():
        data = __import__("assessment.web.evidence", fromlist=["x"]).evidence_page_data(
            get_db(), world["client"], date(2026, 3, 15), 5
        )
    assert data["by_month"] == {("payment", "2026-01"): 1, ("power", "2026-02"): 2}
    assert data["months"][-1] == "2026-03"


def test_export_is_formula_safe(app, world):
    with app.app_context():
        store.create_incident(
            get_db(),
            client_id=world["client"],
            author_id=world["member"],
            sign="payment",
            happened=date(2026, 1, 2),
            text='=HYPERLINK("http://x")',
            signed=True,
        )
    text = (
        login(app, "lead").get(f"/clients/{world['client']}/incidents.csv").get_data(as_text=True)
    )
    assert "'=HYPERLINK" in text and not re.search(r"(^|,)=HYPERLINK", text, re.M)


def test_a_lead_uploads_invoices_and_sees_the_figures(app, world):
    client = login(app, "lead")
    url = f"/clients/{world['client']}/evidence"
    body = (
        "发票号码,开票日期,到期日,付款日期,金额,币种\n"
        "A1,2026-01-01,2026-01-31,2026-03-02,100.00,EUR\n"
        "A2,2026-01-01,2026-01-31,,50.50,CNY\n"
    ).encode("gbk")
    response = client.post(
        f"/clients/{world['client']}/invoices",
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(body), "f.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(url).get_data(as_text=True)
    assert "2 invoices imported" in page
    assert "CNY 50.50" in page
    bad = b"number,issued,due,paid,amount,currency\nB1,2026-01-01,2026-01-31,,-1,EUR\n"
    response = client.post(
        f"/clients/{world['client']}/invoices",
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(bad), "bad.csv")},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "line 2: amount: -1 is negative" in text
    with app.app_context():
        assert store.invoice_count(get_db(), world["client"]) == 2


def test_the_evidence_page_and_form_in_chinese(app, world):
    client = login(app, "lead")
    zh = {"Accept-Language": "zh-CN"}
    page = client.get(f"/clients/{world['client']}/evidence", headers=zh).get_data(as_text=True)
    assert "发票" in page and "事件" in page
    form = login(app, "member")
    text = form.get("/incidents/new", headers=zh).get_data(as_text=True)
    assert "记录事件" in text and "明确了边界" in text


def test_user_text_is_inert_on_every_page(app, world):
    """An incident's text and a client's response are shown as text, never as markup."""
    hostile = '<img src=x onerror="alert(1)">'
    _incidents_by(app, world, 4)
    with app.app_context():
        store.create_incident(
            get_db(),
            client_id=world["client"],
            author_id=world["member"],
            sign="payment",
            happened=date(2026, 1, 3),
            text=hostile,
            response=hostile,
            signed=True,
        )
    member = login(app, "member").get("/").get_data(as_text=True)
    lead = login(app, "lead").get(f"/clients/{world['client']}/evidence").get_data(as_text=True)
    for page in (member, lead):
        assert hostile not in page and "&lt;img src=x" in page


def test_someone_on_several_teams_chooses_the_client_first(app, world, make_round):
    other, _people = make_round(client="Other Co", period="2026-Q1", respondents=0)
    with app.app_context():
        add_respondent(get_db(), other.id, name="Member", email="member@example.com")
    client = login(app, "member")
    page = client.get("/incidents/new").get_data(as_text=True)
    assert '<option selected value="0">Choose…</option>' in page or 'value="0" selected' in page
    response = log_incident(client, client_id=0)
    assert response.status_code == 400
    assert "Choose the client." in response.get_data(as_text=True)
    assert log_incident(client, client_id=other.client_id).status_code == 302


def test_a_team_member_logs_through_their_personal_link_without_an_account(app, world):
    """Create only: the page lists nothing and changes nothing; a client contact's link and
    an unknown one have no such page; the closed round's page leads to it."""
    client = app.test_client()
    url = f"/r/{world['team_token']}/incident"
    page = client.get(url).get_data(as_text=True)
    assert "Acme" in page and "PO number" not in page
    data = {
        "csrf_token": csrf_token(client, url),
        "client_id": world["client"],
        "sign": "power",
        "text": "Told to skip the change request",
        "happened": date.today().isoformat(),
        "moves": ["process"],
        "signed": "y",
    }
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    after = client.get(url).get_data(as_text=True)
    assert "Incident logged. Thank you." in after and "skip the change" not in after
    with app.app_context():
        db = get_db()
        (logged,) = [i for i in store.client_incidents(db, world["client"]) if i.sign == "power"]
        entry = db.execute(
            "SELECT actor, user_id FROM audit_log WHERE action = 'incident.logged'"
        ).fetchone()
    assert logged.author_id is None and logged.signed and logged.shown_name == "Person 0"
    assert tuple(entry) == ("personal link", None)
    assert client.get(f"/r/{world['client_token']}/incident").status_code == 404
    assert client.get("/r/not-a-token/incident").status_code == 404
    tomorrow = {**data, "happened": (date.today() + timedelta(days=1)).isoformat()}
    tomorrow["csrf_token"] = csrf_token(client, url)
    assert client.post(url, data=tomorrow).status_code == 400
    lead = login(app, "lead").get(f"/clients/{world['client']}/evidence").get_data(as_text=True)
    assert "Told to skip the change request" in lead and "Person 0" in lead  # signed


def test_the_closed_rounds_page_leads_team_links_to_the_log_not_client_links(app, world):
    from assessment import results
    from assessment.store import rounds

    with app.app_context():
        db = get_db()
        results.close_round(db, rounds.get_round(db, world["round"]))
    team = app.test_client().get(f"/r/{world['team_token']}").get_data(as_text=True)
    assert f"/r/{world['team_token']}/incident" in team
    contact = app.test_client().get(f"/r/{world['client_token']}").get_data(as_text=True)
    assert "/incident" not in contact
