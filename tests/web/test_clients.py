"""The clients pages (leads and admins)."""

import pytest
from conftest import csrf_token

from assessment.db import get_db
from assessment.store import clients


def _create(client, **fields):
    data = {"name": "Acme", "industry": "", "lead_id": "0", "start_date": "", "notes": ""}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/clients/new")
    return client.post("/clients/new", data=data)


def test_lead_creates_edits_and_archives_a_client(app, client, auth):
    auth.login("lead")
    response = _create(client, name="Acme <Corp>", industry="Retail", notes="Line 1\nLine 2")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Acme &lt;Corp&gt;" in page and "Client Acme &lt;Corp&gt; created." in page

    with app.app_context():
        acme = clients.find_by_name(get_db(), "Acme <Corp>")
    data = {"name": "Acme", "industry": "Food", "lead_id": "2", "start_date": "2026-02-01"}
    data["notes"] = ""
    data["csrf_token"] = csrf_token(client, f"/clients/{acme.id}/edit")
    assert client.post(f"/clients/{acme.id}/edit", data=data).status_code == 302
    with app.app_context():
        edited = clients.get_client(get_db(), acme.id)
    assert (edited.name, edited.industry, edited.lead_id) == ("Acme", "Food", 2)
    assert edited.start_date == "2026-02-01"

    token = csrf_token(client, f"/clients/{acme.id}")
    client.post(f"/clients/{acme.id}/archive", data={"csrf_token": token})
    assert "Acme" not in client.get("/clients/").get_data(as_text=True)
    assert "Acme" in client.get("/clients/?archived=1").get_data(as_text=True)


def test_edit_form_is_prefilled(app, client, auth):
    auth.login("lead")
    with app.app_context():
        acme = clients.create_client(get_db(), name="Acme", industry="Retail", notes="hello")
    page = client.get(f"/clients/{acme.id}/edit").get_data(as_text=True)
    assert 'value="Acme"' in page and 'value="Retail"' in page and "hello" in page


def test_missing_name_is_refused_with_a_message(client, auth):
    auth.login("lead")
    response = _create(client, name="", industry="Kept")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required." in page
    assert 'value="Kept"' in page


def test_search(app, client, auth):
    auth.login("admin")
    with app.app_context():
        for name, industry in [("Acme", "Retail"), ("Blue Labs", "Biotech"), ("Crane", "Retail")]:
            clients.create_client(get_db(), name=name, industry=industry)
    page = client.get("/clients/?q=retail").get_data(as_text=True)
    assert "Acme" in page and "Crane" in page and "Blue Labs" not in page
    page = client.get("/clients/?q=zzz").get_data(as_text=True)
    assert "No client matches" in page


@pytest.mark.parametrize("path", ["/clients/", "/clients/new", "/clients/1", "/clients/1/edit"])
def test_members_are_refused(app, client, auth, path):
    with app.app_context():
        clients.create_client(get_db(), name="Acme")
    auth.login("member")
    assert client.get(path).status_code == 403


def test_unknown_client_is_404(client, auth):
    auth.login("lead")
    assert client.get("/clients/999").status_code == 404
    assert client.get("/clients/999/edit").status_code == 404


def test_the_review_calendar_is_set_on_the_client_form(app, client, auth):
    auth.login("lead")
    response = _create(client, name="Calendar Co")
    assert response.status_code == 302
    with app.app_context():
        made = clients.find_by_name(get_db(), "Calendar Co")
    assert (made.review_cadence, made.review_auto_send) == ("quarterly", False)
    page = client.get(f"/clients/{made.id}").get_data(as_text=True)
    assert "Review calendar: Every quarter" in page
    data = {"name": "Calendar Co", "lead_id": "0", "review_cadence": "half-yearly"}
    data.update(review_auto_send="y", csrf_token=csrf_token(client, f"/clients/{made.id}/edit"))
    assert client.post(f"/clients/{made.id}/edit", data=data).status_code == 302
    with app.app_context():
        edited = clients.get_client(get_db(), made.id)
    assert (edited.review_cadence, edited.review_auto_send) == ("half-yearly", True)
    form = client.get(f"/clients/{made.id}/edit").get_data(as_text=True)
    assert '<option selected value="half-yearly">' in form
    assert '<input checked class="form-check-input" id="review_auto_send"' in form
    data.update(review_cadence="monthly", csrf_token=csrf_token(client, f"/clients/{made.id}/edit"))
    refused = client.post(f"/clients/{made.id}/edit", data=data)
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    with app.app_context():
        assert clients.get_client(get_db(), made.id).review_cadence == "half-yearly"


def test_a_new_clients_account_lead_is_whoever_creates_it(app, client, auth):
    auth.login("lead")
    with app.app_context():
        lead_id = (
            get_db().execute("SELECT id FROM users WHERE email = 'lead@example.com'").fetchone()[0]
        )
    page = client.get("/clients/new").get_data(as_text=True)
    assert f'<option selected value="{lead_id}">' in page or f'value="{lead_id}" selected' in page
    assert _create(client, name="Mine", lead_id=str(lead_id)).status_code == 302
    with app.app_context():
        assert clients.find_by_name(get_db(), "Mine").lead_id == lead_id


def test_client_creation_edits_and_archiving_are_audited(app, client, auth):
    from assessment.store import audit

    auth.login("lead")
    _create(client, name="Acme", industry="Retail")
    with app.app_context():
        acme = clients.find_by_name(get_db(), "Acme")
    token = csrf_token(client, f"/clients/{acme.id}/edit")
    client.post(
        f"/clients/{acme.id}/edit",
        data={"name": "Acme", "industry": "Food", "lead_id": "0", "csrf_token": token},
    )
    token = csrf_token(client, f"/clients/{acme.id}")
    client.post(f"/clients/{acme.id}/archive", data={"csrf_token": token})
    with app.app_context():
        entries = [
            (e.actor, e.action, e.object_id, e.details)
            for e in audit.entries(get_db())
            if e.action.startswith("client.")
        ]
    assert ("lead@example.com", "client.created", acme.id, {"name": "Acme"}) in entries
    changed = next(d for _a, action, _i, d in entries if action == "client.changed")
    assert "industry" in changed["changed"] and "name" not in changed["changed"]
    assert any(action == "client.archived" for _a, action, _i, _d in entries)
