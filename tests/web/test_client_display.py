"""How a round shows its client contacts' answers (issue 24, item 3): combined, from the
round's client floor, or attributed, each contact by name; chosen when the round is created,
told to the contacts before they answer, kept by every page, PDF and export.

Who may see what (docs/anonymity.md, "The client's side"): the results page and the PDF are
a lead's or an admin's (tested here for the lead, and refused to a member, a team link, a
client link and nobody); a client contact sees only their own form.
"""

import io
import re
from collections import Counter
from fractions import Fraction

import pikepdf
import pytest
from conftest import csrf_token

from assessment import exports, results
from assessment.db import get_db
from assessment.figures import score_text
from assessment.store import responses, rounds

TEAM_PAYMENT = {
    "days-paid-late": 60,
    "invoice-handling": "paid-after-chasing",
    "invoicing-process-clear": 2,
    "work-while-overdue": 5,
}
CLIENT_HIGH = {"c-paid-within-terms": 5, "c-invoice-handling": "paid-on-receipt"}
CLIENT_LOW = {"c-paid-within-terms": 1, "c-invoice-handling": "paid-after-reminder"}


def _answer(app, people, answers):
    with app.app_context():
        db = get_db()
        for person in people:
            responses.save_response(db, person.id, answers, {}, submit=True)


def _closed(app, current):
    with app.app_context():
        db = get_db()
        results.close_round(db, current)
        return rounds.get_round(db, current.id)


def _new_round_form(client, client_id, **fields):
    token = csrf_token(client, f"/clients/{client_id}/rounds/new")
    data = {
        "csrf_token": token,
        "kind": "quarterly",
        "period": "2027-Q1",
        "questionnaire": "six-signs",
        "anonymous": "y",
        **fields,
    }
    return client.post(f"/clients/{client_id}/rounds/new", data=data)


def test_the_new_round_form_offers_the_choice_and_stores_it(app, make_round, auth, client):
    existing, _people = make_round()
    auth.login()
    page = client.get(f"/clients/{existing.client_id}/rounds/new").get_data(as_text=True)
    assert 'name="client_display"' in page and 'value="attributed"' in page
    assert re.search(r'name="client_floor"[^>]*value="2"', page)  # CLIENT_FLOOR's default
    created = _new_round_form(
        client, existing.client_id, client_display="attributed", client_floor="4"
    )
    assert created.status_code == 302
    with app.app_context():
        found = rounds.find_round(get_db(), existing.client_id, "quarterly", "2027-Q1")
    assert (found.client_display, found.client_floor, found.client_attributed) == (
        "attributed",
        4,
        True,
    )
    assert results.client_floor(found) is None  # attributed: no floor, by name


@pytest.mark.parametrize(
    "fields",
    [{"client_floor": "1"}, {"client_floor": "two"}, {"client_display": "by-name"}],
)
def test_a_bad_choice_is_refused_and_nothing_is_stored(app, make_round, auth, client, fields):
    existing, _people = make_round()
    auth.login()
    refused = _new_round_form(client, existing.client_id, **fields)
    assert refused.status_code == 400
    with app.app_context():
        assert rounds.find_round(get_db(), existing.client_id, "quarterly", "2027-Q1") is None


def test_client_floor_setting_in_the_config_file(tmp_path):
    from assessment import create_app
    from assessment.settings import ConfigError

    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.toml").write_text("CLIENT_FLOOR = 3\n")
    assert create_app(instance_path=str(instance)).config["CLIENT_FLOOR"] == 3
    for bad in ("1", "2.5", '"2"'):
        (instance / "config.toml").write_text(f"CLIENT_FLOOR = {bad}\n")
        with pytest.raises(ConfigError, match="CLIENT_FLOOR must be a whole number of at least 2"):
            create_app(instance_path=str(instance))


def test_the_default_client_floor_is_two(app):
    assert app.config["CLIENT_FLOOR"] == 2


@pytest.mark.parametrize(
    ("display", "lang", "expected"),
    [
        ("combined", "en", "once at least 2 of you have answered"),
        ("combined", "en", "each of you could work out the other's answers"),
        ("attributed", "en", "with the name of whoever gave it"),
        ("combined", "zh-CN", "至少 2 人"),
        ("attributed", "zh-CN", "署名"),
    ],
)
def test_the_client_form_says_how_answers_are_shown(
    app, make_round, client, display, lang, expected
):
    _current, people = make_round(respondents=1, contacts=2, client_display=display)
    contact = people[1]
    page = client.get(f"/r/{contact.token}", headers={"Accept-Language": lang})
    page = page.get_data(as_text=True)
    notice = page[page.index('data-testid="client-display-notice"') :].split("</div>")[0]
    assert expected in notice


def test_combined_with_two_contacts_is_shown_and_names_no_one(app, make_round, auth, client):
    current, people = make_round(respondents=3, anonymous=False, contacts=2)
    _answer(app, people[:3], TEAM_PAYMENT)
    _answer(app, people[3:4], CLIENT_HIGH)
    _answer(app, people[4:5], CLIENT_LOW)
    closed = _closed(app, current)
    with app.app_context():
        outcome = results.outcome(results.load(get_db(), closed))
    assert outcome.perception.get("payment").status == "compared"  # two of two: shown
    assert outcome.contacts == ()  # combined: nothing individual
    auth.login()
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    section = page[page.index('id="both-sides"') :]
    assert "combined: no one contact" in section
    assert "Client 0" not in section and "Client 1" not in section
    assert 'data-testid="contact-views"' not in section
    # Sharing the summary back with two contacts: the lead is warned first.
    assert 'data-testid="two-contacts-warning"' in section
    with app.app_context():
        csv = exports.export_answers(get_db(), current.id, "csv")
    assert "Client 0" not in csv and "Client 1" not in csv


def test_attributed_shows_each_contact_by_name_to_leads_only(app, make_round, auth, client):
    current, people = make_round(
        respondents=3, anonymous=False, contacts=2, client_display="attributed"
    )
    _answer(app, people[:3], TEAM_PAYMENT)
    _answer(app, people[3:4], CLIENT_HIGH)
    _answer(app, people[4:5], CLIENT_LOW)
    closed = _closed(app, current)
    with app.app_context():
        outcome = results.outcome(results.load(get_db(), closed))
    views = {c.name: c.scores["payment"] for c in outcome.contacts}
    # Client 0: 5 → 100, paid on receipt → 100; Client 1: 1 → 0, after a reminder → 65.
    assert views == {"Client 0": 100, "Client 1": Fraction(65, 2)}
    auth.login()
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    table = page[page.index('data-testid="contact-views"') :].split("</table>")[0]
    with app.app_context():
        shown = score_text(closed.mirror, Fraction(65, 2))
    assert "Client 0" in table and "Client 1" in table and f">{shown}<" in table
    assert 'data-testid="two-contacts-warning"' not in page  # they answered by name
    with app.app_context():
        rows = exports.answer_rows(get_db(), current.id)
    assert {r["respondent"] for r in rows if r["side"] == "client"} == {"Client 0", "Client 1"}
    assert {r["respondent_role"] for r in rows if r["side"] == "client"} == {"owner"}
    pdf = client.get(f"/rounds/{current.id}/report.pdf?lang=en").data
    assert "Client 0" in _pdf_text(pdf)
    auth.logout()
    # Nobody else reaches the names: nobody, a member, a team link, a client link.
    assert client.get(f"/rounds/{current.id}/results").status_code in (302, 401, 403)
    for link in (people[0].token, people[3].token):
        client.get(f"/r/{link}")
        page = client.get(f"/rounds/{current.id}/results")
        assert page.status_code in (302, 401, 403) and b"Client 1" not in page.data
        assert client.get(f"/rounds/{current.id}/report.pdf").status_code in (302, 401, 403)
    auth.login("member")
    assert client.get(f"/rounds/{current.id}/results").status_code == 403
    assert client.get(f"/rounds/{current.id}/report.pdf").status_code == 403


def test_below_the_floor_the_message_states_true_numbers(app, make_round, auth, client):
    current, people = make_round(respondents=3, anonymous=False, contacts=4, client_floor=3)
    _answer(app, people[:3], TEAM_PAYMENT)
    _answer(app, people[3:5], CLIENT_HIGH)  # two of four, under the floor of three
    _closed(app, current)
    auth.login()
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    message = page[page.index('data-testid="client-not-enough"') :].split("</div>")[0]
    assert "Only 2 of the client's people answered" in message
    assert "shown from 3 answers" in message
    text = _pdf_text(client.get(f"/rounds/{current.id}/report.pdf?lang=en").data)
    assert "Only 2 of the client" in text and "shown from 3 answers" in text


def test_above_the_floor_with_no_sign_scored_says_why(app, make_round, auth, client):
    current, people = make_round(respondents=3, anonymous=False, contacts=4, client_floor=2)
    _answer(app, people[:3], TEAM_PAYMENT)
    # Four answered, each about a different sign: no sign has two of them.
    for person, item in zip(
        people[3:],
        ["c-paid-within-terms", "c-goals-agreed", "c-access-given", "c-advice-considered"],
        strict=True,
    ):
        _answer(app, [person], {item: 4})
    _closed(app, current)
    auth.login()
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    message = page[page.index('data-testid="client-not-enough"') :].split("</div>")[0]
    assert "4 of the client's people answered, but no sign has enough" in message
    assert "at least 2 of them" in message and "shown from 4" not in message


def test_a_sign_neither_side_asks_reads_not_asked(app, make_round, auth, client, questionnaires):
    """At kickoff the shipped files leave payment out on both sides: "Not asked", never
    "not enough client answers"."""
    current, people = make_round(kind="kickoff", respondents=3, anonymous=False, contacts=2)
    team_answers = {
        i.id: 4
        for i in questionnaires["six-signs"].items()
        if i.type == "likert" and i.applies("kickoff")
    }
    client_answers = {
        i.id: 4
        for i in questionnaires["six-signs-client"].items()
        if i.type == "likert" and i.applies("kickoff")
    }
    _answer(app, people[:3], team_answers)
    _answer(app, people[3:], client_answers)
    _closed(app, current)
    auth.login()
    page = client.get(f"/rounds/{current.id}/results").get_data(as_text=True)
    section = page[page.index('id="both-sides"') :]
    row = section[section.index('data-sign="payment"') :].split("</tr>")[0]
    assert "Not asked" in row and "Not enough client answers" not in row
    note = section[section.index('data-testid="like-for-like"') :].split("</p>")[0]
    assert "Left out, as only one side or neither has a score:" in note
    assert "Invoices" in note or "Paying" in note or "payment" in note.lower()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Not asked of the client", "Not asked of the team", "Not enough client answers"]),
        ("zh-CN", ["未询问客户方", "未询问团队", "客户方回答不足"]),
    ],
)
def test_each_edge_has_its_own_words(app, lang, words):
    """The row notes of "How each side sees it", from the status of each sign."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from assessment.vocab import BABEL_LOCALES

    with app.test_request_context(), force_locale(BABEL_LOCALES[lang]):
        macros = app.jinja_env.get_template("_sides_macros.html").make_module({})
        said = [
            str(macros.status_note(SimpleNamespace(status=status))).strip()
            for status in ("not_asked_client", "not_asked_team", "not_enough_client")
        ]
    assert said == words


def _pdf_text(data: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _roles(data: bytes) -> Counter:
    document = pikepdf.open(io.BytesIO(data))
    found: Counter = Counter()

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
            return
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            return
        found[str(node.S)] += 1
        if "/K" in node:
            walk(node.K)

    walk(document.Root.StructTreeRoot.K)
    return found


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_side_by_side_table_is_a_tagged_table_in_both_pdfs(app, make_round, auth, client, lang):
    current, people = make_round(respondents=3, anonymous=False, contacts=2)
    _answer(app, people[:3], TEAM_PAYMENT)
    _answer(app, people[3:], CLIENT_HIGH)
    _closed(app, current)
    auth.login()
    report = client.get(f"/rounds/{current.id}/report.pdf?lang={lang}").data
    roles = _roles(report)
    # The signs at a glance and the side-by-side table (no actions yet): two tables.
    assert roles["/Table"] >= 2, roles
    token = csrf_token(client, f"/rounds/{current.id}/results")
    client.post(f"/rounds/{current.id}/client-summary", data={"csrf_token": token, "shared": "on"})
    summary = client.get(f"/rounds/{current.id}/client-summary.pdf?lang={lang}").data
    roles = _roles(summary)
    # Header and six aspects: 7 rows; 5 headers a row's sign and the 4 column heads.
    assert roles["/Table"] == 1 and roles["/TR"] == 7, roles
    assert roles["/TH"] == 5 + 6 and roles["/TD"] == 4 * 6, roles


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("combined", "closes with at least 3 client answers"),
        ("attributed", "show each contact's view by name"),
    ],
)
def test_the_round_page_states_the_rounds_own_promise(
    app, make_round, auth, client, display, expected
):
    """A lead's round page (leads only: see test_access_matrix) names the round's choice
    and its own client floor, not the team's anonymity floor."""
    current, _people = make_round(contacts=2, client_display=display, client_floor=3)
    with app.app_context():
        get_db().execute("UPDATE rounds SET anonymity_floor = 4 WHERE id = ?", [current.id])
    auth.login()
    page = client.get(f"/rounds/{current.id}").get_data(as_text=True)
    said = page[page.index('data-testid="client-display"') :].split("</p>")[0]
    assert expected in said
